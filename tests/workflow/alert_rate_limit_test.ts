import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { AlertDispatcher } from "../../lib/workflow/alert_dispatcher.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";

function dispatcher(extra: string, clock: FakeClock, out: string[]) {
  const workflow = parseWorkflow(
    `version: 1
name: w
connection: { env: sim, auth: { api_key: '\${K}' } }
steps: [login]
alerts:
  - on: disconnected
    repeat: true
${extra}    message: "dropped: {{ reason }}"
    to: [stdout]
`,
    "w.yaml",
    { env: { K: "k" } },
  );
  return new AlertDispatcher(workflow, {
    stdout: (t) => void out.push(t),
    stderr: () => {},
    clock,
  }, (t) => t);
}

describe("repeating alerts are rate-limited", () => {
  it("23 drops in 4 s send one alert; the next one after min_interval counts the rest", async () => {
    const clock = new FakeClock(0);
    const out: string[] = [];
    const alerts = dispatcher("", clock, out);
    for (let i = 0; i < 23; i++) {
      alerts.fire("disconnected", { reason: "error" });
      await clock.advance(170);
    }
    await clock.advance(10_000);
    alerts.fire("disconnected", { reason: "dead_peer" });
    await alerts.flush();
    assert.deepEqual(out, [
      "alert: dropped: error\n",
      "alert: dropped: dead_peer (22 more suppressed by min_interval)\n",
    ]);
    assert.equal(alerts.reports[1]?.suppressed, 22);
  });

  it("min_interval is configurable, and 0s turns the limit off", async () => {
    for (
      const [extra, expected] of [["    min_interval: 1m\n", 2], [
        "    min_interval: 0s\n",
        5,
      ]] as const
    ) {
      const clock = new FakeClock(0);
      const out: string[] = [];
      const alerts = dispatcher(extra, clock, out);
      for (let i = 0; i < 5; i++) {
        alerts.fire("disconnected", { reason: "error" });
        await clock.advance(20_000);
      }
      await alerts.flush();
      assert.equal(out.length, expected, extra);
    }
  });
});
