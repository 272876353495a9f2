/**
 * Market lookup through the T4 REST API: the front market of a contract, exchanges, contracts,
 * contract search, expiry groups and the markets of a group. Field names are read .NET style
 * (`marketID`, `exchangeID`, `contractID`) and also as `marketId` / `market_id`.
 *
 * @module
 */

import { MarketNotFoundError, RestError } from "./rest_errors.ts";
import type { RestClient } from "./rest_client.ts";

/** An exchange. */
export interface RestExchange {
  /** Exchange id, e.g. `CME_Eq`. */
  exchangeId: string;
  /** Description, e.g. `CME Equity Futures`. */
  description: string;
}

/** A contract. */
export interface RestContract {
  /** Exchange id. */
  exchangeId: string;
  /** Contract id, e.g. `ES`. */
  contractId: string;
  /** Description, e.g. `E-mini S&P 500`. */
  description: string;
}

/** An expiry group of a contract. */
export interface RestExpiryGroup {
  /** Strategy type, e.g. `None` for outright futures. */
  strategyType: string;
  /** Expiry as the API gives it, e.g. `20261218`. */
  expiryDate: string;
  /** Markets in the group. */
  marketCount: number;
}

/** A market. */
export interface RestMarket {
  /** Market id, e.g. `XCME_Eq ES (Z26)`. */
  marketId: string;
  /** Exchange id. */
  exchangeId: string;
  /** Contract id. */
  contractId: string;
  /** Description. */
  description: string;
  /** Expiry as the API gives it (`""` when not given). */
  expiryDate: string;
}

type _Json = Record<string, unknown>;

function _str(value: _Json, ...keys: string[]): string {
  for (const key of keys) {
    const v = value[key];
    if (typeof v === "string" && v !== "") return v;
    if (typeof v === "number") return String(v);
  }
  return "";
}

function _num(value: _Json, ...keys: string[]): number {
  for (const key of keys) {
    const v = value[key];
    if (typeof v === "number") return v;
    if (typeof v === "string" && v !== "" && !Number.isNaN(Number(v))) return Number(v);
  }
  return 0;
}

const _EXCHANGE = ["exchangeID", "exchangeId", "exchange_id", "ExchangeID"];
const _CONTRACT = ["contractID", "contractId", "contract_id", "ContractID"];
const _MARKET = ["marketID", "marketId", "market_id", "MarketID"];
const _DESCRIPTION = ["description", "Description"];
const _EXPIRY = ["expiryDate", "expirydate", "expiry_date", "ExpiryDate"];

function _array(path: string, body: unknown): _Json[] {
  if (body === null) return [];
  if (!Array.isArray(body)) throw new RestError(path, 200, "expected a JSON array");
  return body.filter((v): v is _Json => typeof v === "object" && v !== null);
}

/**
 * Reads a market from a REST body, accepting `marketID`, `marketId` and `market_id`.
 *
 * @param value One JSON object of the API.
 * @returns The market, or `undefined` when it has no market id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRestMarket } from "./t4_markets.ts";
 *
 * assert.equal(parseRestMarket({ marketID: "XCME_Eq ES (Z26)" })?.marketId, "XCME_Eq ES (Z26)");
 * assert.equal(parseRestMarket({ market_id: "M" })?.marketId, "M");
 * assert.equal(parseRestMarket({}), undefined);
 * ```
 */
export function parseRestMarket(value: unknown): RestMarket | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as _Json;
  const marketId = _str(v, ..._MARKET);
  if (marketId === "") return undefined;
  return {
    marketId,
    exchangeId: _str(v, ..._EXCHANGE),
    contractId: _str(v, ..._CONTRACT),
    description: _str(v, ..._DESCRIPTION),
    expiryDate: _str(v, ..._EXPIRY),
  };
}

/**
 * The market endpoints of the T4 REST API, typed.
 *
 * @example Resolve the front ES market on the simulator
 * ```ts
 * import assert from "node:assert/strict";
 * import { startSimulator } from "../sim/mod.ts";
 * import { RestClient } from "./rest_client.ts";
 * import { T4Markets } from "./t4_markets.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * const markets = new T4Markets(
 *   new RestClient({ baseUrl: sim.restUrl, auth: { apiKey: "demo-api-key" } }),
 * );
 * const front = await markets.front("CME_Eq", "ES");
 * assert.match(front.marketId, /^XCME_Eq ES \([HMUZ]\d\d\)$/);
 * ```
 */
export class T4Markets {
  readonly #rest: RestClient;

  /**
   * Wraps a REST client.
   *
   * @param rest The REST client.
   */
  constructor(rest: RestClient) {
    this.#rest = rest;
  }

  /**
   * The front market of a contract (`/markets/picker/firstmarket`).
   *
   * @param exchangeId Exchange id, e.g. `CME_Eq`.
   * @param contractId Contract id, e.g. `ES`.
   * @returns The market.
   * @throws {MarketNotFoundError} When the API knows no market for the contract (404 or empty).
   * @throws {RestError} On any other HTTP error.
   */
  async front(exchangeId: string, contractId: string): Promise<RestMarket> {
    let body: unknown;
    try {
      body = await this.#rest.get("/markets/picker/firstmarket", {
        exchangeid: exchangeId,
        contractid: contractId,
      });
    } catch (error) {
      if (error instanceof RestError && error.status === 404) {
        throw new MarketNotFoundError(exchangeId, contractId, { cause: error });
      }
      throw error;
    }
    const market = parseRestMarket(body);
    if (market === undefined) throw new MarketNotFoundError(exchangeId, contractId);
    return {
      ...market,
      exchangeId: market.exchangeId || exchangeId,
      contractId: market.contractId || contractId,
    };
  }

  /**
   * Every exchange (`/markets/exchanges`).
   *
   * @returns The exchanges.
   * @throws {RestError} On an HTTP error.
   */
  async exchanges(): Promise<RestExchange[]> {
    const path = "/markets/exchanges";
    return _array(path, await this.#rest.get(path))
      .map((v) => ({ exchangeId: _str(v, ..._EXCHANGE), description: _str(v, ..._DESCRIPTION) }))
      .filter((e) => e.exchangeId !== "");
  }

  /**
   * The contracts of an exchange (`/markets/contracts`).
   *
   * @param exchangeId Exchange id.
   * @returns The contracts.
   * @throws {RestError} On an HTTP error.
   */
  async contracts(exchangeId: string): Promise<RestContract[]> {
    const path = "/markets/contracts";
    return _contracts(_array(path, await this.#rest.get(path, { exchangeid: exchangeId })))
      .map((c) => ({ ...c, exchangeId: c.exchangeId || exchangeId }));
  }

  /**
   * Contracts whose id or description matches a text (`/markets/contracts/search`).
   *
   * @param text The search text.
   * @returns The matching contracts.
   * @throws {RestError} On an HTTP error.
   */
  async search(text: string): Promise<RestContract[]> {
    const path = "/markets/contracts/search";
    return _contracts(_array(path, await this.#rest.get(path, { search: text })));
  }

  /**
   * The expiry groups of a contract (`/markets/picker/groups`).
   *
   * @param exchangeId Exchange id.
   * @param contractId Contract id.
   * @returns The groups.
   * @throws {RestError} On an HTTP error.
   */
  async groups(exchangeId: string, contractId: string): Promise<RestExpiryGroup[]> {
    const path = "/markets/picker/groups";
    const body = await this.#rest.get(path, { exchangeid: exchangeId, contractid: contractId });
    return _array(path, body).map((v) => ({
      strategyType: _str(v, "strategyType", "strategytype", "strategy_type"),
      expiryDate: _str(v, ..._EXPIRY),
      marketCount: _num(v, "marketCount", "marketcount", "market_count"),
    })).filter((g) => g.strategyType !== "");
  }

  /**
   * The markets of an expiry group (`/markets/picker`).
   *
   * @param exchangeId Exchange id.
   * @param contractId Contract id.
   * @param strategyType Strategy type of the group, e.g. `None`.
   * @param expiryDate Expiry of the group (sent unless the strategy type is `None`).
   * @returns The markets.
   * @throws {RestError} On an HTTP error.
   */
  async markets(
    exchangeId: string,
    contractId: string,
    strategyType = "None",
    expiryDate?: string,
  ): Promise<RestMarket[]> {
    const path = "/markets/picker";
    const body = await this.#rest.get(path, {
      exchangeid: exchangeId,
      contractid: contractId,
      strategytype: strategyType,
      expirydate: strategyType !== "None" && expiryDate ? expiryDate : undefined,
    });
    return _array(path, body).map(parseRestMarket)
      .filter((m): m is RestMarket => m !== undefined)
      .map((m) => ({
        ...m,
        exchangeId: m.exchangeId || exchangeId,
        contractId: m.contractId || contractId,
      }));
  }
}

function _contracts(values: _Json[]): RestContract[] {
  return values.map((v) => ({
    exchangeId: _str(v, ..._EXCHANGE),
    contractId: _str(v, ..._CONTRACT),
    description: _str(v, ..._DESCRIPTION),
  })).filter((c) => c.contractId !== "");
}
