/**
 * Simulator configuration: users, markets and settings, their defaults (a demo API key and a demo
 * firm/user/password/app/license, ES and NQ on `CME_Eq`, CL on `CME_En`), and loading them from a
 * JSON or YAML file with errors that name the file and key.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parse as parseYaml,
  parseDocument,
} from "yaml";
import { z } from "zod";
import { LOGIN_RESULT_NAME_LIST, type LoginResultName } from "../protocol/login_result.ts";
import type { SimFaultSchedule } from "./sim_fault.ts";

/** A user the simulator accepts, by API key or by firm/username/password/app/license. */
export interface SimUser {
  /** API key for API-key logins (then the other credentials are not used). */
  apiKey?: string;
  /** Firm for username/password logins. */
  firm?: string;
  /** Username for username/password logins. */
  username?: string;
  /** Password; a wrong one is `LOGIN_FAILED` and counts towards the lockout. */
  password?: string;
  /** Application name; when set, a login with another one is `APPLICATION_NOT_VALID`. */
  appName?: string;
  /** Application license; when set, a login with another one is `APPLICATION_NOT_VALID`. */
  appLicense?: string;
  /**
   * The result of a login with correct credentials, e.g. `PASSWORD_EXPIRED`.
   *
   * @default {"LOGIN_SUCCESS"}
   */
  outcome?: LoginResultName;
  /** The `error_message` sent with an `outcome` other than success (default: none). */
  errorMessage?: string;
  /** The user id in `LoginResponse` (default: derived from the username or key). */
  userId?: string;
  /** The account ids this user may trade (default: one account named after the user). */
  accounts?: string[];
}

/** One tradable market of the simulator. */
export interface SimMarket {
  /** Exchange id, e.g. `CME_Eq`. */
  exchangeId: string;
  /** Contract id, e.g. `ES`. */
  contractId: string;
  /** Market id, e.g. `XCME_Eq ES (Z26)`. */
  marketId: string;
  /** Price increment, e.g. 0.25. */
  tickSize: number;
  /** Decimals of prices, e.g. 2. */
  decimals: number;
  /** Currency value of one point, e.g. 50 for ES. */
  pointValue: number;
  /** Mid price at start. */
  startPrice: number;
  /**
   * Expiry as `YYYYMMDD`.
   *
   * @default {0}
   */
  expiryDate?: number;
}

/** The demo API key accepted by default. */
export const DEMO_API_KEY = "demo-api-key";

/**
 * The demo username/password credentials accepted by default (this is a local practice
 * simulator: these are not secrets).
 */
export const DEMO_LOGIN = {
  firm: "T4Demo",
  username: "demo",
  password: "demo-password",
  appName: "t4flow",
  appLicense: "demo-license",
} as const;

/**
 * Default users: the demo API key, the demo login, and users whose correct login yields
 * `PASSWORD_EXPIRED` (`expired`), `TWO_FACTOR_REQUIRED` (`twofactor`) and `UNAUTHORIZED`
 * (`unauthorized`), all with the demo password, firm, app and license.
 */
export const DEFAULT_SIM_USERS: readonly SimUser[] = [
  { apiKey: DEMO_API_KEY, userId: "demo-api", accounts: ["SIM-API-1"] },
  { ...DEMO_LOGIN, userId: "demo", accounts: ["SIM-DEMO-1", "SIM-DEMO-2"] },
  { ...DEMO_LOGIN, username: "expired", outcome: "PASSWORD_EXPIRED" },
  { ...DEMO_LOGIN, username: "twofactor", outcome: "TWO_FACTOR_REQUIRED" },
  { ...DEMO_LOGIN, username: "unauthorized", outcome: "UNAUTHORIZED" },
];

/**
 * Default markets: E-mini S&P 500 and E-mini Nasdaq-100 (`CME_Eq`), crude oil (`CME_En`).
 */
export const DEFAULT_SIM_MARKETS: readonly SimMarket[] = [
  {
    exchangeId: "CME_Eq",
    contractId: "ES",
    marketId: "XCME_Eq ES (Z26)",
    tickSize: 0.25,
    decimals: 2,
    pointValue: 50,
    startPrice: 6000,
    expiryDate: 20261218,
  },
  {
    exchangeId: "CME_Eq",
    contractId: "NQ",
    marketId: "XCME_Eq NQ (Z26)",
    tickSize: 0.25,
    decimals: 2,
    pointValue: 20,
    startPrice: 21000,
    expiryDate: 20261218,
  },
  {
    exchangeId: "CME_En",
    contractId: "CL",
    marketId: "XCME_En CL (F27)",
    tickSize: 0.01,
    decimals: 2,
    pointValue: 1000,
    startPrice: 70,
    expiryDate: 20261219,
  },
];

/** What happens when a user who is logged in logs in again on another connection. */
export type DuplicateLoginPolicy = "kick_first" | "reject_second" | "allow";

/** Settings a config file may hold (every field optional). */
export interface SimConfig {
  /** Listening port. */
  port?: number;
  /** Listening address. */
  host?: string;
  /** PRNG seed. */
  seed?: number;
  /** Heartbeat interval in ms. */
  heartbeatMs?: number;
  /** Intervals without any frame after which a client is dropped. */
  missedHeartbeats?: number;
  /** Failed logins after which a user is locked out. */
  lockoutThreshold?: number;
  /** Market data step in ms. */
  depthIntervalMs?: number;
  /** Levels in each side of the book. */
  bookDepth?: number;
  /** Duplicate login handling. */
  duplicateLogin?: DuplicateLoginPolicy;
  /** Lifetime of authentication tokens in ms. */
  tokenTtlMs?: number;
  /** Users (replace the defaults). */
  users?: SimUser[];
  /** Markets (replace the defaults). */
  markets?: SimMarket[];
  /** Faults applied to connections or scheduled. */
  faults?: SimFaultSchedule[];
}

const _loginName = z.enum(LOGIN_RESULT_NAME_LIST as [LoginResultName, ...LoginResultName[]]);
const _nonEmpty = z.string().min(1);
const _user = z.strictObject({
  apiKey: _nonEmpty.optional(),
  firm: z.string().optional(),
  username: _nonEmpty.optional(),
  password: z.string().optional(),
  appName: z.string().optional(),
  appLicense: z.string().optional(),
  outcome: _loginName.optional(),
  userId: _nonEmpty.optional(),
  accounts: z.array(_nonEmpty).optional(),
}).refine((u) => u.apiKey !== undefined || u.username !== undefined, {
  message: "needs 'apiKey' or 'username'",
});
const _market = z.strictObject({
  exchangeId: _nonEmpty,
  contractId: _nonEmpty,
  marketId: _nonEmpty,
  tickSize: z.number().positive(),
  decimals: z.number().int().min(0).max(10),
  pointValue: z.number().positive(),
  startPrice: z.number().positive(),
  expiryDate: z.number().int().optional(),
});
const _ms = z.number().int().min(0);
const _times = z.number().int().positive().optional();
const _conn = { afterMs: _ms.optional(), times: _times };
const _server = { atMs: _ms.optional(), durationMs: _ms.optional() };
const _fault = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("drop"), ..._conn }),
  z.strictObject({ kind: z.literal("silence"), ..._conn }),
  z.strictObject({ kind: z.literal("stop_reading"), ..._conn }),
  z.strictObject({
    kind: z.literal("garbage"),
    ..._conn,
    bytes: z.number().int().min(2).optional(),
  }),
  z.strictObject({ kind: z.literal("text"), ..._conn, text: z.string().optional() }),
  z.strictObject({ kind: z.literal("truncated"), ..._conn }),
  z.strictObject({
    kind: z.literal("oversized"),
    ..._conn,
    bytes: z.number().int().positive().optional(),
  }),
  z.strictObject({ kind: z.literal("delay"), ms: _ms, times: _times }),
  z.strictObject({
    kind: z.literal("flood"),
    frames: z.number().int().positive(),
    marketId: _nonEmpty.optional(),
    times: _times,
  }),
  z.strictObject({ kind: z.literal("refuse"), ..._server }),
  z.strictObject({ kind: z.literal("maintenance"), ..._server }),
  z.strictObject({ kind: z.literal("resume"), atMs: _ms.optional() }),
]);
const _config = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  host: _nonEmpty.optional(),
  seed: z.number().int().optional(),
  heartbeatMs: z.number().int().positive().optional(),
  missedHeartbeats: z.number().int().positive().optional(),
  lockoutThreshold: z.number().int().positive().optional(),
  depthIntervalMs: z.number().int().positive().optional(),
  bookDepth: z.number().int().min(1).max(255).optional(),
  duplicateLogin: z.enum(["kick_first", "reject_second", "allow"]).optional(),
  tokenTtlMs: _ms.optional(),
  users: z.array(_user).optional(),
  markets: z.array(_market).min(1).optional(),
  faults: z.array(_fault).optional(),
});

/** A config file that cannot be read or is not valid. */
export class SimConfigError extends Error {
  /** The file. */
  readonly file: string;
  /** The offending key path, e.g. `users[0].outcome`, when known. */
  readonly key: string | undefined;

  /**
   * Creates the error.
   *
   * @param file The file.
   * @param key The key path.
   * @param message The message.
   * @param options The cause.
   */
  constructor(file: string, key: string | undefined, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SimConfigError";
    this.file = file;
    this.key = key;
  }
}

/** Offset of the value (or, for an unknown key, the key) at `path`; the deepest found. */
function _offset(
  doc: ReturnType<typeof parseDocument>,
  path: readonly PropertyKey[],
  key: boolean,
): number {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const [i, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
      if (!pair) return offset;
      if (key && i === path.length - 1) return (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") node = node.items[segment];
    else return offset;
    offset = (node as Node | null)?.range?.[0] ?? offset;
  }
  return offset;
}

function _path(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out === "" ? "" : "."}${String(part)}`;
  }
  return out;
}

/**
 * Parses and validates config text (JSON is valid YAML, so both are accepted).
 *
 * @param text The file content.
 * @param file The file name, for error messages.
 * @returns The config.
 * @throws {SimConfigError} On a syntax error (with line and column) or an invalid key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSimConfig } from "./sim_config.ts";
 *
 * const config = parseSimConfig("seed: 7\nusers:\n  - apiKey: my-key\n", "sim.yaml");
 * assert.equal(config.seed, 7);
 * assert.throws(() => parseSimConfig("seed: x", "sim.yaml"), /sim\.yaml.*'seed'/);
 * ```
 */
export function parseSimConfig(text: string, file: string): SimConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const pos = (error as { linePos?: [{ line: number; col: number }] }).linePos?.[0];
    const where = pos === undefined ? "" : ` at line ${pos.line}, column ${pos.col}`;
    throw new SimConfigError(
      file,
      undefined,
      `Cannot parse simulator config '${file}'${where}: ${(error as Error).message.split("\n")[0]}`,
      { cause: error },
    );
  }
  const result = _config.safeParse(raw ?? {});
  if (!result.success) {
    // Every problem at once, each with its line and column.
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    const messages = result.error.issues.map((issue) => {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
      return keys.map((extra) => {
        const path = extra === undefined ? issue.path : [...issue.path, extra];
        const key = _path(path);
        const { line, col } = lines.linePos(_offset(doc, path, extra !== undefined));
        return `Cannot load simulator config '${file}' as '${
          key || "(root)"
        }' is invalid at line ${line}, column ${col}: ${issue.message}`;
      }).join("\n");
    });
    throw new SimConfigError(file, _path(result.error.issues[0]!.path), messages.join("\n"));
  }
  return result.data as SimConfig;
}

/**
 * Reads and validates a config file.
 *
 * @param file The path of a `.json`, `.yaml` or `.yml` file.
 * @returns The config.
 * @throws {SimConfigError} When the file cannot be read or is invalid.
 */
export async function loadSimConfig(file: string): Promise<SimConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new SimConfigError(
      file,
      undefined,
      `Cannot read simulator config '${file}': ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseSimConfig(text, file);
}
