/**
 * Problems found in a workflow file, each at a file, line and column, and the error that carries
 * them.
 *
 * @module
 */

import { escapeControl } from "./safe_text.ts";

/** One problem in a workflow file. */
export interface WorkflowDiagnostic {
  /** `"error"` makes the workflow invalid; `"warning"` does not. */
  readonly severity: "error" | "warning";
  /** The file as given (or `<input>`). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The key path, e.g. `connection.heartbeat` or `steps[1].hold` (empty for the whole file). */
  readonly key: string;
  /** What is wrong and what was expected. Never contains a secret value. */
  readonly message: string;
}

/**
 * Formats a diagnostic as `file:line:column: severity: key: message`.
 *
 * @param diagnostic The diagnostic.
 * @returns One line of text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDiagnostic } from "./workflow_diagnostic.ts";
 *
 * assert.equal(
 *   formatDiagnostic({ severity: "error", file: "a.yaml", line: 3, column: 7, key: "name", message: "expected a string" }),
 *   "a.yaml:3:7: error: name: expected a string",
 * );
 * ```
 */
export function formatDiagnostic(diagnostic: WorkflowDiagnostic): string {
  const { file, line, column, severity, key, message } = diagnostic;
  // File names, keys and messages may quote the file's text: control characters are escaped.
  return escapeControl(
    `${file}:${line}:${column}: ${severity}: ${key ? `${key}: ` : ""}${message}`,
  );
}

/**
 * A workflow file is invalid: nothing was sent. `diagnostics` holds every error and warning.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkflowValidationError } from "./workflow_diagnostic.ts";
 *
 * const error = new WorkflowValidationError("a.yaml", [
 *   { severity: "error", file: "a.yaml", line: 1, column: 1, key: "version", message: "expected 1, got 2" },
 * ]);
 * assert.equal(error.errors.length, 1);
 * assert.match(error.message, /^Cannot run a\.yaml as it has 1 error:\na\.yaml:1:1: error: version/);
 * ```
 */
export class WorkflowValidationError extends Error {
  /** The error class name, always `"WorkflowValidationError"`. */
  override readonly name = "WorkflowValidationError";
  /** The workflow file. */
  readonly file: string;
  /** Every diagnostic (errors and warnings), in file order. */
  readonly diagnostics: readonly WorkflowDiagnostic[];

  /**
   * Creates the error from the diagnostics of a workflow file.
   *
   * @param file The workflow file.
   * @param diagnostics The diagnostics (at least one error).
   * @param options Error options (`cause`).
   */
  constructor(file: string, diagnostics: readonly WorkflowDiagnostic[], options?: ErrorOptions) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    super(
      `Cannot run ${file} as it has ${errors.length} error${errors.length === 1 ? "" : "s"}:\n${
        errors.map(formatDiagnostic).join("\n")
      }`,
      options,
    );
    this.file = file;
    this.diagnostics = diagnostics;
  }

  /** The diagnostics whose severity is `"error"`. */
  get errors(): readonly WorkflowDiagnostic[] {
    return this.diagnostics.filter((d) => d.severity === "error");
  }
}

/**
 * Sorts diagnostics by line then column.
 *
 * @param diagnostics The diagnostics.
 * @returns A sorted copy.
 */
export function sortDiagnostics(diagnostics: readonly WorkflowDiagnostic[]): WorkflowDiagnostic[] {
  return [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
}
