/**
 * `max_downtime` of a `hold`: how long the session may be down during it, as a share of the hold
 * or a duration.
 *
 * @module
 */

import { parseDuration } from "./duration.ts";

/** The `max_downtime` of a hold that does not give one: a tenth of the hold. */
export const DEFAULT_MAX_DOWNTIME = "10%";

/** What `max_downtime` accepts: a share of the hold (`10%`, `2.5%`) or a duration. */
export const MAX_DOWNTIME_PATTERN: RegExp = /^(\d+(?:\.\d+)?)%$/;

/**
 * The downtime a hold of `totalMs` allows.
 *
 * @param spec `max_downtime` as written: `10%` or a duration such as `5s`.
 * @param totalMs The hold's length.
 * @returns The allowed downtime in milliseconds, or `undefined` when `spec` is neither.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maxDowntimeMs } from "./max_downtime.ts";
 *
 * assert.equal(maxDowntimeMs("10%", 12_000), 1_200);
 * assert.equal(maxDowntimeMs("3s", 12_000), 3_000);
 * assert.equal(maxDowntimeMs("soon", 12_000), undefined);
 * ```
 */
export function maxDowntimeMs(spec: string, totalMs: number): number | undefined {
  const share = MAX_DOWNTIME_PATTERN.exec(spec);
  if (share) {
    const percent = Number(share[1]);
    return percent > 100 ? undefined : (totalMs * percent) / 100;
  }
  return parseDuration(spec);
}
