/**
 * `readWorkflow` (what the commands use) loads CEL only for a workflow with expressions, and
 * gives exactly what `loadWorkflow` (CEL always loaded) gives: the same workflow, or the same
 * diagnostics at the same file:line:column and key.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadWorkflow as loadLazily, runWorkflow } from "../../mod.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { draftWorkflow } from "../../lib/workflow/check_workflow.ts";
import { loadWorkflow } from "../../lib/workflow/load_workflow.ts";
import { readWorkflow } from "../../lib/workflow/read_workflow.ts";
import { loadStepRuntime } from "../../lib/workflow/step_runners.ts";
import {
  formatDiagnostic,
  WorkflowValidationError,
} from "../../lib/workflow/workflow_diagnostic.ts";

const ENV = { T4_API_KEY: "sk-read-SECRET", ALERT_WEBHOOK: "https://hooks.example.test/T/B/s" };
const HEAD = "version: 1\nname: w\nconnection:\n  env: sim\n  auth:\n    api_key: ${T4_API_KEY}\n";
const ORDER = "{ account: A1, market: M1, side: buy, type: limit, volume: 1, limit_price: 100 }";

function usesCel(steps: string): boolean {
  return draftWorkflow(`${HEAD}steps:\n${steps}`, "w.yaml", { env: ENV }).usesCel;
}

/** What loading a file gives: the workflow, or its diagnostics as the CLI prints them. */
async function outcome(load: () => unknown): Promise<unknown> {
  try {
    return await load();
  } catch (error) {
    assert.ok(error instanceof WorkflowValidationError, String(error));
    return error.diagnostics.map(formatDiagnostic);
  }
}

describe("readWorkflow", () => {
  it("loads CEL only for steps that use an expression or a payload case", () => {
    assert.equal(usesCel("  - login\n  - hold: 1s\n  - log: done\n  - sleep: 1s\n"), false);
    assert.equal(usesCel(`  - login\n  - submit_order: ${ORDER}\n`), false);
    assert.equal(usesCel("  - login\n  - subscribe_market: { market: M1 }\n"), false);
    assert.equal(usesCel("  - login\n  - log: 'bid {{ vars.bid }}'\n"), true);
    assert.equal(usesCel("  - login\n  - expect: { message: market_depth }\n"), true);
    assert.equal(usesCel("  - login\n  - capture: { message: market_depth }\n"), true);
    assert.equal(usesCel("  - login\n  - watch: { name: w, message: market_depth }\n"), true);
    const expr = ORDER.replace("limit_price: 100", "limit_price: { expr: vars.bid }");
    assert.equal(usesCel(`  - login\n  - submit_order: ${expr}\n`), true);
    assert.equal(usesCel(`  - login\n  - submit_batch: { orders: [${expr}] }\n`), true);
    assert.equal(
      usesCel("  - login\n  - revise_order: { order: o, limit_price: { expr: vars.bid } }\n"),
      true,
    );
  });

  it("gives what loadWorkflow gives for every example and invalid fixture", async () => {
    const dir = "tests/fixtures/workflows/invalid";
    const files = [
      ...readdirSync("examples").filter((f) => f.endsWith(".yaml")).map((f) => `examples/${f}`),
      ...readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => `${dir}/${f}`),
    ];
    assert.ok(files.length > 30, files.join(", "));
    for (const file of files) {
      assert.deepEqual(
        await outcome(() => readWorkflow(file, { env: ENV })),
        await outcome(() => loadWorkflow(file, { env: ENV })),
        file,
      );
    }
  });

  it("reports a CEL error at its file:line:column and key", async () => {
    const file = "tests/fixtures/workflows/invalid/cel_syntax.yaml";
    assert.deepEqual(await outcome(() => readWorkflow(file, { env: ENV })), [
      `${file}:12:30: error: steps[2].expect.where: Cannot parse the expression: found > but expecting end of input`,
    ]);
    const log = "tests/fixtures/workflows/invalid/cel_log_syntax.yaml";
    assert.deepEqual(await outcome(() => readWorkflow(log, { env: ENV })), [
      `${log}:9:27: error: steps[1].log: Cannot parse the expression as '+' has no right-hand operand`,
    ]);
  });
});

describe("a workflow without expressions", () => {
  it("runs on the built-in runners, without the message hub", async () => {
    const runtime = await loadStepRuntime(["login", "hold"]);
    assert.deepEqual(Object.keys(runtime.runners).sort(), ["hold", "login"]);
    assert.equal(runtime.MessageHub, undefined);
    await using sim = await startSimulator({ seed: 1 });
    const file = join(mkdtempSync(join(tmpdir(), "t4flow-read-")), "login.yaml");
    writeFileSync(
      file,
      `version: 1\nname: login\nconnection:\n  url: ${sim.url}\n  auth:\n    api_key: \${KEY}\nsteps: [login]\n`,
    );
    const report = await runWorkflow(
      await loadLazily(file, { env: { KEY: "demo-api-key" } }),
      { onEvent: () => {} },
    );
    assert.equal(report.exit_code, 0);
    assert.deepEqual(report.steps.map((s) => [s.name, s.status]), [["login", "succeeded"]]);
  });
});
