/**
 * `t4flow run --metrics` and `--pushgateway` and thresholds, end to end: the CLI runs as a real
 * process against the embedded simulator on 127.0.0.1; a test scrapes its `/metrics` while the
 * session is held (and lints it with promtool when PROMTOOL is set), a local HTTP server plays
 * the Pushgateway, and a threshold is crossed against the simulator. No timed assertions: waits
 * are polls with generous bounds.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEMO_API_KEY, startSimulator } from "../../lib/sim/mod.ts";
import { countConnections, runCli } from "../_support/cli.ts";
import { fakePushgateway } from "../_support/fake_pushgateway.ts";
import { parseExposition, promtoolCheck, T4FLOW_METRIC_NAMES } from "../_support/prom_text.ts";

const MARKET = "XCME_Eq ES (Z26)";

function workflowFile(url: string, body: string, name = "metrics-e2e"): string {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-metrics-"));
  const file = join(dir, "check.yaml");
  writeFileSync(
    file,
    `version: 1
name: ${name}
connection:
  url: ${url}
  auth: { api_key: "\${T4_API_KEY}" }
  maintenance: false
${body}`,
  );
  return file;
}

const SUBSCRIBE = `  - login
  - subscribe_market: { exchange: CME_Eq, contract: ES, market: "${MARKET}" }
`;

/** Starts `t4flow run ... --metrics 127.0.0.1:0` and resolves with its scrape URL. */
async function startWithMetrics(args: string[]) {
  let kill: ((signal: NodeJS.Signals) => void) | undefined;
  let announced: (url: string) => void;
  const url = new Promise<string>((resolve) => (announced = resolve));
  const running = runCli(
    [...args, "--metrics", "127.0.0.1:0"],
    { T4_API_KEY: DEMO_API_KEY },
    {
      timeoutMs: 120_000,
      spawned: (k) => (kill = k),
      onStderr: (text) => {
        const match = /serving metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(text);
        if (match) announced(match[1]!);
      },
    },
  );
  const endpoint = await Promise.race([
    url,
    running.then((r) => Promise.reject(new Error(`exited early: ${r.stderr}`))),
  ]);
  return { endpoint, running, interrupt: () => kill!("SIGINT") };
}

/** Scrapes until `done(text)` holds (a generous bound, not a timing assertion). */
async function scrapeUntil(endpoint: string, done: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(endpoint);
    assert.equal(response.status, 200);
    const text = await response.text();
    if (done(text)) return text;
    assert.ok(Date.now() < deadline, `the metrics never got there:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("t4flow run --metrics", () => {
  it("serves GET /metrics for a held session, in the exposition format, until interrupted", async () => {
    await using sim = await startSimulator({ seed: 5, depthIntervalMs: 20 });
    const file = workflowFile(sim.url, `steps:\n${SUBSCRIBE}  - hold: 10m\n`);
    const { endpoint, running, interrupt } = await startWithMetrics(["run", file]);
    const text = await scrapeUntil(
      endpoint,
      (t) => /payload="market_depth"\} ([2-9]|\d\d+)/.test(t),
    );
    interrupt();
    const result = await running;
    // Deno's child_process reports a child that exits with 130 after a SIGINT it sent as killed
    // by SIGINT; the message proves the CLI handled the signal.
    assert.ok(result.code === 130 || result.signal === "SIGINT", `${result.code} ${result.stderr}`);
    assert.match(result.stderr, /t4flow: SIGINT: closing the session…/);

    const families = parseExposition(text);
    assert.deepEqual(
      [...families.keys()].sort(),
      [...T4FLOW_METRIC_NAMES].sort(),
    );
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)?.samples.find((s) =>
        Object.entries({ workflow: "metrics-e2e", ...labels }).every(([k, v]) => s.labels[k] === v)
      )?.value;
    assert.equal(value("t4flow_session_connected"), 1);
    assert.equal(value("t4flow_logins_total", { result: "LOGIN_SUCCESS" }), 1);
    assert.ok(value("t4flow_quote_age_seconds", { market: MARKET })! >= 0);
    for (const family of families.values()) {
      for (const s of family.samples) assert.equal(s.labels.workflow, "metrics-e2e");
    }
    await promtoolCheck(text);
    // The endpoint ends with the process.
    await assert.rejects(fetch(endpoint));
  });

  it("keeps counting across the runs of an --every monitor", async () => {
    await using sim = await startSimulator({ seed: 4 });
    const file = workflowFile(sim.url, "steps: [login]\n", "every-check");
    const { endpoint, running, interrupt } = await startWithMetrics(
      ["run", file, "--every", "1s", "--in-maintenance", "run"],
    );
    const text = await scrapeUntil(
      endpoint,
      (t) =>
        /^t4flow_runs_total\{workflow="every-check",status="succeeded"\} ([2-9]|\d\d+)$/m.test(t),
    );
    interrupt();
    await running;
    const families = parseExposition(text);
    const runs = families.get("t4flow_runs_total")!.samples[0]!.value;
    const logins = families.get("t4flow_logins_total")!.samples[0]!.value;
    // Each run logs in once; a scrape may fall between a login and the end of its run.
    assert.ok(logins === runs || logins === runs + 1, `${logins} logins, ${runs} runs`);
    assert.equal(families.get("t4flow_last_run_success")!.samples[0]!.value, 1);
    assert.equal(families.get("t4flow_run_duration_seconds")!.samples.at(-1)!.value, runs);
    await promtoolCheck(text);
  });

  it("refuses a bad address or a port in use with exit 2 and connects to nothing", async () => {
    const counter = await countConnections();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const file = workflowFile(`ws://127.0.0.1:${counter.port}/v1`, "steps: [login]\n");
      const bad = await runCli(["run", file, "--metrics", "localhost"], { T4_API_KEY: "k" });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /'--metrics' must be PORT or HOST:PORT/);
      const busy = await runCli(["run", file, "--metrics", `127.0.0.1:${port}`], {
        T4_API_KEY: "k",
      });
      assert.equal(busy.code, 2);
      assert.match(
        busy.stderr,
        new RegExp(`Cannot serve metrics on 127\\.0\\.0\\.1:${port}: EADDRINUSE: nothing was sent`),
      );
      assert.equal(counter.count, 0);
    } finally {
      counter.close();
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe("t4flow run --pushgateway", () => {
  it("pushes a cron run's counters and last-run gauges and records the push in the report", async () => {
    await using sim = await startSimulator({ seed: 6 });
    await using gateway = await fakePushgateway();
    const file = workflowFile(sim.url, "steps: [login]\n", "cron-check");
    const report = join(mkdtempSync(join(tmpdir(), "t4flow-push-")), "report.json");
    const state = `${report}.state`;
    const result = await runCli(
      [
        "run",
        file,
        "--state",
        state,
        "--in-maintenance",
        "run",
        "--pushgateway",
        gateway.url,
        "--report",
        report,
      ],
      { T4_API_KEY: DEMO_API_KEY },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(gateway.received.length, 1);
    const push = gateway.received[0]!;
    assert.equal(push.method, "PUT");
    assert.equal(push.url, "/metrics/job/t4flow/workflow/cron-check");
    const families = parseExposition(push.body);
    const value = (name: string) => families.get(name)?.samples[0]?.value;
    assert.equal(value("t4flow_last_run_success"), 1);
    assert.equal(value("t4flow_last_run_exit_code"), 0);
    assert.ok(value("t4flow_last_run_timestamp_seconds")! > 1_600_000_000);
    assert.ok(value("t4flow_last_run_duration_seconds")! >= 0);
    assert.equal(value("t4flow_logins_total"), 1);
    await promtoolCheck(push.body);
    const written = JSON.parse(readFileSync(report, "utf8"));
    assert.deepEqual(written.metrics.push, {
      url: `${gateway.url}/metrics/job/t4flow/workflow/cron-check`,
      ok: true,
      status: 200,
    });
  });

  it("reports a failed push on stderr and in the report without changing the exit code", async () => {
    await using sim = await startSimulator({ seed: 6 });
    await using gateway = await fakePushgateway(503);
    const file = workflowFile(sim.url, "steps: [login]\n", "cron-check");
    const report = join(mkdtempSync(join(tmpdir(), "t4flow-push-")), "report.json");
    const result = await runCli(
      ["run", file, "--pushgateway", gateway.url, "--report", report],
      { T4_API_KEY: DEMO_API_KEY },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `t4flow: Cannot push metrics to ${gateway.url}/metrics/job/t4flow/workflow/cron-check: the Pushgateway answered 503`,
      ),
    );
    const written = JSON.parse(readFileSync(report, "utf8"));
    assert.equal(written.metrics.push.ok, false);
    assert.equal(written.metrics.push.status, 503);
    assert.equal(written.exit_code, 0);
  });
});

describe("thresholds against the simulator", () => {
  it("fails the run with exit 1, fires threshold_crossed and prints the summary", async () => {
    await using sim = await startSimulator({ seed: 9, depthIntervalMs: 20 });
    const file = workflowFile(
      sim.url,
      `steps:
${SUBSCRIBE}  - name: two quotes
    capture:
      message: market_depth
      where: msg.market_id == "${MARKET}"
      values: { first: msg.market_id }
  - hold: 1s
alerts:
  - on: threshold_crossed
    message: "{{ threshold }}: {{ detail }}"
    to: [{ file: alerts.txt }]
thresholds:
  login_time: p95 < 60s
  quote_gap: max < 1ms
  reconnects: count == 0
`,
    );
    const report = join(mkdtempSync(join(tmpdir(), "t4flow-thr-")), "report.json");
    const result = await runCli(["run", file, "--report", report], { T4_API_KEY: DEMO_API_KEY });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^ {2}login_time \.+: \d+ ms$/m);
    assert.match(
      result.stdout,
      new RegExp(`^  quote_gap \\.+: ${MARKET.replace(/[()]/g, "\\$&")}  p50 `, "m"),
    );
    assert.match(result.stdout, /^ {2}✓ login_time p95 = \d+ ms, expected p95 < 60s$/m);
    assert.match(
      result.stdout,
      /^ {2}✗ quote_gap max = .+ on XCME_Eq ES \(Z26\), expected max < 1ms$/m,
    );
    assert.match(result.stdout, /^ {2}✓ reconnects count = 0, expected count == 0$/m);
    assert.match(result.stdout, /^✘ failed in .* \(exit 1\)/m);
    const written = JSON.parse(readFileSync(report, "utf8"));
    assert.equal(written.status, "failed");
    assert.deepEqual(
      written.metrics.thresholds.map((
        t: { metric: string; status: string },
      ) => [t.metric, t.status]),
      [["login_time", "passed"], ["quote_gap", "crossed"], ["reconnects", "passed"]],
    );
    assert.ok(written.metrics.session.quotes[MARKET].count >= 2);
    assert.ok(written.metrics.session.first_message_ms[`market_depth:${MARKET}`] >= 0);
    const alerts = readFileSync(join(file, "..", "alerts.txt"), "utf8");
    assert.match(alerts, /quote_gap: quote_gap max = .+ on XCME_Eq ES \(Z26\), expected max < 1ms/);
  });
});
