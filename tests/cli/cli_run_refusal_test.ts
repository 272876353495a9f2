/**
 * A run the runner refuses before connecting (checks that need the run's own options) says why,
 * with file, line, column and key, like a workflow the loader refuses: before, `market: front`
 * with `--url` and no REST API, or under `--replay`, exited 2 with nothing printed at all.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../_support/cli.ts";

const WORKFLOW = `version: 1
name: front-check
connection:
  env: sim
  auth:
    api_key: \${T4_API_KEY}
steps:
  - login
  - subscribe_market: { exchange: CME_Eq, contract: ES, market: front }
`;

function workflowFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "t4flow-refusal-")), "front.yaml");
  writeFileSync(file, WORKFLOW);
  return file;
}

test("run: market: front with --url and no REST API says why it cannot run (exit 2)", async () => {
  const file = workflowFile();
  // Nothing listens on port 9: a connection attempt would end in exit 3, not 2.
  const result = await runCli(["run", file, "--url", "ws://127.0.0.1:9/v1"], {
    T4_API_KEY: "key",
    NO_COLOR: "1",
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /front\.yaml:9:5: error: connection\.api: missing REST API for market: front/,
  );
  assert.match(result.stderr, /front\.yaml cannot run \(1 error\): nothing was sent/);
});

test("run --json: the refusal is a diagnostic line on stdout", async () => {
  const file = workflowFile();
  const result = await runCli(["run", file, "--url", "ws://127.0.0.1:9/v1", "--json"], {
    T4_API_KEY: "key",
  });
  assert.equal(result.code, 2, result.stderr);
  const diagnostics = result.stdout.split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { type: string; key?: string; line?: number })
    .filter((e) => e.type === "diagnostic");
  assert.deepEqual(diagnostics.map((d) => [d.key, d.line]), [["connection.api", 9]]);
});
