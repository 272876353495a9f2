import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import type { RunEvent, RunReport } from "../../lib/workflow/run_report.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { type SimFaultSchedule, startSimulator } from "../../lib/sim/mod.ts";

const KEY = "sk-steps-SECRET-3141";
const ES = `exchange: CME_Eq, contract: ES, market: "XCME_Eq ES (Z26)"`;

/** Runs workflow steps (after a login) against a fresh simulator. */
async function run(
  steps: string,
  options: {
    alerts?: string;
    top?: string;
    faults?: SimFaultSchedule[];
    connection?: string;
    signal?: AbortSignal;
  } = {},
): Promise<{ report: RunReport; events: RunEvent[]; alerts: string; output: string }> {
  await using sim = await startSimulator({
    seed: 5,
    users: [{ apiKey: KEY, userId: "ops", accounts: ["OPS-1", "OPS-2"] }],
    heartbeatMs: 200,
    depthIntervalMs: 50,
    ...(options.faults && { faults: options.faults }),
  });
  const dir = mkdtempSync(join(tmpdir(), "t4flow-steps-"));
  const text = `version: 1
name: steps
${options.top ?? ""}
connection:
  url: ${sim.url}
  auth: { api_key: "\${K}" }
  heartbeat: 200ms
  maintenance: false
${options.connection ?? ""}
steps:
  - login
${steps}
alerts:
  - on: failed
    to: [{ file: alerts.jsonl }]
${options.alerts ?? ""}
`;
  const workflow = parseWorkflow(text, "steps.yaml", { env: { K: KEY }, dir });
  const events: RunEvent[] = [];
  let output = "";
  const report = await runWorkflow(workflow, {
    onEvent: (e) => events.push(e),
    ...(options.signal && { signal: options.signal }),
    io: { stdout: (t) => (output += t), stderr: (t) => (output += t) },
  });
  let alerts = "";
  try {
    alerts = readFileSync(join(dir, "alerts.jsonl"), "utf8");
  } catch { /* no alert fired */ }
  for (const text of [JSON.stringify(report), JSON.stringify(events), alerts, output]) {
    assert.ok(!text.includes(KEY), "the API key leaked");
  }
  return { report, events, alerts, output };
}

function details(events: RunEvent[]): string[] {
  return events.flatMap((e) =>
    e.type === "step_finished" ? [`${e.status} ${e.name}: ${e.detail ?? e.error?.message}`] : []
  );
}

describe("market data steps against the simulator", () => {
  it(
    "subscribes, expects a quote, captures it, logs it and unsubscribes",
    { timeout: 60_000 },
    async () => {
      const { report, events } = await run(`
  - subscribe_market: { ${ES}, depth: best_only, buffer: fast_smart }
  - name: quote
    expect:
      message: market_depth
      where: msg.market_id == "XCME_Eq ES (Z26)" && msg.bids.size() > 0
      timeout: 5s
      capture:
        market: msg.market_id
        levels: msg.bids.size()
        bid: double(msg.bids[0].price.value)
  - log: "best bid of {{ vars.market }} is {{ vars.bid }} ({{ vars.levels }} level)"
  - sleep: 100ms
  - unsubscribe_market: { ${ES} }
`);
      assert.equal(report.exit_code, 0, JSON.stringify(details(events)));
      assert.equal(report.vars?.market, "XCME_Eq ES (Z26)");
      assert.equal(report.vars?.levels, 1);
      assert.equal(typeof report.vars?.bid, "number");
      const log = events.find((e) => e.type === "step_finished" && e.kind === "log");
      assert.equal(
        log?.type === "step_finished" && log.detail,
        `best bid of XCME_Eq ES (Z26) is ${report.vars?.bid} (1 level)`,
      );
    },
  );

  it(
    "sees the answer to market-by-order: a snapshot of resting orders",
    { timeout: 60_000 },
    async () => {
      const { report, events } = await run(`
  - subscribe_market_by_order: { ${ES} }
  - expect:
      message: market_by_order_snapshot
      where: msg.market_id == "XCME_Eq ES (Z26)" && msg.orders.size() > 0
      timeout: 5s
  - unsubscribe_market: { ${ES}, by_order: true }
`);
      assert.equal(report.exit_code, 0, JSON.stringify(details(events)));
    },
  );

  it(
    "fails an expectation that times out, with what was expected",
    { timeout: 60_000 },
    async () => {
      const { report, alerts } = await run(`
  - subscribe_market: { ${ES} }
  - expect:
      message: market_depth
      where: msg.market_id == "nope"
      timeout: 300ms
  - hold: 1s
`);
      assert.equal(report.exit_code, 1);
      assert.equal(report.steps[2]?.status, "failed");
      assert.equal(report.steps[2]?.error?.type, "ExpectationError");
      // What did arrive: the subscribed market's depth, and the field the condition tested.
      assert.match(
        report.steps[2]?.error?.message ?? "",
        /^Expected a market_depth with msg\.market_id == "nope" within 300 ms: none matched; \d+ arrived \(market_depth \d+.*\); the last market_depth had msg\.market_id = "XCME_Eq ES \(Z26\)"$/,
      );
      assert.equal(report.steps[3]?.status, "skipped");
      assert.match(alerts, /"on":"failed"/);
    },
  );

  it("stops waiting at once when the run is interrupted", { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    const running = run(
      `
  - subscribe_market: { ${ES} }
  - watch: { name: quiet, message: market_depth, within: 1h }
  - expect: { message: market_depth, where: msg.market_id == "never", timeout: 1h }
`,
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("test interrupt")), 500);
    const { report } = await running;
    assert.equal(report.status, "interrupted");
    assert.equal(report.exit_code, 130);
    assert.equal(report.steps[3]?.status, "interrupted");
    assert.ok(report.steps[3]!.duration_ms < 30_000);
  });

  it("fails at once when the condition cannot be evaluated", { timeout: 60_000 }, async () => {
    const { report } = await run(`
  - subscribe_market: { ${ES}, depth: best_only }
  - expect:
      message: market_depth
      where: msg.bids[3].volume > 0
      timeout: 20s
`);
    assert.equal(report.exit_code, 1);
    const step = report.steps[2]!;
    assert.equal(step.error?.type, "ExpectationError");
    assert.match(
      step.error?.message ?? "",
      /^Cannot evaluate msg\.bids\[3\]\.volume > 0 on a market_depth: /,
    );
    assert.ok(step.duration_ms < 15_000, "a condition error must not wait for the timeout");
  });

  it(
    "raises a staleness watch's event when quotes stop, and keeps running",
    { timeout: 60_000 },
    async () => {
      const { report, events, alerts } = await run(
        `
  - subscribe_market: { ${ES} }
  - watch:
      name: es_stale
      message: market_depth
      where: msg.market_id == "XCME_Eq ES (Z26)"
      within: 400ms
      during: hold
      informational: true
  - unsubscribe_market: { ${ES} }
  - hold: 1500ms
`,
        {
          alerts:
            `  - on: es_stale\n    message: "stale: {{ detail }}"\n    to: [{ file: alerts.jsonl }]`,
        },
      );
      assert.equal(report.exit_code, 0);
      assert.equal(report.watches?.[0]?.name, "es_stale");
      assert.equal(report.watches?.[0]?.violations, 1);
      assert.ok(events.some((e) => e.type === "watch" && e.name === "es_stale"));
      const alert = JSON.parse(alerts.trim().split("\n")[0]!);
      assert.equal(alert.on, "es_stale");
      assert.equal(
        alert.text,
        `stale: es_stale: no market_depth matching msg.market_id == "XCME_Eq ES (Z26)" for 400 ms`,
      );
    },
  );

  it("keeps the subscription and a quiet staleness watch across a reconnect in a hold", {
    timeout: 60_000,
  }, async () => {
    const { report, events } = await run(
      `
  - subscribe_market: { ${ES} }
  - expect: { message: market_depth, timeout: 5s }
  - watch:
      name: es_stale
      message: market_depth
      within: 2s
      fail: true
  - hold: 5s
`,
      {
        faults: [{ kind: "drop", afterMs: 1_000, times: 1 }],
        connection: "  reconnect: { initial_delay: 50ms, max_delay: 200ms }",
      },
    );
    assert.equal(report.exit_code, 0, JSON.stringify(details(events)));
    assert.equal(report.counts.reconnects, 1);
    assert.equal(report.watches?.[0]?.violations, 0);
    // The hold lasts 5 s with a drop after 1 s: without the replayed subscription, the watch
    // (2 s window) would have fired and failed the hold.
    assert.ok((report.watches?.[0]?.checked ?? 0) > 10);
  });
});

describe("account steps against the simulator", () => {
  it(
    "subscribes to every account and captures from their updates",
    { timeout: 60_000 },
    async () => {
      const { report, events } = await run(`
  - subscribe_accounts: all
  - capture:
      message: account_update
      where: msg.account_id == "OPS-2"
      values: { balance: msg.balance, account: msg.account_id }
`);
      assert.equal(report.exit_code, 0, JSON.stringify(details(events)));
      assert.deepEqual(report.vars, { balance: 100000, account: "OPS-2" });
    },
  );

  it("raises a condition watch on account updates; with fail: true the hold fails", {
    timeout: 60_000,
  }, async () => {
    for (const fail of ["informational: true", "fail: true"]) {
      const { report, alerts } = await run(
        `
  - subscribe_accounts: { accounts: [OPS-1], upl_mode: average }
  - watch:
      name: margin_high
      message: account_update
      condition: msg.balance < 10.0
      detail: msg.account_id + " balance " + string(msg.balance)
      ${fail}
  - submit_order: { account: OPS-1, market: "XCME_Eq ES (Z26)", side: buy, type: market, volume: 1 }
  - hold: 1s
`,
        { alerts: "  - on: margin_high\n    to: [{ file: alerts.jsonl }]" },
      );
      assert.match(alerts, /"on":"margin_high".*"detail":"margin_high: OPS-1 balance 100000"/);
      if (fail === "fail: true") {
        assert.equal(report.exit_code, 1);
        const failed = report.steps.find((s) => s.status === "failed");
        assert.equal(failed?.error?.type, "WatchViolationError");
        assert.equal(
          failed?.error?.message,
          "Cannot continue as watch 'margin_high' was violated: OPS-1 balance 100000",
        );
      } else {
        assert.equal(report.exit_code, 0);
        assert.equal(report.watches?.[0]?.violations, 1);
      }
    }
  });
});

describe("order steps against the simulator", () => {
  it(
    "submits every order type, revises, pulls and batches, exposing statuses",
    { timeout: 60_000 },
    async () => {
      const { report, events } = await run(
        `
  - subscribe_market: { ${ES} }
  - capture:
      message: market_depth
      where: msg.bids.size() > 0
      values: { bid: "msg.bids[0].price.value" }
  - submit_order:
      account: OPS-1
      market: "XCME_Eq ES (Z26)"
      side: buy
      type: limit
      volume: 1
      limit_price: { expr: double(vars.bid) - 50.0 }
      tag: resting
      as: resting
  - expect: { where: vars.resting.status == OrderStatus.ORDER_STATUS_WORKING && vars.resting.tag == "resting" }
  - revise_order: { order: resting, volume: 2, limit_price: { expr: double(vars.bid) - 60.0 } }
  - expect: { where: vars.resting.kind == "order_update_status" && vars.resting.current_volume == 2 }
  - pull_order: { order: resting }
  - expect: { where: vars.resting.status_name == "FINISHED" }
  - submit_order: { account: OPS-1, market: "XCME_Eq ES (Z26)", side: sell, type: stop, volume: 1, stop_price: { expr: double(vars.bid) - 80.0 }, as: stop }
  - submit_order: { account: OPS-1, market: "XCME_Eq ES (Z26)", side: sell, type: stop_limit, volume: 1, stop_price: { expr: double(vars.bid) - 80.0 }, limit_price: { expr: double(vars.bid) - 81.0 }, as: stop_limit }
  - submit_order: { account: OPS-1, market: "XCME_Eq ES (Z26)", side: buy, type: market, volume: 1, time_type: ioc, as: filled }
  - expect:
      message: order_update_trade
      where: msg.unique_id == vars.filled.unique_id
      timeout: 5s
  - submit_batch:
      orders:
        - { account: OPS-1, market: "XCME_Eq ES (Z26)", side: buy, type: limit, volume: 1, limit_price: 1000 }
        - { account: OPS-2, market: "XCME_Eq ES (Z26)", side: buy, type: limit, volume: 1, limit_price: 1000 }
  - expect: { where: vars.batch.accepted.size() == 2 }
`,
        { top: "max_order_volume: 2" },
      );
      assert.equal(report.exit_code, 0, JSON.stringify(details(events), null, 1));
      assert.deepEqual(
        report.steps.map((s) => s.status),
        Array(report.steps.length).fill("succeeded"),
      );
      assert.equal((report.vars?.stop as { status_name: string }).status_name, "WORKING");
      assert.equal((report.vars?.stop_limit as { status_name: string }).status_name, "WORKING");
    },
  );

  it("fails the step when the server rejects the order", { timeout: 60_000 }, async () => {
    const { report } = await run(`
  - submit_order: { account: OPS-1, market: "XCME_Eq NOPE", side: buy, type: market, volume: 1, as: bad }
`);
    assert.equal(report.exit_code, 1);
    assert.equal(report.steps[1]?.error?.type, "OrderRejectedError");
    assert.match(
      report.steps[1]?.error?.message ?? "",
      /^Cannot continue as order .* was rejected: /,
    );
    assert.equal((report.vars?.bad as { kind: string }).kind, "order_update_failed");
  });
});
