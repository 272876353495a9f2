import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { processGone } from "../_support/process_gone.ts";
import { AlertDispatcher } from "../../lib/workflow/alert_dispatcher.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";

describe("command: alert sink", () => {
  it("kills the command's whole process group on timeout: no orphan left running", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t4flow-cmd-"));
    const pidFile = join(dir, "grandchild.pid");
    const workflow = parseWorkflow(
      `version: 1
name: w
connection: { env: sim, auth: { api_key: '\${K}' } }
steps: [login]
alerts:
  - on: failed
    to:
      - command: ["sh", "-c", "sleep 60 & echo $! > ${pidFile}; wait"]
`,
      "w.yaml",
      { env: { K: "k" } },
    );
    const alerts = new AlertDispatcher(
      workflow,
      { stdout: () => {}, stderr: () => {}, timeoutMs: 500, retryDelaysMs: [] },
      (t) => t,
    );
    alerts.fire("failed", {});
    await alerts.flush();
    const delivery = alerts.reports[0]?.sinks[0];
    assert.equal(delivery?.ok, false);
    assert.match(delivery?.error ?? "", /took longer than 500 ms/);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    assert.equal(await processGone(grandchild), true, "the command's child is still running");
  });
});
