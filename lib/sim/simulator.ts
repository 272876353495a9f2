/**
 * The embedded T4 simulator: a local server that speaks the T4 v1 WebSocket protocol (login,
 * heartbeats, market depth and market by order, accounts, orders, session tokens) with fault
 * injection, for demos, tests, benchmarks and practice.
 *
 * @module
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Clock, systemClock, type TimerHandle } from "../runtime/clock.ts";
import {
  decodeClientFrame,
  encodeServerMessage,
  type ServerMessageInit,
} from "../protocol/frame_codec.ts";
import { FrameError } from "../protocol/frame_error.ts";
import {
  AccountEnabled,
  AccountMode,
  AccountStatus,
  AccountSubscribeType,
  BuySell,
  DepthBuffer,
  DepthLevels,
  LoginResult,
  MarketDataType,
  MarketMode,
  OrderChange,
  OrderStatus,
  PriceType,
  TimeType,
  UDSStatus,
} from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { AccountSubscribe } from "../protocol/gen/t4/v1/account/account_pb.ts";
import type {
  AuthenticationTokenSchema,
  LoginRequest,
} from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import type {
  MarketByOrderSubscribe,
  MarketDepthSubscribe,
} from "../protocol/gen/t4/v1/market/market_pb.ts";
import type {
  OrderBatch,
  OrderPull,
  OrderRevise,
  OrderSubmit,
  OrderSubmit_Order,
} from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import type { ClientMessage } from "../protocol/gen/t4/v1/service_pb.ts";
import { parseLoginResultName } from "../protocol/login_result.ts";
import { SeededRandom } from "./seeded_random.ts";
import {
  DEFAULT_SIM_MARKETS,
  DEFAULT_SIM_USERS,
  type DuplicateLoginPolicy,
  type SimMarket,
  type SimUser,
} from "./sim_config.ts";
import { SERVER_FAULT_KINDS, type SimFault, type SimFaultSchedule } from "./sim_fault.ts";
import { SimMarketBook } from "./sim_market_book.ts";
import { SimMarketByOrderBook } from "./sim_market_by_order_book.ts";
import { serveWebSocket, type WsConnection, type WsServer } from "./ws_server.ts";

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
   * Markets (replace the defaults).
   *
   * @default {DEFAULT_SIM_MARKETS}
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
   * Time source for heartbeats, market steps, delays and fault schedules.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/** Counters of a running simulator. */
export interface SimulatorStats {
  /** Connections accepted. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Successful logins. */
  logins: number;
  /** Failed logins (any result but success). */
  failedLogins: number;
  /** Frames received. */
  framesIn: number;
  /** Frames sent. */
  framesOut: number;
  /** Client frames that could not be decoded. */
  badFrames: number;
  /** Heartbeats sent. */
  heartbeatsSent: number;
  /** Heartbeats received. */
  heartbeatsReceived: number;
  /** Clients dropped for sending nothing for `missedHeartbeats` intervals. */
  heartbeatTimeouts: number;
  /** Connections refused (refuse or maintenance). */
  refused: number;
  /** Orders accepted. */
  ordersAccepted: number;
  /** Orders rejected. */
  ordersRejected: number;
  /** Fills. */
  fills: number;
  /** Frames sent by `flood` faults. */
  floodFrames: number;
}

/** A connection as {@linkcode Simulator.connections} lists it. */
export interface SimConnectionInfo {
  /** The connection id (target of `inject`). */
  id: number;
  /** The logged-in user id, if any. */
  userId: string | undefined;
}

/** Targets of {@linkcode Simulator.inject}. */
export interface InjectTarget {
  /** Only this connection (default: every open connection). */
  connection?: number;
}

/** A running simulator. */
export interface Simulator extends AsyncDisposable {
  /** URL to connect to, e.g. `ws://127.0.0.1:4321/v1`. */
  readonly url: string;
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

interface _Sub {
  levels: DepthLevels;
  buffer: DepthBuffer;
}

interface _UserState {
  user: SimUser;
  userId: string;
  failures: number;
  locked: boolean;
  sessions: Set<_Session>;
  accounts: string[];
}

interface _Session {
  conn: WsConnection;
  user: _UserState | undefined;
  sessionId: string;
  lastSent: number;
  lastReceived: number;
  timer: TimerHandle | undefined;
  delayMs: number;
  /** Transport faults that make the server stop judging the client's liveness. */
  deaf: boolean;
  subs: Map<string, _Sub>;
  /** Markets with a market-by-order subscription. */
  byOrder: Set<string>;
  accounts: Set<string>;
  closed: boolean;
}

interface _Position {
  buys: number;
  sells: number;
  workingBuys: number;
  workingSells: number;
  net: number;
  avgTicks: number;
  rpl: number;
}

interface _Account {
  accountId: string;
  owner: _UserState;
  balance: number;
  positions: Map<string, _Position>;
}

interface _Order {
  uniqueId: string;
  account: _Account;
  book: SimMarketBook;
  buySell: BuySell;
  priceType: PriceType;
  timeType: TimeType;
  volume: number;
  filled: number;
  limitTicks: number | undefined;
  stopTicks: number | undefined;
  triggered: boolean;
  working: boolean;
  tag: string | undefined;
  origin: _Session;
  submitTime: number;
}

type _Payload = NonNullable<ServerMessageInit["payload"]>;

const _STEP_EVERY: Partial<Record<DepthBuffer, number>> = {
  [DepthBuffer.SLOW_TRADE]: 4,
  [DepthBuffer.SLOW_SMART]: 4,
};

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
  #clock: Clock;
  #seed: number;
  #heartbeatMs: number;
  #missed: number;
  #lockout: number;
  #depthMs: number;
  #duplicate: DuplicateLoginPolicy;
  #tokenTtl: number;
  #users: _UserState[];
  #accounts = new Map<string, _Account>();
  #books = new Map<string, SimMarketBook>();
  #byOrder = new Map<string, SimMarketByOrderBook>();
  #orders = new Map<string, _Order>();
  #sessions = new Map<WsConnection, _Session>();
  #rng: SeededRandom;
  #server: WsServer | undefined;
  #timers = new Set<TimerHandle>();
  #marketTimer: TimerHandle | undefined;
  #steps = 0;
  #nextOrder = 1;
  #nextTrade = 1;
  #refusing = false;
  #maintenance = false;
  #schedule: { fault: SimFaultSchedule; left: number }[] = [];
  #stopped: Promise<void> | undefined;
  #stats: Omit<SimulatorStats, "open"> = {
    connections: 0,
    logins: 0,
    failedLogins: 0,
    framesIn: 0,
    framesOut: 0,
    badFrames: 0,
    heartbeatsSent: 0,
    heartbeatsReceived: 0,
    heartbeatTimeouts: 0,
    refused: 0,
    ordersAccepted: 0,
    ordersRejected: 0,
    fills: 0,
    floodFrames: 0,
  };

  constructor(options: SimulatorOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#seed = options.seed ?? 1;
    this.#heartbeatMs = options.heartbeatMs ?? 20_000;
    this.#missed = options.missedHeartbeats ?? 3;
    this.#lockout = options.lockoutThreshold ?? 5;
    this.#depthMs = options.depthIntervalMs ?? 250;
    this.#duplicate = options.duplicateLogin ?? "kick_first";
    this.#tokenTtl = options.tokenTtlMs ?? 3_600_000;
    this.#rng = new SeededRandom(this.#seed ^ 0x51ed);
    const balance = options.accountBalance ?? 100_000;
    this.#users = (options.users ?? DEFAULT_SIM_USERS).map((user, i) => {
      const userId = user.userId ?? user.username ?? `api-user-${i + 1}`;
      return {
        user,
        userId,
        failures: 0,
        locked: false,
        sessions: new Set(),
        accounts: user.accounts ?? [`SIM-${userId.toUpperCase()}`],
      };
    });
    for (const state of this.#users) {
      for (const accountId of state.accounts) {
        if (!this.#accounts.has(accountId)) {
          this.#accounts.set(accountId, {
            accountId,
            owner: state,
            balance,
            positions: new Map(),
          });
        }
      }
    }
    const depth = options.bookDepth ?? 20;
    (options.markets ?? DEFAULT_SIM_MARKETS).forEach((market, i) => {
      const book = new SimMarketBook(market, this.#seed * 1_000 + i, depth);
      this.#books.set(market.marketId, book);
      // Its own PRNG, so depth frames are the same with or without market-by-order; ids are
      // unique across markets.
      this.#byOrder.set(
        market.marketId,
        new SimMarketByOrderBook(
          book,
          (this.#seed * 1_000 + i) ^ 0x0b0b,
          BigInt(i + 1) * 1_000_000_000n + 1n,
        ),
      );
    });
    for (const fault of options.faults ?? []) {
      if (SERVER_FAULT_KINDS.has(fault.kind)) {
        this.#later(() => void this.inject(fault), fault.atMs ?? 0);
      } else {
        this.#schedule.push({ fault, left: fault.times ?? Infinity });
      }
    }
  }

  async listen(hostname: string, port: number): Promise<void> {
    this.#server = await serveWebSocket({
      hostname,
      port,
      refuse: () => {
        const refuse = this.#refusing || this.#maintenance;
        if (refuse) this.#stats.refused++;
        return refuse;
      },
      handlers: {
        open: (conn) => this.#open(conn),
        message: (conn, data) => this.#message(conn, data),
        close: (conn) => this.#close(conn),
      },
    });
    this.#armMarket();
  }

  get url(): string {
    return this.#server!.url;
  }

  get port(): number {
    return this.#server!.port;
  }

  get stats(): SimulatorStats {
    return { ...this.#stats, open: this.#sessions.size };
  }

  connections(): SimConnectionInfo[] {
    return [...this.#sessions.values()]
      .map((s) => ({ id: s.conn.id, userId: s.user?.userId }))
      .sort((a, b) => a.id - b.id);
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      for (const handle of this.#timers) this.#clock.clearTimeout(handle);
      this.#timers.clear();
      if (this.#marketTimer !== undefined) this.#clock.clearTimeout(this.#marketTimer);
      for (const session of this.#sessions.values()) this.#disarm(session);
      await this.#server?.stop();
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async inject(fault: SimFault, target?: InjectTarget): Promise<void> {
    switch (fault.kind) {
      case "refuse":
        this.#refusing = true;
        if (fault.durationMs !== undefined) {
          this.#later(() => (this.#refusing = false), fault.durationMs);
        }
        return;
      case "maintenance":
        this.#maintenance = true;
        for (const session of [...this.#sessions.values()]) {
          session.conn.close(1012, "Weekly maintenance");
        }
        if (fault.durationMs !== undefined) {
          this.#later(() => (this.#maintenance = false), fault.durationMs);
        }
        return;
      case "resume":
        this.#refusing = false;
        this.#maintenance = false;
        return;
      default: {
        const sessions = [...this.#sessions.values()].filter((s) =>
          target?.connection === undefined || s.conn.id === target.connection
        );
        await Promise.all(sessions.map((s) => this.#applyConnectionFault(s, fault)));
      }
    }
  }

  // -- connection lifecycle ------------------------------------------------------------------

  #open(conn: WsConnection): void {
    const now = this.#clock.now();
    const session: _Session = {
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
    this.#stats.connections++;
    this.#sessions.set(conn, session);
    this.#arm(session);
  }

  #close(conn: WsConnection): void {
    const session = this.#sessions.get(conn);
    if (session === undefined) return;
    session.closed = true;
    this.#disarm(session);
    session.user?.sessions.delete(session);
    this.#sessions.delete(conn);
  }

  #message(conn: WsConnection, data: Uint8Array | string): void {
    const session = this.#sessions.get(conn);
    if (session === undefined) return;
    this.#stats.framesIn++;
    session.lastReceived = this.#clock.now();
    const message = decodeClientFrame(data);
    if (message instanceof FrameError) {
      this.#stats.badFrames++;
      const code = message.kind === "text" ? 1003 : message.kind === "oversized" ? 1009 : 1007;
      conn.close(code, `Cannot decode the frame: ${message.kind}`);
      return;
    }
    this.#dispatch(session, message);
  }

  #dispatch(session: _Session, message: ClientMessage): void {
    const payload = message.payload;
    switch (payload.case) {
      case "heartbeat":
        this.#stats.heartbeatsReceived++;
        return;
      case "loginRequest":
        return this.#login(session, payload.value);
      case undefined:
        return;
    }
    if (session.user === undefined) {
      session.conn.close(1008, "Login required before any other message");
      return;
    }
    switch (payload.case) {
      case "authenticationTokenRequest":
        return this.#send(session, {
          case: "authenticationToken",
          value: this.#token(session.user, payload.value.requestId),
        });
      case "marketDepthSubscribe":
        return this.#subscribeDepth(session, payload.value);
      case "marketByOrderSubscribe":
        return this.#subscribeByOrder(session, payload.value);
      case "accountSubscribe":
        return this.#subscribeAccounts(session, payload.value);
      case "orderSubmit":
        return this.#submit(session, payload.value);
      case "orderRevise":
        return this.#revise(session, payload.value);
      case "orderPull":
        return this.#pull(session, payload.value);
      case "orderBatch":
        return this.#batch(session, payload.value);
      case "createUds":
        return this.#send(session, {
          case: "createUdsResponse",
          value: {
            requestId: payload.value.requestId,
            udsStatus: UDSStatus.UDS_STATUS_FAILED,
            statusDetail: "User-defined strategies are not simulated",
          },
        });
    }
  }

  // -- sending and heartbeats ------------------------------------------------------------------

  #send(session: _Session, payload: _Payload): void {
    this.#sendBytes(session, encodeServerMessage({ payload }));
  }

  #sendBytes(session: _Session, bytes: Uint8Array | string): void {
    if (session.closed) return;
    if (session.delayMs > 0) {
      this.#later(() => this.#sendNow(session, bytes), session.delayMs);
    } else {
      this.#sendNow(session, bytes);
    }
  }

  #sendNow(session: _Session, bytes: Uint8Array | string): void {
    if (session.closed) return;
    session.conn.send(bytes);
    session.lastSent = this.#clock.now();
    this.#stats.framesOut++;
  }

  #arm(session: _Session): void {
    this.#disarm(session);
    if (session.closed) return;
    const now = this.#clock.now();
    let due = session.lastSent + this.#heartbeatMs;
    if (!session.deaf) due = Math.min(due, session.lastReceived + this.#heartbeatMs * this.#missed);
    session.timer = this.#clock.setTimeout(() => this.#beat(session), Math.max(1, due - now));
  }

  #disarm(session: _Session): void {
    if (session.timer !== undefined) this.#clock.clearTimeout(session.timer);
    session.timer = undefined;
  }

  #beat(session: _Session): void {
    session.timer = undefined;
    if (session.closed) return;
    const now = this.#clock.now();
    if (!session.deaf && now - session.lastReceived >= this.#heartbeatMs * this.#missed) {
      this.#stats.heartbeatTimeouts++;
      session.conn.close(
        1008,
        `No frame received for ${this.#missed} heartbeat intervals`,
      );
      // Stop judging; a peer that does not complete the close handshake is dropped after one
      // more interval.
      session.deaf = true;
      this.#later(() => {
        if (!session.closed) session.conn.terminate();
      }, this.#heartbeatMs);
      return;
    }
    if (now - session.lastSent >= this.#heartbeatMs) {
      this.#stats.heartbeatsSent++;
      this.#send(session, { case: "heartbeat", value: { timestamp: BigInt(now) } });
      session.lastSent = now;
    }
    this.#arm(session);
  }

  #later(callback: () => void, ms: number): void {
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(handle);
      callback();
    }, ms);
    this.#timers.add(handle);
  }

  // -- login ------------------------------------------------------------------------------------

  #login(session: _Session, request: LoginRequest): void {
    const { result, state } = this.#authenticate(request);
    if (result !== LoginResult.SUCCESS || state === undefined) {
      this.#stats.failedLogins++;
      this.#send(session, { case: "loginResponse", value: { result } });
      return;
    }
    const others = [...state.sessions].filter((s) => s !== session);
    if (others.length > 0 && this.#duplicate === "reject_second") {
      this.#stats.failedLogins++;
      this.#send(session, {
        case: "loginResponse",
        value: {
          result: LoginResult.LOGGED_IN_ELSEWHERE,
          errorMessage: "This user is logged in on another connection",
        },
      });
      return;
    }
    if (this.#duplicate === "kick_first") {
      for (const other of others) {
        this.#send(other, {
          case: "loginResponse",
          value: {
            result: LoginResult.LOGGED_IN_ELSEWHERE,
            errorMessage: "This user logged in on another connection",
          },
        });
        state.sessions.delete(other);
        other.user = undefined;
        other.conn.close(1000, "Logged in elsewhere");
      }
    }
    this.#stats.logins++;
    session.user?.sessions.delete(session);
    session.user = state;
    session.sessionId = `sim-${this.#rng.hex(16)}`;
    state.sessions.add(session);
    const exchanges = [...new Set([...this.#books.values()].map((b) => b.market.exchangeId))];
    this.#send(session, {
      case: "loginResponse",
      value: {
        result: LoginResult.SUCCESS,
        sessionId: session.sessionId,
        userId: state.userId,
        firmId: state.user.firm ?? "T4Demo",
        firm: state.user.firm ?? "T4Demo",
        username: state.user.username ?? state.userId,
        roles: ["Trader"],
        brandName: "t4flow",
        serverName: "t4flow-sim",
        exchanges: exchanges.map((exchangeId) => ({
          exchangeId,
          userId: state.userId,
          marketDataType: MarketDataType.DEPTH,
          hasExecutingAccount: true,
        })),
        accounts: state.accounts.map((accountId) => ({
          accountId,
          accountNumber: accountId,
          accountName: accountId,
          displayName: accountId,
          mode: AccountMode.BY_MARKET,
        })),
        authenticationToken: this.#token(state, ""),
      },
    });
    for (const entry of this.#schedule) {
      if (entry.left <= 0) continue;
      entry.left--;
      void this.#applyConnectionFault(session, entry.fault);
    }
  }

  #authenticate(request: LoginRequest): { result: LoginResult; state?: _UserState } {
    if (request.apiKey !== "") {
      const state = this.#users.find((u) => u.user.apiKey === request.apiKey);
      if (state === undefined) return { result: LoginResult.UNAUTHORIZED };
      return this.#outcome(state);
    }
    const state = this.#users.find((u) =>
      u.user.username !== undefined && u.user.username === request.username &&
      (u.user.firm ?? "") === request.firm
    );
    if (state === undefined) return { result: LoginResult.FAILED };
    if (state.locked) return { result: LoginResult.LOCKED_OUT };
    if ((state.user.password ?? "") !== request.password) {
      state.failures++;
      if (state.failures >= this.#lockout) state.locked = true;
      return { result: LoginResult.FAILED };
    }
    if (
      (state.user.appName !== undefined && state.user.appName !== request.appName) ||
      (state.user.appLicense !== undefined && state.user.appLicense !== request.appLicense)
    ) {
      return { result: LoginResult.APPLICATION_NOT_VALID };
    }
    state.failures = 0;
    return this.#outcome(state);
  }

  #outcome(state: _UserState): { result: LoginResult; state: _UserState } {
    const result = state.user.outcome === undefined
      ? LoginResult.SUCCESS
      : parseLoginResultName(state.user.outcome) ?? LoginResult.UNKNOWN;
    return { result, state };
  }

  #token(
    state: _UserState,
    requestId: string,
  ): MessageInitShape<typeof AuthenticationTokenSchema> {
    const now = this.#clock.now();
    const expires = now + this.#tokenTtl;
    const part = (value: object) =>
      btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const token = `${part({ alg: "HS256", typ: "JWT" })}.${
      part({
        sub: state.userId,
        iss: "t4flow-sim",
        iat: Math.floor(now / 1000),
        exp: Math.floor(expires / 1000),
      })
    }.${this.#rng.hex(43)}`;
    return { requestId, token, expireTime: timestampFromMs(expires) };
  }

  // -- market data ------------------------------------------------------------------------------

  #armMarket(): void {
    this.#marketTimer = this.#clock.setTimeout(() => {
      this.#marketTimer = undefined;
      this.#stepMarkets();
      if (this.#stopped === undefined) this.#armMarket();
    }, this.#depthMs);
  }

  #stepMarkets(): void {
    this.#steps++;
    const now = this.#clock.now();
    for (const book of this.#books.values()) {
      const step = book.step();
      const marketId = book.market.marketId;
      // Always followed (whether anyone listens or not), so its frames depend only on the seed
      // and the step; encoded once, only when someone subscribed.
      const byOrder = this.#byOrder.get(marketId)!.step(step.trade, now);
      let byOrderBytes: Uint8Array[] | undefined;
      for (const order of [...this.#orders.values()]) {
        if (order.working && order.book === book) this.#match(order);
      }
      for (const session of this.#sessions.values()) {
        if (session.user === undefined) continue;
        if (session.byOrder.has(marketId)) {
          byOrderBytes ??= byOrder.map((payload) => encodeServerMessage({ payload }));
          for (const bytes of byOrderBytes) this.#sendBytes(session, bytes);
        }
        const sub = session.subs.get(marketId);
        if (sub === undefined) continue;
        const every = _STEP_EVERY[sub.buffer] ?? 1;
        if (sub.buffer !== DepthBuffer.TRADE_ONLY && this.#steps % every === 0) {
          this.#send(session, {
            case: "marketDepth",
            value: book.depthMessage(sub.levels, sub.buffer, now),
          });
        }
        if (step.trade !== undefined) {
          this.#send(session, { case: "marketDepthTrade", value: book.tradeMessage(now)! });
        }
        if (step.highLowChanged) {
          this.#send(session, { case: "marketHighLow", value: book.highLowMessage(now) });
        }
      }
    }
  }

  /** The book of the requested market, or `undefined` when the market, exchange or contract is unknown. */
  #bookFor(
    request: { marketId: string; exchangeId: string; contractId: string },
  ): SimMarketBook | undefined {
    const book = this.#books.get(request.marketId);
    if (
      book === undefined ||
      (request.exchangeId !== "" && request.exchangeId !== book.market.exchangeId) ||
      (request.contractId !== "" && request.contractId !== book.market.contractId)
    ) return undefined;
    return book;
  }

  #subscribeDepth(session: _Session, request: MarketDepthSubscribe): void {
    const book = this.#bookFor(request);
    const now = this.#clock.now();
    if (book === undefined) {
      this.#send(session, {
        case: "marketDepthSubscribeReject",
        value: {
          marketId: request.marketId,
          time: timestampFromMs(now),
          mode: MarketMode.REJECTED,
        },
      });
      return;
    }
    if (request.buffer === DepthBuffer.NO_SUBSCRIPTION) {
      session.subs.delete(book.market.marketId);
      return;
    }
    const sub = { levels: request.depthLevels, buffer: request.buffer };
    session.subs.set(book.market.marketId, sub);
    this.#send(session, { case: "marketDetails", value: book.detailsMessage() });
    if (sub.buffer !== DepthBuffer.TRADE_ONLY) {
      this.#send(session, {
        case: "marketDepth",
        value: book.depthMessage(sub.levels, sub.buffer, now),
      });
    }
    this.#send(session, { case: "marketHighLow", value: book.highLowMessage(now) });
    const trade = book.tradeMessage(now);
    if (trade !== undefined) this.#send(session, { case: "marketDepthTrade", value: trade });
  }

  #subscribeByOrder(session: _Session, request: MarketByOrderSubscribe): void {
    const book = this.#bookFor(request);
    const now = this.#clock.now();
    if (book === undefined) {
      this.#send(session, {
        case: "marketByOrderSubscribeReject",
        value: {
          marketId: request.marketId,
          time: timestampFromMs(now),
          mode: MarketMode.REJECTED,
        },
      });
      return;
    }
    if (!request.subscribe) {
      session.byOrder.delete(book.market.marketId);
      return;
    }
    // A repeated subscribe gets a fresh snapshot: how a client recovers from a sequence gap.
    session.byOrder.add(book.market.marketId);
    this.#send(session, {
      case: "marketByOrderSnapshot",
      value: this.#byOrder.get(book.market.marketId)!.snapshotMessage(now),
    });
  }

  // -- accounts ---------------------------------------------------------------------------------

  #subscribeAccounts(session: _Session, request: AccountSubscribe): void {
    const user = session.user!;
    const ids = request.subscribeAllAccounts ? user.accounts : request.accountId;
    const errors: string[] = [];
    const valid: _Account[] = [];
    for (const id of ids) {
      const account = this.#accounts.get(id);
      if (account === undefined || account.owner !== user) {
        errors.push(`Account '${id}' is not available to this user`);
      } else {
        valid.push(account);
      }
    }
    if (ids.length === 0) errors.push("No account given: set account_id or subscribe_all_accounts");
    if (request.subscribe === AccountSubscribeType.NONE) {
      for (const account of valid) session.accounts.delete(account.accountId);
      this.#send(session, {
        case: "accountSubscribeResponse",
        value: { success: errors.length === 0, errors },
      });
      return;
    }
    this.#send(session, {
      case: "accountSubscribeResponse",
      value: { success: errors.length === 0, errors },
    });
    for (const account of valid) {
      session.accounts.add(account.accountId);
      this.#send(session, {
        case: "accountDetails",
        value: {
          accountId: account.accountId,
          accountName: account.accountId,
          account: account.accountId,
          displayName: account.accountId,
          enabled: AccountEnabled.ENABLED,
          firmId: user.user.firm ?? "T4Demo",
          firm: user.user.firm ?? "T4Demo",
          orderRouting: true,
          mode: AccountMode.BY_MARKET,
        },
      });
      this.#send(session, { case: "accountUpdate", value: this.#accountUpdate(account) });
      for (const marketId of account.positions.keys()) {
        this.#send(session, {
          case: "accountPosition",
          value: this.#accountPosition(account, marketId),
        });
      }
    }
  }

  #accountUpdate(account: _Account) {
    let rpl = 0;
    for (const position of account.positions.values()) rpl += position.rpl;
    return {
      accountId: account.accountId,
      status: AccountStatus.OK,
      balance: account.balance + rpl,
      rpl,
    };
  }

  #accountPosition(account: _Account, marketId: string) {
    const p = account.positions.get(marketId)!;
    const book = this.#books.get(marketId)!;
    return {
      accountId: account.accountId,
      exchangeId: book.market.exchangeId,
      contractId: book.market.contractId,
      marketId,
      buys: p.buys,
      sells: p.sells,
      dayBuys: p.buys,
      daySells: p.sells,
      workingBuys: p.workingBuys,
      workingSells: p.workingSells,
      rpl: p.rpl,
      totalOpenVolume: Math.abs(p.net),
      ...(p.net === 0 ? {} : { averageOpenPrice: { value: book.price(p.avgTicks) } }),
    };
  }

  #position(account: _Account, marketId: string): _Position {
    let p = account.positions.get(marketId);
    if (p === undefined) {
      p = { buys: 0, sells: 0, workingBuys: 0, workingSells: 0, net: 0, avgTicks: 0, rpl: 0 };
      account.positions.set(marketId, p);
    }
    return p;
  }

  #publishAccount(account: _Account, marketId: string): void {
    for (const session of this.#sessions.values()) {
      if (!session.accounts.has(account.accountId)) continue;
      this.#send(session, {
        case: "accountPosition",
        value: this.#accountPosition(account, marketId),
      });
      this.#send(session, { case: "accountUpdate", value: this.#accountUpdate(account) });
    }
  }

  // -- orders -----------------------------------------------------------------------------------

  #validate(
    session: _Session,
    accountId: string,
    marketId: string,
    order: OrderSubmit_Order,
  ): string | undefined {
    const account = this.#accounts.get(accountId);
    if (account === undefined || account.owner !== session.user) {
      return `Account '${accountId}' is not available to this user`;
    }
    const book = this.#books.get(marketId);
    if (book === undefined) return `Market '${marketId}' is not known`;
    if (order.buySell !== BuySell.BUY && order.buySell !== BuySell.SELL) {
      return "buy_sell must be BUY or SELL";
    }
    if (!Number.isInteger(order.volume) || order.volume <= 0) return "volume must be > 0";
    const limit = order.priceType === PriceType.LIMIT || order.priceType === PriceType.STOP_LIMIT;
    const stop = order.priceType === PriceType.STOP_MARKET ||
      order.priceType === PriceType.STOP_LIMIT;
    if (!limit && !stop && order.priceType !== PriceType.MARKET) {
      return `price_type ${PriceType[order.priceType] ?? order.priceType} is not simulated`;
    }
    if (limit && book.ticks(order.limitPrice?.value) === undefined) {
      return `limit_price must be a positive price on a ${book.market.tickSize} tick`;
    }
    if (stop && book.ticks(order.stopPrice?.value) === undefined) {
      return `stop_price must be a positive price on a ${book.market.tickSize} tick`;
    }
    return undefined;
  }

  #submit(session: _Session, request: OrderSubmit): void {
    for (const order of request.orders) {
      const error = this.#validate(session, request.accountId, request.marketId, order);
      if (error !== undefined) {
        this.#stats.ordersRejected++;
        this.#send(session, {
          case: "orderUpdateFailed",
          value: {
            uniqueId: this.#newOrderId(),
            accountId: request.accountId,
            marketId: request.marketId,
            time: timestampFromMs(this.#clock.now()),
            change: OrderChange.SUBMISSION_REJECTED,
            status: OrderStatus.REJECTED,
            statusDetail: error,
            // The order's tag, so clients can correlate (the live server may leave it empty).
            ...(order.tag ? { tagClOrdId: order.tag } : {}),
          },
        });
        continue;
      }
      this.#place(this.#create(session, request.accountId, request.marketId, order));
    }
  }

  #batch(session: _Session, request: OrderBatch): void {
    const batchId = request.batchId ?? "";
    const errors = [];
    let count = 0;
    for (const [submissionIndex, submission] of request.submissions.entries()) {
      for (const [orderIndex, order] of submission.orders.entries()) {
        count++;
        const reason = this.#validate(session, submission.accountId, submission.marketId, order);
        if (reason !== undefined) {
          errors.push({
            submissionIndex,
            orderIndex,
            accountId: submission.accountId,
            marketId: submission.marketId,
            reason,
          });
        }
      }
    }
    if (count === 0 || errors.length > 0) {
      this.#stats.ordersRejected += count;
      this.#send(session, {
        case: "orderBatchReject",
        value: {
          batchId,
          reason: count === 0
            ? "The batch has no orders"
            : `${errors.length} of ${count} orders are not valid; none was placed`,
          errors,
        },
      });
      return;
    }
    const created = request.submissions.map((submission) =>
      submission.orders.map((order) =>
        this.#create(session, submission.accountId, submission.marketId, order)
      )
    );
    this.#send(session, {
      case: "orderBatchAcknowledge",
      value: {
        batchId,
        accepted: request.submissions.map((submission, i) => ({
          accountId: submission.accountId,
          marketId: submission.marketId,
          uniqueId: created[i]!.map((o) => o.uniqueId),
        })),
      },
    });
    for (const order of created.flat()) this.#place(order);
  }

  #newOrderId(): string {
    return `SIM-${this.#seed}-${String(this.#nextOrder++).padStart(6, "0")}`;
  }

  #create(
    session: _Session,
    accountId: string,
    marketId: string,
    order: OrderSubmit_Order,
  ): _Order {
    const book = this.#books.get(marketId)!;
    const stop = order.priceType === PriceType.STOP_MARKET ||
      order.priceType === PriceType.STOP_LIMIT;
    return {
      uniqueId: this.#newOrderId(),
      account: this.#accounts.get(accountId)!,
      book,
      buySell: order.buySell,
      priceType: order.priceType,
      timeType: order.timeType,
      volume: order.volume,
      filled: 0,
      limitTicks: book.ticks(order.limitPrice?.value),
      stopTicks: book.ticks(order.stopPrice?.value),
      triggered: !stop,
      working: true,
      tag: order.tag,
      origin: session,
      submitTime: this.#clock.now(),
    };
  }

  #place(order: _Order): void {
    this.#stats.ordersAccepted++;
    this.#orders.set(order.uniqueId, order);
    this.#setWorking(order, order.volume);
    const now = this.#clock.now();
    const book = order.book;
    this.#toOrderRecipients(order, {
      case: "orderUpdate",
      value: {
        uniqueId: order.uniqueId,
        accountId: order.account.accountId,
        marketId: book.market.marketId,
        exchangeId: book.market.exchangeId,
        time: timestampFromMs(now),
        exchangeTime: timestampFromMs(now),
        submitTime: timestampFromMs(order.submitTime),
        change: OrderChange.SUBMISSION_SUCCESS,
        status: OrderStatus.WORKING,
        buySell: order.buySell,
        priceType: order.priceType,
        timeType: order.timeType,
        currentVolume: order.volume,
        workingVolume: order.volume,
        userId: order.account.owner.userId,
        sessionId: order.origin.sessionId,
        exchangeOrderId: order.uniqueId,
        ...(order.tag === undefined ? {} : { tag: order.tag }),
        ...this.#prices(order),
      },
    });
    this.#publishAccount(order.account, book.market.marketId);
    this.#match(order);
    if (order.working && order.timeType === TimeType.IMMEDIATE_AND_CANCEL) {
      this.#finish(order, OrderChange.PULL_SUCCESS, "Immediate-or-cancel order not filled");
    }
  }

  #prices(order: _Order) {
    const book = order.book;
    return {
      ...(order.limitTicks === undefined
        ? {}
        : { currentLimitPrice: { value: book.price(order.limitTicks) } }),
      ...(order.stopTicks === undefined
        ? {}
        : { currentStopPrice: { value: book.price(order.stopTicks) } }),
    };
  }

  #setWorking(order: _Order, volume: number): void {
    const p = this.#position(order.account, order.book.market.marketId);
    if (order.buySell === BuySell.BUY) p.workingBuys += volume;
    else p.workingSells += volume;
  }

  #match(order: _Order): void {
    if (!order.working) return;
    const book = order.book;
    const buy = order.buySell === BuySell.BUY;
    const touch = buy ? book.bestOfferTicks : book.bestBidTicks;
    if (!order.triggered) {
      const stop = order.stopTicks!;
      if (buy ? touch < stop : touch > stop) return;
      order.triggered = true;
    }
    const limit = order.priceType === PriceType.LIMIT || order.priceType === PriceType.STOP_LIMIT;
    if (limit && (buy ? touch > order.limitTicks! : touch < order.limitTicks!)) return;
    this.#fill(order, touch, order.volume - order.filled);
  }

  #fill(order: _Order, ticks: number, volume: number): void {
    const book = order.book;
    const now = this.#clock.now();
    order.filled += volume;
    const remaining = order.volume - order.filled;
    if (remaining === 0) order.working = false;
    this.#stats.fills++;
    const p = this.#position(order.account, book.market.marketId);
    const signed = order.buySell === BuySell.BUY ? volume : -volume;
    if (signed > 0) {
      p.buys += volume;
      p.workingBuys -= volume;
    } else {
      p.sells += volume;
      p.workingSells -= volume;
    }
    if (p.net === 0 || Math.sign(p.net) === Math.sign(signed)) {
      p.avgTicks = (p.avgTicks * Math.abs(p.net) + ticks * volume) / (Math.abs(p.net) + volume);
      p.net += signed;
    } else {
      const closing = Math.min(Math.abs(p.net), volume);
      p.rpl += (ticks - p.avgTicks) * book.market.tickSize * book.market.pointValue * closing *
        Math.sign(p.net);
      p.net += signed;
      if (Math.abs(signed) > closing) p.avgTicks = ticks;
      if (p.net === 0) p.avgTicks = 0;
    }
    this.#toOrderRecipients(order, {
      case: "orderUpdateTrade",
      value: {
        uniqueId: order.uniqueId,
        accountId: order.account.accountId,
        marketId: book.market.marketId,
        time: timestampFromMs(now),
        exchangeTime: timestampFromMs(now),
        change: remaining === 0 ? OrderChange.TRADE_COMPLETED : OrderChange.TRADE,
        status: remaining === 0 ? OrderStatus.FINISHED : OrderStatus.WORKING,
        totalFillVolume: order.filled,
        workingVolume: remaining,
        volume,
        price: { value: book.price(ticks) },
        residualVolume: remaining,
        exchangeTradeId: `T-${this.#seed}-${this.#nextTrade++}`,
      },
    });
    this.#publishAccount(order.account, book.market.marketId);
  }

  #finish(order: _Order, change: OrderChange, detail: string): void {
    order.working = false;
    this.#setWorking(order, -(order.volume - order.filled));
    this.#statusUpdate(order, change, OrderStatus.FINISHED, detail);
    this.#publishAccount(order.account, order.book.market.marketId);
  }

  #statusUpdate(order: _Order, change: OrderChange, status: OrderStatus, detail: string): void {
    const now = this.#clock.now();
    this.#toOrderRecipients(order, {
      case: "orderUpdateStatus",
      value: {
        uniqueId: order.uniqueId,
        accountId: order.account.accountId,
        marketId: order.book.market.marketId,
        time: timestampFromMs(now),
        exchangeTime: timestampFromMs(now),
        change,
        status,
        statusDetail: detail,
        currentVolume: order.volume,
        workingVolume: order.working ? order.volume - order.filled : 0,
        priceType: order.priceType,
        timeType: order.timeType,
        userId: order.account.owner.userId,
        ...(order.tag === undefined ? {} : { tag: order.tag }),
        ...this.#prices(order),
      },
    });
  }

  #orderFailed(
    session: _Session,
    uniqueId: string,
    accountId: string,
    marketId: string,
    change: OrderChange,
    detail: string,
    tag?: string,
  ): void {
    this.#send(session, {
      case: "orderUpdateFailed",
      value: {
        uniqueId,
        accountId,
        marketId,
        time: timestampFromMs(this.#clock.now()),
        change,
        status: OrderStatus.NO_CHANGE,
        statusDetail: detail,
        ...(tag ? { tagClOrdId: tag } : {}),
      },
    });
  }

  #ownOrder(session: _Session, uniqueId: string): _Order | string {
    const order = this.#orders.get(uniqueId);
    if (order === undefined || order.account.owner !== session.user) {
      return `Order '${uniqueId}' is not known`;
    }
    if (!order.working) return `Order '${uniqueId}' is no longer working`;
    return order;
  }

  #revise(session: _Session, request: OrderRevise): void {
    for (const revision of request.revisions) {
      const order = this.#ownOrder(session, revision.uniqueId);
      const fail = (detail: string) =>
        this.#orderFailed(
          session,
          revision.uniqueId,
          request.accountId,
          request.marketId,
          OrderChange.REVISION_REJECTED,
          detail,
          typeof order === "string" ? undefined : order.tag,
        );
      if (typeof order === "string") {
        fail(order);
        continue;
      }
      const book = order.book;
      const limit = revision.limitPrice === undefined
        ? order.limitTicks
        : book.ticks(revision.limitPrice.value);
      const stop = revision.stopPrice === undefined
        ? order.stopTicks
        : book.ticks(revision.stopPrice.value);
      const volume = revision.volume ?? order.volume;
      if (revision.limitPrice !== undefined && limit === undefined) {
        fail(`limit_price must be a positive price on a ${book.market.tickSize} tick`);
        continue;
      }
      if (revision.stopPrice !== undefined && stop === undefined) {
        fail(`stop_price must be a positive price on a ${book.market.tickSize} tick`);
        continue;
      }
      if (volume <= order.filled) {
        fail(`volume must exceed the filled volume ${order.filled}`);
        continue;
      }
      this.#setWorking(order, volume - order.volume);
      order.volume = volume;
      order.limitTicks = limit;
      order.stopTicks = stop;
      this.#statusUpdate(order, OrderChange.REVISION_SUCCESS, OrderStatus.WORKING, "Revised");
      this.#publishAccount(order.account, book.market.marketId);
      this.#match(order);
    }
  }

  #pull(session: _Session, request: OrderPull): void {
    for (const pull of request.pulls) {
      const order = this.#ownOrder(session, pull.uniqueId);
      if (typeof order === "string") {
        this.#orderFailed(
          session,
          pull.uniqueId,
          request.accountId,
          request.marketId,
          OrderChange.PULL_REJECTED,
          order,
        );
        continue;
      }
      this.#finish(order, OrderChange.PULL_SUCCESS, "Pulled");
    }
  }

  #toOrderRecipients(order: _Order, payload: _Payload): void {
    const bytes = encodeServerMessage({ payload });
    for (const session of this.#sessions.values()) {
      if (session === order.origin || session.accounts.has(order.account.accountId)) {
        this.#sendBytes(session, bytes);
      }
    }
  }

  // -- faults -----------------------------------------------------------------------------------

  async #applyConnectionFault(session: _Session, fault: SimFault): Promise<void> {
    const after = "afterMs" in fault ? fault.afterMs ?? 0 : 0;
    if (after > 0) {
      await new Promise<void>((resolve) => this.#later(resolve, after));
    }
    if (session.closed) return;
    const conn = session.conn;
    switch (fault.kind) {
      case "drop":
        conn.terminate();
        return;
      case "silence":
        session.deaf = true;
        conn.silence();
        this.#arm(session);
        return;
      case "stop_reading":
        session.deaf = true;
        conn.pauseReading();
        this.#arm(session);
        return;
      case "garbage": {
        const bytes = new Uint8Array(Math.max(2, fault.bytes ?? 32));
        for (let i = 0; i < bytes.length; i++) bytes[i] = this.#rng.int(0, 255);
        bytes[0] = 0x0f; // field 1 with wire type 7, which does not exist: never a valid message
        this.#sendBytes(session, bytes);
        return;
      }
      case "text":
        this.#sendBytes(session, fault.text ?? "This is not a protobuf frame");
        return;
      case "truncated": {
        const book = [...this.#books.values()][0]!;
        const bytes = encodeServerMessage({
          payload: {
            case: "marketDepth",
            value: book.depthMessage(DepthLevels.NORMAL, DepthBuffer.SMART, this.#clock.now()),
          },
        });
        this.#sendBytes(session, bytes.subarray(0, bytes.length - 1));
        return;
      }
      case "oversized":
        this.#sendBytes(session, new Uint8Array(fault.bytes ?? 16 * 1024 * 1024 + 1));
        return;
      case "delay":
        session.delayMs = Math.max(0, fault.ms);
        return;
      case "flood":
        return await this.#flood(session, fault.frames, fault.marketId);
    }
  }

  async #flood(session: _Session, frames: number, marketId: string | undefined): Promise<void> {
    const base = (marketId === undefined ? undefined : this.#books.get(marketId)) ??
      this.#books.get([...session.subs.keys()][0] ?? "") ?? [...this.#books.values()][0]!;
    const book = new SimMarketBook(base.market, this.#seed ^ 0xf100d, base.depth);
    const now = this.#clock.now();
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
      this.#stats.framesOut++;
      this.#stats.floodFrames++;
      if (!more) await conn.drained(256 * 1024);
      else if (i % 512 === 511) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    session.lastSent = this.#clock.now();
    await conn.drained(0);
  }
}
