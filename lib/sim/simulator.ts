/**
 * The embedded T4 simulator: a local server that speaks the T4 v1 WebSocket protocol (login,
 * heartbeats, market depth and market by order, accounts, orders, session tokens) with fault
 * injection, for demos, tests, benchmarks and practice. This file is the server shell: it wires
 * the parts (login, market data, accounts, orders, heartbeats, faults) to the WebSocket server
 * and dispatches client messages to them.
 *
 * @module
 */

import { decodeClientFrame } from "../protocol/frame_codec.ts";
import { FrameError } from "../protocol/frame_error.ts";
import { UDSStatus } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { ClientMessage } from "../protocol/gen/t4/v1/service_pb.ts";
import { type Clock, systemClock } from "../runtime/clock.ts";
import { SimAccounts } from "./sim_accounts.ts";
import { defaultSimCatalogue } from "./sim_catalogue.ts";
import {
  DEFAULT_SIM_USERS,
  type DuplicateLoginPolicy,
  type SimMarket,
  type SimUser,
} from "./sim_config.ts";
import { SimCore, type SimSession, type SimulatorStats } from "./sim_core.ts";
import type { SimFault, SimFaultSchedule } from "./sim_fault.ts";
import { type InjectTarget, SimFaults } from "./sim_faults.ts";
import { SimHeartbeats } from "./sim_heartbeats.ts";
import { SimLogin } from "./sim_login.ts";
import { SimMarketData } from "./sim_market_data.ts";
import { SimOrderMatching } from "./sim_order_matching.ts";
import { SimOrders } from "./sim_orders.ts";
import { serveSimRest, type SimRestServer } from "./sim_rest.ts";
import { serveWebSocket, type WsConnection, type WsServer } from "./ws_server.ts";

export type { SimulatorStats } from "./sim_core.ts";
export type { InjectTarget } from "./sim_faults.ts";

/** Options of {@linkcode startSimulator}. */
export interface SimulatorOptions {
  /**
   * Address to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * Port; 0 picks a free one.
   *
   * @default {0}
   */
  port?: number;
  /**
   * Port of the REST API (market lookup); 0 picks a free one.
   *
   * @default {0}
   */
  restPort?: number;
  /**
   * PRNG seed: the same seed gives the same books, trades and ids.
   *
   * @default {1}
   */
  seed?: number;
  /**
   * Users (replace the defaults).
   *
   * @default {DEFAULT_SIM_USERS}
   */
  users?: readonly SimUser[];
  /**
   * Markets (replace the defaults); the REST API lists them as the catalogue.
   *
   * @default {DEFAULT_SIM_MARKETS plus the next expiries of ES, NQ, CL, NG, ZN and GC at the clock's date}
   */
  markets?: readonly SimMarket[];
  /** Faults applied to each logged-in connection, or scheduled server faults. */
  faults?: readonly SimFaultSchedule[];
  /**
   * Heartbeat interval in ms: the server sends one when it sent nothing this long.
   *
   * @default {20000}
   */
  heartbeatMs?: number;
  /**
   * Intervals without any frame from a client after which it is dropped.
   *
   * @default {3}
   */
  missedHeartbeats?: number;
  /**
   * Failed logins after which a user is `LOCKED_OUT` (until the simulator restarts).
   *
   * @default {5}
   */
  lockoutThreshold?: number;
  /**
   * Market data step in ms.
   *
   * @default {250}
   */
  depthIntervalMs?: number;
  /**
   * Levels per side of each book (`DEPTH_LEVELS_ALL` gets all of them).
   *
   * @default {20}
   */
  bookDepth?: number;
  /**
   * When a logged-in user logs in again on another connection: `kick_first` sends the first
   * connection `LOGGED_IN_ELSEWHERE` and closes it; `reject_second` answers the new login with
   * `LOGGED_IN_ELSEWHERE`; `allow` lets both live.
   *
   * @default {"kick_first"}
   */
  duplicateLogin?: DuplicateLoginPolicy;
  /**
   * Lifetime of authentication tokens in ms.
   *
   * @default {3600000}
   */
  tokenTtlMs?: number;
  /**
   * Starting balance of every account.
   *
   * @default {100000}
   */
  accountBalance?: number;
  /**
   * Receives one line per login, refusal, kick, subscription and fault (`t4flow sim` prints them
   * on stderr); credentials never appear.
   *
   * @default {no logging}
   */
  log?: (line: string) => void;
  /**
   * Time source for heartbeats, market steps, delays and fault schedules.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/** A connection as {@linkcode Simulator.connections} lists it. */
export interface SimConnectionInfo {
  /** The connection id (target of `inject`). */
  id: number;
  /** The logged-in user id, if any. */
  userId: string | undefined;
}

/** A running simulator. */
export interface Simulator extends AsyncDisposable {
  /** URL to connect to, e.g. `ws://127.0.0.1:4321/v1`. */
  readonly url: string;
  /** Base of the simulator's REST API (market lookup), e.g. `http://127.0.0.1:4322`. */
  readonly restUrl: string;
  /** The listening port. */
  readonly port: number;
  /** A snapshot of the counters. */
  readonly stats: SimulatorStats;
  /**
   * Open connections.
   *
   * @returns One entry per open connection, in id order.
   */
  connections(): SimConnectionInfo[];
  /**
   * Injects a fault now.
   *
   * @param fault The fault.
   * @param target Which connection (default: all open ones).
   * @returns A promise that resolves once the fault has been applied (a flood: once every frame
   *   was sent).
   */
  inject(fault: SimFault, target?: InjectTarget): Promise<void>;
  /**
   * Closes every connection and stops listening.
   *
   * @returns A promise that resolves when stopped.
   */
  stop(): Promise<void>;
}

/**
 * Starts a T4 simulator.
 *
 * @param options Port, seed, users, markets, faults, timings.
 * @returns The running simulator (use with `await using`).
 * @throws {Error} When the port cannot be bound or the runtime is neither Deno nor Bun.
 *
 * @example Log in with the demo API key
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeServerFrame, encodeClientMessage } from "../protocol/frame_codec.ts";
 * import { FrameError } from "../protocol/frame_error.ts";
 * import { DEMO_API_KEY } from "./sim_config.ts";
 * import { startSimulator } from "./simulator.ts";
 *
 * await using sim = await startSimulator({ seed: 7 });
 * const ws = new WebSocket(sim.url);
 * ws.binaryType = "arraybuffer";
 * const reply = await new Promise<ArrayBuffer>((resolve) => {
 *   ws.onopen = () =>
 *     ws.send(encodeClientMessage({
 *       payload: { case: "loginRequest", value: { apiKey: DEMO_API_KEY } },
 *     }));
 *   ws.onmessage = (event) => resolve(event.data);
 * });
 * const message = decodeServerFrame(reply);
 * assert.ok(!(message instanceof FrameError) && message.payload.case === "loginResponse");
 * assert.equal(message.payload.value.userId, "demo-api");
 * ws.close();
 * ```
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new _Simulator(options);
  await sim.listen(options.hostname ?? "127.0.0.1", options.port ?? 0);
  return sim;
}

class _Simulator implements Simulator {
  #core: SimCore;
  #heartbeats: SimHeartbeats;
  #login: SimLogin;
  #marketData: SimMarketData;
  #accounts: SimAccounts;
  #orders: SimOrders;
  #faults: SimFaults;
  #server: WsServer | undefined;
  #rest: SimRestServer | undefined;
  #markets: readonly SimMarket[];
  #restPort: number;
  #stopped: Promise<void> | undefined;

  constructor(options: SimulatorOptions) {
    const clock = options.clock ?? systemClock;
    this.#markets = options.markets ?? defaultSimCatalogue(clock.now());
    this.#restPort = options.restPort ?? 0;
    const core = new SimCore({
      clock,
      seed: options.seed ?? 1,
      users: options.users ?? DEFAULT_SIM_USERS,
      markets: this.#markets,
      bookDepth: options.bookDepth ?? 20,
      accountBalance: options.accountBalance ?? 100_000,
      log: options.log,
    });
    this.#core = core;
    this.#heartbeats = new SimHeartbeats(
      core,
      options.heartbeatMs ?? 20_000,
      options.missedHeartbeats ?? 3,
    );
    this.#login = new SimLogin(core, {
      lockoutThreshold: options.lockoutThreshold ?? 5,
      duplicateLogin: options.duplicateLogin ?? "kick_first",
      tokenTtlMs: options.tokenTtlMs ?? 3_600_000,
    });
    this.#accounts = new SimAccounts(core);
    const matching = new SimOrderMatching(core, this.#accounts);
    this.#orders = new SimOrders(core, this.#accounts, matching);
    this.#marketData = new SimMarketData(core, matching, options.depthIntervalMs ?? 250);
    this.#faults = new SimFaults(core, this.#heartbeats, options.faults ?? []);
  }

  async listen(hostname: string, port: number): Promise<void> {
    this.#server = await serveWebSocket({
      hostname,
      port,
      refuse: () => {
        const refuse = this.#faults.refusing;
        if (refuse) this.#core.stats.refused++;
        return refuse;
      },
      handlers: {
        open: (conn) => this.#open(conn),
        message: (conn, data) => this.#message(conn, data),
        close: (conn) => this.#close(conn),
      },
    });
    try {
      this.#rest = await serveSimRest(this.#core, this.#markets, hostname, this.#restPort);
    } catch (error) {
      await this.#server.stop();
      throw error;
    }
    this.#marketData.start();
  }

  get url(): string {
    return this.#server!.url;
  }

  get restUrl(): string {
    return this.#rest!.url;
  }

  get port(): number {
    return this.#server!.port;
  }

  get stats(): SimulatorStats {
    return { ...this.#core.stats, open: this.#core.sessions.size };
  }

  connections(): SimConnectionInfo[] {
    return [...this.#core.sessions.values()]
      .map((s) => ({ id: s.conn.id, userId: s.user?.userId }))
      .sort((a, b) => a.id - b.id);
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#core.stopping = true;
      this.#core.clearTimers();
      this.#marketData.stop();
      for (const session of this.#core.sessions.values()) this.#heartbeats.disarm(session);
      await Promise.all([this.#server?.stop(), this.#rest?.stop()]);
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  inject(fault: SimFault, target?: InjectTarget): Promise<void> {
    return this.#faults.inject(fault, target);
  }

  // -- connection lifecycle ------------------------------------------------------------------

  #open(conn: WsConnection): void {
    const now = this.#core.clock.now();
    const session: SimSession = {
      conn,
      user: undefined,
      sessionId: "",
      lastSent: now,
      lastReceived: now,
      timer: undefined,
      delayMs: 0,
      deaf: false,
      subs: new Map(),
      byOrder: new Set(),
      accounts: new Set(),
      closed: false,
    };
    this.#core.stats.connections++;
    this.#core.sessions.set(conn, session);
    this.#heartbeats.arm(session);
  }

  #close(conn: WsConnection): void {
    const session = this.#core.sessions.get(conn);
    if (session === undefined) return;
    session.closed = true;
    this.#heartbeats.disarm(session);
    session.user?.sessions.delete(session);
    this.#core.sessions.delete(conn);
  }

  #message(conn: WsConnection, data: Uint8Array | string): void {
    const session = this.#core.sessions.get(conn);
    if (session === undefined) return;
    this.#core.stats.framesIn++;
    session.lastReceived = this.#core.clock.now();
    const message = decodeClientFrame(data);
    if (message instanceof FrameError) {
      this.#core.stats.badFrames++;
      const code = message.kind === "text" ? 1003 : message.kind === "oversized" ? 1009 : 1007;
      conn.close(code, `Cannot decode the frame: ${message.kind}`);
      return;
    }
    this.#dispatch(session, message);
  }

  #dispatch(session: SimSession, message: ClientMessage): void {
    const payload = message.payload;
    switch (payload.case) {
      case "heartbeat":
        this.#core.stats.heartbeatsReceived++;
        return;
      case "loginRequest":
        if (this.#login.login(session, payload.value)) this.#faults.onLogin(session);
        return;
      case undefined:
        return;
    }
    if (session.user === undefined) {
      session.conn.close(1008, "Login required before any other message");
      return;
    }
    switch (payload.case) {
      case "authenticationTokenRequest":
        return this.#core.send(session, {
          case: "authenticationToken",
          value: this.#login.token(session.user, payload.value.requestId),
        });
      case "marketDepthSubscribe":
        return this.#marketData.subscribeDepth(session, payload.value);
      case "marketByOrderSubscribe":
        return this.#marketData.subscribeByOrder(session, payload.value);
      case "accountSubscribe":
        return this.#accounts.subscribe(session, payload.value);
      case "orderSubmit":
        return this.#orders.submit(session, payload.value);
      case "orderRevise":
        return this.#orders.revise(session, payload.value);
      case "orderPull":
        return this.#orders.pull(session, payload.value);
      case "orderBatch":
        return this.#orders.batch(session, payload.value);
      case "createUds":
        return this.#core.send(session, {
          case: "createUdsResponse",
          value: {
            requestId: payload.value.requestId,
            udsStatus: UDSStatus.UDS_STATUS_FAILED,
            statusDetail: "User-defined strategies are not simulated",
          },
        });
    }
  }
}
