/**
 * `t4flow sim`: starts the simulator, prints its URL and a demo credential, and serves until
 * SIGINT/SIGTERM or until the given signal aborts.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { didYouMean } from "../runtime/did_you_mean.ts";
import { DEMO_API_KEY, DEMO_LOGIN, loadSimConfig, type SimConfig } from "./sim_config.ts";
import { startSimulator } from "./simulator.ts";
import { DEFAULT_SIM_PORT, SIM_HELP as _HELP } from "./sim_help.ts";

/** Where `simCommand` writes, and what stops it. */
export interface SimCommandIo {
  /** Standard output (default: `process.stdout`). */
  stdout?: { write(text: string): unknown };
  /** Standard error (default: `process.stderr`). */
  stderr?: { write(text: string): unknown };
  /** Stops the simulator when aborted (SIGINT and SIGTERM always do). */
  signal?: AbortSignal;
}

export { DEFAULT_SIM_PORT };

function _int(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min || n > max) {
    throw new TypeError(
      `Cannot start the simulator as '--${name}' must be an integer from ${min} to ${max}: current value is '${value}'`,
    );
  }
  return n;
}

/**
 * Runs `t4flow sim`.
 *
 * @param args The arguments after `sim`.
 * @param io Output streams and a stop signal.
 * @returns The exit code: 0 after a clean stop (or `--help`), 1 when the simulator cannot start,
 *   2 on bad arguments.
 *
 * @example Start on a free port and stop at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { simCommand } from "./sim_command.ts";
 *
 * const controller = new AbortController();
 * let out = "";
 * const stdout = {
 *   write(text: string) {
 *     out += text;
 *     if (out.includes("ws://")) controller.abort();
 *   },
 * };
 * const code = await simCommand(["--port", "0"], { stdout, signal: controller.signal });
 * assert.equal(code, 0);
 * assert.match(out, /ws:\/\/127\.0\.0\.1:\d+\/v1/);
 * ```
 */
export async function simCommand(args: string[], io: SimCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let config: SimConfig = {};
  let port: number | undefined;
  let restPort: number | undefined;
  let seed: number | undefined;
  let host: string | undefined;
  let quiet = false;
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        "rest-port": { type: "string" },
        host: { type: "string" },
        config: { type: "string" },
        seed: { type: "string" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help === true) {
      stdout.write(_HELP);
      return 0;
    }
    if (values.port !== undefined) port = _int("port", values.port, 0, 65535);
    if (values["rest-port"] !== undefined) {
      restPort = _int("rest-port", values["rest-port"], 0, 65535);
    }
    if (values.seed !== undefined) seed = _int("seed", values.seed, 0, 2 ** 31 - 1);
    host = values.host;
    quiet = values.quiet === true;
    if (values.config !== undefined) {
      try {
        config = await loadSimConfig(values.config);
      } catch (error) {
        stderr.write(`${(error as Error).message}\n`);
        return 1;
      }
    }
  } catch (error) {
    stderr.write(`${_friendly(error as Error & { code?: string })}\n\n${_HELP}`);
    return 2;
  }
  if (io.signal?.aborted === true) return 0;

  let sim;
  const wsPort = port ?? config.port ?? DEFAULT_SIM_PORT;
  try {
    sim = await startSimulator({
      ...config,
      hostname: host ?? config.host ?? "127.0.0.1",
      port: wsPort,
      restPort: restPort ?? (wsPort === 0 || wsPort === 65535 ? 0 : wsPort + 1),
      seed: seed ?? config.seed ?? 1,
      ...(!quiet && {
        log: (line: string) => void stderr.write(`${new Date().toISOString()} ${line}\n`),
      }),
    });
  } catch (error) {
    stderr.write(`Cannot start the simulator: ${(error as Error).message}\n`);
    return 1;
  }
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  io.signal?.addEventListener("abort", stop, { once: true });
  const lines = [
    `t4flow simulator listening on ${sim.url}`,
    `REST API (market lookup): ${sim.restUrl}`,
  ];
  if (config.users === undefined) {
    lines.push(
      `Demo API key: ${DEMO_API_KEY}`,
      `Demo login:   firm ${DEMO_LOGIN.firm}, user ${DEMO_LOGIN.username}, password ${DEMO_LOGIN.password}, app ${DEMO_LOGIN.appName}, license ${DEMO_LOGIN.appLicense}`,
    );
  } else {
    lines.push(`Users: ${config.users.length} from the config file (credentials not shown)`);
  }
  lines.push("Press Ctrl+C to stop.");
  stdout.write(`${lines.join("\n")}\n`);
  await stopped;
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  io.signal?.removeEventListener("abort", stop);
  await sim.stop();
  stdout.write("Simulator stopped.\n");
  return 0;
}

if (import.meta.main) process.exit(await simCommand(process.argv.slice(2)));

const _OPTIONS = ["--port", "--rest-port", "--host", "--config", "--seed", "--quiet", "--help"];

/** parseArgs' message in plain words, with the option probably meant. */
function _friendly(error: Error & { code?: string }): string {
  const first = error.message.split("\n")[0] ?? String(error);
  if (error.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return first;
  const option = /'([^']+)'/.exec(first)?.[1] ?? "";
  const suggestion = didYouMean(option, _OPTIONS);
  return `Unknown option '${option}'.${suggestion ? ` Did you mean '${suggestion}'?` : ""}`;
}
