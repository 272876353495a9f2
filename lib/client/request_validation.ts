/**
 * Argument checks shared by a `T4Client`'s requests: a bad argument throws before anything is
 * sent.
 *
 * @module
 */

import type { MarketRef } from "./subscription_registry.ts";

/**
 * Throws unless `value` is a non-empty string.
 *
 * @param operation The method, for the message (`Cannot <operation> as ...`).
 * @param field The argument's name.
 * @param value The value.
 * @throws {TypeError} When it is not a non-empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireNonEmpty } from "./request_validation.ts";
 *
 * assert.throws(() => requireNonEmpty("pullOrder", "uniqueId", ""), /^TypeError: Cannot pullOrder as 'uniqueId'/);
 * ```
 */
export function requireNonEmpty(operation: string, field: string, value: unknown): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(
      `Cannot ${operation} as '${field}' must be a non-empty string: current value is ${
        JSON.stringify(value) ?? "undefined"
      }`,
    );
  }
}

/**
 * Throws unless the market's three ids are non-empty strings.
 *
 * @param operation The method, for the message.
 * @param market The market.
 * @throws {TypeError} When an id is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireMarketIds } from "./request_validation.ts";
 *
 * assert.throws(() => requireMarketIds("subscribeMarket", { exchangeId: "X", contractId: "", marketId: "M" }), TypeError);
 * ```
 */
export function requireMarketIds(operation: string, market: MarketRef): void {
  requireNonEmpty(operation, "exchangeId", market?.exchangeId);
  requireNonEmpty(operation, "contractId", market?.contractId);
  requireNonEmpty(operation, "marketId", market?.marketId);
}

// Timers wait in chunks below 2^31 ms (the clocks re-read the time), so any whole number of
// milliseconds a Date can hold works; the bound only refuses nonsense.
const _MAX_TIMER_MS = 8.64e15;

/**
 * Checks a millisecond option.
 *
 * @param name The option's name.
 * @param value The value.
 * @param action What it is for, in the message (`Cannot <action> as ...`).
 * @default action `"create the client"`
 * @returns The value.
 * @throws {RangeError} When it is not > 0 or not finite (delays past 2^31-1 ms are fine: the
 *   clocks wait for them in chunks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTimerMs } from "./request_validation.ts";
 *
 * assert.equal(checkTimerMs("timeoutMs", 5000), 5000);
 * assert.throws(() => checkTimerMs("timeoutMs", 0, "drain"), /^RangeError: Cannot drain as/);
 * ```
 */
export function checkTimerMs(name: string, value: number, action = "create the client"): number {
  if (!(value > 0) || !Number.isFinite(value) || value > _MAX_TIMER_MS) {
    throw new RangeError(
      `Cannot ${action} as '${name}' must be > 0 and at most ${_MAX_TIMER_MS}: current value is ${value}`,
    );
  }
  return value;
}
