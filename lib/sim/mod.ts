/**
 * The embedded T4 simulator (`t4flow sim`): a local server that speaks the T4 v1 WebSocket
 * protocol with demo users, markets, accounts, order matching and fault injection.
 *
 * @example Start a simulator and read its URL
 * ```ts
 * import assert from "node:assert/strict";
 * import { startSimulator } from "./mod.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * assert.match(sim.url, /^ws:\/\/127\.0\.0\.1:\d+\/v1$/);
 * assert.equal(sim.stats.open, 0);
 * ```
 *
 * @module
 */

export * from "./simulator.ts";
export * from "./sim_config.ts";
export * from "./sim_fault.ts";
export * from "./ws_server.ts";
export * from "./sim_command.ts";
export type { Clock } from "../clock.ts";
export type { LoginResultName } from "../login_result.ts";
