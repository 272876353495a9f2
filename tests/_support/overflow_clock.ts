/**
 * A test clock whose timers behave like the platform's `setTimeout` past 2^31-1 ms: a longer delay
 * fires after 1 ms (Node's overflow rule), so code that hands a long delay to one timer runs early.
 */
import { type Clock, FakeClock, type TimerHandle } from "../../lib/runtime/clock.ts";

/** The longest delay a platform timer holds (a signed 32-bit count of milliseconds). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A {@linkcode FakeClock} whose timers overflow like the real ones. */
export class OverflowingClock implements Clock {
  /** The fake time underneath: advance it to move time. */
  readonly fake: FakeClock;
  /** Timers that were asked for more than 2^31-1 ms (and fired after 1 ms). */
  overflows = 0;

  constructor(start = 0) {
    this.fake = new FakeClock(start);
  }

  now(): number {
    return this.fake.now();
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    if (ms > MAX_TIMER_DELAY_MS) this.overflows++;
    return this.fake.setTimeout(callback, ms > MAX_TIMER_DELAY_MS ? 1 : ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.fake.clearTimeout(handle);
  }
}
