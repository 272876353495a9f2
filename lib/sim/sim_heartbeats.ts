/**
 * The simulator's heartbeats: each session gets a heartbeat when the server sent nothing for one
 * interval, and is dropped when the client sent nothing for `missed` intervals.
 *
 * @module
 */

import type { SimCore, SimSession } from "./sim_core.ts";

/**
 * Heartbeat timers of the simulator's sessions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { SimHeartbeats } from "./sim_heartbeats.ts";
 *
 * const core = new SimCore({
 *   clock: new FakeClock(),
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * const heartbeats = new SimHeartbeats(core, 20_000, 3);
 * assert.equal(heartbeats.intervalMs, 20_000);
 * ```
 */
export class SimHeartbeats {
  readonly #core: SimCore;
  /** The heartbeat interval in ms. */
  readonly intervalMs: number;
  readonly #missed: number;

  /**
   * Creates the heartbeat logic.
   *
   * @param core The simulator's state.
   * @param intervalMs Heartbeat interval in ms.
   * @param missed Silent intervals after which a client is dropped.
   */
  constructor(core: SimCore, intervalMs: number, missed: number) {
    this.#core = core;
    this.intervalMs = intervalMs;
    this.#missed = missed;
  }

  /**
   * (Re)starts a session's heartbeat timer.
   *
   * @param session The session.
   */
  arm(session: SimSession): void {
    this.disarm(session);
    if (session.closed) return;
    const now = this.#core.clock.now();
    let due = session.lastSent + this.intervalMs;
    if (!session.deaf) due = Math.min(due, session.lastReceived + this.intervalMs * this.#missed);
    session.timer = this.#core.clock.setTimeout(() => this.#beat(session), Math.max(1, due - now));
  }

  /**
   * Stops a session's heartbeat timer.
   *
   * @param session The session.
   */
  disarm(session: SimSession): void {
    if (session.timer !== undefined) this.#core.clock.clearTimeout(session.timer);
    session.timer = undefined;
  }

  #beat(session: SimSession): void {
    session.timer = undefined;
    if (session.closed) return;
    const core = this.#core;
    const now = core.clock.now();
    if (!session.deaf && now - session.lastReceived >= this.intervalMs * this.#missed) {
      core.stats.heartbeatTimeouts++;
      session.conn.close(
        1008,
        `No frame received for ${this.#missed} heartbeat intervals`,
      );
      // Stop judging; a peer that does not complete the close handshake is dropped after one
      // more interval.
      session.deaf = true;
      core.later(() => {
        if (!session.closed) session.conn.terminate();
      }, this.intervalMs);
      return;
    }
    if (now - session.lastSent >= this.intervalMs) {
      core.stats.heartbeatsSent++;
      core.send(session, { case: "heartbeat", value: { timestamp: BigInt(now) } });
      session.lastSent = now;
    }
    this.arm(session);
  }
}
