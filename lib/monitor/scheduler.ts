/**
 * The long-running monitor loop behind `t4flow run FILE --every 5m` / `--cron EXPR`: runs a check
 * on a {@linkcode Schedule}, never two at once, skips the weekly maintenance window (reported as
 * skipped, not failed) and stops when its signal aborts. All waiting goes through a `Clock`.
 *
 * @module
 */

import { type Clock, sleep, systemClock } from "../runtime/clock.ts";
import {
  DEFAULT_MAINTENANCE_WINDOW,
  maintenanceEnd,
  type MaintenanceWindow,
} from "../client/maintenance_window.ts";
import { nextRunAt, type Schedule } from "./schedule.ts";

/** What a check run gets from the scheduler. */
export interface ScheduledRunContext {
  /** The slot this run belongs to, ms since the epoch. */
  scheduledAt: number;
  /** Aborts when the scheduler stops: the check should close its session and return. */
  signal: AbortSignal;
}

/** One thing the scheduler did, reported to {@linkcode RunScheduledOptions.onEvent}. */
export type ScheduledEvent<T> =
  /** The check ran and returned `result`. */
  | {
    type: "run";
    scheduledAt: number;
    startedAt: number;
    endedAt: number;
    result: T;
    /** Slots that passed while this run was still going (skipped, never run late or twice). */
    missedSlots: number;
  }
  /** The check threw (or rejected) with `error`: counts as a failed run. */
  | {
    type: "error";
    scheduledAt: number;
    startedAt: number;
    endedAt: number;
    error: unknown;
    missedSlots: number;
  }
  /**
   * The slot fell inside the maintenance window: the check did not run, and the next run is the
   * first slot at or after `until`. Reported once per window.
   */
  | {
    type: "skipped";
    scheduledAt: number;
    reason: "maintenance";
    until: number;
    resumeAt?: number;
  };

/** Options of {@linkcode runScheduled}. */
export interface RunScheduledOptions<T> {
  /** When to run. */
  schedule: Schedule;
  /**
   * The clock to read and wait on.
   *
   * @default systemClock
   */
  clock?: Clock;
  /** Stops the loop: a wait ends at once, a running check gets the abort through its context. */
  signal?: AbortSignal;
  /**
   * Slots inside this weekly window are skipped; `null` runs checks inside it too.
   *
   * @default DEFAULT_MAINTENANCE_WINDOW
   */
  maintenance?: MaintenanceWindow | null;
  /**
   * Called after each run or skip, and awaited before the next wait (record alert state here:
   * it never overlaps a run). An exception from it stops the loop and rejects.
   */
  onEvent?: (event: ScheduledEvent<T>) => void | Promise<void>;
  /**
   * Stop after this many runs (skips do not count).
   *
   * @default Infinity
   */
  maxRuns?: number;
  /**
   * Aborts a running check (its context's `signal`) without stopping the loop's waits; give it
   * to let a check that is running when `signal` aborts finish (a graceful stop).
   *
   * @default signal
   */
  runSignal?: AbortSignal;
  /**
   * Called with the time of the next run each time it is decided (at the start, after each run
   * or skip), and with `undefined` when there is none (a cron expression that never matches
   * again, or the loop stopped).
   */
  onNextRun?: (at: number | undefined) => void;
}

/** What {@linkcode runScheduled} did in total. */
export interface ScheduledSummary {
  /** Runs that returned. */
  runs: number;
  /** Runs that threw. */
  errors: number;
  /** Maintenance windows skipped. */
  skipped: number;
  /** `true` when the loop ended because the signal aborted. */
  aborted: boolean;
}

/**
 * Runs `check` on a schedule until the signal aborts (or `maxRuns` is reached). Runs never
 * overlap: a run that outlasts its interval makes the loop skip the slots it covered (counted in
 * `missedSlots`) rather than start runs late in a burst. An `every` schedule runs at once and then
 * every interval; a `cron` schedule waits for the next matching time.
 *
 * @param check The check (sync or async): receives the slot time and an abort signal.
 * @param options The schedule, clock, signal, maintenance window and event callback.
 * @returns Totals, when the loop stops.
 * @throws {unknown} What `onEvent` throws.
 *
 * @example Three runs, five minutes apart, on a fake clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEvery } from "./schedule.ts";
 * import { runScheduled } from "./scheduler.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 *
 * // A Wednesday (outside the maintenance window).
 * const clock = new FakeClock(Date.parse("2026-11-25T12:00:00Z"));
 * const times: string[] = [];
 * const done = runScheduled(() => {
 *   times.push(new Date(clock.now()).toISOString().slice(11, 16));
 * }, { schedule: parseEvery("5m"), clock, maxRuns: 3 });
 * await clock.advance(15 * 60_000);
 * assert.equal((await done).runs, 3);
 * assert.deepEqual(times, ["12:00", "12:05", "12:10"]);
 * ```
 */
export async function runScheduled<T>(
  check: (context: ScheduledRunContext) => T | Promise<T>,
  options: RunScheduledOptions<T>,
): Promise<ScheduledSummary> {
  const { schedule, signal, onEvent } = options;
  const clock = options.clock ?? systemClock;
  const window = options.maintenance === undefined
    ? DEFAULT_MAINTENANCE_WINDOW
    : options.maintenance;
  const maxRuns = options.maxRuns ?? Infinity;
  const summary: ScheduledSummary = { runs: 0, errors: 0, skipped: 0, aborted: false };
  const runSignal = options.runSignal ?? signal ?? new AbortController().signal;

  let slot: number | undefined = schedule.kind === "every"
    ? clock.now()
    : nextRunAt(schedule, clock.now());
  let skippedWindowEnd: number | undefined;

  while (slot !== undefined && summary.runs + summary.errors < maxRuns) {
    options.onNextRun?.(slot);
    const wait = slot - clock.now();
    try {
      if (wait > 0) await sleep(clock, wait, signal);
    } catch {
      break;
    }
    if (signal?.aborted) break;

    const until = window === null ? undefined : maintenanceEnd(window, clock.now());
    if (until !== undefined) {
      const resumeAt = _firstSlotAtOrAfter(schedule, slot, until);
      if (skippedWindowEnd !== until) {
        skippedWindowEnd = until;
        summary.skipped++;
        await onEvent?.(
          resumeAt === undefined
            ? { type: "skipped", scheduledAt: slot, reason: "maintenance", until }
            : { type: "skipped", scheduledAt: slot, reason: "maintenance", until, resumeAt },
        );
      }
      slot = resumeAt;
      continue;
    }

    const scheduledAt = slot;
    const startedAt = clock.now();
    let event: ScheduledEvent<T>;
    try {
      const result = await check({ scheduledAt, signal: runSignal });
      summary.runs++;
      event = { type: "run", scheduledAt, startedAt, endedAt: clock.now(), result, missedSlots: 0 };
    } catch (error) {
      summary.errors++;
      event = {
        type: "error",
        scheduledAt,
        startedAt,
        endedAt: clock.now(),
        error,
        missedSlots: 0,
      };
    }
    const next = _nextSlot(schedule, scheduledAt, clock.now());
    event.missedSlots = next.missed;
    slot = next.at;
    await onEvent?.(event);
  }
  options.onNextRun?.(undefined);
  summary.aborted = signal?.aborted ?? false;
  return summary;
}

/**
 * The next slot after a run that was due at `scheduledAt` and ended at `nowMs`: for `every`, the
 * first slot of the fixed-rate grid at or after `nowMs`; for `cron`, the first match after `nowMs`.
 */
function _nextSlot(
  schedule: Schedule,
  scheduledAt: number,
  nowMs: number,
): { at: number | undefined; missed: number } {
  if (schedule.kind === "every") {
    const steps = Math.max(1, Math.ceil((nowMs - scheduledAt) / schedule.everyMs));
    return { at: scheduledAt + steps * schedule.everyMs, missed: steps - 1 };
  }
  const normal = nextRunAt(schedule, scheduledAt);
  const at = nextRunAt(schedule, Math.max(nowMs, scheduledAt));
  let missed = 0;
  for (let t = normal; t !== undefined && at !== undefined && t < at && missed < 1000;) {
    missed++;
    t = nextRunAt(schedule, t);
  }
  return { at, missed };
}

/** The first slot at or after `atMs` (the end of a maintenance window). */
function _firstSlotAtOrAfter(schedule: Schedule, slot: number, atMs: number): number | undefined {
  if (schedule.kind === "every") {
    return slot + Math.max(1, Math.ceil((atMs - slot) / schedule.everyMs)) * schedule.everyMs;
  }
  return nextRunAt(schedule, atMs - 1);
}

/**
 * Tells whether a scheduled check starting at `nowMs` must be skipped for maintenance (the hook
 * for one-shot cron runs with `--state`): returns when the window ends, or `undefined` to run.
 *
 * @param window The weekly window, or `null` when checks also run inside it.
 * @param nowMs The time, ms since the epoch.
 * @returns The end of the window when `nowMs` is inside it, else `undefined`.
 * @throws {RangeError} When the window is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MAINTENANCE_WINDOW } from "../client/maintenance_window.ts";
 * import { maintenanceSkipUntil } from "./scheduler.ts";
 *
 * const saturday = Date.parse("2026-11-28T16:00:00Z");
 * assert.equal(maintenanceSkipUntil(DEFAULT_MAINTENANCE_WINDOW, saturday), Date.parse("2026-11-29T18:00:00Z"));
 * assert.equal(maintenanceSkipUntil(null, saturday), undefined);
 * ```
 */
export function maintenanceSkipUntil(
  window: MaintenanceWindow | null,
  nowMs: number,
): number | undefined {
  return window === null ? undefined : maintenanceEnd(window, nowMs);
}
