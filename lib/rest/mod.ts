/**
 * Market lookup through the T4 REST API: `RestClient` (`fetch` with a per-call timeout, bounded
 * retries on 5xx and network errors, never on 4xx, `APIKey` or `Bearer` authorization, `http://`
 * only to loopback), `T4Markets` (front market, exchanges, contracts, search, expiry groups) and
 * their errors.
 *
 * @example Resolve the front ES market on the embedded simulator
 * ```ts
 * import assert from "node:assert/strict";
 * import { startSimulator } from "../sim/mod.ts";
 * import { RestClient, T4Markets } from "./mod.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * const rest = new RestClient({ baseUrl: sim.restUrl, auth: { apiKey: "demo-api-key" } });
 * const front = await new T4Markets(rest).front("CME_Eq", "ES");
 * assert.match(front.marketId, /^XCME_Eq ES \(/);
 * ```
 *
 * @module
 */

export * from "./rest_client.ts";
export * from "./rest_errors.ts";
export * from "./t4_markets.ts";
// Types named in the REST client's public signatures, so that this entry point documents them.
export type { ApiKeyAuth, Auth, AuthToken, PasswordAuth } from "../client/credentials.ts";
export type { Clock, TimerHandle } from "../runtime/clock.ts";
