/**
 * `OrderTracker`: correlates a `T4Client`'s requests (orders, batches, token requests) with the
 * server's answers, and times them out. It never touches a socket: the client feeds it every
 * answer it receives and it settles the waiting promises.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../runtime/clock.ts";
import {
  AuthTokenError,
  OrderBatchRejectedError,
  OrderRejectedError,
  RequestTimeoutError,
} from "./errors.ts";
import type { AuthenticationToken } from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import { OrderChange } from "../protocol/gen/t4/v1/common/enums_pb.ts";
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
   * One correlation key per expected answer, in result order: `tag:<tag>` (a submitted order),
   * `rev:<unique_id>`, `pull:<unique_id>`, `batch:<batch_id>` or `token:<request_id>`.
   */
  keys: readonly string[];
  /**
   * For a submission: the account and market of its orders. A tagless (or unknown-tag)
   * `OrderUpdateFailed` with a submission change on that account and market answers the oldest
   * order still waiting there.
   */
  submission?: { accountId: string; marketId: string };
}

const _FAILED = "t4proto.v1.orderrouting.OrderUpdateFailed";

class _Group {
  readonly results: unknown[];
  remaining: number;
  timer: TimerHandle | undefined;
  done = false;
  constructor(
    readonly request: TrackedRequest,
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
  filled: boolean;
}

/**
 * Correlates requests with their answers.
 *
 * - An order submission resolves with the first `OrderUpdate`/`OrderUpdateStatus`/
 *   `OrderUpdateFailed` per order tag, or rejects with {@linkcode OrderRejectedError} once every
 *   order has its first answer and at least one of them is an `OrderUpdateFailed`. A failure
 *   whose `tag_cl_ord_id` is not a waiting order's tag (the server often leaves it empty) answers
 *   the oldest waiting order on the same account and market, when its change is a submission
 *   change (`SUBMISSION_*`).
 * - A revision (pull) resolves with the first revision (pull) update or `OrderUpdateFailed` per
 *   `unique_id`.
 * - A batch resolves with its `OrderBatchAcknowledge` or rejects with
 *   {@linkcode OrderBatchRejectedError}; a token request resolves with its
 *   `AuthenticationToken` or rejects with {@linkcode AuthTokenError}.
 * - A request without every answer after `timeoutMs` rejects with
 *   {@linkcode RequestTimeoutError}. Answers for the same key go to requests in request order.
 *
 * @example Correlate a submission refused without a tag
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
  readonly #slots = new Map<string, _Slot[]>();
  readonly #submissions = new Map<string, _Slot[]>();
  readonly #groups = new Set<_Group>();

  /**
   * Creates an empty tracker whose requests time out on `clock`.
   *
   * @param clock The clock of the request timeouts.
   * @param timeoutMs Time a request waits for all its answers, in milliseconds.
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
   * @throws {RequestTimeoutError} When not every answer arrived in `timeoutMs`.
   * @throws {OrderRejectedError} When a submitted order was refused.
   * @throws {OrderBatchRejectedError} When a batch was rejected.
   * @throws {AuthTokenError} When a token request was refused.
   */
  track(request: TrackedRequest): Promise<unknown[]> {
    return new Promise<unknown[]>((resolve, reject) => {
      const group = new _Group(request, resolve, reject);
      const fifo = request.submission && _fifoKey(request.submission);
      request.keys.forEach((key, index) => {
        const slot: _Slot = { group, index, filled: false };
        _push(this.#slots, key, slot);
        if (fifo !== undefined) _push(this.#submissions, fifo, slot);
      });
      this.#groups.add(group);
      group.timer = this.#clock.setTimeout(() => {
        group.timer = undefined;
        this.#settle(group, new RequestTimeoutError(request.operation, this.#timeoutMs));
      }, this.#timeoutMs);
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
    if (
      failed && change >= OrderChange.SUBMISSION_RISK_SUCCESS &&
      change <= OrderChange.SUBMISSION_REJECTED &&
      this.#fillOldestSubmission(update as OrderUpdateFailed)
    ) return;
    const uid = update.uniqueId;
    if (!uid) return;
    if (
      failed ||
      (change >= OrderChange.REVISION_RISK_SUCCESS && change <= OrderChange.REVISION_REJECTED)
    ) {
      if (this.#fill(`rev:${uid}`, update)) return;
    }
    if (
      failed || (change >= OrderChange.PULL_RISK_SUCCESS && change <= OrderChange.PULL_REJECTED)
    ) {
      this.#fill(`pull:${uid}`, update);
    }
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
   * @param make Builds the error for an operation.
   */
  failAll(make: (operation: string) => Error): void {
    for (const group of [...this.#groups]) this.#settle(group, make(group.request.operation));
  }

  #take(map: Map<string, _Slot[]>, key: string): _Slot | undefined {
    const slots = map.get(key);
    if (slots === undefined) return undefined;
    let slot: _Slot | undefined;
    while ((slot = slots.shift()) !== undefined && slot.filled);
    if (slots.length === 0) map.delete(key);
    return slot;
  }

  #fill(key: string, value: unknown): boolean {
    const slot = this.#take(this.#slots, key);
    if (slot === undefined) return false;
    this.#answer(slot, value);
    return true;
  }

  #fillOldestSubmission(update: OrderUpdateFailed): boolean {
    const slot = this.#take(
      this.#submissions,
      _fifoKey({ accountId: update.accountId, marketId: update.marketId }),
    );
    if (slot === undefined) return false;
    this.#answer(slot, update);
    return true;
  }

  #answer(slot: _Slot, value: unknown): void {
    // The slot may still sit in the other index (by tag, or by account and market): marked
    // filled, it is skipped there and removed when its request settles.
    slot.filled = true;
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
      ),
    );
  }

  #fail(key: string, error: Error): void {
    const slot = this.#take(this.#slots, key);
    if (slot) this.#settle(slot.group, error);
  }

  #settle(group: _Group, error: Error | undefined): void {
    if (group.done) return;
    group.done = true;
    this.#groups.delete(group);
    if (group.timer !== undefined) this.#clock.clearTimeout(group.timer);
    for (const key of group.request.keys) _remove(this.#slots, key, group);
    if (group.request.submission) {
      _remove(this.#submissions, _fifoKey(group.request.submission), group);
    }
    if (error) group.reject(error);
    else group.resolve(group.results);
  }
}

function _fifoKey(m: { accountId: string; marketId: string }): string {
  return `${m.accountId}\u0000${m.marketId}`;
}

function _push(map: Map<string, _Slot[]>, key: string, slot: _Slot): void {
  const slots = map.get(key);
  if (slots) slots.push(slot);
  else map.set(key, [slot]);
}

function _remove(map: Map<string, _Slot[]>, key: string, group: _Group): void {
  const slots = map.get(key);
  if (slots === undefined) return;
  const rest = slots.filter((s) => s.group !== group);
  if (rest.length) map.set(key, rest);
  else map.delete(key);
}
