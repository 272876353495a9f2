/**
 * The T4 REST client on `fetch`: `GET` with the right `Authorization` (`APIKey <key>` for an API
 * key login, otherwise `Bearer <JWT>` from the T4Client session's token cache), a timeout per
 * call, bounded retries with jittered exponential backoff on 5xx answers and network errors
 * (never on 4xx), and errors that carry the HTTP status and the server's message but never a
 * secret. `http://` is accepted only to loopback (the shared loopback rule).
 *
 * @module
 */

import { Backoff } from "../client/backoff.ts";
import { type Auth, type AuthToken, redactSecrets } from "../client/credentials.ts";
import { isLoopbackUrl } from "../client/loopback.ts";
import { type Clock, systemClock } from "../runtime/clock.ts";
import { t4flowLogger } from "../runtime/logger.ts";
import {
  InsecureRestUrlError,
  RestError,
  RestNetworkError,
  RestTimeoutError,
} from "./rest_errors.ts";

/** The REST bases of the two documented T4 environments. */
export const T4_REST_ENDPOINTS: Readonly<{ live: string; sim: string }> = Object.freeze({
  live: "https://api.t4login.com",
  sim: "https://api-sim.t4login.com",
});

/**
 * How REST calls authenticate: an API key (`APIKey <key>`), or a source of session tokens
 * (`Bearer <JWT>`), typically `() => client.authToken()` of a logged-in `T4Client`.
 */
export type RestAuth = { apiKey: string } | { token: () => Promise<AuthToken | string> };

/** Options of {@linkcode RestClient}. */
export interface RestClientOptions {
  /** The REST base, e.g. `https://api-sim.t4login.com` or `http://127.0.0.1:4322`. */
  baseUrl: string;
  /** The API key, or the token source. */
  auth: RestAuth;
  /**
   * Time allowed for one call, retries and backoff included, in ms.
   *
   * @default {10000}
   */
  timeoutMs?: number;
  /**
   * Retries after a 5xx answer or a network error (never after a 4xx).
   *
   * @default {2}
   */
  retries?: number;
  /**
   * Upper bound of the first backoff delay in ms (doubling per retry, at most 5 s).
   *
   * @default {250}
   */
  retryDelayMs?: number;
  /**
   * Time source of the timeout and the backoff.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * The `fetch` to use.
   *
   * @default {globalThis.fetch}
   */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * Random source in `[0, 1)` for the backoff jitter.
   *
   * @default {Math.random}
   */
  random?: () => number;
}

/**
 * The {@linkcode RestAuth} of a session: `APIKey` for an API-key login, otherwise the session's
 * cached JWT.
 *
 * @param client The logged-in client (its `authToken()` renews the token before it expires).
 * @param auth The credentials the client logged in with.
 * @returns The REST authentication.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { restAuthFor } from "./rest_client.ts";
 *
 * const client = { authToken: () => Promise.resolve("jwt") };
 * assert.deepEqual(restAuthFor(client, { apiKey: "k" }), { apiKey: "k" });
 * const auth = restAuthFor(client, {
 *   firm: "f", username: "u", password: "p", appName: "a", appLicense: "l",
 * });
 * assert.ok("token" in auth && await auth.token() === "jwt");
 * ```
 */
export function restAuthFor(
  client: { authToken(): Promise<AuthToken | string> },
  auth: Auth,
): RestAuth {
  if ("apiKey" in auth && auth.apiKey) return { apiKey: auth.apiKey };
  return { token: () => client.authToken() };
}

/**
 * Checks a REST base URL: `https://`, or `http://` to loopback only.
 *
 * @param baseUrl The base URL.
 * @returns The base without a trailing slash.
 * @throws {TypeError} When it is not a valid `http(s)://` URL.
 * @throws {InsecureRestUrlError} When it is `http://` to a host that is not loopback.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InsecureRestUrlError } from "./rest_errors.ts";
 * import { checkRestBaseUrl } from "./rest_client.ts";
 *
 * assert.equal(checkRestBaseUrl("http://127.0.0.1:4322/"), "http://127.0.0.1:4322");
 * assert.throws(() => checkRestBaseUrl("http://api.example"), InsecureRestUrlError);
 * ```
 */
export function checkRestBaseUrl(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch (cause) {
    throw new TypeError("Cannot use the REST API as its URL is not valid: expected https://...", {
      cause,
    });
  }
  const display = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new TypeError(
      `Cannot use the REST API at ${display} as it must use https:// (or http:// to loopback)`,
    );
  }
  if (parsed.protocol === "http:" && !isLoopbackUrl(parsed)) {
    throw new InsecureRestUrlError(display);
  }
  if (parsed.username !== "" || parsed.password !== "" || parsed.search !== "") {
    throw new TypeError(
      `Cannot use the REST API at ${display} as its URL must not hold user info or a query`,
    );
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
}

const _log = t4flowLogger("rest");

/**
 * A client of the T4 REST API.
 *
 * @example Call the simulator's REST API with the demo API key
 * ```ts
 * import assert from "node:assert/strict";
 * import { startSimulator } from "../sim/mod.ts";
 * import { RestClient } from "./rest_client.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * const rest = new RestClient({ baseUrl: sim.restUrl, auth: { apiKey: "demo-api-key" } });
 * const exchanges = await rest.get("/markets/exchanges") as unknown[];
 * assert.ok(exchanges.length >= 2);
 * ```
 */
export class RestClient {
  /** The REST base, without a trailing slash. */
  readonly baseUrl: string;
  readonly #auth: RestAuth;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #clock: Clock;
  readonly #fetch: (input: string, init: RequestInit) => Promise<Response>;
  readonly #random: () => number;

  /**
   * Creates the client (nothing is sent yet).
   *
   * @param options Base URL, authentication, timeout, retries, clock, fetch.
   * @throws {TypeError} When the base URL is not valid or an option is out of range.
   * @throws {InsecureRestUrlError} When the base URL is `http://` to a host that is not loopback.
   */
  constructor(options: RestClientOptions) {
    this.baseUrl = checkRestBaseUrl(options.baseUrl);
    this.#auth = options.auth;
    this.#timeoutMs = _nonNegative("timeoutMs", options.timeoutMs ?? 10_000);
    this.#retries = _nonNegative("retries", options.retries ?? 2);
    this.#retryDelayMs = _nonNegative("retryDelayMs", options.retryDelayMs ?? 250);
    this.#clock = options.clock ?? systemClock;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#random = options.random ?? Math.random;
  }

  /**
   * Sends `GET baseUrl + path?query` and returns the JSON body.
   *
   * @param path The path, e.g. `/markets/exchanges`.
   * @param query Query parameters (`undefined` values are left out).
   * @returns The parsed JSON body (`null` for an empty body).
   * @throws {RestError} When the answer is a 4xx, or still a 5xx after the retries, or not JSON.
   * @throws {RestNetworkError} When the API is not reachable after the retries.
   * @throws {RestTimeoutError} When the call did not complete within `timeoutMs`.
   */
  async get(path: string, query: Record<string, string | undefined> = {}): Promise<unknown> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, value);
    }
    const search = params.size > 0 ? `?${params}` : "";
    const url = `${this.baseUrl}${path}${search}`;
    const controller = new AbortController();
    let timedOut = false;
    const timer = this.#clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const backoff = new Backoff({
      initialDelayMs: this.#retryDelayMs,
      maxDelayMs: 5_000,
      multiplier: 2,
      maxAttempts: this.#retries,
    }, this.#random);
    const secrets: string[] = "apiKey" in this.#auth ? [this.#auth.apiKey] : [];
    const timeout = () => new RestTimeoutError(path, this.#timeoutMs);
    let attempts = 0;
    try {
      for (;;) {
        attempts++;
        const authorization = await this.#authorization(secrets);
        if (timedOut) throw timeout();
        let response: Response;
        try {
          response = await this.#fetch(url, {
            method: "GET",
            headers: { accept: "application/json", authorization },
            signal: controller.signal,
          });
        } catch (error) {
          if (timedOut) throw timeout();
          const detail = redactSecrets(
            error instanceof Error ? error.message : String(error),
            secrets,
          );
          _log.debug("GET {path} failed (attempt {attempts}): {detail}", {
            path,
            attempts,
            detail,
          });
          const delay = backoff.next();
          if (delay === undefined) throw new RestNetworkError(path, attempts, detail);
          await this.#sleep(delay, controller.signal);
          if (timedOut) throw timeout();
          continue;
        }
        _log.debug("GET {path}: HTTP {status} (attempt {attempts})", {
          path,
          status: response.status,
          attempts,
        });
        if (response.ok) {
          let text: string;
          try {
            text = await response.text();
          } catch {
            if (timedOut) throw timeout();
            throw new RestError(path, response.status, "the body could not be read");
          }
          if (text.trim() === "") return null;
          try {
            return JSON.parse(text);
          } catch {
            throw new RestError(path, response.status, "the body is not JSON");
          }
        }
        const message = await _serverMessage(response, secrets);
        if (response.status >= 500) {
          const delay = backoff.next();
          if (delay !== undefined) {
            await this.#sleep(delay, controller.signal);
            if (timedOut) throw timeout();
            continue;
          }
        }
        throw new RestError(path, response.status, message);
      }
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  async #authorization(secrets: string[]): Promise<string> {
    if ("apiKey" in this.#auth) return `APIKey ${this.#auth.apiKey}`;
    const token = await this.#auth.token();
    const jwt = typeof token === "string" ? token : token.reveal();
    secrets.push(jwt);
    return `Bearer ${jwt}`;
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = () => {
        this.#clock.clearTimeout(handle);
        resolve();
      };
      const handle = this.#clock.setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Describes the client without its credentials.
   *
   * @returns `RestClient { baseUrl: ... }`.
   */
  toString(): string {
    return `RestClient { baseUrl: ${this.baseUrl} }`;
  }

  /**
   * Serializes the client for `JSON.stringify` without its credentials.
   *
   * @returns `{ baseUrl }`.
   */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl };
  }

  /**
   * Describes the client, without its credentials, to Deno's `console.log` and `Deno.inspect`.
   *
   * @returns The description.
   */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /**
   * Describes the client, without its credentials, to `util.inspect` in Node and Bun.
   *
   * @returns The description.
   */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function _nonNegative(key: string, value: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new TypeError(
      `Cannot create the REST client as '${key}' must be a number >= 0: current value is ${
        String(value)
      }`,
    );
  }
  return value;
}

async function _serverMessage(response: Response, secrets: readonly string[]): Promise<string> {
  let text = "";
  try {
    text = (await response.text()).slice(0, 2_000);
  } catch {
    // The status alone must do.
  }
  let message = text.trim();
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    for (const key of ["message", "Message", "error", "title", "detail"]) {
      if (typeof body?.[key] === "string" && body[key] !== "") {
        message = body[key] as string;
        break;
      }
    }
  } catch {
    // Plain text.
  }
  if (message === "") message = response.statusText;
  message = message.replace(/\s+/g, " ").slice(0, 300);
  return redactSecrets(message, secrets);
}
