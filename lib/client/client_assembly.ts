/**
 * Assembles the parts of a `T4Client` from its options: the connection lifecycle, the frame
 * dispatcher, order requests and their tracker, subscriptions and the token cache, wired so
 * that a drop fails the requests in flight and a login replays the subscriptions.
 *
 * @module
 */

import { chunkedClock, type Clock, systemClock } from "../runtime/clock.ts";
import { t4flowLogger } from "../runtime/logger.ts";
import { AuthTokenCache } from "./auth_token_cache.ts";
import { Backoff } from "./backoff.ts";
import { ClientConnection } from "./client_connection.ts";
import { ClientOrders } from "./client_orders.ts";
import { ClientSubscriptions } from "./client_subscriptions.ts";
import { Credentials } from "./credentials.ts";
import { ClientClosedError, ConnectionLostError } from "./errors.ts";
import { FrameDispatcher } from "./frame_dispatch.ts";
import { DEFAULT_MAINTENANCE_WINDOW } from "./maintenance_window.ts";
import { OrderTracker } from "./order_tracker.ts";
import { StatusFanout } from "./status_fanout.ts";
import { resolveEndpoint } from "./t4_endpoint.ts";
import type { T4ClientOptions, T4ClientStats } from "./t4_client_types.ts";
import { selectTransport } from "./transport.ts";
import { checkTimerMs } from "./request_validation.ts";

/** The parts of one client. */
export interface ClientParts {
  /** The URL to show. */
  readonly displayUrl: string;
  /** The clock. */
  readonly clock: Clock;
  /** The default request timeout in milliseconds. */
  readonly requestTimeoutMs: number;
  /** The live counters. */
  readonly stats: T4ClientStats;
  /** The status events. */
  readonly status: StatusFanout;
  /** The connection lifecycle. */
  readonly connection: ClientConnection;
  /** Correlates requests with answers. */
  readonly tracker: OrderTracker;
  /** Order and token requests. */
  readonly orders: ClientOrders;
  /** Subscriptions and their outcomes. */
  readonly subscriptions: ClientSubscriptions;
  /** The session token. */
  readonly tokens: AuthTokenCache;
  /** The frame path. */
  readonly dispatcher: FrameDispatcher;
}

/**
 * Validates the options and builds the parts of a client.
 *
 * @param options The client's options.
 * @param onClosed Called once when the client closes for good.
 * @returns The parts.
 * @throws {TypeError} When neither `url` nor `env` is given, the URL is not `ws:`/`wss:`, the
 *   credentials are incomplete or the runtime has no `WebSocket`.
 * @throws {InsecureUrlError} When the URL is `ws://` to a non-loopback host without `allowInsecure`.
 * @throws {RangeError} When a timing option, the reconnect policy or `loginConflict` is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assembleClient } from "./client_assembly.ts";
 *
 * const parts = assembleClient({ env: "sim", auth: { apiKey: "k" } }, () => {});
 * assert.equal(parts.displayUrl, "wss://wss-sim.t4login.com/v1");
 * assert.equal(parts.connection.state, "idle");
 * assert.throws(() => assembleClient({ env: "sim", auth: { apiKey: "k" }, requestTimeoutMs: 0 }, () => {}), RangeError);
 * ```
 */
export function assembleClient(options: T4ClientOptions, onClosed: () => void): ClientParts {
  const endpoint = resolveEndpoint(options);
  // Any clock may be given: long delays (heartbeat: 1000h) are waited in chunks it can hold.
  const clock = options.clock === undefined ? systemClock : chunkedClock(options.clock);
  const random = options.random ?? Math.random;
  const transport = selectTransport(options);
  const requestTimeoutMs = checkTimerMs("requestTimeoutMs", options.requestTimeoutMs ?? 30_000);
  const loginConflict = options.loginConflict ?? "stop";
  if (loginConflict !== "stop" && loginConflict !== "reconnect") {
    throw new RangeError(
      `Cannot create the client as 'loginConflict' must be "stop" or "reconnect": current value is ${loginConflict}`,
    );
  }
  const stats: T4ClientStats = {
    reconnects: 0,
    heartbeatsSent: 0,
    heartbeatsReceived: 0,
    frameErrors: 0,
    framesReceived: 0,
  };
  const status = new StatusFanout(t4flowLogger("client"));
  const tracker = new OrderTracker(clock, requestTimeoutMs);
  // The connection's port refers to parts built right after it; it is never called before.
  const later = {} as Pick<ClientParts, "dispatcher" | "subscriptions" | "tokens">;
  const connection = new ClientConnection({
    url: endpoint.url,
    displayUrl: endpoint.displayUrl,
    credentials: new Credentials(options.auth),
    clock,
    WebSocket: options.recorder ? options.recorder.wrap(transport.WebSocket) : transport.WebSocket,
    backoff: options.reconnect === false ? undefined : new Backoff(options.reconnect ?? {}, random),
    maintenance: options.maintenance === false
      ? undefined
      : options.maintenance ?? DEFAULT_MAINTENANCE_WINDOW,
    loginTimeoutMs: checkTimerMs("loginTimeoutMs", options.loginTimeoutMs ?? 15_000),
    heartbeatMs: options.heartbeatMs ?? 20_000,
    missedHeartbeats: options.missedHeartbeats ?? 3,
    loginConflict,
    status,
    stats,
  }, {
    frame: (data) => later.dispatcher.dispatch(data),
    loggedIn: (response) => {
      later.tokens.seed(response.authenticationToken);
      return later.subscriptions.replay();
    },
    dropped: (detail) => {
      later.subscriptions.dropped();
      tracker.failAll((operation, tags) =>
        new ConnectionLostError(operation, { cause: detail, tags })
      );
    },
    closed: () => {
      onClosed();
      later.tokens.clear();
      tracker.failAll((operation, tags) => new ClientClosedError(operation, { tags }));
      later.subscriptions.closed((operation) => new ClientClosedError(operation));
    },
  });
  const orders = new ClientOrders(connection, tracker, random);
  const subscriptions = new ClientSubscriptions(connection, clock, requestTimeoutMs);
  const tokens = new AuthTokenCache(
    clock,
    options.tokenRefreshMarginMs ?? 30_000,
    () => orders.requestToken(),
  );
  const dispatcher = new FrameDispatcher({
    stats,
    clock,
    decode: {
      ...(options.maxFrameBytes !== undefined &&
        { maxFrameBytes: checkTimerMs("maxFrameBytes", options.maxFrameBytes) }),
      ...(transport.borrowed && { borrowed: true }),
    },
    tracker,
    subscriptions,
    received: () => connection.noteReceived(),
    loginResponse: (response) => connection.loginResponse(response),
    emit: (event) => connection.emit(event),
  });
  Object.assign(later, { dispatcher, subscriptions, tokens });
  return {
    displayUrl: endpoint.displayUrl,
    clock,
    requestTimeoutMs,
    stats,
    status,
    connection,
    tracker,
    orders,
    subscriptions,
    tokens,
    dispatcher,
  };
}
