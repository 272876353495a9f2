/**
 * The errors a `T4Client` rejects with: one class per condition, each with `name` set, `cause`
 * chained and structured fields. None of them ever carries a credential.
 *
 * @module
 */

import { type LoginResult, OrderChange } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type {
  OrderBatchReject_OrderError,
  OrderUpdate,
  OrderUpdateFailed,
  OrderUpdateStatus,
} from "../protocol/gen/t4/v1/orderrouting/orderrouting_pb.ts";
import {
  isFatalLoginResult,
  type LoginResultName,
  loginResultName,
} from "../protocol/login_result.ts";

/**
 * The server refused the login.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoginError } from "./errors.ts";
 * import { LoginResult } from "../protocol/proto.ts";
 *
 * const error = new LoginError(LoginResult.LOCKED_OUT, "Too many attempts");
 * assert.equal(error.result, "LOCKED_OUT");
 * assert.equal(error.fatal, true);
 * assert.equal(error.message, "Cannot log in to T4 as the server answered LOCKED_OUT: Too many attempts");
 * ```
 */
export class LoginError extends Error {
  /** The error class name, always `"LoginError"`. */
  override readonly name = "LoginError";
  /** Short result name, e.g. `"LOCKED_OUT"`. */
  readonly result: LoginResultName;
  /** The wire enum value. */
  readonly code: LoginResult;
  /** The server's `error_message` (may be empty). */
  readonly errorMessage: string;
  /** `true` when the client will not retry this result automatically. */
  readonly fatal: boolean;

  /**
   * Creates the error from the server's login result and message.
   *
   * @param code The login result.
   * @param errorMessage The server's `error_message`.
   * @param options Error options (`cause`).
   */
  constructor(code: LoginResult, errorMessage: string, options?: ErrorOptions) {
    const result = loginResultName(code);
    super(
      `Cannot log in to T4 as the server answered ${result}${
        errorMessage ? `: ${errorMessage}` : ""
      }`,
      options,
    );
    this.result = result;
    this.code = code;
    this.errorMessage = errorMessage;
    this.fatal = isFatalLoginResult(code);
  }
}

/**
 * No `LoginResponse` arrived in time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoginTimeoutError } from "./errors.ts";
 *
 * assert.equal(new LoginTimeoutError(10_000).timeoutMs, 10_000);
 * ```
 */
export class LoginTimeoutError extends Error {
  /** The error class name, always `"LoginTimeoutError"`. */
  override readonly name = "LoginTimeoutError";
  /** The login timeout in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Creates the error for a login that got no answer within `timeoutMs`.
   *
   * @param timeoutMs The timeout that expired.
   * @param options Error options (`cause`).
   */
  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(`Cannot log in to T4 as no login response arrived within ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The WebSocket could not be opened, or closed before the login completed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionError } from "./errors.ts";
 *
 * const error = new ConnectionError("wss://example.test/v1", "the socket closed", 1006);
 * assert.equal(error.code, 1006);
 * ```
 */
export class ConnectionError extends Error {
  /** The error class name, always `"ConnectionError"`. */
  override readonly name = "ConnectionError";
  /** The URL (without user info). */
  readonly url: string;
  /** The WebSocket close code, when there was one. */
  readonly code: number | undefined;

  /**
   * Creates the error for a connection to `url` that failed as `detail` says.
   *
   * @param url The URL.
   * @param detail What happened.
   * @param code The close code.
   * @param options Error options (`cause`).
   */
  constructor(url: string, detail: string, code?: number, options?: ErrorOptions) {
    super(`Cannot connect to ${url} as ${detail}`, options);
    this.url = url;
    this.code = code;
  }
}

/**
 * A request was made while the client had no logged-in session. Nothing was sent or queued.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotConnectedError } from "./errors.ts";
 *
 * assert.match(new NotConnectedError("submitOrder").message, /^Cannot submitOrder/);
 * ```
 */
export class NotConnectedError extends Error {
  /** The error class name, always `"NotConnectedError"`. */
  override readonly name = "NotConnectedError";
  /** The method that was called. */
  readonly operation: string;

  /**
   * Creates the error for `operation` called without a logged-in session.
   *
   * @param operation The method that was called.
   * @param options Error options (`cause`).
   */
  constructor(operation: string, options?: ErrorOptions) {
    super(
      `Cannot ${operation} as the client is not connected: nothing was sent (requests are never queued or replayed)`,
      options,
    );
    this.operation = operation;
  }
}

/**
 * The connection dropped while a request was waiting for its answer. The request was sent, so
 * its outcome is unknown: check order state after reconnecting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionLostError } from "./errors.ts";
 *
 * assert.equal(new ConnectionLostError("submitOrder").operation, "submitOrder");
 * ```
 */
export class ConnectionLostError extends Error {
  /** The error class name, always `"ConnectionLostError"`. */
  override readonly name = "ConnectionLostError";
  /** The method that was waiting. */
  readonly operation: string;

  /**
   * Creates the error for `operation` whose connection dropped before its answer.
   *
   * @param operation The method that was waiting.
   * @param options Error options (`cause`).
   */
  constructor(operation: string, options?: ErrorOptions) {
    super(
      `Cannot complete ${operation} as the connection dropped before the answer arrived: the request was sent and its outcome is unknown`,
      options,
    );
    this.operation = operation;
  }
}

/**
 * The client was closed (by `close()` or its signal) and cannot be used any more.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientClosedError } from "./errors.ts";
 *
 * assert.equal(new ClientClosedError("connect").name, "ClientClosedError");
 * ```
 */
export class ClientClosedError extends Error {
  /** The error class name, always `"ClientClosedError"`. */
  override readonly name = "ClientClosedError";
  /** The method that was called or waiting. */
  readonly operation: string;

  /**
   * Creates the error for `operation` on a closed client.
   *
   * @param operation The method that was called or waiting.
   * @param options Error options (`cause`).
   */
  constructor(operation: string, options?: ErrorOptions) {
    super(`Cannot ${operation} as the client is closed`, options);
    this.operation = operation;
  }
}

/**
 * A `ws://` URL to a host other than loopback was given without `allowInsecure`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InsecureUrlError } from "./errors.ts";
 *
 * assert.equal(new InsecureUrlError("ws://example.test/v1").url, "ws://example.test/v1");
 * ```
 */
export class InsecureUrlError extends Error {
  /** The error class name, always `"InsecureUrlError"`. */
  override readonly name = "InsecureUrlError";
  /** The refused URL (without user info). */
  readonly url: string;

  /**
   * Creates the error for a refused insecure `url`.
   *
   * @param url The refused URL.
   * @param options Error options (`cause`).
   */
  constructor(url: string, options?: ErrorOptions) {
    super(
      `Cannot connect to ${url} as unencrypted ws:// is only allowed to loopback: use wss:// or set allowInsecure: true`,
      options,
    );
    this.url = url;
  }
}

/**
 * A request got no answer in time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestTimeoutError } from "./errors.ts";
 *
 * assert.equal(new RequestTimeoutError("pullOrder", 5000).timeoutMs, 5000);
 * ```
 */
export class RequestTimeoutError extends Error {
  /** The error class name, always `"RequestTimeoutError"`. */
  override readonly name = "RequestTimeoutError";
  /** The method that timed out. */
  readonly operation: string;
  /** The timeout in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Creates the error for `operation` that got no answer within `timeoutMs`.
   *
   * @param operation The method that timed out.
   * @param timeoutMs The timeout.
   * @param options Error options (`cause`).
   */
  constructor(operation: string, timeoutMs: number, options?: ErrorOptions) {
    super(
      `Cannot complete ${operation} as no answer arrived within ${timeoutMs} ms: the request was sent and its outcome is unknown`,
      options,
    );
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The server rejected an order batch (`OrderBatchReject`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OrderBatchRejectedError } from "./errors.ts";
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
 * import { AuthTokenError } from "./errors.ts";
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
 * import { OrderRejectedError } from "./errors.ts";
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
   * @param options Error options (`cause`).
   */
  constructor(
    operation: string,
    update: OrderUpdateFailed,
    updates: readonly (OrderUpdate | OrderUpdateStatus | OrderUpdateFailed)[] = [update],
    options?: ErrorOptions,
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
    this.uniqueId = update.uniqueId;
    this.detail = detail;
    this.change = change;
  }
}
