/**
 * Heartbeat sending and dead-peer detection, behind a three-method port so it is tested without
 * a socket. One timer, re-armed for the next deadline; per frame the owner only records the time.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../runtime/clock.ts";

/** What the monitor asks its owner to do. */
export interface HeartbeatPort {
  /** Send a heartbeat now; the owner then calls {@linkcode HeartbeatMonitor.noteSent}. */
  sendHeartbeat(): void;
  /**
   * Nothing was received for `silentMs`: a heartbeat is overdue. Reported first after one and a
   * half intervals (the peer's own heartbeat is due after one; the half is grace for it to arrive),
   * then once per further silent interval.
   */
  stale(silentMs: number): void;
  /** Nothing was received for `missed × interval`: drop the connection. The monitor stops. */
  deadPeer(silentMs: number): void;
}

/** Timing of a {@linkcode HeartbeatMonitor}. */
export interface HeartbeatOptions {
  /** The clock for timers and time. */
  clock: Clock;
  /**
   * Heartbeat interval in milliseconds.
   *
   * @default {20000}
   */
  intervalMs?: number;
  /**
   * Intervals without any received frame before the peer counts as dead.
   *
   * @default {3}
   */
  missed?: number;
}

/**
 * Sends a heartbeat whenever nothing was sent for one interval, reports `stale` when a heartbeat
 * from the peer is overdue (after 1.5 silent intervals, then every further interval) and
 * `deadPeer` after `missed` silent intervals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeartbeatMonitor } from "./heartbeat_monitor.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 *
 * const clock = new FakeClock(0);
 * const calls: string[] = [];
 * const monitor = new HeartbeatMonitor({
 *   sendHeartbeat: () => { calls.push(`beat@${clock.now()}`); monitor.noteSent(); },
 *   stale: (ms) => calls.push(`stale ${ms}`),
 *   deadPeer: (ms) => calls.push(`dead ${ms}`),
 * }, { clock, intervalMs: 1000, missed: 3 });
 * monitor.start();
 * await clock.advance(3000);
 * assert.deepEqual(calls, ["beat@1000", "stale 1500", "beat@2000", "stale 2500", "dead 3000"]);
 * assert.equal(clock.pending, 0);
 * ```
 */
export class HeartbeatMonitor {
  readonly #port: HeartbeatPort;
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #deadAfter: number;
  readonly #staleAfter: number;
  #lastSent = 0;
  #lastReceived = 0;
  #staleReported = 0;
  #timer: TimerHandle | undefined;
  #running = false;

  /**
   * Creates a stopped heartbeat monitor.
   *
   * @param port The owner's callbacks.
   * @param options Clock and timing.
   * @throws {RangeError} When `intervalMs` is not > 0 or `missed` is not an integer >= 1.
   */
  constructor(port: HeartbeatPort, options: HeartbeatOptions) {
    const interval = options.intervalMs ?? 20_000;
    const missed = options.missed ?? 3;
    if (!(interval > 0) || !Number.isFinite(interval)) {
      throw new RangeError(
        `Cannot start heartbeats as 'heartbeatMs' must be > 0: current value is ${interval}`,
      );
    }
    if (!Number.isInteger(missed) || missed < 1) {
      throw new RangeError(
        `Cannot start heartbeats as 'missedHeartbeats' must be an integer >= 1: current value is ${missed}`,
      );
    }
    this.#port = port;
    this.#clock = options.clock;
    this.#interval = interval;
    this.#deadAfter = interval * missed;
    this.#staleAfter = interval * 1.5;
  }

  /**
   * Tells whether the monitor is running.
   *
   * @returns Whether the monitor is running.
   */
  get running(): boolean {
    return this.#running;
  }

  /** Starts (or restarts) monitoring; counts now as both last sent and last received. */
  start(): void {
    this.stop();
    this.#running = true;
    const now = this.#clock.now();
    this.#lastSent = now;
    this.#lastReceived = now;
    this.#staleReported = 0;
    this.#arm(now);
  }

  /** Stops monitoring and cancels the timer. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Records that a frame was sent (cheap: one clock read). */
  noteSent(): void {
    this.#lastSent = this.#clock.now();
  }

  /** Records that a frame was received (cheap: one clock read). */
  noteReceived(): void {
    this.#lastReceived = this.#clock.now();
    this.#staleReported = 0;
  }

  #arm(now: number): void {
    const nextSend = this.#lastSent + this.#interval;
    const nextStale = this.#lastReceived + this.#staleAfter + this.#interval * this.#staleReported;
    const dead = this.#lastReceived + this.#deadAfter;
    const at = Math.min(nextSend, nextStale, dead);
    this.#timer = this.#clock.setTimeout(this.#tick, Math.max(0, at - now));
  }

  #tick = (): void => {
    this.#timer = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    const silent = now - this.#lastReceived;
    if (silent >= this.#deadAfter) {
      this.#running = false;
      this.#port.deadPeer(silent);
      return;
    }
    if (now - this.#lastSent >= this.#interval) {
      this.#port.sendHeartbeat();
      if (now - this.#lastSent >= this.#interval) this.#lastSent = now; // owner did not note it
      if (!this.#running) return;
    }
    const intervals = silent < this.#staleAfter
      ? 0
      : 1 + Math.floor((silent - this.#staleAfter) / this.#interval);
    if (intervals > this.#staleReported) {
      this.#staleReported = intervals;
      this.#port.stale(silent);
      if (!this.#running) return;
    }
    if (this.#timer === undefined) this.#arm(now);
  };
}
