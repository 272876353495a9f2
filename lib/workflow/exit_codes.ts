/**
 * The exit codes of a run and of the `t4flow` command line (a module of its own, so that the
 * command line can name them without loading the workflow engine).
 *
 * @module
 */

/**
 * Exit codes of a run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EXIT_CODES } from "./exit_codes.ts";
 *
 * assert.equal(EXIT_CODES.interrupted, 130);
 * ```
 */
export const EXIT_CODES = {
  /** Every step succeeded. */
  success: 0,
  /** A step or expectation failed. */
  failed: 1,
  /** Invalid usage or workflow: nothing was sent. */
  invalid: 2,
  /** Could not connect or log in (including every fatal login result). */
  connection: 3,
  /** Interrupted (Ctrl-C, SIGTERM): the session was closed cleanly; also a second Ctrl-C. */
  interrupted: 130,
  /** A second SIGTERM during the clean close: the process exited at once (128 + 15). */
  terminated: 143,
} as const;
