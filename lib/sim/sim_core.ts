/**
 * The simulator's shared state: users, accounts, books, orders, open sessions, counters and the
 * clock, with the one way to send a frame to a session (honouring `delay` faults) and the one way
 * to run something later (cancelled on stop). The simulator's parts (login, market data,
 * accounts, orders, heartbeats, faults) each work on one `SimCore`.
 *
 * @module
 */

import type { DepthBuffer, DepthLevels } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { BuySell, PriceType, TimeType } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import { encodeServerMessage, type ServerMessageInit } from "../protocol/frame_codec.ts";
import type { Clock, TimerHandle } from "../runtime/clock.ts";
import { SeededRandom } from "./seeded_random.ts";
import type { SimMarket, SimUser } from "./sim_config.ts";
import { SimMarketBook } from "./sim_market_book.ts";
import { SimMarketByOrderBook } from "./sim_market_by_order_book.ts";
import type { WsConnection } from "./ws_server.ts";

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

/** A depth subscription of a session. */
export interface SimDepthSub {
  /** Levels per side. */
  levels: DepthLevels;
  /** Buffering of updates. */
  buffer: DepthBuffer;
}

/** A configured user and its login state. */
export interface SimUserState {
  /** The configuration. */
  user: SimUser;
  /** The user id sent in the login response. */
  userId: string;
  /** Consecutive failed password logins. */
  failures: number;
  /** Locked out after too many failures. */
  locked: boolean;
  /** Logged-in sessions of this user. */
  sessions: Set<SimSession>;
  /** Account ids of this user. */
  accounts: string[];
}

/** One WebSocket connection. */
export interface SimSession {
  /** The connection. */
  conn: WsConnection;
  /** The logged-in user, if any. */
  user: SimUserState | undefined;
  /** The session id given at login. */
  sessionId: string;
  /** Clock time of the last frame sent. */
  lastSent: number;
  /** Clock time of the last frame received. */
  lastReceived: number;
  /** The heartbeat timer. */
  timer: TimerHandle | undefined;
  /** Delay of every frame sent (a `delay` fault). */
  delayMs: number;
  /** Transport faults that make the server stop judging the client's liveness. */
  deaf: boolean;
  /** Depth subscriptions by market id. */
  subs: Map<string, SimDepthSub>;
  /** Markets with a market-by-order subscription. */
  byOrder: Set<string>;
  /** Subscribed accounts. */
  accounts: Set<string>;
  /** Closed already. */
  closed: boolean;
}

/** A position of an account in one market. */
export interface SimPosition {
  /** Filled buy volume. */
  buys: number;
  /** Filled sell volume. */
  sells: number;
  /** Working buy volume. */
  workingBuys: number;
  /** Working sell volume. */
  workingSells: number;
  /** Net open volume (positive long). */
  net: number;
  /** Average open price in ticks. */
  avgTicks: number;
  /** Realised profit and loss. */
  rpl: number;
}

/** A simulated account. */
export interface SimAccount {
  /** The account id. */
  accountId: string;
  /** Its owner. */
  owner: SimUserState;
  /** Starting balance. */
  balance: number;
  /** Positions by market id. */
  positions: Map<string, SimPosition>;
}

/** A simulated order. */
export interface SimOrder {
  /** The order's unique id. */
  uniqueId: string;
  /** Its account. */
  account: SimAccount;
  /** Its market's book. */
  book: SimMarketBook;
  /** Side. */
  buySell: BuySell;
  /** Price type. */
  priceType: PriceType;
  /** Time type. */
  timeType: TimeType;
  /** Volume. */
  volume: number;
  /** Filled volume. */
  filled: number;
  /** Limit price in ticks. */
  limitTicks: number | undefined;
  /** Stop price in ticks. */
  stopTicks: number | undefined;
  /** Whether a stop has triggered (always for non-stop orders). */
  triggered: boolean;
  /** Still working. */
  working: boolean;
  /** The client's tag. */
  tag: string | undefined;
  /** The session that submitted it. */
  origin: SimSession;
  /** Clock time of the submission. */
  submitTime: number;
}

/** The payload of a server message. */
export type SimPayload = NonNullable<ServerMessageInit["payload"]>;

/** What {@linkcode SimCore} is built from. */
export interface SimCoreOptions {
  /** Time source. */
  clock: Clock;
  /** PRNG seed. */
  seed: number;
  /** Users. */
  users: readonly SimUser[];
  /** Markets. */
  markets: readonly SimMarket[];
  /** Levels per side of each book. */
  bookDepth: number;
  /** Starting balance of every account. */
  accountBalance: number;
  /** Receives one line per login, refusal, kick, subscription and fault (default: none). */
  log?: ((line: string) => void) | undefined;
}

/**
 * The simulator's shared state and its sending and timer helpers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { DEFAULT_SIM_MARKETS, DEFAULT_SIM_USERS } from "./sim_config.ts";
 * import { SimCore } from "./sim_core.ts";
 *
 * const core = new SimCore({
 *   clock: systemClock,
 *   seed: 1,
 *   users: DEFAULT_SIM_USERS,
 *   markets: DEFAULT_SIM_MARKETS,
 *   bookDepth: 10,
 *   accountBalance: 1000,
 * });
 * assert.equal(core.books.size, DEFAULT_SIM_MARKETS.length);
 * assert.equal(core.stats.logins, 0);
 * ```
 */
export class SimCore {
  /** Time source. */
  readonly clock: Clock;
  /** PRNG seed. */
  readonly seed: number;
  /** Shared PRNG (session ids, tokens, garbage bytes). */
  readonly rng: SeededRandom;
  /** Users and their login state. */
  readonly users: SimUserState[];
  /** Accounts by id. */
  readonly accounts = new Map<string, SimAccount>();
  /** Books by market id. */
  readonly books = new Map<string, SimMarketBook>();
  /** Market-by-order books by market id. */
  readonly byOrder = new Map<string, SimMarketByOrderBook>();
  /** Orders by unique id. */
  readonly orders = new Map<string, SimOrder>();
  /** Open sessions by connection. */
  readonly sessions = new Map<WsConnection, SimSession>();
  /** Counters (`open` is derived from `sessions`). */
  readonly stats: Omit<SimulatorStats, "open"> = {
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
  /** Authentication tokens issued, with their expiry (clock ms), for the REST API. */
  readonly tokens = new Map<string, number>();
  /** Set once stopping began. */
  stopping = false;
  /** Logs one line (logins, refusals, kicks, subscriptions, faults); never a credential. */
  readonly log: (line: string) => void;
  #timers = new Set<TimerHandle>();

  /**
   * Builds the state.
   *
   * @param options Clock, seed, users, markets, book depth and balance.
   */
  constructor(options: SimCoreOptions) {
    this.clock = options.clock;
    this.seed = options.seed;
    this.log = options.log ?? (() => {});
    this.rng = new SeededRandom(this.seed ^ 0x51ed);
    this.users = options.users.map((user, i) => {
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
    for (const state of this.users) {
      for (const accountId of state.accounts) {
        if (!this.accounts.has(accountId)) {
          this.accounts.set(accountId, {
            accountId,
            owner: state,
            balance: options.accountBalance,
            positions: new Map(),
          });
        }
      }
    }
    options.markets.forEach((market, i) => {
      const book = new SimMarketBook(market, this.seed * 1_000 + i, options.bookDepth);
      this.books.set(market.marketId, book);
      // Its own PRNG, so depth frames are the same with or without market-by-order; ids are
      // unique across markets.
      this.byOrder.set(
        market.marketId,
        new SimMarketByOrderBook(
          book,
          (this.seed * 1_000 + i) ^ 0x0b0b,
          BigInt(i + 1) * 1_000_000_000n + 1n,
        ),
      );
    });
  }

  /**
   * Sends one server message to a session.
   *
   * @param session The session.
   * @param payload The message payload.
   */
  send(session: SimSession, payload: SimPayload): void {
    this.sendBytes(session, encodeServerMessage({ payload }));
  }

  /**
   * Sends an encoded frame to a session, after its `delay` fault if any.
   *
   * @param session The session.
   * @param bytes The frame (a string is sent as a text frame).
   */
  sendBytes(session: SimSession, bytes: Uint8Array | string): void {
    if (session.closed) return;
    if (session.delayMs > 0) {
      this.later(() => this.#sendNow(session, bytes), session.delayMs);
    } else {
      this.#sendNow(session, bytes);
    }
  }

  #sendNow(session: SimSession, bytes: Uint8Array | string): void {
    if (session.closed) return;
    session.conn.send(bytes);
    session.lastSent = this.clock.now();
    this.stats.framesOut++;
  }

  /**
   * Runs a callback later on the clock; {@linkcode SimCore.clearTimers} cancels it.
   *
   * @param callback What to run.
   * @param ms Delay in ms.
   */
  later(callback: () => void, ms: number): void {
    const handle = this.clock.setTimeout(() => {
      this.#timers.delete(handle);
      callback();
    }, ms);
    this.#timers.add(handle);
  }

  /** Cancels every pending {@linkcode SimCore.later} callback. */
  clearTimers(): void {
    for (const handle of this.#timers) this.clock.clearTimeout(handle);
    this.#timers.clear();
  }
}
