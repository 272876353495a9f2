/**
 * `ReconnectPlan`: when a dropped `T4Client` connection is tried again: after a backoff delay
 * (reset once a connection stayed up long enough), plus the rest of the weekly maintenance
 * window when the drop happened inside it; or never, when reconnecting is disabled or the
 * attempts are used up.
 *
 * @module
 */

import type { Backoff } from "./backoff.ts";
import { maintenanceEnd, type MaintenanceWindow } from "./maintenance_window.ts";

/** The next step after a drop. */
export type ReconnectStep =
  /** Do not reconnect: `why` says why, e.g. `"reconnecting is disabled"`. */
  | { readonly giveUp: string }
  /** Reconnect after `delayMs`; `until` is the maintenance window's end when inside it. */
  | { readonly attempt: number; readonly delayMs: number; readonly until: number | undefined };

/**
 * Plans reconnect attempts (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Backoff } from "./backoff.ts";
 * import { ReconnectPlan } from "./reconnect_plan.ts";
 *
 * const plan = new ReconnectPlan(new Backoff({ initialDelayMs: 100, maxAttempts: 1 }, () => 0.5), undefined);
 * assert.deepEqual(plan.next(false, 0), { attempt: 1, delayMs: 50, until: undefined });
 * assert.deepEqual(plan.next(false, 0), { giveUp: "1 reconnect attempts failed" });
 * assert.deepEqual(new ReconnectPlan(undefined, undefined).next(true, 0), { giveUp: "reconnecting is disabled" });
 * ```
 */
export class ReconnectPlan {
  readonly #backoff: Backoff | undefined;
  readonly #maintenance: MaintenanceWindow | undefined;
  #connectedAt = 0;
  #attempt = 0;

  /**
   * Creates a plan.
   *
   * @param backoff The backoff, or `undefined` when reconnecting is disabled.
   * @param maintenance The weekly maintenance window, or `undefined`.
   */
  constructor(backoff: Backoff | undefined, maintenance: MaintenanceWindow | undefined) {
    this.#backoff = backoff;
    this.#maintenance = maintenance;
  }

  /** The attempt in progress: 0 for the first connection, then counting from 1. */
  get attempt(): number {
    return this.#attempt;
  }

  /** A first connection starts (`connect()`). */
  restart(): void {
    this.#attempt = 0;
  }

  /**
   * A login succeeded at `now`.
   *
   * @param now The clock time.
   */
  connected(now: number): void {
    this.#connectedAt = now;
  }

  /**
   * The end of the maintenance window when `now` is inside it.
   *
   * @param now The clock time.
   * @returns The window's end, or `undefined`.
   */
  maintenanceUntil(now: number): number | undefined {
    return this.#maintenance ? maintenanceEnd(this.#maintenance, now) : undefined;
  }

  /**
   * The step after a drop at `now`.
   *
   * @param wasOpen Whether the dropped connection was logged in.
   * @param now The clock time.
   * @returns Give up, or reconnect after a delay.
   */
  next(wasOpen: boolean, now: number): ReconnectStep {
    const backoff = this.#backoff;
    if (backoff === undefined) return { giveUp: "reconnecting is disabled" };
    if (wasOpen && now - this.#connectedAt >= backoff.policy.resetAfterMs) backoff.reset();
    const delay = backoff.next();
    if (delay === undefined) {
      return { giveUp: `${backoff.policy.maxAttempts} reconnect attempts failed` };
    }
    this.#attempt = backoff.attempt;
    const until = this.maintenanceUntil(now);
    const delayMs = delay + (until === undefined ? 0 : Math.max(0, until - now));
    return { attempt: this.#attempt, delayMs, until };
  }
}
