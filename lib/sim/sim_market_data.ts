/**
 * The simulator's market data: steps the books on the clock and answers depth and
 * market-by-order subscriptions with details, snapshots, updates, trades and high/low.
 *
 * @module
 */

import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { encodeServerMessage } from "../protocol/frame_codec.ts";
import { DepthBuffer, MarketMode } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type {
  MarketByOrderSubscribe,
  MarketDepthSubscribe,
} from "../protocol/gen/t4/v1/market/market_pb.ts";
import type { TimerHandle } from "../runtime/clock.ts";
import type { SimCore, SimSession } from "./sim_core.ts";
import type { SimMarketBook } from "./sim_market_book.ts";
import type { SimOrderMatching } from "./sim_order_matching.ts";

const _STEP_EVERY: Partial<Record<DepthBuffer, number>> = {
  [DepthBuffer.SLOW_TRADE]: 4,
  [DepthBuffer.SLOW_SMART]: 4,
};

/**
 * Market data of the simulator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimAccounts } from "./sim_accounts.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { SimMarketData } from "./sim_market_data.ts";
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
 * const marketData = new SimMarketData(core, new SimOrderMatching(core, new SimAccounts(core)), 250);
 * const book = core.books.get(DEFAULT_SIM_MARKETS[0]!.marketId)!;
 * const before = book.bestBidTicks;
 * for (let i = 0; i < 50; i++) marketData.stepMarkets();
 * assert.notEqual(book.bestBidTicks, before);
 * ```
 */
export class SimMarketData {
  readonly #core: SimCore;
  readonly #matching: SimOrderMatching;
  readonly #depthMs: number;
  #marketTimer: TimerHandle | undefined;
  #steps = 0;

  /**
   * Creates the market data logic.
   *
   * @param core The simulator's state.
   * @param matching The matching engine (working orders match on every step).
   * @param depthMs Market data step in ms.
   */
  constructor(core: SimCore, matching: SimOrderMatching, depthMs: number) {
    this.#core = core;
    this.#matching = matching;
    this.#depthMs = depthMs;
  }

  /** Starts stepping the books every `depthIntervalMs` until the core is stopping. */
  start(): void {
    this.#marketTimer = this.#core.clock.setTimeout(() => {
      this.#marketTimer = undefined;
      this.stepMarkets();
      if (!this.#core.stopping) this.start();
    }, this.#depthMs);
  }

  /** Stops stepping the books. */
  stop(): void {
    if (this.#marketTimer !== undefined) this.#core.clock.clearTimeout(this.#marketTimer);
    this.#marketTimer = undefined;
  }

  /**
   * Steps every book once: matches working orders and sends depth, trades, high/low and
   * market-by-order updates to subscribed sessions.
   */
  stepMarkets(): void {
    this.#steps++;
    const now = this.#core.clock.now();
    for (const book of this.#core.books.values()) {
      const step = book.step();
      const marketId = book.market.marketId;
      // Always followed (whether anyone listens or not), so its frames depend only on the seed
      // and the step; encoded once, only when someone subscribed.
      const byOrder = this.#core.byOrder.get(marketId)!.step(step.trade, now);
      let byOrderBytes: Uint8Array[] | undefined;
      for (const order of [...this.#core.orders.values()]) {
        if (order.working && order.book === book) this.#matching.match(order);
      }
      for (const session of this.#core.sessions.values()) {
        if (session.user === undefined) continue;
        if (session.byOrder.has(marketId)) {
          byOrderBytes ??= byOrder.map((payload) => encodeServerMessage({ payload }));
          for (const bytes of byOrderBytes) this.#core.sendBytes(session, bytes);
        }
        const sub = session.subs.get(marketId);
        if (sub === undefined) continue;
        const every = _STEP_EVERY[sub.buffer] ?? 1;
        if (sub.buffer !== DepthBuffer.TRADE_ONLY && this.#steps % every === 0) {
          this.#core.send(session, {
            case: "marketDepth",
            value: book.depthMessage(sub.levels, sub.buffer, now),
          });
        }
        if (step.trade !== undefined) {
          this.#core.send(session, { case: "marketDepthTrade", value: book.tradeMessage(now)! });
        }
        if (step.highLowChanged) {
          this.#core.send(session, { case: "marketHighLow", value: book.highLowMessage(now) });
        }
      }
    }
  }

  /** The book of the requested market, or `undefined` when the market, exchange or contract is unknown. */
  #bookFor(
    request: { marketId: string; exchangeId: string; contractId: string },
  ): SimMarketBook | undefined {
    const book = this.#core.books.get(request.marketId);
    if (
      book === undefined ||
      (request.exchangeId !== "" && request.exchangeId !== book.market.exchangeId) ||
      (request.contractId !== "" && request.contractId !== book.market.contractId)
    ) return undefined;
    return book;
  }

  /**
   * Answers a depth subscribe (or unsubscribe) with the market's details and a snapshot.
   *
   * @param session A logged-in session.
   * @param request The request.
   */
  subscribeDepth(session: SimSession, request: MarketDepthSubscribe): void {
    const book = this.#bookFor(request);
    const now = this.#core.clock.now();
    if (book === undefined) {
      this.#core.log(
        `depth subscription rejected: unknown market ${
          JSON.stringify(request.marketId)
        } (session ${session.sessionId})`,
      );
      this.#core.send(session, {
        case: "marketDepthSubscribeReject",
        value: {
          marketId: request.marketId,
          time: timestampFromMs(now),
          mode: MarketMode.REJECTED,
        },
      });
      return;
    }
    if (request.buffer === DepthBuffer.NO_SUBSCRIPTION) {
      session.subs.delete(book.market.marketId);
      this.#core.log(`depth unsubscribed: ${book.market.marketId} (session ${session.sessionId})`);
      return;
    }
    this.#core.log(`depth subscribed: ${book.market.marketId} (session ${session.sessionId})`);
    const sub = { levels: request.depthLevels, buffer: request.buffer };
    session.subs.set(book.market.marketId, sub);
    this.#core.send(session, { case: "marketDetails", value: book.detailsMessage() });
    if (sub.buffer !== DepthBuffer.TRADE_ONLY) {
      this.#core.send(session, {
        case: "marketDepth",
        value: book.depthMessage(sub.levels, sub.buffer, now),
      });
    }
    this.#core.send(session, { case: "marketHighLow", value: book.highLowMessage(now) });
    const trade = book.tradeMessage(now);
    if (trade !== undefined) this.#core.send(session, { case: "marketDepthTrade", value: trade });
  }

  /**
   * Answers a market-by-order subscribe (or unsubscribe) with a snapshot.
   *
   * @param session A logged-in session.
   * @param request The request.
   */
  subscribeByOrder(session: SimSession, request: MarketByOrderSubscribe): void {
    const book = this.#bookFor(request);
    const now = this.#core.clock.now();
    if (book === undefined) {
      this.#core.send(session, {
        case: "marketByOrderSubscribeReject",
        value: {
          marketId: request.marketId,
          time: timestampFromMs(now),
          mode: MarketMode.REJECTED,
        },
      });
      return;
    }
    if (!request.subscribe) {
      session.byOrder.delete(book.market.marketId);
      return;
    }
    // A repeated subscribe gets a fresh snapshot: how a client recovers from a sequence gap.
    session.byOrder.add(book.market.marketId);
    this.#core.send(session, {
      case: "marketByOrderSnapshot",
      value: this.#core.byOrder.get(book.market.marketId)!.snapshotMessage(now),
    });
  }
}
