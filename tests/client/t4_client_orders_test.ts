import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ConnectionLostError,
  NotConnectedError,
  OrderBatchRejectedError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
  RequestTimeoutError,
} from "../../lib/client/errors.ts";
import type { ServerMessageInit } from "../../lib/protocol/frame_codec.ts";
import { OrderChange, OrderStatus } from "../../lib/protocol/proto.ts";
import type { FakeSocket } from "../_support/fake_websocket.ts";
import { goldenBytes } from "../_support/fixtures.ts";
import { connected, MARKET, outcome, relogin } from "../_support/client_harness.ts";

describe("T4Client requests", () => {
  const ORDER = {
    accountId: "A1",
    marketId: "M1",
    orders: [{ volume: 1 }, { volume: 2, tag: "mine" }],
  };

  it("rejects requests made while disconnected and sends nothing", async () => {
    const t = await connected();
    t.net.last.drop();
    await assert.rejects(t.client.subscribeMarket(MARKET), NotConnectedError);
    await assert.rejects(t.client.submitOrder(ORDER), NotConnectedError);
    await assert.rejects(t.client.pullOrder({ pulls: [{ uniqueId: "u" }] }), NotConnectedError);
    await assert.rejects(t.client.requestAuthToken(), NotConnectedError);
    const second = await relogin(t, 250);
    assert.deepEqual(second.cases(), ["loginRequest"], "nothing was queued or replayed");
    assert.equal(t.client.subscriptionCount, 0);
    await t.client.close();
  });

  it("correlates submitOrder updates by tag", async () => {
    const t = await connected();
    const ws = t.net.last;
    const pending = t.client.submitOrder(ORDER);
    const sent = ws.messages().at(-1)!;
    assert.ok(sent.payload.case === "orderSubmit");
    const [tag1, tag2] = sent.payload.value.orders.map((o) => o.tag!);
    assert.match(tag1!, /^t4f/);
    assert.equal(tag2, "mine");
    ws.reply({ payload: { case: "orderUpdate", value: { uniqueId: "other", tag: "unrelated" } } });
    ws.reply({
      payload: {
        case: "orderUpdateMulti",
        value: {
          updates: [{ payload: { case: "orderUpdate", value: { uniqueId: "u2", tag: "mine" } } }],
        },
      },
    });
    ws.reply({ payload: { case: "orderUpdateStatus", value: { uniqueId: "u1", tag: tag1! } } });
    const updates = await pending;
    assert.deepEqual(updates.map((u) => u.uniqueId), ["u1", "u2"]);
    await t.client.close();
  });

  it("correlates revise and pull by unique id and change", async () => {
    const t = await connected();
    const ws = t.net.last;
    const revise = t.client.reviseOrder({ revisions: [{ uniqueId: "u1", volume: 3 }] });
    const pull = t.client.pullOrder({ pulls: [{ uniqueId: "u1" }] });
    ws.reply({
      payload: { case: "orderUpdate", value: { uniqueId: "u1", change: OrderChange.TRADE } },
    });
    ws.reply({
      payload: { case: "orderUpdate", value: { uniqueId: "u1", change: OrderChange.PULL_SUCCESS } },
    });
    ws.reply({
      payload: {
        case: "orderUpdate",
        value: { uniqueId: "u1", change: OrderChange.REVISION_SUCCESS },
      },
    });
    assert.equal((await pull)[0]?.change, OrderChange.PULL_SUCCESS);
    assert.equal((await revise)[0]?.change, OrderChange.REVISION_SUCCESS);
    await t.client.close();
  });

  it("resolves batches on acknowledge and rejects on OrderBatchReject", async () => {
    const t = await connected();
    const ws = t.net.last;
    const ok = t.client.submitBatch({ batchId: "b1", submissions: [ORDER] });
    const bad = t.client.submitBatch({ submissions: [ORDER] });
    const badId = ws.messages().at(-1)!;
    assert.ok(badId.payload.case === "orderBatch");
    ws.reply({
      payload: {
        case: "orderBatchAcknowledge",
        value: { batchId: "b1", accepted: [{ uniqueId: ["x"] }] },
      },
    });
    ws.reply({
      payload: {
        case: "orderBatchReject",
        value: { batchId: badId.payload.value.batchId!, reason: "risk" },
      },
    });
    assert.deepEqual((await ok).accepted[0]?.uniqueId, ["x"]);
    const error = await bad.then(() => undefined, (e) => e);
    assert.ok(error instanceof OrderBatchRejectedError);
    assert.equal(error.reason, "risk");
    await t.client.close();
  });

  it("rejects waiting orders with ConnectionLostError on a drop and never replays them", async () => {
    const t = await connected();
    const pending = t.client.submitOrder(ORDER).then(() => undefined, (e) => e);
    t.net.last.drop();
    assert.ok((await pending) instanceof ConnectionLostError);
    const second = await relogin(t, 250);
    assert.deepEqual(second.cases(), ["loginRequest"]);
    await t.client.close();
  });

  it("times out requests with RequestTimeoutError", async () => {
    const t = await connected({ requestTimeoutMs: 5000, heartbeatMs: 60_000 });
    const pending = t.client.pullOrder({ pulls: [{ uniqueId: "u" }] }).then(
      () => undefined,
      (e) => e,
    );
    await t.clock.advance(5000);
    assert.ok((await pending) instanceof RequestTimeoutError);
    await t.client.close();
  });

  it("correlates and caches authentication tokens until shortly before expiry", async () => {
    const t = await connected({ tokenRefreshMarginMs: 60_000, heartbeatMs: 600_000 });
    const ws = t.net.last;
    const answer = () => {
      const req = ws.messages().at(-1)!;
      assert.ok(req.payload.case === "authenticationTokenRequest");
      const expires = t.clock.now() + 600_000;
      ws.reply({
        payload: {
          case: "authenticationToken",
          value: {
            requestId: req.payload.value.requestId,
            token: "jwt-secret",
            expireTime: { seconds: BigInt(Math.floor(expires / 1000)), nanos: 0 },
          },
        },
      });
    };
    const first = t.client.requestAuthToken();
    const same = t.client.requestAuthToken();
    answer();
    const token = await first;
    assert.equal(await same, token);
    assert.equal(token.reveal(), "jwt-secret");
    assert.equal(await t.client.requestAuthToken(), token, "cached");
    const count = () => ws.cases().filter((c) => c === "authenticationTokenRequest").length;
    assert.equal(count(), 1);
    await t.clock.advance(540_000);
    const renewed = t.client.requestAuthToken();
    answer();
    assert.notEqual(await renewed, token);
    assert.equal(count(), 2);
    await t.client.close();
  });
});

describe("T4Client rejected orders", () => {
  // The golden OrderUpdateFailed: ACC-1001, "XCME_Eq ES (Z25)", SUBMISSION_RISK_REJECTED, no tag.
  const GOLDEN = { accountId: "ACC-1001", marketId: "XCME_Eq ES (Z25)" };
  const failed = (value: Record<string, unknown>): ServerMessageInit => ({
    payload: {
      case: "orderUpdateFailed",
      value: {
        ...GOLDEN,
        change: OrderChange.SUBMISSION_REJECTED,
        status: OrderStatus.REJECTED,
        ...value,
      },
    },
  });
  const sentTags = (ws: FakeSocket) =>
    ws.messages().flatMap((m) => m.payload.case === "orderSubmit" ? m.payload.value.orders : [])
      .map((o) => o.tag!);

  it("rejects at once with OrderRejectedError on the golden tagless OrderUpdateFailed", async () => {
    const t = await connected({ requestTimeoutMs: 60_000, heartbeatMs: 600_000 });
    const timers = t.clock.pending;
    const pending = outcome(t.client.submitOrder({ ...GOLDEN, orders: [{ volume: 1 }] }));
    t.net.last.raw(goldenBytes("server_order_update_failed").slice().buffer);
    await t.clock.advance(0);
    const { e } = (await pending) as { e: unknown };
    assert.ok(e instanceof OrderRejectedError, String(e));
    assert.equal(e.operation, "submitOrder");
    assert.equal(e.uniqueId, "ORD-000002");
    assert.equal(e.detail, "Insufficient margin");
    assert.equal(e.change, "SUBMISSION_RISK_REJECTED");
    assert.equal(e.update.status, OrderStatus.REJECTED);
    assert.deepEqual(e.updates, [e.update]);
    assert.equal(
      e.message,
      "Cannot submitOrder as order ORD-000002 was rejected: Insufficient margin (SUBMISSION_RISK_REJECTED)",
    );
    assert.equal(t.clock.pending, timers, "the request timeout was cancelled");
    await t.client.close();
  });

  it("matches by tag_cl_ord_id first, whatever the order of the submissions", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const ws = t.net.last;
    const first = outcome(t.client.submitOrder({ ...GOLDEN, orders: [{ volume: 1 }] }));
    const second = outcome(t.client.submitOrder({ ...GOLDEN, orders: [{ volume: 2 }] }));
    const [tag1, tag2] = sentTags(ws);
    ws.reply(failed({ uniqueId: "x2", tagClOrdId: tag2, statusDetail: "too big" }));
    ws.reply({ payload: { case: "orderUpdate", value: { uniqueId: "x1", tag: tag1! } } });
    const a = await first;
    const b = await second;
    assert.deepEqual("v" in a && (a.v as { uniqueId: string }[]).map((u) => u.uniqueId), ["x1"]);
    assert.ok("e" in b && b.e instanceof OrderRejectedError && b.e.detail === "too big");
    await t.client.close();
  });

  it("matches a tagless submission failure to the only order waiting on that account and market", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const ws = t.net.last;
    const other = outcome(
      t.client.submitOrder({ accountId: "ACC-2", marketId: GOLDEN.marketId, orders: [{}] }),
    );
    const only = outcome(t.client.submitOrder({ ...GOLDEN, orders: [{ volume: 1 }] }));
    ws.reply(failed({ uniqueId: "f2", statusDetail: "refused" }));
    const a = await only;
    assert.ok("e" in a && a.e instanceof OrderRejectedError && a.e.detail === "refused");
    // Not a submission change: never matched to a submission by account and market.
    ws.reply(failed({
      accountId: "ACC-2",
      uniqueId: "r1",
      change: OrderChange.REVISION_REJECTED,
      statusDetail: "not mine",
    }));
    const [tag] = sentTags(ws);
    ws.reply({ payload: { case: "orderUpdate", value: { uniqueId: "ok", tag: tag! } } });
    const c = await other;
    assert.deepEqual("v" in c && (c.v as { uniqueId: string }[]).map((u) => u.uniqueId), ["ok"]);
    await t.client.close();
  });

  it("waits for every order of a submission and reports all first answers", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const ws = t.net.last;
    const pending = outcome(
      t.client.submitOrder({ ...GOLDEN, orders: [{ volume: 1 }, { volume: 2 }, { volume: 3 }] }),
    );
    const [tag1, tag2, tag3] = sentTags(ws);
    ws.reply({ payload: { case: "orderUpdate", value: { uniqueId: "u1", tag: tag1! } } });
    ws.reply({
      payload: {
        case: "orderUpdateMulti",
        value: {
          updates: [{
            payload: {
              case: "orderUpdateFailed",
              value: {
                ...GOLDEN,
                change: OrderChange.SUBMISSION_REJECTED,
                statusDetail: "no",
                tagClOrdId: tag2!,
              },
            },
          }],
        },
      },
    });
    let settled = false;
    void pending.then(() => (settled = true));
    await t.clock.advance(0);
    assert.equal(settled, false, "the third order has no answer yet");
    ws.reply({ payload: { case: "orderUpdateStatus", value: { uniqueId: "u3", tag: tag3! } } });
    const { e } = (await pending) as { e: unknown };
    assert.ok(e instanceof OrderRejectedError);
    assert.equal(e.detail, "no");
    assert.deepEqual(e.updates.map((u) => u.uniqueId), ["u1", "", "u3"]);
    assert.deepEqual(e.tags, [tag1, tag2, tag3]);
    await t.client.close();
  });

  it("still resolves revise and pull with their OrderUpdateFailed", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const ws = t.net.last;
    const pull = t.client.pullOrder({ ...GOLDEN, pulls: [{ uniqueId: "u9" }] });
    ws.reply(failed({ uniqueId: "u9", change: OrderChange.PULL_REJECTED, statusDetail: "gone" }));
    const [answer] = await pull;
    assert.equal(answer?.$typeName, "t4proto.v1.orderrouting.OrderUpdateFailed");
    await t.client.close();
  });
});

describe("T4Client order identity", () => {
  const AT = { accountId: "ACC-1", marketId: "M-1" };
  const failedFor = (value: Record<string, unknown>): ServerMessageInit => ({
    payload: {
      case: "orderUpdateFailed",
      value: { ...AT, change: OrderChange.SUBMISSION_REJECTED, ...value },
    },
  });

  it("never pins a failure tagged for someone else on one of our orders", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const ws = t.net.last;
    const a = t.client.submitOrder({ ...AT, orders: [{ volume: 1 }] });
    const b = t.client.submitOrder({ ...AT, orders: [{ volume: 2 }] });
    let settled = 0;
    void outcome(a).then(() => settled++);
    void outcome(b).then(() => settled++);
    ws.reply(failedFor({ uniqueId: "x", tagClOrdId: "someone-else", statusDetail: "not yours" }));
    await t.clock.advance(0);
    assert.equal(settled, 0, "neither order was refused");
    ws.reply({ payload: { case: "orderUpdate", value: { uniqueId: "ua", tag: a.tags[0]! } } });
    ws.reply(failedFor({ uniqueId: "ub", tagClOrdId: b.tags[0]!, statusDetail: "too big" }));
    assert.deepEqual((await a).map((u) => u.uniqueId), ["ua"]);
    const rb = await outcome(b);
    assert.ok("e" in rb && rb.e instanceof OrderRejectedError && rb.e.detail === "too big");
    assert.deepEqual(rb.e.tags, b.tags);
    await t.client.close();
  });

  it("matches an untagged ORDER_CHANGE_FAILED when exactly one order waits there", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const only = outcome(t.client.submitOrder({ ...AT, orders: [{ volume: 1 }] }));
    t.net.last.reply(failedFor({ change: OrderChange.FAILED, statusDetail: "Market halted" }));
    const r = await only;
    assert.ok("e" in r && r.e instanceof OrderRejectedError && r.e.detail === "Market halted");
    await t.client.close();
  });

  it("reports outcome unknown with the tags when several orders could own an untagged failure", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const a = t.client.submitOrder({ ...AT, orders: [{ volume: 1 }] });
    const b = t.client.submitOrder({ ...AT, orders: [{ volume: 2 }] });
    t.net.last.reply(failedFor({ statusDetail: "whose?" }));
    for (const request of [a, b]) {
      const r = await outcome(request);
      assert.ok("e" in r && r.e instanceof OrderOutcomeUnknownError, String("e" in r && r.e));
      assert.deepEqual(r.e.tags, request.tags);
      assert.match(r.e.message, /reconcile tags .* from account updates before retrying/);
    }
    await t.client.close();
  });

  it("knows every tag before sending and carries it in every outcome", async () => {
    const t = await connected({ heartbeatMs: 600_000, requestTimeoutMs: 1000 });
    const mine = t.client.orderTag();
    assert.notEqual(mine, t.client.orderTag(), "unique");
    const timedOut = t.client.submitOrder({ ...AT, orders: [{ tag: mine }, {}] });
    assert.equal(timedOut.tags[0], mine);
    assert.match(timedOut.tags[1]!, /^t4f/);
    const waiting = outcome(timedOut);
    await t.clock.advance(1000);
    const r = await waiting;
    assert.ok("e" in r && r.e instanceof RequestTimeoutError);
    assert.deepEqual(r.e.tags, timedOut.tags);
    assert.match(r.e.message, new RegExp(`tags ${mine}`));
    const lost = t.client.submitOrder({ ...AT, orders: [{}] });
    const dropped = outcome(lost);
    t.net.last.drop();
    const l = await dropped;
    assert.ok("e" in l && l.e instanceof ConnectionLostError);
    assert.deepEqual(l.e.tags, lost.tags);
    await t.client.close();
  });
});
