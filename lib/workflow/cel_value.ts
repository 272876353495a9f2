/**
 * Conversions between CEL values and plain JSON-safe values: captured variables go into CEL as
 * `vars`, and CEL results come out as captures for later steps, reports and alert templates.
 *
 * @module
 */

import { isCelList, isCelMap, isCelType, isCelUint } from "@bufbuild/cel";
import type { CelInput, CelValue } from "@bufbuild/cel";
import { type DescField, ScalarType, toJson } from "@bufbuild/protobuf";
import {
  isReflectList,
  isReflectMap,
  isReflectMessage,
  type ReflectList,
  type ReflectMap,
  type ReflectMessage,
} from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";

/**
 * A CEL `double` whose value is whole (a price of `6015.0`), as {@linkcode celToPlain} returns it.
 *
 * A plain `number` cannot tell `6015.0` from `6015`, and {@linkcode plainToCel} turns a whole
 * `number` into a CEL `int`; this `Number` object keeps the CEL type so that a captured double comes
 * back as a `double` (`vars.bid - 100.0` works). It behaves as its number everywhere else:
 * `JSON.stringify` writes `6015`, `String()` and templates give `"6015"`, arithmetic and `Number()`
 * use its value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CelDouble, plainToCel } from "./cel_value.ts";
 *
 * const price = new CelDouble(6015);
 * assert.equal(JSON.stringify({ price }), '{"price":6015}');
 * assert.equal(`${price}`, "6015");
 * assert.equal(plainToCel(price), 6015); // a CEL double, not the int 6015n
 * ```
 */
export class CelDouble extends Number {
  /**
   * Creates a frozen CEL double.
   *
   * @param value The double's value.
   */
  constructor(value: number) {
    super(value);
    Object.freeze(this);
  }

  /**
   * Serialises the double as its plain number.
   *
   * @returns The number, for `JSON.stringify`.
   */
  toJSON(): number {
    return this.valueOf();
  }
}

/**
 * A JSON-safe value: what {@linkcode celToPlain} returns. A whole-valued CEL `double` is a
 * {@linkcode CelDouble}, which serialises as its number.
 */
export type CelPlainValue =
  | null
  | boolean
  | number
  | CelDouble
  | string
  | readonly CelPlainValue[]
  | { readonly [key: string]: CelPlainValue };

/**
 * Converts a CEL result into a plain JSON-safe value (for captures, reports and templates).
 *
 * Rules:
 * - `int` and `uint` (bigint): a `number` when it is a safe integer (|n| ≤ 2^53 − 1), otherwise its
 *   decimal `string` (so a 64-bit id is never rounded). Enum fields are ints, so they become numbers.
 * - `double` (and `float` fields): a `number`; a whole one (`6015.0`) a {@linkcode CelDouble}, so that
 *   {@linkcode plainToCel} gives it back as a `double`, not an `int`; `NaN`, `Infinity` and
 *   `-Infinity` become those strings (as in proto3 JSON).
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
 * import { celToPlain } from "./cel_value.ts";
 *
 * assert.equal(celToPlain(1732500000000n), 1732500000000);
 * assert.equal(celToPlain(2n ** 63n - 1n), "9223372036854775807");
 * assert.equal(celToPlain(Number.POSITIVE_INFINITY), "Infinity");
 * assert.equal(JSON.stringify(celToPlain(6015.0)), "6015"); // a CelDouble
 * ```
 */
export function celToPlain(value: CelValue): CelPlainValue {
  return _plain(value, true);
}

/**
 * @param value A CEL value, or a value read from a protobuf message by reflection.
 * @param double Whether a JS `number` is a double: true for CEL values (CEL ints are bigints),
 *   false for a protobuf field that is not `double`/`float` (int32 and enum fields read as numbers).
 */
function _plain(value: unknown, double: boolean): CelPlainValue {
  switch (typeof value) {
    case "bigint":
      return _bigint(value);
    case "number":
      if (!Number.isFinite(value)) return String(value);
      return double && Number.isInteger(value) ? new CelDouble(value) : value;
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return null;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return base64Encode(value);
  if (isCelUint(value)) return _bigint(value.value);
  if (value instanceof CelDouble) return value;
  if (isReflectMessage(value)) return _message(value);
  if (isReflectList(value)) {
    const field = (value as ReflectList).field();
    const doubles = field.listKind === "scalar" && _isDouble(field.scalar);
    return Array.from(value, (item) => _plain(item, doubles));
  }
  if (isReflectMap(value)) {
    const field = (value as ReflectMap).field();
    return _mapEntries(value, field.mapKind === "scalar" && _isDouble(field.scalar));
  }
  if (isCelList(value)) return Array.from(value, (item) => _plain(item, true));
  if (isCelMap(value)) return _mapEntries(value, true);
  if (isCelType(value)) return value.name;
  if (Array.isArray(value)) return value.map((item) => _plain(item, double));
  if (value instanceof Map) return _mapEntries(value, double);
  return String(value);
}

function _isDouble(scalar: ScalarType): boolean {
  return scalar === ScalarType.DOUBLE || scalar === ScalarType.FLOAT;
}

function _bigint(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function _mapEntries(
  map: Iterable<[unknown, unknown]>,
  doubles: boolean,
): { [key: string]: CelPlainValue } {
  const result: { [key: string]: CelPlainValue } = {};
  for (const [key, value] of map) {
    const plainKey = isCelUint(key) ? key.value.toString() : String(key);
    result[plainKey] = _plain(value, doubles);
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
  return _plain(message.get(field), field.fieldKind === "scalar" && _isDouble(field.scalar));
}

/**
 * Converts a plain value (a captured variable, a literal from a workflow file) into a CEL input.
 *
 * Rules: an integral `number` that is a safe integer becomes a CEL `int` (so `vars.n + 1` and
 * `vars.volume == msg.volume` work); any other number stays a `double`, and so does a
 * {@linkcode CelDouble} (a captured whole double: `vars.bid - 100.0` works); a `bigint` is an `int`;
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
 * import { celToPlain, plainToCel } from "./cel_value.ts";
 *
 * assert.equal(plainToCel(3), 3n);
 * assert.equal(plainToCel(0.8), 0.8);
 * assert.deepEqual(plainToCel({ ids: [1, "2"] }), { ids: [1n, "2"] });
 * assert.equal(plainToCel(celToPlain(6015.0)), 6015); // still a double
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
  if (value instanceof CelDouble) return value.valueOf();
  if (value instanceof Number) return plainToCel(value.valueOf());
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
