/**
 * `t4flow console` when standard input is not a terminal: each input line is one
 * `ClientMessage` in protobuf JSON, each received `ServerMessage` one line of protobuf JSON on
 * standard output; status and errors on standard error. Scripts like `wscat -x`.
 *
 * @module
 */

import { type Clock, sleep, systemClock } from "../runtime/clock.ts";
import { redactSecrets } from "../client/credentials.ts";
import { EXIT_CODES } from "../workflow/exit_codes.ts";
import type { CliIo } from "./cli_io.ts";
import { parseClientMessage } from "./client_message_input.ts";
import { ConsoleFilter, redactedJson } from "./console_printer.ts";
import type { ConsoleSession, ConsoleSessionOptions } from "./console_session.ts";

/** What the console session reports to its user. */
export type ConsoleHandlers = Pick<ConsoleSessionOptions, "onMessage" | "onStatus">;

/** Options of {@linkcode runConsolePipe}. */
export interface ConsolePipeOptions {
  /** Creates the session with the given handlers. */
  session: (handlers: ConsoleHandlers) => ConsoleSession;
  /** Print heartbeats too. */
  heartbeats: boolean;
  /** Time to wait for answers after the input ended, in ms. */
  waitMs: number;
  /** The input lines. */
  lines: AsyncIterable<string>;
  /** Standard output and error. */
  io: Pick<CliIo, "stdout" | "stderr">;
  /**
   * The clock for the final wait.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/**
 * Runs the console on a pipe.
 *
 * @param options Session factory, output, input lines and the final wait.
 * @returns 0 when the input ended and the wait passed; 1 when the session ended first; 2 when an
 *   input line was invalid (the others were sent); 3 when the connection or login failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runConsolePipe } from "./console_pipe.ts";
 * import { ConsoleSession } from "./console_session.ts";
 * import { startSimulator } from "../sim/mod.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * const out: string[] = [];
 * const err: string[] = [];
 * const code = await runConsolePipe({
 *   session: (handlers) => new ConsoleSession({ endpoint: { url: sim.url }, auth: { apiKey: "demo-api-key" }, ...handlers }),
 *   heartbeats: false,
 *   waitMs: 100,
 *   lines: (async function* () { yield '{"nope": {}}'; })(),
 *   io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) },
 * });
 * assert.equal(code, 2);
 * assert.match(err.join(""), /stdin:1: Cannot send the message as it must have exactly one payload case|stdin:1: Cannot send the message as 'nope' is not a field/);
 * assert.match(out[0]!, /^\{"loginResponse":/);
 * ```
 */
export async function runConsolePipe(options: ConsolePipeOptions): Promise<number> {
  const { io } = options;
  const filter = new ConsoleFilter();
  filter.heartbeats = options.heartbeats;
  let secrets: readonly string[] = [];
  const session = options.session({
    onMessage(message) {
      if (!filter.shows(message.payload.case)) return;
      io.stdout(`${JSON.stringify(redactedJson(message, secrets))}\n`);
    },
    onStatus: (text) => io.stderr(`t4flow: ${redactSecrets(text, secrets)}\n`),
  });
  secrets = session.secrets;
  try {
    io.stderr(`t4flow: ${await session.start()}\n`);
  } catch (error) {
    io.stderr(`t4flow: ${redactSecrets((error as Error).message, secrets)}\n`);
    await session.close();
    return EXIT_CODES.connection;
  }
  let invalid = 0;
  let ended: string | undefined;
  void session.ended.then((reason) => ended = reason);
  let lineNo = 0;
  const endedOrInput = (async () => {
    for await (const raw of options.lines) {
      lineNo++;
      if (ended !== undefined) return;
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      try {
        const message = parseClientMessage(line);
        session.send(message);
        io.stderr(
          `t4flow: sent ${message.payload.case} ${
            JSON.stringify(Object.values(redactedJson(message, secrets, true))[0] ?? {})
          }\n`,
        );
      } catch (error) {
        invalid++;
        io.stderr(
          `t4flow: stdin:${lineNo}: ${redactSecrets((error as Error).message, secrets)}\n`,
        );
      }
    }
  })();
  await Promise.race([endedOrInput, session.ended]);
  if (ended === undefined) {
    await Promise.race([sleep(options.clock ?? systemClock, options.waitMs), session.ended]);
  }
  await session.close();
  if (ended !== undefined) {
    io.stderr(`t4flow: the session ended: ${redactSecrets(ended, secrets)}\n`);
    return EXIT_CODES.failed;
  }
  return invalid > 0 ? EXIT_CODES.invalid : EXIT_CODES.success;
}
