import { test } from "node:test";
import assert from "node:assert/strict";
import { runSoak } from "../../bench/soak.ts";

test("soak: three drops under depth floods keep the subscription with one re-login each", async () => {
  // Count-bounded and event-driven: no timing is judged, deadlines are generous.
  const result = await runSoak({
    maxDrops: 3,
    dropEveryMs: 0,
    floodFrames: 300,
    durationMs: 120_000,
    waitDeadlineMs: 30_000,
    // Three cycles are too few to judge memory; the full soak does.
    maxHeapGrowth: Infinity,
  });
  assert.deepEqual(result.failures, []);
  assert.equal(result.drops, 3);
  assert.equal(result.loginRequests, 4);
  assert.equal(result.connections, 4);
  assert.equal(result.reconnects, 3);
  assert.equal(result.disconnects, 3);
  assert.equal(result.replayedOne, 3);
  assert.equal(result.depthResumed, 3);
  assert.ok(result.floodFramesReceived >= 3 * 300, `${result.floodFramesReceived} flood frames`);
  assert.ok(result.subscribedDepthReceived >= 4);
  assert.equal(result.frameErrors, 0);
  assert.equal(result.workflow.status, "succeeded");
  assert.equal(result.workflow.exitCode, 0);
  assert.deepEqual(result.workflow.steps.map((s) => s.split(": ")[1]), [
    "succeeded",
    "succeeded",
    "succeeded",
    "succeeded",
  ]);
  assert.equal(result.heapUsed.samples, 4);
});
