/**
 * Monitor mode for a workflow: the hook the CLI calls for `t4flow run FILE --every/--cron/--state`.
 * It runs the workflow with {@linkcode runWorkflow} under {@linkcode runMonitor} and routes the
 * workflow's alerts:
 *
 * - connection events (`disconnected`, `reconnected`, `stale`, `maintenance`, `frame_error`) fire
 *   during the run, as in a plain run;
 * - outcome alerts (a login result name, `login_failed`, `step_failed`, `failed`, `succeeded`) and
 *   `firing` / `reminder` / `resolved` go through the alert state: they are held back and sent
 *   only with a notice, so a check that keeps failing alerts once, reminds and resolves instead of
 *   alerting on every run. When no alert of the workflow matches a notice, the notice goes to the
 *   sinks of its outcome alerts (or stderr) with the default message.
 *
 * @module
 */

import { type Clock, systemClock } from "../runtime/clock.ts";
import { redactSecrets } from "../client/credentials.ts";
import { LOGIN_RESULT_NAME_LIST } from "../protocol/login_result.ts";
import {
  AlertDispatcher,
  type AlertIo,
  type AlertVariables,
} from "../workflow/alert_dispatcher.ts";
import {
  type AlertSink,
  type Workflow,
  type WorkflowAlert,
  workflowSecrets,
} from "../workflow/load_workflow.ts";
import { createHash } from "node:crypto";
import type { AlertReport, RunEvent, RunReport } from "../workflow/run_report.ts";
import {
  invalidRunReport,
  runWorkflow,
  type RunWorkflowOptions,
} from "../workflow/run_workflow.ts";
import type { AlertNotification, RefusedLogin } from "./alert_state.ts";
import { describeThresholdResult } from "../workflow/thresholds.ts";
import { monitorAlertVariables, runFailureReason } from "./monitor_output.ts";
import {
  type AlertStateStore,
  type MonitorEvent,
  type MonitorOptions,
  type MonitorRunResult,
  runMonitor,
} from "./run_monitor.ts";

export { MONITOR_ARG_OPTIONS, MONITOR_HELP, monitorFlagsFromArgs } from "./monitor_flags.ts";

/** The notice kinds, usable as alert `on:` values when the workflow schema accepts them. */
const _NOTICE_EVENTS = ["firing", "reminder", "resolved"];
/** Alert `on:` values that are routed through the alert state in monitor mode. */
const _GATED = new Set<string>([
  ...LOGIN_RESULT_NAME_LIST,
  "login_failed",
  "step_failed",
  "failed",
  "succeeded",
  "threshold_crossed",
  ..._NOTICE_EVENTS,
]);

/**
 * Tells whether an alert is held back for the alert state in monitor mode.
 *
 * @param on The alert's `on:` value.
 * @returns `true` for outcome alerts and notice kinds; `false` for connection events.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isMonitorGatedAlert } from "./workflow_monitor.ts";
 *
 * assert.equal(isMonitorGatedAlert("LOCKED_OUT"), true);
 * assert.equal(isMonitorGatedAlert("disconnected"), false);
 * ```
 */
export function isMonitorGatedAlert(on: string): boolean {
  return _GATED.has(on);
}

/** An outcome alert of one run, held back until a notice lets it out. */
export interface HeldAlert {
  /** The alert event (`login_failed`, `step_failed`, `failed`, `succeeded`). */
  event: string;
  /** Its template variables (already redacted). */
  variables: AlertVariables;
}

/** Options of {@linkcode runWorkflowMonitor}. */
export interface WorkflowMonitorOptions {
  /** Options for each run (`url`, `env`, `holdMs`, `clock`, `createClient`). */
  run?: Omit<RunWorkflowOptions, "signal" | "onEvent" | "io">;
  /** Standard streams and fetch for the alert sinks. */
  io: AlertIo;
  /** Ctrl-C / SIGTERM: interrupts the current run and stops monitoring (exit 130). */
  signal?: AbortSignal;
  /**
   * The monitor's clock (schedule, maintenance window, alert state times).
   *
   * @default systemClock
   */
  clock?: Clock;
  /** Each run's events, as `runWorkflow` emits them (for the CLI's step output). */
  onRunEvent?: (event: RunEvent) => void;
  /**
   * Each run's report (write `--report FILE` here: the file then holds the latest run); a promise
   * it returns is awaited before `runWorkflowMonitor` returns.
   */
  onReport?: (report: RunReport) => unknown;
  /** The monitor's own events (skips, runs with their notice, state file warnings). */
  onMonitorEvent?: (event: MonitorEvent) => void;
  /** Interrupts a running run without `signal` (graceful stop, see `MonitorHooks.runSignal`). */
  runSignal?: AbortSignal;
  /** The time of the next scheduled run, each time it is decided (`undefined`: none). */
  onNextRun?: (at: number | undefined) => void;
  /** Keeps the alert state here instead of in memory (see `MonitorHooks.alertStateStore`). */
  alertStateStore?: AlertStateStore;
  /**
   * Waits for a free run slot before each run (`t4flow monitor --concurrency`) and returns the
   * function that frees it; rejects when `signal` aborts first.
   */
  acquireRunSlot?: (signal: AbortSignal) => Promise<() => void>;
}

/**
 * Runs a workflow in monitor mode: the function `t4flow run` calls when a monitor flag is given.
 *
 * @param workflow The loaded workflow.
 * @param monitor From `parseMonitorFlags`.
 * @param options Run options, alert I/O, signal, clock and output callbacks.
 * @returns The exit code: the run's for a single run (0 when skipped for maintenance), 130 when a
 * scheduled monitor is stopped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { dirname, join } from "node:path";
 * import { parseMonitorFlags } from "./run_monitor.ts";
 * import { runWorkflowMonitor } from "./workflow_monitor.ts";
 * import { parseWorkflow } from "../workflow/load_workflow.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: '${K}' } }\nsteps: [login]\nalerts:\n  - on: failed\n    to: [stdout]\n",
 *   "w.yaml",
 *   { env: { K: "k" } },
 * );
 * const out: string[] = [];
 * const state = join(await mkdtemp(join(tmpdir(), "t4flow-")), "state.json");
 * const monitor = parseMonitorFlags({ state, inMaintenance: "run" })!;
 * const code = await runWorkflowMonitor(workflow, monitor, {
 *   io: { stdout: (t) => out.push(t), stderr: () => {} },
 *   run: {
 *     createClient: () => ({
 *       connect: () => Promise.reject(new Error("Cannot connect")),
 *       onStatus: () => () => {},
 *       stats: { reconnects: 0, heartbeatsSent: 0, heartbeatsReceived: 0, frameErrors: 0, framesReceived: 0 },
 *       close: () => Promise.resolve(),
 *     }),
 *   },
 * });
 * assert.notEqual(code, 0);
 * assert.equal(out.length, 1); // the `failed` alert, let out by the `firing` notice
 * await rm(dirname(state), { recursive: true });
 * ```
 */
export async function runWorkflowMonitor(
  workflow: Workflow,
  monitor: MonitorOptions,
  options: WorkflowMonitorOptions,
): Promise<number> {
  const secrets = workflowSecrets(workflow);
  const redact = (text: string) => redactSecrets(text, secrets);
  // A single run without --state has no alert state to consult (only --in-maintenance was
  // given): its alerts fire as in a plain run.
  const gated = monitor.schedule !== undefined || monitor.statePath !== undefined;
  const inRun: Workflow = gated
    ? { ...workflow, alerts: workflow.alerts.filter((alert) => !isMonitorGatedAlert(alert.on)) }
    : workflow;

  const runOnce = async (signal: AbortSignal): Promise<MonitorRunResult<HeldAlert>> => {
    if (options.acquireRunSlot === undefined) return await runOnceNow(signal);
    const release = await options.acquireRunSlot(signal);
    try {
      return await runOnceNow(signal);
    } finally {
      release();
    }
  };

  const runOnceNow = async (signal: AbortSignal): Promise<MonitorRunResult<HeldAlert>> => {
    let login: { result: string; errorMessage: string; fatal?: boolean } | undefined;
    const report = await runWorkflow(inRun, {
      ...options.run,
      signal,
      io: options.io,
      onEvent: (event) => {
        if (event.type === "status" && event.event.type === "login_failed") {
          login = {
            result: String(event.event.result ?? ""),
            errorMessage: String(event.event.errorMessage ?? ""),
            fatal: event.event.fatal === true,
          };
        }
        options.onRunEvent?.(event);
      },
    });
    // Written once the notice for this run is decided and delivered (with its deliveries).
    pendingReport = report;
    const result: MonitorRunResult<HeldAlert> = {
      exitCode: report.exit_code,
      alerts: gated
        ? _heldAlerts(report, login).filter((held) => _hasAlertFor(workflow, held))
        : [],
    };
    if (report.exit_code !== 0) result.reason = runFailureReason(report);
    // A refusal of the credentials (the client's fatal list), not a session taken over elsewhere.
    if (login?.fatal && login.result && login.result !== "LOGGED_IN_ELSEWHERE") {
      result.refusedLogin = login.result;
    }
    return result;
  };

  let pendingReport: RunReport | undefined;
  const reportsWritten: Promise<void>[] = [];
  let noticeReports: AlertReport[] = [];
  const onMonitorEvent = (event: MonitorEvent) => {
    if (event.type === "run" && pendingReport !== undefined) {
      const written = options.onReport?.({
        ...pendingReport,
        alerts: [...pendingReport.alerts, ...noticeReports],
      });
      // An async onReport (a Pushgateway push, then the report file) is awaited before returning.
      if (written instanceof Promise) reportsWritten.push(written.catch(() => {}));
      pendingReport = undefined;
    }
    noticeReports = [];
    options.onMonitorEvent?.(event);
  };

  /** A run that does not log in: its credentials were refused with a fatal result before. */
  const skippedLogin = (refused: RefusedLogin, reason: string): MonitorRunResult<HeldAlert> => {
    const variables = {
      step: "login",
      url: "",
      result: refused.result,
      error_message: "",
      detail: `login not sent: these credentials were refused with ${refused.result} at ${
        new Date(refused.at).toISOString()
      }; change them or pass --retry-refused-login`,
    };
    const now = (options.run?.clock ?? systemClock).now();
    const base = invalidRunReport({
      workflow: { name: workflow.name, file: workflow.file, version: 1 },
      target: "",
      startedAt: now,
      endedAt: now,
      diagnostics: [],
    });
    // The run's report: a login step that failed without sending anything.
    pendingReport = {
      ...base,
      status: "failed",
      exit_code: 3,
      steps: [{
        index: 0,
        kind: "login",
        name: "login",
        status: "failed",
        started_at: base.started_at,
        duration_ms: 0,
        error: { type: "LoginSkipped", message: variables.detail, result: refused.result },
      }],
    };
    const held: HeldAlert[] = [
      { event: "login_failed", variables },
      { event: "step_failed", variables },
      { event: "failed", variables: { ...variables, exit_code: 3 } },
    ];
    return {
      exitCode: 3,
      reason,
      alerts: gated ? held.filter((alert) => _hasAlertFor(workflow, alert)) : [],
    };
  };

  /** SHA-256 of the salt and every credential field; the credentials themselves are not kept. */
  const credentialsFingerprint = (salt: string): string => {
    const credentials = workflow.connection.credentials;
    return createHash("sha256").update(salt).update("\0")
      .update(JSON.stringify([credentials.toJSON(), credentials.secrets()])).digest("hex");
  };

  const deliver = async (notice: AlertNotification, held: readonly HeldAlert[]) => {
    if (!gated) return true;
    const io: AlertIo = options.clock !== undefined && options.io.clock === undefined
      ? { ...options.io, clock: options.clock }
      : options.io;
    const dispatcher = new AlertDispatcher(workflow, io, redact);
    const delivered: AlertReport[] = [];
    const collect = (alert: AlertReport) => {
      delivered.push(alert);
      noticeReports.push(alert);
      options.onRunEvent?.({ type: "alert", ...alert });
    };
    dispatcher.onAlert(collect);
    let fired = 0;
    // Every alert let out by a notice says which notice it is (`notice` in every sink's payload).
    for (const alert of held) {
      const wanted = notice.kind === "resolved"
        ? alert.event === "succeeded"
        : alert.event !== "succeeded";
      if (wanted) {
        fired += dispatcher.fire(alert.event, { ...alert.variables, notice: notice.kind });
      }
    }
    const variables = { ...monitorAlertVariables(notice), notice: notice.kind };
    const noticeFired = dispatcher.fire(notice.kind, variables);
    await dispatcher.flush();
    if (notice.kind === "resolved" ? noticeFired === 0 : fired + noticeFired === 0) {
      const fallback: WorkflowAlert = {
        index: 0,
        on: notice.kind,
        message: undefined,
        to: _fallbackSinks(workflow),
        repeat: false,
      };
      const notifier = new AlertDispatcher(
        { ...workflow, alerts: [fallback] },
        io,
        redact,
      );
      notifier.onAlert(collect);
      notifier.fire(notice.kind, variables);
      await notifier.flush();
    }
    // Delivered when at least one sink of one alert took it; otherwise the notice stays owed.
    return delivered.some((alert) => alert.sinks.some((sink) => sink.ok));
  };

  const code = await runMonitor<HeldAlert>(monitor, {
    check: workflow.name,
    runOnce,
    deliver,
    credentialsFingerprint,
    skippedLogin,
    report: onMonitorEvent,
    ...(options.clock !== undefined && { clock: options.clock }),
    ...(options.signal !== undefined && { signal: options.signal }),
    ...(options.runSignal !== undefined && { runSignal: options.runSignal }),
    ...(options.onNextRun !== undefined && { onNextRun: options.onNextRun }),
    ...(options.alertStateStore !== undefined && { alertStateStore: options.alertStateStore }),
  });
  await Promise.all(reportsWritten);
  return code;
}

/** The outcome alerts a run would have fired, rebuilt from its report. */
function _heldAlerts(
  report: RunReport,
  login: { result: string; errorMessage: string } | undefined,
): HeldAlert[] {
  const url = report.target;
  const held: HeldAlert[] = [];
  const failed = report.steps.find((s) => s.status === "failed");
  const result = login?.result || failed?.error?.result;
  const errorMessage = login?.errorMessage ?? "";
  if (result) {
    held.push({
      event: "login_failed",
      variables: {
        step: failed?.name ?? "",
        url,
        result,
        error_message: errorMessage,
        detail: `login refused with ${result}${errorMessage ? ` (${errorMessage})` : ""}`,
      },
    });
  }
  if (failed) {
    held.push({
      event: "step_failed",
      variables: {
        step: failed.name,
        url,
        ...(result && { result, error_message: errorMessage }),
        detail: failed.error?.message ?? "",
      },
    });
  }
  for (const t of report.metrics?.thresholds ?? []) {
    if (t.status !== "crossed") continue;
    held.push({
      event: "threshold_crossed",
      variables: { url, threshold: t.metric, detail: describeThresholdResult(t) },
    });
  }
  if (report.status === "failed") {
    held.push({
      event: "failed",
      variables: {
        url,
        exit_code: report.exit_code,
        step: failed?.name ?? "",
        ...(result && { result }),
        detail: failed?.error ? `${failed.name}: ${failed.error.message}` : "",
      },
    });
  } else if (report.status === "succeeded") {
    held.push({ event: "succeeded", variables: { url, exit_code: 0, detail: "" } });
  }
  return held;
}

/** Whether some alert of the workflow fires on a held event (as `AlertDispatcher.fire` matches). */
function _hasAlertFor(workflow: Workflow, held: HeldAlert): boolean {
  return workflow.alerts.some((alert) =>
    alert.on === held.event ||
    (held.event === "login_failed" && alert.on === held.variables.result)
  );
}

/** Where a notice goes when no alert of the workflow matches it. */
function _fallbackSinks(workflow: Workflow): readonly AlertSink[] {
  const gated = workflow.alerts.filter((a) => isMonitorGatedAlert(a.on) && a.on !== "succeeded");
  const sinks = new Map<string, AlertSink>();
  for (const alert of gated.length > 0 ? gated : workflow.alerts) {
    for (const sink of alert.to) sinks.set(JSON.stringify(sink), sink);
  }
  return sinks.size > 0 ? [...sinks.values()] : [{ kind: "stderr" }];
}
