import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AccountSubscribeType,
  BuySell,
  DepthBuffer,
  DepthLevels,
  OrderChange,
  OrderStatus,
  PriceType,
  TimeType,
} from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { DEMO_LOGIN, startSimulator } from "../../lib/sim/mod.ts";
import { SimClient, until } from "../fixtures/sim/sim_client.ts";

const ES = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };
const ACCOUNT = "SIM-DEMO-1";

async function setup() {
  const clock = new FakeClock(0);
  // A market step an hour away keeps the book still during a test.
  const sim = await startSimulator({ clock, depthIntervalMs: 3_600_000, heartbeatMs: 3_600_000 });
  const client = await SimClient.connect(sim.url);
  await client.login({ ...DEMO_LOGIN });
  client.send({
    payload: {
      case: "marketDepthSubscribe",
      value: { ...ES, buffer: DepthBuffer.SMART, depthLevels: DepthLevels.BEST_ONLY },
    },
  });
  const depth = await client.next("marketDepth");
  const bid = Number(depth.bids[0]!.price!.value);
  const offer = Number(depth.offers[0]!.price!.value);
  return { sim, client, bid, offer };
}

function submit(
  client: SimClient,
  order: {
    buySell: BuySell;
    priceType: PriceType;
    volume: number;
    limitPrice?: { value: string };
    stopPrice?: { value: string };
  },
  accountId = ACCOUNT,
) {
  client.send({
    payload: {
      case: "orderSubmit",
      value: { accountId, marketId: ES.marketId, orders: [order] },
    },
  });
}

const px = (n: number) => ({ value: n.toFixed(2) });

test("sim accounts: AccountSubscribe answers success, details and update", async () => {
  const { sim, client } = await setup();
  await using _ = sim;
  client.send({
    payload: {
      case: "accountSubscribe",
      value: { subscribe: AccountSubscribeType.ALL_UPDATES, subscribeAllAccounts: true },
    },
  });
  const response = await client.next("accountSubscribeResponse");
  assert.equal(response.success, true);
  assert.deepEqual(response.errors, []);
  const details = [await client.next("accountDetails"), await client.next("accountDetails")];
  assert.deepEqual(details.map((d) => d.accountId), ["SIM-DEMO-1", "SIM-DEMO-2"]);
  const update = await client.next("accountUpdate");
  assert.equal(update.balance, 100_000);
  await client.close();
});

test("sim accounts: subscribing an account of another user fails with an error", async () => {
  const { sim, client } = await setup();
  await using _ = sim;
  client.send({
    payload: {
      case: "accountSubscribe",
      value: { subscribe: AccountSubscribeType.ALL_UPDATES, accountId: ["SIM-API-1"] },
    },
  });
  const response = await client.next("accountSubscribeResponse");
  assert.equal(response.success, false);
  assert.match(response.errors[0]!, /SIM-API-1/);
  await client.close();
});

test("sim orders: a market buy fills at the best offer and updates the position", async () => {
  const { sim, client, offer } = await setup();
  await using _ = sim;
  client.send({
    payload: {
      case: "accountSubscribe",
      value: { subscribe: AccountSubscribeType.ALL_UPDATES, accountId: [ACCOUNT] },
    },
  });
  await client.next("accountSubscribeResponse");
  await client.next("accountUpdate");
  submit(client, { buySell: BuySell.BUY, priceType: PriceType.MARKET, volume: 2 });
  const accepted = await client.next("orderUpdate");
  assert.equal(accepted.change, OrderChange.SUBMISSION_SUCCESS);
  assert.equal(accepted.status, OrderStatus.WORKING);
  assert.equal(accepted.currentVolume, 2);
  const trade = await client.next("orderUpdateTrade");
  assert.equal(trade.uniqueId, accepted.uniqueId);
  assert.equal(trade.change, OrderChange.TRADE_COMPLETED);
  assert.equal(trade.status, OrderStatus.FINISHED);
  assert.equal(trade.volume, 2);
  assert.equal(Number(trade.price!.value), offer);
  client.take("accountPosition");
  // Sell one back at the bid: position and realised P&L follow.
  submit(client, { buySell: BuySell.SELL, priceType: PriceType.MARKET, volume: 1 });
  await client.next("orderUpdateTrade");
  // The position update follows the trade.
  await until(
    () =>
      client.inbox.some((m) =>
        m.payload.case === "accountPosition" && m.payload.value.sells === 1 &&
        m.payload.value.workingSells === 0
      ),
    "the position after the sell",
  );
  const last = client.take("accountPosition").at(-1)!;
  assert.ok(last.payload.case === "accountPosition");
  assert.equal(last.payload.value.buys, 2);
  assert.equal(last.payload.value.sells, 1);
  assert.equal(last.payload.value.rpl, -0.25 * 50); // one tick spread on one lot of ES
  assert.equal(sim.stats.fills, 2);
  await client.close();
});

test("sim orders: a limit order rests until a revise makes it cross", async () => {
  const { sim, client, bid, offer } = await setup();
  await using _ = sim;
  submit(client, {
    buySell: BuySell.BUY,
    priceType: PriceType.LIMIT,
    volume: 1,
    limitPrice: px(bid - 1),
  });
  const accepted = await client.next("orderUpdate");
  assert.equal(accepted.status, OrderStatus.WORKING);
  assert.equal(accepted.currentLimitPrice?.value, (bid - 1).toFixed(2));
  assert.equal(client.count("orderUpdateTrade"), 0);
  client.send({
    payload: {
      case: "orderRevise",
      value: {
        accountId: ACCOUNT,
        marketId: ES.marketId,
        revisions: [{ uniqueId: accepted.uniqueId, limitPrice: px(offer) }],
      },
    },
  });
  const revised = await client.next("orderUpdateStatus");
  assert.equal(revised.change, OrderChange.REVISION_SUCCESS);
  assert.equal(revised.currentLimitPrice?.value, offer.toFixed(2));
  const trade = await client.next("orderUpdateTrade");
  assert.equal(Number(trade.price!.value), offer);
  await client.close();
});

test("sim orders: a stop order triggers when the market reaches it", async () => {
  const { sim, client, offer } = await setup();
  await using _ = sim;
  submit(client, {
    buySell: BuySell.BUY,
    priceType: PriceType.STOP_MARKET,
    volume: 1,
    stopPrice: px(offer + 10),
  });
  const accepted = await client.next("orderUpdate");
  assert.equal(accepted.status, OrderStatus.WORKING);
  assert.equal(client.count("orderUpdateTrade"), 0);
  client.send({
    payload: {
      case: "orderRevise",
      value: {
        accountId: ACCOUNT,
        marketId: ES.marketId,
        revisions: [{ uniqueId: accepted.uniqueId, stopPrice: px(offer) }],
      },
    },
  });
  const trade = await client.next("orderUpdateTrade");
  assert.equal(trade.uniqueId, accepted.uniqueId);
  assert.equal(trade.status, OrderStatus.FINISHED);
  await client.close();
});

test("sim orders: a pull finishes a working order; pulling it again fails", async () => {
  const { sim, client, bid } = await setup();
  await using _ = sim;
  submit(client, {
    buySell: BuySell.BUY,
    priceType: PriceType.LIMIT,
    volume: 3,
    limitPrice: px(bid - 2),
  });
  const { uniqueId } = await client.next("orderUpdate");
  const pull = {
    case: "orderPull" as const,
    value: { accountId: ACCOUNT, marketId: ES.marketId, pulls: [{ uniqueId }] },
  };
  client.send({ payload: pull });
  const pulled = await client.next("orderUpdateStatus");
  assert.equal(pulled.change, OrderChange.PULL_SUCCESS);
  assert.equal(pulled.status, OrderStatus.FINISHED);
  assert.equal(pulled.workingVolume, 0);
  client.send({ payload: pull });
  const failed = await client.next("orderUpdateFailed");
  assert.equal(failed.change, OrderChange.PULL_REJECTED);
  assert.match(failed.statusDetail, /no longer working/);
  await client.close();
});

test("sim orders: an invalid order gets OrderUpdateFailed with the reason", async () => {
  const { sim, client } = await setup();
  await using _ = sim;
  submit(client, {
    buySell: BuySell.BUY,
    priceType: PriceType.LIMIT,
    volume: 1,
    limitPrice: { value: "6000.10" },
  });
  const failed = await client.next("orderUpdateFailed");
  assert.equal(failed.change, OrderChange.SUBMISSION_REJECTED);
  assert.equal(failed.status, OrderStatus.REJECTED);
  assert.match(failed.statusDetail, /limit_price must be a positive price on a 0.25 tick/);
  submit(client, { buySell: BuySell.BUY, priceType: PriceType.MARKET, volume: 1 }, "SIM-API-1");
  assert.match((await client.next("orderUpdateFailed")).statusDetail, /SIM-API-1/);
  assert.equal(sim.stats.ordersRejected, 2);
  await client.close();
});

test("sim orders: a valid batch is acknowledged with the ids of every order", async () => {
  const { sim, client, bid } = await setup();
  await using _ = sim;
  client.send({
    payload: {
      case: "orderBatch",
      value: {
        batchId: "b1",
        submissions: [{
          accountId: ACCOUNT,
          marketId: ES.marketId,
          orders: [
            {
              buySell: BuySell.BUY,
              priceType: PriceType.LIMIT,
              volume: 1,
              limitPrice: px(bid - 1),
            },
            {
              buySell: BuySell.BUY,
              priceType: PriceType.LIMIT,
              volume: 1,
              limitPrice: px(bid - 2),
            },
          ],
        }],
      },
    },
  });
  const ack = await client.next("orderBatchAcknowledge");
  assert.equal(ack.batchId, "b1");
  assert.equal(ack.accepted[0]!.uniqueId.length, 2);
  const updates = [await client.next("orderUpdate"), await client.next("orderUpdate")];
  assert.deepEqual(updates.map((u) => u.uniqueId), ack.accepted[0]!.uniqueId);
  await client.close();
});

test("sim orders: a batch with one invalid order is rejected as a whole", async () => {
  const { sim, client } = await setup();
  await using _ = sim;
  client.send({
    payload: {
      case: "orderBatch",
      value: {
        batchId: "b2",
        submissions: [{
          accountId: ACCOUNT,
          marketId: ES.marketId,
          orders: [
            { buySell: BuySell.BUY, priceType: PriceType.MARKET, volume: 1 },
            { buySell: BuySell.BUY, priceType: PriceType.MARKET, volume: 0 },
          ],
        }],
      },
    },
  });
  const reject = await client.next("orderBatchReject");
  assert.equal(reject.batchId, "b2");
  assert.equal(reject.errors.length, 1);
  assert.equal(reject.errors[0]!.orderIndex, 1);
  assert.match(reject.errors[0]!.reason, /volume must be > 0/);
  assert.equal(sim.stats.ordersAccepted, 0);
  assert.equal(client.count("orderUpdate"), 0);
  await client.close();
});

test("sim orders: an immediate-or-cancel limit that does not cross is pulled at once", async () => {
  const { sim, client, bid } = await setup();
  await using _ = sim;
  client.send({
    payload: {
      case: "orderSubmit",
      value: {
        accountId: ACCOUNT,
        marketId: ES.marketId,
        orders: [{
          buySell: BuySell.BUY,
          priceType: PriceType.LIMIT,
          timeType: TimeType.IMMEDIATE_AND_CANCEL,
          volume: 1,
          limitPrice: px(bid - 1),
          tag: "ioc-1",
        }],
      },
    },
  });
  const accepted = await client.next("orderUpdate");
  assert.equal(accepted.tag, "ioc-1");
  const status = await client.next("orderUpdateStatus");
  assert.equal(status.uniqueId, accepted.uniqueId);
  assert.equal(status.change, OrderChange.PULL_SUCCESS);
  assert.equal(status.status, OrderStatus.FINISHED);
  assert.equal(status.tag, "ioc-1");
  assert.equal(client.count("orderUpdateTrade"), 0);
  await client.close();
});
