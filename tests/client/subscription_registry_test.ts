import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SubscriptionRegistry } from "../../lib/client/subscription_registry.ts";

const ES = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };
const NQ = { exchangeId: "CME_Eq", contractId: "NQ", marketId: "XCME_Eq NQ (Z26)" };
const frame = (n: number) => new Uint8Array([n]);

describe("SubscriptionRegistry", () => {
  it("keeps exactly the last frame per market and kind, in first-subscribed order", () => {
    const registry = new SubscriptionRegistry();
    const last = frame(3);
    registry.setMarket("market_depth", ES, frame(1));
    registry.setMarket("market_by_order", ES, frame(2));
    registry.setAccount("A1", frame(4));
    registry.setMarket("market_depth", ES, last);
    registry.setMarket("market_depth", NQ, frame(5));
    const frames = [...registry.frames()];
    assert.deepEqual(frames.map((f) => f[0]), [3, 2, 4, 5]);
    assert.equal(frames[0], last, "the very bytes recorded");
    assert.equal(registry.size, 4);
  });

  it("forgets unsubscribed markets and accounts only", () => {
    const registry = new SubscriptionRegistry();
    registry.setMarket("market_depth", ES, frame(1));
    registry.setMarket("market_by_order", ES, frame(2));
    registry.setAccount("A1", frame(3));
    assert.equal(registry.deleteMarket("market_depth", ES), true);
    assert.equal(registry.deleteMarket("market_depth", ES), false);
    assert.equal(registry.deleteAccount("A2"), false);
    assert.deepEqual([...registry.frames()].map((f) => f[0]), [2, 3]);
    assert.equal(registry.deleteAccount("A1"), true);
    registry.clear();
    assert.equal(registry.size, 0);
  });

  it("never confuses markets whose ids concatenate alike", () => {
    const registry = new SubscriptionRegistry();
    registry.setMarket(
      "market_depth",
      { exchangeId: "A", contractId: "BC", marketId: "D" },
      frame(1),
    );
    registry.setMarket(
      "market_depth",
      { exchangeId: "AB", contractId: "C", marketId: "D" },
      frame(2),
    );
    assert.equal(registry.size, 2);
  });
});
