/**
 * The types of a `T4Client`'s surface: options, counters, state, payload handlers, order and
 * subscription shapes, and per-call request options.
 *
 * @module
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Clock } from "../runtime/clock.ts";
import type { Auth } from "./credentials.ts";
import type { ReconnectPolicy } from "./backoff.ts";
import type { MaintenanceWindow } from "./maintenance_window.ts";
import type { MarketRef } from "./subscription_registry.ts";
import type { WebSocketConstructor } from "./web_socket_like.ts";
import type { Transport } from "./transport.ts";
import type { DepthBuffer, DepthLevels, UPLMode } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type {
  OrderBatchSchema,
  OrderPullSchema,
  OrderReviseSchema,
  OrderSubmitSchema,
} from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import type { ServerMessage } from "../protocol/gen/t4/v1/service_pb.ts";

/** Options of a `T4Client`. */
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
   * Intervals with nothing received before the peer counts as dead and the socket is dropped (at
   * most a quarter interval later: receiving is checked every quarter interval, not per frame).
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
  /**
   * What to do when the server ends an established session because the same user logged in
   * elsewhere (a `LoginResponse` with a failed result, e.g. `LOGGED_IN_ELSEWHERE`, on a live
   * session, or a close whose reason says so): `"stop"` closes the client for good, so that
   * two logins of one user never take the session from each other in turn; `"reconnect"`
   * treats it as a drop and logs in again (which takes the session back from the other login).
   *
   * @default {"stop"}
   */
  loginConflict?: LoginConflictPolicy;
}

/** What a `T4Client` does when another login takes its session over. */
export type LoginConflictPolicy = "stop" | "reconnect";

/** Per-call options of a request (orders, batches, tokens, subscriptions). */
export interface RequestOptions {
  /**
   * Stops waiting for the answer when aborted: the call rejects with `RequestAbortedError`
   * (`sent` says whether the request went out; an order's outcome is then unknown). Aborted
   * before the call, nothing is sent.
   */
  signal?: AbortSignal;
  /**
   * Time to wait for the answer, in milliseconds.
   *
   * @default {T4ClientOptions.requestTimeoutMs}
   */
  timeoutMs?: number;
}

/** Options of `T4Client.drain()`. */
export interface DrainOptions {
  /**
   * Longest wait for the requests in flight, in milliseconds; then the client closes anyway
   * (requests still waiting reject with `ClientClosedError`, carrying their tags).
   *
   * @default {T4ClientOptions.requestTimeoutMs}
   */
  timeoutMs?: number;
}

/**
 * A pending order request: a promise of the answers that also carries the client tag of every
 * order, in order (`answers[i]` answers `tags[i]`), known before anything was sent.
 */
export interface OrderRequest<T> extends Promise<T> {
  /** The client tag of every order of the request, in order. */
  readonly tags: readonly string[];
}

/** Counters of a `T4Client` (live values, never reset). */
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
/** A handler registered with `T4Client.on`. */
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

/** The state of a `T4Client`. */
export type T4ClientState = "idle" | "connecting" | "open" | "waiting" | "closed";
