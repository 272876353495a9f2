/**
 * `AuthTokenCache`: the session's authentication token (the JWT the T4 REST API takes), seeded by
 * the login response and renewed shortly before it expires with one request in flight.
 *
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import { AuthToken } from "./credentials.ts";
import type { AuthenticationToken } from "../protocol/gen/t4/v1/auth/auth_pb.ts";

/**
 * Caches one token. A token is served until `marginMs` before it expires; then (or when there
 * is none) the next caller starts a renewal through `request`, and every caller until it
 * settles shares that one request. A token without expiry is not cached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthTokenCache } from "./auth_token_cache.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 *
 * const clock = new FakeClock(0);
 * let requests = 0;
 * const cache = new AuthTokenCache(clock, 30_000, () => {
 *   requests++;
 *   return Promise.resolve({ token: `jwt-${requests}`, expireTime: { seconds: 120n, nanos: 0 } } as never);
 * });
 * const [a, b] = await Promise.all([cache.get(), cache.get()]);
 * assert.equal(a, b);
 * assert.equal(requests, 1);
 * await clock.advance(90_000);
 * assert.equal((await cache.get()).reveal(), "jwt-2");
 * ```
 */
export class AuthTokenCache {
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #request: () => Promise<AuthenticationToken>;
  #token: AuthToken | undefined;
  #pending: Promise<AuthToken> | undefined;
  #epoch = 0;

  /**
   * Creates an empty cache.
   *
   * @param clock The clock expiry is judged by.
   * @param marginMs Renew this long before expiry, in milliseconds.
   * @param request Asks the server for a token (`AuthenticationTokenRequest`).
   */
  constructor(clock: Clock, marginMs: number, request: () => Promise<AuthenticationToken>) {
    this.#clock = clock;
    this.#marginMs = marginMs;
    this.#request = request;
  }

  /**
   * Seeds the cache from a login response's token (replacing what was cached).
   *
   * @param answer The login's `authentication_token`, if any.
   */
  seed(answer: AuthenticationToken | undefined): void {
    this.#epoch++;
    this.#token = toAuthToken(answer);
  }

  /** Forgets the cached token (the client closed). */
  clear(): void {
    this.#epoch++;
    this.#token = undefined;
  }

  /**
   * The cached token, or a renewed one.
   *
   * @returns The token.
   */
  get(): Promise<AuthToken> {
    const cached = this.#token;
    if (
      cached?.expiresAt !== undefined && this.#clock.now() < cached.expiresAt - this.#marginMs
    ) return Promise.resolve(cached);
    if (this.#pending) return this.#pending;
    const epoch = this.#epoch;
    const pending = this.#request().then((answer) => {
      const token = toAuthToken(answer)!;
      if (epoch === this.#epoch) this.#token = token;
      return token;
    }).finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
    this.#pending = pending;
    return pending;
  }
}

/**
 * Wraps an `AuthenticationToken` answer in a self-redacting {@linkcode AuthToken}.
 *
 * @param answer The answer (or the login response's token).
 * @returns The token, or `undefined` when the answer has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toAuthToken } from "./auth_token_cache.ts";
 *
 * assert.equal(toAuthToken(undefined), undefined);
 * assert.equal(toAuthToken({ token: "jwt" } as never)?.reveal(), "jwt");
 * ```
 */
export function toAuthToken(answer: AuthenticationToken | undefined): AuthToken | undefined {
  if (!answer?.token) return undefined;
  return new AuthToken(
    answer.token,
    answer.expireTime ? _timestampMs(answer.expireTime) : undefined,
  );
}

/** `timestampMs` of `@bufbuild/protobuf/wkt`, without loading it. */
function _timestampMs(timestamp: { seconds: bigint; nanos: number }): number {
  return Number(timestamp.seconds) * 1000 + Math.round(timestamp.nanos / 1000000);
}
