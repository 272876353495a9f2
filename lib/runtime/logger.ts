/**
 * The library's log records, under the LogTape category `["t4flow", ...]`. The library configures
 * no sinks: applications do, with `configure()` from `@logtape/logtape`.
 *
 * The library does not import LogTape: loading it costs more than the rest of
 * `import { T4Client }` on Bun. LogTape keeps its one root logger on `globalThis` (under
 * `Symbol.for("logtape.rootLogger")`, shared by every copy of the package), created by the
 * application's `getLogger()` or `configure()`. Each record goes to that root logger's
 * `["t4flow", ...]` child; while there is none, nobody could have configured a sink and the record
 * is dropped, as LogTape itself would drop it.
 *
 * @module
 */

/** Properties of a record, interpolated into `{name}` placeholders of its message. */
export type LogProperties = Record<string, unknown>;

/** A logger for one part of t4flow, with the LogTape methods the library uses. */
export interface T4flowLogger {
  /** The LogTape category, e.g. `["t4flow", "client"]`. */
  readonly category: readonly string[];
  /** Logs a debug record. */
  debug(message: string, properties?: LogProperties): void;
  /** Logs an info record. */
  info(message: string, properties?: LogProperties): void;
  /** Logs a warning record. */
  warn(message: string, properties?: LogProperties): void;
  /** Logs an error record. */
  error(message: string, properties?: LogProperties): void;
}

/** The part of LogTape's logger this module calls. */
interface _LogTapeLogger {
  getChild(category: readonly string[]): _LogTapeLogger;
  debug(message: string, properties?: LogProperties): void;
  info(message: string, properties?: LogProperties): void;
  warn(message: string, properties?: LogProperties): void;
  error(message: string, properties?: LogProperties): void;
}

const _ROOT = Symbol.for("logtape.rootLogger");

class _Logger implements T4flowLogger {
  readonly category: readonly string[];

  constructor(category: readonly string[]) {
    this.category = category;
  }

  #target(): _LogTapeLogger | undefined {
    const root = (globalThis as { [_ROOT]?: _LogTapeLogger | null })[_ROOT];
    return root == null ? undefined : root.getChild(this.category);
  }

  debug(message: string, properties?: LogProperties): void {
    this.#target()?.debug(message, properties);
  }

  info(message: string, properties?: LogProperties): void {
    this.#target()?.info(message, properties);
  }

  warn(message: string, properties?: LogProperties): void {
    this.#target()?.warn(message, properties);
  }

  error(message: string, properties?: LogProperties): void {
    this.#target()?.error(message, properties);
  }
}

/**
 * Returns the logger for a part of t4flow.
 *
 * @param names The sub-category, e.g. `"client"` for `["t4flow", "client"]`.
 * @returns The logger; its records reach the sinks the application configured with LogTape.
 *
 * @example Records reach a LogTape sink
 * ```ts
 * import assert from "node:assert/strict";
 * import { configure, type LogRecord, reset } from "@logtape/logtape";
 * import { t4flowLogger } from "./logger.ts";
 *
 * const records: LogRecord[] = [];
 * await configure({
 *   sinks: { memory: (record) => void records.push(record) },
 *   loggers: [
 *     { category: ["t4flow"], lowestLevel: "info", sinks: ["memory"] },
 *     { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
 *   ],
 * });
 * t4flowLogger("client").info("Logged in as {user}", { user: "demo" });
 * await reset();
 * assert.deepEqual(records.map((r) => [r.category, r.properties]), [[["t4flow", "client"], { user: "demo" }]]);
 * ```
 */
export function t4flowLogger(...names: string[]): T4flowLogger {
  return new _Logger(["t4flow", ...names]);
}
