/**
 * `--concurrency N`: at most N workflow runs at a time across a monitor; the others wait their
 * turn in the order they asked.
 *
 * @module
 */

/** Hands out run slots. */
export interface RunLimiter {
  /**
   * Waits for a free slot.
   *
   * @param signal Gives up waiting when it aborts.
   * @returns A function that frees the slot (calling it twice frees it once).
   * @throws {unknown} The signal's reason, when it aborts before a slot is free.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Runs holding a slot now. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly waiting: number;
}

/**
 * Creates a limiter with `limit` slots.
 *
 * @param limit The number of runs at a time, a whole number >= 1.
 * @returns The limiter.
 * @throws {RangeError} When `limit` is not a whole number >= 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRunLimiter } from "./run_limiter.ts";
 *
 * const limiter = createRunLimiter(1);
 * const release = await limiter.acquire();
 * let second = false;
 * const next = limiter.acquire().then((r) => {
 *   second = true;
 *   return r;
 * });
 * await Promise.resolve();
 * assert.equal(second, false);
 * release();
 * (await next)();
 * assert.equal(second, true);
 * assert.equal(limiter.active, 0);
 * ```
 */
export function createRunLimiter(limit: number): RunLimiter {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(
      `Cannot limit runs as the limit must be a whole number >= 1: current value is ${limit}`,
    );
  }
  let active = 0;
  const queue: { grant: () => void }[] = [];
  const release = () => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = queue.shift();
      if (next) next.grant();
      else active--;
    };
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < limit) {
        active++;
        return Promise.resolve(release());
      }
      return new Promise((resolve, reject) => {
        const entry = {
          grant: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve(release());
          },
        };
        const onAbort = () => {
          const index = queue.indexOf(entry);
          if (index >= 0) queue.splice(index, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(entry);
      });
    },
  };
}
