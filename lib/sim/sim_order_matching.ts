/**
 * The simulator's matching engine: places accepted orders, fills them against the book's touch
 * (market, limit, stop and stop-limit), keeps positions, and reports order updates and trades
 * to the submitting session and to sessions subscribed to the account.
 *
 * @module
 */

import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { encodeServerMessage } from "../protocol/frame_codec.ts";
import {
  BuySell,
  OrderChange,
  OrderStatus,
  PriceType,
  TimeType,
} from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { OrderSubmit_Order } from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import type { SimAccounts } from "./sim_accounts.ts";
import type { SimCore, SimOrder, SimPayload, SimSession } from "./sim_core.ts";

/**
 * Order placement and matching of the simulator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimAccounts } from "./sim_accounts.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { SimOrderMatching } from "./sim_order_matching.ts";
 *
 * const core = new SimCore({
 *   clock: systemClock,
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * const matching = new SimOrderMatching(core, new SimAccounts(core));
 * assert.equal(matching.newOrderId(), "SIM-1-000001");
 * ```
 */
export class SimOrderMatching {
  readonly #core: SimCore;
  readonly #accountsPart: SimAccounts;
  #nextOrder = 1;
  #nextTrade = 1;

  /**
   * Creates the matching engine.
   *
   * @param core The simulator's state.
   * @param accounts Positions and account updates.
   */
  constructor(core: SimCore, accounts: SimAccounts) {
    this.#core = core;
    this.#accountsPart = accounts;
  }

  /**
   * A new order id, unique for this seed.
   *
   * @returns The id.
   */
  newOrderId(): string {
    return `SIM-${this.#core.seed}-${String(this.#nextOrder++).padStart(6, "0")}`;
  }

  /**
   * An order from a valid submission (not yet placed).
   *
   * @param session The submitting session.
   * @param accountId The account.
   * @param marketId The market.
   * @param order The submitted order.
   * @returns The order.
   */
  create(
    session: SimSession,
    accountId: string,
    marketId: string,
    order: OrderSubmit_Order,
  ): SimOrder {
    const book = this.#core.books.get(marketId)!;
    const stop = order.priceType === PriceType.STOP_MARKET ||
      order.priceType === PriceType.STOP_LIMIT;
    return {
      uniqueId: this.newOrderId(),
      account: this.#core.accounts.get(accountId)!,
      book,
      buySell: order.buySell,
      priceType: order.priceType,
      timeType: order.timeType,
      volume: order.volume,
      filled: 0,
      limitTicks: book.ticks(order.limitPrice?.value),
      stopTicks: book.ticks(order.stopPrice?.value),
      triggered: !stop,
      working: true,
      tag: order.tag,
      origin: session,
      submitTime: this.#core.clock.now(),
    };
  }

  /**
   * Accepts an order: reports it working, then matches it (an unfilled immediate-or-cancel order is pulled).
   *
   * @param order The order.
   */
  place(order: SimOrder): void {
    this.#core.stats.ordersAccepted++;
    this.#core.orders.set(order.uniqueId, order);
    this.setWorking(order, order.volume);
    const now = this.#core.clock.now();
    const book = order.book;
    this.#toOrderRecipients(order, {
      case: "orderUpdate",
      value: {
        uniqueId: order.uniqueId,
        accountId: order.account.accountId,
        marketId: book.market.marketId,
        exchangeId: book.market.exchangeId,
        time: timestampFromMs(now),
        exchangeTime: timestampFromMs(now),
        submitTime: timestampFromMs(order.submitTime),
        change: OrderChange.SUBMISSION_SUCCESS,
        status: OrderStatus.WORKING,
        buySell: order.buySell,
        priceType: order.priceType,
        timeType: order.timeType,
        currentVolume: order.volume,
        workingVolume: order.volume,
        userId: order.account.owner.userId,
        sessionId: order.origin.sessionId,
        exchangeOrderId: order.uniqueId,
        ...(order.tag === undefined ? {} : { tag: order.tag }),
        ...this.#prices(order),
      },
    });
    this.#accountsPart.publish(order.account, book.market.marketId);
    this.match(order);
    if (order.working && order.timeType === TimeType.IMMEDIATE_AND_CANCEL) {
      this.finish(order, OrderChange.PULL_SUCCESS, "Immediate-or-cancel order not filled");
    }
  }

  #prices(order: SimOrder) {
    const book = order.book;
    return {
      ...(order.limitTicks === undefined
        ? {}
        : { currentLimitPrice: { value: book.price(order.limitTicks) } }),
      ...(order.stopTicks === undefined
        ? {}
        : { currentStopPrice: { value: book.price(order.stopTicks) } }),
    };
  }

  /**
   * Adds to the working volume of an order's position.
   *
   * @param order The order.
   * @param volume The change (negative to remove).
   */
  setWorking(order: SimOrder, volume: number): void {
    const p = this.#accountsPart.position(order.account, order.book.market.marketId);
    if (order.buySell === BuySell.BUY) p.workingBuys += volume;
    else p.workingSells += volume;
  }

  /**
   * Fills a working order against the touch when its stop and limit allow.
   *
   * @param order The order.
   */
  match(order: SimOrder): void {
    if (!order.working) return;
    const book = order.book;
    const buy = order.buySell === BuySell.BUY;
    const touch = buy ? book.bestOfferTicks : book.bestBidTicks;
    if (!order.triggered) {
      const stop = order.stopTicks!;
      if (buy ? touch < stop : touch > stop) return;
      order.triggered = true;
    }
    const limit = order.priceType === PriceType.LIMIT || order.priceType === PriceType.STOP_LIMIT;
    if (limit && (buy ? touch > order.limitTicks! : touch < order.limitTicks!)) return;
    this.#fill(order, touch, order.volume - order.filled);
  }

  #fill(order: SimOrder, ticks: number, volume: number): void {
    const book = order.book;
    const now = this.#core.clock.now();
    order.filled += volume;
    const remaining = order.volume - order.filled;
    if (remaining === 0) order.working = false;
    this.#core.stats.fills++;
    const p = this.#accountsPart.position(order.account, book.market.marketId);
    const signed = order.buySell === BuySell.BUY ? volume : -volume;
    if (signed > 0) {
      p.buys += volume;
      p.workingBuys -= volume;
    } else {
      p.sells += volume;
      p.workingSells -= volume;
    }
    if (p.net === 0 || Math.sign(p.net) === Math.sign(signed)) {
      p.avgTicks = (p.avgTicks * Math.abs(p.net) + ticks * volume) / (Math.abs(p.net) + volume);
      p.net += signed;
    } else {
      const closing = Math.min(Math.abs(p.net), volume);
      p.rpl += (ticks - p.avgTicks) * book.market.tickSize * book.market.pointValue * closing *
        Math.sign(p.net);
      p.net += signed;
      if (Math.abs(signed) > closing) p.avgTicks = ticks;
      if (p.net === 0) p.avgTicks = 0;
    }
    this.#toOrderRecipients(order, {
      case: "orderUpdateTrade",
      value: {
        uniqueId: order.uniqueId,
        accountId: order.account.accountId,
        marketId: book.market.marketId,
        time: timestampFromMs(now),
        exchangeTime: timestampFromMs(now),
        change: remaining === 0 ? OrderChange.TRADE_COMPLETED : OrderChange.TRADE,
        status: remaining === 0 ? OrderStatus.FINISHED : OrderStatus.WORKING,
        totalFillVolume: order.filled,
        workingVolume: remaining,
        volume,
        price: { value: book.price(ticks) },
        residualVolume: remaining,
        exchangeTradeId: `T-${this.#core.seed}-${this.#nextTrade++}`,
      },
    });
    this.#accountsPart.publish(order.account, book.market.marketId);
  }

  /**
   * Ends a working order (pull or expiry) and reports it.
   *
   * @param order The order.
   * @param change The order change to report.
   * @param detail The status detail.
   */
  finish(order: SimOrder, change: OrderChange, detail: string): void {
    order.working = false;
    this.setWorking(order, -(order.volume - order.filled));
    this.statusUpdate(order, change, OrderStatus.FINISHED, detail);
    this.#accountsPart.publish(order.account, order.book.market.marketId);
  }

  /**
   * Reports an order's status to its recipients.
   *
   * @param order The order.
   * @param change The order change.
   * @param status The status.
   * @param detail The status detail.
   */
  statusUpdate(order: SimOrder, change: OrderChange, status: OrderStatus, detail: string): void {
    const now = this.#core.clock.now();
    this.#toOrderRecipients(order, {
      case: "orderUpdateStatus",
      value: {
        uniqueId: order.uniqueId,
        accountId: order.account.accountId,
        marketId: order.book.market.marketId,
        time: timestampFromMs(now),
        exchangeTime: timestampFromMs(now),
        change,
        status,
        statusDetail: detail,
        currentVolume: order.volume,
        workingVolume: order.working ? order.volume - order.filled : 0,
        priceType: order.priceType,
        timeType: order.timeType,
        userId: order.account.owner.userId,
        ...(order.tag === undefined ? {} : { tag: order.tag }),
        ...this.#prices(order),
      },
    });
  }

  #toOrderRecipients(order: SimOrder, payload: SimPayload): void {
    const bytes = encodeServerMessage({ payload });
    for (const session of this.#core.sessions.values()) {
      if (session === order.origin || session.accounts.has(order.account.accountId)) {
        this.#core.sendBytes(session, bytes);
      }
    }
  }
}
