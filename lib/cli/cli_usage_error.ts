/**
 * The error of invalid command-line usage. A module of its own so that the dispatcher can catch it
 * without loading argument parsing (`cli_args.ts`).
 *
 * @module
 */

/**
 * Invalid command-line usage: the command line prints the message and a pointer to `--help`,
 * and exits 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CliUsageError } from "./cli_usage_error.ts";
 *
 * assert.equal(new CliUsageError("schema takes no arguments").name, "CliUsageError");
 * ```
 */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
}
