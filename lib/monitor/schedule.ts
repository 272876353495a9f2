/**
 * When a long-running monitor runs its check: `--every 5m` (a fixed rate) or
 * `--cron "*\/5 * * * *"` (a cron expression, evaluated with `croner`). This module only computes
 * times; waiting happens on a `Clock` in {@linkcode runScheduled}, so tests use a `FakeClock`.
 *
 * @module
 */

import { Cron } from "croner";
import { parseDuration } from "../workflow/duration.ts";

/** A parsed schedule. */
export type Schedule =
  /** Run now, then every `everyMs` milliseconds (fixed rate; missed slots are skipped). */
  | { kind: "every"; everyMs: number; text: string }
  /** Run at each time that matches the cron expression (5 or 6 fields, croner syntax). */
  | { kind: "cron"; expression: string; timeZone?: string; text: string };

/** A `--every` or `--cron` value that cannot be used. */
export class ScheduleError extends Error {
  /** Always `"ScheduleError"`. */
  override readonly name = "ScheduleError";
  /** The option, `"every"` or `"cron"`. */
  readonly option: "every" | "cron";
  /** The value given. */
  readonly value: string;

  /**
   * Creates the error.
   *
   * @param option The option.
   * @param value The value given.
   * @param expected What was expected.
   * @param options Error options (`cause`).
   */
  constructor(option: "every" | "cron", value: string, expected: string, options?: ErrorOptions) {
    super(
      `Cannot schedule the check as '--${option}' must be ${expected}: current value is ${
        JSON.stringify(value)
      }`,
      options,
    );
    this.option = option;
    this.value = value;
  }
}

/** The shortest `--every` interval: anything shorter would hammer the T4 login servers. */
export const MIN_EVERY_MS = 1000;

/**
 * Parses an `--every` value: a duration as workflows write them (`"30s"`, `"5m"`, `"1h"`), at
 * least {@linkcode MIN_EVERY_MS}.
 *
 * @param text The value.
 * @returns The schedule.
 * @throws {ScheduleError} When the value is not such a duration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEvery } from "./schedule.ts";
 *
 * assert.deepEqual(parseEvery("5m"), { kind: "every", everyMs: 300_000, text: "5m" });
 * assert.throws(() => parseEvery("5"), /'--every' must be a duration/);
 * ```
 */
export function parseEvery(text: string): Schedule {
  const trimmed = text.trim();
  const everyMs = parseDuration(trimmed);
  if (everyMs === undefined) {
    throw new ScheduleError("every", text, "a duration such as 30s, 5m or 1h");
  }
  if (everyMs < MIN_EVERY_MS) throw new ScheduleError("every", text, "at least 1s");
  return { kind: "every", everyMs, text: trimmed };
}

/**
 * Parses a `--cron` value: a cron expression with 5 fields (minute hour day month weekday) or 6
 * (seconds first), as `croner` reads it, in the local time zone unless `timeZone` is given.
 *
 * @param expression The cron expression, e.g. `"*\/5 * * * *"`.
 * @param timeZone An IANA time zone such as `"America/Chicago"`.
 * @returns The schedule.
 * @throws {ScheduleError} When the expression or the time zone is invalid, or the expression
 * never matches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextRunAt, parseCron } from "./schedule.ts";
 *
 * const schedule = parseCron("*\/5 * * * *", "UTC");
 * const next = nextRunAt(schedule, Date.parse("2026-11-25T10:01:00Z"));
 * assert.equal(next, Date.parse("2026-11-25T10:05:00Z"));
 * assert.throws(() => parseCron("*\/5 * *"), /'--cron' must be/);
 * ```
 */
export function parseCron(expression: string, timeZone?: string): Schedule {
  const text = expression.trim();
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone });
    } catch (cause) {
      throw new ScheduleError("cron", timeZone, "used with a known IANA time zone", { cause });
    }
  }
  let matches: boolean;
  try {
    const cron = _cron(text, timeZone);
    matches = cron.nextRun(new Date(0)) !== null || cron.nextRun() !== null;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.replace(/^CronPattern:\s*/, "") : "";
    throw new ScheduleError(
      "cron",
      text,
      `a cron expression with 5 fields (minute hour day month weekday) or 6 (seconds first)${
        detail ? ` (${detail})` : ""
      }`,
      { cause },
    );
  }
  if (!matches) throw new ScheduleError("cron", text, "an expression that matches some time");
  return timeZone === undefined
    ? { kind: "cron", expression: text, text }
    : { kind: "cron", expression: text, timeZone, text };
}

const _crons = new Map<string, Cron>();

function _cron(expression: string, timeZone: string | undefined): Cron {
  const key = `${timeZone ?? ""}\u0000${expression}`;
  let cron = _crons.get(key);
  if (cron === undefined) {
    cron = new Cron(
      expression,
      timeZone === undefined ? { paused: true } : {
        paused: true,
        timezone: timeZone,
      },
    );
    _crons.set(key, cron);
  }
  return cron;
}

/**
 * Computes the next run strictly after `afterMs` for a cron schedule, or `afterMs + everyMs` for
 * an `every` schedule.
 *
 * @param schedule The schedule.
 * @param afterMs The reference time, ms since the epoch.
 * @returns The next run time in ms since the epoch, or `undefined` when a cron expression never
 * matches again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextRunAt, parseEvery } from "./schedule.ts";
 *
 * assert.equal(nextRunAt(parseEvery("5m"), 1_000), 301_000);
 * ```
 */
export function nextRunAt(schedule: Schedule, afterMs: number): number | undefined {
  if (schedule.kind === "every") return afterMs + schedule.everyMs;
  const next = _cron(schedule.expression, schedule.timeZone).nextRun(new Date(afterMs));
  return next === null ? undefined : next.getTime();
}
