import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import {
  formatDiagnostic,
  WorkflowValidationError,
} from "../../lib/workflow/workflow_diagnostic.ts";

const HEAD = "version: 1\nname: w\nconnection:\n  env: sim\n  auth:\n    api_key: ${K}\n";

function errorsOf(text: string): string[] {
  try {
    parseWorkflow(text, "w.yaml", { env: { K: "k" } });
  } catch (error) {
    assert.ok(error instanceof WorkflowValidationError);
    return error.errors.map(formatDiagnostic);
  }
  assert.fail("expected the workflow to be invalid");
}

describe("connection minimums", () => {
  it("refuses a reconnect loop without delay and a 1 ms heartbeat at validation", () => {
    const errors = errorsOf(
      `${HEAD}  heartbeat: 1ms\n  reconnect: { initial_delay: 0ms, max_delay: 0ms }\nsteps: [login]\n`,
    );
    assert.deepEqual(errors, [
      'w.yaml:7:14: error: connection.heartbeat: expected a duration of at least 100ms, got "1ms"',
      'w.yaml:8:31: error: connection.reconnect.initial_delay: expected a duration of at least 50ms, got "0ms"',
      'w.yaml:8:47: error: connection.reconnect.max_delay: expected a duration of at least 200ms, got "0ms"',
    ]);
  });

  it("accepts the minimums themselves and 1000 h timers", () => {
    const workflow = parseWorkflow(
      `${HEAD}  heartbeat: 100ms\n  login_timeout: 1000h\n  reconnect: { initial_delay: 50ms, max_delay: 200ms }\nsteps: [login]\n`,
      "w.yaml",
      { env: { K: "k" } },
    );
    assert.equal(workflow.connection.heartbeatMs, 100);
    assert.equal(workflow.connection.loginTimeoutMs, 1000 * 3_600_000);
    assert.deepEqual(workflow.connection.reconnect, { initialDelayMs: 50, maxDelayMs: 200 });
  });
});
