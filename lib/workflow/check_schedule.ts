/**
 * The `schedule:` section (`every`, or `cron` with `cron_tz`): what the schema cannot say about it.
 * The cron expression and time zone themselves are checked by the monitor's schedule parser.
 *
 * @module
 */

import { parseDuration } from "./duration.ts";
import type { WorkflowSchedule } from "./workflow_model.ts";
import { describeValue, isPlainObject, type YamlSource } from "./yaml_source.ts";

const _KEYS = ["every", "cron", "cron_tz"];

/**
 * Checks `schedule:` (exactly one of `every` and `cron`, `cron_tz` only with `cron`, `every` at
 * least 1s) and normalises it.
 *
 * @param source Where to report.
 * @param value The `schedule` value (anything; the schema reports wrong types).
 * @returns The schedule, or `undefined` when absent or invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSchedule } from "./check_schedule.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("schedule:\n  every: 5m\n  cron: '* * * * *'\n", "x.yaml");
 * source.parse();
 * assert.equal(checkSchedule(source, { every: "5m", cron: "* * * * *" }), undefined);
 * assert.equal(source.diagnostics[0]?.message, "give either every or cron, not both");
 * assert.equal(source.diagnostics[0]?.line, 3);
 * ```
 */
export function checkSchedule(source: YamlSource, value: unknown): WorkflowSchedule | undefined {
  if (!isPlainObject(value)) return undefined;
  // Unknown keys were reported by the schema; a misspelt 'every' is not also a missing one.
  if (Object.keys(value).some((k) => !_KEYS.includes(k))) return undefined;
  const { every, cron, cron_tz: cronTz } = value;
  if (every !== undefined && cron !== undefined) {
    source.error(
      source.offset(["schedule", "cron"], "key"),
      "schedule.cron",
      "give either every or cron, not both",
    );
    return undefined;
  }
  if (every === undefined && cron === undefined) {
    source.error(
      source.offset(["schedule"]),
      "schedule",
      "missing every or cron, expected 'every: 5m' or 'cron: \"*/5 * * * *\"'",
    );
    return undefined;
  }
  if (cronTz !== undefined && cron === undefined) {
    source.error(
      source.offset(["schedule", "cron_tz"], "key"),
      "schedule.cron_tz",
      "cron_tz needs cron, expected 'cron:' next to it",
    );
    return undefined;
  }
  if (typeof every === "string") {
    const ms = parseDuration(every);
    if (ms !== undefined && ms < 1000) {
      source.error(
        source.offset(["schedule", "every"]),
        "schedule.every",
        `expected a duration of at least 1s, got ${describeValue(every, false)}`,
      );
      return undefined;
    }
    return ms === undefined ? undefined : { every };
  }
  if (typeof cron !== "string") return undefined;
  return typeof cronTz === "string" ? { cron, cronTz } : { cron };
}
