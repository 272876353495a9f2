/**
 * What the `t4flow` commands share: strict argument parsing, `--env-file` and printing workflow
 * diagnostics (and the usage error, re-exported from `cli_usage_error.ts`).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { didYouMean } from "../workflow/did_you_mean.ts";
import { parseEnvFile } from "../workflow/env_file.ts";
import { formatDiagnostic, type WorkflowDiagnostic } from "../workflow/workflow_diagnostic.ts";
import type { CliIo } from "./cli_io.ts";
import { CliUsageError } from "./cli_usage_error.ts";

export { CliUsageError } from "./cli_usage_error.ts";

/** The `parseArgs` form of a command's options. */
export type CliOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

/**
 * Parses a command's arguments strictly, with `-h`/`--help` added.
 *
 * @param args The arguments after the command.
 * @param options The command's options.
 * @returns The parsed values and positionals.
 * @throws {CliUsageError} On an unknown option or a missing value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandArgs } from "./cli_args.ts";
 *
 * const { values, positionals } = parseCommandArgs(["a.yaml", "--json"], { json: { type: "boolean" } });
 * assert.equal(values.json, true);
 * assert.deepEqual(positionals, ["a.yaml"]);
 * ```
 */
export function parseCommandArgs<T extends CliOptions>(args: readonly string[], options: T) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliUsageError(_friendlyArgsError(error as Error, options));
  }
}

/** parseArgs' messages in the CLI's words: what is wrong, and what was probably meant. */
function _friendlyArgsError(error: Error & { code?: string }, options: CliOptions): string {
  const first = error.message.split("\n")[0] ?? String(error);
  const names = [...Object.keys(options), "help"].map((name) => `--${name}`);
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const option = /'([^']+)'/.exec(first)?.[1] ?? "";
    const suggestion = didYouMean(option.replace(/=.*$/, ""), names);
    // Without a likely match, the usage hint that follows lists the options.
    return `Unknown option '${option}'.${suggestion ? ` Did you mean '${suggestion}'?` : ""}`;
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const option = /'(-[^' ]+)/.exec(first)?.[1];
    if (option && / argument missing$/.test(first)) return `Option '${option}' needs a value.`;
    if (option) return `Option '${option}' takes no value.`;
  }
  return first;
}

/**
 * The `${NAME}` variables of a run: the environment over the `--env-file`, if given.
 *
 * @param io The environment.
 * @param envFile The `--env-file` value.
 * @returns The variables.
 * @throws {CliUsageError} When the file cannot be read or parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cliEnvironment } from "./cli_args.ts";
 *
 * const io = { stdout: () => {}, stderr: () => {}, isTTY: false, env: { A: "1" }, onInterrupt: () => () => {} };
 * assert.deepEqual(cliEnvironment(io, undefined), { A: "1" });
 * ```
 */
export function cliEnvironment(
  io: CliIo,
  envFile: string | undefined,
): Record<string, string | undefined> {
  if (envFile === undefined) return { ...io.env };
  let text: string;
  try {
    text = readFileSync(envFile, "utf8");
  } catch (error) {
    throw new CliUsageError(
      `cannot read --env-file ${envFile} (${(error as { code?: string }).code ?? error})`,
    );
  }
  try {
    return { ...parseEnvFile(text), ...io.env };
  } catch (error) {
    throw new CliUsageError(`${envFile}: ${(error as Error).message}`);
  }
}

/**
 * Prints workflow diagnostics: JSON lines on stdout, or `FILE:LINE:COLUMN: ...` on stderr.
 *
 * @param io Where to print.
 * @param diagnostics The diagnostics.
 * @param json Print JSON lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { printDiagnostics } from "./cli_args.ts";
 *
 * const err: string[] = [];
 * const io = { stdout: () => {}, stderr: (t: string) => void err.push(t), isTTY: false, env: {}, onInterrupt: () => () => {} };
 * printDiagnostics(io, [{ file: "a.yaml", line: 2, column: 3, severity: "error", key: "steps", message: "missing" }], false);
 * assert.match(err.join(""), /^a\.yaml:2:3: error/);
 * ```
 */
export function printDiagnostics(
  io: CliIo,
  diagnostics: readonly WorkflowDiagnostic[],
  json: boolean,
): void {
  for (const diagnostic of diagnostics) {
    if (json) io.stdout(`${JSON.stringify({ type: "diagnostic", ...diagnostic })}\n`);
    else io.stderr(`${formatDiagnostic(diagnostic)}\n`);
  }
}

/**
 * `1 error`, `2 errors`.
 *
 * @param n The count.
 * @param noun The singular noun.
 * @returns The phrase.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countOf } from "./cli_args.ts";
 *
 * assert.equal(countOf(2, "warning"), "2 warnings");
 * ```
 */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
