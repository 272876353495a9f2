/**
 * Text from the server or from variables, made safe to print: control characters become visible
 * escapes, so a server's `error_message` cannot clear the screen, ring the bell, move the cursor or
 * start a fake "✔ succeeded" line.
 *
 * @module
 */

// C0 controls, DEL, C1 controls, and the Unicode bidirectional overrides and isolates (which can
// reorder what a terminal shows), plus the line and paragraph separators.
// deno-lint-ignore no-control-regex
const _UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const _NAMED: Readonly<Record<string, string>> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\x1b": "\\e",
};

/**
 * Escapes control characters for output: `\n`, `\r`, `\t`, `\e` (ESC), and `\xNN` / `\uNNNN` for
 * the others. Printable text, including any other Unicode, is unchanged.
 *
 * @param text Text that may come from the server, the environment or a workflow variable.
 * @returns One line of printable text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeControl } from "./safe_text.ts";
 *
 * assert.equal(escapeControl("locked\x1b[2J\r✔ succeeded\x07"), "locked\\e[2J\\r✔ succeeded\\x07");
 * assert.equal(escapeControl("plain ✓ text"), "plain ✓ text");
 * ```
 */
export function escapeControl(text: string): string {
  return text.replace(_UNSAFE, (c) => {
    const named = _NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
