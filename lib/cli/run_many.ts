/**
 * `t4flow run` of several workflows (files or a directory): one run after the other, a summary,
 * and the highest exit code.
 *
 * @module
 */

import { basename, extname } from "node:path";
import { parseArgs } from "node:util";
import { EXIT_CODES } from "../workflow/exit_codes.ts";
import { escapeControl } from "../workflow/safe_text.ts";
import { type CliOptions, CliUsageError, countOf } from "./cli_args.ts";
import type { CliIo } from "./cli_io.ts";

/** Options that make no sense for several workflows at once. */
const _SINGLE_ONLY = ["every", "cron", "state", "record", "replay", "speed"] as const;

/**
 * Runs each workflow with the same options: `--report FILE` and `--junit FILE` become one file per
 * workflow (`report.json` → `report.NAME.json`). Stops after an interrupted run.
 *
 * @param files The workflow files, in order.
 * @param args The command's arguments as given.
 * @param options The command's options (to find the positionals among `args`).
 * @param io Where to print.
 * @param runOne Runs one workflow: the command itself, given its arguments for one file.
 * @returns The highest exit code of the runs.
 * @throws {CliUsageError} With a monitor or tape option, which work on one workflow only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runMany } from "./run_many.ts";
 *
 * const out: string[] = [];
 * const io = { stdout: (t: string) => void out.push(t), stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} };
 * const seen: string[][] = [];
 * const code = await runMany(["a.yaml", "b.yaml"], ["a.yaml", "b.yaml", "--report", "r.json"], { report: { type: "string" } }, io, (args) => {
 *   seen.push([...args]);
 *   return Promise.resolve(args.includes("b.yaml") ? 1 : 0);
 * });
 * assert.equal(code, 1);
 * assert.deepEqual(seen, [["--report", "r.a.json", "a.yaml"], ["--report", "r.b.json", "b.yaml"]]);
 * assert.match(out.join(""), /2 workflows: 1 succeeded, 1 failed \(exit 1\)/);
 * ```
 */
export async function runMany(
  files: readonly string[],
  args: readonly string[],
  options: CliOptions,
  io: CliIo,
  runOne: (args: readonly string[]) => Promise<number>,
): Promise<number> {
  const { tokens } = parseArgs({
    args: [...args],
    options: { ...options, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const shared: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional" || token.kind === "option-terminator") continue;
    if ((_SINGLE_ONLY as readonly string[]).includes(token.name)) {
      throw new CliUsageError(`--${token.name} works on one workflow, got ${files.length}`);
    }
    shared.push(token.rawName);
    if (token.value !== undefined && !token.inlineValue) shared.push(token.value);
    else if (token.inlineValue) shared[shared.length - 1] = `${token.rawName}=${token.value}`;
  }
  const results: { file: string; code: number }[] = [];
  for (const file of files) {
    const own = shared.map((arg, i) =>
      i > 0 && (shared[i - 1] === "--report" || shared[i - 1] === "--junit")
        ? _perWorkflow(arg, file)
        : arg
    );
    const code = await runOne([...own, file]);
    results.push({ file, code });
    if (code === EXIT_CODES.interrupted) break;
  }
  const succeeded = results.filter((r) => r.code === EXIT_CODES.success).length;
  const worst = Math.max(...results.map((r) => r.code));
  const skipped = files.length - results.length;
  if (shared.includes("--json")) {
    io.stdout(`${
      JSON.stringify({
        type: "run_summary",
        workflows: files.length,
        succeeded,
        failed: results.length - succeeded,
        not_run: skipped,
        exit_code: worst,
        results: results.map((r) => ({ file: r.file, exit_code: r.code })),
      })
    }\n`);
    return worst;
  }
  io.stdout(
    `${countOf(files.length, "workflow")}: ${succeeded} succeeded, ${
      results.length - succeeded
    } failed${skipped > 0 ? `, ${skipped} not run` : ""} (exit ${worst})${
      results.filter((r) => r.code !== 0).map((r) =>
        `\n  ✗ ${escapeControl(r.file)} exit ${r.code}`
      )
        .join("")
    }\n`,
  );
  return worst;
}

/** `out/report.json` for `checks/a.yaml` → `out/report.a.json`. */
function _perWorkflow(path: string, file: string): string {
  const ext = extname(path);
  const name = basename(file, extname(file));
  return ext ? `${path.slice(0, -ext.length)}.${name}${ext}` : `${path}.${name}`;
}
