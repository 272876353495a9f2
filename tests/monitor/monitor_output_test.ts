import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatMonitorEvent,
  monitorAlertVariables,
  runFailureReason,
} from "../../lib/monitor/monitor_output.ts";
import type { MonitorEvent } from "../../lib/monitor/run_monitor.ts";
import type { RunReport } from "../../lib/workflow/run_report.ts";

const T = Date.parse("2026-11-25T12:05:00Z");
const FIRING = {
  kind: "firing",
  check: "session-check",
  at: T,
  consecutiveFailures: 2,
  failingSince: T - 5 * 60_000,
  reason: "login: LOCKED_OUT",
} as const;

describe("formatMonitorEvent", () => {
  it("prints a run with its notice, held-back alerts and missed slots", () => {
    const run: MonitorEvent = {
      type: "run",
      at: T,
      exitCode: 3,
      outcome: "failure",
      notification: FIRING,
      suppressedAlerts: 0,
      missedSlots: 0,
    };
    assert.equal(
      formatMonitorEvent(run, false),
      "monitor: run at 2026-11-25T12:05:00.000Z failure (exit 3); firing notice sent\n",
    );
    assert.equal(
      formatMonitorEvent(
        {
          type: "run",
          at: T,
          exitCode: 3,
          outcome: "failure",
          suppressedAlerts: 2,
          missedSlots: 1,
        },
        false,
      ),
      "monitor: run at 2026-11-25T12:05:00.000Z failure (exit 3); 2 alerts held back (no notice due); run outlasted its interval: 1 slot(s) skipped\n",
    );
    assert.deepEqual(JSON.parse(formatMonitorEvent(run, true)), {
      type: "monitor_run",
      at: "2026-11-25T12:05:00.000Z",
      exit_code: 3,
      outcome: "failure",
      notice: "firing",
      suppressed_alerts: 0,
      missed_slots: 0,
    });
  });

  it("prints skips and warnings", () => {
    const skipped: MonitorEvent = {
      type: "skipped",
      at: T,
      reason: "maintenance",
      until: T + 3_600_000,
      resumeAt: T + 3_900_000,
    };
    assert.equal(
      formatMonitorEvent(skipped, false),
      "monitor: skipped: inside the T4 maintenance window until 2026-11-25T13:05:00.000Z, next run 2026-11-25T13:10:00.000Z\n",
    );
    assert.equal(
      JSON.parse(formatMonitorEvent(skipped, true)).resume_at,
      "2026-11-25T13:10:00.000Z",
    );
    const warning: MonitorEvent = {
      type: "warning",
      at: T,
      warning: {
        kind: "corrupt",
        message: "Cannot use state file s.json as it is not valid JSON: starting fresh",
      },
    };
    assert.equal(
      formatMonitorEvent(warning, false),
      "monitor: warning: Cannot use state file s.json as it is not valid JSON: starting fresh\n",
    );
    assert.equal(JSON.parse(formatMonitorEvent(warning, true)).kind, "corrupt");
  });
});

describe("runFailureReason", () => {
  const report = (steps: unknown[], status = "failed", exit_code = 1) =>
    ({ status, exit_code, steps }) as unknown as RunReport;

  it("names the first failed step and its error", () => {
    assert.equal(
      runFailureReason(report([
        { name: "login", status: "succeeded" },
        {
          name: "hold 30s",
          status: "failed",
          error: { type: "Error", message: "Connection dropped" },
        },
      ])),
      "hold 30s: Connection dropped",
    );
    assert.equal(runFailureReason(report([{ name: "login", status: "failed" }])), "login: failed");
    assert.equal(runFailureReason(report([], "failed", 3)), "failed (exit 3)");
  });
});

describe("monitorAlertVariables", () => {
  it("describes a firing notice for templates", () => {
    assert.deepEqual(monitorAlertVariables(FIRING), {
      workflow: "session-check",
      event: "firing",
      reason: "login: LOCKED_OUT",
      detail: "login: LOCKED_OUT (failing for 5 m 0 s, 2 failed runs in a row)",
      at: "2026-11-25T12:05:00.000Z",
    });
  });
});
