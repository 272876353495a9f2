/**
 * Durations as workflows write them: a whole number and a unit, `250ms`, `20s`, `5m`, `1h`.
 *
 * @module
 */

/** The pattern every duration matches: digits then `ms`, `s`, `m` or `h`. */
export const DURATION_PATTERN: RegExp = /^(\d+)(ms|s|m|h)$/;

const _UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration.
 *
 * @param text A duration such as `"250ms"`, `"20s"`, `"5m"` or `"1h"`.
 * @returns The duration in milliseconds, or `undefined` when `text` is not a duration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./duration.ts";
 *
 * assert.equal(parseDuration("250ms"), 250);
 * assert.equal(parseDuration("5m"), 300_000);
 * assert.equal(parseDuration("20 seconds"), undefined);
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) * (_UNIT_MS[match[2] ?? ""] ?? NaN);
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
