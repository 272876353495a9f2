/**
 * Many workflows in one process (`t4flow monitor`): each on its own schedule through
 * {@linkcode runWorkflowMonitor} (alert state with thresholds, reminders and resolved notices per
 * workflow, kept in the run store so a restart does not fire again), at most `concurrency` runs at
 * a time, every run recorded in a {@linkcode RunStore}. One workflow's failure or crash never
 * stops another: a crashed monitor loop is recorded as a failed run and restarted. Stopping lets
 * running checks finish for a bounded grace period, then interrupts them.
 *
 * @module
 */

import { type Clock, sleep, systemClock } from "../runtime/clock.ts";
import { t4flowLogger } from "../runtime/logger.ts";
import type { MaintenanceWindow } from "../client/maintenance_window.ts";
import type { AlertIo } from "../workflow/alert_dispatcher.ts";
import type { Workflow } from "../workflow/load_workflow.ts";
import type { RunEvent, RunReport } from "../workflow/run_report.ts";
import type { RunWorkflowOptions } from "../workflow/run_workflow.ts";
import type { AlertPolicy, AlertState } from "./alert_state.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";
import type { WorkflowStatus } from "./monitor_status.ts";
import { createRunLimiter, type RunLimiter } from "./run_limiter.ts";
import type { AlertStateStore, MonitorEvent } from "./run_monitor.ts";
import { parseAlertState } from "./state_store.ts";
import type { RunStore } from "./run_store.ts";
import type { Schedule } from "./schedule.ts";
import { runWorkflowMonitor } from "./workflow_monitor.ts";

const _log = t4flowLogger("monitor", "fleet");

/** Runs kept per workflow in the status (the page's bars and the API's `runs`). */
export const STATUS_RUNS = 30;
/** The window `uptime` is computed over: 7 days. */
export const UPTIME_WINDOW_MS = 7 * 24 * 3_600_000;
/** The default retention of the history (`--retain`): 30 days. */
export const DEFAULT_RETAIN_MS = 30 * 24 * 3_600_000;
/** The default grace period for running checks on SIGTERM: 30 s. */
export const DEFAULT_GRACE_MS = 30_000;
/** How long a crashed monitor loop waits before it is restarted. */
const _RESTART_MS = 30_000;
/** How often retention runs. */
const _PRUNE_EVERY_MS = 3_600_000;

/** One workflow of the monitor and the schedule it runs on. */
export interface FleetWorkflow {
  /** The loaded workflow (its name is unique within the monitor). */
  workflow: Workflow;
  /** When it runs. */
  schedule: Schedule;
}

/** What the monitor reports besides the status (the CLI prints it). */
export type FleetEvent =
  /** A workflow's monitor event (a run with its notice, a skip, a warning). */
  | { type: "monitor"; workflow: string; event: MonitorEvent }
  /** A workflow's monitor loop crashed; it restarts after a pause. */
  | { type: "crashed"; workflow: string; at: number; message: string }
  /** A workflow stopped for good (e.g. a fatal login result such as `LOCKED_OUT`). */
  | { type: "stopped"; workflow: string; at: number; exitCode: number }
  /** The history could not be written (the monitor goes on). */
  | { type: "store_error"; workflow: string; at: number; message: string };

/** Options of {@linkcode MonitorFleet}. */
export interface MonitorFleetOptions {
  /** Where runs and alert state are kept. */
  store: RunStore;
  /** Thresholds and reminders, for every workflow. */
  policy: AlertPolicy;
  /** Runs inside this weekly window are skipped; `null` runs them. */
  maintenance: MaintenanceWindow | null;
  /**
   * At most this many runs at a time.
   *
   * @default 4
   */
  concurrency?: number;
  /**
   * Runs older than this are deleted.
   *
   * @default DEFAULT_RETAIN_MS
   */
  retainMs?: number;
  /**
   * On stop, running checks get this long to finish before they are interrupted.
   *
   * @default DEFAULT_GRACE_MS
   */
  graceMs?: number;
  /**
   * The monitor's clock (schedules, alert state, retention).
   *
   * @default systemClock
   */
  clock?: Clock;
  /** Standard streams and fetch for the alert sinks. */
  io: AlertIo;
  /** Options for each run (`url`, `env`, `holdMs`, `createClient`, ...). */
  run?: Omit<RunWorkflowOptions, "signal" | "onEvent" | "io">;
  /** Each run's events, with the workflow's name. */
  onRunEvent?: (workflow: string, event: RunEvent) => void;
  /** Counts every workflow's runs, alerts and watch violations (`GET /metrics`). */
  metrics?: MetricsRegistry;
  /** What happened besides the status. */
  onEvent?: (event: FleetEvent) => void;
}

interface _Entry {
  readonly workflow: Workflow;
  readonly schedule: Schedule;
  nextRunAt: number | null;
  report: RunReport | undefined;
  /** The server's `error_message` of the current run's refused login. */
  loginMessage: string;
}

/**
 * Runs many workflows, each on its own schedule, and keeps their history.
 *
 * @example Two workflows, one failing, on a fake clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../runtime/clock.ts";
 * import { parseWorkflow } from "../workflow/load_workflow.ts";
 * import { alertPolicy } from "./alert_state.ts";
 * import { MonitorFleet } from "./monitor_fleet.ts";
 * import { parseEvery } from "./schedule.ts";
 * import { openSqliteRunStore } from "./sqlite_run_store.ts";
 *
 * const workflow = (name: string) =>
 *   parseWorkflow(`version: 1\nname: ${name}\nconnection: { url: "ws://127.0.0.1:9/", auth: { api_key: k } }\nsteps: [login]\n`, "w.yaml");
 * const clock = new FakeClock(Date.parse("2026-11-25T12:00:00Z"));
 * const store = openSqliteRunStore(":memory:");
 * const fleet = new MonitorFleet(
 *   [{ workflow: workflow("a"), schedule: parseEvery("1m") }, { workflow: workflow("b"), schedule: parseEvery("1m") }],
 *   {
 *     store, clock, policy: alertPolicy(), maintenance: null, io: { stdout: () => {}, stderr: () => {} },
 *     run: {
 *       createClient: () => ({
 *         connect: () => Promise.reject(new Error("Cannot connect")),
 *         onStatus: () => () => {},
 *         stats: { reconnects: 0, heartbeatsSent: 0, heartbeatsReceived: 0, frameErrors: 0, framesReceived: 0 },
 *         close: () => Promise.resolve(),
 *       }),
 *     },
 *   },
 * );
 * const stop = new AbortController();
 * const done = fleet.run(stop.signal);
 * while (fleet.status().some((w) => w.runs.length === 0)) await new Promise((r) => setTimeout(r, 5));
 * assert.deepEqual(fleet.status().map((w) => w.runs[0]?.status), ["failed", "failed"]);
 * stop.abort();
 * assert.equal(await done, 130);
 * store.close();
 * ```
 */
export class MonitorFleet {
  readonly #entries: _Entry[];
  readonly #options: MonitorFleetOptions;
  readonly #clock: Clock;
  readonly #limiter: RunLimiter;
  readonly #listeners = new Set<() => void>();
  #lastPrune = -Infinity;

  /**
   * Creates the monitor; nothing runs before {@linkcode MonitorFleet.run}.
   *
   * @param workflows The workflows and their schedules (names must be unique).
   * @param options Store, policy, concurrency, clock, I/O and callbacks.
   * @throws {RangeError} When two workflows have the same name or `concurrency` is not >= 1.
   */
  constructor(workflows: readonly FleetWorkflow[], options: MonitorFleetOptions) {
    const seen = new Map<string, string>();
    for (const { workflow } of workflows) {
      const other = seen.get(workflow.name);
      if (other !== undefined) {
        throw new RangeError(
          `Cannot monitor ${workflow.file} as ${other} has the same name '${workflow.name}': give each workflow its own name`,
        );
      }
      seen.set(workflow.name, workflow.file);
    }
    this.#entries = workflows.map(({ workflow, schedule }) => ({
      workflow,
      schedule,
      nextRunAt: null,
      report: undefined,
      loginMessage: "",
    }));
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#limiter = createRunLimiter(options.concurrency ?? 4);
  }

  /**
   * Every workflow's status: the latest runs from the store (so a restart with the same database
   * shows the earlier history at once), uptime and next run.
   *
   * @returns One status per workflow, in the order given.
   */
  status(): WorkflowStatus[] {
    const since = this.#clock.now() - UPTIME_WINDOW_MS;
    return this.#entries.map((entry) => ({
      name: entry.workflow.name,
      runs: this.#options.store.recent(entry.workflow.name, STATUS_RUNS),
      uptime: this.#options.store.uptime(entry.workflow.name, since),
      nextRunAt: entry.nextRunAt,
    }));
  }

  /**
   * Calls `listener` whenever the status changes (a run recorded, a next run decided).
   *
   * @param listener The callback.
   * @returns A function that removes it.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Runs every workflow on its schedule until `signal` aborts. Then no new run starts, running
   * checks get the grace period to finish (and are recorded), and the rest are interrupted.
   *
   * @param signal Stops the monitor (SIGTERM).
   * @param kill Interrupts running checks at once (a second Ctrl-C).
   * @returns 130 once stopped (every loop has ended).
   */
  async run(signal: AbortSignal, kill?: AbortSignal): Promise<number> {
    const interrupt = new AbortController();
    const onKill = () => interrupt.abort(kill?.reason);
    kill?.addEventListener("abort", onKill, { once: true });
    const onStop = () => {
      const grace = this.#options.graceMs ?? DEFAULT_GRACE_MS;
      sleep(this.#clock, grace, interrupt.signal).then(
        () => interrupt.abort(new Error("the grace period is over")),
        () => {},
      );
    };
    signal.addEventListener("abort", onStop, { once: true });
    this.#prune();
    try {
      await Promise.all(this.#entries.map((entry) => this.#loop(entry, signal, interrupt.signal)));
    } finally {
      interrupt.abort();
      kill?.removeEventListener("abort", onKill);
      signal.removeEventListener("abort", onStop);
    }
    return 130;
  }

  async #loop(entry: _Entry, signal: AbortSignal, interrupt: AbortSignal): Promise<void> {
    const name = entry.workflow.name;
    while (!signal.aborted) {
      let code: number;
      try {
        code = await this.#monitor(entry, signal, interrupt);
      } catch (error) {
        const message = `Cannot keep monitoring '${name}' as its monitor loop crashed: ${
          error instanceof Error ? error.message : String(error)
        }; restarting in ${_RESTART_MS / 1000} s`;
        _log.error(message);
        const at = this.#clock.now();
        this.#record(entry, {
          workflow: name,
          startedAt: at,
          durationMs: 0,
          status: "failed",
          exitCode: 1,
          loginMs: null,
          error: message,
          alerts: [],
        });
        this.#options.onEvent?.({ type: "crashed", workflow: name, at, message });
        try {
          await sleep(this.#clock, _RESTART_MS, signal);
        } catch {
          break;
        }
        continue;
      }
      if (!signal.aborted) {
        entry.nextRunAt = null;
        this.#changed();
        this.#options.onEvent?.({
          type: "stopped",
          workflow: name,
          at: this.#clock.now(),
          exitCode: code,
        });
      }
      break;
    }
    entry.nextRunAt = null;
  }

  #monitor(entry: _Entry, signal: AbortSignal, interrupt: AbortSignal): Promise<number> {
    const name = entry.workflow.name;
    const store = this.#options.store;
    const metrics = this.#options.metrics?.workflow(name);
    const alertStateStore: AlertStateStore = {
      load: (check) => {
        const json = store.alertState(check);
        if (json === undefined) return undefined;
        let state: AlertState | string;
        try {
          state = parseAlertState(JSON.parse(json));
        } catch {
          state = "it is not valid JSON";
        }
        if (typeof state !== "string" && state.check === check) return state;
        const message = `Cannot use the stored alert state of '${check}' as ${
          typeof state === "string" ? state : "it belongs to another workflow"
        }: starting fresh`;
        _log.warn(message);
        this.#options.onEvent?.({
          type: "store_error",
          workflow: name,
          at: this.#clock.now(),
          message,
        });
        return undefined;
      },
      save: (state, nowMs) => {
        try {
          store.saveAlertState(state.check, JSON.stringify(state), nowMs);
        } catch (error) {
          this.#storeError(name, error);
        }
      },
    };
    const session = metrics?.session;
    const run = {
      ...this.#options.run,
      // The workflow's session numbers (logins, heartbeats, frames, quote ages) for `/metrics`.
      ...(session !== undefined && { sessionMetrics: session }),
    };
    return runWorkflowMonitor(entry.workflow, {
      schedule: entry.schedule,
      policy: this.#options.policy,
      maintenance: this.#options.maintenance,
    }, {
      run,
      io: this.#options.io,
      signal,
      runSignal: interrupt,
      clock: this.#clock,
      alertStateStore,
      acquireRunSlot: (runSignal) => this.#limiter.acquire(runSignal),
      onNextRun: (at) => {
        entry.nextRunAt = at ?? null;
        this.#changed();
      },
      onRunEvent: (event) => {
        if (event.type === "status" && event.event.type === "login_failed") {
          entry.loginMessage = String(event.event.errorMessage ?? "");
        }
        metrics?.onRunEvent(event);
        this.#options.onRunEvent?.(name, event);
      },
      onReport: (report) => {
        entry.report = report;
      },
      onMonitorEvent: (event) => {
        if (event.type === "run" && event.outcome !== "interrupted") {
          const report = entry.report;
          const login = report?.steps.find((s) => s.kind === "login" && s.started_at);
          const alerts = [
            ...(report?.alerts.map((a) => a.on) ?? []),
            ...(event.notification ? [event.notification.kind] : []),
          ];
          const startedAt = report ? Date.parse(report.started_at) : event.at;
          this.#record(entry, {
            workflow: name,
            startedAt,
            durationMs: report?.duration_ms ?? 0,
            status: event.outcome === "success" ? "succeeded" : "failed",
            exitCode: event.exitCode,
            loginMs: login ? login.duration_ms : null,
            error: event.outcome === "success"
              ? null
              : `${event.reason ?? `exit ${event.exitCode}`}${
                entry.loginMessage ? ` (${entry.loginMessage})` : ""
              }`,
            alerts,
          });
        }
        if (event.type === "run") {
          entry.report = undefined;
          entry.loginMessage = "";
        }
        this.#options.onEvent?.({ type: "monitor", workflow: name, event });
      },
    });
  }

  #record(entry: _Entry, run: Parameters<RunStore["add"]>[0]): void {
    try {
      this.#options.store.add(run);
    } catch (error) {
      this.#storeError(entry.workflow.name, error);
    }
    this.#prune();
    this.#changed();
  }

  #prune(): void {
    const now = this.#clock.now();
    if (now - this.#lastPrune < _PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    try {
      this.#options.store.prune(now - (this.#options.retainMs ?? DEFAULT_RETAIN_MS));
    } catch (error) {
      this.#storeError("", error);
    }
  }

  #storeError(workflow: string, error: unknown): void {
    const message = `Cannot write the monitor history as ${
      error instanceof Error ? error.message : String(error)
    }: monitoring goes on`;
    _log.error(message);
    this.#options.onEvent?.({ type: "store_error", workflow, at: this.#clock.now(), message });
  }

  #changed(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        _log.error(`A status listener failed: ${String(error)}`);
      }
    }
  }
}
