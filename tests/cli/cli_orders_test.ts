import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { type ConnectionCounter, countConnections } from "../_support/cli.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CliIo } from "../../lib/cli/cli_io.ts";
import { main } from "../../lib/cli/main.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { workflowOrderDiagnostics } from "../../lib/workflow/workflow_orders.ts";

const SECRET = "sk-orders-SECRET-5521";

function captureIo(env: Record<string, string> = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    isTTY: false,
    env: { T4_API_KEY: SECRET, ...env },
    onInterrupt: () => () => {},
  };
}

/** Counts every WebSocket the code under test tries to open (none may be opened). */
function spyWebSocket(): { count: () => number; restore: () => void } {
  const original = globalThis.WebSocket;
  let count = 0;
  globalThis.WebSocket = class {
    constructor() {
      count++;
      throw new Error("no connection may be made in this test");
    }
  } as unknown as typeof WebSocket;
  return { count: () => count, restore: () => void (globalThis.WebSocket = original) };
}

/**
 * Broken workflows of the step kinds, and the exact `line:column: error: key: message` each must
 * produce, in the format of `tests/cli_test.ts`.
 */
const BROKEN: Record<string, string> = {
  "cel_syntax.yaml":
    "12:30: error: steps[2].expect.where: Cannot parse the expression: found > but expecting end of input",
  "cel_unknown_payload_case.yaml":
    "10:16: error: steps[1].expect.message: Cannot match messages of 'market_dept' as it is not a ServerMessage payload case: did you mean 'market_depth'?",
  "cel_unknown_field.yaml":
    "11:41: error: steps[1].expect.where: Cannot select 'markt_id' as t4proto.v1.market.MarketDepth has no such field: did you mean 'market_id'? (fields: market_id, depth_levels, depth_buffer, time, delayed, bids, offers, implied_bids, implied_offers, mode, flags, trade_data)",
  "cel_unknown_capture_field.yaml":
    "12:33: error: steps[1].capture.values.ratio: Cannot select 'balanse' as t4proto.v1.account.AccountUpdate has no such field: did you mean 'balance'? (fields: account_id, status, balance, rpl, overnight_upl, margin, day_margin, full_margin, base_margin, alerting_margin, pre_trade_margin, mp, premium, long_mp, short_mp, fees_and_commissions, prev_margin, imported_net_liq, imported_net_liq_date, prev_imported_net_liq, prev_imported_net_liq_date, filled_delta, working_delta, margin_time, alerting_time)",
  "cel_log_syntax.yaml":
    "9:27: error: steps[1].log: Cannot parse the expression as '+' has no right-hand operand",
  "cel_unknown_var.yaml":
    "10:23: error: steps[2].log: Cannot read vars.bdi as no earlier step captures 'bdi': did you mean 'bid'?",
  "order_volume_over_max.yaml":
    "15:15: error: steps[1].submit_order.volume: Cannot send steps[1].submit_order as its volume 5 is above max_order_volume 2",
  "order_limit_without_price.yaml":
    "13:13: error: steps[1].submit_order.type: a limit order needs limit_price, expected limit_price: PRICE",
  "order_pull_unknown.yaml":
    "10:26: error: steps[2].pull_order.order: no earlier order step stores 'canari', expected the 'as' of a submit_order step before this one; did you mean 'canary'?",
  "watch_alert_typo.yaml":
    `12:9: error: alerts[0].on: expected a login result name (e.g. LOCKED_OUT), login_failed, an event or a watch name (es_stale), got "es_stael"; did you mean 'es_stale'?`,
  "watch_without_condition.yaml":
    "9:12: error: steps[1].watch: missing condition or within, expected at least one of them, got a map",
  "template_unknown_var.yaml":
    "12:29: error: alerts[0].message: unknown variable 'bdi', expected a variable an earlier step captures (bid); did you mean 'vars.bid'?",
};

describe("t4flow run with broken step workflows", () => {
  let listener: ConnectionCounter;
  before(async () => {
    listener = await countConnections();
  });
  after(() => listener.close());

  for (const [name, expected] of Object.entries(BROKEN)) {
    it(`${name}: reports ${expected.split(": error: ")[0]} and connects nowhere`, async () => {
      const spy = spyWebSocket();
      const dir = mkdtempSync(join(tmpdir(), "t4flow-orders-"));
      const file = `tests/fixtures/workflows/invalid/${name}`;
      const report = join(dir, "report.json");
      const junit = join(dir, "junit.xml");
      const io = captureIo();
      try {
        const code = await main([
          "run",
          file,
          "--url",
          `ws://127.0.0.1:${listener.port}/v1`,
          "--report",
          report,
          "--junit",
          junit,
        ], io);
        assert.equal(code, 2, io.err.join(""));
      } finally {
        spy.restore();
      }
      const stderr = io.err.join("");
      const lines = stderr.split("\n").filter((l) => l.includes(": error: "));
      assert.deepEqual(lines, [`${file}:${expected}`]);
      assert.match(stderr, /is invalid \(1 error\): nothing was sent\n$/);
      assert.equal(spy.count(), 0);
      assert.equal(listener.count, 0);
      const xml = readFileSync(junit, "utf8");
      assert.match(xml, /<testsuite name="tests\/fixtures[^"]*" tests="1" failures="1"/);
      for (const text of [stderr, io.out.join(""), readFileSync(report, "utf8"), xml]) {
        assert.ok(!text.includes(SECRET), `${name} leaked the secret`);
      }
    });
  }
});

describe("order safety", () => {
  const file = "tests/fixtures/workflows/invalid/live_orders_refused.yaml";

  it("refuses order steps against env: live before connecting, flag or not", async () => {
    for (const flags of [[], ["--allow-live-orders"]]) {
      const spy = spyWebSocket();
      const io = captureIo();
      try {
        assert.equal(await main(["run", file, ...flags], io), 2);
      } finally {
        spy.restore();
      }
      assert.equal(spy.count(), 0);
      const lines = io.err.join("").split("\n").filter((l) => l.includes(": error: "));
      const missing = flags.length === 0
        ? "the workflow to declare 'environment: live' and the command line flag --allow-live-orders"
        : "the workflow to declare 'environment: live'";
      assert.deepEqual(lines, [
        `${file}:9:5: error: steps[1].submit_order: Cannot send 1 order to env: live as live orders need ${missing}`,
      ]);
    }
  });

  it("refuses a non-simulator URL and --env live given on the command line", async () => {
    const spy = spyWebSocket();
    try {
      for (const target of [["--url", "wss://t4.example.invalid/v1"], ["--env", "live"]]) {
        const io = captureIo();
        assert.equal(
          await main(["run", "examples/canary-order.yaml", ...target, "--allow-live-orders"], io),
          2,
        );
        assert.match(
          io.err.join(""),
          /live orders need the workflow to declare 'environment: live'/,
        );
      }
    } finally {
      spy.restore();
    }
    assert.equal(spy.count(), 0);
  });

  it("allows live orders only with environment: live and the flag", () => {
    const text = readFileSync(file, "utf8").replace(
      "version: 1\n",
      "version: 1\nenvironment: live\n",
    );
    const workflow = parseWorkflow(text, "w.yaml", { env: { T4_API_KEY: SECRET } });
    assert.equal(workflowOrderDiagnostics(workflow, { allowLiveOrders: false }).length, 1);
    assert.deepEqual(workflowOrderDiagnostics(workflow, { allowLiveOrders: true }), []);
    assert.deepEqual(
      workflowOrderDiagnostics(workflow, { url: "ws://127.0.0.1:1/v1", allowLiveOrders: false }),
      [],
    );
  });

  it("runWorkflow refuses too, without creating a client", async () => {
    const workflow = parseWorkflow(readFileSync(file, "utf8"), "w.yaml", {
      env: { T4_API_KEY: SECRET },
    });
    let created = 0;
    const report = await runWorkflow(workflow, {
      createClient: () => {
        created++;
        throw new Error("no client may be created");
      },
      io: { stdout: () => {}, stderr: () => {} },
    });
    assert.equal(created, 0);
    assert.equal(report.status, "invalid");
    assert.equal(report.exit_code, 2);
    assert.match(report.diagnostics[0]?.message ?? "", /live orders need/);
    assert.ok(!JSON.stringify(report).includes(SECRET));
  });
});

describe("t4flow run --dry-run", () => {
  it("prints every frame with secrets redacted and connects nowhere", async () => {
    const spy = spyWebSocket();
    const io = captureIo();
    try {
      assert.equal(await main(["run", "examples/canary-order.yaml", "--dry-run"], io), 0);
    } finally {
      spy.restore();
    }
    assert.equal(spy.count(), 0);
    const out = io.out.join("");
    assert.ok(!out.includes(SECRET) && !io.err.join("").includes(SECRET));
    assert.match(out, /^▶ canary-order: dry run, nothing is sent\n/);
    assert.match(out, /\n {2}#1 login_request \(\d+ bytes\) \{"api_key":"\*\*\*"\}\n/);
    assert.match(
      out,
      /#3 order_submit \(\d+ bytes\) \{"account_id":"\{\{ session\.accounts\[0\]\.account_id \}\}","market_id":"XCME_Eq ES \(Z26\)","orders":\[\{"buy_sell":"BUY_SELL_BUY","price_type":"PRICE_TYPE_LIMIT","volume":1,"limit_price":\{"value":"\{\{ double\(vars\.bid\) - 100\.0 \}\}"\},"tag":"canary"\}\]\}/,
    );
    assert.match(out, /#4 order_pull .*"unique_id":"\{\{ vars\.canary\.unique_id \}\}"/);
    assert.match(out, /✔ examples\/canary-order\.yaml is valid; 5 frames\n$/);
  });

  it("still refuses live orders and bad volumes in a dry run", async () => {
    const spy = spyWebSocket();
    const io = captureIo();
    try {
      assert.equal(
        await main([
          "run",
          "tests/fixtures/workflows/invalid/order_volume_over_max.yaml",
          "--dry-run",
        ], io),
        2,
      );
    } finally {
      spy.restore();
    }
    assert.equal(spy.count(), 0);
    assert.match(io.err.join(""), /15:15: error: .*above max_order_volume 2/);
    assert.equal(io.out.join(""), "");
  });

  it("prints JSON with --json", async () => {
    const io = captureIo();
    assert.equal(
      await main(["run", "examples/quote-freshness.yaml", "--dry-run", "--json"], io),
      0,
    );
    const line = JSON.parse(io.out.join(""));
    assert.equal(line.type, "dry_run");
    assert.deepEqual(line.steps.map((s: { index: number }) => s.index), [0, 1]);
    assert.match(line.steps[0].frames[0], /^#1 login_request .*"api_key":"\*\*\*"/);
    assert.match(
      line.steps[1].frames[0],
      /^#2 market_depth_subscribe .*"depth_levels":"DEPTH_LEVELS_BEST_ONLY"/,
    );
  });
});
