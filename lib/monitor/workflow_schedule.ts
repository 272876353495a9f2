/**
 * A workflow's own `schedule:` (`every`, or `cron` with `cron_tz`), read with the same parsers
 * as `--every` / `--cron`, with problems reported at the file, line and column of the key.
 *
 * @module
 */

import type { Workflow } from "../workflow/load_workflow.ts";
import type { WorkflowDiagnostic } from "../workflow/workflow_diagnostic.ts";
import { parseCron, parseEvery, type Schedule, ScheduleError } from "./schedule.ts";

/**
 * Checks a workflow's `schedule:` with the schedule parsers (the loader checks its shape).
 *
 * @param workflow The loaded workflow.
 * @returns The diagnostics (empty when the schedule is usable or absent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow } from "../workflow/load_workflow.ts";
 * import { workflowScheduleDiagnostics } from "./workflow_schedule.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: k } }\nschedule:\n  cron: '61 * * * *'\nsteps: [login]\n",
 *   "w.yaml",
 * );
 * const [problem] = workflowScheduleDiagnostics(workflow);
 * assert.equal(problem?.key, "schedule.cron");
 * assert.equal(problem?.line, 5);
 * ```
 */
export function workflowScheduleDiagnostics(workflow: Workflow): WorkflowDiagnostic[] {
  try {
    _parse(workflow);
    return [];
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    const s = workflow.schedule;
    const key = error.option === "every"
      ? "schedule.every"
      : s?.cronTz !== undefined && error.value === s.cronTz
      ? "schedule.cron_tz"
      : "schedule.cron";
    const position = workflow.positions[key] ?? workflow.positions["schedule"] ??
      { line: 1, column: 1 };
    return [{
      severity: "error",
      file: workflow.file,
      line: position.line,
      column: position.column,
      key,
      message: error.message.replace(
        /^Cannot schedule the check as '--(every|cron)' must be/,
        "expected",
      ),
    }];
  }
}

/**
 * The schedule a monitor runs a workflow on: its own `schedule:`, else `fallback` (the monitor's
 * `--every` / `--cron`).
 *
 * @param workflow The loaded workflow.
 * @param fallback The schedule for workflows without `schedule:`.
 * @returns The schedule, or `undefined` when the workflow has none and there is no fallback.
 * @throws {ScheduleError} When `schedule:` cannot be used (see
 * {@linkcode workflowScheduleDiagnostics} for a positioned message).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow } from "../workflow/load_workflow.ts";
 * import { parseEvery } from "./schedule.ts";
 * import { workflowSchedule } from "./workflow_schedule.ts";
 *
 * const text = "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: k } }\nsteps: [login]\n";
 * const own = parseWorkflow(`${text}schedule: { cron: '0 8 * * 1-5', cron_tz: America/Chicago }\n`, "w.yaml");
 * assert.equal(workflowSchedule(own, parseEvery("5m"))?.text, "0 8 * * 1-5");
 * assert.equal(workflowSchedule(parseWorkflow(text, "w.yaml"), parseEvery("5m"))?.text, "5m");
 * ```
 */
export function workflowSchedule(
  workflow: Workflow,
  fallback: Schedule | undefined,
): Schedule | undefined {
  return _parse(workflow) ?? fallback;
}

function _parse(workflow: Workflow): Schedule | undefined {
  const s = workflow.schedule;
  if (s === undefined) return undefined;
  if (s.every !== undefined) return parseEvery(s.every);
  if (s.cron !== undefined) return parseCron(s.cron, s.cronTz);
  return undefined;
}
