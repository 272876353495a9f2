/**
 * When the run's session was down: from a `disconnected` of a logged-in session to the next
 * `reconnected`. Failed reconnect attempts in between are part of the same outage.
 *
 * @module
 */

/**
 * Tracks outages of one session on the run's clock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionDowntime } from "./session_downtime.ts";
 *
 * const downtime = new SessionDowntime();
 * assert.equal(downtime.markDown(1_000), true); // the session is lost
 * assert.equal(downtime.markDown(1_500), false); // a failed reconnect attempt: same outage
 * downtime.markUp(3_000);
 * assert.equal(downtime.downMs(0, 10_000), 2_000);
 * assert.equal(downtime.outages, 1);
 * ```
 */
export class SessionDowntime {
  readonly #intervals: [start: number, end: number][] = [];
  #downSince: number | undefined;

  /** Whether the session is down now. */
  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /** How many times the session was lost. */
  get outages(): number {
    return this.#intervals.length + (this.#downSince === undefined ? 0 : 1);
  }

  /**
   * Records a disconnect.
   *
   * @param now The time, in milliseconds.
   * @returns `true` when this starts an outage, `false` when the session was already down.
   */
  markDown(now: number): boolean {
    if (this.#downSince !== undefined) return false;
    this.#downSince = now;
    return true;
  }

  /**
   * Records that the session is back (a successful re-login).
   *
   * @param now The time, in milliseconds.
   */
  markUp(now: number): void {
    if (this.#downSince === undefined) return;
    this.#intervals.push([this.#downSince, Math.max(now, this.#downSince)]);
    this.#downSince = undefined;
  }

  /**
   * Milliseconds the session was down between two times (an ongoing outage counts up to `to`).
   *
   * @param from Start of the window.
   * @param to End of the window.
   * @returns The downtime inside the window.
   */
  downMs(from: number, to: number): number {
    let total = 0;
    const all = this.#downSince === undefined
      ? this.#intervals
      : [...this.#intervals, [this.#downSince, to] as [number, number]];
    for (const [start, end] of all) {
      const overlap = Math.min(end, to) - Math.max(start, from);
      if (overlap > 0) total += overlap;
    }
    return total;
  }
}
