/**
 * The history of a `t4flow monitor`: every run of every workflow, behind a small interface so
 * the status page, the JSON API and the badges read the same records whatever keeps them. The
 * SQLite implementation is {@linkcode openSqliteRunStore} (`lib/monitor/sqlite_run_store.ts`).
 *
 * @module
 */

/** How a recorded run ended. */
export type RecordedRunStatus = "succeeded" | "failed";

/** One run of one workflow, as the monitor records it. */
export interface RecordedRun {
  /** The workflow name. */
  workflow: string;
  /** When the run started, ms since the epoch. */
  startedAt: number;
  /** How long it took, ms. */
  durationMs: number;
  /** How it ended. */
  status: RecordedRunStatus;
  /** The run's exit code (0 success, 1 a step failed, 3 could not connect or log in). */
  exitCode: number;
  /** How long the login step took, ms, when the run got that far. */
  loginMs: number | null;
  /** A one-line failure summary without secrets (`null` for a successful run). */
  error: string | null;
  /** The notices and alerts the run sent, e.g. `["firing"]` (empty when none). */
  alerts: string[];
}

/** The alert state of one workflow as the store keeps it (plain JSON data). */
export interface StoredAlertState {
  /** The workflow name. */
  workflow: string;
  /** The state, as `JSON.stringify` of an `AlertState`. */
  json: string;
}

/** Where the monitor keeps its history. All methods are synchronous and never return secrets. */
export interface RunStore {
  /**
   * Records one run.
   *
   * @param run The run.
   */
  add(run: RecordedRun): void;
  /**
   * The latest runs of a workflow, newest first.
   *
   * @param workflow The workflow name.
   * @param limit At most this many.
   * @returns The runs.
   */
  recent(workflow: string, limit: number): RecordedRun[];
  /**
   * The share of succeeded runs of a workflow that started at or after `sinceMs`.
   *
   * @param workflow The workflow name.
   * @param sinceMs The start of the window, ms since the epoch.
   * @returns A number from 0 to 1, or `null` when no run started in the window.
   */
  uptime(workflow: string, sinceMs: number): number | null;
  /**
   * Deletes the runs that started before `beforeMs` (retention).
   *
   * @param beforeMs The cut-off, ms since the epoch.
   * @returns How many runs were deleted.
   */
  prune(beforeMs: number): number;
  /**
   * The stored alert state of a workflow (so a restart does not fire a firing alert again).
   *
   * @param workflow The workflow name.
   * @returns The state as JSON text, or `undefined` when none is stored.
   */
  alertState(workflow: string): string | undefined;
  /**
   * Stores the alert state of a workflow.
   *
   * @param workflow The workflow name.
   * @param json The state as JSON text.
   * @param nowMs When, ms since the epoch.
   */
  saveAlertState(workflow: string, json: string, nowMs: number): void;
  /** Closes the store; later calls throw. */
  close(): void;
}
