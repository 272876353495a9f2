/**
 * Secrets are scrubbed structurally (strings where they stand), never by replacing text inside
 * serialized JSON: a numeric PIN inside a timestamp cannot corrupt an event and hide that the
 * session ended, and a one-character secret does not mangle unrelated words.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import type { RunEvent } from "../../lib/workflow/run_report.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { FAKE_SESSION, FakeClient } from "../_support/fake_workflow_client.ts";

function workflow(password: string, license: string) {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-redact-"));
  const text = `version: 1
name: redaction
connection:
  url: ws://127.0.0.1:9/v1
  auth:
    firm: F
    username: u
    password: \${PW}
    app_name: A
    app_license: \${LIC}
steps:
  - login
  - hold: 30s
`;
  return parseWorkflow(text, join(dir, "w.yaml"), { env: { PW: password, LIC: license }, dir });
}

async function endedRun(password: string, license: string, start: number) {
  const clock = new FakeClock(start);
  let client: FakeClient | undefined;
  const events: RunEvent[] = [];
  const running = runWorkflow(workflow(password, license), {
    clock,
    onEvent: (e) => events.push(e),
    io: { stdout: () => {}, stderr: () => {} },
    createClient: (
      options,
    ) => (client = new FakeClient(options, () => Promise.resolve(FAKE_SESSION))),
  });
  await clock.advance(2_000);
  client!.emit({
    type: "closed",
    at: clock.now(),
    reason: "the connection was lost and reconnecting is disabled",
  });
  for (let i = 0; i < 100; i++) await clock.advance(500);
  return { report: await running, events };
}

describe("structural redaction", () => {
  it("keeps events intact and still sees the session end when a numeric secret is in a timestamp", async () => {
    // 1764594567000 contains the PIN 4567.
    const { report, events } = await endedRun("4567", "license-xyz", 1764594565000);
    assert.equal(report.exit_code, 1, "the run saw that the session ended");
    const closed = events.find((e) => e.type === "status" && e.event.type === "closed");
    assert.ok(closed?.type === "status");
    assert.equal(closed.event.at, 1764594567000, "numbers are never rewritten");
  });

  it("does not let a one-character secret mangle unrelated words", async () => {
    const { report } = await endedRun("password-long", "e", 0);
    assert.equal(
      report.steps[1]?.error?.message,
      "Cannot continue as the session ended: the connection was lost and reconnecting is disabled",
    );
  });
});
