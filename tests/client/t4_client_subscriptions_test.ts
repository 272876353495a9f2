import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  NotConnectedError,
  RequestTimeoutError,
  SubscriptionRejectedError,
} from "../../lib/client/errors.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { MarketMode } from "../../lib/protocol/proto.ts";
import { startSimulator } from "../../lib/sim/mod.ts";
import { connected, MARKET, outcome, relogin, setup } from "../_support/client_harness.ts";

const UNKNOWN = { exchangeId: "CME_Eq", contractId: "ZZ", marketId: "XCME_Eq ZZ (Z99)" };

describe("T4Client subscription outcomes", () => {
  it("resolves a market subscription on its first MarketDetails or MarketDepth", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    let done = 0;
    const details = t.client.subscribeMarket(MARKET).then(() => done++);
    const depth = t.client.subscribeMarket({ ...MARKET, marketId: "M2" }).then(() => done++);
    await t.clock.advance(0);
    assert.equal(done, 0, "not before the server answered");
    t.net.last.reply({ payload: { case: "marketDetails", value: { marketId: MARKET.marketId } } });
    t.net.last.reply({ payload: { case: "marketDepth", value: { marketId: "M2" } } });
    await Promise.all([details, depth]);
    assert.equal(done, 2);
    await t.client.close();
  });

  it("rejects a refused market with SubscriptionRejectedError and never replays it", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const refused = outcome(t.client.subscribeMarket(UNKNOWN));
    const byOrder = outcome(t.client.subscribeMarketByOrder(UNKNOWN));
    t.net.last.reply({
      payload: {
        case: "marketDepthSubscribeReject",
        value: { marketId: UNKNOWN.marketId, mode: MarketMode.REJECTED },
      },
    });
    t.net.last.reply({
      payload: {
        case: "marketByOrderSubscribeReject",
        value: { marketId: UNKNOWN.marketId, mode: MarketMode.REJECTED },
      },
    });
    const r = await refused;
    assert.ok("e" in r && r.e instanceof SubscriptionRejectedError);
    assert.deepEqual([r.e.kind, r.e.marketId, r.e.mode], [
      "market_depth",
      UNKNOWN.marketId,
      "REJECTED",
    ]);
    assert.equal(
      r.e.message,
      "Cannot subscribe to market XCME_Eq ZZ (Z99) (depth) as the server refused it: mode REJECTED",
    );
    const b = await byOrder;
    assert.ok(
      "e" in b && b.e instanceof SubscriptionRejectedError && b.e.kind === "market_by_order",
    );
    assert.equal(t.client.subscriptionCount, 0);
    t.net.last.drop();
    const second = await relogin(t, 250);
    assert.deepEqual(second.cases(), ["loginRequest"], "refused subscriptions are not replayed");
    await t.client.close();
  });

  it("rejects a refused account with the server's errors and never replays it", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const ok = t.client.subscribeAccount({ accountId: "A1" });
    const refused = outcome(t.client.subscribeAccount({ accountId: "NOPE" }));
    t.net.last.reply({ payload: { case: "accountSubscribeResponse", value: { success: true } } });
    t.net.last.reply({
      payload: {
        case: "accountSubscribeResponse",
        value: { success: false, errors: ["Account 'NOPE' is not available to this user"] },
      },
    });
    await ok;
    const r = await refused;
    assert.ok("e" in r && r.e instanceof SubscriptionRejectedError);
    assert.equal(r.e.accountId, "NOPE");
    assert.deepEqual(r.e.errors, ["Account 'NOPE' is not available to this user"]);
    assert.match(
      r.e.message,
      /^Cannot subscribe to account NOPE as the server refused it: Account/,
    );
    t.net.last.drop();
    const second = await relogin(t, 250);
    assert.deepEqual(second.cases(), ["loginRequest", "accountSubscribe"], "only A1 is replayed");
    await t.client.close();
  });

  it("forgets a replayed subscription the server now refuses, with a status event", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const sub = t.client.subscribeMarket(MARKET);
    t.net.last.reply({ payload: { case: "marketDetails", value: { marketId: MARKET.marketId } } });
    await sub;
    t.net.last.drop();
    const second = await relogin(t, 250);
    second.reply({
      payload: {
        case: "marketDepthSubscribeReject",
        value: { marketId: MARKET.marketId, mode: MarketMode.REJECTED },
      },
    });
    const e = t.events.find((e) => e.type === "subscription_rejected");
    assert.deepEqual(
      e?.type === "subscription_rejected" && [e.kind, e.marketId, e.reason],
      ["market_depth", MARKET.marketId, "mode REJECTED"],
    );
    assert.equal(t.client.subscriptionCount, 0);
    await t.client.close();
  });

  it("times out a subscription nobody answers and refuses one without a session", async () => {
    const t = await connected({ heartbeatMs: 600_000, requestTimeoutMs: 1000 });
    const silent = outcome(t.client.subscribeMarket(MARKET, { timeoutMs: 500 }));
    await t.clock.advance(500);
    const s = await silent;
    assert.ok("e" in s && s.e instanceof RequestTimeoutError);
    await t.client.close();
    const idle = setup();
    await assert.rejects(idle.client.subscribeAccount({ accountId: "A1" }), NotConnectedError);
    assert.equal(idle.net.sockets.length, 0);
  });
});

describe("T4Client subscription outcomes against the simulator", () => {
  it("confirms known markets and accounts and refuses unknown ones with the server's reason", async () => {
    await using sim = await startSimulator({ seed: 3 });
    await using client = new T4Client({ url: sim.url, auth: { apiKey: "demo-api-key" } });
    const session = await client.connect();
    const es = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };
    await client.subscribeMarket(es);
    await client.subscribeMarketByOrder(es);
    await client.subscribeAccount({ accountId: session.accounts[0]!.accountId });
    await assert.rejects(
      client.subscribeMarket(UNKNOWN),
      (e: unknown) => e instanceof SubscriptionRejectedError && e.marketId === UNKNOWN.marketId,
    );
    await assert.rejects(
      client.subscribeMarketByOrder(UNKNOWN),
      (e: unknown) => e instanceof SubscriptionRejectedError && e.kind === "market_by_order",
    );
    await assert.rejects(
      client.subscribeAccount({ accountId: "ACC-NOT-MINE" }),
      (e: unknown) =>
        e instanceof SubscriptionRejectedError && /ACC-NOT-MINE/.test(e.errors.join(" ")),
    );
    assert.equal(client.subscriptionCount, 3);
  });
});
