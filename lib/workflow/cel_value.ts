/**
 * Conversions between CEL values and plain JSON-safe values: captured variables go into CEL as
 * `vars`, and CEL results come out as captures for later steps, reports and alert templates.
 *
 * @module
 */

import { isCelList, isCelMap, isCelType, isCelUint } from "@bufbuild/cel";
import type { CelInput, CelValue } from "@bufbuild/cel";
import { type DescField, toJson } from "@bufbuild/protobuf";
import {
  isReflectList,
  isReflectMap,
  isReflectMessage,
  type ReflectMessage,
} from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";

/** A JSON-safe value: what {@linkcode celToPlain} returns. */
export type CelPlainValue =
  | null
  | boolean
  | number
  | string
  | readonly CelPlainValue[]
  | { readonly [key: string]: CelPlainValue };

/**
 * Converts a CEL result into a plain JSON-safe value (for captures, reports and templates).
 *
 * Rules:
 * - `int` and `uint` (bigint): a `number` when it is a safe integer (|n| ≤ 2^53 − 1), otherwise its
 *   decimal `string` (so a 64-bit id is never rounded). Enum fields are ints, so they become numbers.
 * - `double`: a `number`; `NaN`, `Infinity` and `-Infinity` become those strings (as in proto3 JSON).
 * - `string`, `bool`, `null`: themselves. `bytes`: base64.
 * - `google.protobuf.Timestamp`: an RFC 3339 string; `Duration`: e.g. `"1.500s"`.
 * - A message: an object keyed by **proto field names** (as CEL spells them) holding its set
 *   fields, converted by these same rules (enums as numbers).
 * - Lists and maps: arrays and objects (map keys become strings). A type value: its name.
 *
 * @param value A CEL value (as returned by evaluation).
 * @returns The JSON-safe value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { celToPlain } from "../../mod.ts";
 *
 * assert.equal(celToPlain(1732500000000n), 1732500000000);
 * assert.equal(celToPlain(2n ** 63n - 1n), "9223372036854775807");
 * assert.equal(celToPlain(Number.POSITIVE_INFINITY), "Infinity");
 * ```
 */
export function celToPlain(value: CelValue): CelPlainValue {
  return _plain(value);
}

function _plain(value: unknown): CelPlainValue {
  switch (typeof value) {
    case "bigint":
      return _bigint(value);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return null;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return base64Encode(value);
  if (isCelUint(value)) return _bigint(value.value);
  if (isReflectMessage(value)) return _message(value);
  if (isReflectList(value)) return Array.from(value, _plain);
  if (isReflectMap(value)) return _mapEntries(value);
  if (isCelList(value)) return Array.from(value, _plain);
  if (isCelMap(value)) return _mapEntries(value);
  if (isCelType(value)) return value.name;
  if (Array.isArray(value)) return value.map(_plain);
  if (value instanceof Map) return _mapEntries(value);
  return String(value);
}

function _bigint(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function _mapEntries(map: Iterable<[unknown, unknown]>): { [key: string]: CelPlainValue } {
  const result: { [key: string]: CelPlainValue } = {};
  for (const [key, value] of map) {
    const plainKey = isCelUint(key) ? key.value.toString() : String(key);
    result[plainKey] = _plain(value);
  }
  return result;
}

function _message(message: ReflectMessage): CelPlainValue {
  if (message.desc.typeName.startsWith("google.protobuf.")) {
    return toJson(message.desc, message.message) as CelPlainValue;
  }
  const result: { [key: string]: CelPlainValue } = {};
  for (const field of message.fields) {
    if (message.isSet(field)) result[field.name] = _field(message, field);
  }
  return result;
}

function _field(message: ReflectMessage, field: DescField): CelPlainValue {
  return _plain(message.get(field));
}

/**
 * Converts a plain value (a captured variable, a literal from a workflow file) into a CEL input.
 *
 * Rules: an integral `number` that is a safe integer becomes a CEL `int` (so `vars.n + 1` and
 * `vars.volume == msg.volume` work); any other number stays a `double`; a `bigint` is an `int`;
 * strings stay strings (a decimal string is never turned into a number: use `int(vars.id)`);
 * arrays and plain objects become lists and maps; `undefined` becomes `null`; protobuf messages
 * and CEL values pass through.
 *
 * @param value The plain value.
 * @returns The CEL input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plainToCel } from "../../mod.ts";
 *
 * assert.equal(plainToCel(3), 3n);
 * assert.equal(plainToCel(0.8), 0.8);
 * assert.deepEqual(plainToCel({ ids: [1, "2"] }), { ids: [1n, "2"] });
 * ```
 */
export function plainToCel(value: unknown): CelInput {
  switch (typeof value) {
    case "number":
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case "bigint":
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return null;
    case "object":
      break;
    default:
      return String(value);
  }
  if (value === null || value instanceof Uint8Array) return value;
  // Messages and values that are already CEL values pass through unchanged.
  if ("$typeName" in value || isReflectMessage(value) || isCelList(value) || isCelMap(value)) {
    return value as CelInput;
  }
  if (Array.isArray(value)) return value.map(plainToCel);
  if (value instanceof Date) return value.toISOString();
  const result: { [key: string]: CelInput } = {};
  for (const [key, item] of Object.entries(value)) result[key] = plainToCel(item);
  return result;
}
