/**
 * `t4flow validate FILE...`: checks workflow files and prints every problem; nothing is sent.
 *
 * @module
 */

import { EXIT_CODES } from "../workflow/exit_codes.ts";
import { loadWorkflow } from "../workflow/load_workflow.ts";
import { WorkflowValidationError } from "../workflow/workflow_diagnostic.ts";
import { workflowScheduleDiagnostics } from "../monitor/workflow_schedule.ts";
import {
  cliEnvironment,
  CliUsageError,
  countOf,
  parseCommandArgs,
  printDiagnostics,
} from "./cli_args.ts";
import type { CliIo } from "./cli_io.ts";
import { CLI_HELP } from "./help.ts";
import { workflowFiles } from "./workflow_files.ts";
import { escapeControl } from "../workflow/safe_text.ts";

/**
 * Runs `t4flow validate`.
 *
 * @param args The arguments after `validate`.
 * @param io Streams and environment.
 * @returns 0 when every file is valid, 2 otherwise.
 * @throws {CliUsageError} On bad arguments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { validateCommand } from "./validate_command.ts";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "check.yaml");
 * writeFileSync(file, "version: 1\nname: check\nconnection:\n  env: sim\n  auth:\n    api_key: k\nsteps:\n  - login\n");
 * const out: string[] = [];
 * const io = { stdout: (t: string) => void out.push(t), stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} };
 * assert.equal(validateCommand([file], io), 0);
 * assert.match(out.join(""), /is valid/);
 * ```
 */
export function validateCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parseCommandArgs(args, {
    "env-file": { type: "string" },
    json: { type: "boolean" },
    "allow-live-orders": { type: "boolean" },
  });
  if (values.help) {
    io.stdout(CLI_HELP.validate!);
    return EXIT_CODES.success;
  }
  if (positionals.length === 0) {
    throw new CliUsageError("validate needs at least one workflow file");
  }
  const env = cliEnvironment(io, values["env-file"]);
  const files = workflowFiles(positionals);
  let code: number = EXIT_CODES.success;
  let invalid = 0;
  for (const file of files) {
    try {
      // The order guard runs in the loader's pass: its errors come with every other error.
      const workflow = loadWorkflow(file, {
        env,
        orderGuard: { allowLiveOrders: values["allow-live-orders"] === true },
      });
      const refused = workflowScheduleDiagnostics(workflow);
      if (refused.length > 0) {
        throw new WorkflowValidationError(file, [...workflow.warnings, ...refused]);
      }
      printDiagnostics(io, workflow.warnings, values.json === true);
      if (values.json) {
        io.stdout(
          `${
            JSON.stringify({
              type: "validated",
              file,
              valid: true,
              warnings: workflow.warnings.length,
            })
          }\n`,
        );
      } else {
        io.stdout(
          `✓ ${escapeControl(file)} is valid${
            workflow.warnings.length ? ` (${countOf(workflow.warnings.length, "warning")})` : ""
          }\n`,
        );
      }
    } catch (error) {
      if (!(error instanceof WorkflowValidationError)) throw error;
      code = EXIT_CODES.invalid;
      invalid++;
      printDiagnostics(io, error.diagnostics, values.json === true);
      if (values.json) {
        io.stdout(
          `${
            JSON.stringify({ type: "validated", file, valid: false, errors: error.errors.length })
          }\n`,
        );
      } else {
        io.stdout(
          `✗ ${escapeControl(file)} is invalid (${countOf(error.errors.length, "error")})\n`,
        );
      }
    }
  }
  if (files.length > 1) {
    const valid = files.length - invalid;
    io.stdout(
      values.json
        ? `${JSON.stringify({ type: "validate_summary", files: files.length, valid, invalid })}\n`
        : `${countOf(files.length, "workflow")}: ${valid} valid, ${invalid} invalid\n`,
    );
  }
  return code;
}
