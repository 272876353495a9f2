/**
 * The simulator's order requests: validates and answers order submits, batches, revisions and
 * pulls, handing accepted orders to the matching engine.
 *
 * @module
 */

import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  BuySell,
  OrderChange,
  OrderStatus,
  PriceType,
} from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type {
  OrderBatch,
  OrderPull,
  OrderRevise,
  OrderSubmit,
  OrderSubmit_Order,
} from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import type { SimAccounts } from "./sim_accounts.ts";
import type { SimCore, SimOrder, SimSession } from "./sim_core.ts";
import type { SimOrderMatching } from "./sim_order_matching.ts";

/**
 * Order submits, batches, revisions and pulls of the simulator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimAccounts } from "./sim_accounts.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { SimOrderMatching } from "./sim_order_matching.ts";
 * import { SimOrders } from "./sim_orders.ts";
 *
 * const core = new SimCore({
 *   clock: systemClock,
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * const accounts = new SimAccounts(core);
 * const orders = new SimOrders(core, accounts, new SimOrderMatching(core, accounts));
 * assert.equal(typeof orders.submit, "function");
 * ```
 */
export class SimOrders {
  readonly #core: SimCore;
  readonly #accountsPart: SimAccounts;
  readonly #matching: SimOrderMatching;

  /**
   * Creates the order request handling.
   *
   * @param core The simulator's state.
   * @param accounts Positions and account updates.
   * @param matching The matching engine.
   */
  constructor(core: SimCore, accounts: SimAccounts, matching: SimOrderMatching) {
    this.#core = core;
    this.#accountsPart = accounts;
    this.#matching = matching;
  }

  #validate(
    session: SimSession,
    accountId: string,
    marketId: string,
    order: OrderSubmit_Order,
  ): string | undefined {
    const account = this.#core.accounts.get(accountId);
    if (account === undefined || account.owner !== session.user) {
      return `Account '${accountId}' is not available to this user`;
    }
    const book = this.#core.books.get(marketId);
    if (book === undefined) return `Market '${marketId}' is not known`;
    if (order.buySell !== BuySell.BUY && order.buySell !== BuySell.SELL) {
      return "buy_sell must be BUY or SELL";
    }
    if (!Number.isInteger(order.volume) || order.volume <= 0) return "volume must be > 0";
    const limit = order.priceType === PriceType.LIMIT || order.priceType === PriceType.STOP_LIMIT;
    const stop = order.priceType === PriceType.STOP_MARKET ||
      order.priceType === PriceType.STOP_LIMIT;
    if (!limit && !stop && order.priceType !== PriceType.MARKET) {
      return `price_type ${PriceType[order.priceType] ?? order.priceType} is not simulated`;
    }
    if (limit && book.ticks(order.limitPrice?.value) === undefined) {
      return `limit_price must be a positive price on a ${book.market.tickSize} tick`;
    }
    if (stop && book.ticks(order.stopPrice?.value) === undefined) {
      return `stop_price must be a positive price on a ${book.market.tickSize} tick`;
    }
    return undefined;
  }

  /**
   * Handles an order submit: each valid order is placed, each invalid one rejected.
   *
   * @param session A logged-in session.
   * @param request The request.
   */
  submit(session: SimSession, request: OrderSubmit): void {
    for (const order of request.orders) {
      const error = this.#validate(session, request.accountId, request.marketId, order);
      if (error !== undefined) {
        this.#core.stats.ordersRejected++;
        this.#core.send(session, {
          case: "orderUpdateFailed",
          value: {
            uniqueId: this.#matching.newOrderId(),
            accountId: request.accountId,
            marketId: request.marketId,
            time: timestampFromMs(this.#core.clock.now()),
            change: OrderChange.SUBMISSION_REJECTED,
            status: OrderStatus.REJECTED,
            statusDetail: error,
            // The order's tag, so clients can correlate (the live server may leave it empty).
            ...(order.tag ? { tagClOrdId: order.tag } : {}),
          },
        });
        continue;
      }
      this.#matching.place(
        this.#matching.create(session, request.accountId, request.marketId, order),
      );
    }
  }

  /**
   * Handles an order batch: all orders are placed, or none when any is invalid.
   *
   * @param session A logged-in session.
   * @param request The request.
   */
  batch(session: SimSession, request: OrderBatch): void {
    const batchId = request.batchId ?? "";
    const errors = [];
    let count = 0;
    for (const [submissionIndex, submission] of request.submissions.entries()) {
      for (const [orderIndex, order] of submission.orders.entries()) {
        count++;
        const reason = this.#validate(session, submission.accountId, submission.marketId, order);
        if (reason !== undefined) {
          errors.push({
            submissionIndex,
            orderIndex,
            accountId: submission.accountId,
            marketId: submission.marketId,
            reason,
          });
        }
      }
    }
    if (count === 0 || errors.length > 0) {
      this.#core.stats.ordersRejected += count;
      this.#core.send(session, {
        case: "orderBatchReject",
        value: {
          batchId,
          reason: count === 0
            ? "The batch has no orders"
            : `${errors.length} of ${count} orders are not valid; none was placed`,
          errors,
        },
      });
      return;
    }
    const created = request.submissions.map((submission) =>
      submission.orders.map((order) =>
        this.#matching.create(session, submission.accountId, submission.marketId, order)
      )
    );
    this.#core.send(session, {
      case: "orderBatchAcknowledge",
      value: {
        batchId,
        accepted: request.submissions.map((submission, i) => ({
          accountId: submission.accountId,
          marketId: submission.marketId,
          uniqueId: created[i]!.map((o) => o.uniqueId),
        })),
      },
    });
    for (const order of created.flat()) this.#matching.place(order);
  }

  #orderFailed(
    session: SimSession,
    uniqueId: string,
    accountId: string,
    marketId: string,
    change: OrderChange,
    detail: string,
    tag?: string,
  ): void {
    this.#core.send(session, {
      case: "orderUpdateFailed",
      value: {
        uniqueId,
        accountId,
        marketId,
        time: timestampFromMs(this.#core.clock.now()),
        change,
        status: OrderStatus.NO_CHANGE,
        statusDetail: detail,
        ...(tag ? { tagClOrdId: tag } : {}),
      },
    });
  }

  #ownOrder(session: SimSession, uniqueId: string): SimOrder | string {
    const order = this.#core.orders.get(uniqueId);
    if (order === undefined || order.account.owner !== session.user) {
      return `Order '${uniqueId}' is not known`;
    }
    if (!order.working) return `Order '${uniqueId}' is no longer working`;
    return order;
  }

  /**
   * Handles order revisions.
   *
   * @param session A logged-in session.
   * @param request The request.
   */
  revise(session: SimSession, request: OrderRevise): void {
    for (const revision of request.revisions) {
      const order = this.#ownOrder(session, revision.uniqueId);
      const fail = (detail: string) =>
        this.#orderFailed(
          session,
          revision.uniqueId,
          request.accountId,
          request.marketId,
          OrderChange.REVISION_REJECTED,
          detail,
          typeof order === "string" ? undefined : order.tag,
        );
      if (typeof order === "string") {
        fail(order);
        continue;
      }
      const book = order.book;
      const limit = revision.limitPrice === undefined
        ? order.limitTicks
        : book.ticks(revision.limitPrice.value);
      const stop = revision.stopPrice === undefined
        ? order.stopTicks
        : book.ticks(revision.stopPrice.value);
      const volume = revision.volume ?? order.volume;
      if (revision.limitPrice !== undefined && limit === undefined) {
        fail(`limit_price must be a positive price on a ${book.market.tickSize} tick`);
        continue;
      }
      if (revision.stopPrice !== undefined && stop === undefined) {
        fail(`stop_price must be a positive price on a ${book.market.tickSize} tick`);
        continue;
      }
      if (volume <= order.filled) {
        fail(`volume must exceed the filled volume ${order.filled}`);
        continue;
      }
      this.#matching.setWorking(order, volume - order.volume);
      order.volume = volume;
      order.limitTicks = limit;
      order.stopTicks = stop;
      this.#matching.statusUpdate(
        order,
        OrderChange.REVISION_SUCCESS,
        OrderStatus.WORKING,
        "Revised",
      );
      this.#accountsPart.publish(order.account, book.market.marketId);
      this.#matching.match(order);
    }
  }

  /**
   * Handles order pulls.
   *
   * @param session A logged-in session.
   * @param request The request.
   */
  pull(session: SimSession, request: OrderPull): void {
    for (const pull of request.pulls) {
      const order = this.#ownOrder(session, pull.uniqueId);
      if (typeof order === "string") {
        this.#orderFailed(
          session,
          pull.uniqueId,
          request.accountId,
          request.marketId,
          OrderChange.PULL_REJECTED,
          order,
        );
        continue;
      }
      this.#matching.finish(order, OrderChange.PULL_SUCCESS, "Pulled");
    }
  }
}
