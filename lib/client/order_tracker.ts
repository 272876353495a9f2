/**
 * `OrderTracker`: correlates a `T4Client`'s requests (orders, batches, token requests) with the
 * server's answers, and times them out. It never touches a socket: the client feeds it every
 * answer it receives and it settles the waiting promises. Every lookup and every settle is O(1)
 * per answer (insertion-ordered sets, no array scans).
 *
 * @module
 */

import type { Clock, TimerHandle } from "../runtime/clock.ts";
import {
  AuthTokenError,
  OrderBatchRejectedError,
  OrderOutcomeUnknownError,
  OrderRejectedError,
  RequestAbortedError,
  RequestTimeoutError,
} from "./request_errors.ts";
import type { AuthenticationToken } from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import { OrderChange } from "../protocol/gen/t4/v1/enums_t4fast.ts";
import type {
  OrderBatchAcknowledge,
  OrderBatchReject,
  OrderUpdate,
  OrderUpdateFailed,
  OrderUpdateStatus,
} from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";

/** The order update kinds an order request resolves with. */
export type OrderUpdateMessage = OrderUpdate | OrderUpdateStatus | OrderUpdateFailed;

/** What one tracked request waits for. */
export interface TrackedRequest {
  /** The operation name used in errors, e.g. `"submitOrder"`. */
  operation: string;
  /**
   * One correlation key per expected answer, in result order: `tag:<tag>` (a submitted order,
   * `<tag>` being its client tag), `rev:<unique_id>`, `pull:<unique_id>`, `batch:<batch_id>` or
   * `token:<request_id>`.
   */
  keys: readonly string[];
  /**
   * For a submission: the account and market of its orders. An `OrderUpdateFailed` without a
   * tag answers an order there only when it is the only one of this tracker waiting there.
   */
  submission?: { accountId: string; marketId: string };
  /** This request's timeout in milliseconds (default: the tracker's). */
  timeoutMs?: number;
  /** Aborts the wait (the request stays sent): rejects with `RequestAbortedError`. */
  signal?: AbortSignal;
}

const _FAILED = "t4proto.v1.orderrouting.OrderUpdateFailed";

class _Group {
  readonly results: unknown[];
  readonly slots: _Slot[] = [];
  remaining: number;
  timer: TimerHandle | undefined;
  abort: (() => void) | undefined;
  done = false;
  constructor(
    readonly request: TrackedRequest,
    readonly tags: readonly string[],
    readonly resolve: (value: unknown[]) => void,
    readonly reject: (error: Error) => void,
  ) {
    this.results = new Array(request.keys.length);
    this.remaining = request.keys.length;
  }
}

interface _Slot {
  readonly group: _Group;
  readonly index: number;
  readonly key: string;
  readonly place: string | undefined;
}

/**
 * Correlates requests with their answers.
 *
 * - An order submission resolves with the first `OrderUpdate`/`OrderUpdateStatus`/
 *   `OrderUpdateFailed` per order tag, or rejects with {@linkcode OrderRejectedError} once every
 *   order has its first answer and at least one of them is an `OrderUpdateFailed`.
 * - A failure tagged with a tag that is not a waiting order's is never ours. A failure without a
 *   tag (submission changes and `FAILED`) answers the order waiting on its account and market
 *   only when exactly one order of this tracker waits there; when several wait there, each of
 *   their requests rejects with {@linkcode OrderOutcomeUnknownError} (its tags), as any of them
 *   may be the refused one.
 * - A revision (pull) resolves with the first revision (pull) update or `OrderUpdateFailed` per
 *   `unique_id`.
 * - A batch resolves with its `OrderBatchAcknowledge` or rejects with
 *   {@linkcode OrderBatchRejectedError}; a token request resolves with its
 *   `AuthenticationToken` or rejects with {@linkcode AuthTokenError}.
 * - A request without every answer after its timeout rejects with
 *   {@linkcode RequestTimeoutError}. Answers for the same key go to requests in request order.
 *
 * @example Correlate the only waiting order with a failure that has no tag
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { OrderRejectedError } from "./errors.ts";
 * import { OrderTracker } from "./order_tracker.ts";
 * import { OrderChange, OrderUpdateFailedSchema } from "../protocol/proto.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 *
 * const tracker = new OrderTracker(new FakeClock(0), 30_000);
 * const pending = tracker.track({
 *   operation: "submitOrder",
 *   keys: ["tag:t1"],
 *   submission: { accountId: "A1", marketId: "M1" },
 * });
 * tracker.onOrderUpdate(create(OrderUpdateFailedSchema, {
 *   accountId: "A1",
 *   marketId: "M1",
 *   change: OrderChange.SUBMISSION_REJECTED,
 *   statusDetail: "Market closed",
 * }));
 * await assert.rejects(pending, OrderRejectedError);
 * assert.equal(tracker.size, 0);
 * ```
 */
export class OrderTracker {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #byKey = new Map<string, Set<_Slot>>();
  readonly #byPlace = new Map<string, Set<_Slot>>();
  readonly #groups = new Set<_Group>();
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

  /**
   * Creates an empty tracker whose requests time out on `clock`.
   *
   * @param clock The clock of the request timeouts.
   * @param timeoutMs Default time a request waits for all its answers, in milliseconds.
   */
  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** The number of requests waiting for answers. */
  get size(): number {
    return this.#groups.size;
  }

  /**
   * Starts waiting for the answers of a request (call it before sending the request).
   *
   * @param request The operation and its correlation keys.
   * @returns The answers, one per key in key order.
   * @throws {RequestTimeoutError} When not every answer arrived in time.
   * @throws {RequestAbortedError} When the request's signal aborted the wait.
   * @throws {OrderRejectedError} When a submitted order was refused.
   * @throws {OrderOutcomeUnknownError} When an untagged failure may concern this submission.
   * @throws {OrderBatchRejectedError} When a batch was rejected.
   * @throws {AuthTokenError} When a token request was refused.
   */
  track(request: TrackedRequest): Promise<unknown[]> {
    return new Promise<unknown[]>((resolve, reject) => {
      const tags = request.keys.filter((k) => k.startsWith("tag:")).map((k) => k.slice(4));
      const group = new _Group(request, tags, resolve, reject);
      const place = request.submission && _placeKey(request.submission);
      request.keys.forEach((key, index) => {
        const slot: _Slot = { group, index, key, place };
        group.slots.push(slot);
        _add(this.#byKey, key, slot);
        if (place !== undefined) _add(this.#byPlace, place, slot);
      });
      this.#groups.add(group);
      const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
      group.timer = this.#clock.setTimeout(() => {
        group.timer = undefined;
        this.#settle(group, new RequestTimeoutError(request.operation, timeoutMs, { tags }));
      }, timeoutMs);
      const signal = request.signal;
      if (signal) {
        const onAbort = () =>
          this.#settle(
            group,
            new RequestAbortedError(request.operation, true, { tags, cause: signal.reason }),
          );
        if (signal.aborted) onAbort();
        else {
          signal.addEventListener("abort", onAbort, { once: true });
          group.abort = () => signal.removeEventListener("abort", onAbort);
        }
      }
    });
  }

  /**
   * Feeds an order update (also each one inside an `OrderUpdateMulti`).
   *
   * @param update The update.
   */
  onOrderUpdate(update: OrderUpdateMessage): void {
    if (this.#groups.size === 0) return;
    const failed = update.$typeName === _FAILED;
    const tag = failed ? (update as OrderUpdateFailed).tagClOrdId : (update as OrderUpdate).tag;
    if (tag && this.#fill(`tag:${tag}`, update)) return;
    const change = update.change;
    const uid = update.uniqueId;
    if (uid) {
      if (
        (failed || (change >= OrderChange.REVISION_RISK_SUCCESS &&
          change <= OrderChange.REVISION_REJECTED)) && this.#fill(`rev:${uid}`, update)
      ) return;
      if (
        (failed || (change >= OrderChange.PULL_RISK_SUCCESS &&
          change <= OrderChange.PULL_REJECTED)) && this.#fill(`pull:${uid}`, update)
      ) return;
    }
    if (
      failed && !tag &&
      (change === OrderChange.FAILED ||
        (change >= OrderChange.SUBMISSION_RISK_SUCCESS &&
          change <= OrderChange.SUBMISSION_REJECTED))
    ) this.#untaggedFailure(update as OrderUpdateFailed);
  }

  /**
   * Feeds an `OrderBatchAcknowledge`.
   *
   * @param ack The acknowledgement.
   */
  onBatchAcknowledge(ack: OrderBatchAcknowledge): void {
    if (this.#groups.size) this.#fill(`batch:${ack.batchId}`, ack);
  }

  /**
   * Feeds an `OrderBatchReject`.
   *
   * @param reject The rejection.
   */
  onBatchReject(reject: OrderBatchReject): void {
    if (this.#groups.size === 0) return;
    this.#fail(
      `batch:${reject.batchId}`,
      new OrderBatchRejectedError(reject.batchId, reject.reason, reject.errors),
    );
  }

  /**
   * Feeds an `AuthenticationToken` answer.
   *
   * @param answer The answer.
   */
  onToken(answer: AuthenticationToken): void {
    if (this.#groups.size === 0) return;
    const key = `token:${answer.requestId}`;
    if (answer.failMessage !== undefined && answer.failMessage !== "" || !answer.token) {
      this.#fail(
        key,
        new AuthTokenError(answer.requestId, answer.failMessage ?? "no token in the answer"),
      );
    } else this.#fill(key, answer);
  }

  /**
   * Rejects every waiting request (connection lost, client closed).
   *
   * @param make Builds the error for an operation and its orders' client tags.
   */
  failAll(make: (operation: string, tags: readonly string[]) => Error): void {
    for (const group of [...this.#groups]) {
      this.#settle(group, make(group.request.operation, group.tags));
    }
  }

  /**
   * Resolves once no request is waiting (at once when none is).
   *
   * @returns A promise that resolves when the tracker is empty.
   */
  whenIdle(): Promise<void> {
    if (this.#groups.size === 0) return Promise.resolve();
    if (this.#idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  #untaggedFailure(update: OrderUpdateFailed): void {
    const slots = this.#byPlace.get(_placeKey(update));
    if (slots === undefined) return;
    if (slots.size === 1) {
      this.#answer(_first(slots)!, update);
      return;
    }
    const groups = new Set<_Group>();
    for (const slot of slots) groups.add(slot.group);
    for (const group of groups) {
      this.#settle(
        group,
        new OrderOutcomeUnknownError(group.request.operation, update, group.tags),
      );
    }
  }

  #fill(key: string, value: unknown): boolean {
    const slots = this.#byKey.get(key);
    const slot = slots && _first(slots);
    if (slot === undefined) return false;
    this.#answer(slot, value);
    return true;
  }

  #answer(slot: _Slot, value: unknown): void {
    this.#forget(slot);
    const group = slot.group;
    group.results[slot.index] = value;
    if (--group.remaining > 0) return;
    const failed = group.request.submission
      ? group.results.find((r) => (r as OrderUpdateMessage).$typeName === _FAILED)
      : undefined;
    this.#settle(
      group,
      failed === undefined ? undefined : new OrderRejectedError(
        group.request.operation,
        failed as OrderUpdateFailed,
        group.results as OrderUpdateMessage[],
        { tags: group.tags },
      ),
    );
  }

  #fail(key: string, error: Error): void {
    const slots = this.#byKey.get(key);
    const slot = slots && _first(slots);
    if (slot) this.#settle(slot.group, error);
  }

  #forget(slot: _Slot): void {
    _delete(this.#byKey, slot.key, slot);
    if (slot.place !== undefined) _delete(this.#byPlace, slot.place, slot);
  }

  #settle(group: _Group, error: Error | undefined): void {
    if (group.done) return;
    group.done = true;
    this.#groups.delete(group);
    if (group.timer !== undefined) this.#clock.clearTimeout(group.timer);
    group.abort?.();
    for (const slot of group.slots) this.#forget(slot);
    if (error) group.reject(error);
    else group.resolve(group.results);
    if (this.#groups.size === 0 && this.#idle) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle.resolve();
    }
  }
}

function _placeKey(m: { accountId: string; marketId: string }): string {
  return `${m.accountId}\u0000${m.marketId}`;
}

function _first(slots: Set<_Slot>): _Slot | undefined {
  for (const slot of slots) return slot;
  return undefined;
}

function _add(map: Map<string, Set<_Slot>>, key: string, slot: _Slot): void {
  const slots = map.get(key);
  if (slots) slots.add(slot);
  else map.set(key, new Set([slot]));
}

function _delete(map: Map<string, Set<_Slot>>, key: string, slot: _Slot): void {
  const slots = map.get(key);
  if (slots === undefined || !slots.delete(slot)) return;
  if (slots.size === 0) map.delete(key);
}
