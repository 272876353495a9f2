/**
 * The Prometheus metrics of t4flow (`t4flow_*`, every series labelled `workflow`), built with
 * `prom-client`: one registry for any number of workflows, fed by a {@linkcode SessionMetrics}
 * per workflow and by the run events, rendered in the Prometheus text format for `GET /metrics`
 * (`t4flow run --metrics`, `t4flow monitor`) and for the Pushgateway.
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { SessionMetrics, type SessionMetricsSnapshot } from "../client/session_metrics.ts";
import type { RunEvent, RunStatus } from "../workflow/run_report.ts";

/**
 * The part of a `prom-client` `Registry` this module promises; the object is a real `Registry`
 * (import `Registry` from `prom-client` and cast to register more metrics in it).
 */
export interface PromRegistry {
  /**
   * Renders every metric.
   *
   * @returns The exposition text.
   */
  metrics(): Promise<string>;
}

/** The content type of the Prometheus text format (version 0.0.4). */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Buckets of `t4flow_login_duration_seconds`. */
const _LOGIN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
/** Buckets of `t4flow_run_duration_seconds`. */
const _RUN_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** Options of {@linkcode MetricsRegistry.workflow}. */
export interface WorkflowMetricsOptions {
  /**
   * The collector the session numbers come from (attach it to each run's client).
   *
   * @default {a new SessionMetrics}
   */
  session?: SessionMetrics;
  /**
   * Read the session numbers from this snapshot instead (e.g. a finished run's report, for the
   * Pushgateway); no login-duration histogram then.
   */
  snapshot?: () => SessionMetricsSnapshot;
}

/** How one run ended, for {@linkcode WorkflowMetrics.recordRun}. */
export interface RunOutcome {
  /** How it ended. */
  status: RunStatus;
  /** Its exit code. */
  exitCode: number;
  /** Its duration in milliseconds. */
  durationMs: number;
  /** When it ended, in milliseconds since the epoch. */
  endedAt: number;
}

/** The metrics of one workflow inside a {@linkcode MetricsRegistry}. */
export interface WorkflowMetrics {
  /** The workflow name (the `workflow` label). */
  readonly name: string;
  /** The live collector, unless the workflow reads a snapshot. */
  readonly session: SessionMetrics | undefined;
  /**
   * Counts what a run event says: `watch` violations, `alert` deliveries per sink and
   * `run_finished` (runs, run duration, last run gauges).
   *
   * @param event A run event, as `runWorkflow`'s `onEvent` gives it.
   */
  onRunEvent(event: RunEvent): void;
  /**
   * Records a finished run (what a `run_finished` event does, with the end time given).
   *
   * @param outcome The run's status, exit code, duration and end time.
   */
  recordRun(outcome: RunOutcome): void;
  /**
   * Sets only the `t4flow_last_run_*` gauges (what a Pushgateway push of one run carries).
   *
   * @param outcome The run's status, exit code, duration and end time.
   */
  setLastRun(outcome: RunOutcome): void;
}

/** A Prometheus registry for t4flow's metrics, shared by any number of workflows. */
export interface MetricsRegistry {
  /** The `prom-client` registry. */
  readonly registry: PromRegistry;
  /** {@linkcode METRICS_CONTENT_TYPE}. */
  readonly contentType: string;
  /**
   * The metrics of one workflow, created on first use.
   *
   * @param name The workflow name.
   * @param options Where its session numbers come from (first call only).
   * @returns Its metrics.
   */
  workflow(name: string, options?: WorkflowMetricsOptions): WorkflowMetrics;
  /**
   * Stops counting a workflow (e.g. `t4flow monitor` removed it); its series disappear.
   *
   * @param name The workflow name.
   */
  removeWorkflow(name: string): void;
}

/**
 * Creates an empty registry with every `t4flow_*` metric.
 *
 * @returns The registry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMetricsRegistry, renderMetrics } from "./metrics_registry.ts";
 *
 * const metrics = createMetricsRegistry();
 * const check = metrics.workflow("session-check");
 * check.recordRun({ status: "succeeded", exitCode: 0, durationMs: 1500, endedAt: 1_700_000_000_000 });
 * const text = await renderMetrics(metrics);
 * assert.match(text, /^t4flow_runs_total\{workflow="session-check",status="succeeded"\} 1$/m);
 * assert.match(text, /^t4flow_session_connected\{workflow="session-check"\} 0$/m);
 * ```
 */
export function createMetricsRegistry(): MetricsRegistry {
  const registry = new Registry();
  const workflows = new Map<string, _Workflow>();
  const sources = () => [...workflows.values()];
  const registers = [registry];

  const counter = (
    name: string,
    help: string,
    labels: string[],
    read?: (w: _Workflow, s: SessionMetricsSnapshot, c: Counter<string>) => void,
  ) =>
    new Counter({
      name,
      help,
      labelNames: ["workflow", ...labels],
      registers,
      ...(read && {
        collect(this: Counter<string>) {
          this.reset();
          for (const w of sources()) read(w, w.read(), this);
        },
      }),
    });
  const gauge = (
    name: string,
    help: string,
    labels: string[],
    read: (w: _Workflow, s: SessionMetricsSnapshot, g: Gauge<string>) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ["workflow", ...labels],
      registers,
      collect(this: Gauge<string>) {
        this.reset();
        for (const w of sources()) read(w, w.read(), this);
      },
    });
  const each = (record: Readonly<Record<string, number>>, fn: (key: string, n: number) => void) =>
    Object.entries(record).forEach(([key, n]) => fn(key, n));

  gauge(
    "t4flow_session_connected",
    "1 while the workflow's session is logged in, else 0",
    [],
    (w, s, g) => g.set({ workflow: w.name }, s.connected ? 1 : 0),
  );
  counter(
    "t4flow_logins_total",
    "Login responses by result short name",
    ["result"],
    (w, s, c) => each(s.logins, (result, n) => c.inc({ workflow: w.name, result }, n)),
  );
  counter(
    "t4flow_reconnects_total",
    "Successful re-logins after a drop",
    [],
    (w, s, c) => c.inc({ workflow: w.name }, s.reconnects),
  );
  counter(
    "t4flow_disconnects_total",
    "Unexpected disconnects of a logged-in session by reason",
    ["reason"],
    (w, s, c) => each(s.disconnects, (reason, n) => c.inc({ workflow: w.name, reason }, n)),
  );
  counter(
    "t4flow_heartbeats_sent_total",
    "Heartbeats sent",
    [],
    (w, s, c) => c.inc({ workflow: w.name }, s.heartbeats_sent),
  );
  counter(
    "t4flow_heartbeats_received_total",
    "Heartbeats received",
    [],
    (w, s, c) => c.inc({ workflow: w.name }, s.heartbeats_received),
  );
  counter(
    "t4flow_frames_received_total",
    "Frames received by payload",
    ["payload"],
    (w, s, c) => each(s.frames, (payload, n) => c.inc({ workflow: w.name, payload }, n)),
  );
  counter(
    "t4flow_frame_errors_total",
    "Frames skipped as undecodable, text or oversized",
    [],
    (w, s, c) => c.inc({ workflow: w.name }, s.frame_errors),
  );
  const loginDuration = new Histogram({
    name: "t4flow_login_duration_seconds",
    help: "Time from opening the socket to a successful login response",
    labelNames: ["workflow"],
    buckets: _LOGIN_BUCKETS,
    registers,
  });
  gauge(
    "t4flow_last_message_age_seconds",
    "Seconds since the last frame was received",
    [],
    (w, s, g) => {
      if (s.last_message_age_ms !== null) {
        g.set({ workflow: w.name }, s.last_message_age_ms / 1000);
      }
    },
  );
  gauge(
    "t4flow_quote_age_seconds",
    "Seconds since the last quote of each subscribed market",
    ["market"],
    (w, s, g) => {
      for (const [market, q] of Object.entries(s.quotes)) {
        g.set({ workflow: w.name, market }, q.age_ms / 1000);
      }
    },
  );
  const watchViolations = counter(
    "t4flow_watch_violations_total",
    "Watch violations by watch name",
    ["watch"],
  );
  const alerts = counter(
    "t4flow_alerts_total",
    "Alert deliveries by alert event, sink and outcome (delivered or failed)",
    ["on", "sink", "outcome"],
  );
  const runs = counter("t4flow_runs_total", "Finished runs by status", ["status"]);
  const runDuration = new Histogram({
    name: "t4flow_run_duration_seconds",
    help: "Duration of finished runs",
    labelNames: ["workflow"],
    buckets: _RUN_BUCKETS,
    registers,
  });
  const last = (name: string, help: string, value: (w: _Workflow, o: RunOutcome) => number) =>
    gauge(name, help, [], (w, _s, g) => {
      if (w.lastRun) g.set({ workflow: w.name }, value(w, w.lastRun));
    });
  last(
    "t4flow_last_run_success",
    "1 when the last finished run succeeded, else 0",
    (_w, o) => (o.exitCode === 0 ? 1 : 0),
  );
  last(
    "t4flow_last_run_timestamp_seconds",
    "When the last run finished, in seconds since the epoch",
    (_w, o) => o.endedAt / 1000,
  );
  last(
    "t4flow_last_run_duration_seconds",
    "Duration of the last finished run",
    (_w, o) => o.durationMs / 1000,
  );
  last("t4flow_last_run_exit_code", "Exit code of the last finished run", (_w, o) => o.exitCode);

  const metrics = { loginDuration, watchViolations, alerts, runs, runDuration };
  return {
    registry,
    contentType: METRICS_CONTENT_TYPE,
    workflow(name, options = {}) {
      let w = workflows.get(name);
      if (w === undefined) {
        w = new _Workflow(name, options, metrics);
        workflows.set(name, w);
      }
      return w;
    },
    removeWorkflow(name) {
      const w = workflows.get(name);
      if (w === undefined) return;
      w.dispose();
      workflows.delete(name);
    },
  };
}

/**
 * Renders every metric of a registry in the Prometheus text format (version 0.0.4).
 *
 * @param metrics The registry.
 * @returns The exposition text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMetricsRegistry, renderMetrics } from "./metrics_registry.ts";
 *
 * const metrics = createMetricsRegistry();
 * metrics.workflow("w");
 * const text = await renderMetrics(metrics);
 * assert.match(text, /^# TYPE t4flow_logins_total counter$/m);
 * ```
 */
export function renderMetrics(metrics: MetricsRegistry): Promise<string> {
  return metrics.registry.metrics();
}

interface _Metrics {
  loginDuration: Histogram<string>;
  watchViolations: Counter<string>;
  alerts: Counter<string>;
  runs: Counter<string>;
  runDuration: Histogram<string>;
}

class _Workflow implements WorkflowMetrics {
  readonly name: string;
  readonly session: SessionMetrics | undefined;
  readonly read: () => SessionMetricsSnapshot;
  lastRun: RunOutcome | undefined;
  readonly #metrics: _Metrics;
  readonly #stopSamples: () => void;
  /** Every label set this workflow pushed into a shared metric, to remove on dispose. */
  readonly #used = new Map<string, () => void>();

  constructor(name: string, options: WorkflowMetricsOptions, metrics: _Metrics) {
    this.name = name;
    this.#metrics = metrics;
    if (options.snapshot) {
      this.session = undefined;
      this.read = options.snapshot;
      this.#stopSamples = () => {};
    } else {
      const session = options.session ?? new SessionMetrics();
      this.session = session;
      this.read = () => session.snapshot();
      this.#stopSamples = session.onSample((sample, ms) => {
        if (sample === "login_time") {
          this.#use(metrics.loginDuration, { workflow: name }).observe(
            { workflow: name },
            ms / 1000,
          );
        }
      });
    }
  }

  onRunEvent(event: RunEvent): void {
    const workflow = this.name;
    switch (event.type) {
      case "watch":
        this.#inc(this.#metrics.watchViolations, { workflow, watch: event.name });
        break;
      case "alert":
        for (const sink of event.sinks) {
          this.#inc(this.#metrics.alerts, {
            workflow,
            on: event.on,
            sink: sink.sink,
            outcome: sink.ok ? "delivered" : "failed",
          });
        }
        break;
      case "run_finished": {
        const endedAt = Date.parse(event.at);
        this.recordRun({
          status: event.status,
          exitCode: event.exit_code,
          durationMs: event.duration_ms,
          endedAt: Number.isNaN(endedAt) ? Date.now() : endedAt,
        });
        break;
      }
    }
  }

  setLastRun(outcome: RunOutcome): void {
    this.lastRun = outcome;
  }

  recordRun(outcome: RunOutcome): void {
    this.lastRun = outcome;
    this.#inc(this.#metrics.runs, { workflow: this.name, status: outcome.status });
    const labels = { workflow: this.name };
    this.#use(this.#metrics.runDuration, labels).observe(labels, outcome.durationMs / 1000);
  }

  dispose(): void {
    this.#stopSamples();
    for (const remove of this.#used.values()) remove();
    this.#used.clear();
  }

  #inc(counter: Counter<string>, labels: Record<string, string>): void {
    this.#use(counter, labels).inc(labels);
  }

  #use<M extends Counter<string> | Histogram<string>>(
    metric: M,
    labels: Record<string, string>,
  ): M {
    const key = JSON.stringify([(metric as unknown as { name: string }).name, labels]);
    if (!this.#used.has(key)) this.#used.set(key, () => metric.remove(labels));
    return metric;
  }
}
