/**
 * Problems found in a CEL expression before it runs, each at an offset, line and column within
 * the expression text, so that the workflow loader can translate them to `file:line:column`.
 *
 * @module
 */

/** What kind of problem a {@linkcode CelDiagnostic} reports. */
export type CelDiagnosticCode =
  /** The expression does not parse. */
  | "syntax"
  /** The payload case named for `msg` is not a `ServerMessage` payload case. */
  | "unknown_payload_case"
  /** A field that the message (or `session`) does not have. */
  | "unknown_field"
  /** An identifier that is not `msg`, `session`, `vars`, `now`, a loop variable or a type name. */
  | "unknown_variable"
  /** `vars.NAME` where `NAME` is not among the known variable names (only when they are given). */
  | "unknown_var"
  /** A function or method that does not exist. */
  | "unknown_function"
  /** An enum constant or message type name that does not exist. */
  | "unknown_name"
  /** Operands whose types can never work together (e.g. `int + double`, `enum == string`). */
  | "type_mismatch"
  /** A condition whose result type is known not to be `bool`. */
  | "not_bool"
  /** Comprehensions over literal lists that iterate more than `CEL_COST_LIMIT` times. */
  | "cost_limit";

/** One problem in a CEL expression, found before anything runs. */
export interface CelDiagnostic {
  /** What kind of problem this is. */
  readonly code: CelDiagnosticCode;
  /**
   * What the offset, line and column point into: the expression text, or the payload case name
   * (for `unknown_payload_case`, which the workflow loader places at the key naming the case).
   */
  readonly subject: "expression" | "payload_case";
  /** What is wrong, in sentence case with the action first; includes the "did you mean". */
  readonly message: string;
  /** 0-based offset (UTF-16 code units) into the subject text. */
  readonly offset: number;
  /** 1-based line within the subject text. */
  readonly line: number;
  /** 1-based column within that line (UTF-16 code units). */
  readonly column: number;
  /** Length of the offending text (at least 1). */
  readonly length: number;
  /** The closest valid name, when one is close enough ("did you mean"). */
  readonly suggestion: string | undefined;
}

/**
 * Converts a 0-based offset in a text into a 1-based line and column.
 *
 * @param text The text (a CEL expression, possibly spanning several lines).
 * @param offset The 0-based offset (UTF-16 code units); clamped to the text.
 * @returns The 1-based line and column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { celLineColumn } from "./cel_diagnostic.ts";
 *
 * assert.deepEqual(celLineColumn("a &&\n  b", 7), { line: 2, column: 3 });
 * assert.deepEqual(celLineColumn("abc", 0), { line: 1, column: 1 });
 * ```
 */
export function celLineColumn(text: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Builds a {@linkcode CelDiagnostic}, computing its line and column from the offset.
 *
 * @param text The subject text the offset points into.
 * @param fields The code, subject, message, offset, length and suggestion.
 * @returns The diagnostic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { celDiagnostic } from "./cel_diagnostic.ts";
 *
 * const d = celDiagnostic("msg.bidz", {
 *   code: "unknown_field",
 *   message: "Cannot select 'bidz': did you mean 'bids'?",
 *   offset: 4,
 *   length: 4,
 *   suggestion: "bids",
 * });
 * assert.equal(d.column, 5);
 * assert.equal(d.subject, "expression");
 * ```
 */
export function celDiagnostic(
  text: string,
  fields: {
    code: CelDiagnosticCode;
    message: string;
    offset: number;
    length?: number;
    suggestion?: string | undefined;
    subject?: "expression" | "payload_case";
  },
): CelDiagnostic {
  const offset = Math.max(0, Math.min(fields.offset, text.length));
  const { line, column } = celLineColumn(text, offset);
  return {
    code: fields.code,
    subject: fields.subject ?? "expression",
    message: fields.message,
    offset,
    line,
    column,
    length: Math.max(1, fields.length ?? 1),
    suggestion: fields.suggestion,
  };
}
