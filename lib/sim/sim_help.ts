/**
 * The help text and default port of `t4flow sim`, apart from the simulator so that
 * `t4flow sim --help` loads nothing else.
 *
 * @module
 */

/**
 * The port `t4flow sim` listens on unless `--port` or the config says otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_SIM_PORT } from "./sim_help.ts";
 *
 * assert.equal(DEFAULT_SIM_PORT, 8765);
 * ```
 */
export const DEFAULT_SIM_PORT = 8765;

/**
 * The help text of `t4flow sim`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SIM_HELP } from "./sim_help.ts";
 *
 * assert.match(SIM_HELP, /^Usage: t4flow sim/);
 * ```
 */
export const SIM_HELP =
  `Usage: t4flow sim [--port N] [--rest-port N] [--host H] [--config FILE] [--seed N] [--quiet]

Starts a local T4 simulator (WebSocket, path /v1, and the REST market lookup API on its own
port) and serves until interrupted.

Options:
  --port N        Port to listen on (default ${DEFAULT_SIM_PORT}; 0 picks a free one)
  --rest-port N   Port of the REST API (default: the WebSocket port + 1; 0 picks a free one)
  --host H        Address to listen on (default 127.0.0.1)
  --config FILE   JSON or YAML file with users, markets, timings and faults
  --quiet         Do not log logins, refusals, kicks, subscriptions and faults on stderr
  --seed N        Seed of the simulated markets and ids (default 1)
  -h, --help      Show this help
`;
