/**
 * The simulator's fault injection: server faults (refuse, maintenance, resume), connection faults
 * (drop, half-open, stop reading, bad frames, delay, flood), and the faults scheduled at start or
 * applied to each connection once it has logged in.
 *
 * @module
 */

import { encodeServerMessage } from "../protocol/frame_codec.ts";
import { DepthBuffer, DepthLevels } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { SimCore, SimSession } from "./sim_core.ts";
import { SERVER_FAULT_KINDS, type SimFault, type SimFaultSchedule } from "./sim_fault.ts";
import type { SimHeartbeats } from "./sim_heartbeats.ts";
import { SimMarketBook } from "./sim_market_book.ts";

/** Targets of {@linkcode SimFaults.inject}. */
export interface InjectTarget {
  /** Only this connection (default: every open connection). */
  connection?: number;
}

/**
 * Fault injection of the simulator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimCore } from "./sim_core.ts";
 * import { SimFaults } from "./sim_faults.ts";
 * import { SimHeartbeats } from "./sim_heartbeats.ts";
 *
 * const core = new SimCore({
 *   clock: systemClock,
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * const faults = new SimFaults(core, new SimHeartbeats(core, 20_000, 3), []);
 * await faults.inject({ kind: "refuse" });
 * assert.equal(faults.refusing, true);
 * await faults.inject({ kind: "resume" });
 * assert.equal(faults.refusing, false);
 * ```
 */
export class SimFaults {
  readonly #core: SimCore;
  readonly #heartbeats: SimHeartbeats;
  #refusing = false;
  #maintenance = false;
  #schedule: { fault: SimFaultSchedule; left: number }[] = [];

  /**
   * Creates the fault injection and schedules the given faults.
   *
   * @param core The simulator's state.
   * @param heartbeats Heartbeats (re-armed when a fault makes the server deaf).
   * @param faults Server faults to run at `atMs`, connection faults for each login.
   */
  constructor(core: SimCore, heartbeats: SimHeartbeats, faults: readonly SimFaultSchedule[]) {
    this.#core = core;
    this.#heartbeats = heartbeats;
    for (const fault of faults) {
      if (SERVER_FAULT_KINDS.has(fault.kind)) {
        core.later(() => void this.inject(fault), fault.atMs ?? 0);
      } else {
        this.#schedule.push({ fault, left: fault.times ?? Infinity });
      }
    }
  }

  /** Whether new connections are refused now (a `refuse` or `maintenance` fault). */
  get refusing(): boolean {
    return this.#refusing || this.#maintenance;
  }

  /**
   * Injects a fault now.
   *
   * @param fault The fault.
   * @param target Which connection (default: all open ones).
   * @returns A promise that resolves once the fault has been applied.
   */
  async inject(fault: SimFault, target?: InjectTarget): Promise<void> {
    const core = this.#core;
    switch (fault.kind) {
      case "refuse":
        this.#refusing = true;
        if (fault.durationMs !== undefined) {
          core.later(() => (this.#refusing = false), fault.durationMs);
        }
        return;
      case "maintenance":
        this.#maintenance = true;
        core.log(`fault maintenance: closing ${core.sessions.size} session(s)`);
        for (const session of [...core.sessions.values()]) {
          session.conn.close(1012, "Weekly maintenance");
        }
        if (fault.durationMs !== undefined) {
          core.later(() => (this.#maintenance = false), fault.durationMs);
        }
        return;
      case "resume":
        this.#refusing = false;
        this.#maintenance = false;
        return;
      default: {
        const sessions = [...core.sessions.values()].filter((s) =>
          target?.connection === undefined || s.conn.id === target.connection
        );
        await Promise.all(sessions.map((s) => this.#applyConnectionFault(s, fault)));
      }
    }
  }

  /**
   * Applies the scheduled connection faults to a session that just logged in.
   *
   * @param session The session.
   */
  onLogin(session: SimSession): void {
    for (const entry of this.#schedule) {
      if (entry.left <= 0) continue;
      entry.left--;
      void this.#applyConnectionFault(session, entry.fault);
    }
  }

  async #applyConnectionFault(session: SimSession, fault: SimFault): Promise<void> {
    const after = "afterMs" in fault ? fault.afterMs ?? 0 : 0;
    if (after > 0) {
      await new Promise<void>((resolve) => this.#core.later(resolve, after));
    }
    if (session.closed) return;
    const conn = session.conn;
    this.#core.log(`fault ${fault.kind}: session ${session.sessionId || "(not logged in)"}`);
    switch (fault.kind) {
      case "drop":
        conn.terminate();
        return;
      case "silence":
        session.deaf = true;
        conn.silence();
        this.#heartbeats.arm(session);
        return;
      case "stop_reading":
        session.deaf = true;
        conn.pauseReading();
        this.#heartbeats.arm(session);
        return;
      case "garbage": {
        const bytes = new Uint8Array(Math.max(2, fault.bytes ?? 32));
        for (let i = 0; i < bytes.length; i++) bytes[i] = this.#core.rng.int(0, 255);
        bytes[0] = 0x0f; // field 1 with wire type 7, which does not exist: never a valid message
        this.#core.sendBytes(session, bytes);
        return;
      }
      case "text":
        this.#core.sendBytes(session, fault.text ?? "This is not a protobuf frame");
        return;
      case "truncated": {
        const book = [...this.#core.books.values()][0]!;
        const bytes = encodeServerMessage({
          payload: {
            case: "marketDepth",
            value: book.depthMessage(DepthLevels.NORMAL, DepthBuffer.SMART, this.#core.clock.now()),
          },
        });
        this.#core.sendBytes(session, bytes.subarray(0, bytes.length - 1));
        return;
      }
      case "oversized":
        this.#core.sendBytes(session, new Uint8Array(fault.bytes ?? 16 * 1024 * 1024 + 1));
        return;
      case "delay":
        session.delayMs = Math.max(0, fault.ms);
        return;
      case "flood":
        return await this.#flood(session, fault.frames, fault.marketId);
    }
  }

  async #flood(session: SimSession, frames: number, marketId: string | undefined): Promise<void> {
    const base = (marketId === undefined ? undefined : this.#core.books.get(marketId)) ??
      this.#core.books.get([...session.subs.keys()][0] ?? "") ?? [...this.#core.books.values()][0]!;
    const book = new SimMarketBook(base.market, this.#core.seed ^ 0xf100d, base.depth);
    const now = this.#core.clock.now();
    const variants: Uint8Array[] = [];
    for (let i = 0; i < 64; i++) {
      book.step();
      variants.push(encodeServerMessage({
        payload: {
          case: "marketDepth",
          value: book.depthMessage(DepthLevels.NORMAL, DepthBuffer.ALL, now),
        },
      }));
    }
    const conn = session.conn;
    for (let i = 0; i < frames; i++) {
      if (session.closed || !conn.open) return;
      const more = conn.send(variants[i % variants.length]!);
      this.#core.stats.framesOut++;
      this.#core.stats.floodFrames++;
      if (!more) await conn.drained(256 * 1024);
      else if (i % 512 === 511) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    session.lastSent = this.#core.clock.now();
    await conn.drained(0);
  }
}
