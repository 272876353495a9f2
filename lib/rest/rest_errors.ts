/**
 * Errors of the T4 REST client: an HTTP error answer (`RestError`), no answer at all
 * (`RestNetworkError`), no answer in time (`RestTimeoutError`), a refused cleartext URL
 * (`InsecureRestUrlError`) and a contract without a market (`MarketNotFoundError`). None of them
 * carries a secret: server messages are scrubbed of the API key and token before they are kept.
 *
 * @module
 */

/**
 * The REST API answered with an HTTP error status (or a body that is not what was asked for).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RestError } from "./rest_errors.ts";
 *
 * const error = new RestError("/markets/exchanges", 401, "Unauthorized");
 * assert.equal(error.status, 401);
 * assert.equal(error.message, "Cannot get /markets/exchanges: HTTP 401 Unauthorized");
 * ```
 */
export class RestError extends Error {
  /** The error class name, always `"RestError"`. */
  override readonly name = "RestError";
  /** The request path, without query. */
  readonly path: string;
  /** The HTTP status. */
  readonly status: number;
  /** The server's message (scrubbed of secrets), or `""`. */
  readonly serverMessage: string;

  /**
   * Creates the error.
   *
   * @param path The request path.
   * @param status The HTTP status.
   * @param serverMessage The server's message, already scrubbed of secrets.
   * @param options Error options (`cause`).
   */
  constructor(path: string, status: number, serverMessage: string, options?: ErrorOptions) {
    super(
      `Cannot get ${path}: HTTP ${status}${serverMessage === "" ? "" : ` ${serverMessage}`}`,
      options,
    );
    this.path = path;
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

/**
 * The REST API could not be reached (connection refused, DNS, reset) after every retry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RestNetworkError } from "./rest_errors.ts";
 *
 * const error = new RestNetworkError("/markets/exchanges", 3, "connection refused");
 * assert.equal(error.attempts, 3);
 * ```
 */
export class RestNetworkError extends Error {
  /** The error class name, always `"RestNetworkError"`. */
  override readonly name = "RestNetworkError";
  /** The request path, without query. */
  readonly path: string;
  /** Attempts made. */
  readonly attempts: number;

  /**
   * Creates the error.
   *
   * @param path The request path.
   * @param attempts Attempts made.
   * @param detail What went wrong, scrubbed of secrets.
   * @param options Error options (`cause`).
   */
  constructor(path: string, attempts: number, detail: string, options?: ErrorOptions) {
    super(
      `Cannot get ${path} as the REST API is not reachable after ${attempts} attempt${
        attempts === 1 ? "" : "s"
      }: ${detail}`,
      options,
    );
    this.path = path;
    this.attempts = attempts;
  }
}

/**
 * A REST call did not complete within its timeout (retries included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RestTimeoutError } from "./rest_errors.ts";
 *
 * assert.equal(new RestTimeoutError("/markets/exchanges", 5000).timeoutMs, 5000);
 * ```
 */
export class RestTimeoutError extends Error {
  /** The error class name, always `"RestTimeoutError"`. */
  override readonly name = "RestTimeoutError";
  /** The request path, without query. */
  readonly path: string;
  /** The timeout in ms. */
  readonly timeoutMs: number;

  /**
   * Creates the error.
   *
   * @param path The request path.
   * @param timeoutMs The timeout that ran out.
   * @param options Error options (`cause`).
   */
  constructor(path: string, timeoutMs: number, options?: ErrorOptions) {
    super(`Cannot get ${path} as no answer arrived within ${timeoutMs} ms`, options);
    this.path = path;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A REST base URL is `http://` to a host that is not loopback.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InsecureRestUrlError } from "./rest_errors.ts";
 *
 * assert.match(new InsecureRestUrlError("http://api.example").message, /only allowed to loopback/);
 * ```
 */
export class InsecureRestUrlError extends Error {
  /** The error class name, always `"InsecureRestUrlError"`. */
  override readonly name = "InsecureRestUrlError";
  /** The refused URL (without user info or query). */
  readonly url: string;

  /**
   * Creates the error.
   *
   * @param url The refused URL.
   * @param options Error options (`cause`).
   */
  constructor(url: string, options?: ErrorOptions) {
    super(
      `Cannot use the REST API at ${url} as unencrypted http:// is only allowed to loopback: use https://`,
      options,
    );
    this.url = url;
  }
}

/**
 * The REST API knows no market for an exchange and contract (unknown contract, or none unexpired).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MarketNotFoundError } from "./rest_errors.ts";
 *
 * const error = new MarketNotFoundError("CME_Eq", "XX");
 * assert.equal(error.message, "Cannot resolve the front market of CME_Eq XX: the REST API knows no market for this exchange and contract");
 * ```
 */
export class MarketNotFoundError extends Error {
  /** The error class name, always `"MarketNotFoundError"`. */
  override readonly name = "MarketNotFoundError";
  /** The exchange id. */
  readonly exchangeId: string;
  /** The contract id. */
  readonly contractId: string;

  /**
   * Creates the error.
   *
   * @param exchangeId The exchange id.
   * @param contractId The contract id.
   * @param options Error options (`cause`).
   */
  constructor(exchangeId: string, contractId: string, options?: ErrorOptions) {
    super(
      `Cannot resolve the front market of ${exchangeId} ${contractId}: the REST API knows no market for this exchange and contract`,
      options,
    );
    this.exchangeId = exchangeId;
    this.contractId = contractId;
  }
}
