/**
 * The `t4flow` command line. `deno run -A cli.ts ...`, `bun cli.ts ...`, the installed command and
 * the compiled binary all start here (`mod.ts` run as the main module does the same). Each command
 * loads only the modules it needs; the library entry point is `mod.ts`.
 *
 * @module
 */

import process from "node:process";
import { setTimeout } from "node:timers";
import { main } from "./lib/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));
// Everything is closed and written by now: a socket whose peer never answers the close (a
// half-open server) must not keep the process alive.
setTimeout(() => process.exit(), 1_000).unref();
