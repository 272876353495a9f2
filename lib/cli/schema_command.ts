/**
 * `t4flow schema`: prints the workflow JSON Schema.
 *
 * @module
 */

import { EXIT_CODES } from "../workflow/exit_codes.ts";
import { workflowJsonSchema } from "../workflow/workflow_schema.ts";
import { CliUsageError } from "./cli_usage_error.ts";
import type { CliIo } from "./cli_io.ts";
import { CLI_HELP } from "./help.ts";

/**
 * Runs `t4flow schema`.
 *
 * @param args The arguments after `schema`.
 * @param io Where to print.
 * @returns The exit code.
 * @throws {CliUsageError} On any argument.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { schemaCommand } from "./schema_command.ts";
 *
 * const out: string[] = [];
 * const io = { stdout: (t: string) => void out.push(t), stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} };
 * assert.equal(schemaCommand([], io), 0);
 * assert.equal(typeof JSON.parse(out.join("")).properties, "object");
 * ```
 */
export function schemaCommand(args: readonly string[], io: CliIo): number {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(CLI_HELP.schema!);
    return EXIT_CODES.success;
  }
  if (args.length > 0) throw new CliUsageError(`schema takes no arguments: got '${args[0]}'`);
  io.stdout(`${JSON.stringify(workflowJsonSchema(), null, 2)}\n`);
  return EXIT_CODES.success;
}
