/**
 * Heartbeat sending and dead-peer detection, behind a three-method port so it is tested without
 * a socket. One timer, re-armed for the next deadline; per received frame the owner only sets a
 * flag (no clock read), which the timer checks at least every quarter interval.
 *
 * @module
 */

import type { Clock, TimerHandle } from "../runtime/clock.ts";

/** What the monitor asks its owner to do. */
export interface HeartbeatPort {
  /** Send a heartbeat now; the owner then calls {@linkcode HeartbeatMonitor.noteSent}. */
  sendHeartbeat(): void;
  /**
   * Nothing was received for at least `silentMs`: a heartbeat is overdue. Reported first after one
   * and a half intervals (the peer's own heartbeat is due after one; the half is grace for it to
   * arrive), then once per further silent interval; each at most a quarter interval late (the
   * receive check runs every quarter interval).
   */
  stale(silentMs: number): void;
  /**
   * Nothing was received for at least `missed × interval`: drop the connection. Reported at most a
   * quarter interval after that (the receive check runs every quarter interval), never before. The
   * monitor stops.
   */
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
 * Receiving costs no clock read: {@linkcode HeartbeatMonitor.noteReceived} sets a flag, and the
 * timer, which fires at least every quarter interval, takes its own time as the last receive when
 * the flag is set. Silence is therefore never overestimated (no early `stale` or `deadPeer`) and
 * underestimated by less than a quarter interval (each report comes at most that much late).
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
  readonly #check: number;
  #lastSent = 0;
  /** When the timer last found {@linkcode #heard} set (or the start). */
  #lastReceived = 0;
  /** Set per received frame, cleared by the timer. */
  #heard = false;
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
    this.#check = interval / 4;
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
    this.#heard = false;
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

  /** Records that a frame was received (per frame: sets a flag, reads no clock). */
  noteReceived(): void {
    this.#heard = true;
  }

  #arm(now: number): void {
    const nextSend = this.#lastSent + this.#interval;
    const nextStale = this.#lastReceived + this.#staleAfter + this.#interval * this.#staleReported;
    const dead = this.#lastReceived + this.#deadAfter;
    const at = Math.min(nextSend, nextStale, dead, now + this.#check);
    this.#timer = this.#clock.setTimeout(this.#tick, Math.max(0, at - now));
  }

  #tick = (): void => {
    this.#timer = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    if (this.#heard) {
      this.#heard = false;
      this.#lastReceived = now;
      this.#staleReported = 0;
    }
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
