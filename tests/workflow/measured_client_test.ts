/**
 * The run's client as steps see it: every argument and the request object itself (with its
 * `tags`) pass through; subscribes are noted and order requests timed in every collector.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionMetrics } from "../../lib/client/session_metrics.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { measuredClient } from "../../lib/workflow/measured_client.ts";
import type { WorkflowClient } from "../../lib/workflow/step_context.ts";

/** A client with #private state, as T4Client has: methods must run with the real `this`. */
class PrivateClient {
  #calls: unknown[][] = [];
  readonly stats = {
    reconnects: 0,
    heartbeatsSent: 0,
    heartbeatsReceived: 0,
    frameErrors: 0,
    framesReceived: 0,
  };
  get calls(): unknown[][] {
    return this.#calls;
  }
  connect() {
    return Promise.reject(new Error("offline"));
  }
  onStatus() {
    return () => {};
  }
  close() {
    return Promise.resolve();
  }
  subscribeMarket(...args: unknown[]) {
    this.#calls.push(["subscribeMarket", ...args]);
    return "confirmation";
  }
  submitOrder(...args: unknown[]) {
    this.#calls.push(["submitOrder", ...args]);
    return Object.assign(Promise.resolve([]), { tags: ["t-1"] });
  }
}

describe("measuredClient", () => {
  it("passes every argument through, keeps the request object and feeds every collector", async () => {
    const clock = new FakeClock(0);
    const inner = new PrivateClient();
    const a = new SessionMetrics({ clock });
    const b = new SessionMetrics({ clock });
    const client = measuredClient(inner as unknown as WorkflowClient, [a, b]);
    const market = { exchangeId: "CME_Eq", contractId: "ES", marketId: "M" };
    assert.equal(client.subscribeMarket!(market), "confirmation");
    const options = { timeoutMs: 5 };
    const request = client.submitOrder!({ accountId: "A", marketId: "M", orders: [] }, options);
    assert.deepEqual((request as unknown as { tags: string[] }).tags, ["t-1"]);
    await request;
    assert.deepEqual(inner.calls, [
      ["subscribeMarket", market],
      ["submitOrder", { accountId: "A", marketId: "M", orders: [] }, options],
    ]);
    assert.equal(a.orderRoundTrip.count, 1);
    assert.equal(b.orderRoundTrip.count, 1);
    assert.equal(client.stats, inner.stats);
    assert.equal(client.submitOrder, client.submitOrder, "bound once");
  });
});
