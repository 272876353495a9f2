import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DepthBuffer,
  DepthLevels,
  MarketMode,
  type ServerMessage,
} from "../../lib/protocol/proto.ts";
import { encodeServerMessage } from "../../lib/protocol/frame_codec.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { DEMO_API_KEY, startSimulator } from "../../lib/sim/mod.ts";
import { pause, SimClient, until } from "../fixtures/sim/sim_client.ts";

const ES = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };

async function loggedIn(url: string): Promise<SimClient> {
  const client = await SimClient.connect(url);
  await client.login({ apiKey: DEMO_API_KEY });
  return client;
}

function subscribe(
  client: SimClient,
  market = ES,
  depthLevels = DepthLevels.NORMAL,
  buffer = DepthBuffer.SMART,
) {
  client.send({
    payload: { case: "marketDepthSubscribe", value: { ...market, buffer, depthLevels } },
  });
}

test("sim market: subscribing sends MarketDetails and a 10-level MarketDepth", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, seed: 5 });
  const client = await loggedIn(sim.url);
  subscribe(client);
  const details = await client.next("marketDetails");
  assert.equal(details.marketId, ES.marketId);
  assert.equal(details.exchangeId, "CME_Eq");
  assert.equal(details.contractId, "ES");
  assert.equal(details.minPriceIncrement?.value, "0.25");
  assert.equal(details.pointValue?.value, "50");
  const depth = await client.next("marketDepth");
  assert.equal(depth.marketId, ES.marketId);
  assert.equal(depth.bids.length, 10);
  assert.equal(depth.offers.length, 10);
  assert.equal(depth.mode, MarketMode.OPEN);
  const bid = Number(depth.bids[0]!.price!.value);
  const offer = Number(depth.offers[0]!.price!.value);
  assert.equal(offer - bid, 0.25);
  assert.ok(Number(depth.bids[1]!.price!.value) < bid);
  await client.next("marketHighLow");
  await client.close();
});

test("sim market: BEST_ONLY gets one level and ALL gets the whole book", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, bookDepth: 15 });
  const client = await loggedIn(sim.url);
  subscribe(client, ES, DepthLevels.BEST_ONLY);
  const best = await client.next("marketDepth");
  assert.equal(best.bids.length, 1);
  assert.equal(best.depthLevels, DepthLevels.BEST_ONLY);
  subscribe(client, ES, DepthLevels.ALL);
  const all = await client.next("marketDepth");
  assert.equal(all.bids.length, 15);
  assert.equal(all.offers.length, 15);
  await client.close();
});

test("sim market: depth updates arrive every step and CL is on CME_En", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, depthIntervalMs: 100, heartbeatMs: 60_000 });
  const client = await loggedIn(sim.url);
  subscribe(client, { exchangeId: "CME_En", contractId: "CL", marketId: "XCME_En CL (F27)" });
  await client.next("marketDepth");
  await clock.advance(500);
  await until(() => client.count("marketDepth") >= 5, "5 depth updates");
  const depth = client.take("marketDepth");
  assert.equal(depth.length, 5);
  for (const m of depth) {
    assert.ok(m.payload.case === "marketDepth");
    assert.match(m.payload.value.bids[0]!.price!.value, /^\d+\.\d{2}$/);
  }
  await client.close();
});

test("sim market: the SLOW buffer gets every 4th step and TRADE_ONLY no depth", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, depthIntervalMs: 100, heartbeatMs: 60_000 });
  const slow = await loggedIn(sim.url);
  subscribe(slow, ES, DepthLevels.NORMAL, DepthBuffer.SLOW_SMART);
  await slow.next("marketDepth");
  await clock.advance(800);
  await pause(100);
  assert.equal(slow.count("marketDepth"), 2);
  subscribe(slow, ES, DepthLevels.NORMAL, DepthBuffer.TRADE_ONLY);
  await slow.next("marketDetails");
  slow.take("marketDepth");
  await clock.advance(2_000);
  await until(() => slow.count("marketDepthTrade") >= 2, "trades");
  assert.equal(slow.count("marketDepth"), 0);
  await slow.close();
});

test("sim market: trades and high/low arrive as the book walks", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, depthIntervalMs: 100, heartbeatMs: 60_000 });
  const client = await loggedIn(sim.url);
  subscribe(client);
  await client.next("marketHighLow");
  await clock.advance(3_000);
  const trade = await client.next("marketDepthTrade");
  assert.equal(trade.marketId, ES.marketId);
  assert.ok(trade.lastTradeVolume > 0);
  assert.ok(trade.totalTradedVolume >= trade.lastTradeVolume);
  const highLow = await client.next("marketHighLow");
  assert.ok(Number(highLow.highPrice!.value) > Number(highLow.lowPrice!.value));
  await client.close();
});

test("sim market: an unknown market is rejected with MarketDepthSubscribeReject", async () => {
  await using sim = await startSimulator();
  const client = await loggedIn(sim.url);
  subscribe(client, { exchangeId: "CME_Eq", contractId: "ZZ", marketId: "XCME_Eq ZZ (Z26)" });
  const reject = await client.next("marketDepthSubscribeReject");
  assert.equal(reject.marketId, "XCME_Eq ZZ (Z26)");
  assert.equal(reject.mode, MarketMode.REJECTED);
  await client.close();
});

test("sim market: the NO_SUBSCRIPTION buffer unsubscribes", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, depthIntervalMs: 100, heartbeatMs: 60_000 });
  const client = await loggedIn(sim.url);
  subscribe(client);
  await client.next("marketDepth");
  subscribe(client, ES, DepthLevels.NORMAL, DepthBuffer.NO_SUBSCRIPTION);
  // A round trip proves the unsubscribe was processed before time moves.
  client.send({ payload: { case: "authenticationTokenRequest", value: { requestId: "sync" } } });
  await client.next("authenticationToken");
  await clock.advance(1_000);
  await pause(100);
  assert.equal(client.count("marketDepth"), 0);
  assert.equal(client.count("marketDepthTrade"), 0);
  await client.close();
});

async function depthBytes(seed: number): Promise<string[]> {
  const clock = new FakeClock(1_000);
  await using sim = await startSimulator({
    clock,
    seed,
    depthIntervalMs: 100,
    heartbeatMs: 60_000,
  });
  const client = await loggedIn(sim.url);
  subscribe(client);
  await client.next("marketDepth");
  await clock.advance(1_000);
  await until(() => client.count("marketDepth") >= 10, "10 updates");
  const out = client.take("marketDepth").map((m: ServerMessage) =>
    encodeServerMessage(m).join(",")
  );
  await client.close();
  return out;
}

test("sim market: the same seed gives the same book frames, another seed differs", async () => {
  const a = await depthBytes(42);
  const b = await depthBytes(42);
  const c = await depthBytes(43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});
