/**
 * Reads `--env-file` files: `NAME=value` lines, `#` comments, optional `export `, and single or
 * double quotes around values.
 *
 * @module
 */

/**
 * Parses the text of an env file.
 *
 * @param text The file content.
 * @returns The variables, in file order (later lines win).
 * @throws {SyntaxError} When a line is neither blank, a comment nor `NAME=value` (the message
 *   names the line number, never the value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEnvFile } from "./env_file.ts";
 *
 * assert.deepEqual(parseEnvFile("# keys\nexport T4_API_KEY='abc'\nURL=ws://x # note\n"), {
 *   T4_API_KEY: "abc",
 *   URL: "ws://x",
 * });
 * ```
 */
export function parseEnvFile(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      throw new SyntaxError(
        `Cannot read the env file as line ${index + 1} is not NAME=value`,
      );
    }
    let value = match[2] ?? "";
    const quote = value[0];
    if ((quote === "'" || quote === '"') && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote));
      if (quote === '"') value = value.replaceAll("\\n", "\n").replaceAll('\\"', '"');
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    variables[match[1] ?? ""] = value;
  }
  return variables;
}
