/**
 * `t4flow monitor`'s engine: many workflows in one process against the embedded simulator (real
 * WebSockets on 127.0.0.1), with the monitor's clock on a FakeClock. Proves: each workflow's runs
 * land in the history; a restart with the same database shows them at once and does not fire a
 * firing alert again; one workflow's crash does not stop another; `concurrency` bounds the runs
 * at a time; a stop lets a running check finish within the grace period and interrupts it after.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { alertPolicy } from "../../lib/monitor/alert_state.ts";
import {
  type FleetEvent,
  type FleetWorkflow,
  MonitorFleet,
  type MonitorFleetOptions,
} from "../../lib/monitor/monitor_fleet.ts";
import { parseEvery } from "../../lib/monitor/schedule.ts";
import { openSqliteRunStore } from "../../lib/monitor/sqlite_run_store.ts";
import type { Simulator } from "../../lib/sim/simulator.ts";
import { GOOD_KEY, LOCKED_KEY, startPassFailSim } from "../_support/monitor_sim.ts";
import { parseWorkflow, type Workflow } from "../../lib/workflow/load_workflow.ts";

const WEDNESDAY_NOON = Date.parse("2026-11-25T12:00:00Z");
const MIN = 60_000;

let sim: Simulator;
let dir: string;

before(async () => {
  sim = await startPassFailSim();
  dir = await mkdtemp(join(tmpdir(), "t4flow-fleet-"));
});

after(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

function workflow(name: string, apiKey: string, url = sim.url, alerts = ""): Workflow {
  return parseWorkflow(
    `version: 1
name: ${name}
connection:
  url: ${url}
  auth:
    api_key: \${KEY}
  reconnect: false
steps:
  - login
${alerts}`,
    `${name}.yaml`,
    { env: { KEY: apiKey } },
  );
}

/** Waits (real time, bounded) until `ready` holds. */
async function until(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function fleetOptions(
  overrides: Partial<MonitorFleetOptions> & Pick<MonitorFleetOptions, "store">,
): MonitorFleetOptions {
  return {
    policy: alertPolicy(),
    maintenance: null,
    io: { stdout: () => {}, stderr: () => {} },
    ...overrides,
  };
}

/**
 * A client whose connect waits until the test opens its gate (then fails to connect), counting
 * the connects in progress.
 */
function gatedClients() {
  const gates: (() => void)[] = [];
  const counts = { running: 0, most: 0 };
  const createClient = () => ({
    connect: () => {
      counts.running++;
      counts.most = Math.max(counts.most, counts.running);
      return new Promise<never>((_, reject) =>
        gates.push(() => {
          counts.running--;
          reject(new Error("Cannot connect: test gate"));
        })
      );
    },
    onStatus: () => () => {},
    stats: {
      reconnects: 0,
      heartbeatsSent: 0,
      heartbeatsReceived: 0,
      frameErrors: 0,
      framesReceived: 0,
    },
    close: () => Promise.resolve(),
  });
  return { gates, counts, createClient };
}

const runsOf = (fleet: MonitorFleet, name: string) =>
  fleet.status().find((w) => w.name === name)?.runs ?? [];

describe("MonitorFleet against the simulator", () => {
  it("records a passing and a failing workflow; restart shows history, no second firing", async () => {
    const path = join(dir, "restart.db");
    const entries: FleetWorkflow[] = [
      { workflow: workflow("desk-a", GOOD_KEY), schedule: parseEvery("1m") },
      {
        workflow: workflow(
          "desk-b",
          LOCKED_KEY,
          sim.url,
          "alerts:\n  - on: failed\n    message: 'desk-b down: {{ detail }}'\n    to: [stdout]\n",
        ),
        schedule: parseEvery("1m"),
      },
    ];
    const clock = new FakeClock(WEDNESDAY_NOON);
    const out: string[] = [];
    const store = openSqliteRunStore(path);
    const fleet = new MonitorFleet(
      entries,
      fleetOptions({ store, clock, io: { stdout: (t) => out.push(t), stderr: () => {} } }),
    );
    assert.deepEqual(fleet.status().map((w) => w.runs.length), [0, 0]);
    const stop = new AbortController();
    const done = fleet.run(stop.signal);
    await until(() => fleet.status().every((w) => w.runs.length === 1), "the first runs");
    const [a, b] = fleet.status();
    assert.equal(a?.runs[0]?.status, "succeeded");
    assert.equal(a?.runs[0]?.exitCode, 0);
    assert.equal(a?.runs[0]?.error, null);
    assert.equal(typeof a?.runs[0]?.loginMs, "number");
    assert.equal(a?.uptime, 1);
    assert.equal(a?.nextRunAt, WEDNESDAY_NOON + MIN);
    assert.equal(b?.runs[0]?.status, "failed");
    assert.equal(b?.runs[0]?.exitCode, 3);
    // The server's error_message is kept with the login result.
    assert.equal(b?.runs[0]?.error, "login: LOCKED_OUT (Too many failed attempts)");
    // The run's `failed` alert went out with the firing notice (the report records deliveries).
    assert.deepEqual(b?.runs[0]?.alerts, ["failed", "firing"]);
    assert.equal(out.filter((t) => t.includes("desk-b down")).length, 1);
    stop.abort();
    assert.equal(await done, 130);
    store.close();
    const file = await readFile(path);
    assert.ok(!file.includes(LOCKED_KEY) && !file.includes(GOOD_KEY));

    // A restart with the same database: the history is there before any run.
    const reopened = openSqliteRunStore(path);
    const again = new MonitorFleet(
      entries,
      fleetOptions({
        store: reopened,
        clock,
        io: { stdout: (t) => out.push(t), stderr: () => {} },
      }),
    );
    assert.deepEqual(again.status().map((w) => w.runs.length), [1, 1]);
    assert.equal(again.status()[1]?.runs[0]?.error, "login: LOCKED_OUT (Too many failed attempts)");
    const refusedLogins = sim.stats.failedLogins;
    const stop2 = new AbortController();
    const done2 = again.run(stop2.signal);
    await until(() => runsOf(again, "desk-b").length === 2, "the run after the restart");
    // The LOCKED_OUT refusal survived the restart (in the database): the locked credentials are
    // not sent again, which would prolong the lockout.
    assert.equal(sim.stats.failedLogins, refusedLogins);
    assert.match(runsOf(again, "desk-b")[0]?.error ?? "", /^login: LOCKED_OUT/);
    // Still failing: the alert fired before the restart, so no second `firing` notice.
    assert.deepEqual(runsOf(again, "desk-b")[0]?.alerts, []);
    assert.equal(out.filter((t) => t.includes("desk-b down")).length, 1);
    stop2.abort();
    await done2;
    reopened.close();
  });

  it("keeps monitoring the others when one workflow's loop crashes", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const store = openSqliteRunStore(":memory:");
    const events: FleetEvent[] = [];
    let thrown = false;
    const fleet = new MonitorFleet(
      [
        { workflow: workflow("crashy", GOOD_KEY), schedule: parseEvery("1m") },
        { workflow: workflow("steady", GOOD_KEY), schedule: parseEvery("1m") },
      ],
      fleetOptions({
        store,
        clock,
        onEvent: (event) => {
          events.push(event);
          if (event.type === "monitor" && event.workflow === "crashy" && !thrown) {
            thrown = true;
            throw new Error("sink exploded");
          }
        },
      }),
    );
    const stop = new AbortController();
    const done = fleet.run(stop.signal);
    await until(() => events.some((e) => e.type === "crashed"), "the crash");
    await until(() => runsOf(fleet, "steady").length === 1, "steady's first run");
    await clock.advance(MIN);
    await until(() => runsOf(fleet, "steady").length === 2, "steady's second run");
    const crashed = events.find((e) => e.type === "crashed");
    assert.equal(crashed?.workflow, "crashy");
    assert.match(
      (crashed as { message: string }).message,
      /^Cannot keep monitoring 'crashy' as its monitor loop crashed: sink exploded; restarting in 30 s$/,
    );
    // The crash is in the history as a failed run (runs use the real clock, the monitor a fake one:
    // look it up rather than by position).
    const crash = runsOf(fleet, "crashy").find((r) => r.status === "failed");
    assert.match(crash?.error ?? "", /monitor loop crashed: sink exploded/);
    // The crashed loop restarts after its pause.
    const before = runsOf(fleet, "crashy").length;
    await clock.advance(30_000);
    await until(() => runsOf(fleet, "crashy").length > before, "crashy's restart");
    assert.equal(runsOf(fleet, "crashy")[0]?.status, "succeeded");
    stop.abort();
    await done;
    store.close();
  });

  it("runs at most `concurrency` checks at a time", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const store = openSqliteRunStore(":memory:");
    const { gates, counts, createClient } = gatedClients();
    const fleet = new MonitorFleet(
      ["a", "b", "c"].map((name) => ({
        workflow: workflow(name, GOOD_KEY, "ws://127.0.0.1:9/"),
        schedule: parseEvery("1m"),
      })),
      fleetOptions({ store, clock, concurrency: 1, run: { createClient } }),
    );
    const stop = new AbortController();
    const done = fleet.run(stop.signal);
    for (let i = 1; i <= 3; i++) {
      await until(() => gates.length === i, `run ${i} to start`);
      assert.equal(counts.running, 1);
      gates[i - 1]!();
    }
    await until(() => fleet.status().every((w) => w.runs.length === 1), "three runs");
    assert.equal(counts.most, 1);
    stop.abort();
    await done;
    store.close();
  });

  it("on stop, lets a running check finish within the grace period, interrupts it after", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const store = openSqliteRunStore(":memory:");
    const { gates, createClient: client } = gatedClients();
    const fleet = new MonitorFleet(
      [{ workflow: workflow("slow", "k-123456", "ws://127.0.0.1:9/"), schedule: parseEvery("1m") }],
      fleetOptions({ store, clock, graceMs: 10_000, run: { createClient: client } }),
    );
    const stop = new AbortController();
    let finished = false;
    const done = fleet.run(stop.signal).then((code) => {
      finished = true;
      return code;
    });
    await until(() => gates.length === 1, "the run to start");
    stop.abort();
    await clock.advance(5_000);
    assert.equal(finished, false, "still within the grace period");
    gates[0]!();
    assert.equal(await done, 130);
    assert.equal(runsOf(fleet, "slow").length, 1, "the finished run is recorded");

    // A run that outlasts the grace period is interrupted and not recorded.
    const store2 = openSqliteRunStore(":memory:");
    const fleet2 = new MonitorFleet(
      [{
        workflow: workflow("stuck", "k-123456", "ws://127.0.0.1:9/"),
        schedule: parseEvery("1m"),
      }],
      fleetOptions({ store: store2, clock, graceMs: 10_000, run: { createClient: client } }),
    );
    const stop2 = new AbortController();
    const done2 = fleet2.run(stop2.signal);
    await until(() => gates.length === 2, "the second run to start");
    stop2.abort();
    await clock.advance(10_000);
    assert.equal(await done2, 130);
    assert.deepEqual(runsOf(fleet2, "stuck"), []);
    assert.equal(fleet2.status()[0]?.nextRunAt, null);
    store.close();
    store2.close();
  });

  it("deletes runs older than the retention when it starts", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const store = openSqliteRunStore(":memory:");
    const old = {
      workflow: "kept",
      durationMs: 5,
      status: "succeeded" as const,
      exitCode: 0,
      loginMs: 1,
      error: null,
      alerts: [],
    };
    store.add({ ...old, startedAt: WEDNESDAY_NOON - 31 * 86_400_000 });
    store.add({ ...old, startedAt: WEDNESDAY_NOON - 29 * 86_400_000 });
    const { createClient } = gatedClients();
    const fleet = new MonitorFleet(
      [{ workflow: workflow("kept", GOOD_KEY, "ws://127.0.0.1:9/"), schedule: parseEvery("1m") }],
      fleetOptions({ store, clock, retainMs: 30 * 86_400_000, run: { createClient } }),
    );
    assert.equal(runsOf(fleet, "kept").length, 2);
    const stop = new AbortController();
    const done = fleet.run(stop.signal);
    stop.abort();
    await clock.advance(30_000); // the grace period of the run that started
    await done;
    assert.deepEqual(runsOf(fleet, "kept").map((r) => r.startedAt), [
      WEDNESDAY_NOON - 29 * 86_400_000,
    ]);
    store.close();
  });

  it("starts a workflow fresh when its stored alert state is corrupt: the first failure fires", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const store = openSqliteRunStore(":memory:");
    store.saveAlertState("desk-x", '{"check":"desk-x","firing":"yes"}', 0);
    const events: FleetEvent[] = [];
    const out: string[] = [];
    const fleet = new MonitorFleet(
      [{
        workflow: workflow(
          "desk-x",
          LOCKED_KEY,
          sim.url,
          "alerts:\n  - on: failed\n    message: 'desk-x down'\n    to: [stdout]\n",
        ),
        schedule: parseEvery("1m"),
      }],
      fleetOptions({
        store,
        clock,
        io: { stdout: (t) => out.push(t), stderr: () => {} },
        onEvent: (e) => events.push(e),
      }),
    );
    const stop = new AbortController();
    const done = fleet.run(stop.signal);
    await until(() => runsOf(fleet, "desk-x").length === 1, "the first run");
    stop.abort();
    await done;
    assert.deepEqual(runsOf(fleet, "desk-x")[0]?.alerts, ["failed", "firing"]);
    assert.equal(out.filter((t) => t.includes("desk-x down")).length, 1);
    const warning = events.find((e) => e.type === "store_error");
    assert.equal(
      (warning as { message: string } | undefined)?.message,
      "Cannot use the stored alert state of 'desk-x' as 'state.firing' is not a boolean: starting fresh",
    );
    store.close();
  });
});
