import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  advanceAlertState,
  type AlertNotification,
  type AlertPolicy,
  alertPolicy,
  type AlertState,
  type CheckOutcome,
  initialAlertState,
} from "../../lib/monitor/alert_state.ts";

const FAIL: CheckOutcome = { status: "failure", reason: "login: LOCKED_OUT" };
const OK: CheckOutcome = { status: "success" };
const SKIP: CheckOutcome = { status: "skipped", reason: "maintenance" };
const MIN = 60_000;

/** Feeds outcomes every 5 minutes from t=0 and returns the notices with their run index. */
function feed(
  outcomes: readonly CheckOutcome[],
  policy: Partial<AlertPolicy> = {},
  stepMs = 5 * MIN,
): { notices: (AlertNotification & { run: number })[]; state: AlertState } {
  const full = alertPolicy(policy);
  let state = initialAlertState("session-check");
  const notices: (AlertNotification & { run: number })[] = [];
  outcomes.forEach((outcome, run) => {
    const t = advanceAlertState(state, outcome, run * stepMs, full);
    state = t.state;
    if (t.notification) notices.push({ ...t.notification, run });
  });
  return { notices, state };
}

const kinds = (notices: { kind: string; run: number }[]) =>
  notices.map((n) => `${n.kind}@${n.run}`);

describe("advanceAlertState", () => {
  it("fires on the first failure and resolves on the first success by default", () => {
    const { notices, state } = feed([OK, FAIL, FAIL, FAIL, OK, OK]);
    assert.deepEqual(kinds(notices), ["firing@1", "resolved@4"]);
    assert.equal(state.firing, false);
    assert.equal(state.consecutiveSuccesses, 2);
  });

  it("describes the firing notice: check, time, count, streak start and reason", () => {
    const { notices } = feed([OK, FAIL, FAIL, FAIL], { failureThreshold: 3 });
    assert.deepEqual(notices, [{
      kind: "firing",
      check: "session-check",
      at: 15 * MIN,
      consecutiveFailures: 3,
      failingSince: 5 * MIN,
      reason: "login: LOCKED_OUT",
      run: 3,
    }]);
  });

  it("fires only after N consecutive failures: a success in between restarts the count", () => {
    const { notices } = feed([FAIL, FAIL, OK, FAIL, FAIL, OK, FAIL, FAIL, FAIL], {
      failureThreshold: 3,
    });
    assert.deepEqual(kinds(notices), ["firing@8"]);
    assert.equal(notices[0]?.failingSince, 30 * MIN);
  });

  it("resolves only after M consecutive successes, keeping the episode start", () => {
    const outcomes = [FAIL, FAIL, OK, FAIL, OK, OK, OK];
    const { notices } = feed(outcomes, { failureThreshold: 2, successThreshold: 3 });
    assert.deepEqual(kinds(notices), ["firing@1", "resolved@6"]);
    const resolved = notices[1];
    assert.equal(resolved?.failingSince, 0);
    assert.equal(resolved?.firingForMs, 25 * MIN);
    assert.equal(resolved?.reason, "login: LOCKED_OUT");
    assert.equal(resolved?.consecutiveFailures, 0);
  });

  it("sends no duplicate alert while still failing when reminders are off", () => {
    const { notices } = feed(Array(100).fill(FAIL));
    assert.deepEqual(kinds(notices), ["firing@0"]);
  });

  it("reminds at most once per interval while still failing", () => {
    // 5-minute runs, failing for 3 hours, 1-hour reminders: fire at 0, remind at 1h, 2h, 3h.
    const { notices } = feed(Array(37).fill(FAIL), { reminderIntervalMs: 60 * MIN });
    assert.deepEqual(kinds(notices), ["firing@0", "reminder@12", "reminder@24", "reminder@36"]);
    assert.equal(notices[3]?.consecutiveFailures, 37);
    assert.equal(notices[3]?.failingSince, 0);
  });

  it("measures the reminder interval from the last notice when runs are irregular", () => {
    // Runs every 25 minutes, 1-hour reminders: 0 fire, 75 min remind, 150 min remind.
    const { notices } = feed(Array(7).fill(FAIL), { reminderIntervalMs: 60 * MIN }, 25 * MIN);
    assert.deepEqual(kinds(notices), ["firing@0", "reminder@3", "reminder@6"]);
  });

  it("does not remind on a success below the success threshold", () => {
    const { notices } = feed([FAIL, OK, OK, FAIL, FAIL], {
      successThreshold: 3,
      reminderIntervalMs: 5 * MIN,
    });
    assert.deepEqual(kinds(notices), ["firing@0", "reminder@3", "reminder@4"]);
  });

  it("ignores skipped runs: they neither count nor reset", () => {
    const { notices, state } = feed([FAIL, SKIP, SKIP, FAIL, SKIP], { failureThreshold: 2 });
    assert.deepEqual(kinds(notices), ["firing@3"]);
    assert.equal(state.consecutiveFailures, 2);
    assert.equal(state.lastStatus, "skipped");
    assert.equal(state.lastRunAt, 15 * MIN);
  });

  it("restarts the reminder interval when the clock went backwards", () => {
    const policy = alertPolicy({ reminderIntervalMs: 60 * MIN });
    let { state } = advanceAlertState(initialAlertState("c"), FAIL, 10 * 60 * MIN, policy);
    const back = advanceAlertState(state, FAIL, 0, policy);
    assert.equal(back.notification, undefined);
    state = back.state;
    assert.equal(state.lastNotifiedAt, 0);
    assert.equal(advanceAlertState(state, FAIL, 59 * MIN, policy).notification, undefined);
    assert.equal(advanceAlertState(state, FAIL, 60 * MIN, policy).notification?.kind, "reminder");
  });

  it("does not modify the state it is given", () => {
    const before = initialAlertState("c");
    const copy = structuredClone(before);
    advanceAlertState(before, FAIL, 1, alertPolicy());
    assert.deepEqual(before, copy);
  });

  it("never fires twice without a resolved in between, for any sequence (property)", () => {
    const outcome = fc.constantFrom<CheckOutcome>(FAIL, OK, SKIP);
    fc.assert(
      fc.property(
        fc.array(outcome, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 5 * MIN, 12 * MIN),
        (outcomes, failureThreshold, successThreshold, reminderIntervalMs) => {
          const { notices, state } = feed(outcomes, {
            failureThreshold,
            successThreshold,
            reminderIntervalMs,
          });
          let firing = false;
          let lastNoticeAt = -Infinity;
          for (const n of notices) {
            if (n.kind === "firing") assert.equal(firing, false);
            else assert.equal(firing, true);
            if (n.kind === "reminder") {
              assert.ok(reminderIntervalMs > 0);
              assert.ok(n.at - lastNoticeAt >= reminderIntervalMs);
            }
            if (n.kind === "firing") {
              // The last N counted outcomes were all failures.
              const counted = outcomes.slice(0, n.run + 1).filter((o) => o.status !== "skipped");
              assert.ok(counted.slice(-failureThreshold).every((o) => o.status === "failure"));
            }
            firing = n.kind !== "resolved";
            lastNoticeAt = n.at;
          }
          assert.equal(state.firing, firing);
        },
      ),
    );
  });
});

describe("alertPolicy", () => {
  it("fills in defaults", () => {
    assert.deepEqual(alertPolicy(), {
      failureThreshold: 1,
      successThreshold: 1,
      reminderIntervalMs: 0,
    });
  });

  it("rejects thresholds below 1, fractions and negative intervals with a clear message", () => {
    assert.throws(() => alertPolicy({ failureThreshold: 0 }), {
      name: "RangeError",
      message:
        "Cannot use the alert policy as 'failureThreshold' must be an integer >= 1: current value is 0",
    });
    assert.throws(() => alertPolicy({ successThreshold: 1.5 }), /'successThreshold'/);
    assert.throws(() => alertPolicy({ reminderIntervalMs: -1 }), /'reminderIntervalMs'/);
    assert.throws(() => alertPolicy({ reminderIntervalMs: NaN }), /'reminderIntervalMs'/);
  });
});
