/**
 * The JSON report of a workflow run (`--report FILE`), versioned, and the events a run emits while
 * it goes. Neither ever contains a secret.
 *
 * @module
 */

import type { SessionMetricsSnapshot } from "../client/session_metrics.ts";
import type { WatchReport } from "./message_hub.ts";
import type { ThresholdResult } from "./thresholds.ts";
import type { WorkflowDiagnostic } from "./workflow_diagnostic.ts";

/** The t4flow version (kept equal to `deno.json` by a test). */
export const T4FLOW_VERSION = "0.1.0";

/** The report format version. */
export const REPORT_VERSION = 1;

/** How a run ended. */
export type RunStatus = "succeeded" | "failed" | "interrupted" | "invalid";

/** How a step ended; `skipped` steps never started because an earlier one failed. */
export type StepStatus = "succeeded" | "failed" | "interrupted" | "skipped";

/** A step or run error, without secrets. */
export interface ReportError {
  /** The error class name, e.g. `LoginError`. */
  readonly type: string;
  /** The message (secrets redacted). */
  readonly message: string;
  /** The login result short name, for login errors. */
  readonly result?: string;
}

/** One step in a report. */
export interface StepReport {
  /** 0-based position. */
  readonly index: number;
  /** The step kind. */
  readonly kind: string;
  /** The step label. */
  readonly name: string;
  /** How it ended. */
  readonly status: StepStatus;
  /** ISO start time (absent for skipped steps). */
  readonly started_at?: string;
  /** Duration in milliseconds. */
  readonly duration_ms: number;
  /** What a finished step found (e.g. `session s-1 as u-1`, `held 30 s, session up throughout`). */
  readonly detail?: string;
  /** The error, for failed steps. */
  readonly error?: ReportError;
}

/** Where one alert went and whether it arrived. */
export interface AlertDelivery {
  /** `stderr`, `stdout`, `file`, `webhook` or `command`. */
  readonly sink: string;
  /** `true` when the sink accepted the alert. */
  readonly ok: boolean;
  /** Why not (secrets redacted). */
  readonly error?: string;
  /** How many times delivery was tried (failed file, webhook and command deliveries are retried). */
  readonly attempts?: number;
}

/** One alert that fired. */
export interface AlertReport {
  /** The alert's `on:` value. */
  readonly on: string;
  /** The event that fired it (e.g. `login_failed`, `succeeded`). */
  readonly event: string;
  /** ISO time. */
  readonly at: string;
  /** The rendered message. */
  readonly message: string;
  /** Deliveries per sink. */
  readonly sinks: readonly AlertDelivery[];
  /** Firings of this `repeat: true` alert suppressed by `min_interval` since the last one sent. */
  readonly suppressed?: number;
}

/** Connection counters of a run. */
export interface RunCounts {
  /** Successful re-logins after a drop. */
  readonly reconnects: number;
  /** Unexpected disconnects. */
  readonly disconnects: number;
  /** Heartbeats sent. */
  readonly heartbeats_sent: number;
  /** Heartbeats received. */
  readonly heartbeats_received: number;
  /** Frames skipped as undecodable. */
  readonly frame_errors: number;
  /** `stale` events. */
  readonly stale: number;
  /** Milliseconds the session was down (from a lost session to its re-login). */
  readonly downtime_ms?: number;
}

/** What a push of the run's metrics to a Pushgateway did (`--pushgateway`). */
export interface PushReport {
  /** The push URL (without user info). */
  readonly url: string;
  /** `true` when the Pushgateway accepted it. */
  readonly ok: boolean;
  /** The HTTP status, when there was an answer. */
  readonly status?: number;
  /** Why it failed. */
  readonly error?: string;
}

/** The measured numbers of a run and its thresholds (durations in milliseconds). */
export interface RunMetrics {
  /**
   * Login time, time to first message per subscription, quote inter-arrival per market, order
   * round trips, heartbeats, reconnects, disconnects and time disconnected, frames per payload.
   */
  readonly session: SessionMetricsSnapshot;
  /** Each `thresholds:` condition and whether it held (empty without thresholds). */
  readonly thresholds: readonly ThresholdResult[];
  /** The Pushgateway push, with `--pushgateway`. */
  readonly push?: PushReport;
}

/** The report of one run, `report_version` 1. */
export interface RunReport {
  /** Always {@linkcode REPORT_VERSION}. */
  readonly report_version: typeof REPORT_VERSION;
  /** The program. */
  readonly tool: { readonly name: "t4flow"; readonly version: string };
  /** The workflow. */
  readonly workflow: { readonly name: string; readonly file: string; readonly version: number };
  /** The endpoint (URL without user info, or `env:sim` / `env:live`). */
  readonly target: string;
  /** ISO start time. */
  readonly started_at: string;
  /** ISO end time. */
  readonly ended_at: string;
  /** Run duration in milliseconds. */
  readonly duration_ms: number;
  /** How the run ended. */
  readonly status: RunStatus;
  /** The process exit code (0, 1, 2, 3 or 130). */
  readonly exit_code: number;
  /**
   * Why the run did not succeed, in one line: the failed step and its error, a violated watch,
   * or the interrupted step (absent on success).
   */
  readonly reason?: string;
  /** Every step, in order. */
  readonly steps: readonly StepReport[];
  /** Connection counters. */
  readonly counts: RunCounts;
  /** Alerts that fired. */
  readonly alerts: readonly AlertReport[];
  /** Validation warnings (and errors, for an invalid workflow). */
  readonly diagnostics: readonly WorkflowDiagnostic[];
  /** Each watch's counts (absent when the workflow has none). */
  readonly watches?: readonly WatchReport[];
  /** The variables captured by the end of the run (absent when none). */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** The measured numbers and thresholds (absent for a run refused before it started). */
  readonly metrics?: RunMetrics;
}

/** What a run reports while it goes (the CLI prints these, `--json` as JSON lines). */
export type RunEvent =
  | { type: "run_started"; at: string; workflow: string; target: string }
  | { type: "step_started"; at: string; index: number; kind: string; name: string }
  | {
    type: "step_progress";
    at: string;
    index: number;
    name: string;
    elapsed_ms: number;
    total_ms: number;
    counts: RunCounts;
  }
  | {
    type: "step_finished";
    at: string;
    index: number;
    kind: string;
    name: string;
    status: StepStatus;
    duration_ms: number;
    detail?: string;
    error?: ReportError;
  }
  | { type: "status"; at: string; event: Record<string, unknown> }
  | { type: "watch"; at: string; name: string; step: string; detail: string }
  | ({ type: "alert" } & AlertReport)
  | {
    type: "run_finished";
    at: string;
    status: RunStatus;
    exit_code: number;
    duration_ms: number;
    counts: RunCounts;
    reason?: string;
    metrics?: RunMetrics;
  };
