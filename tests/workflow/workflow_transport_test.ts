/**
 * `connection.transport`: a workflow picks the socket transport, which the run hands to the client
 * (and which logs in to the simulator); an unknown transport is an error at its line and column.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { T4Client, type T4ClientOptions } from "../../lib/client/t4_client.ts";
import { DEMO_API_KEY, startSimulator } from "../../lib/sim/mod.ts";
import { loadWorkflow } from "../../lib/workflow/load_workflow.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { WorkflowValidationError } from "../../lib/workflow/workflow_diagnostic.ts";

function workflowFile(url: string, transport: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "t4flow-transport-")), "w.yaml");
  writeFileSync(
    file,
    [
      "version: 1",
      "name: transport",
      "connection:",
      `  url: ${url}`,
      `  transport: ${transport}`,
      "  auth:",
      "    api_key: ${KEY}",
      "steps:",
      "  - login",
      "",
    ].join("\n"),
  );
  return file;
}

test("connection.transport: socket reaches the client, which logs in to the simulator", async () => {
  await using sim = await startSimulator({ port: 0, seed: 1 });
  const workflow = loadWorkflow(workflowFile(sim.url, "socket"), { env: { KEY: DEMO_API_KEY } });
  assert.equal(workflow.connection.transport, "socket");
  const seen: T4ClientOptions[] = [];
  const report = await runWorkflow(workflow, {
    createClient: (options) => {
      seen.push(options);
      return new T4Client(options);
    },
    io: { stdout: () => {}, stderr: () => {} },
  });
  assert.equal(report.status, "succeeded");
  assert.deepEqual(seen.map((o) => o.transport), ["socket"]);
});

test("an unknown connection.transport is an error at its line and column", () => {
  assert.throws(
    () => loadWorkflow(workflowFile("ws://127.0.0.1:1/v1", "tcp"), { env: { KEY: "k" } }),
    (error) => {
      assert.ok(error instanceof WorkflowValidationError);
      assert.deepEqual(
        error.errors.map((d) => [d.line, d.column, d.key, d.message]),
        [[5, 14, "connection.transport", 'expected websocket or socket, got "tcp"']],
      );
      return true;
    },
  );
});
