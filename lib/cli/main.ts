/**
 * The `t4flow` command line: a thin dispatcher. Each command lives in a module of its own, loaded
 * only when that command runs (`run_command.ts`, `validate_command.ts`, `schema_command.ts`,
 * `../sim/sim_command.ts`); `--help`, `COMMAND --help` and `--version` load none of them.
 *
 * To add a command: write `NAME_command.ts` exporting a function `(args, io) => exit code`, add
 * its loader to `_COMMANDS` and its help text to `CLI_HELP` (`help.ts`).
 *
 * @module
 */

import { EXIT_CODES } from "../workflow/exit_codes.ts";
import { T4FLOW_VERSION } from "../workflow/run_report.ts";
import { CliUsageError } from "./cli_args.ts";
import { type CliIo, processIo } from "./cli_io.ts";
import { CLI_HELP } from "./help.ts";

/** A command: its arguments after the command name in, its exit code out. */
type Command = (args: readonly string[], io: CliIo) => number | Promise<number>;

/** Each command's loader; the import specifiers are literal so that bundlers include them. */
const _COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import("./run_command.ts")).runCommand,
  validate: async () => (await import("./validate_command.ts")).validateCommand,
  sim: async () => {
    const { simCommand } = await import("../sim/sim_command.ts");
    return (args) => simCommand([...args]);
  },
  schema: async () => (await import("./schema_command.ts")).schemaCommand,
  console: async () => (await import("./console_command.ts")).consoleCommand,
  monitor: async () => (await import("./monitor_command.ts")).monitorCommand,
  markets: async () => (await import("./markets_command.ts")).marketsCommand,
};

/**
 * Runs the command line.
 *
 * @param args The arguments after the program name.
 * @param io Streams, environment and signals.
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
export async function main(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case undefined:
    case "help":
    case "-h":
    case "--help":
      io.stdout(CLI_HELP.main!);
      return command === undefined ? EXIT_CODES.invalid : EXIT_CODES.success;
    case "--version":
    case "-V":
    case "version":
      io.stdout(`t4flow ${T4FLOW_VERSION}\n`);
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
      io.stdout(CLI_HELP[command]);
      return EXIT_CODES.success;
    }
    return await (await load())(rest, io);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr(
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
