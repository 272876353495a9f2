/**
 * Colours for human output: on a terminal only, and never when `NO_COLOR` is set (any non-empty
 * value, see https://no-color.org) or `TERM=dumb`.
 *
 * @module
 */

import type { CliIo } from "./cli_io.ts";

/** Wraps text in one colour (or returns it unchanged when colours are off). */
export type Paint = (text: string) => string;

/** The colours the CLI uses. */
export interface CliColors {
  /** Whether colours are on. */
  readonly enabled: boolean;
  /** Success marks. */
  readonly green: Paint;
  /** Failure marks and errors. */
  readonly red: Paint;
  /** Warnings and events. */
  readonly yellow: Paint;
  /** Secondary text (durations, counters). */
  readonly dim: Paint;
  /** The final line. */
  readonly bold: Paint;
}

const _code = (open: number, close: number): Paint => (text) =>
  `\x1b[${open}m${text}\x1b[${close}m`;
const _none: Paint = (text) => text;

/**
 * The colours for an output: on when it is a terminal, `NO_COLOR` is unset or empty and `TERM` is
 * not `dumb`.
 *
 * @param io The CLI's streams and environment.
 * @returns The colours (identity functions when off).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cliColors } from "./cli_colors.ts";
 *
 * const io = { stdout: () => {}, stderr: () => {}, isTTY: true, env: {}, onInterrupt: () => () => {} };
 * assert.equal(cliColors(io).green("ok"), "\x1b[32mok\x1b[39m");
 * assert.equal(cliColors({ ...io, env: { NO_COLOR: "1" } }).green("ok"), "ok");
 * assert.equal(cliColors({ ...io, isTTY: false }).green("ok"), "ok");
 * ```
 */
export function cliColors(io: Pick<CliIo, "isTTY" | "env">): CliColors {
  const enabled = io.isTTY && !io.env.NO_COLOR && io.env.TERM !== "dumb";
  if (!enabled) {
    return { enabled, green: _none, red: _none, yellow: _none, dim: _none, bold: _none };
  }
  return {
    enabled,
    green: _code(32, 39),
    red: _code(31, 39),
    yellow: _code(33, 39),
    dim: _code(2, 22),
    bold: _code(1, 22),
  };
}
