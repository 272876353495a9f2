/**
 * The market-by-order view of one simulated market: the individual resting orders behind each
 * level of a {@linkcode SimMarketBook}, kept in step with it and rendered as T4
 * `MarketByOrderSnapshot`, `MarketByOrderUpdate` and `MarketByOrderTrade` messages.
 *
 * @module
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { BidOffer, MarketMode } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import {
  type MarketByOrderSnapshotSchema,
  type MarketByOrderTradeSchema,
  MarketByOrderUpdate_UpdateType,
  type MarketByOrderUpdateSchema,
} from "../protocol/gen/t4/v1/market/market_pb.ts";
import { SeededRandom } from "./seeded_random.ts";
import type { SimMarketBook, SimTrade } from "./sim_market_book.ts";

/** One resting order of a {@linkcode SimMarketByOrderBook}. */
export interface SimRestingOrder {
  /** Exchange order id, unique within the simulator. */
  readonly orderId: bigint;
  /** `BID` or `OFFER`. */
  readonly side: BidOffer;
  /** Price in ticks. */
  readonly ticks: number;
  /** Resting volume (at least 1). */
  volume: number;
  /** Queue priority: lower is earlier; a volume increase gets a new (last) priority. */
  priority: bigint;
}

/** A market-by-order message of one step, in the order it is to be sent. */
export type SimMarketByOrderMessage =
  | { case: "marketByOrderUpdate"; value: MessageInitShape<typeof MarketByOrderUpdateSchema> }
  | { case: "marketByOrderTrade"; value: MessageInitShape<typeof MarketByOrderTradeSchema> };

type _Update = NonNullable<MessageInitShape<typeof MarketByOrderUpdateSchema>["updates"]>[number];

/**
 * The number of orders behind a depth level: the `num_orders` the simulator's `MarketDepth`
 * reports for that volume.
 *
 * @param volume The level's volume.
 * @returns The number of orders (at least 1).
 */
export function ordersForVolume(volume: number): number {
  return Math.max(1, volume >> 3);
}

/**
 * Individual resting orders behind a {@linkcode SimMarketBook}.
 *
 * Invariant: after {@linkcode SimMarketByOrderBook.step}, and therefore after the last
 * `MarketByOrderUpdate` of a step, every level of the depth book has exactly
 * {@linkcode ordersForVolume} orders whose volumes sum to the level's volume, and no order rests
 * outside the depth book. A trade fills resting orders first-in-first-out at the traded level; the
 * level is then replenished with new orders.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BidOffer } from "../protocol/gen/t4/v1/common/enums_pb.ts";
 * import { DEFAULT_SIM_MARKETS } from "./sim_config.ts";
 * import { SimMarketBook } from "./sim_market_book.ts";
 * import { SimMarketByOrderBook } from "./sim_market_by_order_book.ts";
 *
 * const book = new SimMarketBook(DEFAULT_SIM_MARKETS[0]!, 1, 5);
 * const mbo = new SimMarketByOrderBook(book, 1, 1n);
 * const volume = (side: BidOffer, ticks: number) =>
 *   mbo.orders(side, ticks).reduce((sum, o) => sum + o.volume, 0);
 * assert.equal(volume(BidOffer.BID, book.bestBidTicks), book.volumeAt(BidOffer.BID, book.bestBidTicks));
 * const messages = mbo.step(book.step().trade, 0);
 * assert.equal(messages[0]!.case, "marketByOrderUpdate");
 * assert.equal(volume(BidOffer.OFFER, book.bestOfferTicks), book.volumeAt(BidOffer.OFFER, book.bestOfferTicks));
 * ```
 */
export class SimMarketByOrderBook {
  /** The depth book this view follows. */
  readonly book: SimMarketBook;
  #rng: SeededRandom;
  #nextId: bigint;
  #nextPriority = 1n;
  #sequence = 0n;
  #bids = new Map<number, SimRestingOrder[]>();
  #offers = new Map<number, SimRestingOrder[]>();

  /**
   * Creates the orders behind the book's current levels.
   *
   * @param book The depth book to follow (stepped by the caller).
   * @param seed The PRNG seed of order sizes and cancels.
   * @param firstOrderId The first order id; ids then count up.
   */
  constructor(book: SimMarketBook, seed: number, firstOrderId: bigint) {
    this.book = book;
    this.#rng = new SeededRandom(seed);
    this.#nextId = firstOrderId;
    this.#sync(undefined, []);
  }

  /**
   * The sequence number of the last update or trade (0 before the first step).
   *
   * @returns The sequence.
   */
  get sequence(): bigint {
    return this.#sequence;
  }

  /**
   * The orders resting at a price, in queue priority order.
   *
   * @param side `BID` or `OFFER`.
   * @param ticks The price in ticks.
   * @returns The orders (empty outside the book).
   */
  orders(side: BidOffer, ticks: number): readonly SimRestingOrder[] {
    return (side === BidOffer.BID ? this.#bids : this.#offers).get(ticks) ?? [];
  }

  /**
   * Follows the depth book after {@linkcode SimMarketBook.step}: one `MarketByOrderUpdate` that
   * makes every level match the depth book (the traded level holds at least the traded volume),
   * then, when the step traded, a `MarketByOrderTrade` naming the orders filled and a
   * `MarketByOrderUpdate` that removes or reduces them and replenishes the level.
   *
   * @param trade The trade of the step, if any.
   * @param now The time in ms.
   * @returns The messages, each with its own sequence number.
   */
  step(trade: SimTrade | undefined, now: number): SimMarketByOrderMessage[] {
    const first: _Update[] = [];
    this.#sync(trade, first);
    const out: SimMarketByOrderMessage[] = [{
      case: "marketByOrderUpdate",
      value: this.#update(first, now),
    }];
    if (trade === undefined) return out;
    const queue = this.#level(trade.side, trade.ticks);
    const filled = [];
    const second: _Update[] = [];
    let left = trade.volume;
    while (left > 0 && queue.length > 0) {
      const order = queue[0]!;
      const fill = Math.min(left, order.volume);
      left -= fill;
      order.volume -= fill;
      filled.push({ orderId: order.orderId, volume: fill, bidOffer: order.side });
      if (order.volume === 0) {
        queue.shift();
        second.push(this.#change(MarketByOrderUpdate_UpdateType.DELETE, order));
      } else {
        second.push(this.#change(MarketByOrderUpdate_UpdateType.ADD_OR_UPDATE, order));
      }
    }
    const volume = this.book.volumeAt(trade.side, trade.ticks);
    this.#reconcile(queue, trade.side, trade.ticks, volume, ordersForVolume(volume), second);
    out.push({
      case: "marketByOrderTrade",
      value: {
        marketId: this.book.market.marketId,
        time: timestampFromMs(now),
        tradePrice: { value: this.book.price(trade.ticks) },
        tradeVolume: trade.volume - left,
        // The aggressor is on the other side of the resting orders it hit.
        aggressorSide: trade.side === BidOffer.BID ? BidOffer.OFFER : BidOffer.BID,
        sequence: ++this.#sequence,
        orders: filled,
      },
    });
    out.push({ case: "marketByOrderUpdate", value: this.#update(second, now) });
    return out;
  }

  /**
   * Renders every resting order as a `MarketByOrderSnapshot`: bids best first, then offers best
   * first, each level in priority order; `last_sequence` is that of the last update.
   *
   * @param now The time in ms.
   * @returns The message init.
   */
  snapshotMessage(now: number): MessageInitShape<typeof MarketByOrderSnapshotSchema> {
    const orders = [];
    for (const side of [this.#bids, this.#offers]) {
      const prices = [...side.keys()].sort((a, b) => side === this.#bids ? b - a : a - b);
      for (const ticks of prices) {
        for (const order of side.get(ticks)!) {
          orders.push({
            orderId: order.orderId,
            bidOffer: order.side,
            price: { value: this.book.price(order.ticks) },
            volume: order.volume,
            priority: order.priority,
          });
        }
      }
    }
    return {
      marketId: this.book.market.marketId,
      time: timestampFromMs(now),
      mode: MarketMode.OPEN,
      lastSequence: this.#sequence,
      orders,
    };
  }

  #update(updates: _Update[], now: number): MessageInitShape<typeof MarketByOrderUpdateSchema> {
    return {
      marketId: this.book.market.marketId,
      time: timestampFromMs(now),
      mode: MarketMode.OPEN,
      sequence: ++this.#sequence,
      updates,
    };
  }

  #change(type: MarketByOrderUpdate_UpdateType, order: SimRestingOrder): _Update {
    return {
      updateType: type,
      orderId: order.orderId,
      bidOffer: order.side,
      price: { value: this.book.price(order.ticks) },
      volume: type === MarketByOrderUpdate_UpdateType.DELETE ? 0 : order.volume,
      priority: order.priority,
    };
  }

  #level(side: BidOffer, ticks: number): SimRestingOrder[] {
    const levels = side === BidOffer.BID ? this.#bids : this.#offers;
    let queue = levels.get(ticks);
    if (queue === undefined) {
      queue = [];
      levels.set(ticks, queue);
    }
    return queue;
  }

  /** Makes every level match the depth book (the traded level at least the traded volume). */
  #sync(trade: SimTrade | undefined, updates: _Update[]): void {
    const book = this.book;
    for (const side of [BidOffer.BID, BidOffer.OFFER]) {
      const levels = side === BidOffer.BID ? this.#bids : this.#offers;
      for (const [ticks, queue] of levels) {
        if (book.volumeAt(side, ticks) > 0) continue;
        for (const order of queue) {
          updates.push(this.#change(MarketByOrderUpdate_UpdateType.DELETE, order));
        }
        levels.delete(ticks);
      }
    }
    for (let i = 0; i < book.depth; i++) {
      for (const side of [BidOffer.BID, BidOffer.OFFER]) {
        const ticks = side === BidOffer.BID ? book.bestBidTicks - i : book.bestOfferTicks + i;
        const volume = book.volumeAt(side, ticks);
        if (volume <= 0) continue;
        const traded = trade !== undefined && trade.side === side && trade.ticks === ticks;
        this.#reconcile(
          this.#level(side, ticks),
          side,
          ticks,
          traded ? Math.max(volume, trade.volume) : volume,
          ordersForVolume(volume),
          updates,
        );
      }
    }
  }

  /** Changes a level's queue to `count` orders of `volume` in total (`count <= volume`). */
  #reconcile(
    queue: SimRestingOrder[],
    side: BidOffer,
    ticks: number,
    volume: number,
    count: number,
    updates: _Update[],
  ): void {
    // Cancels: random orders leave the queue.
    while (queue.length > count) {
      const [order] = queue.splice(this.#rng.int(0, queue.length - 1), 1);
      updates.push(this.#change(MarketByOrderUpdate_UpdateType.DELETE, order!));
    }
    const added = count - queue.length;
    let resting = 0;
    for (const order of queue) resting += order.volume;
    // Every order keeps at least 1, and new orders need at least 1 each.
    const keep = Math.min(resting, volume - added);
    const changed = new Set<SimRestingOrder>();
    let cut = resting - keep;
    for (let j = queue.length - 1; j >= 0 && cut > 0; j--) {
      const order = queue[j]!;
      const reduce = Math.min(cut, order.volume - 1);
      if (reduce > 0) {
        order.volume -= reduce;
        cut -= reduce;
        changed.add(order);
      }
    }
    const grow = volume - keep;
    if (added === 0 && grow > 0) {
      // A size increase loses its place: the order moves to the back of the queue.
      const [order] = queue.splice(this.#rng.int(0, queue.length - 1), 1);
      order!.volume += grow;
      order!.priority = this.#nextPriority++;
      queue.push(order!);
      changed.add(order!);
    }
    for (const order of changed) {
      updates.push(this.#change(MarketByOrderUpdate_UpdateType.ADD_OR_UPDATE, order));
    }
    let spare = grow - added;
    for (let k = 0; k < added; k++) {
      const left = added - k;
      const extra = left === 1
        ? spare
        : Math.min(spare, this.#rng.int(0, 2 * Math.floor(spare / left)));
      spare -= extra;
      const order: SimRestingOrder = {
        orderId: this.#nextId++,
        side,
        ticks,
        volume: 1 + extra,
        priority: this.#nextPriority++,
      };
      queue.push(order);
      updates.push(this.#change(MarketByOrderUpdate_UpdateType.ADD_OR_UPDATE, order));
    }
  }
}
