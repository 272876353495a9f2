import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock, sleep } from "../../lib/runtime/clock.ts";
import { OverflowingClock } from "../_support/overflow_clock.ts";
import { DEFAULT_MAINTENANCE_WINDOW } from "../../lib/client/maintenance_window.ts";
import {
  nextRunAt,
  parseCron,
  parseEvery,
  type Schedule,
  ScheduleError,
} from "../../lib/monitor/schedule.ts";
import {
  maintenanceSkipUntil,
  runScheduled,
  type RunScheduledOptions,
  type ScheduledEvent,
  type ScheduledRunContext,
} from "../../lib/monitor/scheduler.ts";

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
/** A Wednesday, far from the maintenance window. */
const WEDNESDAY_NOON = at("2026-11-25T12:00:00Z");

describe("parseEvery", () => {
  it("reads durations with units", () => {
    const cases: [string, number][] = [
      ["1s", 1000],
      ["30s", 30_000],
      ["5m", 300_000],
      ["1h", 3_600_000],
      ["24h", 86_400_000],
      [" 10m ", 600_000],
    ];
    for (const [text, ms] of cases) {
      const s = parseEvery(text);
      assert.ok(s.kind === "every" && s.everyMs === ms, text);
    }
  });

  it("rejects what is not a duration of at least 1s, naming the option and the value", () => {
    assert.throws(() => parseEvery("5"), {
      name: "ScheduleError",
      message:
        `Cannot schedule the check as '--every' must be a duration such as 30s, 5m or 1h: current value is "5"`,
    });
    for (const bad of ["", "m", "-5m", "5 minutes", "5M", "1e3s", "0s", "1.5h", "1d"]) {
      assert.throws(() => parseEvery(bad), ScheduleError, bad);
    }
    assert.throws(() => parseEvery("250ms"), /'--every' must be at least 1s/);
  });
});

describe("parseCron", () => {
  it("computes the next match strictly after a time, in the given zone", () => {
    const s = parseCron("*/5 * * * *", "UTC");
    assert.equal(iso(nextRunAt(s, at("2026-11-25T10:01:00Z")) ?? 0), "2026-11-25T10:05:00.000Z");
    assert.equal(iso(nextRunAt(s, at("2026-11-25T10:05:00Z")) ?? 0), "2026-11-25T10:10:00.000Z");
    const chicago = parseCron("0 9 * * 1-5", "America/Chicago");
    // Wednesday 12:00Z is 06:00 in Chicago: the next match is 09:00 CST = 15:00Z.
    assert.equal(iso(nextRunAt(chicago, WEDNESDAY_NOON) ?? 0), "2026-11-25T15:00:00.000Z");
  });

  it("accepts six fields (seconds first)", () => {
    const s = parseCron("30 */5 * * * *", "UTC");
    assert.equal(iso(nextRunAt(s, at("2026-11-25T10:01:00Z")) ?? 0), "2026-11-25T10:05:30.000Z");
  });

  it("rejects bad expressions, bad zones and expressions that never match", () => {
    assert.throws(() => parseCron("*/5 * *"), (e) => {
      assert.ok(e instanceof ScheduleError);
      assert.equal(e.option, "cron");
      assert.match(
        e.message,
        /^Cannot schedule the check as '--cron' must be a cron expression with 5 fields .*: current value is "\*\/5 \* \*"$/,
      );
      return true;
    });
    assert.throws(() => parseCron("61 * * * *"), /Invalid value for minute: 61/);
    assert.throws(
      () => parseCron("* * * * *", "Mars/Olympus"),
      /'--cron' must be .*a known IANA time zone: current value is "Mars\/Olympus"/,
    );
    assert.throws(() => parseCron("0 0 30 2 *"), /'--cron' must be an expression that matches/);
  });
});

/** Runs a scheduler on a fake clock, recording each event with its clock time. */
function start(
  clock: FakeClock,
  schedule: Schedule,
  check: (context: ScheduledRunContext) => string | Promise<string>,
  options: Partial<RunScheduledOptions<string>> = {},
) {
  const events: ScheduledEvent<string>[] = [];
  const done = runScheduled(check, {
    schedule,
    clock,
    onEvent: (e) => {
      events.push(e);
    },
    ...options,
  });
  return { events, done };
}

describe("runScheduled", () => {
  it("runs an every schedule at once and then on a fixed grid", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const { events, done } = start(clock, parseEvery("5m"), async () => {
      await sleep(clock, 30_000); // a 30 s check does not shift the grid
      return "ok";
    }, { maxRuns: 3 });
    await clock.advance(20 * MIN);
    assert.deepEqual(await done, { runs: 3, errors: 0, skipped: 0, aborted: false });
    assert.deepEqual(
      events.map((e) => e.type === "run" && [iso(e.scheduledAt), iso(e.endedAt), e.result]),
      [
        ["2026-11-25T12:00:00.000Z", "2026-11-25T12:00:30.000Z", "ok"],
        ["2026-11-25T12:05:00.000Z", "2026-11-25T12:05:30.000Z", "ok"],
        ["2026-11-25T12:10:00.000Z", "2026-11-25T12:10:30.000Z", "ok"],
      ],
    );
    assert.equal(clock.pending, 0);
  });

  it("waits for the first cron match", async () => {
    const clock = new FakeClock(at("2026-11-25T12:03:00Z"));
    const { events, done } = start(clock, parseCron("*/10 * * * *", "UTC"), () => "ok", {
      maxRuns: 2,
    });
    await clock.advance(30 * MIN);
    await done;
    assert.deepEqual(events.map((e) => iso(e.scheduledAt)), [
      "2026-11-25T12:10:00.000Z",
      "2026-11-25T12:20:00.000Z",
    ]);
  });

  it("never overlaps runs: a long run skips the slots it covered (every)", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    let running = 0;
    let maxRunning = 0;
    const { events, done } = start(clock, parseEvery("5m"), async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(clock, 12 * MIN);
      running--;
      return "slow";
    }, { maxRuns: 3 });
    await clock.advance(60 * MIN);
    await done;
    assert.equal(maxRunning, 1);
    assert.deepEqual(
      events.map((e) => e.type === "run" && [iso(e.startedAt).slice(11, 16), e.missedSlots]),
      [["12:00", 2], ["12:15", 2], ["12:30", 2]],
    );
  });

  it("never overlaps runs: a long run skips the slots it covered (cron)", async () => {
    const clock = new FakeClock(at("2026-11-25T12:05:00Z"));
    const { events, done } = start(clock, parseCron("*/10 * * * *", "UTC"), async () => {
      await sleep(clock, 25 * MIN);
      return "slow";
    }, { maxRuns: 2 });
    await clock.advance(90 * MIN);
    await done;
    assert.deepEqual(
      events.map((e) => e.type === "run" && [iso(e.startedAt).slice(11, 16), e.missedSlots]),
      [["12:10", 2], ["12:40", 2]],
    );
  });

  it("reports a check that throws as an error and goes on", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    let n = 0;
    const { events, done } = start(clock, parseEvery("1m"), () => {
      if (++n === 2) throw new Error("Cannot connect");
      return `run ${n}`;
    }, { maxRuns: 3 });
    await clock.advance(5 * MIN);
    assert.deepEqual(await done, { runs: 2, errors: 1, skipped: 0, aborted: false });
    assert.deepEqual(events.map((e) => e.type), ["run", "error", "run"]);
    const error = events[1];
    assert.ok(error?.type === "error" && error.error instanceof Error);
  });

  it("stops at once when the signal aborts during a wait, leaving no timer", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const controller = new AbortController();
    const { events, done } = start(clock, parseEvery("5m"), () => "ok", {
      signal: controller.signal,
    });
    await clock.advance(2 * MIN);
    controller.abort();
    assert.deepEqual(await done, { runs: 1, errors: 0, skipped: 0, aborted: true });
    assert.equal(events.length, 1);
    assert.equal(clock.pending, 0);
  });

  it("passes the abort to a running check and stops after it returns", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const controller = new AbortController();
    let sawAbort = false;
    const { done } = start(clock, parseEvery("5m"), async ({ signal }) => {
      await sleep(clock, 10 * MIN, signal).catch(() => (sawAbort = signal.aborted));
      return "interrupted";
    }, { signal: controller.signal });
    await clock.advance(1 * MIN);
    controller.abort();
    assert.deepEqual(await done, { runs: 1, errors: 0, skipped: 0, aborted: true });
    assert.equal(sawAbort, true);
  });

  it("rejects when onEvent throws", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const done = runScheduled(() => "ok", {
      schedule: parseEvery("5m"),
      clock,
      onEvent: () => {
        throw new Error("Cannot write the report");
      },
    });
    await assert.rejects(done, /Cannot write the report/);
  });

  it("skips the maintenance window once, as skipped, and resumes at its end (every)", async () => {
    // Friday 2026-11-27 23:50 in Chicago (CST, UTC-6); the window opens Saturday 00:00 (06:00Z)
    // and ends Sunday 12:00 (2026-11-29T18:00Z).
    const clock = new FakeClock(at("2026-11-28T05:50:00Z"));
    const ran: string[] = [];
    const { events, done } = start(clock, parseEvery("5m"), () => {
      ran.push(iso(clock.now()));
      return "ok";
    }, { maxRuns: 4 });
    await clock.advance(40 * 60 * MIN);
    assert.deepEqual(await done, { runs: 4, errors: 0, skipped: 1, aborted: false });
    assert.deepEqual(ran, [
      "2026-11-28T05:50:00.000Z",
      "2026-11-28T05:55:00.000Z",
      "2026-11-29T18:00:00.000Z",
      "2026-11-29T18:05:00.000Z",
    ]);
    assert.deepEqual(events[2], {
      type: "skipped",
      scheduledAt: at("2026-11-28T06:00:00Z"),
      reason: "maintenance",
      until: at("2026-11-29T18:00:00Z"),
      resumeAt: at("2026-11-29T18:00:00Z"),
    });
  });

  it("skips the maintenance window for a cron schedule and resumes at the first match after it", async () => {
    const clock = new FakeClock(at("2026-11-28T05:30:00Z"));
    const { events, done } = start(clock, parseCron("7 * * * *", "UTC"), () => "ok", {
      maxRuns: 1,
    });
    await clock.advance(40 * 60 * MIN);
    await done;
    assert.deepEqual(
      events.map((e) => [e.type, iso(e.scheduledAt)]),
      [["skipped", "2026-11-28T06:07:00.000Z"], ["run", "2026-11-29T18:07:00.000Z"]],
    );
  });

  it("runs inside the window when maintenance skipping is off", async () => {
    const clock = new FakeClock(at("2026-11-28T05:55:00Z"));
    const { events, done } = start(clock, parseEvery("5m"), () => "ok", {
      maxRuns: 3,
      maintenance: null,
    });
    await clock.advance(15 * MIN);
    await done;
    assert.deepEqual(events.map((e) => e.type), ["run", "run", "run"]);
  });

  it("uses a custom window", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const { events, done } = start(clock, parseEvery("30m"), () => "ok", {
      maxRuns: 1,
      maintenance: {
        timeZone: "UTC",
        start: { day: 3, time: "11:00" },
        end: { day: 3, time: "13:00" },
      },
    });
    await clock.advance(2 * 60 * MIN);
    await done;
    assert.deepEqual(
      events.map((e) => [e.type, iso(e.scheduledAt)]),
      [["skipped", "2026-11-25T12:00:00.000Z"], ["run", "2026-11-25T13:00:00.000Z"]],
    );
  });
});

describe("runScheduled with long intervals", () => {
  const HOUR = 3_600_000;
  for (
    const [label, schedule, firstGapMs] of [
      ["--every 600h", parseEvery("600h"), 600 * HOUR],
      ["a bi-monthly --cron", parseCron("0 12 1 */2 *", "UTC"), 0],
    ] as const
  ) {
    it(`${label} never runs a slot early on timers that overflow past 2^31-1 ms`, async () => {
      // 2026-12-01 is a Tuesday, outside the maintenance window.
      const clock = new OverflowingClock(at("2026-12-01T12:00:00Z"));
      const runs: string[] = [];
      const stop = new AbortController();
      const done = runScheduled(() => {
        runs.push(iso(clock.now()));
        if (runs.length >= 3) stop.abort(); // bounds the test when slots do run early
      }, {
        schedule,
        clock,
        signal: stop.signal,
        maintenance: null,
      });
      await clock.fake.advance(HOUR);
      const first = runs.length;
      await clock.fake.advance(24 * HOUR);
      assert.equal(runs.length, first, `ran again within a day: ${runs.join(", ")}`);
      const gap = firstGapMs || nextRunAt(schedule, clock.now())! - clock.now();
      await clock.fake.advance(gap);
      stop.abort();
      await done;
      assert.equal(runs.length, first + 1, runs.join(", "));
      for (const run of runs) assert.ok(Date.parse(run) >= at("2026-12-01T12:00:00Z"));
      assert.equal(clock.overflows, 0);
    });
  }
});

describe("maintenanceSkipUntil", () => {
  it("tells one-shot runs when the window ends, or nothing when outside or disabled", () => {
    const saturday = at("2026-11-28T16:00:00Z");
    assert.equal(
      maintenanceSkipUntil(DEFAULT_MAINTENANCE_WINDOW, saturday),
      at("2026-11-29T18:00:00Z"),
    );
    assert.equal(maintenanceSkipUntil(DEFAULT_MAINTENANCE_WINDOW, WEDNESDAY_NOON), undefined);
    assert.equal(maintenanceSkipUntil(null, saturday), undefined);
  });
});
