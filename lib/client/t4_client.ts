/**
 * `T4Client`: a T4 WebSocket session that stays alive, and that you can trust with a live
 * account. It logs in, sends heartbeats, detects a dead peer, reconnects with backoff and full
 * re-login, replays every confirmed subscription, waits out the weekly maintenance window, never
 * retries a fatal login, never fights another login of the same user for the session, and never
 * shows a credential or token in logs, errors or events.
 *
 * Its parts, one concept per file: `client_connection.ts` (connection lifecycle),
 * `frame_dispatch.ts` (frame path), `client_orders.ts` + `order_tracker.ts` (requests and
 * their answers), `client_subscriptions.ts` (subscriptions and their outcomes) and
 * `auth_token_cache.ts` (the session token).
 *
 * Runs on the runtime's global `WebSocket` (Deno, Bun, browsers); no runtime-specific APIs.
 *
 * @module
 */

import { assembleClient, type ClientParts } from "./client_assembly.ts";
import { checkTimerMs } from "./request_validation.ts";
import type { AuthToken } from "./credentials.ts";
import { ClientClosedError } from "./errors.ts";
import type { OrderUpdateMessage } from "./order_tracker.ts";
import type { Session } from "./session.ts";
import type { StatusEvent } from "./status_event.ts";
import type { StatusStreamOptions } from "./status_fanout.ts";
import type { MarketRef } from "./subscription_registry.ts";
import type {
  AccountSubscription,
  DrainOptions,
  MarketSubscription,
  OrderBatchInit,
  OrderPullInit,
  OrderRequest,
  OrderReviseInit,
  OrderSubmitInit,
  PayloadHandler,
  RequestOptions,
  ServerPayloadCase,
  T4ClientOptions,
  T4ClientState,
  T4ClientStats,
} from "./t4_client_types.ts";
import type { TimerHandle } from "../runtime/clock.ts";
import type { OrderBatchAcknowledge } from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";

export type * from "./t4_client_types.ts";
export type { OrderUpdateMessage } from "./order_tracker.ts";
export type { MarketRef } from "./subscription_registry.ts";
export type { StatusStreamOptions } from "./status_fanout.ts";

/**
 * A T4 WebSocket session that stays alive.
 *
 * **Lifecycle.** `connect()` opens the socket and logs in once: it resolves with the
 * {@linkcode Session} or rejects (`LoginError`, `LoginTimeoutError`, `ConnectionError`) without
 * retrying. After a session was established, an unexpected close, socket error, login timeout or
 * dead peer makes the client reconnect with exponential backoff and full jitter, log in again,
 * replay every subscription the server did not refuse, and only then emit `connected` (and
 * `reconnected`). A fatal login result closes the client. `close()` (from anywhere, listeners
 * included) leaves no socket or timer behind; `drain()` refuses new requests, waits for those in
 * flight, then closes; `closed()` resolves once the client is closed for good, with the error
 * that ended it (or `undefined` after `close()`/`drain()`).
 *
 * **Login conflicts.** When the server ends the live session because the same user logged in
 * elsewhere (a `LoginResponse` with `LOGGED_IN_ELSEWHERE` on the session, or a close saying so),
 * the client stops (`loginConflict: "stop"`, the default): no reconnect, a `login_failed` and a
 * final `closed` event carrying the result, and `closed()` resolving with that `LoginError`.
 * Reconnecting would knock the other login (often the trader's own platform) off in turn.
 *
 * **Order identity.** Every order has a client tag: the caller's `tag`, or one generated. Get
 * one from {@linkcode T4Client.orderTag} to know it before anything is sent; `submitOrder(...)`
 * returns a promise with `.tags`. Every outcome carries the tags: the answers (`answers[i]`
 * answers `tags[i]`), `OrderRejectedError`, `OrderOutcomeUnknownError`, `ConnectionLostError`,
 * `RequestTimeoutError`, `RequestAbortedError` and `ClientClosedError`. A failure tagged for
 * someone else is never ours; one without a tag is matched only when exactly one of our orders
 * waits on its account and market (otherwise those orders' requests reject with
 * `OrderOutcomeUnknownError`). After an "outcome unknown" error, reconcile by tag from account
 * updates (`on("orderUpdate")`, whose updates carry the tag) before retrying: resubmitting an
 * order that is in fact working doubles the position.
 *
 * **Subscriptions.** `subscribeMarket`, `subscribeMarketByOrder` and `subscribeAccount` resolve
 * when the server confirms, reject with `SubscriptionRejectedError` when it refuses (refused
 * subscriptions are never replayed) and with `RequestTimeoutError` when nothing comes.
 * Unsubscribing while not connected just forgets the subscription.
 *
 * Requests made without a session reject with `NotConnectedError` and are never queued; orders
 * are never replayed onto a new session.
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
 * assert.doesNotThrow(() => JSON.stringify(session));
 * ```
 */
export class T4Client {
  readonly #parts: ClientParts;
  readonly #signal: AbortSignal | undefined;

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
    this.#parts = assembleClient(
      options,
      () => this.#signal?.removeEventListener("abort", this.#onAbort),
    );
    this.#signal = options.signal;
    if (this.#signal?.aborted) this.#parts.connection.close("the signal was aborted", true);
    else this.#signal?.addEventListener("abort", this.#onAbort);
  }

  /** The URL (without user info or query). */
  get url(): string {
    return this.#parts.displayUrl;
  }

  /** The current state. */
  get state(): T4ClientState {
    return this.#parts.connection.state;
  }

  /** The current session, while logged in: plain JSON-safe data, without the token. */
  get session(): Session | undefined {
    return this.#parts.connection.session;
  }

  /** Live counters. */
  get stats(): Readonly<T4ClientStats> {
    return this.#parts.stats;
  }

  /** The number of active subscriptions that would be replayed on reconnect. */
  get subscriptionCount(): number {
    return this.#parts.subscriptions.size;
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
    return this.#parts.connection.connect();
  }

  /**
   * Resolves once the client is closed for good: with `undefined` when `close()`, `drain()` or
   * the signal closed it, otherwise with the error that ended the session (`LoginError`, e.g.
   * `LOGGED_IN_ELSEWHERE` or a fatal login on reconnect; `ConnectionError` when reconnecting is
   * disabled or exhausted). It never rejects; a failed `connect()` alone does not close the client.
   *
   * @returns The error that ended the session, or `undefined`.
   */
  closed(): Promise<Error | undefined> {
    return this.#parts.connection.closed();
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
    return this.#parts.dispatcher.on(payloadCase, handler);
  }

  /**
   * Lifecycle events from now on, as an async iterable that ends after `closed`. Each call gets
   * its own stream, buffered up to `maxBuffered` events (then the oldest are dropped and one
   * `events_dropped` event says how many); heartbeat events only with `heartbeats: true`.
   *
   * @param options Heartbeat events and the buffer bound.
   * @returns The event stream.
   * @throws {RangeError} When `maxBuffered` is not an integer >= 1.
   */
  status(options?: StatusStreamOptions): AsyncIterable<StatusEvent> {
    return this.#parts.status.stream(options);
  }

  /**
   * Calls `listener` synchronously for every lifecycle event (heartbeats included). A listener
   * that throws is logged. Events are plain JSON-safe data.
   *
   * @param listener The listener.
   * @returns A function that removes the listener.
   */
  onStatus(listener: (event: StatusEvent) => void): () => void {
    return this.#parts.status.listen(listener);
  }

  /**
   * Subscribes to market depth; replayed identically after every reconnect unless refused.
   *
   * @param subscription The market and how to buffer it.
   * @param options Per-call `timeoutMs` and `signal`.
   * @returns Resolves on the market's first `MarketDetails` or `MarketDepth`.
   * @throws {SubscriptionRejectedError} When the server answers `MarketDepthSubscribeReject`.
   * @throws {NotConnectedError} When there is no session (nothing is sent or remembered).
   * @throws {RequestTimeoutError} When the server does not answer in time.
   * @throws {TypeError} When an id is empty.
   * @throws {RangeError} When `buffer` is `NO_SUBSCRIPTION` (use `unsubscribeMarket`).
   */
  subscribeMarket(subscription: MarketSubscription, options?: RequestOptions): Promise<void> {
    return this.#parts.subscriptions.subscribeMarket(subscription, options);
  }

  /**
   * Ends a market depth subscription. While not connected, it is only forgotten (not replayed).
   *
   * @param market The market.
   * @throws {TypeError} When an id is empty.
   */
  unsubscribeMarket(market: MarketRef): void {
    this.#parts.subscriptions.unsubscribeMarket(market);
  }

  /**
   * Subscribes to market-by-order data; replayed after every reconnect unless refused.
   *
   * @param market The market.
   * @param options Per-call `timeoutMs` and `signal`.
   * @returns Resolves on the market's first by-order snapshot or update.
   * @throws {SubscriptionRejectedError} When the server answers `MarketByOrderSubscribeReject`.
   * @throws {NotConnectedError} When there is no session.
   * @throws {RequestTimeoutError} When the server does not answer in time.
   * @throws {TypeError} When an id is empty.
   */
  subscribeMarketByOrder(market: MarketRef, options?: RequestOptions): Promise<void> {
    return this.#parts.subscriptions.subscribeMarketByOrder(market, options);
  }

  /**
   * Ends a market-by-order subscription. While not connected, it is only forgotten.
   *
   * @param market The market.
   * @throws {TypeError} When an id is empty.
   */
  unsubscribeMarketByOrder(market: MarketRef): void {
    this.#parts.subscriptions.unsubscribeMarketByOrder(market);
  }

  /**
   * Subscribes to all updates of an account; replayed after every reconnect unless refused.
   *
   * @param subscription The account and P&L mode.
   * @param options Per-call `timeoutMs` and `signal`.
   * @returns Resolves on the server's `AccountSubscribeResponse{success: true}`.
   * @throws {SubscriptionRejectedError} On `AccountSubscribeResponse{success: false}` (`errors`).
   * @throws {NotConnectedError} When there is no session.
   * @throws {RequestTimeoutError} When the server does not answer in time.
   * @throws {TypeError} When `accountId` is empty.
   */
  subscribeAccount(subscription: AccountSubscription, options?: RequestOptions): Promise<void> {
    return this.#parts.subscriptions.subscribeAccount(subscription, options);
  }

  /**
   * Ends an account subscription. While not connected, it is only forgotten.
   *
   * @param accountId The account id.
   * @throws {TypeError} When `accountId` is empty.
   */
  unsubscribeAccount(accountId: string): void {
    this.#parts.subscriptions.unsubscribeAccount(accountId);
  }

  /**
   * A new client tag, unique for this client, to put in an order's `tag` (and in your own
   * records) before submitting it, so that you can reconcile whatever happens next.
   *
   * @returns The tag, e.g. `"t4fk3x9-1"`.
   */
  orderTag(): string {
    return this.#parts.orders.newTag();
  }

  /**
   * Submits orders. Each order without a `tag` gets a generated one; `.tags` on the returned
   * promise lists every order's tag, in order.
   *
   * @param submit The `OrderSubmit` (account, market, orders).
   * @param options Per-call `timeoutMs` and `signal`.
   * @returns The first update carrying each order's tag, in order, with `.tags`.
   * @throws {OrderRejectedError} When the server refused at least one of the orders: thrown once
   *   every order has its first answer (`updates`, `tags`).
   * @throws {OrderOutcomeUnknownError} When an untagged refusal may concern these orders.
   * @throws {NotConnectedError} When there is no session (nothing sent).
   * @throws {ClientClosedError} When the client is closed or draining (nothing sent), or closed
   *   while waiting (`tags`).
   * @throws {ConnectionLostError} When the connection drops before every answer arrived (`tags`).
   * @throws {RequestTimeoutError} When not every answer arrived in time (`tags`).
   * @throws {RequestAbortedError} When `signal` aborted (`sent`, `tags`).
   * @throws {TypeError} When there is no order.
   */
  submitOrder(
    submit: OrderSubmitInit,
    options?: RequestOptions,
  ): OrderRequest<OrderUpdateMessage[]> {
    return this.#parts.orders.submitOrder(submit, options);
  }

  /**
   * Revises orders.
   *
   * @param revise The `OrderRevise`.
   * @param options Per-call `timeoutMs` and `signal`.
   * @returns The first revision update (or `OrderUpdateFailed`) per `unique_id`, in order.
   * @throws {NotConnectedError} When there is no session.
   * @throws {ConnectionLostError} When the connection drops before every answer arrived.
   * @throws {RequestTimeoutError} When not every answer arrived in time.
   * @throws {TypeError} When there is no revision or a `unique_id` is empty.
   */
  reviseOrder(revise: OrderReviseInit, options?: RequestOptions): Promise<OrderUpdateMessage[]> {
    return this.#parts.orders.reviseOrder(revise, options);
  }

  /**
   * Pulls (cancels) orders.
   *
   * @param pull The `OrderPull`.
   * @param options Per-call `timeoutMs` and `signal`.
   * @returns The first pull update (or `OrderUpdateFailed`) per `unique_id`, in order.
   * @throws {NotConnectedError} When there is no session.
   * @throws {ConnectionLostError} When the connection drops before every answer arrived.
   * @throws {RequestTimeoutError} When not every answer arrived in time.
   * @throws {TypeError} When there is no pull or a `unique_id` is empty.
   */
  pullOrder(pull: OrderPullInit, options?: RequestOptions): Promise<OrderUpdateMessage[]> {
    return this.#parts.orders.pullOrder(pull, options);
  }

  /**
   * Submits an order batch; a missing `batch_id` is generated.
   *
   * @param batch The `OrderBatch`.
   * @param options Per-call `timeoutMs` and `signal`.
   * @returns The server's `OrderBatchAcknowledge` (accepted unique ids per submission).
   * @throws {OrderBatchRejectedError} When the server rejects the batch.
   * @throws {NotConnectedError} When there is no session.
   * @throws {ConnectionLostError} When the connection drops before the answer.
   * @throws {RequestTimeoutError} When no answer arrived in time.
   */
  submitBatch(batch: OrderBatchInit, options?: RequestOptions): Promise<OrderBatchAcknowledge> {
    return this.#parts.orders.submitBatch(batch, options);
  }

  /**
   * The session's authentication token: the JWT the T4 REST API takes as `Bearer`. The login
   * response seeds the cache; the cached token is served until `tokenRefreshMarginMs` before it
   * expires, then renewed with an `AuthenticationTokenRequest` (one request in flight, shared).
   *
   * @returns The token, which redacts itself (`JSON.stringify`, inspect, `String`); call
   *   `reveal()` to put it in a header.
   * @throws {AuthTokenError} When the server refuses (`fail_message`).
   * @throws {NotConnectedError} When a renewal is due and there is no session.
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
    if (this.state === "closed") return Promise.reject(new ClientClosedError("authToken"));
    return this.#parts.tokens.get();
  }

  /**
   * Same as {@linkcode T4Client.authToken} (kept for existing callers).
   *
   * @returns The token, which redacts itself; call `reveal()` to use it.
   * @throws {AuthTokenError} When the server refuses (`fail_message`).
   * @throws {NotConnectedError} When a renewal is due and there is no session.
   */
  requestAuthToken(): Promise<AuthToken> {
    return this.authToken();
  }

  /**
   * Closes gracefully: refuses new requests at once (`ClientClosedError` with `draining`), waits
   * for the requests in flight (orders, batches, tokens) up to `timeoutMs`, then closes. Requests
   * still waiting then reject with `ClientClosedError` carrying their tags.
   *
   * @param options The longest wait.
   * @returns Resolves once the client is closed.
   * @throws {RangeError} When `timeoutMs` is not a valid timer delay.
   */
  async drain(options: DrainOptions = {}): Promise<void> {
    const timeoutMs = checkTimerMs(
      "timeoutMs",
      options.timeoutMs ?? this.#parts.requestTimeoutMs,
      "drain",
    );
    if (this.state === "closed") return;
    this.#parts.orders.drain();
    const clock = this.#parts.clock;
    let timer: TimerHandle | undefined;
    await Promise.race([
      this.#parts.tracker.whenIdle(),
      this.#parts.connection.closed(),
      new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, timeoutMs))),
    ]);
    if (timer !== undefined) clock.clearTimeout(timer);
    this.#parts.connection.close("drained by the client", true);
  }

  /**
   * Closes the client for good: cancels every timer, detaches every socket handler, starts the
   * socket's close handshake without waiting for it, rejects waiting requests with
   * `ClientClosedError` (with their tags) and ends every status stream after a `closed` event.
   * Idempotent, and safe from any listener.
   *
   * The socket itself is aborted where the runtime allows it (Bun's `terminate()`); the WHATWG
   * `WebSocket` (Deno) cannot be aborted, so against a peer that never answers the close
   * handshake the runtime may keep that TCP connection (and the process) alive until the peer
   * or the OS ends it: a CLI should exit explicitly.
   *
   * @returns A promise that resolves at once (nothing is awaited).
   */
  close(): Promise<void> {
    this.#parts.connection.close("closed by the client", true);
    return Promise.resolve();
  }

  /** Same as {@linkcode T4Client.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #onAbort = (): void => {
    this.#parts.connection.close("the signal was aborted", true);
  };
}
