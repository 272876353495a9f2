/**
 * Alert state across runs: a pure state machine that turns the outcome of each check run into at
 * most one notification (`firing`, `reminder` or `resolved`), with thresholds and reminders, so a
 * check scheduled every five minutes alerts like a monitor (Gatus-style), not like a noisy script.
 *
 * It is pure: the state goes in, the new state and the notification come out. Persisting the state
 * between cron runs is {@linkcode updateAlertStateFile}'s job (`lib/monitor/state_store.ts`).
 *
 * @module
 */

/** The outcome of one check run as the alert state sees it. */
export type CheckOutcome =
  /** The run succeeded (exit code 0). */
  | { status: "success" }
  /** The run failed; `reason` is a one-line summary without secrets, e.g. `"login: LOCKED_OUT"`. */
  | { status: "failure"; reason: string }
  /** The run did not happen (e.g. inside the maintenance window): the state does not move. */
  | { status: "skipped"; reason: string };

/** When to notify. */
export interface AlertPolicy {
  /**
   * Consecutive failed runs before the alert fires.
   *
   * @default 1
   */
  failureThreshold: number;
  /**
   * Consecutive successful runs before a firing alert resolves.
   *
   * @default 1
   */
  successThreshold: number;
  /**
   * While the alert is firing, a failed run sends a `reminder` when at least this many
   * milliseconds passed since the last notification; `0` sends no reminders.
   *
   * @default 0
   */
  reminderIntervalMs: number;
}

/** The policy used when none is given: fire on the first failure, resolve on the first success, no reminders. */
export const DEFAULT_ALERT_POLICY: Readonly<AlertPolicy> = Object.freeze({
  failureThreshold: 1,
  successThreshold: 1,
  reminderIntervalMs: 0,
});

/** The alert state of one check, as stored in the state file (plain JSON data). */
export interface AlertState {
  /** The check this state belongs to (the workflow name). */
  check: string;
  /** `true` while the alert is firing (a `firing` notice was sent and no `resolved` yet). */
  firing: boolean;
  /** Failed runs in a row (reset by a success). */
  consecutiveFailures: number;
  /** Successful runs in a row (reset by a failure). */
  consecutiveSuccesses: number;
  /** When the current alert fired (ms since the epoch), while firing. */
  firedAt?: number;
  /** When the last `firing` or `reminder` notice was sent, while firing. */
  lastNotifiedAt?: number;
  /**
   * When the current failing episode began: the first failure after a healthy period. Kept while
   * the alert fires (a success below `successThreshold` does not reset it).
   */
  failingSince?: number;
  /** The reason of the last failed run. */
  lastFailure?: string;
  /** The last run that counted (success or failure), ms since the epoch. */
  lastRunAt?: number;
  /** The last outcome, including `skipped`. */
  lastStatus?: CheckOutcome["status"];
  /**
   * The last notice that could not be delivered to any sink: the state was left as if it had not
   * been decided, so the next run that qualifies sends it again.
   */
  undelivered?: AlertNotification["kind"];
  /** A fatal login refusal: a monitor does not send these credentials again (see `RefusedLogin`). */
  refusedLogin?: RefusedLogin;
}

/**
 * A login refused with a fatal result (e.g. `LOCKED_OUT`), kept in the alert state so that a
 * monitor does not send the same credentials again until they change. The credentials are kept
 * only as a salted SHA-256 fingerprint, never in clear.
 */
export interface RefusedLogin {
  /** The login result short name, e.g. `LOCKED_OUT`. */
  result: string;
  /** When it was refused, ms since the epoch. */
  at: number;
  /** The random salt of the fingerprint (hex). */
  salt: string;
  /** SHA-256 of the salt and the credentials (hex). */
  fingerprint: string;
}

/** A notice to send to the workflow's alert sinks. */
export interface AlertNotification {
  /**
   * - `firing`: the failure threshold was reached,
   * - `reminder`: still failing, and the reminder interval has passed since the last notice,
   * - `resolved`: the success threshold was reached after firing.
   */
  kind: "firing" | "reminder" | "resolved";
  /** The check (workflow name). */
  check: string;
  /** When the notice was decided, ms since the epoch. */
  at: number;
  /** Failed runs in a row (0 for `resolved`). */
  consecutiveFailures: number;
  /** When the failing episode began (the first failure after a healthy period). */
  failingSince: number;
  /** For `resolved`: how long the alert was firing, in ms. */
  firingForMs?: number;
  /** The last failure reason (for `resolved`: the reason that was resolved). */
  reason: string;
}

/** The result of {@linkcode advanceAlertState}. */
export interface AlertTransition {
  /** The new state (a fresh object; the input is not modified). */
  state: AlertState;
  /** The notice to send, if any. */
  notification?: AlertNotification;
}

/**
 * Returns the state of a check that has never run.
 *
 * @param check The check name (the workflow name).
 * @returns A state with no failures and no alert firing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initialAlertState } from "./alert_state.ts";
 *
 * assert.equal(initialAlertState("session-check").firing, false);
 * ```
 */
export function initialAlertState(check: string): AlertState {
  return { check, firing: false, consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

/**
 * Checks a policy and fills in defaults.
 *
 * @param policy Any subset of the policy fields.
 * @returns The complete policy.
 * @throws {RangeError} When a threshold is not an integer >= 1 or the reminder interval is
 * negative or not finite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alertPolicy } from "./alert_state.ts";
 *
 * assert.deepEqual(alertPolicy({ failureThreshold: 3 }), {
 *   failureThreshold: 3,
 *   successThreshold: 1,
 *   reminderIntervalMs: 0,
 * });
 * assert.throws(() => alertPolicy({ failureThreshold: 0 }), RangeError);
 * ```
 */
export function alertPolicy(policy: Partial<AlertPolicy> = {}): AlertPolicy {
  const full = { ...DEFAULT_ALERT_POLICY, ...policy };
  for (const key of ["failureThreshold", "successThreshold"] as const) {
    const value = full[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot use the alert policy as '${key}' must be an integer >= 1: current value is ${value}`,
      );
    }
  }
  if (!Number.isFinite(full.reminderIntervalMs) || full.reminderIntervalMs < 0) {
    throw new RangeError(
      `Cannot use the alert policy as 'reminderIntervalMs' must be >= 0: current value is ${full.reminderIntervalMs}`,
    );
  }
  return full;
}

/**
 * Moves the alert state of a check by one run and tells which notice to send, if any.
 *
 * - A failure counts towards `failureThreshold`; reaching it fires the alert (`firing`) once.
 * - While firing, a failure sends a `reminder` when `reminderIntervalMs` (> 0) has passed since
 *   the last notice; otherwise nothing (no duplicate alerts across runs).
 * - A success counts towards `successThreshold`; reaching it while firing sends `resolved`.
 * - A skipped run (maintenance) changes nothing but `lastStatus`.
 * - A clock that went backwards since the last notice restarts the reminder interval.
 *
 * @param state The state before this run.
 * @param outcome What the run did.
 * @param nowMs The clock time of the run, ms since the epoch.
 * @param policy Thresholds and reminder interval.
 * @returns The new state and the notice to send, if any.
 *
 * @example Fire after two failures, remind hourly, resolve after one success
 * ```ts
 * import assert from "node:assert/strict";
 * import { advanceAlertState, initialAlertState } from "./alert_state.ts";
 *
 * const policy = { failureThreshold: 2, successThreshold: 1, reminderIntervalMs: 3_600_000 };
 * const fail = { status: "failure", reason: "login: LOCKED_OUT" } as const;
 * let s = initialAlertState("session-check");
 * let n;
 * ({ state: s, notification: n } = advanceAlertState(s, fail, 0, policy));
 * assert.equal(n, undefined);
 * ({ state: s, notification: n } = advanceAlertState(s, fail, 300_000, policy));
 * assert.equal(n?.kind, "firing");
 * ({ state: s, notification: n } = advanceAlertState(s, fail, 600_000, policy));
 * assert.equal(n, undefined);
 * ({ state: s, notification: n } = advanceAlertState(s, fail, 3_900_000, policy));
 * assert.equal(n?.kind, "reminder");
 * ({ state: s, notification: n } = advanceAlertState(s, { status: "success" }, 4_200_000, policy));
 * assert.equal(n?.kind, "resolved");
 * assert.equal(n?.firingForMs, 3_900_000);
 * ```
 */
export function advanceAlertState(
  state: AlertState,
  outcome: CheckOutcome,
  nowMs: number,
  policy: AlertPolicy = DEFAULT_ALERT_POLICY,
): AlertTransition {
  const next: AlertState = { ...state, lastStatus: outcome.status };
  if (outcome.status === "skipped") return { state: next };
  next.lastRunAt = nowMs;

  if (outcome.status === "failure") {
    next.consecutiveFailures = state.consecutiveFailures + 1;
    next.consecutiveSuccesses = 0;
    next.lastFailure = outcome.reason;
    const failingSince = next.failingSince ?? nowMs;
    next.failingSince = failingSince;
    if (!state.firing) {
      if (next.consecutiveFailures < policy.failureThreshold) return { state: next };
      next.firing = true;
      next.firedAt = nowMs;
      next.lastNotifiedAt = nowMs;
      delete next.undelivered;
      return {
        state: next,
        notification: {
          kind: "firing",
          check: state.check,
          at: nowMs,
          consecutiveFailures: next.consecutiveFailures,
          failingSince,
          reason: outcome.reason,
        },
      };
    }
    const last = state.lastNotifiedAt ?? state.firedAt ?? nowMs;
    if (nowMs < last) {
      next.lastNotifiedAt = nowMs;
      return { state: next };
    }
    if (policy.reminderIntervalMs > 0 && nowMs - last >= policy.reminderIntervalMs) {
      next.lastNotifiedAt = nowMs;
      delete next.undelivered;
      return {
        state: next,
        notification: {
          kind: "reminder",
          check: state.check,
          at: nowMs,
          consecutiveFailures: next.consecutiveFailures,
          failingSince,
          reason: outcome.reason,
        },
      };
    }
    return { state: next };
  }

  // success
  next.consecutiveSuccesses = state.consecutiveSuccesses + 1;
  next.consecutiveFailures = 0;
  if (!state.firing) {
    delete next.failingSince;
    return { state: next };
  }
  if (next.consecutiveSuccesses < policy.successThreshold) return { state: next };
  const firedAt = state.firedAt ?? nowMs;
  const notification: AlertNotification = {
    kind: "resolved",
    check: state.check,
    at: nowMs,
    consecutiveFailures: 0,
    failingSince: state.failingSince ?? firedAt,
    firingForMs: Math.max(0, nowMs - firedAt),
    reason: state.lastFailure ?? "",
  };
  next.firing = false;
  delete next.undelivered;
  delete next.firedAt;
  delete next.lastNotifiedAt;
  delete next.failingSince;
  return { state: next, notification };
}

/**
 * The state to keep when a notice could not be delivered to any sink: the notice is undone, so the
 * next run that qualifies decides it again (a failure fires or reminds again, a success resolves
 * again), and `undelivered` says which notice is owed. Counters and times of the run are kept.
 *
 * @param before The state before the run.
 * @param after The state {@linkcode advanceAlertState} returned with `notification`.
 * @param notification The notice that was not delivered.
 * @returns The state to store.
 *
 * @example A firing notice whose webhook failed fires again on the next failed run
 * ```ts
 * import assert from "node:assert/strict";
 * import { advanceAlertState, initialAlertState, undeliveredAlertState } from "./alert_state.ts";
 *
 * const fail = { status: "failure", reason: "login: LOCKED_OUT" } as const;
 * const before = initialAlertState("check");
 * const { state, notification } = advanceAlertState(before, fail, 0);
 * const kept = undeliveredAlertState(before, state, notification!);
 * assert.equal(kept.firing, false);
 * assert.equal(kept.undelivered, "firing");
 * assert.equal(advanceAlertState(kept, fail, 60_000).notification?.kind, "firing");
 * ```
 */
export function undeliveredAlertState(
  before: AlertState,
  after: AlertState,
  notification: AlertNotification,
): AlertState {
  const kept: AlertState = { ...after, undelivered: notification.kind };
  const restore = (key: "firedAt" | "lastNotifiedAt" | "failingSince") => {
    if (before[key] === undefined) delete kept[key];
    else kept[key] = before[key];
  };
  switch (notification.kind) {
    case "firing":
      kept.firing = false;
      delete kept.firedAt;
      delete kept.lastNotifiedAt;
      break;
    case "reminder":
      restore("lastNotifiedAt");
      break;
    case "resolved":
      kept.firing = true;
      restore("firedAt");
      restore("lastNotifiedAt");
      restore("failingSince");
      if (before.lastFailure !== undefined) kept.lastFailure = before.lastFailure;
      break;
  }
  return kept;
}
