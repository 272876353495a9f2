/**
 * Durations as workflows write them: whole numbers with units, largest first, each unit at most
 * once: `250ms`, `20s`, `5m`, `1h`, `1m30s`, `2h15m`, `1s500ms`.
 *
 * @module
 */

/** The pattern every duration matches: `h`, `m`, `s`, `ms` parts in that order (at least one). */
export const DURATION_PATTERN: RegExp =
  /^(?=\d)(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

const _PART_MS = [3_600_000, 60_000, 1_000, 1] as const;

/**
 * Parses a duration.
 *
 * @param text A duration such as `"250ms"`, `"20s"`, `"5m"`, `"1h"` or `"1m30s"`.
 * @returns The duration in milliseconds, or `undefined` when `text` is not a duration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./duration.ts";
 *
 * assert.equal(parseDuration("250ms"), 250);
 * assert.equal(parseDuration("5m"), 300_000);
 * assert.equal(parseDuration("1m30s"), 90_000);
 * assert.equal(parseDuration("20 seconds"), undefined);
 * assert.equal(parseDuration("30s1m"), undefined);
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (const [i, unit] of _PART_MS.entries()) {
    const part = match[i + 1];
    if (part !== undefined) value += Number(part) * unit;
  }
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Formats milliseconds for people: `250 ms`, `1.5 s`, `2 m 5 s`.
 *
 * @param ms The duration in milliseconds.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./duration.ts";
 *
 * assert.equal(formatDuration(250), "250 ms");
 * assert.equal(formatDuration(1_500), "1.5 s");
 * assert.equal(formatDuration(125_000), "2 m 5 s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toString()} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  if (minutes < 60) return `${minutes} m ${seconds} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} m`;
}
