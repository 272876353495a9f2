/**
 * `t4flow monitor` as a real process against the simulator: the status page, the JSON API,
 * badges and `/metrics` over HTTP; SIGTERM stops it with 130; a restart with the same `--db`
 * shows the earlier history at once; a non-loopback `--listen` warns; invalid workflows or a
 * database it cannot use stop it before anything is sent.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import type { Simulator } from "../../lib/sim/simulator.ts";
import { GOOD_KEY, LOCKED_KEY, startPassFailSim } from "../_support/monitor_sim.ts";
import { countConnections, runCli } from "../_support/cli.ts";
import { parseExposition, promtoolCheck } from "../_support/prom_text.ts";

let sim: Simulator;
let dir: string;

const workflow = (name: string, key: string, extra = "") =>
  `version: 1
name: ${name}
connection:
  auth:
    api_key: \${${key}}
  reconnect: false
${extra}steps:
  - login
`;

before(async () => {
  sim = await startPassFailSim();
  dir = await mkdtemp(join(tmpdir(), "t4flow-cli-monitor-"));
  await writeFile(join(dir, "a-pass.yaml"), workflow("desk-pass", "GOOD"));
  await writeFile(
    join(dir, "b-fail.yaml"),
    workflow("desk-fail", "LOCKED", "schedule:\n  every: 1h\n"),
  );
  await writeFile(join(dir, "notes.txt"), "not a workflow");
});

after(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

const ENV = { GOOD: GOOD_KEY, LOCKED: LOCKED_KEY };

interface Status {
  workflows: {
    name: string;
    status: string;
    runs: { status: string; started_at: string; error: string | null }[];
  }[];
}

/**
 * Starts `t4flow monitor` on a free port, calls `use` with the page's URL once it serves, then
 * sends SIGTERM and returns what the process left.
 */
async function withMonitor(args: string[], use: (url: string) => Promise<void>) {
  let kill: (signal: NodeJS.Signals) => void = () => {};
  let resolveUrl: (url: string) => void = () => {};
  const started = new Promise<string>((resolve) => (resolveUrl = resolve));
  let out = "";
  const done = runCli(
    ["monitor", dir, "--url", sim.url, "--listen", "127.0.0.1:0", "--json", ...args],
    ENV,
    {
      spawned: (k) => (kill = k),
      onStdout: (text) => {
        out += text;
        const match = /"type":"monitor_started","url":"([^"]+)"/.exec(out);
        if (match) resolveUrl(match[1]!);
      },
    },
  );
  const url = await Promise.race([
    started,
    done.then((r) => assert.fail(`monitor exited early (${r.code}): ${r.stderr}`)),
  ]);
  try {
    await use(url);
  } finally {
    kill("SIGTERM");
  }
  return await done;
}

async function status(url: string): Promise<Status> {
  return (await (await fetch(`${url}api/status`)).json()) as Status;
}

async function untilStatus(url: string, ready: (s: Status) => boolean): Promise<Status> {
  for (let i = 0; i < 600; i++) {
    const s = await status(url);
    if (ready(s)) return s;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail("timed out waiting for the monitor's status");
}

describe("t4flow monitor", () => {
  it("serves the page, the API, badges and metrics; SIGTERM exits 130; history survives", async () => {
    const db = join(dir, "history.db");
    let first: Status | undefined;
    const result = await withMonitor(["--db", db, "--every", "1h"], async (url) => {
      first = await untilStatus(url, (s) => s.workflows.every((w) => w.runs.length === 1));
      assert.deepEqual(first.workflows.map((w) => [w.name, w.status]), [
        ["desk-pass", "passing"],
        ["desk-fail", "failing"],
      ]);
      assert.equal(
        first.workflows[1]?.runs[0]?.error,
        "login: LOCKED_OUT (Too many failed attempts)",
      );
      const page = await fetch(url);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assert.match(await page.text(), /<main id="workflows"/);
      const badge = await (await fetch(`${url}badges/desk-fail.svg`)).text();
      assert.match(badge, />failing</);
      const metrics = await (await fetch(`${url}metrics`)).text();
      assert.match(metrics, /^t4flow_runs_total\{workflow="desk-pass",status="succeeded"\} 1$/m);
      assert.match(metrics, /^t4flow_runs_total\{workflow="desk-fail",status="failed"\} 1$/m);
      // The session numbers come from each workflow's own sessions.
      assert.match(
        metrics,
        /^t4flow_logins_total\{workflow="desk-pass",result="LOGIN_SUCCESS"\} 1$/m,
      );
      assert.match(
        metrics,
        /^t4flow_logins_total\{workflow="desk-fail",result="LOCKED_OUT"\} 1$/m,
      );
      assert.doesNotMatch(metrics, /workflow="desk-fail",result="LOGIN_SUCCESS"/);
      parseExposition(metrics); // well-formed exposition text (and promtool, when $PROMTOOL is set)
      await promtoolCheck(metrics);
    });
    // Deno's child_process reports a child that exits with 130 after a SIGTERM it sent as killed
    // by SIGTERM; the message proves the CLI handled the signal (and it exited on its own).
    assert.ok(
      result.code === 130 || result.signal === "SIGTERM",
      `${result.code} ${result.stderr}`,
    );
    assert.match(result.stderr, /SIGTERM: no new runs/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(LOCKED_KEY));

    // Same --db: the earlier runs are there from the first request on.
    const again = await withMonitor(["--db", db, "--every", "1h"], async (url) => {
      const s = await status(url);
      const earlier = first!.workflows.map((w) => w.runs[0]!.started_at);
      for (const [i, w] of s.workflows.entries()) {
        assert.ok(w.runs.some((r) => r.started_at === earlier[i]), `${w.name} keeps its history`);
      }
    });
    assert.ok(again.code === 130 || again.signal === "SIGTERM", again.stderr);
  });

  it("warns when the page listens beyond loopback", async () => {
    let kill: (signal: NodeJS.Signals) => void = () => {};
    let stderr = "";
    const done = runCli(
      ["monitor", dir, "--url", sim.url, "--listen", "0.0.0.0:0", "--every", "1h"],
      ENV,
      { spawned: (k) => (kill = k), onStderr: (text) => (stderr += text) },
    );
    // The warning is printed with the start banner, before the first run's line.
    for (let i = 0; i < 600 && !/monitor: desk-/.test(stderr); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    kill("SIGTERM");
    const result = await done;
    stderr = result.stderr;
    assert.match(
      stderr,
      /warning: listening on 0\.0\.0\.0, reachable from other machines; the page and API have no authentication/,
    );
  });

  it("refuses invalid workflows before anything is sent (exit 2)", async () => {
    const counter = await countConnections();
    const bad = await mkdtemp(join(tmpdir(), "t4flow-cli-monitor-bad-"));
    try {
      await writeFile(join(bad, "ok.yaml"), workflow("ok", "GOOD"));
      await writeFile(
        join(bad, "cron.yaml"),
        workflow("cron", "GOOD", 'schedule:\n  cron: "61 * * * *"\n'),
      );
      const result = await runCli(
        ["monitor", bad, "--url", `ws://127.0.0.1:${counter.port}/`, "--listen", "127.0.0.1:0"],
        ENV,
      );
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /cron\.yaml:8:9: error: schedule\.cron: expected a cron expression/,
      );
      assert.match(result.stderr, /1 workflow invalid: nothing was started, nothing was sent/);
      assert.equal(counter.count, 0);
    } finally {
      counter.close();
      await rm(bad, { recursive: true, force: true });
    }
  });

  it("refuses a database written by a newer t4flow (exit 1), leaving it alone", async () => {
    const counter = await countConnections();
    const db = join(dir, "newer.db");
    const handle = new DatabaseSync(db);
    handle.exec("PRAGMA user_version = 99");
    handle.close();
    try {
      const result = await runCli(
        ["monitor", dir, "--url", `ws://127.0.0.1:${counter.port}/`, "--db", db],
        ENV,
      );
      assert.equal(result.code, 1);
      assert.match(result.stderr, /its schema version is 99 and this t4flow reads up to 1/);
      assert.equal(counter.count, 0);
    } finally {
      counter.close();
    }
  });

  it("t4flow validate reports a cron expression the monitor cannot use", async () => {
    const { validateCommand } = await import("../../lib/cli/validate_command.ts");
    const file = join(dir, "bad-cron.yml");
    await writeFile(
      file,
      'version: 1\nname: bad\nconnection: { env: sim, auth: { api_key: k } }\nschedule:\n  cron: "* * 32 * *"\nsteps: [login]\n',
    );
    const err: string[] = [];
    const io = {
      stdout: () => {},
      stderr: (t: string) => void err.push(t),
      isTTY: false,
      env: ENV,
      onInterrupt: () => () => {},
    };
    try {
      assert.equal(validateCommand([file], io), 2);
      assert.match(err.join(""), /bad-cron\.yml:5:9: error: schedule\.cron: expected a cron/);
    } finally {
      await rm(file);
    }
  });

  it("a second SIGTERM exits at once while a check is still running", async () => {
    const held = await mkdtemp(join(tmpdir(), "t4flow-cli-monitor-held-"));
    await writeFile(
      join(held, "held.yaml"),
      workflow("held", "GOOD").replace("  - login\n", "  - login\n  - hold: 1h\n"),
    );
    let kill: (signal: NodeJS.Signals) => void = () => {};
    let stderr = "";
    try {
      const logins = sim.stats.logins;
      const done = runCli(
        ["monitor", held, "--url", sim.url, "--listen", "127.0.0.1:0", "--grace", "1h"],
        ENV,
        { spawned: (k) => (kill = k), onStderr: (text) => (stderr += text) },
      );
      // Once the session is up, stop twice: a grace period of an hour would keep the process
      // alive (and this test would time out) without the second signal.
      for (let i = 0; i < 600 && sim.stats.logins === logins; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(sim.stats.logins > logins, "the held workflow logged in");
      kill("SIGTERM");
      for (let i = 0; i < 600 && !/no new runs/.test(stderr); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      kill("SIGTERM");
      const result = await done;
      assert.ok(result.code === 143 || result.signal === "SIGTERM", `${result.code}`);
      assert.match(result.stderr, /SIGTERM again: exiting at once \(143\)/);
    } finally {
      await rm(held, { recursive: true, force: true });
    }
  });

  it("t4flow monitor examples/ --sim serves a live page where every example passes", async () => {
    let kill: (signal: NodeJS.Signals) => void = () => {};
    let out = "";
    let resolveUrl: (url: string) => void = () => {};
    const started = new Promise<string>((resolve) => (resolveUrl = resolve));
    const done = runCli(
      ["monitor", "examples/", "--sim", "--hold", "1s", "--listen", "127.0.0.1:0", "--json"],
      {},
      {
        spawned: (k) => (kill = k),
        onStdout: (text) => {
          out += text;
          const match = /"type":"monitor_started","url":"([^"]+)"/.exec(out);
          if (match) resolveUrl(match[1]!);
        },
      },
    );
    try {
      const url = await Promise.race([
        started,
        done.then((r) => assert.fail(`monitor exited early (${r.code}): ${r.stderr}`)),
      ]);
      const s = await untilStatus(url, (s) => s.workflows.every((w) => w.runs.length > 0));
      assert.deepEqual(
        s.workflows.map((w) => [w.name, w.status, w.runs[0]?.error ?? null]),
        [
          ["canary-order", "passing", null],
          ["quote-freshness", "passing", null],
          ["risk-alert", "passing", null],
          ["session-check", "passing", null],
        ],
      );
      assert.equal((await fetch(url)).status, 200);
    } finally {
      kill("SIGTERM");
    }
    const result = await done;
    assert.ok(result.code === 130 || result.signal === "SIGTERM", result.stderr);
  });
});
