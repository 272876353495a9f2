/**
 * How the console shows messages: one line of protobuf JSON per `ServerMessage` (pipes), or a
 * coloured header and an indented YAML body (terminals); a filter by payload case, heartbeats
 * hidden unless asked. Authentication tokens and the session's secrets are always redacted.
 *
 * @module
 */

import { toJson } from "@bufbuild/protobuf";
import { stringify as yamlStringify } from "yaml";
import { REDACTED_TEXT, redactSecrets } from "../client/credentials.ts";
import {
  type ClientMessage,
  ClientMessageSchema,
  type ServerMessage,
  ServerMessageSchema,
} from "../protocol/gen/t4/v1/service_pb.ts";

const _SECRET_KEYS = new Set(["token", "apiKey", "password", "appLicense"]);

/**
 * A message as protobuf JSON with every secret redacted: `token`, `apiKey`, `password` and
 * `appLicense` values, and any of `secrets` anywhere.
 *
 * @param message A `ServerMessage` or `ClientMessage`.
 * @param secrets The session's secret strings.
 * @param showDefaults Also show fields at their default value (for echoing what was sent).
 * @returns The JSON value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { redactedJson } from "./console_printer.ts";
 * import { ClientMessageSchema } from "../protocol/proto.ts";
 *
 * const login = create(ClientMessageSchema, { payload: { case: "loginRequest", value: { apiKey: "sk-1" } } });
 * assert.deepEqual(redactedJson(login, []), { loginRequest: { apiKey: "[REDACTED]" } });
 * ```
 */
export function redactedJson(
  message: ServerMessage | ClientMessage,
  secrets: readonly string[],
  showDefaults = false,
): Record<string, unknown> {
  const options = { alwaysEmitImplicit: showDefaults };
  const json = message.$typeName === ServerMessageSchema.typeName
    ? toJson(ServerMessageSchema, message as ServerMessage, options)
    : toJson(ClientMessageSchema, message as ClientMessage, options);
  return _redact(json, secrets) as Record<string, unknown>;
}

function _redact(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => _redact(item, secrets));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = _SECRET_KEYS.has(key) && typeof item === "string" && item.length > 0
        ? REDACTED_TEXT
        : _redact(item, secrets);
    }
    return out;
  }
  return value;
}

/** Options of {@linkcode formatServerMessage}. */
export interface FormatOptions {
  /** ANSI colours. */
  color: boolean;
  /** Receive time, in ms since the epoch. */
  at: number;
  /** The session's secret strings. */
  secrets: readonly string[];
}

const _RESET = "\x1b[0m";
const _DIM = "\x1b[2m";
const _BOLD = "\x1b[1m";

function _caseColor(payloadCase: string): string {
  if (/Reject|Failed/.test(payloadCase)) return "\x1b[31m"; // red
  if (payloadCase.startsWith("market")) return "\x1b[36m"; // cyan
  if (payloadCase.startsWith("account")) return "\x1b[32m"; // green
  if (payloadCase.startsWith("order")) return "\x1b[33m"; // yellow
  return "\x1b[35m"; // magenta
}

/**
 * A received message for a terminal: `← HH:MM:SS.mmm case` and its fields as indented YAML.
 *
 * @param message The message.
 * @param options Colour, time and secrets.
 * @returns The text, ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { formatServerMessage } from "./console_printer.ts";
 * import { ServerMessageSchema } from "../protocol/proto.ts";
 *
 * const m = create(ServerMessageSchema, { payload: { case: "marketDepth", value: { marketId: "M" } } });
 * assert.equal(
 *   formatServerMessage(m, { color: false, at: 0, secrets: [] }),
 *   "← 00:00:00.000 marketDepth\n    marketId: M\n",
 * );
 * ```
 */
export function formatServerMessage(message: ServerMessage, options: FormatOptions): string {
  const payloadCase = message.payload.case ?? "(empty)";
  const json = redactedJson(message, options.secrets);
  const body = Object.values(json)[0];
  const time = new Date(options.at).toISOString().slice(11, 23);
  const yaml = body !== null && typeof body === "object" && Object.keys(body).length > 0
    ? yamlStringify(body, { indent: 2, lineWidth: 0 }).trimEnd().split("\n").map((line) =>
      `    ${options.color ? line.replace(/^(\s*-?\s*)([\w$]+):/, `$1${_DIM}$2:${_RESET}`) : line}`
    ).join("\n") + "\n"
    : "";
  const header = options.color
    ? `${_DIM}← ${time}${_RESET} ${_BOLD}${_caseColor(payloadCase)}${payloadCase}${_RESET}`
    : `← ${time} ${payloadCase}`;
  return `${header}\n${yaml}`;
}

/**
 * Which received messages the console shows: the filter's payload cases (all when empty), and
 * heartbeats only when asked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConsoleFilter } from "./console_printer.ts";
 *
 * const filter = new ConsoleFilter();
 * assert.equal(filter.shows("heartbeat"), false);
 * filter.set(["marketDepth"]);
 * assert.equal(filter.shows("marketDepth"), true);
 * assert.equal(filter.shows("accountUpdate"), false);
 * ```
 */
export class ConsoleFilter {
  #cases = new Set<string>();
  /** Show heartbeats. */
  heartbeats = false;

  /**
   * Shows only these payload cases (all when empty).
   *
   * @param cases Server payload case names.
   * @throws {RangeError} When a name is not a server payload case.
   */
  set(cases: readonly string[]): void {
    const known = new Set(ServerMessageSchema.fields.map((field) => field.jsonName));
    const unknown = cases.filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw new RangeError(
        `Cannot filter on ${unknown.join(", ")} as ${
          unknown.length === 1 ? "it is" : "they are"
        } not a server payload case (e.g. marketDepth, accountUpdate, orderUpdate)`,
      );
    }
    this.#cases = new Set(cases);
  }

  /** The payload cases shown (empty: all). */
  get cases(): string[] {
    return [...this.#cases];
  }

  /**
   * Whether a message of this payload case is shown.
   *
   * @param payloadCase The case.
   * @returns `true` to show it.
   */
  shows(payloadCase: string | undefined): boolean {
    if (payloadCase === "heartbeat") {
      return this.heartbeats && (this.#cases.size === 0 || this.#cases.has(payloadCase));
    }
    return this.#cases.size === 0 || this.#cases.has(payloadCase ?? "");
  }
}
