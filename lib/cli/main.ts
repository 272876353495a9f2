/**
 * The `t4flow` command line: a thin dispatcher. Each command lives in a module of its own, loaded
 * only when that command runs (`run_command.ts`, `validate_command.ts`, `schema_command.ts`,
 * `../sim/sim_command.ts`, ...); `--help`, `COMMAND --help` and `--version` load none of them, nor
 * the process I/O (`cli_io.ts`): they print through the runtime's own streams.
 *
 * The commands are imported as `import("./x.ts" + "")`: Deno loads the module graph of every
 * *literal* `import("./x.ts")` of a module when that module loads, executed or not (measured:
 * 115 ms for `run_command.ts`, six times `t4flow --help`), and an expression is not followed.
 * Bundlers (`bun build --compile`) fold the constant and bundle the command as a lazy chunk; the
 * `as typeof import("./x.ts")` keeps the type.
 *
 * To add a command: write `NAME_command.ts` exporting a function `(args, io) => exit code`, add
 * its loader to `_COMMANDS` and its help text to `CLI_HELP` (`help.ts`).
 *
 * @module
 */

import { processHost } from "../runtime/process_host.ts";
import { EXIT_CODES } from "../workflow/exit_codes.ts";
import { T4FLOW_VERSION } from "../workflow/run_report.ts";
import type { CliIo } from "./cli_io.ts";
import { CliUsageError } from "./cli_usage_error.ts";
import { CLI_HELP } from "./help.ts";

/** A command: its arguments after the command name in, its exit code out. */
type Command = (args: readonly string[], io: CliIo) => number | Promise<number>;

/** Each command's loader (see the module doc for the `+ ""`). */
const _COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () =>
    (await import("./run_command.ts" + "") as typeof import("./run_command.ts")).runCommand,
  validate: async () =>
    (await import("./validate_command.ts" + "") as typeof import("./validate_command.ts"))
      .validateCommand,
  sim: async () => {
    const { simCommand } = await import(
      "../sim/sim_command.ts" + ""
    ) as typeof import("../sim/sim_command.ts");
    return (args) => simCommand([...args]);
  },
  schema: async () =>
    (await import("./schema_command.ts" + "") as typeof import("./schema_command.ts"))
      .schemaCommand,
  console: async () =>
    (await import("./console_command.ts" + "") as typeof import("./console_command.ts"))
      .consoleCommand,
  monitor: async () =>
    (await import("./monitor_command.ts" + "") as typeof import("./monitor_command.ts"))
      .monitorCommand,
  markets: async () =>
    (await import("./markets_command.ts" + "") as typeof import("./markets_command.ts"))
      .marketsCommand,
};

/** The process's I/O, loaded with the first command that needs it. */
async function _processIo(): Promise<CliIo> {
  const { processIo } = await import("./cli_io.ts" + "") as typeof import("./cli_io.ts");
  return processIo();
}

/** Standard output and error of the process, for help, version and usage errors. */
function _hostIo(): Pick<CliIo, "stdout" | "stderr"> {
  const host = processHost();
  return { stdout: host.writeOut, stderr: host.writeErr };
}

/**
 * Runs the command line.
 *
 * @param args The arguments after the program name.
 * @param io Streams, environment and signals; by default the process's own.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 *
 * const out: string[] = [];
 * const io = { stdout: (t: string) => out.push(t), stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} };
 * assert.equal(await main(["--version"], io), 0);
 * assert.match(out.join(""), /^t4flow \d+\.\d+\.\d+\n$/);
 * ```
 */
export async function main(args: readonly string[], io?: CliIo): Promise<number> {
  const print = io ?? _hostIo();
  const [command, ...rest] = args;
  switch (command) {
    case undefined:
    case "help":
    case "-h":
    case "--help":
      print.stdout(CLI_HELP.main!);
      return command === undefined ? EXIT_CODES.invalid : EXIT_CODES.success;
    case "--version":
    case "-V":
    case "version":
      print.stdout(`t4flow ${T4FLOW_VERSION}\n`);
      return EXIT_CODES.success;
  }
  const load = Object.hasOwn(_COMMANDS, command) ? _COMMANDS[command] : undefined;
  try {
    if (load === undefined) {
      throw new CliUsageError(
        `unknown command '${command}', expected ${_commandList()}`,
      );
    }
    if (_asksForHelp(rest) && CLI_HELP[command] !== undefined) {
      print.stdout(CLI_HELP[command]);
      return EXIT_CODES.success;
    }
    const run = await load();
    return await run(rest, io ?? await _processIo());
  } catch (error) {
    if (error instanceof CliUsageError) {
      print.stderr(
        `t4flow: ${error.message}\nRun 't4flow ${
          load !== undefined ? `${command} ` : ""
        }--help' for usage.\n`,
      );
      return EXIT_CODES.invalid;
    }
    throw error;
  }
}

/** `-h` or `--help` among the options (not after `--`). */
function _asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "-h" || arg === "--help") return true;
  }
  return false;
}

function _commandList(): string {
  const names = Object.keys(_COMMANDS);
  return `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}
