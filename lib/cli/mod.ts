/**
 * The `t4flow` command line as a function, for embedding and tests: `main(args, io)` runs one
 * command and resolves with its exit code. The executable entry point is `cli.ts`.
 *
 * @example Print the version
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./mod.ts";
 *
 * const out: string[] = [];
 * const code = await main(["--version"], {
 *   stdout: (text) => void out.push(text),
 *   stderr: () => {},
 *   isTTY: false,
 *   env: {},
 *   onInterrupt: () => () => {},
 * });
 * assert.equal(code, 0);
 * assert.match(out.join(""), /^t4flow \d/);
 * ```
 *
 * @module
 */

export { main } from "./main.ts";
export type { CliIo } from "./cli_io.ts";
