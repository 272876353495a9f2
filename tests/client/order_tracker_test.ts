import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  AuthTokenError,
  OrderBatchRejectedError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
  RequestTimeoutError,
} from "../../lib/client/errors.ts";
import { OrderTracker } from "../../lib/client/order_tracker.ts";
import {
  AuthenticationTokenSchema,
  OrderBatchAcknowledgeSchema,
  OrderBatchRejectSchema,
  OrderChange,
  OrderUpdateFailedSchema,
  OrderUpdateSchema,
  OrderUpdateStatusSchema,
} from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";

const SUB = { accountId: "A1", marketId: "M1" };

function setup(timeoutMs = 1000) {
  const clock = new FakeClock(0);
  return { clock, tracker: new OrderTracker(clock, timeoutMs) };
}

const settled = (p: Promise<unknown>) => p.then((v) => ({ v }), (e: unknown) => ({ e }));

const update = (uniqueId: string, tag: string, change = OrderChange.SUBMISSION_SUCCESS) =>
  create(OrderUpdateSchema, { uniqueId, tag, change, ...SUB });
const failed = (init: Record<string, unknown> = {}) =>
  create(OrderUpdateFailedSchema, { change: OrderChange.SUBMISSION_REJECTED, ...SUB, ...init });

describe("OrderTracker", () => {
  it("resolves a submission with the first update per tag, in key order", async () => {
    const { tracker } = setup();
    const p = tracker.track({
      operation: "submitOrder",
      keys: ["tag:a", "tag:b"],
      submission: SUB,
    });
    tracker.onOrderUpdate(update("u2", "b"));
    tracker.onOrderUpdate(update("u2b", "b"));
    tracker.onOrderUpdate(create(OrderUpdateStatusSchema, { uniqueId: "u1", tag: "a" }));
    assert.deepEqual((await p as { uniqueId: string }[]).map((u) => u.uniqueId), ["u1", "u2"]);
    assert.equal(tracker.size, 0);
  });

  it("answers waiters of the same key in request order", async () => {
    const { tracker } = setup();
    const first = tracker.track({ operation: "pullOrder", keys: ["pull:u1"] });
    const second = tracker.track({ operation: "pullOrder", keys: ["pull:u1"] });
    tracker.onOrderUpdate(update("u1", "", OrderChange.PULL_SUCCESS));
    tracker.onOrderUpdate(update("u1", "", OrderChange.PULL_REJECTED));
    assert.equal(((await first) as { change: number }[])[0]?.change, OrderChange.PULL_SUCCESS);
    assert.equal(((await second) as { change: number }[])[0]?.change, OrderChange.PULL_REJECTED);
  });

  it("matches a failure by tag_cl_ord_id, else the only order waiting on its account and market", async () => {
    const { tracker } = setup();
    const a = settled(
      tracker.track({ operation: "submitOrder", keys: ["tag:a"], submission: SUB }),
    );
    const b = settled(
      tracker.track({ operation: "submitOrder", keys: ["tag:b"], submission: SUB }),
    );
    const elsewhere = settled(
      tracker.track({
        operation: "submitOrder",
        keys: ["tag:d"],
        submission: { accountId: "A2", marketId: "M1" },
      }),
    );
    tracker.onOrderUpdate(failed({ tagClOrdId: "b", statusDetail: "by tag" }));
    tracker.onOrderUpdate(failed({ tagClOrdId: "someone-else", statusDetail: "not ours" }));
    tracker.onOrderUpdate(failed({ statusDetail: "only" })); // a is the only one left on A1/M1
    const [ra, rb] = [await a, await b];
    assert.ok("e" in ra && ra.e instanceof OrderRejectedError && ra.e.detail === "only");
    assert.ok("e" in rb && rb.e instanceof OrderRejectedError && rb.e.detail === "by tag");
    assert.equal(tracker.size, 1, "the other account's order still waits");
    // Neither a non-submission change nor an unknown account/market matches it.
    tracker.onOrderUpdate(failed({ accountId: "A2", change: OrderChange.REVISION_REJECTED }));
    tracker.onOrderUpdate(failed({ accountId: "A3" }));
    assert.equal(tracker.size, 1);
    tracker.onOrderUpdate(
      failed({ accountId: "A2", change: OrderChange.FAILED, statusDetail: "there" }),
    );
    const rd = await elsewhere;
    assert.ok("e" in rd && rd.e instanceof OrderRejectedError && rd.e.detail === "there");
  });

  it("reports an untagged failure that several waiting orders could own as outcome unknown", async () => {
    const { tracker } = setup();
    const a = settled(
      tracker.track({ operation: "submitOrder", keys: ["tag:a"], submission: SUB }),
    );
    const b = settled(
      tracker.track({ operation: "submitOrder", keys: ["tag:b", "tag:c"], submission: SUB }),
    );
    tracker.onOrderUpdate(failed({ statusDetail: "whose?" }));
    const [ra, rb] = [await a, await b];
    assert.ok("e" in ra && ra.e instanceof OrderOutcomeUnknownError);
    assert.deepEqual(ra.e.tags, ["a"]);
    assert.ok("e" in rb && rb.e instanceof OrderOutcomeUnknownError);
    assert.deepEqual(rb.e.tags, ["b", "c"]);
    assert.equal(rb.e.update.statusDetail, "whose?");
    assert.equal(tracker.size, 0);
  });

  it("rejects a multi-order submission once every order has its first answer", async () => {
    const { tracker } = setup();
    let done = false;
    const p = settled(
      tracker.track({ operation: "submitOrder", keys: ["tag:a", "tag:b"], submission: SUB }),
    ).finally(() => (done = true));
    tracker.onOrderUpdate(failed({ uniqueId: "fa", tagClOrdId: "a", statusDetail: "no" }));
    await Promise.resolve();
    assert.equal(done, false);
    tracker.onOrderUpdate(update("ub", "b"));
    const r = await p;
    assert.ok("e" in r && r.e instanceof OrderRejectedError);
    assert.equal(r.e.operation, "submitOrder");
    assert.deepEqual(r.e.updates.map((u) => u.uniqueId), ["fa", "ub"]);
    assert.deepEqual(r.e.tags, ["a", "b"]);
  });

  it("resolves revisions and pulls with their OrderUpdateFailed", async () => {
    const { tracker } = setup();
    const p = tracker.track({ operation: "reviseOrder", keys: ["rev:u1"] });
    tracker.onOrderUpdate(failed({ uniqueId: "u1", change: OrderChange.REVISION_REJECTED }));
    const [answer] = (await p) as { $typeName: string }[];
    assert.equal(answer?.$typeName, "t4proto.v1.orderrouting.OrderUpdateFailed");
  });

  it("settles batches and token requests", async () => {
    const { tracker } = setup();
    const ok = tracker.track({ operation: "submitBatch", keys: ["batch:b1"] });
    const bad = settled(tracker.track({ operation: "submitBatch", keys: ["batch:b2"] }));
    const token = settled(tracker.track({ operation: "requestAuthToken", keys: ["token:r1"] }));
    tracker.onBatchAcknowledge(create(OrderBatchAcknowledgeSchema, { batchId: "b1" }));
    tracker.onBatchReject(create(OrderBatchRejectSchema, { batchId: "b2", reason: "risk" }));
    tracker.onToken(create(AuthenticationTokenSchema, { requestId: "r1", failMessage: "denied" }));
    assert.equal(((await ok) as { batchId: string }[])[0]?.batchId, "b1");
    const rb = await bad;
    assert.ok("e" in rb && rb.e instanceof OrderBatchRejectedError);
    const rt = await token;
    assert.ok("e" in rt && rt.e instanceof AuthTokenError && rt.e.failMessage === "denied");
  });

  it("times out, fails everything on demand and leaves no timer", async () => {
    const { clock, tracker } = setup(500);
    const late = settled(tracker.track({ operation: "pullOrder", keys: ["pull:u1"] }));
    await clock.advance(500);
    const r = await late;
    assert.ok("e" in r && r.e instanceof RequestTimeoutError);
    const lost = settled(
      tracker.track({ operation: "submitOrder", keys: ["tag:x"], submission: SUB }),
    );
    tracker.failAll((operation) => new Error(`lost ${operation}`));
    const rl = await lost;
    assert.ok("e" in rl && (rl.e as Error).message === "lost submitOrder");
    assert.equal(tracker.size, 0);
    assert.equal(clock.pending, 0);
    // A late answer for a settled request is ignored.
    tracker.onOrderUpdate(failed({ tagClOrdId: "x" }));
  });
});
