/**
 * Monitor mode of `t4flow run`: what `--every`, `--cron`, `--state` and the threshold flags do
 * around the runner's single run. The CLI hands over one function that runs the workflow once and
 * one that delivers alerts; this module schedules runs, skips the maintenance window, keeps the
 * alert state (in the `--state` file, or in memory for a long-running process without one) and
 * decides which alerts go out, so a check that keeps failing alerts once, reminds on schedule and
 * says when it is resolved.
 *
 * @module
 */

import { type Clock, systemClock } from "../runtime/clock.ts";
import {
  DEFAULT_MAINTENANCE_WINDOW,
  type MaintenanceWindow,
} from "../client/maintenance_window.ts";
import { parseDuration } from "../workflow/duration.ts";
import {
  advanceAlertState,
  type AlertNotification,
  type AlertPolicy,
  alertPolicy,
  type AlertState,
  type CheckOutcome,
  initialAlertState,
  type RefusedLogin,
  undeliveredAlertState,
} from "./alert_state.ts";
import { parseCron, parseEvery, type Schedule, ScheduleError } from "./schedule.ts";
import { maintenanceSkipUntil, runScheduled } from "./scheduler.ts";
import {
  type AlertStateWarning,
  readAlertStateFile,
  updateAlertStateFile,
  writeAlertStateFile,
} from "./state_store.ts";

/** The exit code of an interrupted run (Ctrl-C, SIGTERM). */
const _INTERRUPTED = 130;

/** How monitor mode runs, from the CLI flags ({@linkcode parseMonitorFlags}). */
export interface MonitorOptions {
  /** Run on this schedule (`--every` / `--cron`); without it the check runs once. */
  schedule?: Schedule;
  /** Keep the alert state in this file (`--state`); without it, in memory. */
  statePath?: string;
  /** Thresholds and reminders (`--fail-after`, `--resolve-after`, `--remind-every`). */
  policy: AlertPolicy;
  /**
   * Runs that fall inside this weekly window are skipped (reported as skipped, exit 0); `null`
   * runs them (`--in-maintenance run`).
   *
   * @default DEFAULT_MAINTENANCE_WINDOW
   */
  maintenance: MaintenanceWindow | null;
  /**
   * Send credentials again although they were refused with a fatal login result
   * (`--retry-refused-login`).
   *
   * @default false
   */
  retryRefusedLogin?: boolean;
}

/** The raw values of the monitor flags, as the CLI's argument parser gives them. */
export interface MonitorFlags {
  /** `--every DURATION` */
  every?: string | undefined;
  /** `--cron EXPRESSION` */
  cron?: string | undefined;
  /** `--cron-tz ZONE` (IANA; default: the machine's local zone) */
  cronTz?: string | undefined;
  /** `--state FILE` */
  state?: string | undefined;
  /** `--fail-after N` (default 1) */
  failAfter?: string | undefined;
  /** `--resolve-after N` (default 1) */
  resolveAfter?: string | undefined;
  /** `--remind-every DURATION` (default: no reminders) */
  remindEvery?: string | undefined;
  /** `--in-maintenance skip|run` (default skip) */
  inMaintenance?: string | undefined;
  /** `--retry-refused-login`: log in although the credentials were refused with a fatal result. */
  retryRefusedLogin?: boolean | undefined;
}

/** A monitor flag that cannot be used: the CLI exits with code 2 and sends nothing. */
export class MonitorUsageError extends Error {
  /** Always `"MonitorUsageError"`. */
  override readonly name = "MonitorUsageError";
  /** The flag, e.g. `"--fail-after"`. */
  readonly flag: string;

  /**
   * Creates the error.
   *
   * @param flag The flag.
   * @param message The full message.
   * @param options Error options (`cause`).
   */
  constructor(flag: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.flag = flag;
  }
}

/**
 * Reads the monitor flags of `t4flow run`.
 *
 * @param flags The raw flag values.
 * @returns The monitor options, or `undefined` when no monitor flag was given (a plain run).
 * @throws {MonitorUsageError} When a value is invalid or `--every` and `--cron` are both given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMonitorFlags } from "./run_monitor.ts";
 *
 * const options = parseMonitorFlags({ every: "5m", state: "check.state.json", failAfter: "2" });
 * assert.equal(options?.schedule?.kind, "every");
 * assert.equal(options?.policy.failureThreshold, 2);
 * assert.equal(parseMonitorFlags({}), undefined);
 * assert.throws(() => parseMonitorFlags({ failAfter: "0" }), /'--fail-after' must be a whole number >= 1/);
 * ```
 */
export function parseMonitorFlags(flags: MonitorFlags): MonitorOptions | undefined {
  const given = Object.values(flags).some((v) => v !== undefined);
  if (!given) return undefined;
  if (flags.every !== undefined && flags.cron !== undefined) {
    throw new MonitorUsageError(
      "--cron",
      "Cannot use '--every' and '--cron' together: give one schedule",
    );
  }
  if (flags.cronTz !== undefined && flags.cron === undefined) {
    throw new MonitorUsageError("--cron-tz", "Cannot use '--cron-tz' without '--cron'");
  }
  let schedule: Schedule | undefined;
  try {
    if (flags.every !== undefined) schedule = parseEvery(flags.every);
    if (flags.cron !== undefined) schedule = parseCron(flags.cron, flags.cronTz);
  } catch (error) {
    if (error instanceof ScheduleError) {
      throw new MonitorUsageError(`--${error.option}`, error.message, { cause: error });
    }
    throw error;
  }
  const count = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
      throw new MonitorUsageError(
        flag,
        `Cannot monitor as '${flag}' must be a whole number >= 1: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
    return Number(value);
  };
  const failureThreshold = count("--fail-after", flags.failAfter);
  const successThreshold = count("--resolve-after", flags.resolveAfter);
  let reminderIntervalMs: number | undefined;
  if (flags.remindEvery !== undefined) {
    reminderIntervalMs = parseDuration(flags.remindEvery.trim());
    if (reminderIntervalMs === undefined || reminderIntervalMs < 1000) {
      throw new MonitorUsageError(
        "--remind-every",
        `Cannot monitor as '--remind-every' must be a duration of at least 1s such as 30m or 4h: current value is ${
          JSON.stringify(flags.remindEvery)
        }`,
      );
    }
  }
  let maintenance: MaintenanceWindow | null = DEFAULT_MAINTENANCE_WINDOW;
  if (flags.inMaintenance !== undefined) {
    if (flags.inMaintenance !== "skip" && flags.inMaintenance !== "run") {
      throw new MonitorUsageError(
        "--in-maintenance",
        `Cannot monitor as '--in-maintenance' must be skip or run: current value is ${
          JSON.stringify(flags.inMaintenance)
        }`,
      );
    }
    if (flags.inMaintenance === "run") maintenance = null;
  }
  const policy = alertPolicy({
    ...(failureThreshold === undefined ? {} : { failureThreshold }),
    ...(successThreshold === undefined ? {} : { successThreshold }),
    ...(reminderIntervalMs === undefined ? {} : { reminderIntervalMs }),
  });
  const options: MonitorOptions = { policy, maintenance };
  if (schedule !== undefined) options.schedule = schedule;
  if (flags.state !== undefined) options.statePath = flags.state;
  if (flags.retryRefusedLogin === true) options.retryRefusedLogin = true;
  return options;
}

/** What one run of the workflow returned to the monitor. */
export interface MonitorRunResult<A> {
  /** The run's exit code: 0 success, 130 interrupted (not recorded), anything else failure. */
  exitCode: number;
  /** A one-line failure summary without secrets, e.g. `"login failed: LOCKED_OUT"`. */
  reason?: string;
  /**
   * The alerts the run raised (its `on:` alerts), held back so the monitor can drop the ones a
   * firing alert already covers; they are handed to `deliver` with the notice that lets them out.
   */
  alerts?: readonly A[];
  /**
   * Stop monitoring after this run (e.g. a fatal login result such as `LOCKED_OUT`, where more
   * attempts would prolong the lockout); the notice for this run is still delivered.
   */
  stop?: boolean;
  /**
   * The fatal login result this run was refused with (e.g. `LOCKED_OUT`): the monitor remembers
   * a fingerprint of the credentials and does not send them again until they change.
   */
  refusedLogin?: string;
}

/** What monitor mode reports, one event at a time (the CLI prints them, or JSON lines). */
export type MonitorEvent =
  /** A run was skipped: it fell inside the maintenance window. */
  | { type: "skipped"; at: number; reason: "maintenance"; until: number; resumeAt?: number }
  /** A run finished; `notification` is the notice sent for it, if any. */
  | {
    type: "run";
    at: number;
    exitCode: number;
    outcome: CheckOutcome["status"] | "interrupted";
    notification?: AlertNotification;
    /** Alerts of this run held back because the alert state said no notice was due. */
    suppressedAlerts: number;
    /** Slots missed because this run outlasted its interval. */
    missedSlots: number;
    /** For a failed run: the one-line reason without secrets. */
    reason?: string;
    /** Whether the notice reached at least one sink (absent when no notice was due). */
    delivered?: boolean;
    /** The run did not log in: these credentials were refused with this fatal result before. */
    loginSkipped?: string;
  }
  /** A problem with the state file; monitoring goes on. */
  | { type: "warning"; at: number; warning: AlertStateWarning };

/** What the CLI provides to {@linkcode runMonitor}. */
export interface MonitorHooks<A> {
  /** The workflow name: the check's identity in the state file. */
  check: string;
  /** Runs the workflow once; `signal` aborts when monitoring stops. Must not throw. */
  runOnce(signal: AbortSignal): Promise<MonitorRunResult<A>>;
  /**
   * Sends a notice to the alert sinks (as the `firing`, `reminder` or `resolved` event), together
   * with the run's held-back alerts. Called only when a notice is due.
   */
  deliver(notification: AlertNotification, alerts: readonly A[]): Promise<boolean | void>;
  /**
   * Fingerprints the credentials with a salt (e.g. SHA-256 of the salt and the credentials), to
   * recognise credentials refused with a fatal login result without storing them. Without it the
   * monitor never skips a login.
   */
  credentialsFingerprint?(salt: string): string;
  /**
   * The result of a run whose login is skipped because its credentials were refused (exit 3
   * with the run's held-back alerts, so reminders still carry them).
   *
   * @default {() => ({ exitCode: 3, reason })}
   */
  skippedLogin?(refused: RefusedLogin, reason: string): MonitorRunResult<A>;
  /** Reports what happened (skips, runs, state file warnings). */
  report?(event: MonitorEvent): void;
  /**
   * The clock.
   *
   * @default systemClock
   */
  clock?: Clock;
  /** Stops monitoring (Ctrl-C / SIGTERM): the current run is interrupted, no new one starts. */
  signal?: AbortSignal;
  /**
   * Interrupts the current run without `signal`: give it to let a run that is going when
   * `signal` aborts finish (a graceful stop), and abort it when the grace period is over.
   *
   * @default signal
   */
  runSignal?: AbortSignal;
  /** The time of the next scheduled run, each time it is decided (`undefined`: none). */
  onNextRun?: (at: number | undefined) => void;
  /**
   * Keeps the alert state here instead of in memory (ignored with `--state FILE`, which wins),
   * so that a restarted monitor does not fire an alert that is already firing.
   */
  alertStateStore?: AlertStateStore;
}

/** Where a long-running monitor keeps each check's alert state (e.g. its history database). */
export interface AlertStateStore {
  /**
   * Reads the stored state.
   *
   * @param check The check (workflow name).
   * @returns The state, or `undefined` when none is stored (or it cannot be used).
   */
  load(check: string): AlertState | undefined;
  /**
   * Stores the state after a run.
   *
   * @param state The state.
   * @param nowMs When, ms since the epoch.
   */
  save(state: AlertState, nowMs: number): void;
}

/**
 * Runs a workflow in monitor mode and returns the process exit code. Without a schedule it runs
 * once (a cron job): inside the maintenance window it runs nothing, reports `skipped` and
 * returns 0; otherwise it returns the run's exit code. With a schedule it runs until the signal
 * aborts (130) or a run asks to stop (that run's exit code).
 *
 * @param options From {@linkcode parseMonitorFlags}.
 * @param hooks The run, the delivery of alerts, the report, the clock and the signal.
 * @returns The exit code.
 *
 * @example One cron-style run with an in-memory state
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMonitorFlags, runMonitor } from "./run_monitor.ts";
 *
 * const options = parseMonitorFlags({ inMaintenance: "run" })!;
 * const sent: string[] = [];
 * const code = await runMonitor(options, {
 *   check: "session-check",
 *   runOnce: () => Promise.resolve({ exitCode: 3, reason: "login failed: LOCKED_OUT", alerts: ["LOCKED_OUT"] }),
 *   deliver: (notice, alerts) => {
 *     sent.push(`${notice.kind}: ${alerts.join()}`);
 *     return Promise.resolve();
 *   },
 * });
 * assert.equal(code, 3);
 * assert.deepEqual(sent, ["firing: LOCKED_OUT"]);
 * ```
 */
export async function runMonitor<A>(
  options: MonitorOptions,
  hooks: MonitorHooks<A>,
): Promise<number> {
  const clock = hooks.clock ?? systemClock;
  const report = (event: MonitorEvent) => hooks.report?.(event);
  let memory: AlertState = hooks.alertStateStore?.load(hooks.check) ??
    initialAlertState(hooks.check);

  /** Records one run and delivers what is due; returns the run's exit code. */
  const record = async (result: _Attempt<A>, missedSlots: number): Promise<void> => {
    const at = clock.now();
    const alerts = result.alerts ?? [];
    if (result.exitCode === _INTERRUPTED) {
      report({
        type: "run",
        at,
        exitCode: result.exitCode,
        outcome: "interrupted",
        suppressedAlerts: alerts.length,
        missedSlots,
      });
      return;
    }
    const outcome: CheckOutcome = result.exitCode === 0
      ? { status: "success" }
      : { status: "failure", reason: result.reason ?? `exit code ${result.exitCode}` };
    const amend = (state: AlertState): AlertState => _rememberRefusal(state, result, at, hooks);
    let notification: AlertNotification | undefined;
    let before: AlertState;
    let after: AlertState;
    if (options.statePath !== undefined) {
      const update = await updateAlertStateFile(
        options.statePath,
        hooks.check,
        outcome,
        at,
        options.policy,
        amend,
      );
      for (const warning of update.warnings) report({ type: "warning", at, warning });
      notification = update.notification;
      before = update.previous;
      after = update.state;
    } else {
      before = memory;
      const step = advanceAlertState(memory, outcome, at, options.policy);
      memory = after = amend(step.state);
      notification = step.notification;
      hooks.alertStateStore?.save(memory, at);
    }
    let delivered: boolean | undefined;
    if (notification) {
      delivered = (await hooks.deliver(notification, alerts)) !== false;
      if (!delivered) {
        // Nobody was told: keep the notice owed so the next run sends it again.
        const kept = undeliveredAlertState(before, after, notification);
        if (options.statePath !== undefined) {
          try {
            await writeAlertStateFile(options.statePath, kept, at);
          } catch (error) {
            report({
              type: "warning",
              at,
              warning: {
                kind: "write_failed",
                message: `Cannot write state file ${options.statePath} as ${
                  (error as Error).message
                }: the undelivered ${notification.kind} notice may not be sent again`,
              },
            });
          }
        } else {
          memory = kept;
          hooks.alertStateStore?.save(memory, at);
        }
      }
    }
    const event: MonitorEvent = {
      type: "run",
      at,
      exitCode: result.exitCode,
      outcome: outcome.status,
      suppressedAlerts: notification ? 0 : alerts.length,
      missedSlots,
      ...(outcome.status === "failure" && { reason: outcome.reason }),
      ...(delivered !== undefined && { delivered }),
      ...(result.loginSkipped !== undefined && { loginSkipped: result.loginSkipped }),
    };
    report(notification ? { ...event, notification } : event);
  };

  /** Runs the check, or skips its login when these credentials were refused for good. */
  const attempt = async (signal: AbortSignal): Promise<_Attempt<A>> => {
    const refused = options.retryRefusedLogin ? undefined : await refusal();
    if (
      refused === undefined || hooks.credentialsFingerprint === undefined ||
      hooks.credentialsFingerprint(refused.salt) !== refused.fingerprint
    ) {
      return await hooks.runOnce(signal);
    }
    // The same reason as the refused run's, so the alert state sees one failing episode.
    const reason = `login: ${refused.result}`;
    const skipped = hooks.skippedLogin?.(refused, reason) ?? { exitCode: 3, reason };
    return { ...skipped, loginSkipped: refused.result };
  };

  /** The stored fatal login refusal, if any. */
  const refusal = async (): Promise<RefusedLogin | undefined> => {
    if (options.statePath === undefined) return memory.refusedLogin;
    return (await readAlertStateFile(options.statePath, hooks.check)).state.refusedLogin;
  };

  const signal = hooks.signal ?? new AbortController().signal;
  const runSignal = hooks.runSignal ?? signal;
  if (options.schedule === undefined) {
    const until = maintenanceSkipUntil(options.maintenance, clock.now());
    if (until !== undefined) {
      report({ type: "skipped", at: clock.now(), reason: "maintenance", until });
      return 0;
    }
    const result = await attempt(runSignal);
    await record(result, 0);
    return result.exitCode;
  }

  const stopper = new AbortController();
  const stop = () => stopper.abort(signal.reason);
  signal.addEventListener("abort", stop, { once: true });
  if (signal.aborted) stop();
  let stoppedBy: number | undefined;
  try {
    await runScheduled<_Attempt<A>>(({ signal: runSignal }) => attempt(runSignal), {
      schedule: options.schedule,
      clock,
      signal: stopper.signal,
      ...(hooks.runSignal !== undefined && { runSignal: hooks.runSignal }),
      ...(hooks.onNextRun !== undefined && { onNextRun: hooks.onNextRun }),
      maintenance: options.maintenance,
      onEvent: async (event) => {
        if (event.type === "skipped") {
          report(
            event.resumeAt === undefined
              ? {
                type: "skipped",
                at: event.scheduledAt,
                reason: "maintenance",
                until: event.until,
              }
              : {
                type: "skipped",
                at: event.scheduledAt,
                reason: "maintenance",
                until: event.until,
                resumeAt: event.resumeAt,
              },
          );
          return;
        }
        const result: MonitorRunResult<A> = event.type === "run" ? event.result : {
          exitCode: 1,
          reason: event.error instanceof Error ? event.error.message : String(event.error),
        };
        await record(result, event.missedSlots);
        if (result.stop && !stopper.signal.aborted) {
          stoppedBy = result.exitCode;
          stopper.abort();
        }
      },
    });
  } finally {
    signal.removeEventListener("abort", stop);
  }
  if (stoppedBy !== undefined) return stoppedBy;
  return signal.aborted ? _INTERRUPTED : 0;
}

/** A run result, and whether its login was skipped. */
type _Attempt<A> = MonitorRunResult<A> & { loginSkipped?: string };

/** Records a fatal login refusal (a salted fingerprint of the credentials) or clears it. */
function _rememberRefusal<A>(
  state: AlertState,
  result: _Attempt<A>,
  at: number,
  hooks: MonitorHooks<A>,
): AlertState {
  if (result.refusedLogin !== undefined && hooks.credentialsFingerprint !== undefined) {
    const salt = Array.from(
      crypto.getRandomValues(new Uint8Array(16)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    const refusedLogin: RefusedLogin = {
      result: result.refusedLogin,
      at,
      salt,
      fingerprint: hooks.credentialsFingerprint(salt),
    };
    return { ...state, refusedLogin };
  }
  if (result.loginSkipped === undefined && result.exitCode === 0 && state.refusedLogin) {
    const { refusedLogin: _, ...rest } = state;
    return rest;
  }
  return state;
}
