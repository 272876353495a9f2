/**
 * The simulator's REST API on its own HTTP port: the market routes of the T4 REST API
 * (`/markets/exchanges`, `/markets/contracts`, `/markets/contracts/search`,
 * `/markets/picker/groups`, `/markets/picker`, `/markets/picker/firstmarket`) over the
 * simulator's catalogue, with .NET-style field names, the front market relative to the
 * simulator's clock, and the same authorization rules as T4: `APIKey <key>` of a user, or
 * `Bearer <JWT>` of a token the simulator issued and that has not expired; anything else is 401.
 *
 * @module
 */

import type { SimMarket } from "./sim_config.ts";
import {
  SIM_EXCHANGE_DESCRIPTIONS,
  simContractDescription,
  simDate,
  unexpiredSimMarkets,
} from "./sim_catalogue.ts";
import type { SimCore } from "./sim_core.ts";
import { TcpFront } from "./tcp_front.ts";
import { nativeListen } from "./ws_server.ts";

/** A running REST server of the simulator. */
export interface SimRestServer {
  /** The REST base, e.g. `http://127.0.0.1:4322`. */
  readonly url: string;
  /** The listening port. */
  readonly port: number;
  /**
   * Stops listening.
   *
   * @returns A promise that resolves when stopped.
   */
  stop(): Promise<void>;
}

const _MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

function _json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function _isoExpiry(expiry: number | undefined): string | null {
  if (!expiry) return null;
  const y = Math.floor(expiry / 10_000);
  const m = Math.floor(expiry / 100) % 100;
  const d = expiry % 100;
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}T00:00:00`;
}

function _marketJson(market: SimMarket) {
  const expiry = market.expiryDate;
  const month = expiry
    ? `${_MONTHS[(Math.floor(expiry / 100) % 100) - 1]}${
      String(Math.floor(expiry / 10_000) % 100).padStart(2, "0")
    }`
    : "";
  return {
    marketID: market.marketId,
    exchangeID: market.exchangeId,
    contractID: market.contractId,
    description: `${simContractDescription(market.exchangeId, market.contractId)}${
      month ? ` ${month}` : ""
    }`,
    contractType: "Future",
    strategyType: "None",
    expiryDate: _isoExpiry(expiry),
    minPriceIncrement: market.tickSize,
    pointValue: market.pointValue,
  };
}

/**
 * Answers one REST request of the simulator.
 *
 * @param core The simulator's state (users, tokens, clock).
 * @param markets The catalogue.
 * @param request The HTTP request.
 * @returns The response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { simRestResponse } from "./sim_rest.ts";
 *
 * const core = new SimCore({
 *   clock: systemClock,
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * const url = "http://127.0.0.1/markets/exchanges";
 * assert.equal(simRestResponse(core, DEFAULT_SIM_MARKETS, new Request(url)).status, 401);
 * const ok = simRestResponse(core, DEFAULT_SIM_MARKETS, new Request(url, {
 *   headers: { authorization: "APIKey demo-api-key" },
 * }));
 * assert.equal(ok.status, 200);
 * ```
 */
export function simRestResponse(
  core: SimCore,
  markets: readonly SimMarket[],
  request: Request,
): Response {
  const url = new URL(request.url);
  if (request.method !== "GET") {
    return _json(405, { message: `Method ${request.method} is not allowed: use GET` });
  }
  if (!_authorized(core, request.headers.get("authorization") ?? "")) {
    return _json(401, {
      message: "Authorization required: send 'APIKey <key>' or 'Bearer <token>'",
    });
  }
  const q = (name: string) => url.searchParams.get(name) ?? "";
  const today = simDate(core.clock.now());
  const missing = (...names: string[]) => {
    const absent = names.filter((n) => q(n) === "");
    return absent.length === 0 ? undefined : _json(400, {
      message: `Missing query parameter${absent.length === 1 ? "" : "s"}: ${absent.join(", ")}`,
    });
  };
  switch (url.pathname.replace(/\/+$/, "")) {
    case "/markets/exchanges": {
      const ids = [...new Set(markets.map((m) => m.exchangeId))].sort();
      return _json(
        200,
        ids.map((exchangeId) => ({
          exchangeID: exchangeId,
          description: SIM_EXCHANGE_DESCRIPTIONS[exchangeId] ?? exchangeId,
        })),
      );
    }
    case "/markets/contracts": {
      const bad = missing("exchangeid");
      if (bad) return bad;
      return _json(200, _contracts(markets.filter((m) => m.exchangeId === q("exchangeid"))));
    }
    case "/markets/contracts/search": {
      const bad = missing("search");
      if (bad) return bad;
      const text = q("search").toLowerCase();
      return _json(
        200,
        _contracts(markets).filter((c) =>
          c.contractID.toLowerCase().includes(text) || c.description.toLowerCase().includes(text)
        ),
      );
    }
    case "/markets/picker/groups": {
      const bad = missing("exchangeid", "contractid");
      if (bad) return bad;
      return _json(
        200,
        unexpiredSimMarkets(markets, q("exchangeid"), q("contractid"), today).map((m) => ({
          strategyType: "None",
          expiryDate: _isoExpiry(m.expiryDate),
          marketCount: 1,
        })),
      );
    }
    case "/markets/picker": {
      const bad = missing("exchangeid", "contractid", "strategytype");
      if (bad) return bad;
      if (q("strategytype") !== "None") return _json(200, []);
      return _json(
        200,
        unexpiredSimMarkets(markets, q("exchangeid"), q("contractid"), today).map(_marketJson),
      );
    }
    case "/markets/picker/firstmarket": {
      const bad = missing("exchangeid", "contractid");
      if (bad) return bad;
      const front = unexpiredSimMarkets(markets, q("exchangeid"), q("contractid"), today)[0];
      if (front === undefined) {
        return _json(404, {
          message: `No unexpired market for exchange '${q("exchangeid")}' and contract '${
            q("contractid")
          }'`,
        });
      }
      return _json(200, _marketJson(front));
    }
    default:
      return _json(404, { message: `No route ${url.pathname}` });
  }
}

function _contracts(markets: readonly SimMarket[]) {
  const seen = new Map<string, { exchangeID: string; contractID: string; description: string }>();
  for (const m of markets) {
    const key = `${m.exchangeId}\u0000${m.contractId}`;
    if (!seen.has(key)) {
      seen.set(key, {
        exchangeID: m.exchangeId,
        contractID: m.contractId,
        description: simContractDescription(m.exchangeId, m.contractId),
      });
    }
  }
  return [...seen.values()].sort((a, b) =>
    a.exchangeID.localeCompare(b.exchangeID) || a.contractID.localeCompare(b.contractID)
  );
}

function _authorized(core: SimCore, header: string): boolean {
  const match = /^(APIKey|Bearer)\s+(\S+)$/i.exec(header.trim());
  if (match === null) return false;
  const [, scheme, value] = match;
  if (scheme!.toLowerCase() === "apikey") {
    return core.users.some((u) =>
      u.user.apiKey === value &&
      (u.user.outcome === undefined || u.user.outcome === "LOGIN_SUCCESS")
    );
  }
  const expiry = core.tokens.get(value!);
  return expiry !== undefined && core.clock.now() < expiry;
}

/**
 * Starts the simulator's REST server on a free port.
 *
 * @param core The simulator's state.
 * @param markets The catalogue.
 * @param hostname The address to listen on.
 * @param port The port; 0 picks a free one.
 * @returns The running server.
 * @throws {Error} When the port cannot be bound or the runtime is neither Deno nor Bun.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { serveSimRest } from "./sim_rest.ts";
 *
 * const core = new SimCore({
 *   clock: systemClock,
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * const server = await serveSimRest(core, DEFAULT_SIM_MARKETS, "127.0.0.1", 0);
 * const response = await fetch(`${server.url}/markets/exchanges`);
 * assert.equal(response.status, 401);
 * await response.body?.cancel();
 * await server.stop();
 * ```
 */
export async function serveSimRest(
  core: SimCore,
  markets: readonly SimMarket[],
  hostname: string,
  port: number,
): Promise<SimRestServer> {
  // Like the WebSocket server: the native server on loopback, a TCP front on the chosen port.
  const native = await nativeListen()("127.0.0.1", {
    accept: (request) => simRestResponse(core, markets, request),
    open: () => {},
    message: () => {},
    close: () => {},
    drain: () => {},
  });
  let front: TcpFront;
  try {
    front = await TcpFront.listen(hostname, port, "127.0.0.1", native.port);
  } catch (error) {
    await native.stop();
    throw error;
  }
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${front.port}`,
    port: front.port,
    async stop() {
      await front.close(0);
      await native.stop();
    },
  };
}
