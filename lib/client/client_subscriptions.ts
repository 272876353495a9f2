/**
 * `ClientSubscriptions`: a `T4Client`'s market and account subscriptions with their outcomes.
 * A subscribe call resolves when the server confirms it (a market's first `MarketDetails` or
 * depth, a by-order snapshot or update, an `AccountSubscribeResponse{success: true}`) and
 * rejects with `SubscriptionRejectedError` when the server refuses it. Refused subscriptions
 * are forgotten; the others are replayed, as the exact frames last sent, after every re-login.
 *
 * Account answers carry no account id: they are matched to the account subscribe frames in the
 * order those were sent on the connection (the server answers each one, in order).
 *
 * @module
 */

import type { Clock, TimerHandle } from "../runtime/clock.ts";
import { clientFrame } from "./client_frame.ts";
import { checkTimerMs, requireMarketIds, requireNonEmpty } from "./request_validation.ts";
import { RequestAbortedError, RequestTimeoutError, SubscriptionRejectedError } from "./errors.ts";
import type { StatusEvent } from "./status_event.ts";
import {
  type MarketRef,
  type SubscriptionKind,
  SubscriptionRegistry,
} from "./subscription_registry.ts";
import type { AccountSubscription, MarketSubscription, RequestOptions } from "./t4_client_types.ts";
import {
  AccountSubscribeType,
  DepthBuffer,
  DepthLevels,
  MarketMode,
} from "../protocol/gen/t4/v1/enums_t4fast.ts";

/** What the subscriptions need from the client. */
export interface SubscriptionPort {
  /**
   * Throws unless a session is open (`NotConnectedError`, `ClientClosedError`).
   *
   * @param operation The method name for the error.
   */
  requireOpen(operation: string): void;
  /**
   * Sends a frame when the socket is open.
   *
   * @param frame The frame.
   * @returns Whether it was sent.
   */
  send(frame: Uint8Array<ArrayBuffer>): boolean;
  /**
   * Emits a status event.
   *
   * @param event The event.
   */
  emit(event: StatusEvent): void;
}

interface _Waiter {
  resolve(): void;
  reject(error: Error): void;
  timer: TimerHandle | undefined;
  unlisten: (() => void) | undefined;
}

/**
 * The subscriptions of one client (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientSubscriptions } from "./client_subscriptions.ts";
 * import { SubscriptionRejectedError } from "./errors.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 * import { MarketMode } from "../protocol/proto.ts";
 *
 * const sent: Uint8Array[] = [];
 * const subs = new ClientSubscriptions(
 *   { requireOpen() {}, send: (f) => sent.push(f) > 0, emit() {} },
 *   new FakeClock(0),
 *   10_000,
 * );
 * const es = { exchangeId: "CME_Eq", contractId: "ES", marketId: "M-ES" };
 * const refused = subs.subscribeMarket({ ...es, marketId: "M-XX" });
 * const ok = subs.subscribeMarket(es);
 * subs.onMarketReject("market_depth", "M-XX", MarketMode.REJECTED);
 * subs.onMarketData("market_depth", "M-ES");
 * await assert.rejects(refused, SubscriptionRejectedError);
 * await ok;
 * assert.equal(subs.size, 1);
 * assert.equal(subs.replay(), 1);
 * ```
 */
export class ClientSubscriptions {
  readonly #port: SubscriptionPort;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #registry = new SubscriptionRegistry();
  readonly #waiters = new Map<string, Set<_Waiter>>();
  /** Sent on this connection, not yet confirmed; then confirmed. */
  readonly #unconfirmed = new Set<string>();
  readonly #confirmed = new Set<string>();
  #accountAnswers: (string | undefined)[] = [];
  #accountHead = 0;

  /**
   * Creates an empty set of subscriptions.
   *
   * @param port What is needed from the client.
   * @param clock The clock of the timeouts.
   * @param timeoutMs Default time to wait for the server's answer, in milliseconds.
   */
  constructor(port: SubscriptionPort, clock: Clock, timeoutMs: number) {
    this.#port = port;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** The number of active subscriptions (replayed on reconnect). */
  get size(): number {
    return this.#registry.size;
  }

  /**
   * Subscribes to market depth (see `T4Client.subscribeMarket`).
   *
   * @param sub The market and how to buffer it.
   * @param options Per-call timeout and signal.
   * @returns Resolves on the market's first details or depth.
   */
  subscribeMarket(sub: MarketSubscription, options?: RequestOptions): Promise<void> {
    return this.#subscribe("subscribeMarket", options, () => {
      requireMarketIds("subscribeMarket", sub);
      const buffer = sub.buffer ?? DepthBuffer.SMART;
      if (buffer === DepthBuffer.NO_SUBSCRIPTION) {
        throw new RangeError(
          "Cannot subscribeMarket as 'buffer' is NO_SUBSCRIPTION: call unsubscribeMarket instead",
        );
      }
      const frame = _depthFrame(sub, buffer, sub.depthLevels ?? DepthLevels.NORMAL);
      return {
        key: _key("market_depth", sub.marketId),
        frame,
        current: this.#registry.marketFrame("market_depth", sub),
        register: () => this.#registry.setMarket("market_depth", sub, frame),
      };
    });
  }

  /**
   * Ends a market depth subscription; while not connected it is only forgotten.
   *
   * @param market The market.
   */
  unsubscribeMarket(market: MarketRef): void {
    requireMarketIds("unsubscribeMarket", market);
    this.#registry.deleteMarket("market_depth", market);
    this.#cancel(_key("market_depth", market.marketId), "unsubscribeMarket");
    this.#port.send(_depthFrame(market, DepthBuffer.NO_SUBSCRIPTION, DepthLevels.UNDEFINED));
  }

  /**
   * Subscribes to market-by-order data (see `T4Client.subscribeMarketByOrder`).
   *
   * @param market The market.
   * @param options Per-call timeout and signal.
   * @returns Resolves on the market's first by-order snapshot or update.
   */
  subscribeMarketByOrder(market: MarketRef, options?: RequestOptions): Promise<void> {
    return this.#subscribe("subscribeMarketByOrder", options, () => {
      requireMarketIds("subscribeMarketByOrder", market);
      const frame = _byOrderFrame(market, true);
      return {
        key: _key("market_by_order", market.marketId),
        frame,
        current: this.#registry.marketFrame("market_by_order", market),
        register: () => this.#registry.setMarket("market_by_order", market, frame),
      };
    });
  }

  /**
   * Ends a market-by-order subscription; while not connected it is only forgotten.
   *
   * @param market The market.
   */
  unsubscribeMarketByOrder(market: MarketRef): void {
    requireMarketIds("unsubscribeMarketByOrder", market);
    this.#registry.deleteMarket("market_by_order", market);
    this.#cancel(_key("market_by_order", market.marketId), "unsubscribeMarketByOrder");
    this.#port.send(_byOrderFrame(market, false));
  }

  /**
   * Subscribes to an account (see `T4Client.subscribeAccount`).
   *
   * @param sub The account and P&L mode.
   * @param options Per-call timeout and signal.
   * @returns Resolves on the server's `AccountSubscribeResponse{success: true}`.
   */
  subscribeAccount(sub: AccountSubscription, options?: RequestOptions): Promise<void> {
    return this.#subscribe("subscribeAccount", options, () => {
      requireNonEmpty("subscribeAccount", "accountId", sub.accountId);
      const frame = clientFrame({
        case: "accountSubscribe",
        value: {
          subscribe: AccountSubscribeType.ALL_UPDATES,
          accountId: [sub.accountId],
          ...(sub.uplMode === undefined ? {} : { uplMode: sub.uplMode }),
        },
      });
      return {
        key: _key("account", sub.accountId),
        frame,
        accountId: sub.accountId,
        current: this.#registry.accountFrame(sub.accountId),
        register: () => this.#registry.setAccount(sub.accountId, frame),
      };
    });
  }

  /**
   * Ends an account subscription; while not connected it is only forgotten.
   *
   * @param accountId The account id.
   */
  unsubscribeAccount(accountId: string): void {
    requireNonEmpty("unsubscribeAccount", "accountId", accountId);
    this.#registry.deleteAccount(accountId);
    this.#cancel(_key("account", accountId), "unsubscribeAccount");
    const frame = clientFrame({
      case: "accountSubscribe",
      value: { subscribe: AccountSubscribeType.NONE, accountId: [accountId] },
    });
    if (this.#port.send(frame)) this.#accountAnswers.push(undefined);
  }

  /**
   * Sends every active subscription again (after a login) and starts matching account answers
   * afresh.
   *
   * @returns How many were sent.
   */
  replay(): number {
    this.dropped();
    let sent = 0;
    for (const { kind, id, frame } of this.#registry.entries()) {
      if (!this.#port.send(frame)) break;
      if (kind === "account") this.#accountAnswers.push(id);
      this.#unconfirmed.add(_key(kind, id));
      sent++;
    }
    return sent;
  }

  /**
   * Confirms a market subscription: its first data arrived.
   *
   * @param kind `"market_depth"` (details or depth) or `"market_by_order"`.
   * @param marketId The market id.
   */
  onMarketData(kind: "market_depth" | "market_by_order", marketId: string): void {
    if (this.#unconfirmed.size === 0) return;
    this.#confirm(_key(kind, marketId));
  }

  /**
   * Handles a `MarketDepthSubscribeReject` / `MarketByOrderSubscribeReject`.
   *
   * @param kind The subscription kind.
   * @param marketId The refused market.
   * @param mode The market mode the server answered.
   */
  onMarketReject(kind: "market_depth" | "market_by_order", marketId: string, mode: MarketMode) {
    this.#refused(kind, marketId, { kind, marketId, mode: MarketMode[mode] ?? String(mode) });
  }

  /**
   * Handles an `AccountSubscribeResponse`.
   *
   * @param success Whether the server accepted it.
   * @param errors The server's errors.
   */
  onAccountResponse(success: boolean, errors: readonly string[]): void {
    if (this.#accountHead >= this.#accountAnswers.length) return;
    const accountId = this.#accountAnswers[this.#accountHead++];
    if (this.#accountHead === this.#accountAnswers.length) {
      this.#accountAnswers = [];
      this.#accountHead = 0;
    }
    if (accountId === undefined) return; // the answer to an unsubscribe
    if (success) this.#confirm(_key("account", accountId));
    else this.#refused("account", accountId, { kind: "account", accountId, errors });
  }

  /** The connection dropped: answers to what was sent on it will never come. */
  dropped(): void {
    this.#accountAnswers = [];
    this.#accountHead = 0;
    this.#unconfirmed.clear();
    this.#confirmed.clear();
  }

  /**
   * Rejects every waiting subscribe call (the client closed).
   *
   * @param make Builds the error for an operation.
   */
  closed(make: (operation: string) => Error): void {
    for (const key of [...this.#waiters.keys()]) this.#settle(key, make(_operation(key)));
  }

  #subscribe(
    operation: string,
    options: RequestOptions | undefined,
    build: () => {
      key: string;
      frame: Uint8Array<ArrayBuffer>;
      accountId?: string;
      current: Uint8Array<ArrayBuffer> | undefined;
      register(): void;
    },
  ): Promise<void> {
    try {
      this.#port.requireOpen(operation);
      if (options?.signal?.aborted) {
        throw new RequestAbortedError(operation, false, { cause: options.signal.reason });
      }
      if (options?.timeoutMs !== undefined) checkTimerMs("timeoutMs", options.timeoutMs, operation);
      const { key, frame, accountId, current, register } = build();
      // The very same subscription already sent on this connection (e.g. just replayed): its
      // outcome is this call's, and nothing is sent twice.
      const same = current !== undefined && _sameBytes(current, frame);
      if (same && this.#confirmed.has(key)) return Promise.resolve();
      const waiting = this.#wait(key, operation, options);
      if (same && this.#unconfirmed.has(key)) return waiting;
      register();
      this.#confirmed.delete(key);
      this.#unconfirmed.add(key);
      if (this.#port.send(frame) && accountId !== undefined) this.#accountAnswers.push(accountId);
      return waiting;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #wait(key: string, operation: string, options: RequestOptions | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: _Waiter = { resolve, reject, timer: undefined, unlisten: undefined };
      const set = this.#waiters.get(key);
      if (set) set.add(waiter);
      else this.#waiters.set(key, new Set([waiter]));
      const timeoutMs = options?.timeoutMs ?? this.#timeoutMs;
      waiter.timer = this.#clock.setTimeout(() => {
        waiter.timer = undefined;
        this.#drop(key, waiter, new RequestTimeoutError(operation, timeoutMs));
      }, timeoutMs);
      const signal = options?.signal;
      if (signal) {
        const onAbort = () =>
          this.#drop(
            key,
            waiter,
            new RequestAbortedError(operation, true, { cause: signal.reason }),
          );
        signal.addEventListener("abort", onAbort, { once: true });
        waiter.unlisten = () => signal.removeEventListener("abort", onAbort);
      }
    });
  }

  #refused(
    kind: SubscriptionKind,
    id: string,
    refusal: ConstructorParameters<typeof SubscriptionRejectedError>[0],
  ) {
    const key = _key(kind, id);
    this.#unconfirmed.delete(key);
    this.#confirmed.delete(key);
    const known = this.#registry.forget(kind, id);
    const error = new SubscriptionRejectedError(refusal);
    if (this.#waiters.has(key)) this.#settle(key, error);
    else if (known) {
      this.#port.emit({
        type: "subscription_rejected",
        at: this.#clock.now(),
        kind,
        ...(kind === "account" ? { accountId: id } : { marketId: id }),
        reason: error.reason,
      });
    }
  }

  #confirm(key: string): void {
    if (!this.#unconfirmed.delete(key)) return;
    this.#confirmed.add(key);
    this.#settle(key, undefined);
  }

  #cancel(key: string, operation: string): void {
    this.#unconfirmed.delete(key);
    this.#confirmed.delete(key);
    if (!this.#waiters.has(key)) return;
    this.#settle(
      key,
      new DOMException(
        `The subscription was ended by ${operation} before it was confirmed`,
        "AbortError",
      ),
    );
  }

  #settle(key: string, error: Error | undefined): void {
    const waiters = this.#waiters.get(key);
    if (waiters === undefined) return;
    this.#waiters.delete(key);
    for (const waiter of waiters) {
      _release(this.#clock, waiter);
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  #drop(key: string, waiter: _Waiter, error: Error): void {
    const waiters = this.#waiters.get(key);
    if (!waiters?.delete(waiter)) return;
    if (waiters.size === 0) this.#waiters.delete(key);
    _release(this.#clock, waiter);
    waiter.reject(error);
  }
}

function _sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function _release(clock: Clock, waiter: _Waiter): void {
  if (waiter.timer !== undefined) clock.clearTimeout(waiter.timer);
  waiter.timer = undefined;
  waiter.unlisten?.();
}

function _key(kind: SubscriptionKind, id: string): string {
  return `${kind}\u0000${id}`;
}

function _operation(key: string): string {
  const kind = key.slice(0, key.indexOf("\u0000"));
  return kind === "account"
    ? "subscribeAccount"
    : kind === "market_depth"
    ? "subscribeMarket"
    : "subscribeMarketByOrder";
}

function _depthFrame(m: MarketRef, buffer: DepthBuffer, depthLevels: DepthLevels) {
  return clientFrame({
    case: "marketDepthSubscribe",
    value: {
      exchangeId: m.exchangeId,
      contractId: m.contractId,
      marketId: m.marketId,
      buffer,
      depthLevels,
    },
  });
}

function _byOrderFrame(m: MarketRef, subscribe: boolean) {
  return clientFrame({
    case: "marketByOrderSubscribe",
    value: {
      exchangeId: m.exchangeId,
      contractId: m.contractId,
      marketId: m.marketId,
      subscribe,
    },
  });
}
