/**
 * The `PATH...` of `t4flow monitor`: workflow files as given, and every `*.yaml` / `*.yml` file
 * directly inside a directory (sorted, so the status page keeps its order).
 *
 * @module
 */

import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** A path that names no workflow file. */
export class WorkflowPathError extends Error {
  /** Always `"WorkflowPathError"`. */
  override readonly name = "WorkflowPathError";
  /** The path as given. */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param path The path as given.
   * @param message The full message.
   * @param options Error options (`cause`).
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/**
 * Expands files and directories into workflow files: a file is kept as given (whatever its
 * extension), a directory gives its `*.yaml` and `*.yml` files in name order (not recursive).
 * Each file appears once.
 *
 * @param paths Files and directories.
 * @returns The workflow files, in the order given.
 * @throws {WorkflowPathError} When a path does not exist or a directory holds no workflow file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { findWorkflowFiles } from "./workflow_paths.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "t4flow-"));
 * for (const name of ["b.yml", "a.yaml", "notes.txt"]) writeFileSync(join(dir, name), "");
 * assert.deepEqual(findWorkflowFiles([dir]), [join(dir, "a.yaml"), join(dir, "b.yml")]);
 * assert.throws(() => findWorkflowFiles([join(dir, "missing")]), /does not exist/);
 * ```
 */
export function findWorkflowFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      throw new WorkflowPathError(
        path,
        code === "ENOENT"
          ? `Cannot monitor ${path} as it does not exist: give workflow files or directories`
          : `Cannot monitor ${path} as it cannot be read (${code ?? String(cause)})`,
        { cause },
      );
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const found = readdirSync(path)
      .filter((name) => /\.ya?ml$/i.test(name))
      .sort()
      .map((name) => join(path, name))
      .filter((file) => statSync(file).isFile());
    if (found.length === 0) {
      throw new WorkflowPathError(
        path,
        `Cannot monitor ${path} as it holds no *.yaml or *.yml file`,
      );
    }
    files.push(...found);
  }
  return [...new Set(files)];
}
