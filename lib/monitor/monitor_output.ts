/**
 * How monitor mode talks to people and to alert sinks: one line per {@linkcode MonitorEvent}
 * (human or JSON), the one-line failure reason of a run report, and the template variables of a
 * `firing` / `reminder` / `resolved` notice.
 *
 * @module
 */

import { escapeControl } from "../workflow/safe_text.ts";
import { formatDuration } from "../workflow/duration.ts";
import type { RunReport } from "../workflow/run_report.ts";
import type { AlertNotification } from "./alert_state.ts";
import type { MonitorEvent } from "./run_monitor.ts";

/**
 * Formats one monitor event as a line of output.
 *
 * @param event The event.
 * @param json `true` for a JSON line (`type` prefixed with `monitor_`), else a human line.
 * @returns The line, ending in a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMonitorEvent } from "./monitor_output.ts";
 *
 * const skipped = {
 *   type: "skipped",
 *   at: Date.parse("2026-11-28T16:00:00Z"),
 *   reason: "maintenance",
 *   until: Date.parse("2026-11-29T18:00:00Z"),
 * } as const;
 * assert.equal(
 *   formatMonitorEvent(skipped, false),
 *   "monitor: skipped: inside the T4 maintenance window until 2026-11-29T18:00:00.000Z\n",
 * );
 * assert.equal(JSON.parse(formatMonitorEvent(skipped, true)).type, "monitor_skipped");
 * ```
 */
export function formatMonitorEvent(event: MonitorEvent, json: boolean): string {
  if (json) return `${JSON.stringify(_jsonEvent(event))}\n`;
  switch (event.type) {
    case "skipped":
      return `monitor: skipped: inside the T4 maintenance window until ${_iso(event.until)}${
        event.resumeAt !== undefined && event.resumeAt !== event.until
          ? `, next run ${_iso(event.resumeAt)}`
          : ""
      }\n`;
    case "warning":
      return `monitor: warning: ${escapeControl(event.warning.message)}\n`;
    case "run": {
      const parts = [`monitor: run at ${_iso(event.at)} ${event.outcome} (exit ${event.exitCode})`];
      if (event.loginSkipped !== undefined) {
        parts.push(
          `login skipped: these credentials were refused with ${event.loginSkipped} (change them or pass --retry-refused-login)`,
        );
      }
      if (event.notification && event.delivered === false) {
        parts.push(
          `${event.notification.kind} notice NOT delivered (every sink failed after retries; the next run sends it again)`,
        );
      } else if (event.notification) parts.push(`${event.notification.kind} notice sent`);
      else if (event.suppressedAlerts > 0) {
        parts.push(
          `${event.suppressedAlerts} alert${
            event.suppressedAlerts === 1 ? "" : "s"
          } held back (no notice due)`,
        );
      }
      if (event.missedSlots > 0) {
        parts.push(`run outlasted its interval: ${event.missedSlots} slot(s) skipped`);
      }
      return `${parts.join("; ")}\n`;
    }
  }
}

function _iso(ms: number): string {
  return new Date(ms).toISOString();
}

function _jsonEvent(event: MonitorEvent): Record<string, unknown> {
  switch (event.type) {
    case "skipped":
      return {
        type: "monitor_skipped",
        at: _iso(event.at),
        reason: event.reason,
        until: _iso(event.until),
        ...(event.resumeAt !== undefined && { resume_at: _iso(event.resumeAt) }),
      };
    case "warning":
      return {
        type: "monitor_warning",
        at: _iso(event.at),
        kind: event.warning.kind,
        message: event.warning.message,
      };
    case "run":
      return {
        type: "monitor_run",
        at: _iso(event.at),
        exit_code: event.exitCode,
        outcome: event.outcome,
        notice: event.notification?.kind ?? null,
        ...(event.delivered !== undefined && { delivered: event.delivered }),
        ...(event.loginSkipped !== undefined && { login_skipped: event.loginSkipped }),
        suppressed_alerts: event.suppressedAlerts,
        missed_slots: event.missedSlots,
      };
  }
}

/**
 * Summarises why a run failed, in one line without secrets (the report is already redacted):
 * the first failed step and its login result or error message.
 *
 * @param report The run report.
 * @returns The reason, e.g. `"login: LOCKED_OUT"`, or `"failed (exit 1)"` when no step says more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runFailureReason } from "./monitor_output.ts";
 * import { type RunReport } from "../workflow/run_report.ts";
 *
 * const report = {
 *   status: "failed",
 *   exit_code: 3,
 *   steps: [{ index: 0, kind: "login", name: "login", status: "failed", duration_ms: 5,
 *     error: { type: "LoginError", message: "Cannot log in", result: "LOCKED_OUT" } }],
 * } as unknown as RunReport;
 * assert.equal(runFailureReason(report), "login: LOCKED_OUT");
 * ```
 */
export function runFailureReason(report: RunReport): string {
  const step = report.steps.find((s) => s.status === "failed");
  if (step?.error) return `${step.name}: ${step.error.result ?? step.error.message}`;
  if (step) return `${step.name}: failed`;
  const crossed = report.metrics?.thresholds.filter((t) => t.status === "crossed") ?? [];
  if (crossed.length > 0) {
    return `threshold crossed: ${crossed.map((t) => `${t.metric} ${t.expression}`).join(", ")}`;
  }
  return `${report.status} (exit ${report.exit_code})`;
}

/**
 * The template variables of a notice, for the alert dispatcher: `event` is the notice kind
 * (`firing`, `reminder`, `resolved`), `reason` the last failure, `detail` a human summary.
 *
 * @param notification The notice.
 * @returns Variables for `{{ name }}` templates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { monitorAlertVariables } from "./monitor_output.ts";
 *
 * const variables = monitorAlertVariables({
 *   kind: "resolved",
 *   check: "session-check",
 *   at: 1_500_000,
 *   consecutiveFailures: 0,
 *   failingSince: 0,
 *   firingForMs: 1_500_000,
 *   reason: "login: LOCKED_OUT",
 * });
 * assert.equal(variables.detail, "resolved after 25 m 0 s (was: login: LOCKED_OUT)");
 * ```
 */
export function monitorAlertVariables(
  notification: AlertNotification,
): Record<string, string | number> {
  const since = formatDuration(Math.max(0, notification.at - notification.failingSince));
  const detail = notification.kind === "resolved"
    ? `resolved after ${
      formatDuration(notification.firingForMs ?? 0)
    } (was: ${notification.reason})`
    : `${notification.reason} (failing for ${since}, ${notification.consecutiveFailures} failed run${
      notification.consecutiveFailures === 1 ? "" : "s"
    } in a row)`;
  return {
    workflow: notification.check,
    event: notification.kind,
    reason: notification.reason,
    detail,
    at: _iso(notification.at),
  };
}
