/**
 * Reads one `ClientMessage` typed at the console: protobuf JSON (`{"marketDepthSubscribe":
 * {...}}`) or YAML (`marketDepthSubscribe: {exchangeId: CME_Eq, ...}`), checked against the
 * generated descriptors so that an unknown payload case, field or enum value is a clear error
 * with a "did you mean". Enum values may be written in full (`DEPTH_BUFFER_SMART`) or without
 * the enum's prefix (`SMART`). Field names may be JSON (`marketId`) or proto (`market_id`).
 *
 * @module
 */

import {
  type DescEnum,
  type DescField,
  type DescMessage,
  fromJson,
  ScalarType,
} from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import { parse as parseYaml } from "yaml";
import { type ClientMessage, ClientMessageSchema } from "../protocol/gen/t4/v1/service_pb.ts";
import { didYouMean } from "../workflow/did_you_mean.ts";

/**
 * The text is not a valid `ClientMessage`; nothing is sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientMessageInputError } from "./client_message_input.ts";
 *
 * const error = new ClientMessageInputError("marketDepthSubscribe.foo", "is not a field");
 * assert.equal(error.message, "Cannot send the message as 'marketDepthSubscribe.foo' is not a field");
 * ```
 */
export class ClientMessageInputError extends Error {
  /** The error class name, `"ClientMessageInputError"`. */
  override readonly name = "ClientMessageInputError";
  /** The key path, e.g. `marketDepthSubscribe.buffer` (`""` for the whole message). */
  readonly key: string;

  /**
   * Creates the error.
   *
   * @param key The key path, or `""`.
   * @param detail What is wrong.
   */
  constructor(key: string, detail: string) {
    super(`Cannot send the message as ${key ? `'${key}' ` : "it "}${detail}`);
    this.key = key;
  }
}

/**
 * Parses and checks one `ClientMessage` in protobuf JSON or YAML.
 *
 * @param text The message.
 * @returns The message.
 * @throws {ClientMessageInputError} When the text is not JSON/YAML, has no or several payload
 *   cases, or names an unknown field or enum value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseClientMessage } from "./client_message_input.ts";
 *
 * const m = parseClientMessage("marketDepthSubscribe: {exchangeId: CME_Eq, contractId: ES, marketId: M, buffer: SMART}");
 * assert.equal(m.payload.case, "marketDepthSubscribe");
 * assert.throws(
 *   () => parseClientMessage('{"marketDepthSubscribe": {"marketIdd": "M"}}'),
 *   /'marketDepthSubscribe\.marketIdd' is not a field of MarketDepthSubscribe: did you mean 'marketId'\?/,
 * );
 * ```
 */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ClientMessageInputError(
      "",
      `is neither JSON nor YAML: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ClientMessageInputError(
      "",
      `must be an object with one payload case, e.g. {"marketDepthSubscribe": {...}}`,
    );
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new ClientMessageInputError(
      "",
      `must have exactly one payload case (${payloadCaseNames().join(", ")}): got ${
        keys.length === 0 ? "none" : keys.join(", ")
      }`,
    );
  }
  const json = _check(ClientMessageSchema, value as Record<string, unknown>, "");
  try {
    return fromJson(ClientMessageSchema, json as JsonValue);
  } catch (error) {
    throw new ClientMessageInputError("", (error as Error).message);
  }
}

/**
 * The payload cases of `ClientMessage`, in JSON form.
 *
 * @returns The names, e.g. `marketDepthSubscribe`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { payloadCaseNames } from "./client_message_input.ts";
 *
 * assert.ok(payloadCaseNames().includes("accountSubscribe"));
 * ```
 */
export function payloadCaseNames(): string[] {
  return ClientMessageSchema.fields.map((field) => field.jsonName);
}

/**
 * Finds a field by JSON or proto name.
 *
 * @param message The message descriptor.
 * @param key `marketId` or `market_id`.
 * @returns The field, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findField } from "./client_message_input.ts";
 * import { MarketDepthSubscribeSchema } from "../protocol/proto.ts";
 *
 * assert.equal(findField(MarketDepthSubscribeSchema, "market_id")?.jsonName, "marketId");
 * ```
 */
export function findField(message: DescMessage, key: string): DescField | undefined {
  return message.fields.find((field) => field.jsonName === key || field.name === key);
}

/**
 * The value names of an enum, without the enum's shared prefix.
 *
 * @param desc The enum descriptor.
 * @returns The names, e.g. `SMART`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { enumValueNames } from "./client_message_input.ts";
 * import { DepthBufferSchema } from "../protocol/proto.ts";
 *
 * assert.ok(enumValueNames(DepthBufferSchema).includes("SMART"));
 * ```
 */
export function enumValueNames(desc: DescEnum): string[] {
  return desc.values.map((v) => _short(desc, v.name));
}

const _prefixes = new WeakMap<DescEnum, string>();

/** The `_`-delimited prefix all values share, e.g. `DEPTH_BUFFER_`. */
function _prefix(desc: DescEnum): string {
  let prefix = _prefixes.get(desc);
  if (prefix === undefined) {
    const names = desc.values.map((v) => v.name);
    prefix = names[0] ?? "";
    for (const name of names) {
      while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
    }
    prefix = names.length > 1 ? prefix.slice(0, prefix.lastIndexOf("_") + 1) : "";
    _prefixes.set(desc, prefix);
  }
  return prefix;
}

function _short(desc: DescEnum, name: string): string {
  const prefix = _prefix(desc);
  return prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

function _check(
  message: DescMessage,
  object: Record<string, unknown>,
  path: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const at = path ? `${path}.${key}` : key;
    const field = findField(message, key);
    if (field === undefined) {
      const names = message.fields.map((f) => f.jsonName);
      const hint = didYouMean(key, names);
      throw new ClientMessageInputError(
        at,
        `is not a field of ${message.name}${hint ? `: did you mean '${hint}'?` : ""} (fields: ${
          names.join(", ")
        })`,
      );
    }
    out[field.jsonName] = _value(field, value, at);
  }
  return out;
}

function _value(field: DescField, value: unknown, at: string): unknown {
  if (value === null) return value;
  switch (field.fieldKind) {
    case "message":
      return _messageValue(field.message, value, at);
    case "enum":
      return _enumValue(field.enum, value, at);
    case "list":
      if (!Array.isArray(value)) return value;
      if (field.listKind === "message") {
        return value.map((item, i) => _messageValue(field.message, item, `${at}[${i}]`));
      }
      if (field.listKind === "enum") {
        return value.map((item, i) => _enumValue(field.enum, item, `${at}[${i}]`));
      }
      return field.scalar === ScalarType.STRING
        ? value.map((item) => typeof item === "number" ? String(item) : item)
        : value;
    case "scalar":
      // YAML reads `20261218` as a number: a string field takes its text.
      return typeof value === "number" && field.scalar === ScalarType.STRING
        ? String(value)
        : value;
    default:
      return value;
  }
}

function _messageValue(message: DescMessage, value: unknown, at: string): unknown {
  if (message.typeName.startsWith("google.protobuf.")) return value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ClientMessageInputError(at, `must be an object (a ${message.name})`);
  }
  return _check(message, value as Record<string, unknown>, at);
}

function _enumValue(desc: DescEnum, value: unknown, at: string): unknown {
  if (typeof value === "number") return value;
  if (typeof value !== "string") {
    throw new ClientMessageInputError(at, `must be a ${desc.name} name or number`);
  }
  const full = desc.values.find((v) => v.name === value) ??
    desc.values.find((v) => _short(desc, v.name) === value);
  if (full === undefined) {
    const names = enumValueNames(desc);
    const hint = didYouMean(value, names);
    throw new ClientMessageInputError(
      at,
      `is not a ${desc.name} value${hint ? `: did you mean '${hint}'?` : ""} (values: ${
        names.join(", ")
      })`,
    );
  }
  return full.name;
}
