/**
 * `t4flow console`: the protocol-aware `wscat` for T4. Connects, logs in from the environment
 * (unless `--no-login`), keeps the session alive, sends the `ClientMessage`s you type (a prompt
 * on a terminal, one JSON per line from a pipe) and prints every `ServerMessage`.
 *
 * @module
 */

import process from "node:process";
import type { Auth } from "../client/credentials.ts";
import { parseDuration } from "../workflow/duration.ts";
import { EXIT_CODES } from "../workflow/exit_codes.ts";
import { cliEnvironment, CliUsageError, parseCommandArgs } from "./cli_args.ts";
import type { CliIo } from "./cli_io.ts";
import type { ConsoleHandlers } from "./console_pipe.ts";
import { ConsoleSession } from "./console_session.ts";
import { CLI_HELP } from "./help.ts";
import { openSessionTape, TapeUsageError } from "./session_tape.ts";

/** The variables of a username/password login, in the order they are reported. */
const _PASSWORD_VARIABLES = [
  ["T4_FIRM", "firm"],
  ["T4_USERNAME", "username"],
  ["T4_PASSWORD", "password"],
  ["T4_APP_NAME", "appName"],
  ["T4_APP_LICENSE", "appLicense"],
] as const;

/**
 * The credentials in the environment: `T4_API_KEY`, or all of `T4_FIRM`, `T4_USERNAME`,
 * `T4_PASSWORD`, `T4_APP_NAME` and `T4_APP_LICENSE`.
 *
 * @param env The variables.
 * @returns The credentials.
 * @throws {CliUsageError} When neither set is complete.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { consoleAuth } from "./console_command.ts";
 *
 * assert.deepEqual(consoleAuth({ T4_API_KEY: "k" }), { apiKey: "k" });
 * assert.throws(() => consoleAuth({ T4_FIRM: "f" }), /T4_USERNAME, T4_PASSWORD, T4_APP_NAME, T4_APP_LICENSE/);
 * ```
 */
export function consoleAuth(env: Readonly<Record<string, string | undefined>>): Auth {
  const apiKey = env.T4_API_KEY;
  if (apiKey) return { apiKey };
  const missing = _PASSWORD_VARIABLES.filter(([name]) => !env[name]).map(([name]) => name);
  if (missing.length === 0) {
    const auth: Record<string, string> = {};
    for (const [name, key] of _PASSWORD_VARIABLES) auth[key] = env[name]!;
    return auth as unknown as Auth;
  }
  throw new CliUsageError(
    missing.length === _PASSWORD_VARIABLES.length
      ? "console needs credentials: set T4_API_KEY, or T4_FIRM, T4_USERNAME, T4_PASSWORD, T4_APP_NAME and T4_APP_LICENSE (or pass --no-login)"
      : `console needs ${missing.join(", ")} too for a username/password login (or set T4_API_KEY)`,
  );
}

/**
 * Runs `t4flow console`.
 *
 * @param args The arguments after `console`.
 * @param io Streams, environment and signals.
 * @returns 0 when the input ended and the wait passed; 1 when the session ended first; 2 on bad
 *   usage or an invalid input line; 3 when the connection or login failed.
 * @throws {CliUsageError} On bad arguments.
 *
 * @example Bad usage is refused before connecting
 * ```ts
 * import assert from "node:assert/strict";
 * import { consoleCommand } from "./console_command.ts";
 *
 * const io = { stdout: () => {}, stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} };
 * await assert.rejects(consoleCommand([], io), /console needs --env live\|sim or --url URL/);
 * ```
 */
export async function consoleCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    url: { type: "string" },
    env: { type: "string" },
    "env-file": { type: "string" },
    "no-login": { type: "boolean" },
    record: { type: "string" },
    wait: { type: "string" },
    heartbeats: { type: "boolean" },
  });
  if (values.help) {
    io.stdout(CLI_HELP.console!);
    return EXIT_CODES.success;
  }
  if (positionals.length > 0) {
    throw new CliUsageError(`console takes no arguments: got '${positionals[0]}'`);
  }
  if (values.env !== undefined && values.env !== "live" && values.env !== "sim") {
    throw new CliUsageError(`--env must be live or sim: got '${values.env}'`);
  }
  if (values.url !== undefined && !/^wss?:\/\/\S+$/.test(values.url)) {
    throw new CliUsageError(`--url must be a ws:// or wss:// URL`);
  }
  if ((values.url === undefined) === (values.env === undefined)) {
    throw new CliUsageError(
      values.url === undefined
        ? "console needs --env live|sim or --url URL"
        : "give either --url or --env, not both",
    );
  }
  const waitMs = parseDuration(values.wait ?? "1s");
  if (waitMs === undefined) {
    throw new CliUsageError(
      `--wait must be a duration such as 250ms, 1s or 5m: got '${values.wait}'`,
    );
  }
  const env = cliEnvironment(io, values["env-file"]);
  const auth = values["no-login"] ? undefined : consoleAuth(env);
  let tape;
  try {
    tape = openSessionTape({ record: values.record });
  } catch (error) {
    if (error instanceof TapeUsageError) throw new CliUsageError(error.message);
    throw error;
  }
  const endpoint = values.url !== undefined
    ? { url: values.url }
    : { env: values.env as "live" | "sim" };
  const interactive = process.stdin.isTTY === true && io.isTTY;
  const heartbeats = values.heartbeats === true;
  const session = (handlers: ConsoleHandlers) =>
    new ConsoleSession({
      endpoint,
      auth,
      ...(tape?.recorder && { recorder: tape.recorder }),
      ...handlers,
    });
  try {
    if (interactive) {
      const { runConsolePrompt } = await import(
        "./console_prompt.ts" + ""
      ) as typeof import("./console_prompt.ts");
      return await runConsolePrompt({ session, heartbeats, color: !env.NO_COLOR, io });
    }
    const { runConsolePipe } = await import(
      "./console_pipe.ts" + ""
    ) as typeof import("./console_pipe.ts");
    return await runConsolePipe({ session, heartbeats, waitMs, lines: _stdinLines(), io });
  } finally {
    tape?.close();
  }
}

async function* _stdinLines(): AsyncGenerator<string> {
  const { createInterface } = await import("node:readline");
  const lines = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
  try {
    for await (const line of lines) yield line;
  } finally {
    lines.close();
  }
}
