/**
 * Turns the arguments of order steps into `OrderSubmit`, `OrderRevise`, `OrderPull` and
 * `OrderBatch` initialisers. Values written as `{ expr: CEL }` are resolved by the caller: the
 * runner evaluates them, `--dry-run` shows them as `{{ expr }}`.
 *
 * @module
 */

import { BuySell, PriceType, TimeType } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type {
  OrderBatchInit,
  OrderPullInit,
  OrderReviseInit,
  OrderSubmitInit,
} from "../client/t4_client.ts";

/** A literal or `{ expr }` value of an order step. */
export type OrderValue = string | number | { readonly expr: string };

/** One order as written in a workflow. */
export interface OrderArgs {
  /** Account id. */
  readonly account: OrderValue;
  /** Market id. */
  readonly market: OrderValue;
  /** `buy` or `sell`. */
  readonly side: "buy" | "sell";
  /** `market`, `limit`, `stop` or `stop_limit`. */
  readonly type: "market" | "limit" | "stop" | "stop_limit";
  /** Contracts. */
  readonly volume: number;
  /** Limit price. */
  readonly limit_price?: OrderValue | undefined;
  /** Stop price. */
  readonly stop_price?: OrderValue | undefined;
  /** `normal`, `ioc` or `gtc`. */
  readonly time_type?: "normal" | "ioc" | "gtc" | undefined;
  /** Correlation tag. */
  readonly tag?: string | undefined;
}

/** What an earlier order step stored about an order (`vars.<as>`). */
export interface StoredOrder {
  /** The order's unique id. */
  readonly unique_id?: unknown;
  /** Its account. */
  readonly account_id?: unknown;
  /** Its market. */
  readonly market_id?: unknown;
}

/** Resolves a value: a literal as text, an expression by evaluating (or showing) it. */
export type ResolveValue = (value: OrderValue, key: string) => string;

const _PRICE_TYPES = {
  market: PriceType.MARKET,
  limit: PriceType.LIMIT,
  stop: PriceType.STOP_MARKET,
  stop_limit: PriceType.STOP_LIMIT,
} as const;

const _TIME_TYPES = {
  normal: TimeType.NORMAL,
  ioc: TimeType.IMMEDIATE_AND_CANCEL,
  gtc: TimeType.GOOD_TILL_CANCELLED,
} as const;

/**
 * Builds an `OrderSubmit` for one order.
 *
 * @param order The order as written.
 * @param resolve Resolves `account`, `market` and prices.
 * @returns The initialiser.
 * @throws {TypeError} When a limit or stop price the order type needs is missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { orderSubmitInit } from "./order_frames.ts";
 *
 * const init = orderSubmitInit(
 *   { account: "A1", market: "ESZ6", side: "buy", type: "limit", volume: 1, limit_price: 5000 },
 *   (v) => String(v),
 * );
 * assert.equal(init.orders?.[0]?.limitPrice?.value, "5000");
 * ```
 */
export function orderSubmitInit(order: OrderArgs, resolve: ResolveValue): OrderSubmitInit {
  const needsLimit = order.type === "limit" || order.type === "stop_limit";
  const needsStop = order.type === "stop" || order.type === "stop_limit";
  if (needsLimit && order.limit_price === undefined) {
    throw new TypeError(`Cannot submit a ${order.type} order as 'limit_price' is missing`);
  }
  if (needsStop && order.stop_price === undefined) {
    throw new TypeError(`Cannot submit a ${order.type} order as 'stop_price' is missing`);
  }
  return {
    accountId: resolve(order.account, "account"),
    marketId: resolve(order.market, "market"),
    orders: [{
      buySell: order.side === "buy" ? BuySell.BUY : BuySell.SELL,
      priceType: _PRICE_TYPES[order.type],
      timeType: _TIME_TYPES[order.time_type ?? "normal"],
      volume: order.volume,
      ...(needsLimit && { limitPrice: { value: resolve(order.limit_price!, "limit_price") } }),
      ...(needsStop && { stopPrice: { value: resolve(order.stop_price!, "stop_price") } }),
      ...(order.tag !== undefined && { tag: order.tag }),
    }],
  };
}

/**
 * Builds an `OrderRevise` of a stored order.
 *
 * @param order What the earlier order step stored.
 * @param args The new volume and prices.
 * @param resolve Resolves prices.
 * @returns The initialiser.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { orderReviseInit } from "./order_frames.ts";
 *
 * const init = orderReviseInit({ unique_id: "u1", account_id: "A1", market_id: "M" }, { volume: 2 }, String);
 * assert.deepEqual(init.revisions, [{ uniqueId: "u1", volume: 2 }]);
 * ```
 */
export function orderReviseInit(
  order: StoredOrder,
  args: { volume?: number; limit_price?: OrderValue; stop_price?: OrderValue },
  resolve: ResolveValue,
): OrderReviseInit {
  return {
    accountId: String(order.account_id ?? ""),
    marketId: String(order.market_id ?? ""),
    revisions: [{
      uniqueId: String(order.unique_id ?? ""),
      ...(args.volume !== undefined && { volume: args.volume }),
      ...(args.limit_price !== undefined &&
        { limitPrice: { value: resolve(args.limit_price, "limit_price") } }),
      ...(args.stop_price !== undefined &&
        { stopPrice: { value: resolve(args.stop_price, "stop_price") } }),
    }],
  };
}

/**
 * Builds an `OrderPull` of a stored order.
 *
 * @param order What the earlier order step stored.
 * @returns The initialiser.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { orderPullInit } from "./order_frames.ts";
 *
 * assert.deepEqual(orderPullInit({ unique_id: "u1", account_id: "A1", market_id: "M" }), {
 *   accountId: "A1",
 *   marketId: "M",
 *   pulls: [{ uniqueId: "u1" }],
 * });
 * ```
 */
export function orderPullInit(order: StoredOrder): OrderPullInit {
  return {
    accountId: String(order.account_id ?? ""),
    marketId: String(order.market_id ?? ""),
    pulls: [{ uniqueId: String(order.unique_id ?? "") }],
  };
}

/**
 * Builds an `OrderBatch`: one submission per order.
 *
 * @param orders The orders as written.
 * @param resolve Resolves values.
 * @returns The initialiser.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { orderBatchInit } from "./order_frames.ts";
 *
 * const order = { account: "A1", market: "M", side: "sell", type: "market", volume: 1 } as const;
 * assert.equal(orderBatchInit([order, order], String).submissions?.length, 2);
 * ```
 */
export function orderBatchInit(
  orders: readonly OrderArgs[],
  resolve: ResolveValue,
): OrderBatchInit {
  return { submissions: orders.map((order) => orderSubmitInit(order, resolve)) };
}
