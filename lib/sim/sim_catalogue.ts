/**
 * The simulator's market catalogue, as its REST API lists it: exchanges, contracts and their
 * expiries. The default catalogue rolls with the simulator's clock: besides the fixed default
 * markets it lists the next expiries of E-mini S&P 500 and Nasdaq-100 (`CME_Eq`, quarterly),
 * crude oil and natural gas (`CME_En`, monthly), 10-year notes (`CBT_Fi`, quarterly) and gold
 * (`CMX_Mt`, monthly), so the front market (the nearest unexpired one) is always defined.
 *
 * @module
 */

import { DEFAULT_SIM_MARKETS, type SimMarket } from "./sim_config.ts";

/** A contract of the default catalogue. */
export interface SimContractSpec {
  /** Exchange id. */
  exchangeId: string;
  /** Contract id. */
  contractId: string;
  /** Description, e.g. `E-mini S&P 500`. */
  description: string;
  /** Listed months (1–12). */
  months: readonly number[];
  /** Expiry of the contract month `month` of `year`, as a UTC date `[year, month, day]`. */
  expiry: (year: number, month: number) => [number, number, number];
  /** Price increment. */
  tickSize: number;
  /** Decimals of prices. */
  decimals: number;
  /** Currency value of one point. */
  pointValue: number;
  /** Price of the front month at start. */
  startPrice: number;
}

/** Descriptions of the default exchanges. */
export const SIM_EXCHANGE_DESCRIPTIONS: Readonly<Record<string, string>> = Object.freeze({
  CME_Eq: "CME Equity Futures",
  CME_En: "NYMEX Energy Futures",
  CBT_Fi: "CBOT Financial Futures",
  CMX_Mt: "COMEX Metals Futures",
});

const _QUARTERLY = [3, 6, 9, 12] as const;
const _MONTHLY = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;
const _MONTH_CODES = "FGHJKMNQUVXZ";

/** The third Friday of a month. */
function _thirdFriday(year: number, month: number): [number, number, number] {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return [year, month, 1 + ((5 - first + 7) % 7) + 14];
}

/** A day of the month before the contract month. */
function _dayBefore(day: number) {
  return (year: number, month: number): [number, number, number] =>
    month === 1 ? [year - 1, 12, day] : [year, month - 1, day];
}

/** The contracts of the default catalogue. */
export const SIM_CONTRACT_SPECS: readonly SimContractSpec[] = [
  {
    exchangeId: "CME_Eq",
    contractId: "ES",
    description: "E-mini S&P 500",
    months: _QUARTERLY,
    expiry: _thirdFriday,
    tickSize: 0.25,
    decimals: 2,
    pointValue: 50,
    startPrice: 6000,
  },
  {
    exchangeId: "CME_Eq",
    contractId: "NQ",
    description: "E-mini Nasdaq-100",
    months: _QUARTERLY,
    expiry: _thirdFriday,
    tickSize: 0.25,
    decimals: 2,
    pointValue: 20,
    startPrice: 21000,
  },
  {
    exchangeId: "CME_En",
    contractId: "CL",
    description: "Crude Oil",
    months: _MONTHLY,
    expiry: _dayBefore(20),
    tickSize: 0.01,
    decimals: 2,
    pointValue: 1000,
    startPrice: 70,
  },
  {
    exchangeId: "CME_En",
    contractId: "NG",
    description: "Natural Gas",
    months: _MONTHLY,
    expiry: _dayBefore(27),
    tickSize: 0.001,
    decimals: 3,
    pointValue: 10000,
    startPrice: 3.2,
  },
  {
    exchangeId: "CBT_Fi",
    contractId: "ZN",
    description: "10-Year T-Note",
    months: _QUARTERLY,
    expiry: (year, month) => [year, month, 21],
    tickSize: 0.015625,
    decimals: 6,
    pointValue: 1000,
    startPrice: 110,
  },
  {
    exchangeId: "CMX_Mt",
    contractId: "GC",
    description: "Gold",
    months: [2, 4, 6, 8, 10, 12],
    expiry: _dayBefore(26),
    tickSize: 0.1,
    decimals: 1,
    pointValue: 100,
    startPrice: 2650,
  },
];

/**
 * A contract's expiry as `YYYYMMDD`.
 *
 * @param year The year.
 * @param month The month (1–12).
 * @param day The day.
 * @returns E.g. `20261218`.
 */
function _yyyymmdd([year, month, day]: [number, number, number]): number {
  return year * 10_000 + month * 100 + day;
}

/**
 * Today's date (UTC) of a clock time, as `YYYYMMDD`.
 *
 * @param nowMs Milliseconds since the epoch.
 * @returns E.g. `20261201`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simDate } from "./sim_catalogue.ts";
 *
 * assert.equal(simDate(Date.UTC(2026, 11, 1)), 20261201);
 * ```
 */
export function simDate(nowMs: number): number {
  const d = new Date(nowMs);
  return _yyyymmdd([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
}

/**
 * The next unexpired markets of each default contract at a time: `count` expiries per contract,
 * with ids such as `XCME_Eq ES (H27)` and prices rising a little per expiry.
 *
 * @param nowMs The clock time.
 * @param count Expiries per contract.
 * @returns The markets, contract by contract, nearest expiry first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rollingSimMarkets } from "./sim_catalogue.ts";
 *
 * const es = rollingSimMarkets(Date.UTC(2026, 11, 19), 2).filter((m) => m.contractId === "ES");
 * assert.deepEqual(es.map((m) => m.marketId), ["XCME_Eq ES (H27)", "XCME_Eq ES (M27)"]);
 * assert.equal(es[0]!.expiryDate, 20270319);
 * ```
 */
export function rollingSimMarkets(nowMs: number, count = 3): SimMarket[] {
  const today = simDate(nowMs);
  const start = new Date(nowMs);
  const out: SimMarket[] = [];
  for (const spec of SIM_CONTRACT_SPECS) {
    let year = start.getUTCFullYear();
    let month = start.getUTCMonth() + 1;
    let found = 0;
    for (let guard = 0; found < count && guard < 48; guard++) {
      if (spec.months.includes(month)) {
        const expiry = _yyyymmdd(spec.expiry(year, month));
        if (expiry >= today) {
          const code = `${_MONTH_CODES[month - 1]}${String(year % 100).padStart(2, "0")}`;
          const step = Math.round(spec.startPrice * 0.002 * found / spec.tickSize) * spec.tickSize;
          out.push({
            exchangeId: spec.exchangeId,
            contractId: spec.contractId,
            marketId: `X${spec.exchangeId} ${spec.contractId} (${code})`,
            tickSize: spec.tickSize,
            decimals: spec.decimals,
            pointValue: spec.pointValue,
            startPrice: Number((spec.startPrice + step).toFixed(spec.decimals)),
            expiryDate: expiry,
          });
          found++;
        }
      }
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
  }
  return out;
}

/**
 * The simulator's default markets at a time: the fixed {@linkcode DEFAULT_SIM_MARKETS} first (so
 * their books do not change), then the rolling expiries of {@linkcode rollingSimMarkets} not
 * already among them.
 *
 * @param nowMs The clock time.
 * @returns The markets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_SIM_MARKETS } from "./sim_config.ts";
 * import { defaultSimCatalogue } from "./sim_catalogue.ts";
 *
 * const markets = defaultSimCatalogue(Date.UTC(2026, 11, 1));
 * assert.deepEqual(markets.slice(0, 3), [...DEFAULT_SIM_MARKETS]);
 * assert.equal(new Set(markets.map((m) => m.marketId)).size, markets.length);
 * ```
 */
export function defaultSimCatalogue(nowMs: number): SimMarket[] {
  const out = [...DEFAULT_SIM_MARKETS];
  const ids = new Set(out.map((m) => m.marketId));
  for (const market of rollingSimMarkets(nowMs)) {
    if (!ids.has(market.marketId)) {
      out.push(market);
      ids.add(market.marketId);
    }
  }
  return out;
}

/**
 * The description of a contract (its id when it is not a default contract).
 *
 * @param exchangeId Exchange id.
 * @param contractId Contract id.
 * @returns The description.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simContractDescription } from "./sim_catalogue.ts";
 *
 * assert.equal(simContractDescription("CME_Eq", "ES"), "E-mini S&P 500");
 * assert.equal(simContractDescription("X", "Y"), "Y");
 * ```
 */
export function simContractDescription(exchangeId: string, contractId: string): string {
  return SIM_CONTRACT_SPECS.find((s) => s.exchangeId === exchangeId && s.contractId === contractId)
    ?.description ?? contractId;
}

/**
 * The front market of a contract at a date: the unexpired market with the nearest expiry
 * (markets without an expiry count as never expiring, after every dated one).
 *
 * @param markets The catalogue.
 * @param exchangeId Exchange id.
 * @param contractId Contract id.
 * @param today The date as `YYYYMMDD`.
 * @returns The market, or `undefined` when the contract has no unexpired market.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frontSimMarket, defaultSimCatalogue } from "./sim_catalogue.ts";
 *
 * const markets = defaultSimCatalogue(Date.UTC(2026, 11, 1));
 * assert.equal(frontSimMarket(markets, "CME_Eq", "ES", 20261201)?.marketId, "XCME_Eq ES (Z26)");
 * assert.equal(frontSimMarket(markets, "CME_Eq", "ES", 20261219)?.marketId, "XCME_Eq ES (H27)");
 * assert.equal(frontSimMarket(markets, "CME_Eq", "XX", 20261201), undefined);
 * ```
 */
export function frontSimMarket(
  markets: readonly SimMarket[],
  exchangeId: string,
  contractId: string,
  today: number,
): SimMarket | undefined {
  return unexpiredSimMarkets(markets, exchangeId, contractId, today)[0];
}

/**
 * The unexpired markets of a contract at a date, nearest expiry first.
 *
 * @param markets The catalogue.
 * @param exchangeId Exchange id.
 * @param contractId Contract id.
 * @param today The date as `YYYYMMDD`.
 * @returns The markets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultSimCatalogue, unexpiredSimMarkets } from "./sim_catalogue.ts";
 *
 * const markets = defaultSimCatalogue(Date.UTC(2026, 11, 1));
 * assert.equal(unexpiredSimMarkets(markets, "CME_Eq", "ES", 20261201).length, 3);
 * ```
 */
export function unexpiredSimMarkets(
  markets: readonly SimMarket[],
  exchangeId: string,
  contractId: string,
  today: number,
): SimMarket[] {
  const key = (m: SimMarket) => (m.expiryDate ? m.expiryDate : Infinity);
  return markets
    .filter((m) =>
      m.exchangeId === exchangeId && m.contractId === contractId &&
      (!m.expiryDate || m.expiryDate >= today)
    )
    .sort((a, b) => key(a) - key(b));
}
