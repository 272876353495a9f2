/**
 * The T4 weekly maintenance window: every connection is dropped from Friday midnight to Sunday
 * morning (US Central time). A disconnect inside the window is reported as maintenance, and
 * reconnect attempts wait until the window ends.
 *
 * @module
 */

/** A weekly time of day in the window's time zone. */
export interface WeeklyTime {
  /** Day of the week: 0 = Sunday ... 6 = Saturday. */
  day: number;
  /** Wall-clock time `"HH:MM"` (24 hours). */
  time: string;
}

/** A window that repeats every week, in an IANA time zone (DST-correct). */
export interface MaintenanceWindow {
  /** IANA time zone name, e.g. `"America/Chicago"`. */
  timeZone: string;
  /** When the window starts (inclusive). */
  start: WeeklyTime;
  /** When the window ends (exclusive); may be earlier in the week than `start` (wraps). */
  end: WeeklyTime;
}

/**
 * The default window: Saturday 00:00 to Sunday 12:00, America/Chicago (the API page says
 * "midnight on Friday" to "Sunday morning"; this reads midnight on Friday as the midnight that
 * ends Friday, and ends at noon to cover the whole morning).
 */
export const DEFAULT_MAINTENANCE_WINDOW: MaintenanceWindow = Object.freeze({
  timeZone: "America/Chicago",
  start: Object.freeze({ day: 6, time: "00:00" }),
  end: Object.freeze({ day: 0, time: "12:00" }),
});

const _WEEK_MINUTES = 7 * 24 * 60;
const _formatters = new Map<string, Intl.DateTimeFormat>();

function _formatter(timeZone: string): Intl.DateTimeFormat {
  let f = _formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    _formatters.set(timeZone, f);
  }
  return f;
}

const _WEEKDAYS: Record<string, number> = {
  Sun: 0,
  Mon: 1,
  Tue: 2,
  Wed: 3,
  Thu: 4,
  Fri: 5,
  Sat: 6,
};

interface _Local {
  weekday: number;
  /** Local wall-clock time as if it were UTC, in ms. */
  wallMs: number;
}

function _local(timeZone: string, ms: number): _Local {
  const parts = _formatter(timeZone).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "0";
  const wallMs = Date.UTC(
    Number(get("year")),
    Number(get("month")) - 1,
    Number(get("day")),
    Number(get("hour")),
    Number(get("minute")),
    Number(get("second")),
  ) + (ms - Math.floor(ms / 1000) * 1000);
  return { weekday: _WEEKDAYS[get("weekday")] ?? 0, wallMs };
}

function _minuteOfWeek(t: WeeklyTime, which: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(t.time);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (
    match === null || hours > 23 || minutes > 59 || !Number.isInteger(t.day) || t.day < 0 ||
    t.day > 6
  ) {
    throw new RangeError(
      `Cannot use the maintenance window as '${which}' must be a day 0-6 and a time "HH:MM": current value is ${
        JSON.stringify(t)
      }`,
    );
  }
  return t.day * 1440 + hours * 60 + minutes;
}

/** Converts a local wall-clock time (as UTC ms) in `timeZone` to a real instant. */
function _instant(timeZone: string, wallMs: number): number {
  // Two fixed-point passes handle the zone offset; a wall time skipped by DST maps to the
  // instant just after the gap, a repeated one to its first occurrence.
  let guess = wallMs;
  for (let i = 0; i < 3; i++) {
    const offset = _local(timeZone, guess).wallMs - guess;
    const next = wallMs - offset;
    if (next === guess) break;
    guess = next;
  }
  const earlier = guess - 3_600_000;
  if (_local(timeZone, earlier).wallMs === wallMs) return earlier;
  return guess;
}

/**
 * Tells when the maintenance window ends, if `nowMs` is inside it.
 *
 * @param window The weekly window.
 * @param nowMs The time to test, in ms since the epoch.
 * @returns The end of the window in ms since the epoch when `nowMs` is inside it, else `undefined`.
 * @throws {RangeError} When the window's day or time is invalid, or the time zone is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MAINTENANCE_WINDOW, maintenanceEnd } from "./maintenance_window.ts";
 *
 * // Saturday 2026-11-28 10:00 in Chicago (UTC-6) is inside; it ends Sunday 12:00 Chicago time.
 * const end = maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, Date.parse("2026-11-28T16:00:00Z"));
 * assert.equal(end, Date.parse("2026-11-29T18:00:00Z"));
 * // Wednesday is outside.
 * assert.equal(maintenanceEnd(DEFAULT_MAINTENANCE_WINDOW, Date.parse("2026-11-25T16:00:00Z")), undefined);
 * ```
 */
export function maintenanceEnd(window: MaintenanceWindow, nowMs: number): number | undefined {
  const start = _minuteOfWeek(window.start, "start");
  const end = _minuteOfWeek(window.end, "end");
  if (start === end) return undefined;
  const local = _local(window.timeZone, nowMs);
  const dayStartWall = Math.floor(local.wallMs / 86_400_000) * 86_400_000;
  const nowMinute = local.weekday * 1440 + (local.wallMs - dayStartWall) / 60_000;
  const inside = start < end
    ? nowMinute >= start && nowMinute < end
    : nowMinute >= start || nowMinute < end;
  if (!inside) return undefined;
  let delta = end - nowMinute;
  if (delta <= 0) delta += _WEEK_MINUTES;
  const endWall = local.wallMs + delta * 60_000;
  return _instant(window.timeZone, endWall);
}
