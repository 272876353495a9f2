/**
 * Friction a new user met: every validation error in one pass (all unknown vars.X, order-guard
 * errors with schema errors, an unclosed `{{`), friendly messages instead of zod and parseArgs
 * texts, `${VAR:-default}` / `${VAR:?message}`, compound durations, and validate/run of several
 * files or a directory with a summary and the worst exit code.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CliIo } from "../../lib/cli/cli_io.ts";
import { main } from "../../lib/cli/main.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import { WorkflowValidationError } from "../../lib/workflow/workflow_diagnostic.ts";

function captureIo(
  env: Record<string, string> = {},
): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    out: () => out,
    err: () => err,
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    isTTY: false,
    env,
    onInterrupt: () => () => {},
  };
}

function write(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const HEAD = `version: 1
name: friction
connection:
  env: live
  auth: { api_key: "\${K}" }
`;

describe("validation in one pass", () => {
  it("reports every unknown vars.X, the order guard, an unclosed {{ and a sink list given as text together", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t4flow-friction-"));
    const file = write(
      dir,
      "all.yaml",
      `${HEAD}steps:
  - login
  - log: "{{ vars.one }}"
  - expect: { where: "vars.two == 1 && vars.three == 2" }
  - submit_order: { account: A, market: M, side: buy, type: market, volume: 1 }
alerts:
  - on: failed
    message: "failed {{ detail"
    to: stderr
`,
    );
    const io = captureIo({ K: "sk-friction-1" });
    assert.equal(await main(["validate", file], io), 2);
    const lines = io.err().trim().split("\n").map((l) => l.slice(file.length + 1));
    assert.deepEqual(lines, [
      "8:19: error: steps[1].log: Cannot read vars.one as no earlier step captures 'one': no variables are captured before this step",
      "9:28: error: steps[2].expect.where: Cannot read vars.two as no earlier step captures 'two': no variables are captured before this step",
      "9:45: error: steps[2].expect.where: Cannot read vars.three as no earlier step captures 'three': no variables are captured before this step",
      "10:5: error: steps[3].submit_order: Cannot send 1 order to env: live as live orders need the workflow to declare 'environment: live' and the command line flag --allow-live-orders",
      "13:22: error: alerts[0].message: unclosed '{{', expected '}}' after the variable name, e.g. {{ detail }}",
      `14:9: error: alerts[0].to: expected a list of sinks, e.g. 'to: [stderr]' or 'to: [{ file: alerts.jsonl }]', got "stderr"`,
    ]);
  });

  it("still checks later steps after an invalid step that captures", () => {
    assert.throws(
      () =>
        parseWorkflow(
          `${HEAD.replace("live", "sim")}steps:
  - login
  - capture: { message: market_depth, where: "vars.nope", values: { bid: msg.market_id } }
  - log: "{{ vars.bid }} {{ vars.typo }}"
`,
          "x.yaml",
          { env: { K: "sk-friction-1" } },
        ),
      (error: unknown) =>
        error instanceof WorkflowValidationError &&
        error.errors.map((d) => d.key).join(" ") ===
          "steps[1].capture.where steps[2].log" &&
        /vars\.typo/.test(error.errors[1]?.message ?? ""),
    );
  });
});

describe("friendly command-line messages", () => {
  it("suggests the option meant by a typo", async () => {
    const io = captureIo();
    assert.equal(await main(["run", "--hodl", "1s", "x.yaml"], io), 2);
    assert.equal(
      io.err(),
      "t4flow: Unknown option '--hodl'. Did you mean '--hold'?\nRun 't4flow run --help' for usage.\n",
    );
  });
});

describe("variables and durations", () => {
  it("${VAR:-default} fills in, ${VAR:?message} fails with the message, 1m30s is a duration", () => {
    const text = `version: 1
name: v
connection:
  env: sim
  auth: { api_key: "\${K:?set K to the API key}" }
steps:
  - login
  - hold: \${HOLD:-1m30s}
`;
    const workflow = parseWorkflow(text, "v.yaml", { env: { K: "sk-friction-1" } });
    assert.equal(workflow.steps[1]?.label, "hold 1m30s");
    assert.equal(
      parseWorkflow(text, "v.yaml", { env: { K: "sk-friction-1", HOLD: "" } })
        .steps[1]?.label,
      "hold 1m30s",
    );
    assert.equal(
      parseWorkflow(text, "v.yaml", { env: { K: "sk-friction-1", HOLD: "5s" } })
        .steps[1]?.label,
      "hold 5s",
    );
    assert.throws(
      () => parseWorkflow(text, "v.yaml", { env: {} }),
      (error: unknown) =>
        error instanceof WorkflowValidationError &&
        error.errors[0]?.line === 5 && error.errors[0]?.column === 21 &&
        error.errors[0]?.message === "environment variable K is not set: set K to the API key",
    );
  });
});

describe("several workflows", () => {
  it("validate DIR checks every workflow in it, prints a summary and exits with the worst code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t4flow-many-"));
    const checks = join(dir, "checks");
    mkdirSync(checks);
    const good = `${HEAD.replace("live", "sim")}steps:\n  - login\n  - hold: 1s\n`;
    write(checks, "a.yaml", good);
    write(checks, "b.yml", good.replace("hold: 1s", "hold: soon"));
    write(checks, "notes.txt", "not a workflow");
    const io = captureIo({ K: "sk-friction-1" });
    assert.equal(await main(["validate", checks], io), 2);
    assert.equal(
      io.out(),
      `✓ ${join(checks, "a.yaml")} is valid\n✗ ${
        join(checks, "b.yml")
      } is invalid (1 error)\n2 workflows: 1 valid, 1 invalid\n`,
    );
  });

  it("run of several files runs each, prints a summary and exits with the worst code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t4flow-many-"));
    const good = `${HEAD.replace("live", "sim")}steps:\n  - login\n  - hold: 1s\n`;
    const a = write(dir, "a.yaml", good);
    const b = write(dir, "b.yaml", good.replace("hold: 1s", "hold: soon"));
    const io = captureIo({ K: "sk-friction-1" });
    // Both are checked before anything connects: b is invalid (exit 2), a would need a server,
    // so --dry-run keeps the test off the network.
    assert.equal(await main(["run", "--dry-run", a, b], io), 2);
    assert.match(
      io.out(),
      /2 workflows: 1 succeeded, 1 failed \(exit 2\)\n {2}✗ .*b\.yaml exit 2\n$/,
    );
  });
});
