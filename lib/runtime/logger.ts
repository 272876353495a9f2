/**
 * The library's LogTape loggers, all under the category `["t4flow", ...]`. The library configures
 * no sinks: applications do, with `configure()` from `@logtape/logtape`.
 *
 * @module
 */

import { getLogger, type Logger } from "@logtape/logtape";

/**
 * Returns the logger for a part of t4flow.
 *
 * @param names The sub-category, e.g. `"client"` for `["t4flow", "client"]`.
 * @returns The LogTape logger.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { t4flowLogger } from "./logger.ts";
 *
 * assert.deepEqual(t4flowLogger("client").category, ["t4flow", "client"]);
 * ```
 */
export function t4flowLogger(...names: string[]): Logger {
  return getLogger(["t4flow", ...names]);
}
