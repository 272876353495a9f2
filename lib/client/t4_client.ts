/**
 * `T4Client`: a T4 WebSocket session that stays alive. It logs in, sends heartbeats, detects a
 * dead (half-open) peer, reconnects with backoff and full re-login, replays every active
 * subscription, waits out the weekly maintenance window, never retries a fatal login, and never
 * shows a credential in logs, errors or events.
 *
 * Runs on the runtime's global `WebSocket` (Deno, Bun, browsers); no runtime-specific APIs.
 *
 * @module
 */

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { type Clock, systemClock, type TimerHandle } from "../runtime/clock.ts";
import { type Auth, AuthToken, Credentials, redactSecrets } from "./credentials.ts";
import {
  ClientClosedError,
  ConnectionError,
  ConnectionLostError,
  LoginError,
  LoginTimeoutError,
  NotConnectedError,
} from "./errors.ts";
import {
  type ClientMessageInit,
  type DecodeFrameOptions,
  decodeServerFrame,
  encodeClientMessage,
} from "../protocol/frame_codec.ts";
import { FrameError } from "../protocol/frame_error.ts";
import {
  type AccountSubscribe,
  AccountSubscribeSchema,
} from "../protocol/gen/t4/v1/account/account_pb.ts";
import type { AuthenticationToken, LoginResponse } from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import {
  AccountSubscribeType,
  DepthBuffer,
  DepthLevels,
  LoginResult,
  type UPLMode,
} from "../protocol/gen/t4/v1/common/enums_pb.ts";
import {
  MarketByOrderSubscribeSchema,
  MarketDepthSubscribeSchema,
} from "../protocol/gen/t4/v1/market/market_pb.ts";
import {
  type OrderBatchAcknowledge,
  OrderBatchSchema,
  OrderPullSchema,
  OrderReviseSchema,
  OrderSubmitSchema,
} from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import type { ServerMessage } from "../protocol/gen/t4/v1/service_pb.ts";
import { HeartbeatMonitor } from "./heartbeat_monitor.ts";
import { Backoff, type ReconnectPolicy } from "./backoff.ts";
import { isFatalLoginResult, loginResultName } from "../protocol/login_result.ts";
import { t4flowLogger } from "../runtime/logger.ts";
import {
  DEFAULT_MAINTENANCE_WINDOW,
  maintenanceEnd,
  type MaintenanceWindow,
} from "./maintenance_window.ts";
import { type Session, sessionFromLoginResponse } from "./session.ts";
import type { DisconnectReason, StatusEvent } from "./status_event.ts";
import { OrderTracker, type OrderUpdateMessage, type TrackedRequest } from "./order_tracker.ts";
import { type MarketRef, SubscriptionRegistry } from "./subscription_registry.ts";
import { StatusFanout } from "./status_fanout.ts";
import { resolveEndpoint } from "./t4_endpoint.ts";
import type { WebSocketConstructor, WebSocketLike } from "./web_socket_like.ts";
import { selectTransport, type Transport } from "./transport.ts";

export type { OrderUpdateMessage } from "./order_tracker.ts";
export type { MarketRef } from "./subscription_registry.ts";

/** Options of a {@linkcode T4Client}. */
export interface T4ClientOptions {
  /** The WebSocket URL; give this or `env`. */
  url?: string;
  /** One of the two documented endpoints ({@linkcode T4_ENDPOINTS}); give this or `url`. */
  env?: "live" | "sim";
  /** `{ apiKey }` or `{ firm, username, password, appName, appLicense, priceFormat? }`. */
  auth: Auth;
  /**
   * Heartbeat interval in milliseconds: a heartbeat is sent whenever nothing was sent this long.
   *
   * @default {20000}
   */
  heartbeatMs?: number;
  /**
   * Intervals with nothing received before the peer counts as dead and the socket is dropped.
   *
   * @default {3}
   */
  missedHeartbeats?: number;
  /**
   * Reconnect policy after an unexpected drop (see `DEFAULT_RECONNECT_POLICY`), or `false` to
   * close instead of reconnecting.
   *
   * @default {DEFAULT_RECONNECT_POLICY}
   */
  reconnect?: Partial<ReconnectPolicy> | false;
  /**
   * Weekly maintenance window, or `false` for none.
   *
   * @default {DEFAULT_MAINTENANCE_WINDOW}
   */
  maintenance?: MaintenanceWindow | false;
  /**
   * The clock for every timer.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /** Closes the client when aborted. */
  signal?: AbortSignal;
  /**
   * Time from opening the socket to the `LoginResponse`, in milliseconds.
   *
   * @default {15000}
   */
  loginTimeoutMs?: number;
  /**
   * Time an order or token request waits for its answer, in milliseconds.
   *
   * @default {30000}
   */
  requestTimeoutMs?: number;
  /**
   * Largest accepted frame in bytes; larger frames are skipped as `frame_error`.
   *
   * @default {16777216}
   */
  maxFrameBytes?: number;
  /**
   * Allows `ws://` to hosts other than loopback (credentials would travel unencrypted).
   *
   * @default {false}
   */
  allowInsecure?: boolean;
  /**
   * The WebSocket constructor (tests).
   *
   * @default {globalThis.WebSocket}
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Records every frame and connection event (e.g. a `FrameRecorder`): it decorates the
   * WebSocket constructor.
   */
  recorder?: { wrap(WebSocket: WebSocketConstructor): WebSocketConstructor };
  /**
   * `"websocket"`: the runtime's native `WebSocket`. `"socket"`: an RFC 6455 client in TypeScript
   * over the runtime's TCP/TLS sockets, which reads into one reused buffer (faster on Deno; see
   * docs/performance.md).
   *
   * @default {"websocket"}
   */
  transport?: Transport;
  /** PEM certificates to trust for `wss://` instead of the system roots (`transport: "socket"`). */
  caCerts?: readonly string[];
  /**
   * Random source in `[0, 1)` for backoff jitter and generated tags.
   *
   * @default {Math.random}
   */
  random?: () => number;
  /**
   * A cached authentication token is renewed this long before it expires, in milliseconds.
   *
   * @default {30000}
   */
  tokenRefreshMarginMs?: number;
}

/** Counters of a {@linkcode T4Client} (live values, never reset). */
export interface T4ClientStats {
  /** Successful re-logins after a drop. */
  reconnects: number;
  /** Heartbeats sent. */
  heartbeatsSent: number;
  /** Heartbeats received. */
  heartbeatsReceived: number;
  /** Frames skipped as undecodable, text or oversized. */
  frameErrors: number;
  /** Frames received (including bad ones). */
  framesReceived: number;
}

/** The payload of a `ServerMessage`. */
export type ServerPayload = ServerMessage["payload"];
/** A `ServerMessage` payload case name, e.g. `"marketDepth"`, `"orderUpdate"`. */
export type ServerPayloadCase = NonNullable<ServerPayload["case"]>;
/** The payload value type of a case. */
export type ServerPayloadValue<C extends ServerPayloadCase> = Extract<
  ServerPayload,
  { case: C }
>["value"];
/** A handler registered with {@linkcode T4Client.on}. */
export type PayloadHandler<C extends ServerPayloadCase> = (
  value: ServerPayloadValue<C>,
  message: ServerMessage,
) => void;

/** Initialiser of an `OrderSubmit`. */
export type OrderSubmitInit = MessageInitShape<typeof OrderSubmitSchema>;
/** Initialiser of an `OrderRevise`. */
export type OrderReviseInit = MessageInitShape<typeof OrderReviseSchema>;
/** Initialiser of an `OrderPull`. */
export type OrderPullInit = MessageInitShape<typeof OrderPullSchema>;
/** Initialiser of an `OrderBatch`. */
export type OrderBatchInit = MessageInitShape<typeof OrderBatchSchema>;

/** A market depth subscription. */
export interface MarketSubscription extends MarketRef {
  /**
   * Update buffering.
   *
   * @default {DepthBuffer.SMART}
   */
  buffer?: DepthBuffer;
  /**
   * Depth levels.
   *
   * @default {DepthLevels.NORMAL}
   */
  depthLevels?: DepthLevels;
}

/** An account subscription. */
export interface AccountSubscription {
  /** The account id. */
  accountId: string;
  /** Unrealised P&L mode. */
  uplMode?: UPLMode;
}

/** The state of a {@linkcode T4Client}. */
export type T4ClientState = "idle" | "connecting" | "open" | "waiting" | "closed";

const _log = t4flowLogger("client");
const _SUCCESS = LoginResult.SUCCESS;

/**
 * A T4 WebSocket session that stays alive.
 *
 * - `connect()` opens the socket and logs in once: it resolves with the {@linkcode Session} or
 *   rejects (`LoginError`, `LoginTimeoutError`, `ConnectionError`) without retrying; call it
 *   again to retry. Automatic reconnects start only after a session was established.
 * - After an unexpected close, socket error, login timeout or dead peer, the client reconnects
 *   with exponential backoff and full jitter, logs in again and replays every active
 *   subscription with the identical frame last sent. A fatal login result (everything except
 *   the transient `TRANSIENT_LOGIN_RESULTS`) closes the client: it is never retried.
 * - Inside the maintenance window a drop is reported as `maintenance` and the next attempt waits
 *   for the window's end.
 * - Requests made without a session throw/reject with `NotConnectedError` and are never queued;
 *   requests waiting for an answer when the connection drops reject with `ConnectionLostError`
 *   (orders are never replayed onto a new session).
 *
 * Order correlation (see `OrderTracker`): `submitOrder` gives every order without a `tag` a
 * unique generated tag and resolves with the first `OrderUpdate`/`OrderUpdateStatus` carrying
 * each tag (in order). When the server refuses an order (`OrderUpdateFailed`, matched by its
 * `tag_cl_ord_id`, or, as the server usually leaves that empty, to the oldest waiting order on
 * the same account and market), `submitOrder` rejects with `OrderRejectedError` once every order
 * of the submission has its first answer (`error.updates` has them all). `reviseOrder`/
 * `pullOrder` resolve with the first update per `unique_id` whose `change` is a revision (resp.
 * pull) change, or an `OrderUpdateFailed` for it (check its `change`); `submitBatch` sets a
 * `batch_id` when missing and resolves with the `OrderBatchAcknowledge`, or rejects with
 * `OrderBatchRejectedError`. Updates inside `OrderUpdateMulti` count too. A first update that
 * is an `OrderUpdate` may still report an exchange rejection: check its `status`. Waiters for the
 * same tag or unique id are answered in request order. An answer that never arrives rejects with
 * `RequestTimeoutError` after `requestTimeoutMs`; the order's outcome is then unknown. Follow the
 * whole order lifecycle with `on("orderUpdate", ...)`.
 *
 * @example Connect to the embedded simulator
 * ```ts
 * import assert from "node:assert/strict";
 * import { T4Client } from "./t4_client.ts";
 * import { startSimulator } from "../sim/mod.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * await using client = new T4Client({ url: sim.url, auth: { apiKey: "demo-api-key" } });
 * const session = await client.connect();
 * assert.ok(session.sessionId.length > 0);
 * ```
 */
export class T4Client {
  readonly #url: string;
  readonly #displayUrl: string;
  readonly #credentials: Credentials;
  readonly #clock: Clock;
  readonly #WebSocket: WebSocketConstructor;
  readonly #backoff: Backoff | undefined;
  readonly #maintenance: MaintenanceWindow | undefined;
  readonly #loginTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #tokenMarginMs: number;
  readonly #decodeOptions: DecodeFrameOptions;
  readonly #random: () => number;
  readonly #signal: AbortSignal | undefined;
  readonly #heartbeat: HeartbeatMonitor;
  readonly #stats: T4ClientStats = {
    reconnects: 0,
    heartbeatsSent: 0,
    heartbeatsReceived: 0,
    frameErrors: 0,
    framesReceived: 0,
  };

  #state: T4ClientState = "idle";
  #ws: WebSocketLike | undefined;
  #gen = 0;
  #attempt = 0;
  #session: Session | undefined;
  #connectedAt = 0;
  #loginTimer: TimerHandle | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #connectWaiter:
    | { resolve: (session: Session) => void; reject: (error: Error) => void }
    | undefined;

  readonly #handlers = new Map<string, readonly PayloadHandler<ServerPayloadCase>[]>();
  readonly #status = new StatusFanout(_log);
  readonly #subscriptions = new SubscriptionRegistry();
  readonly #tracker: OrderTracker;
  #token: AuthToken | undefined;
  #tokenRequest: Promise<AuthToken> | undefined;
  readonly #tagPrefix: string;
  #seq = 0;

  /**
   * Creates a client; nothing is opened until {@linkcode T4Client.connect}.
   *
   * @param options Endpoint, credentials, timing and policies.
   * @throws {TypeError} When neither `url` nor `env` is given, the URL is not `ws:`/`wss:`, or the
   *   credentials are incomplete.
   * @throws {InsecureUrlError} When the URL is `ws://` to a non-loopback host without `allowInsecure`.
   * @throws {RangeError} When a timing option or the reconnect policy is invalid.
   */
  constructor(options: T4ClientOptions) {
    const endpoint = resolveEndpoint(options);
    this.#url = endpoint.url;
    this.#displayUrl = endpoint.displayUrl;
    this.#credentials = new Credentials(options.auth);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    const transport = selectTransport(options);
    this.#WebSocket = options.recorder
      ? options.recorder.wrap(transport.WebSocket)
      : transport.WebSocket;
    this.#backoff = options.reconnect === false
      ? undefined
      : new Backoff(options.reconnect ?? {}, this.#random);
    this.#maintenance = options.maintenance === false
      ? undefined
      : options.maintenance ?? DEFAULT_MAINTENANCE_WINDOW;
    this.#loginTimeoutMs = _positive("loginTimeoutMs", options.loginTimeoutMs ?? 15_000);
    this.#requestTimeoutMs = _positive("requestTimeoutMs", options.requestTimeoutMs ?? 30_000);
    this.#tracker = new OrderTracker(this.#clock, this.#requestTimeoutMs);
    this.#tokenMarginMs = options.tokenRefreshMarginMs ?? 30_000;
    this.#decodeOptions = {
      ...(options.maxFrameBytes !== undefined &&
        { maxFrameBytes: _positive("maxFrameBytes", options.maxFrameBytes) }),
      ...(transport.borrowed && { borrowed: true }),
    };
    this.#heartbeat = new HeartbeatMonitor({
      sendHeartbeat: () => this.#sendHeartbeat(),
      stale: (silentMs) => this.#emit({ type: "stale", at: this.#clock.now(), silentMs }),
      deadPeer: (silentMs) =>
        this.#lost(
          this.#gen,
          "dead_peer",
          `nothing was received for ${silentMs} ms`,
          undefined,
        ),
    }, {
      clock: this.#clock,
      intervalMs: options.heartbeatMs ?? 20_000,
      missed: options.missedHeartbeats ?? 3,
    });
    this.#tagPrefix = `t4f${Math.floor(this.#random() * 36 ** 4).toString(36).padStart(4, "0")}-`;
    this.#signal = options.signal;
    if (this.#signal?.aborted) this.#shutdown("the signal was aborted", false);
    else this.#signal?.addEventListener("abort", this.#onAbort);
  }

  /** The URL (without user info or query). */
  get url(): string {
    return this.#displayUrl;
  }

  /** The current state. */
  get state(): T4ClientState {
    return this.#state;
  }

  /** The current session, while logged in. */
  get session(): Session | undefined {
    return this.#session;
  }

  /** Live counters. */
  get stats(): Readonly<T4ClientStats> {
    return this.#stats;
  }

  /** The number of active subscriptions that would be replayed on reconnect. */
  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /**
   * Opens the socket and logs in, once.
   *
   * @returns The session.
   * @throws {LoginError} When the server refuses the login (not retried).
   * @throws {LoginTimeoutError} When no login response arrives in `loginTimeoutMs`.
   * @throws {ConnectionError} When the socket fails or closes before the login completes.
   * @throws {ClientClosedError} When the client is or gets closed.
   */
  connect(): Promise<Session> {
    if (this.#state === "closed") return Promise.reject(new ClientClosedError("connect"));
    if (this.#state === "open" && this.#session) return Promise.resolve(this.#session);
    if (this.#connectWaiter) {
      return Promise.reject(
        new TypeError("Cannot connect as a connect() call is already in progress"),
      );
    }
    if (this.#state !== "idle") {
      return Promise.reject(
        new TypeError(`Cannot connect as the client is ${this.#state}: it reconnects by itself`),
      );
    }
    return new Promise<Session>((resolve, reject) => {
      this.#connectWaiter = { resolve, reject };
      this.#attempt = 0;
      this.#open();
    });
  }

  /**
   * Registers a handler for every `ServerMessage` payload of one case. A handler that throws is
   * logged and the session goes on.
   *
   * @param payloadCase The oneof case, e.g. `"marketDepth"`, `"orderUpdate"`.
   * @param handler Receives the payload value and the whole message.
   * @returns A function that removes the handler.
   */
  on<C extends ServerPayloadCase>(payloadCase: C, handler: PayloadHandler<C>): () => void {
    const h = handler as unknown as PayloadHandler<ServerPayloadCase>;
    this.#handlers.set(payloadCase, [...(this.#handlers.get(payloadCase) ?? []), h]);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const list = (this.#handlers.get(payloadCase) ?? []).filter((x) => x !== h);
      if (list.length) this.#handlers.set(payloadCase, list);
      else this.#handlers.delete(payloadCase);
    };
  }

  /**
   * Lifecycle events from now on, as an async iterable that ends after `closed`. Each call gets
   * its own independent iterator; events are buffered until read.
   *
   * @returns The event stream.
   */
  status(): AsyncIterable<StatusEvent> {
    return this.#status.stream();
  }

  /**
   * Calls `listener` synchronously for every lifecycle event. A listener that throws is logged.
   *
   * @param listener The listener.
   * @returns A function that removes the listener.
   */
  onStatus(listener: (event: StatusEvent) => void): () => void {
    return this.#status.listen(listener);
  }

  /**
   * Subscribes to market depth; replayed identically after every reconnect.
   *
   * @param subscription The market and how to buffer it.
   * @throws {NotConnectedError} When there is no session (nothing is sent or remembered).
   * @throws {TypeError} When an id is empty.
   * @throws {RangeError} When `buffer` is `NO_SUBSCRIPTION` (use `unsubscribeMarket`).
   */
  subscribeMarket(subscription: MarketSubscription): void {
    this.#requireOpen("subscribeMarket");
    _ids("subscribeMarket", subscription);
    const buffer = subscription.buffer ?? DepthBuffer.SMART;
    if (buffer === DepthBuffer.NO_SUBSCRIPTION) {
      throw new RangeError(
        "Cannot subscribeMarket as 'buffer' is NO_SUBSCRIPTION: call unsubscribeMarket instead",
      );
    }
    const frame = _frame({
      case: "marketDepthSubscribe",
      value: create(MarketDepthSubscribeSchema, {
        exchangeId: subscription.exchangeId,
        contractId: subscription.contractId,
        marketId: subscription.marketId,
        buffer,
        depthLevels: subscription.depthLevels ?? DepthLevels.NORMAL,
      }),
    });
    this.#send(frame);
    this.#subscriptions.setMarket("market_depth", subscription, frame);
  }

  /**
   * Ends a market depth subscription.
   *
   * @param market The market.
   * @throws {NotConnectedError} When there is no session.
   * @throws {TypeError} When an id is empty.
   */
  unsubscribeMarket(market: MarketRef): void {
    this.#requireOpen("unsubscribeMarket");
    _ids("unsubscribeMarket", market);
    this.#send(_frame({
      case: "marketDepthSubscribe",
      value: create(MarketDepthSubscribeSchema, {
        exchangeId: market.exchangeId,
        contractId: market.contractId,
        marketId: market.marketId,
        buffer: DepthBuffer.NO_SUBSCRIPTION,
        depthLevels: DepthLevels.UNDEFINED,
      }),
    }));
    this.#subscriptions.deleteMarket("market_depth", market);
  }

  /**
   * Subscribes to market-by-order data; replayed after every reconnect.
   *
   * @param market The market.
   * @throws {NotConnectedError} When there is no session.
   * @throws {TypeError} When an id is empty.
   */
  subscribeMarketByOrder(market: MarketRef): void {
    this.#requireOpen("subscribeMarketByOrder");
    _ids("subscribeMarketByOrder", market);
    const frame = _frame({
      case: "marketByOrderSubscribe",
      value: create(MarketByOrderSubscribeSchema, {
        exchangeId: market.exchangeId,
        contractId: market.contractId,
        marketId: market.marketId,
        subscribe: true,
      }),
    });
    this.#send(frame);
    this.#subscriptions.setMarket("market_by_order", market, frame);
  }

  /**
   * Ends a market-by-order subscription.
   *
   * @param market The market.
   * @throws {NotConnectedError} When there is no session.
   * @throws {TypeError} When an id is empty.
   */
  unsubscribeMarketByOrder(market: MarketRef): void {
    this.#requireOpen("unsubscribeMarketByOrder");
    _ids("unsubscribeMarketByOrder", market);
    this.#send(_frame({
      case: "marketByOrderSubscribe",
      value: create(MarketByOrderSubscribeSchema, {
        exchangeId: market.exchangeId,
        contractId: market.contractId,
        marketId: market.marketId,
        subscribe: false,
      }),
    }));
    this.#subscriptions.deleteMarket("market_by_order", market);
  }

  /**
   * Subscribes to all updates of an account; replayed after every reconnect.
   *
   * @param subscription The account and P&L mode.
   * @throws {NotConnectedError} When there is no session.
   * @throws {TypeError} When `accountId` is empty.
   */
  subscribeAccount(subscription: AccountSubscription): void {
    this.#requireOpen("subscribeAccount");
    _nonEmpty("subscribeAccount", "accountId", subscription.accountId);
    const value: AccountSubscribe = create(AccountSubscribeSchema, {
      subscribe: AccountSubscribeType.ALL_UPDATES,
      accountId: [subscription.accountId],
      ...(subscription.uplMode === undefined ? {} : { uplMode: subscription.uplMode }),
    });
    const frame = _frame({ case: "accountSubscribe", value });
    this.#send(frame);
    this.#subscriptions.setAccount(subscription.accountId, frame);
  }

  /**
   * Ends an account subscription.
   *
   * @param accountId The account id.
   * @throws {NotConnectedError} When there is no session.
   * @throws {TypeError} When `accountId` is empty.
   */
  unsubscribeAccount(accountId: string): void {
    this.#requireOpen("unsubscribeAccount");
    _nonEmpty("unsubscribeAccount", "accountId", accountId);
    this.#send(_frame({
      case: "accountSubscribe",
      value: create(AccountSubscribeSchema, {
        subscribe: AccountSubscribeType.NONE,
        accountId: [accountId],
      }),
    }));
    this.#subscriptions.deleteAccount(accountId);
  }

  /**
   * Submits orders. Each order without a `tag` gets a unique one.
   *
   * A refused order settles the promise at once (not at the timeout): the server's
   * `OrderUpdateFailed` is matched by `tag_cl_ord_id` when it is a waiting order's tag, otherwise
   * (a submission change, `SUBMISSION_*`) to the oldest waiting order on the same account and
   * market.
   *
   * @param submit The `OrderSubmit` (account, market, orders).
   * @returns The first update carrying each order's tag, in order.
   * @throws {OrderRejectedError} When the server refused at least one of the orders: thrown once
   *   every order has its first answer; `update` is the (first) `OrderUpdateFailed`, `detail`
   *   its `status_detail`, `change` the change name and `updates` every order's first answer.
   * @throws {NotConnectedError} When there is no session (nothing sent).
   * @throws {ConnectionLostError} When the connection drops before every answer arrived.
   * @throws {RequestTimeoutError} When not every answer arrived in `requestTimeoutMs`.
   * @throws {TypeError} When there is no order.
   */
  submitOrder(submit: OrderSubmitInit): Promise<OrderUpdateMessage[]> {
    return this.#request("submitOrder", () => {
      const message = create(OrderSubmitSchema, submit);
      if (message.orders.length === 0) {
        throw new TypeError("Cannot submitOrder as 'orders' is empty: add at least one order");
      }
      const keys = message.orders.map((order) => {
        if (!order.tag) order.tag = this.#nextId();
        return `tag:${order.tag}`;
      });
      return {
        keys,
        submission: { accountId: message.accountId, marketId: message.marketId },
        frame: _frame({ case: "orderSubmit", value: message }),
      };
    }) as Promise<OrderUpdateMessage[]>;
  }

  /**
   * Revises orders.
   *
   * @param revise The `OrderRevise`.
   * @returns The first revision update (or `OrderUpdateFailed`) per `unique_id`, in order.
   * @throws {NotConnectedError} When there is no session.
   * @throws {ConnectionLostError} When the connection drops before every answer arrived.
   * @throws {RequestTimeoutError} When not every answer arrived in time.
   * @throws {TypeError} When there is no revision or a `unique_id` is empty.
   */
  reviseOrder(revise: OrderReviseInit): Promise<OrderUpdateMessage[]> {
    return this.#request("reviseOrder", () => {
      const message = create(OrderReviseSchema, revise);
      if (message.revisions.length === 0) {
        throw new TypeError("Cannot reviseOrder as 'revisions' is empty: add at least one");
      }
      const keys = message.revisions.map((r) => {
        _nonEmpty("reviseOrder", "uniqueId", r.uniqueId);
        return `rev:${r.uniqueId}`;
      });
      return { keys, frame: _frame({ case: "orderRevise", value: message }) };
    }) as Promise<OrderUpdateMessage[]>;
  }

  /**
   * Pulls (cancels) orders.
   *
   * @param pull The `OrderPull`.
   * @returns The first pull update (or `OrderUpdateFailed`) per `unique_id`, in order.
   * @throws {NotConnectedError} When there is no session.
   * @throws {ConnectionLostError} When the connection drops before every answer arrived.
   * @throws {RequestTimeoutError} When not every answer arrived in time.
   * @throws {TypeError} When there is no pull or a `unique_id` is empty.
   */
  pullOrder(pull: OrderPullInit): Promise<OrderUpdateMessage[]> {
    return this.#request("pullOrder", () => {
      const message = create(OrderPullSchema, pull);
      if (message.pulls.length === 0) {
        throw new TypeError("Cannot pullOrder as 'pulls' is empty: add at least one");
      }
      const keys = message.pulls.map((p) => {
        _nonEmpty("pullOrder", "uniqueId", p.uniqueId);
        return `pull:${p.uniqueId}`;
      });
      return { keys, frame: _frame({ case: "orderPull", value: message }) };
    }) as Promise<OrderUpdateMessage[]>;
  }

  /**
   * Submits an order batch; a missing `batch_id` is generated.
   *
   * @param batch The `OrderBatch`.
   * @returns The server's `OrderBatchAcknowledge` (accepted unique ids per submission).
   * @throws {OrderBatchRejectedError} When the server rejects the batch.
   * @throws {NotConnectedError} When there is no session.
   * @throws {ConnectionLostError} When the connection drops before the answer.
   * @throws {RequestTimeoutError} When no answer arrived in time.
   */
  async submitBatch(batch: OrderBatchInit): Promise<OrderBatchAcknowledge> {
    const [ack] = await this.#request("submitBatch", () => {
      const message = create(OrderBatchSchema, batch);
      if (message.submissions.length === 0) {
        throw new TypeError("Cannot submitBatch as 'submissions' is empty: add at least one");
      }
      message.batchId ||= this.#nextId();
      return {
        keys: [`batch:${message.batchId}`],
        frame: _frame({ case: "orderBatch", value: message }),
      };
    });
    return ack as OrderBatchAcknowledge;
  }

  /**
   * The session's authentication token: the JWT the T4 REST API takes as `Bearer`. The token of
   * the login response seeds the cache; a cached token is returned until `tokenRefreshMarginMs`
   * before it expires, then renewed with an `AuthenticationTokenRequest` (one request in flight,
   * shared by every caller). A token without expiry is not cached.
   *
   * @returns The token, which redacts itself (`JSON.stringify`, inspect, `String`); call
   *   `reveal()` to put it in a header.
   * @throws {AuthTokenError} When the server refuses (`fail_message`).
   * @throws {NotConnectedError} When the cached token is stale and there is no session.
   * @throws {ClientClosedError} When the client is closed.
   * @throws {ConnectionLostError} When the connection drops before the answer.
   * @throws {RequestTimeoutError} When no answer arrived in time.
   *
   * @example Use the login's token for a REST call
   * ```ts
   * import assert from "node:assert/strict";
   * import { T4Client } from "./t4_client.ts";
   * import { startSimulator } from "../sim/mod.ts";
   *
   * await using sim = await startSimulator({ seed: 1 });
   * await using client = new T4Client({ url: sim.url, auth: { apiKey: "demo-api-key" } });
   * await client.connect();
   * const token = await client.authToken();
   * assert.equal(token.reveal().split(".").length, 3);
   * assert.ok(!JSON.stringify({ token }).includes(token.reveal()));
   * assert.equal(await client.authToken(), token);
   * ```
   */
  authToken(): Promise<AuthToken> {
    if (this.#state === "closed") return Promise.reject(new ClientClosedError("authToken"));
    const cached = this.#token;
    if (
      cached?.expiresAt !== undefined && this.#clock.now() < cached.expiresAt - this.#tokenMarginMs
    ) return Promise.resolve(cached);
    if (this.#tokenRequest) return this.#tokenRequest;
    const request = this.#request("authToken", () => {
      const requestId = this.#nextId();
      return {
        keys: [`token:${requestId}`],
        frame: _frame({ case: "authenticationTokenRequest", value: { requestId } }),
      };
    }).then(([value]) => {
      const token = _authToken(value as AuthenticationToken)!;
      if (this.#state !== "closed") this.#token = token;
      return token;
    }).finally(() => {
      if (this.#tokenRequest === request) this.#tokenRequest = undefined;
    });
    this.#tokenRequest = request;
    return request;
  }

  /**
   * Same as {@linkcode T4Client.authToken} (kept for existing callers).
   *
   * @returns The token, which redacts itself; call `reveal()` to use it.
   * @throws {AuthTokenError} When the server refuses (`fail_message`).
   * @throws {NotConnectedError} When the cached token is stale and there is no session.
   * @throws {ConnectionLostError} When the connection drops before the answer.
   * @throws {RequestTimeoutError} When no answer arrived in time.
   */
  requestAuthToken(): Promise<AuthToken> {
    return this.authToken();
  }

  /**
   * Closes the client for good: cancels every timer, detaches every socket handler, starts the
   * socket's close handshake without waiting for it, rejects waiting requests with
   * `ClientClosedError` and ends every status stream after a `closed` event. Idempotent.
   *
   * The client keeps nothing alive afterwards. The socket itself is aborted where the runtime
   * allows it (Bun's `terminate()`); the WHATWG `WebSocket` (Deno) cannot be aborted, so against
   * a peer that never answers the close handshake the runtime may keep that TCP connection (and
   * the process) alive until the peer or the OS ends it: a CLI should exit explicitly.
   *
   * @returns A promise that resolves at once (nothing is awaited).
   */
  close(): Promise<void> {
    this.#shutdown("closed by the client", true);
    return Promise.resolve();
  }

  /** Same as {@linkcode T4Client.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- connection lifecycle ----

  #open(): void {
    const gen = ++this.#gen;
    this.#state = "connecting";
    const attempt = this.#attempt;
    this.#emit({ type: "connecting", at: this.#clock.now(), url: this.#displayUrl, attempt });
    _log.debug("Connecting to {url} (attempt {attempt})", { url: this.#displayUrl, attempt });
    let ws: WebSocketLike;
    try {
      ws = new this.#WebSocket(this.#url);
    } catch (cause) {
      this.#lost(
        gen,
        "error",
        `the socket could not be created: ${_message(cause)}`,
        undefined,
        cause,
      );
      return;
    }
    ws.binaryType = "arraybuffer";
    this.#ws = ws;
    this.#loginTimer = this.#clock.setTimeout(() => {
      this.#loginTimer = undefined;
      this.#lost(
        gen,
        "login_timeout",
        `no login response arrived within ${this.#loginTimeoutMs} ms`,
      );
    }, this.#loginTimeoutMs);
    ws.onopen = () => {
      if (gen !== this.#gen) return;
      // The login frame carries the credentials: it is built here, sent, and never logged.
      this.#send(_frame({ case: "loginRequest", value: this.#credentials.loginRequest() }));
      this.#heartbeat.start();
    };
    ws.onmessage = (event) => {
      if (gen === this.#gen) this.#onFrame(event.data);
    };
    ws.onerror = () => {
      if (gen === this.#gen) this.#lost(gen, "error", "the socket reported an error");
    };
    ws.onclose = (event) => {
      if (gen !== this.#gen) return;
      const reason = event.reason
        ? `: ${redactSecrets(event.reason, this.#credentials.secrets())}`
        : "";
      this.#lost(
        gen,
        "closed",
        `the server closed the connection with code ${event.code}${reason}`,
        event.code,
      );
    };
  }

  #onFrame(data: unknown): void {
    this.#stats.framesReceived++;
    this.#heartbeat.noteReceived();
    const message = decodeServerFrame(data as ArrayBuffer, this.#decodeOptions);
    if (message instanceof FrameError) {
      this.#stats.frameErrors++;
      _log.warn("Skipped a bad frame: {message}", {
        kind: message.kind,
        size: message.size,
        message: message.message,
      });
      this.#emit({
        type: "frame_error",
        at: this.#clock.now(),
        kind: message.kind,
        size: message.size,
        message: message.message,
      });
      return;
    }
    const payload = message.payload;
    switch (payload.case) {
      case undefined:
        return;
      case "heartbeat":
        this.#stats.heartbeatsReceived++;
        this.#emit({
          type: "heartbeat_received",
          at: this.#clock.now(),
          timestamp: Number(payload.value.timestamp),
        });
        break;
      case "loginResponse":
        this.#onLogin(payload.value);
        break;
      case "authenticationToken":
        this.#tracker.onToken(payload.value);
        break;
      case "orderUpdate":
      case "orderUpdateStatus":
      case "orderUpdateFailed":
        this.#tracker.onOrderUpdate(payload.value);
        break;
      case "orderUpdateMulti":
        if (this.#tracker.size) {
          for (const update of payload.value.updates) {
            const inner = update.payload;
            if (
              inner.case === "orderUpdate" || inner.case === "orderUpdateStatus" ||
              inner.case === "orderUpdateFailed"
            ) this.#tracker.onOrderUpdate(inner.value);
          }
        }
        break;
      case "orderBatchAcknowledge":
        this.#tracker.onBatchAcknowledge(payload.value);
        break;
      case "orderBatchReject":
        this.#tracker.onBatchReject(payload.value);
        break;
    }
    const handlers = this.#handlers.get(payload.case);
    if (handlers === undefined) return;
    for (let i = 0; i < handlers.length; i++) {
      try {
        handlers[i]!(payload.value, message);
      } catch (error) {
        _log.error("A {case} handler threw; the session goes on: {error}", {
          case: payload.case,
          error,
        });
      }
    }
  }

  #onLogin(response: LoginResponse): void {
    if (this.#state !== "connecting") return;
    this.#clearLoginTimer();
    const gen = this.#gen;
    const now = this.#clock.now();
    if (response.result === _SUCCESS) {
      const session = sessionFromLoginResponse(response);
      this.#session = session;
      this.#state = "open";
      this.#connectedAt = now;
      this.#token = _authToken(response.authenticationToken);
      _log.info("Logged in to {url}: session {sessionId}", {
        url: this.#displayUrl,
        sessionId: session.sessionId,
      });
      this.#emit({ type: "connected", at: now, url: this.#displayUrl, session });
      if (this.#attempt > 0) {
        let resubscribed = 0;
        for (const frame of this.#subscriptions.frames()) {
          if (gen !== this.#gen) return;
          this.#send(frame);
          resubscribed++;
        }
        this.#stats.reconnects++;
        this.#emit({ type: "reconnected", at: now, attempt: this.#attempt, session, resubscribed });
      }
      const waiter = this.#connectWaiter;
      this.#connectWaiter = undefined;
      waiter?.resolve(session);
      return;
    }
    const code = response.result;
    const errorMessage = redactSecrets(response.errorMessage, this.#credentials.secrets());
    const fatal = isFatalLoginResult(code);
    const error = new LoginError(code, errorMessage);
    _log.warn("Login refused: {result} ({fatal})", {
      result: loginResultName(code),
      fatal: fatal ? "fatal, not retried" : "transient",
    });
    this.#emit({
      type: "login_failed",
      at: now,
      result: loginResultName(code),
      code,
      errorMessage,
      fatal,
    });
    if (gen !== this.#gen) return;
    if (this.#connectWaiter || fatal) {
      // Never retried: the initial connect() reports it, a reconnect closes the client.
      const waiter = this.#connectWaiter;
      this.#connectWaiter = undefined;
      this.#dropSocket();
      this.#emit({
        type: "disconnected",
        at: now,
        reason: "closed",
        detail: `the server refused the login with ${error.result}`,
      });
      if (waiter) {
        this.#state = "idle";
        waiter.reject(error);
        return;
      }
      this.#shutdown(
        `the server refused the login with ${error.result}, which is not retried`,
        false,
      );
      return;
    }
    this.#lost(
      gen,
      "closed",
      `the server refused the login with ${error.result} (transient)`,
      undefined,
      error,
    );
  }

  #lost(
    gen: number,
    reason: DisconnectReason,
    detail: string,
    code?: number,
    cause?: unknown,
  ): void {
    if (gen !== this.#gen || this.#state === "closed" || this.#state === "idle") return;
    const wasOpen = this.#state === "open";
    const now = this.#clock.now();
    this.#dropSocket();
    const after = this.#gen;
    this.#tracker.failAll((operation) => new ConnectionLostError(operation, { cause: detail }));
    const until = this.#maintenance ? maintenanceEnd(this.#maintenance, now) : undefined;
    const reported: DisconnectReason = until !== undefined ? "maintenance" : reason;
    _log.warn("Disconnected from {url} ({reason}): {detail}", {
      url: this.#displayUrl,
      reason: reported,
      detail,
    });
    this.#emit({
      type: "disconnected",
      at: now,
      reason: reported,
      ...(code === undefined ? {} : { code }),
      detail,
    });
    if (after !== this.#gen || (this.#state as T4ClientState) === "closed") return; // a listener closed us
    const waiter = this.#connectWaiter;
    if (waiter) {
      this.#connectWaiter = undefined;
      this.#state = "idle";
      waiter.reject(
        reason === "login_timeout"
          ? new LoginTimeoutError(this.#loginTimeoutMs)
          : cause instanceof LoginError
          ? cause
          : new ConnectionError(
            this.#displayUrl,
            detail,
            code,
            cause === undefined ? undefined : { cause },
          ),
      );
      return;
    }
    if (wasOpen && this.#backoff && now - this.#connectedAt >= this.#backoff.policy.resetAfterMs) {
      this.#backoff.reset();
    }
    this.#scheduleReconnect(until);
  }

  #scheduleReconnect(until: number | undefined): void {
    const backoff = this.#backoff;
    if (backoff === undefined) {
      this.#shutdown("the connection was lost and reconnecting is disabled", false);
      return;
    }
    const delay = backoff.next();
    if (delay === undefined) {
      this.#shutdown(
        `the connection was lost and ${backoff.policy.maxAttempts} reconnect attempts failed`,
        false,
      );
      return;
    }
    const now = this.#clock.now();
    let total = delay;
    if (until !== undefined) {
      this.#emit({ type: "maintenance", at: now, until });
      total += Math.max(0, until - now);
    }
    this.#state = "waiting";
    this.#attempt = backoff.attempt;
    _log.info("Reconnecting in {delayMs} ms (attempt {attempt})", {
      delayMs: total,
      attempt: this.#attempt,
    });
    this.#emit({ type: "reconnecting", at: now, attempt: this.#attempt, delayMs: total });
    if (this.#state !== "waiting") return;
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state === "waiting") this.#open();
    }, total);
  }

  /**
   * Forgets the socket at once: every handler is detached and the close handshake is started but
   * never waited for, so a peer that never answers it (half-open) holds nothing of the client.
   * Where the socket can be aborted (`terminate()`, e.g. Bun), it is; the WHATWG `WebSocket`
   * has no abort, so elsewhere (Deno) the runtime keeps that socket until the peer or the OS
   * ends it.
   */
  #dropSocket(): void {
    this.#gen++;
    this.#clearLoginTimer();
    this.#heartbeat.stop();
    this.#session = undefined;
    this.#state = "waiting";
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws === undefined) return;
    ws.onopen = null;
    ws.onmessage = null;
    ws.onerror = null;
    ws.onclose = null;
    if (ws.readyState < 2) _closeQuietly(ws);
    if (typeof ws.terminate === "function") {
      try {
        ws.terminate();
      } catch {
        // Already gone.
      }
    }
  }

  #shutdown(reason: string, byClient: boolean): void {
    if (this.#state === "closed") return;
    const wasConnected = this.#ws !== undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    if (this.#reconnectTimer !== undefined) {
      this.#clock.clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = undefined;
    }
    this.#dropSocket();
    this.#state = "closed";
    this.#tracker.failAll((operation) => new ClientClosedError(operation));
    const waiter = this.#connectWaiter;
    this.#connectWaiter = undefined;
    waiter?.reject(new ClientClosedError("connect"));
    const now = this.#clock.now();
    if (wasConnected && byClient) {
      this.#emit({ type: "disconnected", at: now, reason: "client", detail: reason });
    }
    _log.info("Closed: {reason}", { reason });
    this.#emit({ type: "closed", at: now, reason });
  }

  #onAbort = (): void => {
    this.#shutdown("the signal was aborted", true);
  };

  #clearLoginTimer(): void {
    if (this.#loginTimer !== undefined) {
      this.#clock.clearTimeout(this.#loginTimer);
      this.#loginTimer = undefined;
    }
  }

  #sendHeartbeat(): void {
    const timestamp = this.#clock.now();
    this.#send(_frame({ case: "heartbeat", value: { timestamp: BigInt(timestamp) } }));
    this.#stats.heartbeatsSent++;
    this.#emit({ type: "heartbeat_sent", at: timestamp, timestamp });
  }

  #send(frame: Uint8Array<ArrayBuffer>): void {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== 1) return;
    try {
      ws.send(frame);
      this.#heartbeat.noteSent();
    } catch (cause) {
      this.#lost(this.#gen, "error", `sending failed: ${_message(cause)}`, undefined, cause);
    }
  }

  #requireOpen(operation: string): void {
    if (this.#state === "closed") throw new ClientClosedError(operation);
    if (this.#state !== "open") throw new NotConnectedError(operation);
  }

  #emit(event: StatusEvent): void {
    this.#status.emit(event);
  }

  #nextId(): string {
    return `${this.#tagPrefix}${(++this.#seq).toString(36)}`;
  }

  // ---- requests ----

  #request(
    operation: string,
    build: () => Omit<TrackedRequest, "operation"> & { frame: Uint8Array<ArrayBuffer> },
  ): Promise<unknown[]> {
    try {
      this.#requireOpen(operation);
      const { frame, ...request } = build();
      const answers = this.#tracker.track({ operation, ...request });
      this.#send(frame);
      return answers;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function _frame(payload: NonNullable<ClientMessageInit["payload"]>): Uint8Array<ArrayBuffer> {
  return encodeClientMessage({ payload }) as Uint8Array<ArrayBuffer>;
}

function _authToken(answer: AuthenticationToken | undefined): AuthToken | undefined {
  if (!answer?.token) return undefined;
  return new AuthToken(
    answer.token,
    answer.expireTime ? timestampMs(answer.expireTime) : undefined,
  );
}

function _nonEmpty(operation: string, field: string, value: unknown): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(
      `Cannot ${operation} as '${field}' must be a non-empty string: current value is ${
        JSON.stringify(value) ?? "undefined"
      }`,
    );
  }
}

function _ids(operation: string, m: MarketRef): void {
  _nonEmpty(operation, "exchangeId", m?.exchangeId);
  _nonEmpty(operation, "contractId", m?.contractId);
  _nonEmpty(operation, "marketId", m?.marketId);
}

function _positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(
      `Cannot create the client as '${name}' must be > 0: current value is ${value}`,
    );
  }
  return value;
}

function _closeQuietly(ws: WebSocketLike): void {
  try {
    ws.close(1000);
  } catch {
    // Already closing or unusable: nothing more to do.
  }
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
