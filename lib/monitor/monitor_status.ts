/**
 * What `t4flow monitor` shows: each workflow's status (`passing`, `failing`, `pending`), its
 * latest runs, uptime and next run, as the JSON of `GET /api/status` (snake_case, ISO times).
 *
 * @module
 */

import type { RecordedRun } from "./run_store.ts";

/** A workflow's status: its latest run succeeded, failed, or it has not run yet. */
export type WorkflowHealth = "passing" | "failing" | "pending";

/** One run in `GET /api/status`. */
export interface StatusRunJson {
  /** `succeeded` or `failed`. */
  status: RecordedRun["status"];
  /** When it started (ISO 8601). */
  started_at: string;
  /** How long it took, ms. */
  duration_ms: number;
  /** Its exit code. */
  exit_code: number;
  /** Why it failed (`null` when it succeeded); never holds a secret. */
  error: string | null;
}

/** One workflow in `GET /api/status`. */
export interface StatusWorkflowJson {
  /** The workflow name. */
  name: string;
  /** `passing`, `failing` or `pending`. */
  status: WorkflowHealth;
  /** The latest runs, newest first (a bounded number). */
  runs: StatusRunJson[];
  /** Share of succeeded runs over the uptime window (0 to 1), `null` without runs. */
  uptime: number | null;
  /** When it runs next (ISO 8601), `null` when it will not run again. */
  next_run_at: string | null;
}

/** The body of `GET /api/status`. */
export interface StatusJson {
  /** Every monitored workflow, in the order given on the command line. */
  workflows: StatusWorkflowJson[];
}

/** A workflow's status as the monitor holds it. */
export interface WorkflowStatus {
  /** The workflow name. */
  name: string;
  /** The latest runs, newest first. */
  runs: RecordedRun[];
  /** Share of succeeded runs over the uptime window, `null` without runs. */
  uptime: number | null;
  /** The next run, ms since the epoch, or `null`. */
  nextRunAt: number | null;
}

/**
 * The status of a workflow from its latest run.
 *
 * @param runs The latest runs, newest first.
 * @returns `pending` without runs, else `passing` or `failing` by the newest run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workflowHealth } from "./monitor_status.ts";
 *
 * assert.equal(workflowHealth([]), "pending");
 * ```
 */
export function workflowHealth(runs: readonly Pick<RecordedRun, "status">[]): WorkflowHealth {
  const latest = runs[0];
  if (latest === undefined) return "pending";
  return latest.status === "succeeded" ? "passing" : "failing";
}

/**
 * Builds the JSON of `GET /api/status`.
 *
 * @param workflows The workflows' status.
 * @returns The JSON document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusJson } from "./monitor_status.ts";
 *
 * const json = statusJson([{
 *   name: "session-check",
 *   runs: [{ workflow: "session-check", startedAt: 0, durationMs: 12, status: "failed", exitCode: 3,
 *     loginMs: 10, error: "login: LOCKED_OUT", alerts: ["firing"] }],
 *   uptime: 0,
 *   nextRunAt: 300_000,
 * }]);
 * assert.deepEqual(json.workflows[0], {
 *   name: "session-check",
 *   status: "failing",
 *   runs: [{ status: "failed", started_at: "1970-01-01T00:00:00.000Z", duration_ms: 12, exit_code: 3,
 *     error: "login: LOCKED_OUT" }],
 *   uptime: 0,
 *   next_run_at: "1970-01-01T00:05:00.000Z",
 * });
 * ```
 */
export function statusJson(workflows: readonly WorkflowStatus[]): StatusJson {
  return {
    workflows: workflows.map((w) => ({
      name: w.name,
      status: workflowHealth(w.runs),
      runs: w.runs.map((run) => ({
        status: run.status,
        started_at: new Date(run.startedAt).toISOString(),
        duration_ms: run.durationMs,
        exit_code: run.exitCode,
        error: run.error,
      })),
      uptime: w.uptime,
      next_run_at: w.nextRunAt === null ? null : new Date(w.nextRunAt).toISOString(),
    })),
  };
}
