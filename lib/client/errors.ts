/**
 * The errors a `T4Client` rejects with: one class per condition, each with `name` set, `cause`
 * chained and structured fields. None of them ever carries a credential.
 *
 * @module
 */

import type { LoginResult } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import {
  isFatalLoginResult,
  type LoginResultName,
  loginResultName,
} from "../protocol/login_result.ts";

export * from "./request_errors.ts";

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
 * The client was closed (by `close()`, `drain()`, its signal, or for good by the server) or is
 * draining, and cannot be used any more. For a request that was waiting for its answer (`tags`
 * not empty for orders), the request was sent and its outcome is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientClosedError } from "./errors.ts";
 *
 * assert.equal(new ClientClosedError("connect").name, "ClientClosedError");
 * assert.match(new ClientClosedError("submitOrder", { draining: true }).message, /draining/);
 * ```
 */
export class ClientClosedError extends Error {
  /** The error class name, always `"ClientClosedError"`. */
  override readonly name = "ClientClosedError";
  /** The method that was called or waiting. */
  readonly operation: string;
  /** `true` when the client was draining: nothing was sent. */
  readonly draining: boolean;
  /** The client tags of the orders that were waiting (empty for other requests). */
  readonly tags: readonly string[];

  /**
   * Creates the error for `operation` on a closed (or draining) client.
   *
   * @param operation The method that was called or waiting.
   * @param options Error options (`cause`), `draining` and the waiting orders' `tags`.
   */
  constructor(
    operation: string,
    options?: ErrorOptions & { draining?: boolean; tags?: readonly string[] },
  ) {
    const tags = options?.tags ?? [];
    super(
      options?.draining
        ? `Cannot ${operation} as the client is draining: nothing was sent`
        : `Cannot ${operation} as the client is closed${
          tags.length
            ? `: the request was sent and its outcome is unknown (tags ${tags.join(", ")})`
            : ""
        }`,
      options,
    );
    this.operation = operation;
    this.draining = options?.draining === true;
    this.tags = tags;
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
