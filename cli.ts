/**
 * The `t4flow` command line. `deno run -A cli.ts ...`, `bun cli.ts ...`, the installed command and
 * the compiled binary all start here (`mod.ts` run as the main module does the same). Each command
 * loads only the modules it needs; the library entry point is `mod.ts`.
 *
 * @module
 */

import { processHost } from "./lib/runtime/process_host.ts";
import { main } from "./lib/cli/main.ts";

const host = processHost();
host.exitCode = await main(host.args);
// Everything is closed and written by now: a socket whose peer never answers the close (a
// half-open server) must not keep the process alive.
host.exitAfter(1_000);
