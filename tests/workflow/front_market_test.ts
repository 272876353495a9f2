import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { T4Client, type T4ClientOptions } from "../../lib/client/t4_client.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { DEMO_LOGIN, startSimulator } from "../../lib/sim/mod.ts";
import { dryRunLines } from "../../lib/workflow/dry_run.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import { WorkflowValidationError } from "../../lib/workflow/workflow_diagnostic.ts";
import type { RunEvent } from "../../lib/workflow/run_report.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import type { WorkflowClient } from "../../lib/workflow/step_context.ts";

const KEY = "sk-front-SECRET-2718";
const USERS = [
  { apiKey: KEY, userId: "ops", accounts: ["OPS-1"] },
  { ...DEMO_LOGIN, userId: "demo", accounts: ["DEMO-1"] },
];
const AUTH_KEY = `auth: { api_key: "\${K}" }`;
const AUTH_PASSWORD =
  `auth: { firm: T4Demo, username: demo, password: "\${P}", app_name: t4flow, app_license: demo-license }`;

function workflow(steps: string, connection = `env: sim\n  ${AUTH_KEY}`) {
  return parseWorkflow(
    `version: 1
name: front
connection:
  ${connection}
  maintenance: false
steps:
  - login
${steps}
`,
    "front.yaml",
    { env: { K: KEY, P: DEMO_LOGIN.password } },
  );
}

/** A real client that records what the workflow asks it to send. */
function recording(sent: string[], override?: Partial<WorkflowClient>) {
  return (options: T4ClientOptions): WorkflowClient => {
    const client = new T4Client(options);
    return Object.assign(client, {
      subscribeMarket: (s: Parameters<T4Client["subscribeMarket"]>[0]) => {
        sent.push(`subscribeMarket ${s.marketId}`);
        return T4Client.prototype.subscribeMarket.call(client, s);
      },
      submitOrder: (s: Parameters<T4Client["submitOrder"]>[0]) => {
        sent.push(`submitOrder ${s.marketId}`);
        return T4Client.prototype.submitOrder.call(client, s);
      },
      ...override,
    });
  };
}

const SUBSCRIBE_FRONT = `  - subscribe_market: { exchange: CME_Eq, contract: ES, market: front }
  - expect:
      message: market_depth
      where: msg.market_id == vars.front.ES
      timeout: 10s`;

describe("market: front", () => {
  it("resolves after login through the REST API (APIKey), shows and keeps the id", async () => {
    const clock = new FakeClock(Date.parse("2026-12-19T12:00:00Z"));
    await using sim = await startSimulator({ seed: 3, users: USERS, clock, depthIntervalMs: 50 });
    const events: RunEvent[] = [];
    const sent: string[] = [];
    const report = await runWorkflow(workflow(SUBSCRIBE_FRONT), {
      url: sim.url,
      api: sim.restUrl,
      createClient: recording(sent),
      onEvent: (e) => events.push(e),
    });
    assert.equal(report.exit_code, 0, JSON.stringify(report.steps));
    assert.deepEqual(report.vars?.front, { ES: "XCME_Eq ES (H27)" }, "Z26 expired on 12-18");
    assert.deepEqual(sent, ["subscribeMarket XCME_Eq ES (H27)"]);
    const finished = events.find((e) => e.type === "step_finished" && e.index === 1);
    assert.ok(finished?.type === "step_finished");
    assert.equal(
      finished.detail,
      "front CME_Eq ES = XCME_Eq ES (H27); subscribed to XCME_Eq ES (H27)",
    );
    assert.equal(report.steps[1]?.name, "subscribe_market front ES");
    assert.ok(!JSON.stringify({ report, events }).includes(KEY));
  });

  it("uses the session's Bearer token with a password login", async () => {
    await using sim = await startSimulator({ seed: 3, users: USERS, depthIntervalMs: 50 });
    const report = await runWorkflow(
      workflow(SUBSCRIBE_FRONT, `env: sim\n  ${AUTH_PASSWORD}`),
      { url: sim.url, api: sim.restUrl },
    );
    assert.equal(report.exit_code, 0, JSON.stringify(report.steps));
    assert.match(String((report.vars?.front as Record<string, unknown>).ES), /^XCME_Eq ES \(/);
    assert.ok(!JSON.stringify(report).includes(DEMO_LOGIN.password));
  });

  it("fails the step when the REST API refuses the token, before anything is sent", async () => {
    await using sim = await startSimulator({ seed: 3, users: USERS });
    const sent: string[] = [];
    const report = await runWorkflow(
      workflow(SUBSCRIBE_FRONT, `env: sim\n  ${AUTH_PASSWORD}`),
      {
        url: sim.url,
        api: sim.restUrl,
        createClient: recording(sent, {
          authToken: () => Promise.resolve("forged.jwt.token" as never),
        }),
      },
    );
    assert.equal(report.exit_code, 1);
    assert.equal(report.steps[1]?.status, "failed");
    assert.equal(report.steps[1]?.error?.type, "RestError");
    assert.match(report.steps[1]?.error?.message ?? "", /HTTP 401 Authorization required/);
    assert.ok(!JSON.stringify(report).includes("forged.jwt.token"));
    assert.deepEqual(sent, []);
  });

  it("fails an unknown contract (exit 1) before any subscribe or order is sent", async () => {
    await using sim = await startSimulator({ seed: 3, users: USERS });
    for (
      const step of [
        "  - subscribe_market: { exchange: CME_Eq, contract: XX, market: front }",
        "  - submit_order: { account: OPS-1, exchange: CME_Eq, contract: XX, market: front, side: buy, type: market, volume: 1 }",
        "  - submit_batch: { orders: [{ account: OPS-1, exchange: CME_Eq, contract: XX, market: front, side: buy, type: market, volume: 1 }] }",
      ]
    ) {
      const sent: string[] = [];
      const report = await runWorkflow(workflow(step), {
        url: sim.url,
        api: sim.restUrl,
        createClient: recording(sent, {
          submitBatch: () => {
            sent.push("submitBatch");
            return Promise.reject(new Error("not reached"));
          },
        }),
      });
      assert.equal(report.exit_code, 1, step);
      assert.equal(report.steps[1]?.error?.type, "MarketNotFoundError");
      assert.equal(
        report.steps[1]?.error?.message,
        "Cannot resolve the front market of CME_Eq XX: the REST API knows no market for this exchange and contract",
      );
      assert.deepEqual(sent, [], step);
    }
  });

  it("resolves in order steps and the order goes to the front market", async () => {
    await using sim = await startSimulator({ seed: 3, users: USERS });
    const sent: string[] = [];
    const report = await runWorkflow(
      workflow(
        "  - submit_order: { account: OPS-1, exchange: CME_En, contract: CL, market: front, side: buy, type: limit, limit_price: 1.00, volume: 1 }",
      ),
      { url: sim.url, api: sim.restUrl, createClient: recording(sent) },
    );
    assert.equal(report.exit_code, 0, JSON.stringify(report.steps));
    const front = (report.vars?.front as Record<string, string>).CL!;
    assert.deepEqual(sent, [`submitOrder ${front}`]);
    assert.equal((report.vars?.order as Record<string, unknown>).market_id, front);
  });

  it("resolves again on every run, so a monitor picks up the roll", async () => {
    // One second before Z26 expires (the end of 2026-12-18, UTC, on the simulator's clock).
    const clock = new FakeClock(Date.parse("2026-12-18T23:59:59Z"));
    await using sim = await startSimulator({ seed: 3, users: USERS, clock });
    const wf = workflow("  - subscribe_market: { exchange: CME_Eq, contract: ES, market: front }");
    const first = await runWorkflow(wf, { url: sim.url, api: sim.restUrl });
    await clock.advance(2_000);
    const second = await runWorkflow(wf, { url: sim.url, api: sim.restUrl });
    assert.deepEqual(first.vars?.front, { ES: "XCME_Eq ES (Z26)" });
    assert.deepEqual(second.vars?.front, { ES: "XCME_Eq ES (H27)" });
  });

  it("refuses a run on a custom --url without --api or connection.api before connecting", async () => {
    let created = 0;
    const report = await runWorkflow(
      workflow(SUBSCRIBE_FRONT, `env: sim\n  ${AUTH_KEY}`),
      {
        url: "ws://127.0.0.1:1/v1",
        createClient: () => {
          created++;
          throw new Error("not reached");
        },
      },
    );
    assert.equal(report.status, "invalid");
    assert.equal(report.exit_code, 2);
    assert.equal(created, 0);
    assert.match(report.diagnostics[0]?.message ?? "", /^missing REST API for market: front/);
    assert.equal(report.diagnostics[0]?.line, 9);
  });
});

describe("market: front in a dry run", () => {
  it("looks nothing up and shows the variable the market resolves into", () => {
    const lines = dryRunLines(workflow(SUBSCRIBE_FRONT)).join("\n");
    assert.match(lines, /"market_id":"\{\{ vars\.front\.ES \}\}"/);
    assert.doesNotMatch(lines, /"front"/);
  });
});

describe("market: front validation", () => {
  const invalid = (text: () => unknown) => {
    try {
      text();
    } catch (error) {
      if (error instanceof WorkflowValidationError) return error.diagnostics;
      throw error;
    }
    assert.fail("expected a validation error");
  };

  it("needs connection.api with a custom url", () => {
    const [d] = invalid(() => workflow(SUBSCRIBE_FRONT, `url: ws://127.0.0.1:1/v1\n  ${AUTH_KEY}`));
    assert.equal(d?.key, "connection.api");
    assert.equal(d?.line, 4);
    assert.match(d?.message ?? "", /^missing api, expected 'api: https:\/\/\.\.\.'/);
    // With env, or with api, it is valid; without front, url alone is fine.
    workflow(SUBSCRIBE_FRONT, `env: sim\n  ${AUTH_KEY}`);
    workflow(SUBSCRIBE_FRONT, `url: ws://127.0.0.1:1/v1\n  api: http://127.0.0.1:2\n  ${AUTH_KEY}`);
    workflow("  - subscribe_market: { exchange: CME_Eq, contract: ES, market: M }");
  });

  it("refuses http:// to a host that is not loopback", () => {
    const [d] = invalid(() =>
      workflow(SUBSCRIBE_FRONT, `env: sim\n  api: http://api.example\n  ${AUTH_KEY}`)
    );
    assert.equal(d?.key, "connection.api");
    assert.equal(d?.line, 5);
    assert.match(d?.message ?? "", /only allowed to loopback/);
  });

  it("needs exchange and contract with market: front in an order", () => {
    const [d] = invalid(() =>
      workflow(
        "  - submit_order: { account: A, market: front, side: buy, type: market, volume: 1 }",
        `env: sim\n  ${AUTH_KEY}`,
      )
    );
    assert.equal(d?.key, "steps[1].submit_order.market");
    assert.match(d?.message ?? "", /^market: front needs exchange and contract/);
  });

  it("knows vars.front in later CEL expressions", () => {
    workflow(SUBSCRIBE_FRONT, `env: sim\n  ${AUTH_KEY}`);
  });
});
