/**
 * `t4flow console` on a terminal: a `node:readline` prompt with completion from the descriptors
 * and history; server messages print above the prompt, pretty and coloured, as they arrive.
 *
 * @module
 */

import process from "node:process";
import { createInterface, type Interface } from "node:readline";
import { redactSecrets } from "../client/credentials.ts";
import { EXIT_CODES } from "../workflow/exit_codes.ts";
import type { CliIo } from "./cli_io.ts";
import { parseClientMessage } from "./client_message_input.ts";
import type { ConsoleHandlers } from "./console_pipe.ts";
import { ConsoleFilter, formatServerMessage, redactedJson } from "./console_printer.ts";
import type { ConsoleSession } from "./console_session.ts";
import { completeConsoleLine } from "./message_completer.ts";

/** Options of {@linkcode runConsolePrompt}. */
export interface ConsolePromptOptions {
  /** Creates the session with the given handlers. */
  session: (handlers: ConsoleHandlers) => ConsoleSession;
  /** Show heartbeats from the start. */
  heartbeats: boolean;
  /** ANSI colours. */
  color: boolean;
  /** Standard error for connection failures. */
  io: Pick<CliIo, "stderr">;
  /**
   * The terminal's input.
   *
   * @default {process.stdin}
   */
  input?: NodeJS.ReadableStream;
  /**
   * The terminal's output.
   *
   * @default {process.stdout}
   */
  output?: NodeJS.WritableStream;
}

/** The text of `/help`. */
export const CONSOLE_PROMPT_HELP = `Type one ClientMessage per line, in protobuf JSON or YAML, e.g.
  {"marketDepthSubscribe": {"exchangeId": "CME_Eq", "contractId": "ES", "marketId": "XCME_Eq ES (Z26)", "buffer": "SMART", "depthLevels": "NORMAL"}}
  marketDepthSubscribe: {exchangeId: CME_Eq, contractId: ES, marketId: XCME_Eq ES (Z26), buffer: NO_SUBSCRIPTION}
Tab completes payload cases, field names and enum values; Up/Down walk the history.
Commands:
  /filter CASE...     show only these server payload cases (e.g. marketDepth); /filter alone shows all
  /heartbeats on|off  show or hide heartbeats (hidden by default)
  /help               this help
  /quit               close the session and exit (or Ctrl-D)
`;

/**
 * Runs the interactive console until `/quit`, Ctrl-D or Ctrl-C, or until the session ends.
 *
 * @param options Session factory, colours, streams.
 * @returns 0 after `/quit`, Ctrl-D or Ctrl-C; 1 when the session ended for good; 3 when the
 *   connection or login failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONSOLE_PROMPT_HELP } from "./console_prompt.ts";
 *
 * assert.match(CONSOLE_PROMPT_HELP, /\/filter CASE/);
 * ```
 */
export async function runConsolePrompt(options: ConsolePromptOptions): Promise<number> {
  const output = options.output ?? process.stdout;
  const filter = new ConsoleFilter();
  filter.heartbeats = options.heartbeats;
  let secrets: readonly string[] = [];
  let rl: Interface | undefined;
  const c = (code: string, text: string) => options.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  /** Writes above the prompt and redraws it with what was typed so far. */
  const print = (text: string) => {
    if (rl === undefined) {
      output.write(text);
      return;
    }
    output.write("\r\x1b[2K");
    output.write(text);
    rl.prompt(true);
  };
  const session = options.session({
    onMessage(message, at) {
      if (!filter.shows(message.payload.case)) return;
      print(formatServerMessage(message, { color: options.color, at, secrets }));
    },
    onStatus: (text) => print(`${c("33", `• ${redactSecrets(text, secrets)}`)}\n`),
  });
  secrets = session.secrets;
  let banner: string;
  try {
    banner = await session.start();
  } catch (error) {
    options.io.stderr(`t4flow: ${redactSecrets((error as Error).message, secrets)}\n`);
    await session.close();
    return EXIT_CODES.connection;
  }
  print(
    `${c("32", `• ${banner}`)}\n${
      c("2", "Tab completes, /help lists the commands, Ctrl-D quits.")
    }\n`,
  );
  const prompt = createInterface({
    input: options.input ?? process.stdin,
    output,
    terminal: true,
    historySize: 1000,
    removeHistoryDuplicates: true,
    completer: (line: string) => completeConsoleLine(line),
  });
  rl = prompt;
  prompt.setPrompt(c("1", "t4> "));
  prompt.prompt();
  return await new Promise<number>((resolve) => {
    let done = false;
    const finish = async (code: number, note?: string) => {
      if (done) return;
      done = true;
      rl = undefined;
      prompt.close();
      if (note) output.write(`${note}\n`);
      await session.close();
      resolve(code);
    };
    void session.ended.then((reason) =>
      finish(EXIT_CODES.failed, c("31", `• the session ended: ${redactSecrets(reason, secrets)}`))
    );
    prompt.on("SIGINT", () => void finish(EXIT_CODES.success));
    prompt.on("close", () => void finish(EXIT_CODES.success));
    prompt.on("line", (raw: string) => {
      const line = raw.trim();
      if (line === "") {
        prompt.prompt();
        return;
      }
      if (line.startsWith("/")) {
        const answer = _command(line, filter);
        if (answer === "quit") {
          void finish(EXIT_CODES.success);
          return;
        }
        output.write(answer);
        prompt.prompt();
        return;
      }
      try {
        const message = parseClientMessage(line);
        session.send(message);
        const json = JSON.stringify(Object.values(redactedJson(message, secrets, true))[0] ?? {});
        output.write(`${c("2", `→ ${message.payload.case} ${json}`)}\n`);
      } catch (error) {
        output.write(`${c("31", `✗ ${redactSecrets((error as Error).message, secrets)}`)}\n`);
      }
      prompt.prompt();
    });
  });
}

function _command(line: string, filter: ConsoleFilter): string | "quit" {
  const [name, ...rest] = line.split(/\s+/);
  switch (name) {
    case "/quit":
    case "/exit":
      return "quit";
    case "/help":
      return CONSOLE_PROMPT_HELP;
    case "/filter":
      try {
        filter.set(rest);
      } catch (error) {
        return `✗ ${(error as Error).message}\n`;
      }
      return rest.length === 0
        ? "showing every payload case\n"
        : `showing only ${rest.join(", ")}\n`;
    case "/heartbeats":
      if (rest[0] !== "on" && rest[0] !== "off") return "✗ /heartbeats takes on or off\n";
      filter.heartbeats = rest[0] === "on";
      return `heartbeats ${filter.heartbeats ? "shown" : "hidden"}\n`;
    default:
      return `✗ Unknown command ${name}: try /filter, /heartbeats, /help or /quit\n`;
  }
}
