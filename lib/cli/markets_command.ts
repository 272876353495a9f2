/**
 * `t4flow markets`: market lookup through the T4 REST API. `front EXCHANGE CONTRACT` prints the
 * front market, `search TEXT` the matching contracts, `list EXCHANGE [CONTRACT]` the contracts of
 * an exchange or the unexpired markets of a contract; a table, or JSON with `--json`.
 * Credentials come from `T4_API_KEY` (sent as `APIKey`), or from `T4_FIRM`, `T4_USERNAME`,
 * `T4_PASSWORD`, `T4_APP_NAME` and `T4_APP_LICENSE` (a WebSocket login whose session token goes as
 * `Bearer`). Exit codes as for `run`.
 *
 * @module
 */

import type { Auth } from "../client/credentials.ts";
import { ConnectionError, LoginError, LoginTimeoutError } from "../client/errors.ts";
import { T4Client } from "../client/t4_client.ts";
import { restAuthFor, RestClient, T4_REST_ENDPOINTS } from "../rest/rest_client.ts";
import {
  InsecureRestUrlError,
  RestError,
  RestNetworkError,
  RestTimeoutError,
} from "../rest/rest_errors.ts";
import { T4Markets } from "../rest/t4_markets.ts";
import { EXIT_CODES } from "../workflow/exit_codes.ts";
import { cliEnvironment, CliUsageError, parseCommandArgs } from "./cli_args.ts";
import type { CliIo } from "./cli_io.ts";

const _PASSWORD_VARS = [
  "T4_FIRM",
  "T4_USERNAME",
  "T4_PASSWORD",
  "T4_APP_NAME",
  "T4_APP_LICENSE",
] as const;

/**
 * Runs `t4flow markets`.
 *
 * @param args The arguments after `markets`.
 * @param io Streams and environment.
 * @returns The exit code: 0 found, 1 the lookup failed (e.g. unknown contract), 2 invalid usage,
 *   3 could not connect, log in or authorize.
 * @throws {CliUsageError} On invalid usage (the dispatcher prints it and exits 2).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startSimulator } from "../sim/mod.ts";
 * import { marketsCommand } from "./markets_command.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * const out: string[] = [];
 * const io = { stdout: (t: string) => void out.push(t), stderr: () => {}, isTTY: false, env: { T4_API_KEY: "demo-api-key" }, onInterrupt: () => () => {} };
 * assert.equal(await marketsCommand(["front", "CME_Eq", "ES", "--api", sim.restUrl, "--json"], io), 0);
 * assert.match(JSON.parse(out.join("")).marketId, /^XCME_Eq ES \(/);
 * ```
 */
export async function marketsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    env: { type: "string" },
    url: { type: "string" },
    api: { type: "string" },
    "env-file": { type: "string" },
    json: { type: "boolean" },
  });
  const [action, ...operands] = positionals;
  const arity: Record<string, [number, number, string]> = {
    front: [2, 2, "front EXCHANGE CONTRACT"],
    search: [1, 1, "search TEXT"],
    list: [1, 2, "list EXCHANGE [CONTRACT]"],
  };
  const shape = action === undefined ? undefined : arity[action];
  if (shape === undefined) {
    throw new CliUsageError(
      action === undefined
        ? "missing what to do, expected front, search or list"
        : `unknown action '${action}', expected front, search or list`,
    );
  }
  if (operands.length < shape[0] || operands.length > shape[1]) {
    throw new CliUsageError(`expected 't4flow markets ${shape[2]}'`);
  }
  if (values.env !== undefined && values.env !== "live" && values.env !== "sim") {
    throw new CliUsageError(`--env must be live or sim: current value is '${values.env}'`);
  }
  if (values.env !== undefined && values.url !== undefined) {
    throw new CliUsageError("give either --env or --url, not both");
  }
  const env = (values.env ?? "sim") as "live" | "sim";
  const base = values.api ??
    (values.url === undefined ? T4_REST_ENDPOINTS[env] : undefined);
  if (base === undefined) {
    throw new CliUsageError("--url needs --api URL (the REST API base of that server)");
  }
  const auth = _auth(cliEnvironment(io, values["env-file"]));
  const json = values.json === true;

  let client: T4Client | undefined;
  try {
    let rest: RestClient;
    try {
      if (!("apiKey" in auth)) {
        client = new T4Client({
          ...(values.url !== undefined ? { url: values.url } : { env }),
          auth,
          maintenance: false,
          reconnect: false,
        });
      }
      rest = new RestClient({
        baseUrl: base,
        auth: client === undefined ? auth as { apiKey: string } : restAuthFor(client, auth),
      });
    } catch (error) {
      if (error instanceof InsecureRestUrlError || error instanceof TypeError) {
        throw new CliUsageError(error.message);
      }
      throw error;
    }
    if (client !== undefined) {
      try {
        await client.connect();
      } catch (error) {
        const { explainConnectionError } = await import(
          "../workflow/explain_connection_error.ts" + ""
        ) as typeof import("../workflow/explain_connection_error.ts");
        throw await explainConnectionError(error);
      }
    }
    const [first, second] = [operands[0]!, operands[1]];
    const markets = new T4Markets(rest);
    switch (action) {
      case "front": {
        const market = await markets.front(first, second!);
        _print(io, json, market, ["MARKET", "EXCHANGE", "CONTRACT", "EXPIRY", "DESCRIPTION"], [[
          market.marketId,
          market.exchangeId,
          market.contractId,
          _day(market.expiryDate),
          market.description,
        ]]);
        break;
      }
      case "search": {
        const found = await markets.search(first);
        _print(
          io,
          json,
          found,
          ["EXCHANGE", "CONTRACT", "DESCRIPTION"],
          found.map((c) => [c.exchangeId, c.contractId, c.description]),
        );
        break;
      }
      case "list": {
        if (second === undefined) {
          const contracts = await markets.contracts(first);
          _print(
            io,
            json,
            contracts,
            ["EXCHANGE", "CONTRACT", "DESCRIPTION"],
            contracts.map((c) => [c.exchangeId, c.contractId, c.description]),
          );
        } else {
          const listed = await markets.markets(first, second);
          _print(
            io,
            json,
            listed,
            ["MARKET", "EXPIRY", "DESCRIPTION"],
            listed.map((m) => [m.marketId, _day(m.expiryDate), m.description]),
          );
        }
        break;
      }
    }
    return EXIT_CODES.success;
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`t4flow: ${message}\n`);
    return _exitCode(error);
  } finally {
    await client?.close();
  }
}

function _auth(env: Readonly<Record<string, string | undefined>>): Auth {
  const key = env.T4_API_KEY;
  if (key) return { apiKey: key };
  const missing = _PASSWORD_VARS.filter((name) => !env[name]);
  if (missing.length === _PASSWORD_VARS.length) {
    throw new CliUsageError(
      `missing credentials, expected T4_API_KEY, or ${
        _PASSWORD_VARS.join(", ")
      } in the environment or --env-file`,
    );
  }
  if (missing.length > 0) {
    throw new CliUsageError(
      `missing ${missing.join(", ")}, expected T4_API_KEY alone or all of ${
        _PASSWORD_VARS.join(", ")
      }`,
    );
  }
  return {
    firm: env.T4_FIRM!,
    username: env.T4_USERNAME!,
    password: env.T4_PASSWORD!,
    appName: env.T4_APP_NAME!,
    appLicense: env.T4_APP_LICENSE!,
  };
}

function _exitCode(error: unknown): number {
  if (
    error instanceof LoginError || error instanceof LoginTimeoutError ||
    error instanceof ConnectionError || error instanceof RestNetworkError ||
    error instanceof RestTimeoutError ||
    (error instanceof RestError && (error.status === 401 || error.status === 403))
  ) return EXIT_CODES.connection;
  // An unknown contract (MarketNotFoundError) or another refusal of the lookup.
  return EXIT_CODES.failed;
}

/** `2026-12-18T00:00:00` → `2026-12-18`. */
function _day(expiry: string): string {
  return /^\d{4}-\d{2}-\d{2}/.exec(expiry)?.[0] ?? expiry;
}

function _print(
  io: CliIo,
  json: boolean,
  value: unknown,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  if (json) {
    io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    io.stdout("(none)\n");
    return;
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  io.stdout(`${[line(headers), ...rows.map(line)].join("\n")}\n`);
}
