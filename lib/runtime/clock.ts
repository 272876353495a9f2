/**
 * Time as the library sees it: every timer (heartbeat, dead-peer detection, backoff, timeouts,
 * maintenance) goes through a {@linkcode Clock}, so tests can drive time with a
 * {@linkcode FakeClock} instead of waiting.
 *
 * @module
 */

/** An opaque timer handle returned by {@linkcode Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The time source and timer port used by the client, the simulator and the workflow runner. */
export interface Clock {
  /**
   * Current time in milliseconds since the Unix epoch.
   *
   * @returns The time in milliseconds.
   */
  now(): number;
  /**
   * Runs `callback` once after `ms` milliseconds.
   *
   * @param callback The function to run.
   * @param ms The delay in milliseconds.
   * @returns A handle for {@linkcode Clock.clearTimeout}.
   */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /**
   * Cancels a timer; unknown or already fired handles are ignored.
   *
   * @param handle The handle returned by {@linkcode Clock.setTimeout}.
   */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The longest delay one platform timer can wait: `setTimeout` stores the delay as a signed 32-bit
 * integer and fires at once (with a `TimeoutOverflowWarning` on Node) for anything longer.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

class _ChunkedTimer {
  inner: TimerHandle;
  cancelled = false;
  constructor(inner: TimerHandle) {
    this.inner = inner;
  }
}

/**
 * Wraps a clock so timers of any length work: a delay longer than `maxChunkMs` is waited in
 * chunks of at most `maxChunkMs`, and the clock is read again after each chunk, so the callback
 * never runs before `now() + ms` even when the underlying timers wake early or cannot hold the
 * whole delay.
 *
 * @param base The clock whose `now` and timers are used.
 * @param maxChunkMs The longest single wait handed to `base` ({@linkcode MAX_TIMER_DELAY_MS} by
 * default).
 * @returns A clock with the same time and timers of any length.
 *
 * @example A 30-day timer on a clock whose timers cannot wait longer than one day
 * ```ts
 * import assert from "node:assert/strict";
 * import { chunkedClock, FakeClock } from "./clock.ts";
 *
 * const fake = new FakeClock(0);
 * const clock = chunkedClock(fake, 86_400_000);
 * let firedAt: number | undefined;
 * clock.setTimeout(() => (firedAt = fake.now()), 30 * 86_400_000);
 * await fake.advance(29 * 86_400_000);
 * assert.equal(firedAt, undefined);
 * await fake.advance(86_400_000);
 * assert.equal(firedAt, 30 * 86_400_000);
 * ```
 */
export function chunkedClock(base: Clock, maxChunkMs: number = MAX_TIMER_DELAY_MS): Clock {
  return {
    now: () => base.now(),
    setTimeout(callback, ms) {
      const delay = Number.isFinite(ms) ? Math.max(0, ms) : MAX_TIMER_DELAY_MS;
      if (delay <= maxChunkMs) return base.setTimeout(callback, delay);
      const due = base.now() + delay;
      const timer = new _ChunkedTimer(undefined);
      const wait = () => {
        if (timer.cancelled) return;
        const left = due - base.now();
        if (left <= 0) return callback();
        timer.inner = base.setTimeout(wait, Math.min(left, maxChunkMs));
      };
      timer.inner = base.setTimeout(wait, maxChunkMs);
      return timer;
    },
    clearTimeout(handle) {
      if (handle instanceof _ChunkedTimer) {
        handle.cancelled = true;
        base.clearTimeout(handle.inner);
      } else base.clearTimeout(handle);
    },
  };
}

/**
 * The real clock: `Date.now()` and the global timers, with delays of any length (longer ones are
 * waited in chunks below 2^31 ms, see {@linkcode chunkedClock}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "./clock.ts";
 *
 * assert.ok(Math.abs(systemClock.now() - Date.now()) < 1000);
 * const timer = systemClock.setTimeout(() => assert.fail("cancelled"), 40 * 86_400_000);
 * systemClock.clearTimeout(timer);
 * ```
 */
export const systemClock: Clock = chunkedClock({
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
});

/**
 * Waits `ms` milliseconds on `clock`, or rejects with the signal's reason when it aborts. Never
 * resolves early: delays of any length are waited in chunks below 2^31 ms and the clock is read
 * again after each one.
 *
 * @param clock The clock to wait on.
 * @param ms The delay in milliseconds.
 * @param signal Aborts the wait.
 * @returns A promise that resolves after the delay.
 * @throws {unknown} The signal's reason when the signal aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock, sleep } from "./clock.ts";
 *
 * const clock = new FakeClock(0);
 * let done = false;
 * const waiting = sleep(clock, 1000).then(() => (done = true));
 * await clock.advance(999);
 * assert.equal(done, false);
 * await clock.advance(1);
 * await waiting;
 * assert.equal(done, true);
 * ```
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const due = clock.now() + Math.max(0, ms);
    let handle: TimerHandle;
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    // Waits in chunks a platform timer can hold and reads the clock after each wake-up, so the
    // promise never resolves before `due` (a timer that woke early just waits again).
    const wait = (left: number) => {
      handle = clock.setTimeout(() => {
        const rest = due - clock.now();
        if (rest > 0) return wait(rest);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.min(left, MAX_TIMER_DELAY_MS));
    };
    wait(due - clock.now());
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Options for {@linkcode FakeClock}. */
export interface FakeClockOptions {
  /**
   * Waits until pending promise callbacks and I/O have run; called before and after every fired
   * timer. A real `setTimeout(0)` by default, which is safe everywhere; pass a `setImmediate`-based
   * wait for loops of many thousands of cycles (a `setTimeout(0)` costs about 2 ms on Deno).
   *
   * @default {() => new Promise((resolve) => setTimeout(resolve, 0))}
   */
  settle?: () => Promise<void>;
}

interface _FakeTimer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A manual clock for tests: time moves only when {@linkcode FakeClock.advance} is called, and
 * due timers fire in order, with pending promise callbacks settled between them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "./clock.ts";
 *
 * const clock = new FakeClock(1_000);
 * const fired: number[] = [];
 * clock.setTimeout(() => fired.push(clock.now()), 500);
 * await clock.advance(2_000);
 * assert.deepEqual(fired, [1_500]);
 * assert.equal(clock.now(), 3_000);
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: _FakeTimer[] = [];
  readonly #settle: () => Promise<void>;

  /**
   * Creates a fake clock.
   *
   * @param start The initial time in milliseconds since the epoch.
   * @param options How {@linkcode FakeClock.advance} lets promise callbacks and I/O settle.
   */
  constructor(start = 0, options?: FakeClockOptions) {
    this.#now = start;
    this.#settle = options?.settle ?? _settle;
  }

  /**
   * Reads the fake current time, which moves only when {@linkcode FakeClock.advance} is called.
   *
   * @returns The fake current time.
   */
  now(): number {
    return this.#now;
  }

  /**
   * Schedules `callback` at `now() + ms`.
   *
   * @param callback The function to run.
   * @param ms The delay in milliseconds (negative counts as 0).
   * @returns The timer handle.
   */
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  /**
   * Cancels a pending timer.
   *
   * @param handle The handle returned by {@linkcode FakeClock.setTimeout}.
   */
  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /**
   * Counts the timers scheduled and not yet fired or cancelled.
   *
   * @returns The number of timers not yet fired.
   */
  get pending(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in time order, and letting
   * promise callbacks and I/O settle after each one.
   *
   * @param ms How far to move, in milliseconds.
   * @returns A promise that resolves when time has moved and every due timer has fired.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.#settle();
    for (;;) {
      const next = this.#timers.reduce<_FakeTimer | undefined>(
        (min, t) => (t.at <= target && (min === undefined || t.at < min.at) ? t : min),
        undefined,
      );
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.at;
      next.callback();
      await this.#settle();
    }
    this.#now = target;
    await this.#settle();
  }
}

function _settle(): Promise<void> {
  return new Promise((resolve) => globalThis.setTimeout(resolve, 0));
}
