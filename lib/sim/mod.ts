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
// Types named in the simulator's public signatures, so that this entry point documents them.
export type { Clock, TimerHandle } from "../runtime/clock.ts";
export type { LOGIN_RESULT_NAMES, LoginResultName } from "../protocol/login_result.ts";
export type { LoginResult } from "../protocol/gen/t4/v1/common/enums_pb.ts";
