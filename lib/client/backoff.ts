/**
 * Exponential reconnect backoff with full jitter: attempt `n` waits a uniformly random time in
 * `[0, min(maxDelayMs, initialDelayMs × multiplier^(n-1)))`.
 *
 * @module
 */

/** How a client reconnects after an unexpected drop. */
export interface ReconnectPolicy {
  /**
   * Upper bound of the first delay in milliseconds.
   *
   * @default {500}
   */
  initialDelayMs: number;
  /**
   * Cap of the delay bound in milliseconds.
   *
   * @default {30000}
   */
  maxDelayMs: number;
  /**
   * Growth of the bound per attempt.
   *
   * @default {2}
   */
  multiplier: number;
  /**
   * Attempts before giving up (the client then closes).
   *
   * @default {Infinity}
   */
  maxAttempts: number;
  /**
   * The attempt counter resets only after a connection stayed up (logged in) this long.
   *
   * @default {60000}
   */
  resetAfterMs: number;
}

/** The default reconnect policy: 500 ms initial, ×2, 30 s cap, unlimited, reset after 60 s up. */
export const DEFAULT_RECONNECT_POLICY: Readonly<ReconnectPolicy> = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  maxAttempts: Infinity,
  resetAfterMs: 60_000,
});

/**
 * Checks a policy and fills in defaults.
 *
 * @param policy A partial policy.
 * @returns The complete policy.
 * @throws {RangeError} When a field is negative, not a number, or `multiplier` < 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveReconnectPolicy } from "./backoff.ts";
 *
 * assert.equal(resolveReconnectPolicy({ maxDelayMs: 5000 }).initialDelayMs, 500);
 * assert.throws(() => resolveReconnectPolicy({ multiplier: 0.5 }), RangeError);
 * ```
 */
export function resolveReconnectPolicy(policy: Partial<ReconnectPolicy> = {}): ReconnectPolicy {
  const resolved = { ...DEFAULT_RECONNECT_POLICY, ...policy };
  for (const key of Object.keys(DEFAULT_RECONNECT_POLICY) as (keyof ReconnectPolicy)[]) {
    const value = resolved[key];
    if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
      throw new RangeError(
        `Cannot use the reconnect policy as '${key}' must be a number >= 0: current value is ${
          String(value)
        }`,
      );
    }
  }
  if (resolved.multiplier < 1) {
    throw new RangeError(
      `Cannot use the reconnect policy as 'multiplier' must be >= 1: current value is ${resolved.multiplier}`,
    );
  }
  return resolved;
}

/**
 * The attempt counter and delay generator of a reconnect loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Backoff } from "./backoff.ts";
 *
 * const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 3 }, () => 0.5);
 * assert.equal(backoff.next(), 50);  // attempt 1: bound 100
 * assert.equal(backoff.next(), 100); // attempt 2: bound 200
 * assert.equal(backoff.next(), 200); // attempt 3: bound 400
 * assert.equal(backoff.next(), undefined); // exhausted
 * backoff.reset();
 * assert.equal(backoff.attempt, 0);
 * ```
 */
export class Backoff {
  /** The resolved policy. */
  readonly policy: Readonly<ReconnectPolicy>;
  #random: () => number;
  #attempt = 0;

  /**
   * Creates a backoff for one reconnect policy.
   *
   * @param policy The reconnect policy (defaults fill the gaps).
   * @param random A random source in `[0, 1)`.
   * @default random `Math.random`
   * @throws {RangeError} When the policy is invalid.
   */
  constructor(policy: Partial<ReconnectPolicy> = {}, random: () => number = Math.random) {
    this.policy = resolveReconnectPolicy(policy);
    this.#random = random;
  }

  /**
   * Counts the attempts handed out since the last reset.
   *
   * @returns The number of attempts handed out since the last reset.
   */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * Counts an attempt and returns its delay.
   *
   * @returns The delay in milliseconds, or `undefined` when `maxAttempts` is used up.
   */
  next(): number | undefined {
    if (this.#attempt >= this.policy.maxAttempts) return undefined;
    this.#attempt++;
    return Math.floor(this.#random() * this.bound(this.#attempt));
  }

  /**
   * The jitter bound of an attempt.
   *
   * @param attempt The attempt number, from 1.
   * @returns `min(maxDelayMs, initialDelayMs × multiplier^(attempt-1))`.
   */
  bound(attempt: number): number {
    const { initialDelayMs, maxDelayMs, multiplier } = this.policy;
    return Math.min(maxDelayMs, initialDelayMs * multiplier ** Math.max(0, attempt - 1));
  }

  /** Starts counting from zero again. */
  reset(): void {
    this.#attempt = 0;
  }
}
