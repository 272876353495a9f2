/**
 * Market-by-order on the embedded simulator, driven by a plain WebSocket through the codec (and
 * once through T4Client): the snapshot and every step's updates add up to the depth book.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { T4Client } from "../../lib/client/t4_client.ts";
import {
  BidOffer,
  DepthBuffer,
  DepthLevels,
  MarketByOrderUpdate_UpdateType,
  MarketMode,
} from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import type { ServerMessage } from "../../lib/protocol/proto.ts";
import { encodeServerMessage } from "../../lib/protocol/frame_codec.ts";
import { DEMO_API_KEY, startSimulator } from "../../lib/sim/mod.ts";
import { pause, SimClient, until, type ValueOf, within } from "../fixtures/sim/sim_client.ts";

const ES = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };
const NQ = { exchangeId: "CME_Eq", contractId: "NQ", marketId: "XCME_Eq NQ (Z26)" };

async function loggedIn(url: string): Promise<SimClient> {
  const client = await SimClient.connect(url);
  await client.login({ apiKey: DEMO_API_KEY });
  return client;
}

function byOrder(client: SimClient, subscribe: boolean, market = ES): void {
  client.send({ payload: { case: "marketByOrderSubscribe", value: { ...market, subscribe } } });
}

function depthAll(client: SimClient, market = ES): void {
  client.send({
    payload: {
      case: "marketDepthSubscribe",
      value: { ...market, buffer: DepthBuffer.SMART, depthLevels: DepthLevels.ALL },
    },
  });
}

/** A round trip: everything sent before it has been processed by the simulator. */
async function sync(client: SimClient): Promise<void> {
  client.send({ payload: { case: "authenticationTokenRequest", value: { requestId: "sync" } } });
  await client.next("authenticationToken");
}

interface Resting {
  side: BidOffer;
  price: string;
  volume: number;
  priority: bigint;
}

/** A client-side order-by-order book. */
class Book {
  readonly orders = new Map<bigint, Resting>();

  constructor(snapshot: ValueOf<"marketByOrderSnapshot">) {
    for (const o of snapshot.orders) {
      assert.ok(!this.orders.has(o.orderId), `order ${o.orderId} twice in the snapshot`);
      assert.ok(o.volume > 0);
      this.orders.set(o.orderId, {
        side: o.bidOffer,
        price: o.price!.value,
        volume: o.volume,
        priority: o.priority,
      });
    }
  }

  apply(update: ValueOf<"marketByOrderUpdate">): void {
    for (const u of update.updates) {
      if (u.updateType === MarketByOrderUpdate_UpdateType.DELETE) {
        assert.ok(this.orders.delete(u.orderId), `delete of unknown order ${u.orderId}`);
        continue;
      }
      assert.equal(u.updateType, MarketByOrderUpdate_UpdateType.ADD_OR_UPDATE);
      assert.ok(u.volume > 0, `order ${u.orderId} with volume ${u.volume}`);
      const known = this.orders.get(u.orderId);
      if (known !== undefined) {
        assert.equal(known.side, u.bidOffer, "an order never changes side");
        assert.equal(known.price, u.price!.value, "an order never changes price");
      }
      this.orders.set(u.orderId, {
        side: u.bidOffer,
        price: u.price!.value,
        volume: u.volume,
        priority: u.priority,
      });
    }
  }

  /** Levels as `side price -> volume/orders`, comparable with a MarketDepth. */
  levels(): Map<string, string> {
    const sums = new Map<string, { volume: number; count: number }>();
    for (const o of this.orders.values()) {
      const key = `${BidOffer[o.side]} ${o.price}`;
      const level = sums.get(key) ?? { volume: 0, count: 0 };
      level.volume += o.volume;
      level.count++;
      sums.set(key, level);
    }
    return new Map([...sums].map(([k, v]) => [k, `${v.volume}/${v.count}`]));
  }
}

function depthLevels(depth: ValueOf<"marketDepth">): Map<string, string> {
  const out = new Map<string, string>();
  for (
    const [side, levels] of [[BidOffer.BID, depth.bids], [BidOffer.OFFER, depth.offers]] as const
  ) {
    for (const l of levels) {
      out.set(`${BidOffer[side]} ${l.price!.value}`, `${l.volume}/${l.numOrders}`);
    }
  }
  return out;
}

test("sim market-by-order: the snapshot holds the depth book's orders, level by level", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({
    clock,
    seed: 5,
    depthIntervalMs: 100,
    heartbeatMs: 60_000,
  });
  const client = await loggedIn(sim.url);
  depthAll(client);
  const depth = await client.next("marketDepth");
  byOrder(client, true);
  const snapshot = await client.next("marketByOrderSnapshot");
  assert.equal(snapshot.marketId, ES.marketId);
  assert.equal(snapshot.mode, MarketMode.OPEN);
  assert.equal(snapshot.lastSequence, 0n);
  assert.equal(depth.bids.length, 20);
  const book = new Book(snapshot);
  assert.deepEqual(book.levels(), depthLevels(depth));
  // Bids best first, then offers best first; within a level, in priority order.
  const bidPrices = snapshot.orders.filter((o) => o.bidOffer === BidOffer.BID).map((o) =>
    Number(o.price!.value)
  );
  assert.deepEqual(bidPrices, [...bidPrices].sort((a, b) => b - a));
  assert.equal(snapshot.orders.at(-1)!.bidOffer, BidOffer.OFFER);
  for (let i = 1; i < snapshot.orders.length; i++) {
    const [a, b] = [snapshot.orders[i - 1]!, snapshot.orders[i]!];
    if (a.price!.value === b.price!.value && a.bidOffer === b.bidOffer) {
      assert.ok(a.priority < b.priority, "priority order within a level");
    }
  }
  await client.close();
});

test("sim market-by-order: updates and trades follow the depth book step by step", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({
    clock,
    seed: 9,
    depthIntervalMs: 100,
    heartbeatMs: 60_000,
  });
  const client = await loggedIn(sim.url);
  depthAll(client);
  await client.next("marketDepth");
  byOrder(client, true);
  const book = new Book(await client.next("marketByOrderSnapshot"));
  let sequence = 0n;
  await clock.advance(3_000);
  await until(() => client.count("marketDepth") >= 30, "30 depth updates");
  let checked = 0;
  let trades = 0;
  let lastTrade: ValueOf<"marketByOrderTrade"> | undefined;
  for (const message of client.inbox.splice(0) as ServerMessage[]) {
    const p = message.payload;
    switch (p.case) {
      case "marketByOrderUpdate":
        assert.equal(p.value.sequence, ++sequence, "no sequence gap");
        assert.ok(p.value.updates.length > 0);
        book.apply(p.value);
        break;
      case "marketByOrderTrade": {
        assert.equal(p.value.sequence, ++sequence, "no sequence gap");
        trades++;
        lastTrade = p.value;
        const price = p.value.tradePrice!.value;
        let filled = 0;
        for (const o of p.value.orders) {
          const resting = book.orders.get(o.orderId);
          assert.ok(resting !== undefined, `the trade filled unknown order ${o.orderId}`);
          assert.equal(resting.price, price);
          assert.equal(resting.side, o.bidOffer);
          assert.notEqual(p.value.aggressorSide, o.bidOffer, "the aggressor hits the other side");
          assert.ok(o.volume > 0 && o.volume <= resting.volume);
          filled += o.volume;
        }
        assert.equal(filled, p.value.tradeVolume);
        break;
      }
      case "marketDepth":
        assert.deepEqual(book.levels(), depthLevels(p.value), `step ${checked + 1}`);
        checked++;
        break;
      case "marketDepthTrade":
        assert.equal(p.value.lastTradePrice!.value, lastTrade?.tradePrice?.value);
        assert.equal(p.value.lastTradeVolume, lastTrade?.tradeVolume);
        break;
    }
  }
  assert.ok(checked >= 30);
  assert.ok(trades >= 3, `${trades} trades in 30 steps`);
  await client.close();
});

test("sim market-by-order: subscribe false stops the updates", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, depthIntervalMs: 100, heartbeatMs: 60_000 });
  const client = await loggedIn(sim.url);
  byOrder(client, true);
  await client.next("marketByOrderSnapshot");
  await clock.advance(100);
  await client.next("marketByOrderUpdate");
  byOrder(client, false);
  depthAll(client, NQ); // depth frames prove the market still steps
  await sync(client);
  client.inbox.splice(0);
  await clock.advance(1_000);
  await until(() => client.count("marketDepth") >= 10, "10 depth updates of NQ");
  await pause(50);
  assert.equal(client.count("marketByOrderUpdate"), 0);
  assert.equal(client.count("marketByOrderTrade"), 0);
  await client.close();
});

test("sim market-by-order: unknown markets and a wrong exchange are rejected", async () => {
  await using sim = await startSimulator();
  const client = await loggedIn(sim.url);
  byOrder(client, true, { exchangeId: "CME_Eq", contractId: "ZZ", marketId: "XCME_Eq ZZ (Z26)" });
  const reject = await client.next("marketByOrderSubscribeReject");
  assert.equal(reject.marketId, "XCME_Eq ZZ (Z26)");
  assert.equal(reject.mode, MarketMode.REJECTED);
  byOrder(client, true, { ...ES, exchangeId: "CME_En" });
  assert.equal((await client.next("marketByOrderSubscribeReject")).marketId, ES.marketId);
  await sync(client);
  assert.equal(client.count("marketByOrderSnapshot"), 0);
  await client.close();
});

async function byOrderFrames(seed: number): Promise<string[]> {
  const clock = new FakeClock(1_000);
  await using sim = await startSimulator({
    clock,
    seed,
    depthIntervalMs: 100,
    heartbeatMs: 60_000,
  });
  const client = await loggedIn(sim.url);
  await clock.advance(300); // the book moves before anyone subscribes
  byOrder(client, true);
  await client.next("marketByOrderSnapshot");
  await clock.advance(1_000);
  await until(() => client.count("marketByOrderUpdate") >= 10, "10 updates");
  await pause(50);
  const out = client.inbox.filter((m) => m.payload.case?.startsWith("marketByOrder"))
    .map((m) => encodeServerMessage(m).join(","));
  await client.close();
  return out;
}

test("sim market-by-order: the same seed gives the same frames, another seed differs", async () => {
  const a = await byOrderFrames(42);
  const b = await byOrderFrames(42);
  const c = await byOrderFrames(43);
  assert.ok(a.length >= 10);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test("sim market-by-order: T4Client.subscribeMarketByOrder receives a snapshot and updates", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, depthIntervalMs: 100, heartbeatMs: 3_600_000 });
  const client = new T4Client({
    url: sim.url,
    auth: { apiKey: DEMO_API_KEY },
    heartbeatMs: 60_000,
    reconnect: false,
  });
  try {
    await within(client.connect(), "login");
    const snapshot = new Promise<ValueOf<"marketByOrderSnapshot">>((resolve) =>
      client.on("marketByOrderSnapshot", (value) => resolve(value))
    );
    const updates: ValueOf<"marketByOrderUpdate">[] = [];
    client.on("marketByOrderUpdate", (value) => updates.push(value));
    client.subscribeMarketByOrder(ES);
    const first = await within(snapshot, "the snapshot");
    assert.equal(first.marketId, ES.marketId);
    assert.ok(first.orders.length >= 40, `${first.orders.length} orders for 2 x 20 levels`);
    await clock.advance(300);
    await until(() => updates.length >= 3, "3 updates");
    assert.deepEqual(updates.slice(0, 3).map((u) => u.sequence > first.lastSequence), [
      true,
      true,
      true,
    ]);
  } finally {
    await client.close();
  }
});
