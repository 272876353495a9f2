/**
 * Monitors you can trust at 3 a.m.: a notice whose delivery failed is retried and owed to the
 * next run (never recorded as sent), every notice says which it is, and credentials refused with
 * a fatal login result are not sent again until they change. Real workflow runs against the
 * embedded simulator and a real HTTP webhook on 127.0.0.1; the monitor's clock is a FakeClock.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { type MonitorEvent, parseMonitorFlags } from "../../lib/monitor/run_monitor.ts";
import { runWorkflowMonitor } from "../../lib/monitor/workflow_monitor.ts";
import type { Simulator } from "../../lib/sim/simulator.ts";
import { parseWorkflow, type Workflow } from "../../lib/workflow/load_workflow.ts";
import type { RunEvent, RunReport } from "../../lib/workflow/run_report.ts";
import { GOOD_KEY, LOCKED_KEY, startPassFailSim } from "../_support/monitor_sim.ts";
import { runCli } from "../_support/cli.ts";

const WEDNESDAY_NOON = Date.parse("2026-11-25T12:00:00Z");
const MIN = 60_000;

let sim: Simulator;
let dir: string;

before(async () => {
  sim = await startPassFailSim();
  dir = await mkdtemp(join(tmpdir(), "t4flow-monitor-safety-"));
});

after(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

function workflow(apiKey: string, alerts: string): Workflow {
  return parseWorkflow(
    `version: 1
name: desk
connection:
  url: ${sim.url}
  auth:
    api_key: \${T4_API_KEY}
  reconnect: false
steps:
  - login
${alerts}`,
    "desk.yaml",
    { env: { T4_API_KEY: apiKey } },
  );
}

/** A webhook on 127.0.0.1 that answers 500 to the first `failures` requests, then 200. */
async function webhook(failures: number) {
  const bodies: { status: number; body: Record<string, unknown> }[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => {
      const status = bodies.length < failures ? 500 : 200;
      bodies.push({ status, body: JSON.parse(text) });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Moves the fake clock until `promise` settles (delivery retries wait on it). */
async function drive<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const result = promise.finally(() => (done = true));
  while (!done) await clock.advance(1_000);
  return await result;
}

describe("truthful delivery", () => {
  it("a firing notice whose webhook fails is retried, reported as not delivered and sent by the next run", async () => {
    const hook = await webhook(3);
    try {
      const state = join(dir, "delivery.state.json");
      const w = workflow(
        LOCKED_KEY,
        `alerts:\n  - on: failed\n    to:\n      - webhook: ${hook.url}\n`,
      );
      const options = parseMonitorFlags({ state, inMaintenance: "run" })!;
      const clock = new FakeClock(WEDNESDAY_NOON);
      const events: MonitorEvent[] = [];
      const runEvents: RunEvent[] = [];
      const reports: RunReport[] = [];
      const monitor = () =>
        runWorkflowMonitor(w, options, {
          io: { stdout: () => {}, stderr: () => {} },
          clock,
          onMonitorEvent: (e) => events.push(e),
          onRunEvent: (e) => runEvents.push(e),
          onReport: (r) => reports.push(r),
        });

      assert.equal(await drive(clock, monitor()), 3);
      // Three attempts, all refused: the notice is not recorded as sent.
      assert.deepEqual(hook.bodies.map((b) => b.status), [500, 500, 500]);
      const first = events.find((e) => e.type === "run");
      assert.equal(first?.type === "run" && first.notification?.kind, "firing");
      assert.equal(first?.type === "run" && first.delivered, false);
      const stored = JSON.parse(await readFile(state, "utf8")).state;
      assert.equal(stored.firing, false);
      assert.equal(stored.undelivered, "firing");
      // The report and the JSON events say what each sink did.
      const delivery = reports[0]?.alerts.find((a) => a.on === "failed")?.sinks[0];
      assert.deepEqual(
        { ok: delivery?.ok, attempts: delivery?.attempts },
        { ok: false, attempts: 3 },
      );
      assert.ok(runEvents.some((e) => e.type === "alert" && e.sinks[0]?.ok === false));

      await clock.advance(5 * MIN);
      events.length = 0;
      assert.equal(await drive(clock, monitor()), 3);
      // The next run owes the notice and sends it; the payload says it is a firing notice.
      assert.equal(hook.bodies.length, 4);
      assert.equal(hook.bodies[3]?.status, 200);
      assert.equal(hook.bodies[3]?.body.notice, "firing");
      assert.equal(hook.bodies[3]?.body.event, "failed");
      const second = events.find((e) => e.type === "run");
      assert.equal(second?.type === "run" && second.delivered, true);
      const after = JSON.parse(await readFile(state, "utf8")).state;
      assert.equal(after.firing, true);
      assert.equal(after.undelivered, undefined);
    } finally {
      await hook.close();
    }
  });

  it("every sink says which notice it carries: firing, reminder, resolved", async () => {
    const out: string[] = [];
    const file = join(dir, "notices.jsonl");
    const state = join(dir, "notices.state.json");
    const alerts = `alerts:
  - on: failed
    to: [stdout, { file: ${file} }]
  - on: succeeded
    to: [stdout, { file: ${file} }]
`;
    const options = parseMonitorFlags({ state, remindEvery: "1m", inMaintenance: "run" })!;
    const clock = new FakeClock(WEDNESDAY_NOON);
    const io = { stdout: (t: string) => void out.push(t), stderr: () => {} };
    for (const key of [LOCKED_KEY, LOCKED_KEY, GOOD_KEY]) {
      await drive(clock, runWorkflowMonitor(workflow(key, alerts), options, { io, clock }));
      await clock.advance(2 * MIN);
    }
    const lines = (await readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.event, l.notice]), [
      ["failed", "firing"],
      ["failed", "reminder"],
      ["succeeded", "resolved"],
      ["resolved", "resolved"], // no alert has on: resolved: the notice itself goes out too
    ]);
    assert.deepEqual(out.map((t) => t.slice(0, t.indexOf(":"))), [
      "alert (firing)",
      "alert (reminder)",
      "alert (resolved)",
      "alert (resolved)",
    ]);
  });
});

describe("fatal logins stop schedules", () => {
  it("--every: refused credentials are sent once; later runs skip the login, exit 3 and remind", async () => {
    const before = sim.stats.connections;
    const out: string[] = [];
    const events: MonitorEvent[] = [];
    const clock = new FakeClock(WEDNESDAY_NOON);
    const stop = new AbortController();
    const w = workflow(LOCKED_KEY, "alerts:\n  - on: LOCKED_OUT\n    to: [stdout]\n");
    const done = runWorkflowMonitor(
      w,
      parseMonitorFlags({ every: "1m", remindEvery: "2m", inMaintenance: "run" })!,
      {
        io: { stdout: (t) => void out.push(t), stderr: () => {} },
        clock,
        signal: stop.signal,
        onMonitorEvent: (e) => {
          events.push(e);
          if (events.filter((x) => x.type === "run").length === 5) stop.abort();
        },
      },
    );
    // One run per minute of fake time; wait (real time) for each run before moving on.
    for (let k = 1; !stop.signal.aborted; k++) {
      while (events.filter((x) => x.type === "run").length < k && !stop.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (!stop.signal.aborted) await clock.advance(MIN);
    }
    assert.equal(await done, 130);
    assert.equal(sim.stats.connections - before, 1, "the refused credentials were sent again");
    const runs = events.filter((e) => e.type === "run");
    assert.deepEqual(runs.map((e) => e.type === "run" && e.exitCode), [3, 3, 3, 3, 3]);
    assert.deepEqual(runs.map((e) => e.type === "run" && (e.loginSkipped ?? null)), [
      null,
      "LOCKED_OUT",
      "LOCKED_OUT",
      "LOCKED_OUT",
      "LOCKED_OUT",
    ]);
    // Reminders still go out, with the login alert.
    assert.deepEqual(out.map((t) => t.slice(0, t.indexOf(":"))), [
      "alert (firing)",
      "alert (reminder)",
      "alert (reminder)",
    ]);
  });

  it("--state: runs skip the login until the credentials change or --retry-refused-login", async () => {
    const state = join(dir, "refused.state.json");
    const clock = new FakeClock(WEDNESDAY_NOON);
    const io = { stdout: () => {}, stderr: () => {} };
    const run = async (key: string, flags: { retryRefusedLogin?: boolean } = {}) => {
      const before = sim.stats.connections;
      const options = parseMonitorFlags({ state, inMaintenance: "run", ...flags })!;
      const code = await drive(
        clock,
        runWorkflowMonitor(workflow(key, ""), options, { io, clock }),
      );
      await clock.advance(5 * MIN);
      return [code, sim.stats.connections - before];
    };
    assert.deepEqual(await run(LOCKED_KEY), [3, 1]);
    assert.deepEqual(await run(LOCKED_KEY), [3, 0]);
    assert.deepEqual(await run(LOCKED_KEY, { retryRefusedLogin: true }), [3, 1]);
    assert.deepEqual(await run(LOCKED_KEY), [3, 0]);
    const text = await readFile(state, "utf8");
    assert.ok(!text.includes(LOCKED_KEY), "the state file holds the credentials");
    assert.match(JSON.parse(text).state.refusedLogin.fingerprint, /^[0-9a-f]{64}$/);
    // New credentials are tried; their success clears the refusal and resolves the alert.
    assert.deepEqual(await run(GOOD_KEY), [0, 1]);
    assert.equal(JSON.parse(await readFile(state, "utf8")).state.refusedLogin, undefined);
  });

  it("t4flow run --every 1s with a refused key logs in once (real process)", async () => {
    const before = sim.stats.connections;
    const file = join(dir, "cli-refused.yaml");
    await import("node:fs").then((fs) =>
      fs.writeFileSync(
        file,
        `version: 1\nname: cli-refused\nconnection:\n  url: ${sim.url}\n  auth:\n    api_key: \${T4_API_KEY}\n  reconnect: false\nsteps:\n  - login\n`,
      )
    );
    let kill: ((signal: NodeJS.Signals) => void) | undefined;
    let runs = 0;
    const result = await runCli(
      ["run", file, "--every", "1s", "--in-maintenance", "run"],
      { T4_API_KEY: LOCKED_KEY },
      {
        spawned: (k) => (kill = k),
        onStderr: (text) => {
          runs += (text.match(/^monitor: run at /gm) ?? []).length;
          if (runs >= 3 && kill) {
            kill("SIGTERM");
            kill = undefined;
          }
        },
      },
    );
    assert.ok(
      result.code === 130 || result.signal === "SIGTERM",
      `${result.code} ${result.stderr}`,
    );
    assert.match(result.stderr, /login skipped: these credentials were refused with LOCKED_OUT/);
    assert.equal(sim.stats.connections - before, 1, result.stderr);
  });
});
