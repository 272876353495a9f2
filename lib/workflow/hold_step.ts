/**
 * The `hold` step: keep the session open for a while, and pass only if the session was up for
 * enough of it (`max_downtime`, default `10%`).
 *
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { DEFAULT_MAX_DOWNTIME, maxDowntimeMs } from "./max_downtime.ts";
import type { StepContext } from "./step_context.ts";

/**
 * A hold during which the session was down for longer than `max_downtime` allows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HoldDowntimeError } from "./hold_step.ts";
 *
 * const error = new HoldDowntimeError(11_500, 12_000, "10%");
 * assert.equal(
 *   error.message,
 *   "Cannot pass the hold as the session was down for 11.5 s of 12 s (96 %), more than max_downtime 10%",
 * );
 * ```
 */
export class HoldDowntimeError extends Error {
  /** The error class name, `"HoldDowntimeError"`. */
  override readonly name = "HoldDowntimeError";
  /** Milliseconds the session was down during the hold. */
  readonly downMs: number;
  /** The hold's length in milliseconds. */
  readonly totalMs: number;

  /**
   * Creates the error for one hold.
   *
   * @param downMs Milliseconds the session was down during the hold.
   * @param totalMs The hold's length.
   * @param limit `max_downtime` as written.
   * @param options Error options.
   */
  constructor(downMs: number, totalMs: number, limit: string, options?: ErrorOptions) {
    super(
      `Cannot pass the hold as the session was down for ${formatDuration(downMs)} of ${
        formatDuration(totalMs)
      } (${_percent(downMs, totalMs)}), more than max_downtime ${limit}`,
      options,
    );
    this.downMs = downMs;
    this.totalMs = totalMs;
  }
}

/**
 * Runs a hold: waits on the run's clock with progress events, ends `during: hold` watches, then
 * checks the session's downtime during the hold against `max_downtime`.
 *
 * @param args `30s`, or `{ duration: 30s, max_downtime: 10% }`.
 * @param context The step context.
 * @returns The step's detail (how long, and the downtime when there was any).
 * @throws {HoldDowntimeError} When the session was down for longer than allowed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeClock } from "../runtime/clock.ts";
 * import { runHold } from "./hold_step.ts";
 * import { SessionDowntime } from "./session_downtime.ts";
 * import type { StepContext } from "./step_context.ts";
 *
 * const clock = new FakeClock(0);
 * const context = {
 *   clock, signal: new AbortController().signal, holdOverrideMs: undefined, progressMs: 1_000,
 *   hub: undefined, downtime: new SessionDowntime(), clientEnded: () => new Promise<never>(() => {}),
 *   progress: () => {},
 * } as unknown as StepContext;
 * const held = runHold("2s", context);
 * await clock.advance(2_000);
 * assert.equal(await held, "held 2 s, session up throughout");
 * ```
 */
export async function runHold(args: unknown, context: StepContext): Promise<string> {
  const a = typeof args === "string" ? { duration: args } : args as {
    duration: string;
    max_downtime?: string;
  };
  const total = context.holdOverrideMs ?? parseDuration(a.duration)!;
  const limitSpec = a.max_downtime ?? DEFAULT_MAX_DOWNTIME;
  const start = context.clock.now();
  const ended = context.clientEnded();
  for (;;) {
    const elapsed = context.clock.now() - start;
    if (elapsed >= total) break;
    await Promise.race([
      _sleep(context.clock, Math.min(context.progressMs, total - elapsed), context.signal),
      ended,
    ]);
    context.progress(Math.min(context.clock.now() - start, total), total);
  }
  context.hub?.end("hold");
  const end = context.clock.now();
  const down = context.downtime.downMs(start, end);
  const limit = maxDowntimeMs(limitSpec, total) ?? 0;
  if (down > limit) throw new HoldDowntimeError(down, total, limitSpec);
  const override = context.holdOverrideMs !== undefined ? " (--hold)" : "";
  return down > 0
    ? `held ${formatDuration(total)}${override}, session down ${formatDuration(down)} (${
      _percent(down, total)
    }, max_downtime ${limitSpec})`
    : `held ${formatDuration(total)}${override}, session up throughout`;
}

function _percent(part: number, total: number): string {
  if (total <= 0) return "100 %";
  const percent = (part / total) * 100;
  return `${percent >= 10 ? Math.round(percent) : Math.round(percent * 10) / 10} %`;
}

function _sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal.reason);
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
