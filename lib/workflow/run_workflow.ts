/**
 * Runs a validated workflow: steps in order on one `T4Client`, every status event visible to
 * alerts, a clean close on interruption, and a {@linkcode RunReport} at the end.
 *
 * @module
 */

import { type Clock, systemClock } from "../runtime/clock.ts";
import { EXIT_CODES } from "./exit_codes.ts";
import { redactSecrets, redactValue } from "../client/credentials.ts";
import {
  ClientClosedError,
  ConnectionError,
  InsecureUrlError,
  LoginError,
  LoginTimeoutError,
} from "../client/errors.ts";
import type { StatusEvent } from "../client/status_event.ts";
import { T4Client, type T4ClientOptions } from "../client/t4_client.ts";
import type { ReplaySource } from "../client/replay_source.ts";
import { AlertDispatcher, type AlertIo, type AlertVariables } from "./alert_dispatcher.ts";
import type { Workflow } from "./load_workflow.ts";
import { workflowSecrets } from "./workflow_secrets.ts";
import {
  REPORT_VERSION,
  type ReportError,
  type RunCounts,
  type RunEvent,
  type RunReport,
  type RunStatus,
  type StepReport,
  T4FLOW_VERSION,
} from "./run_report.ts";
import type { MessageSource } from "./message_hub.ts";
import { SessionDowntime } from "./session_downtime.ts";
import { SessionMetrics } from "../client/session_metrics.ts";
import { measuredClient } from "./measured_client.ts";
import { describeThresholdResult, evaluateThresholds } from "./thresholds.ts";
import type { WorkflowDiagnostic } from "./workflow_diagnostic.ts";
import { workflowOrderDiagnostics } from "./workflow_orders.ts";
import {
  frontMarketDiagnostics,
  frontMarketResolver,
  runRestBase,
} from "./front_market_resolver.ts";
import {
  clientEndedError,
  type CreateWorkflowClient,
  loadStepRuntime,
  type StepContext,
  type WorkflowClient,
} from "./step_runners.ts";

export { EXIT_CODES };

/** What {@linkcode invalidRunReport} needs to know. */
export interface InvalidRunReportInput {
  /** The workflow, as far as it could be read (`name` may be empty). */
  workflow: RunReport["workflow"];
  /** The endpoint, or `""` when it is not known. */
  target: string;
  /** When the run started, in milliseconds since the epoch. */
  startedAt: number;
  /** When it was refused, in milliseconds since the epoch. */
  endedAt: number;
  /** Why it is invalid (errors and warnings). */
  diagnostics: readonly WorkflowDiagnostic[];
}

/**
 * Builds the report of a run that was refused before anything was sent: status `invalid`, exit
 * code 2, no steps, zero counts.
 *
 * @param input The workflow, target, times and diagnostics.
 * @returns The report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { invalidRunReport } from "./run_workflow.ts";
 *
 * const report = invalidRunReport({
 *   workflow: { name: "w", file: "w.yaml", version: 1 },
 *   target: "env:sim",
 *   startedAt: 0,
 *   endedAt: 5,
 *   diagnostics: [],
 * });
 * assert.equal(report.status, "invalid");
 * assert.equal(report.exit_code, 2);
 * assert.equal(report.duration_ms, 5);
 * ```
 */
export function invalidRunReport(input: InvalidRunReportInput): RunReport {
  return {
    report_version: REPORT_VERSION,
    tool: { name: "t4flow", version: T4FLOW_VERSION },
    workflow: input.workflow,
    target: input.target,
    started_at: new Date(input.startedAt).toISOString(),
    ended_at: new Date(input.endedAt).toISOString(),
    duration_ms: input.endedAt - input.startedAt,
    status: "invalid",
    exit_code: EXIT_CODES.invalid,
    steps: [],
    counts: {
      reconnects: 0,
      disconnects: 0,
      heartbeats_sent: 0,
      heartbeats_received: 0,
      frame_errors: 0,
      stale: 0,
    },
    alerts: [],
    diagnostics: input.diagnostics,
  };
}

/** Options of {@linkcode runWorkflow}. */
export interface RunWorkflowOptions {
  /** The REST API base for `market: front` instead of the workflow's `connection.api`. */
  api?: string;
  /** Connect here instead of the workflow's endpoint. */
  url?: string;
  /** Connect to this documented endpoint instead of the workflow's. */
  env?: "live" | "sim";
  /** Overrides every `hold` duration, in milliseconds. */
  holdMs?: number;
  /** Interrupts the run: the session is closed and the report says `interrupted`. */
  signal?: AbortSignal;
  /**
   * The clock for holds and the client's timers.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Creates the client.
   *
   * @default {(options) => new T4Client(options)}
   */
  createClient?: CreateWorkflowClient;
  /** Receives run events as they happen (secrets already redacted). */
  onEvent?: (event: RunEvent) => void;
  /**
   * Standard streams for stderr/stdout alert sinks, and fetch for webhooks.
   *
   * @default {process.stderr / process.stdout}
   */
  io?: AlertIo;
  /**
   * Interval of progress events while holding, in milliseconds.
   *
   * @default {1000}
   */
  progressMs?: number;
  /**
   * The command line's `--allow-live-orders`: with `environment: live` in the workflow, order
   * steps may reach a live endpoint.
   *
   * @default {false}
   */
  allowLiveOrders?: boolean;
  /** Records every frame of the session (`FrameRecorder`). */
  recorder?: T4ClientOptions["recorder"];
  /**
   * Plays a recording instead of connecting: the client's sockets come from it, and a frame the
   * recording does not contain fails the running step.
   */
  replay?: ReplaySource;
  /**
   * A long-lived collector to feed too (e.g. a Prometheus registry's, across the runs of a
   * monitor); the run's own numbers are in the report's `metrics`.
   */
  sessionMetrics?: SessionMetrics;
}

/**
 * Runs a workflow and returns its report. Never throws for a failing run: the report's
 * `status` and `exit_code` say how it ended.
 *
 * @param workflow A workflow from `loadWorkflow` / `parseWorkflow`.
 * @param options Overrides, interruption, clock, client factory and output.
 * @returns The report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow } from "./load_workflow.ts";
 * import { runWorkflow } from "./run_workflow.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: '${K}' } }\nsteps: [login]\n",
 *   "w.yaml",
 *   { env: { K: "k" } },
 * );
 * const report = await runWorkflow(workflow, {
 *   createClient: () => ({
 *     connect: () => Promise.resolve({ sessionId: "s-1", userId: "u", firmId: "f", firm: "F", username: "u", roles: [], accounts: [], exchanges: [], brandName: "", serverName: "" }),
 *     onStatus: () => () => {},
 *     stats: { reconnects: 0, heartbeatsSent: 0, heartbeatsReceived: 0, frameErrors: 0, framesReceived: 0 },
 *     close: () => Promise.resolve(),
 *   }),
 * });
 * assert.equal(report.exit_code, 0);
 * assert.equal(report.steps[0]?.status, "succeeded");
 * ```
 */
export async function runWorkflow(
  workflow: Workflow,
  options: RunWorkflowOptions = {},
): Promise<RunReport> {
  const clock = options.clock ?? systemClock;
  const secrets = workflowSecrets(workflow);
  const redact = (text: string) => redactSecrets(text, secrets);
  const emit = (event: RunEvent) => options.onEvent?.(event);
  const iso = () => new Date(clock.now()).toISOString();
  const io: AlertIo = options.io ?? await _processIo();
  const alerts = new AlertDispatcher(workflow, { clock, ...io }, redact);
  alerts.onAlert((report) => emit({ type: "alert", ...report }));

  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const endpoint = options.url !== undefined
    ? { url: options.url }
    : options.env !== undefined
    ? { env: options.env }
    : workflow.connection.url !== undefined
    ? { url: workflow.connection.url }
    : { env: workflow.connection.env ?? "sim" };
  const target = "url" in endpoint ? _displayUrl(endpoint.url) : `env:${endpoint.env}`;

  const startedAt = clock.now();
  // The order guard runs before anything is sent: a refused workflow never connects.
  const restBase = runRestBase(workflow, endpoint, options.api);
  const guard = [
    ...workflowOrderDiagnostics(workflow, {
      ...endpoint,
      allowLiveOrders: options.allowLiveOrders === true,
    }),
    ...frontMarketDiagnostics(workflow, restBase, options.replay !== undefined),
  ];
  if (guard.length > 0) {
    return invalidRunReport({
      workflow: { name: workflow.name, file: workflow.file, version: workflow.version },
      target,
      startedAt,
      endedAt: clock.now(),
      diagnostics: [...workflow.warnings, ...guard],
    });
  }

  // The market runners, the message hub and CEL load only for a workflow with such a step.
  const { runners, MessageHub } = await loadStepRuntime(workflow.steps.map((s) => s.kind));
  const counts = { disconnects: 0, stale: 0 };
  const downtime = new SessionDowntime();
  /** Violations of watches that fail the run at its end (neither `fail: true` nor informational). */
  const watchFailures: string[] = [];
  const runMetrics = new SessionMetrics({ clock });
  const collectors = [runMetrics, ...(options.sessionMetrics ? [options.sessionMetrics] : [])];
  const detachCollectors: (() => void)[] = [];
  const vars: Record<string, unknown> = {};
  let watchReject: ((error: Error) => void) | undefined;
  const watchFailed = new Promise<never>((_, reject) => (watchReject = reject));
  watchFailed.catch(() => {});
  // A frame the recording does not contain fails the running step like a failing watch.
  void options.replay?.mismatched.then((error) => watchReject?.(error));
  let client: WorkflowClient | undefined;
  let closingByRunner = false;
  let lastLoginFailure: Extract<StatusEvent, { type: "login_failed" }> | undefined;
  let loginAlerted = false;
  let endedReject: ((error: Error) => void) | undefined;
  const ended = new Promise<never>((_, reject) => (endedReject = reject));
  ended.catch(() => {});
  const endedOrWatch = Promise.race([ended, watchFailed]);
  endedOrWatch.catch(() => {});
  let currentStep = "";

  /** Captured variables as `vars.NAME` template values (objects as JSON), redacted. */
  const alertVars = (): AlertVariables => {
    const out: AlertVariables = {};
    for (const [name, value] of Object.entries(vars)) {
      out[`vars.${name}`] = typeof value === "number"
        ? value
        : typeof value === "string"
        ? redact(value)
        : JSON.stringify(redactValue(value, secrets));
    }
    return out;
  };

  const snapshot = (): RunCounts => ({
    reconnects: client?.stats.reconnects ?? 0,
    disconnects: counts.disconnects,
    heartbeats_sent: client?.stats.heartbeatsSent ?? 0,
    heartbeats_received: client?.stats.heartbeatsReceived ?? 0,
    frame_errors: client?.stats.frameErrors ?? 0,
    stale: counts.stale,
    downtime_ms: downtime.downMs(startedAt, clock.now()),
  });

  const onStatus = (event: StatusEvent) => {
    const { session: _session, ...visible } = event as StatusEvent & { session?: unknown };
    // Structural: strings are scrubbed where they are, never inside serialized JSON.
    const safe = redactValue(visible, secrets) as Record<string, unknown>;
    emit({ type: "status", at: iso(), event: safe });
    const base: AlertVariables = { step: currentStep, url: target };
    switch (event.type) {
      case "login_failed":
        lastLoginFailure = event;
        loginAlerted = true;
        alerts.fire("login_failed", {
          ...base,
          result: event.result,
          error_message: redact(event.errorMessage),
          detail: `login refused with ${event.result}${
            event.errorMessage ? ` (${redact(event.errorMessage)})` : ""
          }`,
        });
        break;
      case "disconnected":
        // A refused login also ends its connection: that is the login failure, not a drop.
        if (closingByRunner || event.reason === "client" || !context.session) break;
        // Failed reconnect attempts are part of the same outage: one alert per lost session.
        if (!downtime.markDown(clock.now())) break;
        counts.disconnects++;
        alerts.fire("disconnected", {
          ...base,
          reason: event.reason,
          detail: redact(event.detail),
        });
        break;
      case "reconnected":
        downtime.markUp(clock.now());
        alerts.fire("reconnected", {
          ...base,
          attempt: event.attempt,
          detail: `reconnected after ${event.attempt} attempt${event.attempt === 1 ? "" : "s"}`,
        });
        break;
      case "stale":
        counts.stale++;
        alerts.fire("stale", { ...base, detail: `nothing received for ${event.silentMs} ms` });
        break;
      case "maintenance":
        alerts.fire("maintenance", {
          ...base,
          detail: `maintenance window until ${new Date(event.until).toISOString()}`,
        });
        break;
      case "frame_error":
        alerts.fire("frame_error", { ...base, reason: event.kind, detail: redact(event.message) });
        break;
      case "closed":
        if (!closingByRunner) {
          endedReject?.(clientEndedError(redact(event.reason), lastLoginFailure));
        }
        break;
    }
  };

  const context: StepContext = {
    workflow,
    clock,
    signal: controller.signal,
    holdOverrideMs: options.holdMs,
    progressMs: options.progressMs ?? 1_000,
    client: undefined,
    session: undefined,
    vars,
    hub: undefined,
    downtime,
    previousStepSeq: 0,
    previousStepCounts: new Map(),
    openClient(overrides) {
      if (client) return client;
      const c = workflow.connection;
      const auth = _auth(workflow);
      const clientOptions: T4ClientOptions = {
        ...endpoint,
        auth,
        clock,
        ...(c.heartbeatMs !== undefined && { heartbeatMs: c.heartbeatMs }),
        ...(c.missedHeartbeats !== undefined && { missedHeartbeats: c.missedHeartbeats }),
        ...(c.loginTimeoutMs !== undefined && { loginTimeoutMs: c.loginTimeoutMs }),
        ...(c.reconnect !== undefined && { reconnect: c.reconnect }),
        ...(c.maintenance === false && { maintenance: false as const }),
        ...(c.allowInsecure !== undefined && { allowInsecure: c.allowInsecure }),
        // A replay brings its own WebSocket: the transport does not apply.
        ...(c.transport !== undefined && !options.replay && { transport: c.transport }),
        ...(options.recorder && { recorder: options.recorder }),
        ...(options.replay && { WebSocket: options.replay.WebSocket }),
        ...overrides,
      };
      const created = (options.createClient ?? ((o) => new T4Client(o)))(clientOptions);
      for (const collector of collectors) detachCollectors.push(collector.observe(created));
      client = measuredClient(created, collectors);
      client.onStatus(onStatus);
      context.client = client;
      if (client.on && MessageHub) {
        const hub = new MessageHub(clock, () => vars, () => context.session, (watch, detail) => {
          const safe = redact(detail);
          emit({ type: "watch", at: iso(), name: watch.name, step: currentStep, detail: safe });
          alerts.fire(watch.name, {
            ...alertVars(),
            step: currentStep,
            url: target,
            detail: `${watch.name}: ${safe}`,
          });
          if (watch.fail) {
            watchReject?.(new WatchViolationError(watch.name, safe));
          } else if (!watch.informational) {
            watchFailures.push(`watch '${watch.name}' was violated: ${safe}`);
          }
        });
        hub.attach(client as unknown as MessageSource);
        context.hub = hub;
      }
      return client;
    },
    clientEnded: () => endedOrWatch,
    ...(options.replay !== undefined && {
      resolveFrontMarket: (exchangeId: string, contractId: string) => {
        const market = options.replay!.subscribedMarket(exchangeId, contractId);
        return market !== undefined ? Promise.resolve(market) : Promise.reject(
          new Error(
            `Cannot resolve market: front for ${exchangeId} ${contractId} from the recording as it subscribed to no market of that contract`,
          ),
        );
      },
    }),
    ...(restBase !== undefined && options.replay === undefined && {
      resolveFrontMarket: frontMarketResolver({
        restBase,
        auth: _auth(workflow),
        client: () => client,
        clock,
      }),
    }),
    progress(elapsedMs, totalMs) {
      emit({
        type: "step_progress",
        at: iso(),
        index: current,
        name: currentStep,
        elapsed_ms: elapsedMs,
        total_ms: totalMs,
        counts: snapshot(),
      });
    },
  };

  emit({ type: "run_started", at: iso(), workflow: workflow.name, target });
  const steps: StepReport[] = [];
  let status: RunStatus = "succeeded";
  let exitCode: number = EXIT_CODES.success;
  let current = 0;
  const interruptedRace = new Promise<never>((_, reject) => {
    const fail = () => reject(new _Interrupted());
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener("abort", fail, { once: true });
  });
  interruptedRace.catch(() => {});

  for (const step of workflow.steps) {
    current = step.index;
    currentStep = step.label;
    if (status !== "succeeded") {
      steps.push({
        index: step.index,
        kind: step.kind,
        name: step.label,
        status: "skipped",
        duration_ms: 0,
      });
      continue;
    }
    const stepStart = clock.now();
    const stepSeq = context.hub?.seq ?? 0;
    const stepCounts = context.hub?.counts() ?? new Map<string, number>();
    emit({ type: "step_started", at: iso(), index: step.index, kind: step.kind, name: step.label });
    try {
      const runner = runners[step.kind];
      if (!runner) {
        throw new TypeError(`Cannot run step '${step.kind}' as this version has no runner for it`);
      }
      const detail = await Promise.race([runner(step.args, context), interruptedRace]);
      // A frame the recording does not contain fails the step that sent it.
      if (options.replay?.mismatch) throw options.replay.mismatch;
      context.previousStepSeq = stepSeq;
      context.previousStepCounts = stepCounts;
      const report: StepReport = {
        index: step.index,
        kind: step.kind,
        name: step.label,
        status: "succeeded",
        started_at: new Date(stepStart).toISOString(),
        duration_ms: clock.now() - stepStart,
        ...(detail && { detail: redact(detail) }),
      };
      steps.push(report);
      emit({
        type: "step_finished",
        at: iso(),
        index: step.index,
        kind: step.kind,
        name: step.label,
        status: "succeeded",
        duration_ms: report.duration_ms,
        ...(detail && { detail: redact(detail) }),
      });
    } catch (thrown) {
      // A frame the recording does not contain is why the step failed, whatever it saw next.
      const error = options.replay?.mismatch ?? thrown;
      const interrupted = controller.signal.aborted;
      const reportError = interrupted ? undefined : _reportError(error, redact);
      const report: StepReport = {
        index: step.index,
        kind: step.kind,
        name: step.label,
        status: interrupted ? "interrupted" : "failed",
        started_at: new Date(stepStart).toISOString(),
        duration_ms: clock.now() - stepStart,
        ...(reportError && { error: reportError }),
      };
      steps.push(report);
      emit({
        type: "step_finished",
        at: iso(),
        index: step.index,
        kind: step.kind,
        name: step.label,
        status: report.status,
        duration_ms: report.duration_ms,
        ...(reportError && { error: reportError }),
      });
      if (interrupted) {
        status = "interrupted";
        exitCode = EXIT_CODES.interrupted;
      } else {
        status = "failed";
        exitCode = _isConnectionFailure(error) ? EXIT_CODES.connection : EXIT_CODES.failed;
        if (error instanceof LoginError && !loginAlerted) {
          alerts.fire("login_failed", {
            step: step.label,
            url: target,
            result: error.result,
            error_message: redact(error.errorMessage),
            detail: `login refused with ${error.result}`,
          });
        }
        alerts.fire("step_failed", {
          ...alertVars(),
          step: step.label,
          url: target,
          ...(error instanceof LoginError &&
            { result: error.result, error_message: redact(error.errorMessage) }),
          detail: reportError?.message ?? "",
        });
      }
    }
  }

  closingByRunner = true;
  context.hub?.close();
  await client?.close().catch(() => {});
  for (const detach of detachCollectors) detach();
  const thresholds = evaluateThresholds(workflow.thresholds ?? [], runMetrics);
  const crossed = thresholds.filter((t) => t.status === "crossed");
  if (status !== "interrupted") {
    for (const t of crossed) {
      alerts.fire("threshold_crossed", {
        ...alertVars(),
        url: target,
        threshold: t.metric,
        detail: describeThresholdResult(t),
      });
    }
  }
  if (status === "succeeded" && (watchFailures.length > 0 || crossed.length > 0)) {
    status = "failed";
    exitCode = EXIT_CODES.failed;
  }
  const failedStep = steps.find((s) => s.status === "failed");
  const reason = failedStep?.error
    ? `${failedStep.name}: ${failedStep.error.message}`
    : status === "failed" && watchFailures.length > 0
    ? `${watchFailures[0]}${
      watchFailures.length > 1 ? ` (and ${watchFailures.length - 1} more violations)` : ""
    }`
    : status === "failed" && crossed.length > 0
    ? crossed.map(describeThresholdResult).join("; ")
    : status === "interrupted"
    ? `interrupted during ${steps.find((s) => s.status === "interrupted")?.name ?? "the run"}`
    : undefined;
  if (status === "succeeded") {
    alerts.fire("succeeded", { ...alertVars(), url: target, exit_code: exitCode, detail: "" });
  } else if (status === "failed") {
    alerts.fire("failed", {
      ...alertVars(),
      url: target,
      exit_code: exitCode,
      step: failedStep?.name ?? "",
      ...(failedStep?.error?.result && { result: failedStep.error.result }),
      detail: reason ?? "",
    });
  }
  await alerts.flush();
  options.signal?.removeEventListener("abort", onAbort);
  const endedAt = clock.now();
  const finalCounts = snapshot();
  const metrics = { session: runMetrics.snapshot(), thresholds };
  emit({
    type: "run_finished",
    at: iso(),
    status,
    exit_code: exitCode,
    duration_ms: endedAt - startedAt,
    counts: finalCounts,
    ...(reason !== undefined && { reason }),
    metrics,
  });
  return {
    report_version: REPORT_VERSION,
    tool: { name: "t4flow", version: T4FLOW_VERSION },
    workflow: { name: workflow.name, file: workflow.file, version: workflow.version },
    target,
    started_at: new Date(startedAt).toISOString(),
    ended_at: new Date(endedAt).toISOString(),
    duration_ms: endedAt - startedAt,
    status,
    exit_code: exitCode,
    ...(reason !== undefined && { reason }),
    steps,
    counts: finalCounts,
    alerts: alerts.reports,
    diagnostics: workflow.warnings,
    ...(context.hub && context.hub.reports().length > 0 && { watches: context.hub.reports() }),
    ...(Object.keys(vars).length > 0 &&
      { vars: redactValue(vars, secrets) }),
    metrics,
  };
}

/**
 * A watch with `fail: true` was violated: the running step fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WatchViolationError } from "./run_workflow.ts";
 *
 * assert.equal(new WatchViolationError("quotes_fresh", "no market_depth for 10s").message, "Cannot continue as watch 'quotes_fresh' was violated: no market_depth for 10s");
 * ```
 */
export class WatchViolationError extends Error {
  /** The error class name, `"WatchViolationError"`. */
  override readonly name = "WatchViolationError";
  /** The watch's name. */
  readonly watch: string;

  /**
   * Creates the error for one violated watch.
   *
   * @param watch The watch's name.
   * @param detail What was violated.
   * @param options Error options.
   */
  constructor(watch: string, detail: string, options?: ErrorOptions) {
    super(`Cannot continue as watch '${watch}' was violated: ${detail}`, options);
    this.watch = watch;
  }
}

class _Interrupted extends Error {
  override readonly name = "Interrupted";
}

function _isConnectionFailure(error: unknown): boolean {
  return error instanceof LoginError || error instanceof LoginTimeoutError ||
    error instanceof ConnectionError || error instanceof InsecureUrlError ||
    (error instanceof ClientClosedError && error.operation === "connect");
}

function _reportError(error: unknown, redact: (text: string) => string): ReportError {
  if (error instanceof LoginError) {
    return { type: error.name, message: redact(error.message), result: error.result };
  }
  if (error instanceof Error) return { type: error.name, message: redact(error.message) };
  return { type: "Error", message: redact(String(error)) };
}

/** The client's credentials from the workflow's (they stay out of every report). */
function _auth(workflow: Workflow): T4ClientOptions["auth"] {
  const request = workflow.connection.credentials.loginRequest();
  return request.apiKey ? { apiKey: request.apiKey } : {
    firm: request.firm,
    username: request.username,
    password: request.password,
    appName: request.appName,
    appLicense: request.appLicense,
    priceFormat: request.priceFormat,
  };
}

function _displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

async function _processIo(): Promise<AlertIo> {
  const { default: process } = await import("node:process");
  return {
    stderr: (text) => process.stderr.write(text),
    stdout: (text) => process.stdout.write(text),
  };
}
