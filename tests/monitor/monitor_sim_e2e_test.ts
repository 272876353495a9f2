/**
 * Monitor mode end to end against the embedded simulator: real workflow runs over real
 * WebSockets on 127.0.0.1, with the monitor's clock (alert state times, schedule, maintenance
 * window) on a FakeClock.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "../../lib/runtime/clock.ts";
import type { AlertNotification } from "../../lib/monitor/alert_state.ts";
import { runFailureReason } from "../../lib/monitor/monitor_output.ts";
import {
  type MonitorEvent,
  type MonitorRunResult,
  parseMonitorFlags,
  runMonitor,
} from "../../lib/monitor/run_monitor.ts";
import { type Simulator, startSimulator } from "../../lib/sim/simulator.ts";
import { parseWorkflow, type Workflow } from "../../lib/workflow/load_workflow.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { runWorkflowMonitor } from "../../lib/monitor/workflow_monitor.ts";

const WEDNESDAY_NOON = Date.parse("2026-11-25T12:00:00Z");
const MIN = 60_000;

let sim: Simulator;
let dir: string;
let good: Workflow;
let locked: Workflow;

function workflow(apiKey: string, alerts = ""): Workflow {
  return parseWorkflow(
    `version: 1
name: session-check
connection:
  url: ${sim.url}
  auth:
    api_key: \${T4_API_KEY}
  reconnect: false
steps:
  - login
${alerts}`,
    "session-check.yaml",
    { env: { T4_API_KEY: apiKey } },
  );
}

before(async () => {
  sim = await startSimulator({
    port: 0,
    users: [
      { apiKey: "good-key", userId: "good" },
      { apiKey: "locked-key", userId: "locked", outcome: "LOCKED_OUT" },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), "t4flow-monitor-e2e-"));
  good = workflow("good-key");
  locked = workflow("locked-key");
});

after(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs a workflow for real and hands the result to the monitor. */
async function runOnce(w: Workflow, signal: AbortSignal): Promise<MonitorRunResult<string>> {
  const report = await runWorkflow(w, { signal, io: { stdout: () => {}, stderr: () => {} } });
  return report.exit_code === 0
    ? { exitCode: 0 }
    : { exitCode: report.exit_code, reason: runFailureReason(report) };
}

describe("monitor mode against the simulator", () => {
  it("cron-style runs with --state: fires once, reminds, resolves; secrets stay out", async () => {
    const path = join(dir, "cron.state.json");
    const options = parseMonitorFlags({ state: path, failAfter: "2", remindEvery: "10m" })!;
    const clock = new FakeClock(WEDNESDAY_NOON);
    const delivered: AlertNotification[] = [];
    const script = [good, locked, locked, locked, locked, good];
    const codes: number[] = [];
    for (const w of script) {
      codes.push(
        await runMonitor(options, {
          check: "session-check",
          clock,
          runOnce: (signal) => runOnce(w, signal),
          deliver: (n) => {
            delivered.push(n);
            return Promise.resolve();
          },
        }),
      );
      await clock.advance(5 * MIN);
    }
    assert.deepEqual(codes, [0, 3, 3, 3, 3, 0]);
    assert.deepEqual(delivered.map((n) => n.kind), ["firing", "reminder", "resolved"]);
    assert.equal(delivered[0]?.reason, "login: LOCKED_OUT");
    assert.equal(delivered[0]?.at, WEDNESDAY_NOON + 10 * MIN);
    assert.equal(delivered[1]?.at, WEDNESDAY_NOON + 20 * MIN);
    assert.equal(delivered[2]?.firingForMs, 15 * MIN);
    const stored = await readFile(path, "utf8");
    assert.ok(!stored.includes("locked-key") && !stored.includes("good-key"));
    assert.equal(JSON.parse(stored).state.firing, false);
  });

  it("--every with a fake clock: runs on schedule, never overlapping, until stopped", async () => {
    const clock = new FakeClock(WEDNESDAY_NOON);
    const controller = new AbortController();
    const events: MonitorEvent[] = [];
    const delivered: string[] = [];
    const script = [good, locked, good];
    let runs = 0;
    let running = 0;
    const done = runMonitor(parseMonitorFlags({ every: "1m" })!, {
      check: "session-check",
      clock,
      signal: controller.signal,
      runOnce: async (signal) => {
        assert.equal(running++, 0);
        const result = await runOnce(script[runs++] ?? good, signal);
        running--;
        return result;
      },
      deliver: (n) => {
        delivered.push(n.kind);
        return Promise.resolve();
      },
      report: (e) => {
        events.push(e);
        if (events.filter((x) => x.type === "run").length === 3) controller.abort();
      },
    });
    let finished = false;
    void done.finally(() => (finished = true));
    // Move the fake clock one slot at a time, each time the scheduler is waiting on it (runs
    // themselves take real time on real sockets); bounded.
    for (let i = 0; i < 2000 && !finished; i++) {
      if (clock.pending > 0) await clock.advance(MIN);
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(await done, 130);
    assert.deepEqual(
      events.map((e) => e.type === "run" && [e.at - WEDNESDAY_NOON, e.exitCode]),
      [[0, 0], [MIN, 3], [2 * MIN, 0]],
    );
    assert.deepEqual(delivered, ["firing", "resolved"]);
  });

  it("t4flow run --state: the workflow's alerts go out once, then a resolved notice", async () => {
    const alertsFile = join(dir, "alerts.jsonl");
    const alerts = `alerts:
  - on: LOCKED_OUT
    message: "locked out: {{ error_message }}"
    to:
      - file: ${alertsFile}
  - on: failed
    to: [stderr]
`;
    const lockedWithAlerts = workflow("locked-key", alerts);
    const goodWithAlerts = workflow("good-key", alerts);
    const options = parseMonitorFlags({ state: join(dir, "run.state.json") })!;
    const clock = new FakeClock(WEDNESDAY_NOON);
    const stderr: string[] = [];
    const codes: number[] = [];
    for (const w of [lockedWithAlerts, lockedWithAlerts, lockedWithAlerts, goodWithAlerts]) {
      codes.push(
        await runWorkflowMonitor(w, options, {
          io: { stdout: () => {}, stderr: (t) => stderr.push(t) },
          clock,
        }),
      );
      await clock.advance(5 * MIN);
    }
    assert.deepEqual(codes, [3, 3, 3, 0]);
    const lines = (await readFile(alertsFile, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.on, l.event]), [
      ["LOCKED_OUT", "login_failed"],
      ["resolved", "resolved"],
    ]);
    assert.match(lines[0].text, /^locked out: /);
    assert.equal(
      lines[1].text,
      "t4flow session-check: resolved: resolved after 15 m 0 s (was: login: LOCKED_OUT)",
    );
    // The `failed` alert to stderr went out once, with the firing notice; the resolved notice
    // goes to every sink of the outcome alerts.
    assert.deepEqual(stderr.filter((t) => t.startsWith("alert")), [
      "alert (firing): t4flow session-check: failed: login: Cannot log in to T4 as the server answered LOCKED_OUT: Too many failed login attempts. The user is locked out.\n",
      "alert (resolved): t4flow session-check: resolved: resolved after 15 m 0 s (was: login: LOCKED_OUT)\n",
    ]);
    const everything = JSON.stringify(lines) + stderr.join("");
    assert.ok(!everything.includes("locked-key") && !everything.includes("good-key"));
  });

  it("sends a notice to stderr when the workflow has no alert for it", async () => {
    const controller = new AbortController();
    const clock = new FakeClock(WEDNESDAY_NOON);
    const stderr: string[] = [];
    const code = await runWorkflowMonitor(locked, parseMonitorFlags({ every: "1m" })!, {
      io: { stdout: () => {}, stderr: (t) => stderr.push(t) },
      clock,
      onMonitorEvent: (e) => {
        if (e.type === "run") controller.abort();
      },
      signal: controller.signal,
    });
    assert.equal(code, 130);
    assert.deepEqual(stderr.filter((t) => t.startsWith("alert")), [
      "alert (firing): t4flow session-check: firing: login: LOCKED_OUT (failing for 0 ms, 1 failed run in a row)\n",
    ]);
  });

  it("a single run without --state keeps a plain run's alerts; with --state they wait for a notice", async () => {
    const w = workflow("good-key", "alerts:\n  - on: succeeded\n    to: [stderr]\n");
    const clock = new FakeClock(WEDNESDAY_NOON);
    const plain: string[] = [];
    const io = (into: string[]) => ({ stdout: () => {}, stderr: (t: string) => into.push(t) });
    assert.equal(
      await runWorkflowMonitor(w, parseMonitorFlags({ inMaintenance: "skip" })!, {
        io: io(plain),
        clock,
      }),
      0,
    );
    assert.deepEqual(plain, ["alert: t4flow session-check: succeeded\n"]);
    const stateful: string[] = [];
    const monitor = parseMonitorFlags({ state: join(dir, "plain.state.json") })!;
    assert.equal(await runWorkflowMonitor(w, monitor, { io: io(stateful), clock }), 0);
    assert.deepEqual(stateful, []);
  });
});
