/**
 * The errors a `T4Client` request (order, batch, token, subscription) rejects with. Every error
 * about an order whose outcome is unknown carries the orders' client `tags`, so the caller can
 * reconcile from account updates before retrying. None of them ever carries a credential.
 *
 * @module
 */

import { OrderChange } from "../protocol/gen/t4/v1/enums_t4fast.ts";
import type {
  OrderBatchReject_OrderError,
  OrderUpdate,
  OrderUpdateFailed,
  OrderUpdateStatus,
} from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";

/** Error options with the client tags of the orders concerned. */
export interface TaggedErrorOptions extends ErrorOptions {
  /** The client tags of the orders concerned (empty for requests that are not orders). */
  tags?: readonly string[];
}

function _tagsNote(tags: readonly string[]): string {
  return tags.length ? ` (tags ${tags.join(", ")})` : "";
}

/**
 * The connection dropped while a request was waiting for its answer. The request was sent, so
 * its outcome is unknown: reconcile by `tags` from account updates after reconnecting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionLostError } from "./request_errors.ts";
 *
 * const error = new ConnectionLostError("submitOrder", { tags: ["t4f-1"] });
 * assert.deepEqual(error.tags, ["t4f-1"]);
 * assert.match(error.message, /outcome is unknown \(tags t4f-1\)/);
 * ```
 */
export class ConnectionLostError extends Error {
  /** The error class name, always `"ConnectionLostError"`. */
  override readonly name = "ConnectionLostError";
  /** The method that was waiting. */
  readonly operation: string;
  /** The client tags of the orders whose outcome is unknown (empty for other requests). */
  readonly tags: readonly string[];

  /**
   * Creates the error for `operation` whose connection dropped before its answer.
   *
   * @param operation The method that was waiting.
   * @param options Error options (`cause`) and the orders' `tags`.
   */
  constructor(operation: string, options?: TaggedErrorOptions) {
    const tags = options?.tags ?? [];
    super(
      `Cannot complete ${operation} as the connection dropped before the answer arrived: the request was sent and its outcome is unknown${
        _tagsNote(tags)
      }`,
      options,
    );
    this.operation = operation;
    this.tags = tags;
  }
}

/**
 * A request got no answer in time. It was sent, so its outcome is unknown: reconcile by `tags`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestTimeoutError } from "./request_errors.ts";
 *
 * const error = new RequestTimeoutError("pullOrder", 5000, { tags: ["t4f-2"] });
 * assert.equal(error.timeoutMs, 5000);
 * assert.deepEqual(error.tags, ["t4f-2"]);
 * ```
 */
export class RequestTimeoutError extends Error {
  /** The error class name, always `"RequestTimeoutError"`. */
  override readonly name = "RequestTimeoutError";
  /** The method that timed out. */
  readonly operation: string;
  /** The timeout in milliseconds. */
  readonly timeoutMs: number;
  /** The client tags of the orders whose outcome is unknown (empty for other requests). */
  readonly tags: readonly string[];

  /**
   * Creates the error for `operation` that got no answer within `timeoutMs`.
   *
   * @param operation The method that timed out.
   * @param timeoutMs The timeout.
   * @param options Error options (`cause`) and the orders' `tags`.
   */
  constructor(operation: string, timeoutMs: number, options?: TaggedErrorOptions) {
    const tags = options?.tags ?? [];
    super(
      `Cannot complete ${operation} as no answer arrived within ${timeoutMs} ms: the request was sent and its outcome is unknown${
        _tagsNote(tags)
      }`,
      options,
    );
    this.operation = operation;
    this.timeoutMs = timeoutMs;
    this.tags = tags;
  }
}

/**
 * The caller's signal aborted a request. When `sent` is `true` the request went out and its
 * outcome is unknown (reconcile by `tags`); otherwise nothing was sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestAbortedError } from "./request_errors.ts";
 *
 * const error = new RequestAbortedError("submitOrder", false);
 * assert.match(error.message, /nothing was sent/);
 * ```
 */
export class RequestAbortedError extends Error {
  /** The error class name, always `"RequestAbortedError"`. */
  override readonly name = "RequestAbortedError";
  /** The method that was aborted. */
  readonly operation: string;
  /** Whether the request had been sent. */
  readonly sent: boolean;
  /** The client tags of the orders concerned (empty for other requests). */
  readonly tags: readonly string[];

  /**
   * Creates the error for `operation` aborted by the caller's signal (its reason as `cause`).
   *
   * @param operation The method that was aborted.
   * @param sent Whether the request had been sent.
   * @param options Error options (`cause`: the signal's reason) and the orders' `tags`.
   */
  constructor(operation: string, sent: boolean, options?: TaggedErrorOptions) {
    const tags = options?.tags ?? [];
    super(
      sent
        ? `Cannot complete ${operation} as the caller aborted the wait: the request was sent and its outcome is unknown${
          _tagsNote(tags)
        }`
        : `Cannot ${operation} as the caller aborted it: nothing was sent`,
      options,
    );
    this.operation = operation;
    this.sent = sent;
    this.tags = tags;
  }
}

/**
 * The server refused an order without saying which one (an `OrderUpdateFailed` without
 * `tag_cl_ord_id`) while several orders of this client were waiting on that account and market.
 * Any of them may have been refused: reconcile every one of `tags` from account updates (order
 * updates carry the tag) before retrying any of them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { OrderOutcomeUnknownError } from "./request_errors.ts";
 * import { OrderUpdateFailedSchema } from "../protocol/proto.ts";
 *
 * const failed = create(OrderUpdateFailedSchema, { accountId: "A1", marketId: "M1", statusDetail: "Market closed" });
 * const error = new OrderOutcomeUnknownError("submitOrder", failed, ["t-1", "t-2"]);
 * assert.deepEqual(error.tags, ["t-1", "t-2"]);
 * assert.match(error.message, /^Cannot tell whether submitOrder succeeded/);
 * ```
 */
export class OrderOutcomeUnknownError extends Error {
  /** The error class name, always `"OrderOutcomeUnknownError"`. */
  override readonly name = "OrderOutcomeUnknownError";
  /** The operation, e.g. `"submitOrder"`. */
  readonly operation: string;
  /** The untagged failure that could belong to any waiting order. */
  readonly update: OrderUpdateFailed;
  /** The client tags of this request's orders; reconcile each before retrying. */
  readonly tags: readonly string[];

  /**
   * Creates the error for a request that an untagged failure may concern.
   *
   * @param operation The operation.
   * @param update The untagged `OrderUpdateFailed`.
   * @param tags The client tags of the request's orders.
   * @param options Error options (`cause`).
   */
  constructor(
    operation: string,
    update: OrderUpdateFailed,
    tags: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `Cannot tell whether ${operation} succeeded as the server refused an order without a tag on account ${update.accountId} market ${update.marketId} (${
        update.statusDetail || "no reason given"
      }) while several orders were waiting there: reconcile tags ${
        tags.join(", ")
      } from account updates before retrying`,
      options,
    );
    this.operation = operation;
    this.update = update;
    this.tags = tags;
  }
}

/**
 * The server rejected an order batch (`OrderBatchReject`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OrderBatchRejectedError } from "./request_errors.ts";
 *
 * const error = new OrderBatchRejectedError("b-1", "risk", []);
 * assert.equal(error.batchId, "b-1");
 * ```
 */
export class OrderBatchRejectedError extends Error {
  /** The error class name, always `"OrderBatchRejectedError"`. */
  override readonly name = "OrderBatchRejectedError";
  /** The batch id. */
  readonly batchId: string;
  /** The server's reason. */
  readonly reason: string;
  /** Per-order errors. */
  readonly errors: readonly OrderBatchReject_OrderError[];

  /**
   * Creates the error from the server's batch rejection.
   *
   * @param batchId The batch id.
   * @param reason The server's reason.
   * @param errors Per-order errors.
   * @param options Error options (`cause`).
   */
  constructor(
    batchId: string,
    reason: string,
    errors: readonly OrderBatchReject_OrderError[],
    options?: ErrorOptions,
  ) {
    super(
      `Cannot submit order batch '${batchId}' as the server rejected it: ${
        reason || "no reason given"
      }${errors.length ? ` (${errors.length} order errors)` : ""}`,
      options,
    );
    this.batchId = batchId;
    this.reason = reason;
    this.errors = errors;
  }
}

/**
 * The server refused an authentication token request (`fail_message`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthTokenError } from "./request_errors.ts";
 *
 * assert.equal(new AuthTokenError("r-1", "denied").failMessage, "denied");
 * ```
 */
export class AuthTokenError extends Error {
  /** The error class name, always `"AuthTokenError"`. */
  override readonly name = "AuthTokenError";
  /** The request id. */
  readonly requestId: string;
  /** The server's `fail_message`. */
  readonly failMessage: string;

  /**
   * Creates the error from the server's `fail_message`.
   *
   * @param requestId The request id.
   * @param failMessage The server's `fail_message`.
   * @param options Error options (`cause`).
   */
  constructor(requestId: string, failMessage: string, options?: ErrorOptions) {
    super(
      `Cannot get an authentication token as the server refused: ${
        failMessage || "no reason given"
      }`,
      options,
    );
    this.requestId = requestId;
    this.failMessage = failMessage;
  }
}

/**
 * The server refused an order (`OrderUpdateFailed`): `T4Client.submitOrder` rejects with it when
 * any order of the submission was refused, and a workflow order step fails with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { OrderRejectedError } from "./request_errors.ts";
 * import { OrderChange, OrderUpdateFailedSchema } from "../protocol/proto.ts";
 *
 * const failed = create(OrderUpdateFailedSchema, {
 *   uniqueId: "ORD-2",
 *   change: OrderChange.SUBMISSION_RISK_REJECTED,
 *   statusDetail: "Insufficient margin",
 * });
 * const error = new OrderRejectedError("submitOrder", failed);
 * assert.equal(error.change, "SUBMISSION_RISK_REJECTED");
 * assert.equal(error.detail, "Insufficient margin");
 * assert.equal(
 *   error.message,
 *   "Cannot submitOrder as order ORD-2 was rejected: Insufficient margin (SUBMISSION_RISK_REJECTED)",
 * );
 * ```
 */
export class OrderRejectedError extends Error {
  /** The error class name, always `"OrderRejectedError"`. */
  override readonly name = "OrderRejectedError";
  /** The operation that was refused, e.g. `"submitOrder"`. */
  readonly operation: string;
  /** The server's `OrderUpdateFailed` (the first one, when several orders were refused). */
  readonly update: OrderUpdateFailed;
  /**
   * The first answer to every order of the request, in request order: the refused ones are
   * `OrderUpdateFailed`, the others may be working orders.
   */
  readonly updates: readonly (OrderUpdate | OrderUpdateStatus | OrderUpdateFailed)[];
  /** The client tags of the request's orders, in request order (`updates[i]` answers `tags[i]`). */
  readonly tags: readonly string[];
  /** The `unique_id` the server gave the refused order (may be empty). */
  readonly uniqueId: string;
  /** The server's `status_detail`. */
  readonly detail: string;
  /** The short `OrderChange` name, e.g. `"SUBMISSION_RISK_REJECTED"`. */
  readonly change: string;

  /**
   * Creates the error from the server's `OrderUpdateFailed` answers.
   *
   * @param operation The refused operation (the message says `Cannot <operation> as ...`).
   * @param update The server's `OrderUpdateFailed`.
   * @param updates The answer to every order of the request (default: `[update]`).
   * @param options Error options (`cause`) and the orders' `tags`.
   */
  constructor(
    operation: string,
    update: OrderUpdateFailed,
    updates: readonly (OrderUpdate | OrderUpdateStatus | OrderUpdateFailed)[] = [update],
    options?: TaggedErrorOptions,
  ) {
    const change = OrderChange[update.change] ?? String(update.change);
    const detail = update.statusDetail;
    super(
      `Cannot ${operation} as order ${update.uniqueId || "(no id)"} was rejected: ${
        detail || "no reason given"
      } (${change})`,
      options,
    );
    this.operation = operation;
    this.update = update;
    this.updates = updates;
    this.tags = options?.tags ?? [];
    this.uniqueId = update.uniqueId;
    this.detail = detail;
    this.change = change;
  }
}

/**
 * The server refused a subscription: a market with `MarketDepthSubscribeReject` /
 * `MarketByOrderSubscribeReject`, an account with `AccountSubscribeResponse{success: false}`.
 * A refused subscription is forgotten (never replayed after a reconnect).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SubscriptionRejectedError } from "./request_errors.ts";
 *
 * const error = new SubscriptionRejectedError({ kind: "market_depth", marketId: "M1", mode: "REJECTED" });
 * assert.equal(error.message, "Cannot subscribe to market M1 (depth) as the server refused it: mode REJECTED");
 * const account = new SubscriptionRejectedError({ kind: "account", accountId: "A9", errors: ["Account 'A9' is not available"] });
 * assert.match(account.message, /account A9 as the server refused it: Account 'A9' is not available/);
 * ```
 */
export class SubscriptionRejectedError extends Error {
  /** The error class name, always `"SubscriptionRejectedError"`. */
  override readonly name = "SubscriptionRejectedError";
  /** `"market_depth"`, `"market_by_order"` or `"account"`. */
  readonly kind: "market_depth" | "market_by_order" | "account";
  /** The market id, for a market subscription. */
  readonly marketId: string | undefined;
  /** The account id, for an account subscription. */
  readonly accountId: string | undefined;
  /** The market mode the server answered (short `MarketMode` name), for a market. */
  readonly mode: string | undefined;
  /** The server's errors, for an account. */
  readonly errors: readonly string[];
  /** The server's reason in one line. */
  readonly reason: string;

  /**
   * Creates the error from the server's refusal.
   *
   * @param refusal What was refused and why.
   * @param options Error options (`cause`).
   */
  constructor(
    refusal: {
      kind: "market_depth" | "market_by_order" | "account";
      marketId?: string;
      accountId?: string;
      mode?: string;
      errors?: readonly string[];
    },
    options?: ErrorOptions,
  ) {
    const errors = refusal.errors ?? [];
    const reason = refusal.kind === "account"
      ? errors.join("; ") || "no reason given"
      : `mode ${refusal.mode ?? "UNKNOWN"}`;
    const what = refusal.kind === "account"
      ? `account ${refusal.accountId}`
      : `market ${refusal.marketId} (${refusal.kind === "market_depth" ? "depth" : "by order"})`;
    super(`Cannot subscribe to ${what} as the server refused it: ${reason}`, options);
    this.kind = refusal.kind;
    this.marketId = refusal.marketId;
    this.accountId = refusal.accountId;
    this.mode = refusal.mode;
    this.errors = errors;
    this.reason = reason;
  }
}
