/**
 * `t4flow monitor --sim`: the embedded simulator (WebSocket and REST API) on free loopback ports
 * for every workflow, its demo user allowed several sessions at once, and
 * the variables the examples need: `T4_API_KEY` (the simulator's demo key) and `ALERT_WEBHOOK`
 * (a local receiver that accepts and discards alerts). The environment and `--env-file` win.
 *
 * @module
 */

import { serveHttp } from "../runtime/http_serve.ts";
import { DEMO_API_KEY } from "../sim/sim_config.ts";
import { startSimulator } from "../sim/simulator.ts";

/** The simulator of `--sim` and what it provides. */
export interface MonitorSim {
  /** The simulator's WebSocket URL. */
  readonly url: string;
  /** The simulator's REST API (for `market: front`). */
  readonly restUrl: string;
  /** Default `${NAME}` variables for the workflows. */
  readonly env: Readonly<Record<string, string>>;
  /** Alerts the local webhook receiver got. */
  readonly webhookAlerts: number;
  /** Stops the simulator and the receiver. */
  stop(): Promise<void>;
}

/**
 * Starts the simulator (seed 1) and a webhook receiver, both on 127.0.0.1.
 *
 * @returns The running simulator.
 * @throws {Error} When either cannot listen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startMonitorSim } from "./monitor_sim.ts";
 *
 * const sim = await startMonitorSim();
 * assert.match(sim.url, /^ws:\/\/127\.0\.0\.1:\d+/);
 * const response = await fetch(sim.env.ALERT_WEBHOOK!, { method: "POST", body: "{}" });
 * assert.equal(response.status, 204);
 * assert.equal(sim.webhookAlerts, 1);
 * await sim.stop();
 * ```
 */
export async function startMonitorSim(): Promise<MonitorSim> {
  // The workflows share the demo user and run at the same time: let its sessions coexist.
  const sim = await startSimulator({
    hostname: "127.0.0.1",
    port: 0,
    seed: 1,
    duplicateLogin: "allow",
  });
  let alerts = 0;
  let webhook;
  try {
    webhook = await serveHttp(async (request) => {
      if (request.method !== "POST") return new Response("Use POST\n", { status: 405 });
      await request.arrayBuffer();
      alerts++;
      return new Response(null, { status: 204 });
    }, { hostname: "127.0.0.1", port: 0 });
  } catch (error) {
    await sim.stop();
    throw error;
  }
  return {
    url: sim.url,
    restUrl: sim.restUrl,
    env: {
      T4_API_KEY: DEMO_API_KEY,
      ALERT_WEBHOOK: `http://127.0.0.1:${webhook.port}/alerts`,
    },
    get webhookAlerts() {
      return alerts;
    },
    async stop() {
      await webhook.close();
      await sim.stop();
    },
  };
}
