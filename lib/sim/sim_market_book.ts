/**
 * One simulated market: a seeded random-walk order book with a one-tick spread, trades, and the
 * session's open/high/low, rendered as T4 market-data messages.
 *
 * @module
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  BidOffer,
  ContractType,
  type DepthBuffer,
  DepthLevels,
  MarketMode,
} from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type {
  MarketDepthSchema,
  MarketDepthTradeSchema,
  MarketDetailsSchema,
  MarketHighLowSchema,
} from "../protocol/gen/t4/v1/market/market_pb.ts";
import { SeededRandom } from "./seeded_random.ts";
import type { SimMarket } from "./sim_config.ts";

/** A trade printed by {@linkcode SimMarketBook.step} or by a simulated order. */
export interface SimTrade {
  /** Price in ticks. */
  ticks: number;
  /** Volume. */
  volume: number;
  /** The side the trade hit: bid (a sell) or offer (a buy). */
  side: BidOffer;
}

/** What changed in one step. */
export interface SimStep {
  /** The trade of this step, if any. */
  trade: SimTrade | undefined;
  /** Whether the high or low moved. */
  highLowChanged: boolean;
}

/**
 * A market's simulated book.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_SIM_MARKETS } from "./sim_config.ts";
 * import { SimMarketBook } from "./sim_market_book.ts";
 *
 * const book = new SimMarketBook(DEFAULT_SIM_MARKETS[0]!, 1, 10);
 * assert.equal(book.bestOfferTicks - book.bestBidTicks, 1);
 * assert.equal(book.price(24_000), "6000.00");
 * ```
 */
export class SimMarketBook {
  /** The market definition. */
  readonly market: SimMarket;
  /** Levels per side. */
  readonly depth: number;
  #rng: SeededRandom;
  #bestBid: number;
  #bids: number[];
  #offers: number[];
  #totalVolume = 0;
  #tradeCount = 0;
  #last: SimTrade | undefined;
  #open: number;
  #high: number;
  #low: number;

  /**
   * Creates the book at the market's start price.
   *
   * @param market The market.
   * @param seed The PRNG seed.
   * @param depth Levels per side.
   */
  constructor(market: SimMarket, seed: number, depth: number) {
    this.market = market;
    this.depth = depth;
    this.#rng = new SeededRandom(seed);
    const mid = Math.round(market.startPrice / market.tickSize);
    this.#bestBid = mid;
    this.#open = mid;
    this.#high = mid + 1;
    this.#low = mid;
    this.#bids = this.#volumes();
    this.#offers = this.#volumes();
  }

  /**
   * The best bid.
   *
   * @returns The best bid in ticks.
   */
  get bestBidTicks(): number {
    return this.#bestBid;
  }

  /**
   * The best offer, one tick above the best bid.
   *
   * @returns The best offer in ticks.
   */
  get bestOfferTicks(): number {
    return this.#bestBid + 1;
  }

  /**
   * The last trade printed.
   *
   * @returns The last trade, if any.
   */
  get lastTrade(): SimTrade | undefined {
    return this.#last;
  }

  /**
   * Moves the book one random step and maybe prints a trade.
   *
   * @returns What changed.
   */
  step(): SimStep {
    const r = this.#rng.next();
    if (r < 0.3 && this.#bestBid > 2) this.#bestBid--;
    else if (r >= 0.7) this.#bestBid++;
    this.#bids = this.#volumes();
    this.#offers = this.#volumes();
    let trade: SimTrade | undefined;
    let highLowChanged = false;
    if (this.#rng.next() < 0.4) {
      const side = this.#rng.next() < 0.5 ? BidOffer.BID : BidOffer.OFFER;
      trade = {
        ticks: side === BidOffer.BID ? this.bestBidTicks : this.bestOfferTicks,
        volume: this.#rng.int(1, 10),
        side,
      };
      highLowChanged = this.recordTrade(trade);
    }
    return { trade, highLowChanged };
  }

  /**
   * Records a trade in the totals and the high/low.
   *
   * @param trade The trade.
   * @returns Whether the high or low moved.
   */
  recordTrade(trade: SimTrade): boolean {
    this.#totalVolume += trade.volume;
    this.#tradeCount++;
    this.#last = trade;
    let changed = false;
    if (trade.ticks > this.#high) {
      this.#high = trade.ticks;
      changed = true;
    }
    if (trade.ticks < this.#low) {
      this.#low = trade.ticks;
      changed = true;
    }
    return changed;
  }

  /**
   * Formats a price in ticks.
   *
   * @param ticks The price in ticks.
   * @returns The decimal string, e.g. `"6000.25"`.
   */
  price(ticks: number): string {
    return (ticks * this.market.tickSize).toFixed(this.market.decimals);
  }

  /**
   * Parses a decimal price into ticks.
   *
   * @param value The decimal string.
   * @returns The ticks, or `undefined` when it is not a positive price on a tick.
   */
  ticks(value: string | undefined): number | undefined {
    if (value === undefined || value.trim() === "") return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    const ticks = Math.round(n / this.market.tickSize);
    return Math.abs(ticks * this.market.tickSize - n) < 1e-9 * Math.max(1, n) ? ticks : undefined;
  }

  /**
   * Volume available at `ticks` on a side.
   *
   * @param side `BID` or `OFFER`.
   * @param ticks The price.
   * @returns The volume (0 outside the book).
   */
  volumeAt(side: BidOffer, ticks: number): number {
    const index = side === BidOffer.BID ? this.bestBidTicks - ticks : ticks - this.bestOfferTicks;
    const levels = side === BidOffer.BID ? this.#bids : this.#offers;
    return index >= 0 && index < levels.length ? levels[index]! : 0;
  }

  /**
   * Renders the book as a `MarketDepth`.
   *
   * @param levels The requested depth levels.
   * @param buffer The requested buffer.
   * @param now The time in ms.
   * @returns The message init.
   */
  depthMessage(
    levels: DepthLevels,
    buffer: DepthBuffer,
    now: number,
  ): MessageInitShape<typeof MarketDepthSchema> {
    const count = levelCount(levels, this.depth);
    const bids = [];
    const offers = [];
    for (let i = 0; i < count; i++) {
      bids.push({
        price: { value: this.price(this.bestBidTicks - i) },
        volume: this.#bids[i]!,
        numOrders: Math.max(1, this.#bids[i]! >> 3),
      });
      offers.push({
        price: { value: this.price(this.bestOfferTicks + i) },
        volume: this.#offers[i]!,
        numOrders: Math.max(1, this.#offers[i]! >> 3),
      });
    }
    const last = this.#last;
    return {
      marketId: this.market.marketId,
      depthLevels: levels,
      depthBuffer: buffer,
      time: timestampFromMs(now),
      bids,
      offers,
      mode: MarketMode.OPEN,
      tradeData: {
        totalTradedVolume: this.#totalVolume,
        totalTradeCount: this.#tradeCount,
        ...(last === undefined ? {} : {
          lastTradePrice: { value: this.price(last.ticks) },
          lastTradeVolume: last.volume,
          lastTradeTotalVolume: this.#totalVolume,
          atBidOrOffer: last.side,
        }),
      },
    };
  }

  /**
   * Renders the last trade as a `MarketDepthTrade`.
   *
   * @param now The time in ms.
   * @returns The message init, or `undefined` before the first trade.
   */
  tradeMessage(now: number): MessageInitShape<typeof MarketDepthTradeSchema> | undefined {
    const last = this.#last;
    if (last === undefined) return undefined;
    return {
      marketId: this.market.marketId,
      time: timestampFromMs(now),
      totalTradedVolume: this.#totalVolume,
      lastTradeVolume: last.volume,
      atBidOrOffer: last.side,
      totalTradeCount: this.#tradeCount,
      lastTradePrice: { value: this.price(last.ticks) },
      mode: MarketMode.OPEN,
    };
  }

  /**
   * Renders open/high/low as a `MarketHighLow`.
   *
   * @param now The time in ms.
   * @returns The message init.
   */
  highLowMessage(now: number): MessageInitShape<typeof MarketHighLowSchema> {
    return {
      marketId: this.market.marketId,
      openPrice: { value: this.price(this.#open) },
      highPrice: { value: this.price(this.#high) },
      lowPrice: { value: this.price(this.#low) },
      time: timestampFromMs(now),
    };
  }

  /**
   * Renders the market definition as `MarketDetails`.
   *
   * @returns The message init.
   */
  detailsMessage(): MessageInitShape<typeof MarketDetailsSchema> {
    const m = this.market;
    return {
      marketId: m.marketId,
      exchangeId: m.exchangeId,
      contractId: m.contractId,
      expiryDate: m.expiryDate ?? 0,
      contractType: ContractType.FUTURE,
      decimals: m.decimals,
      realDecimals: m.decimals,
      displayDecimals: m.decimals,
      pointValue: { value: String(m.pointValue) },
      minPriceIncrement: { value: String(m.tickSize) },
      volumeIncrement: 1,
      details: `${m.contractId} (simulated)`,
    };
  }

  #volumes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.depth; i++) out.push(this.#rng.int(1, 60));
    return out;
  }
}

/**
 * How many levels per side a `DepthLevels` request gets: `BEST_ONLY` 1, `NORMAL` (and
 * `UNDEFINED`) up to 10, `ALL` every level.
 *
 * @param levels The requested levels.
 * @param depth Levels in the book.
 * @returns The number of levels.
 */
export function levelCount(levels: DepthLevels, depth: number): number {
  if (levels === DepthLevels.BEST_ONLY) return 1;
  if (levels === DepthLevels.ALL) return depth;
  return Math.min(10, depth);
}
