/**
 * Settling many waiting orders on the frame path: `N` submissions wait on one account and market
 * (the worst case for the by-place index), then one `OrderUpdate` per order settles them, in
 * order and in reverse. Prints `{ orders, inOrderMs, reverseMs }` as JSON. Settling is O(1) per
 * update, so the time grows linearly with `N` (it used to grow with `N²`: 4.5 s for 20,000).
 *
 * Run: `deno run bench/order_settle.ts [N]` or `bun bench/order_settle.ts [N]`.
 *
 * @module
 */

import process from "node:process";
import { create } from "@bufbuild/protobuf";
import { OrderTracker } from "../lib/client/order_tracker.ts";
import { OrderChange, OrderUpdateSchema } from "../lib/protocol/proto.ts";
import { systemClock } from "../lib/runtime/clock.ts";

const orders = Number(process.argv[2] ?? 20_000);
const place = { accountId: "ACC-1", marketId: "XCME_Eq ES (Z26)" };

async function settle(reverse: boolean): Promise<number> {
  const tracker = new OrderTracker(systemClock, 3_600_000);
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < orders; i++) {
    pending.push(
      tracker.track({ operation: "submitOrder", keys: [`tag:t${i}`], submission: place }),
    );
  }
  const updates = Array.from({ length: orders }, (_, i) =>
    create(OrderUpdateSchema, {
      ...place,
      uniqueId: `u${i}`,
      tag: `t${i}`,
      change: OrderChange.SUBMISSION_SUCCESS,
    }));
  if (reverse) updates.reverse();
  const start = performance.now();
  for (const update of updates) tracker.onOrderUpdate(update);
  const ms = performance.now() - start;
  await Promise.all(pending);
  if (tracker.size !== 0) throw new Error("Not every order settled");
  return ms;
}

const inOrderMs = await settle(false);
const reverseMs = await settle(true);
console.log(JSON.stringify({
  orders,
  inOrderMs: Math.round(inOrderMs * 10) / 10,
  reverseMs: Math.round(reverseMs * 10) / 10,
}));
