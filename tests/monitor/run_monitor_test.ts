import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "../../lib/runtime/clock.ts";
import type { AlertNotification } from "../../lib/monitor/alert_state.ts";
import {
  type MonitorEvent,
  type MonitorRunResult,
  MonitorUsageError,
  parseMonitorFlags,
  runMonitor,
} from "../../lib/monitor/run_monitor.ts";

const MIN = 60_000;
const WEDNESDAY_NOON = Date.parse("2026-11-25T12:00:00Z");
const SATURDAY_NOON = Date.parse("2026-11-28T18:00:00Z");

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "t4flow-run-monitor-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LOCKED: MonitorRunResult<string> = {
  exitCode: 3,
  reason: "login failed: LOCKED_OUT",
  alerts: ["LOCKED_OUT", "failed"],
};
const OK: MonitorRunResult<string> = { exitCode: 0, alerts: ["succeeded"] };

/**
 * Moves a fake clock in steps, waiting (bounded, in real time) after each step until the
 * scheduler has set its next timer: real file I/O in between is not settled by `advance` alone.
 */
async function advanceInSteps(clock: FakeClock, totalMs: number, stepMs: number) {
  for (let moved = 0; moved < totalMs; moved += stepMs) {
    await clock.advance(stepMs);
    for (let i = 0; i < 5000 && clock.pending === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

/** A fake CLI: scripted run results, recorded deliveries and reports. */
function fakeCli(results: MonitorRunResult<string>[], clock: FakeClock, runMs = 0) {
  const delivered: string[] = [];
  const events: MonitorEvent[] = [];
  let runs = 0;
  return {
    delivered,
    events,
    get runs() {
      return runs;
    },
    hooks: (signal?: AbortSignal) => ({
      check: "session-check",
      clock,
      ...(signal ? { signal } : {}),
      runOnce: async (runSignal: AbortSignal) => {
        const result = results[runs++] ?? OK;
        if (runMs > 0) {
          await new Promise<void>((resolve) => {
            const t = clock.setTimeout(resolve, runMs);
            runSignal.addEventListener("abort", () => {
              clock.clearTimeout(t);
              resolve();
            });
          });
          if (runSignal.aborted) return { exitCode: 130 };
        }
        return result;
      },
      deliver: (n: AlertNotification, alerts: readonly string[]) => {
        delivered.push(`${n.kind}[${alerts.join(",")}]`);
        return Promise.resolve();
      },
      report: (e: MonitorEvent) => {
        events.push(e);
      },
    }),
  };
}

describe("parseMonitorFlags", () => {
  it("returns undefined for a plain run", () => {
    assert.equal(parseMonitorFlags({}), undefined);
    assert.equal(parseMonitorFlags({ every: undefined }), undefined);
  });

  it("reads every flag", () => {
    const options = parseMonitorFlags({
      cron: "*/5 * * * *",
      cronTz: "America/Chicago",
      state: "/var/lib/t4flow/check.json",
      failAfter: "3",
      resolveAfter: "2",
      remindEvery: "1h",
      inMaintenance: "run",
    });
    assert.deepEqual(options, {
      schedule: {
        kind: "cron",
        expression: "*/5 * * * *",
        timeZone: "America/Chicago",
        text: "*/5 * * * *",
      },
      statePath: "/var/lib/t4flow/check.json",
      policy: { failureThreshold: 3, successThreshold: 2, reminderIntervalMs: 3_600_000 },
      maintenance: null,
    });
  });

  it("rejects bad values naming the flag", () => {
    const cases: [Parameters<typeof parseMonitorFlags>[0], string, RegExp][] = [
      [{ every: "5m", cron: "* * * * *" }, "--cron", /'--every' and '--cron' together/],
      [{ cronTz: "UTC" }, "--cron-tz", /without '--cron'/],
      [{ every: "often" }, "--every", /'--every' must be a duration/],
      [{ cron: "* *" }, "--cron", /'--cron' must be a cron expression/],
      [{ failAfter: "0" }, "--fail-after", /'--fail-after' must be a whole number >= 1/],
      [{ resolveAfter: "1.5" }, "--resolve-after", /current value is "1.5"/],
      [{ remindEvery: "soon" }, "--remind-every", /'--remind-every' must be a duration/],
      [{ remindEvery: "10ms" }, "--remind-every", /at least 1s/],
      [{ inMaintenance: "maybe" }, "--in-maintenance", /must be skip or run/],
    ];
    for (const [flags, flag, message] of cases) {
      assert.throws(() => parseMonitorFlags(flags), (e) => {
        assert.ok(e instanceof MonitorUsageError, JSON.stringify(flags));
        assert.equal(e.flag, flag);
        assert.match(e.message, message);
        return true;
      });
    }
  });
});

describe("runMonitor once (cron jobs with --state)", () => {
  it("alerts once across cron runs, holds back duplicates and says when it is resolved", async () => {
    const path = join(dir, "cron.json");
    const options = parseMonitorFlags({ state: path, failAfter: "2", remindEvery: "15m" })!;
    const clock = new FakeClock(WEDNESDAY_NOON);
    const script = [OK, LOCKED, LOCKED, LOCKED, LOCKED, LOCKED, OK, OK];
    const cli = fakeCli(script, clock);
    const codes: number[] = [];
    for (let i = 0; i < script.length; i++) {
      // Every cron run is a new process: only the state file carries over.
      codes.push(await runMonitor(options, cli.hooks()));
      await clock.advance(5 * MIN);
    }
    assert.deepEqual(codes, [0, 3, 3, 3, 3, 3, 0, 0]);
    assert.deepEqual(cli.delivered, [
      "firing[LOCKED_OUT,failed]", // run 2: the second failure in a row
      "reminder[LOCKED_OUT,failed]", // run 5: 15 min after the firing notice
      "resolved[succeeded]", // run 6: the first success
    ]);
    const runs = cli.events.filter((e) => e.type === "run");
    assert.deepEqual(runs.map((e) => e.suppressedAlerts), [1, 2, 0, 2, 2, 0, 0, 1]);
    assert.deepEqual(cli.events.filter((e) => e.type === "warning").map((e) => e.warning.kind), [
      "missing",
    ]);
  });

  it("skips a run inside the maintenance window: exit 0, nothing run, state untouched", async () => {
    const path = join(dir, "maintenance.json");
    const clock = new FakeClock(SATURDAY_NOON);
    const cli = fakeCli([LOCKED], clock);
    const code = await runMonitor(parseMonitorFlags({ state: path })!, cli.hooks());
    assert.equal(code, 0);
    assert.equal(cli.runs, 0);
    assert.deepEqual(cli.events, [{
      type: "skipped",
      at: SATURDAY_NOON,
      reason: "maintenance",
      until: Date.parse("2026-11-29T18:00:00Z"),
    }]);
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith("maintenance")), []);
  });

  it("runs inside the window with --in-maintenance run", async () => {
    const clock = new FakeClock(SATURDAY_NOON);
    const cli = fakeCli([LOCKED], clock);
    const code = await runMonitor(
      parseMonitorFlags({ state: join(dir, "inside.json"), inMaintenance: "run" })!,
      cli.hooks(),
    );
    assert.equal(code, 3);
    assert.deepEqual(cli.delivered, ["firing[LOCKED_OUT,failed]"]);
  });

  it("does not record an interrupted run", async () => {
    const path = join(dir, "interrupted.json");
    const options = parseMonitorFlags({ state: path })!;
    const clock = new FakeClock(WEDNESDAY_NOON);
    const cli = fakeCli([{ exitCode: 130 }, LOCKED], clock);
    assert.equal(await runMonitor(options, cli.hooks()), 130);
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith("interrupted")), []);
    assert.equal(await runMonitor(options, cli.hooks()), 3);
    assert.deepEqual(cli.delivered, ["firing[LOCKED_OUT,failed]"]);
  });

  it("reports a corrupt state file as a warning, starts fresh and still alerts", async () => {
    const path = join(dir, "corrupt.json");
    await writeFile(path, "{ not json");
    const clock = new FakeClock(WEDNESDAY_NOON);
    const cli = fakeCli([LOCKED], clock);
    assert.equal(await runMonitor(parseMonitorFlags({ state: path })!, cli.hooks()), 3);
    assert.deepEqual(cli.delivered, ["firing[LOCKED_OUT,failed]"]);
    const warning = cli.events.find((e) => e.type === "warning");
    assert.ok(warning?.type === "warning" && warning.warning.kind === "corrupt");
  });
});

describe("runMonitor on a schedule (a long-running process)", () => {
  it("runs every interval with in-memory state until stopped (exit 130)", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const cli = fakeCli([OK, LOCKED, LOCKED, OK, OK], clock, 30_000);
    const controller = new AbortController();
    const done = runMonitor(parseMonitorFlags({ every: "5m" })!, cli.hooks(controller.signal));
    await clock.advance(21 * MIN); // runs at 0, 5, 10, 15, 20 (each 30 s long)
    controller.abort();
    assert.equal(await done, 130);
    assert.equal(cli.runs, 5);
    assert.deepEqual(cli.delivered, ["firing[LOCKED_OUT,failed]", "resolved[succeeded]"]);
    assert.equal(clock.pending, 0);
  });

  it("interrupts a running check when stopped and does not record it", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const cli = fakeCli([LOCKED, LOCKED], clock, 2 * MIN);
    const controller = new AbortController();
    const done = runMonitor(parseMonitorFlags({ every: "5m" })!, cli.hooks(controller.signal));
    await clock.advance(6 * MIN); // the first run ends at 2 min; the second starts at 5 min
    controller.abort();
    assert.equal(await done, 130);
    const runs = cli.events.filter((e) => e.type === "run");
    assert.deepEqual(runs.map((e) => e.type === "run" && e.outcome), ["failure", "interrupted"]);
    assert.deepEqual(cli.delivered, ["firing[LOCKED_OUT,failed]"]);
  });

  it("stops after a run that asks to, with that run's exit code and its notice sent", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const cli = fakeCli([OK, { ...LOCKED, stop: true }, OK], clock);
    const done = runMonitor(parseMonitorFlags({ every: "1m" })!, cli.hooks());
    await clock.advance(10 * MIN);
    assert.equal(await done, 3);
    assert.equal(cli.runs, 2);
    assert.deepEqual(cli.delivered, ["firing[LOCKED_OUT,failed]"]);
  });

  it("reports the maintenance window as skipped and resumes after it, with --state", async () => {
    const path = join(dir, "scheduled.json");
    // Friday 23:55 Chicago: one run, then the window (Saturday 00:00 to Sunday 12:00 Chicago).
    const clock = new FakeClock(Date.parse("2026-11-28T05:55:00Z"));
    const cli = fakeCli([LOCKED, LOCKED, OK], clock);
    const controller = new AbortController();
    const done = runMonitor(
      parseMonitorFlags({ every: "5m", state: path })!,
      cli.hooks(controller.signal),
    );
    await advanceInSteps(clock, 37 * 60 * MIN, 5 * MIN);
    controller.abort();
    assert.equal(await done, 130);
    assert.deepEqual(
      cli.events.filter((e) => e.type !== "warning").map((e) =>
        `${e.type}@${new Date(e.at).toISOString().slice(5, 16)}${
          e.type === "run" ? `:${e.outcome}` : ""
        }`
      ),
      [
        "run@11-28T05:55:failure",
        "skipped@11-28T06:00",
        "run@11-29T18:00:failure",
        ...Array.from(
          { length: 11 },
          (_, i) => `run@11-29T18:${String(5 + 5 * i).padStart(2, "0")}:success`,
        ),
      ],
    );
    assert.deepEqual(cli.delivered, ["firing[LOCKED_OUT,failed]", "resolved[succeeded]"]);
  });
});
