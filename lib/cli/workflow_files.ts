/**
 * The workflow files a command line names: files as given, and every `.yaml` / `.yml` file of a
 * directory (sorted, not recursive).
 *
 * @module
 */

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { CliUsageError } from "./cli_usage_error.ts";

/**
 * Expands directories into their workflow files.
 *
 * @param paths Files and directories from the command line.
 * @returns The files, in order (a directory's files sorted by name).
 * @throws {CliUsageError} When a directory holds no `.yaml` or `.yml` file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { workflowFiles } from "./workflow_files.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "t4flow-files-"));
 * for (const name of ["b.yaml", "a.yml", "notes.txt"]) writeFileSync(join(dir, name), "");
 * assert.deepEqual(workflowFiles([dir, "x.yaml"]), [join(dir, "a.yml"), join(dir, "b.yaml"), "x.yaml"]);
 * ```
 */
export function workflowFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let directory = false;
    try {
      directory = statSync(path).isDirectory();
    } catch {
      // Not there: the loader reports it with the file's name.
    }
    if (!directory) {
      out.push(path);
      continue;
    }
    const found = readdirSync(path).filter((name) => /\.ya?ml$/.test(name)).sort();
    if (found.length === 0) {
      throw new CliUsageError(`${path} is a directory with no .yaml or .yml workflow file`);
    }
    out.push(...found.map((name) => join(path, name)));
  }
  return out;
}
