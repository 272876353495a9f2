/**
 * What a workflow reports when the server refuses a subscription or takes the session over:
 * the step fails naming what was refused and why (exit 1), a session taken over by another
 * login ends the run (exit 3) and fires `on: LOGGED_IN_ELSEWHERE` alerts, without a reconnect.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { T4Client } from "../../lib/client/t4_client.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import type { RunReport } from "../../lib/workflow/run_report.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { type Simulator, startSimulator } from "../../lib/sim/mod.ts";

const KEY = "sk-outcomes-SECRET-2718";

async function run(
  sim: Simulator,
  steps: string,
  alerts = "",
  onLoggedIn?: () => void,
): Promise<{ report: RunReport; alerts: string }> {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-outcomes-"));
  const text = `version: 1
name: outcomes
connection:
  url: ${sim.url}
  auth: { api_key: "\${K}" }
  maintenance: false
steps:
  - login
${steps}
alerts:
  - on: failed
    to: [{ file: alerts.jsonl }]
${alerts}
`;
  const workflow = parseWorkflow(text, "outcomes.yaml", { env: { K: KEY }, dir });
  const report = await runWorkflow(workflow, {
    io: { stdout: () => {}, stderr: () => {} },
    onEvent: (e) => {
      if (e.type === "step_finished" && e.kind === "login") onLoggedIn?.();
    },
  });
  let fired = "";
  try {
    fired = readFileSync(join(dir, "alerts.jsonl"), "utf8");
  } catch { /* none fired */ }
  assert.ok(!JSON.stringify(report).includes(KEY) && !fired.includes(KEY), "the key leaked");
  return { report, alerts: fired };
}

function simulator(): Promise<Simulator> {
  return startSimulator({
    seed: 9,
    users: [{ apiKey: KEY, userId: "ops", accounts: ["OPS-1"] }],
    heartbeatMs: 200,
  });
}

describe("workflow steps and the server's refusals", () => {
  it("fails subscribe_market on a refused market, naming it and the server's reason", async () => {
    await using sim = await simulator();
    const { report } = await run(
      sim,
      `  - subscribe_market: { exchange: CME_Eq, contract: ZZ, market: "XCME_Eq ZZ (Z99)" }\n`,
    );
    assert.equal(report.exit_code, 1);
    const step = report.steps[1]!;
    assert.equal(step.status, "failed");
    assert.equal(step.error?.type, "SubscriptionRejectedError");
    assert.equal(
      step.error?.message,
      "Cannot subscribe to market XCME_Eq ZZ (Z99) (depth) as the server refused it: mode REJECTED",
    );
  });

  it("fails subscribe_accounts on a refused account, naming it and the server's errors", async () => {
    await using sim = await simulator();
    const { report } = await run(sim, `  - subscribe_accounts: [OPS-1, ACC-NOT-MINE]\n`);
    assert.equal(report.exit_code, 1);
    const step = report.steps[1]!;
    assert.equal(step.status, "failed");
    assert.match(
      step.error?.message ?? "",
      /^Cannot subscribe to account ACC-NOT-MINE as the server refused it: .*ACC-NOT-MINE/,
    );
  });
});

describe("a workflow whose session another login takes over", () => {
  it("exits 3, fires on: LOGGED_IN_ELSEWHERE and never logs in again", async () => {
    await using sim = await simulator();
    const other = new T4Client({ url: sim.url, auth: { apiKey: KEY } });
    let otherLogin: Promise<unknown> | undefined;
    try {
      const { report, alerts } = await run(
        sim,
        `  - hold: 20s\n`,
        `  - on: LOGGED_IN_ELSEWHERE\n    message: "taken over: {{ error_message }}"\n    to: [{ file: alerts.jsonl }]\n`,
        () => (otherLogin = other.connect()), // the trader's own platform, same key
      );
      await otherLogin;
      assert.equal(report.exit_code, 3, JSON.stringify(report.steps));
      assert.equal(report.steps[1]?.status, "failed");
      assert.equal(report.steps[1]?.error?.type, "LoginError");
      assert.match(report.steps[1]?.error?.message ?? "", /LOGGED_IN_ELSEWHERE/);
      assert.match(alerts, /taken over: This user logged in on another connection/);
      assert.equal(other.state, "open", "the other login keeps its session");
      assert.equal(sim.stats.logins, 2, "the workflow did not take the session back");
    } finally {
      await other.close();
    }
  });
});
