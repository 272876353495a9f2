/**
 * `protoc-gen-t4fast`: a protoc plugin (built with `@bufbuild/protoplugin`) that generates a
 * descriptor-free codec for the T4 envelopes, run by `deno task gen` through `buf generate` (see
 * `buf.gen.yaml`).
 *
 * The generated decoders produce exactly the objects `fromBinary` of `@bufbuild/protobuf` produces
 * (same `$typeName`, field defaults, plain-object shape, merge semantics for repeated singular
 * message fields and oneof cases, map entries, unknown fields kept in `$unknown`), and throw the
 * same error classes with the same messages on bad input, without descriptors. The hot messages
 * (option `hot`, and what they reach) and the first envelope are read with straight-line code: no
 * tag tuples, no per-field closures, no per-frame typed arrays. Every other message is read by one
 * generic reader from a compact table of its fields, built on first use: generating straight-line
 * code for all of them made the module three times larger and slower to load, which is what the
 * generated codec is for. `bytes` fields and the bytes of unknown fields are copies, never views into
 * the frame, so that a transport may reuse its read buffer (`transport: "socket"`).
 *
 * The generated encoder (one generic writer over the same tables) writes exactly the bytes
 * `toBinary(schema, create(schema, init))` writes, from a message or from the plain object that
 * initialises one, and throws the same errors on invalid values.
 *
 * The generated enum objects are equal to the TypeScript enums of `protoc-gen-es` (names to numbers
 * and numbers back to names) and typed as them, without loading a file descriptor.
 *
 * Loading the generated files loads no `@bufbuild/protobuf` module at run time (type imports only),
 * so that a client starts without decoding descriptors.
 *
 * Options (in `buf.gen.yaml`):
 * - `envelope=<type name>` (repeatable): an envelope message with one oneof `payload`; every message
 *   reachable from it gets a decoder and an encoder.
 * - `hot=<type name>` (repeatable): messages that also get an exported `decode<Name>Fast(bytes)`.
 * - `json=<type name>`: an envelope that also gets `<name>ToJson(message)` (protobuf JSON).
 *
 * Output: `t4/v1/service_t4fast.ts` (per envelope `decode<Envelope>`, `encode<Envelope>`,
 * `peek<Envelope>PayloadCase`, `<ENVELOPE>_PAYLOAD_CASES`; per hot message `decode<Name>Fast`) and
 * `t4/v1/enums_t4fast.ts` (every enum of the generated files).
 *
 * The plugin refuses schemas it does not cover (proto2 and editions, groups, closed enums, default
 * values, oneofs of scalars, maps other than string keys to scalar values, wrapper and other
 * well-known types with a special representation) rather than generating something that could
 * differ from `@bufbuild/protobuf`.
 *
 * @module
 */

import {
  type DescEnum,
  type DescField,
  type DescFile,
  type DescMessage,
  ScalarType,
} from "@bufbuild/protobuf";
import { createEcmaScriptPlugin, type GeneratedFile, type Schema } from "@bufbuild/protoplugin";
import { runNodeJs } from "@bufbuild/protoplugin";

/** The plugin's options. */
interface T4FastOptions {
  envelopes: string[];
  hot: string[];
  json: string[];
}

/** Edition number protobuf-es uses for proto3 files. */
const _EDITION_PROTO3 = 999;
/** `FieldPresence.IMPLICIT`. */
const _IMPLICIT = 2;
/** The recursion limit of `fromBinary`. */
const _RECURSION_LIMIT = 100;

function _parseOptions(raw: { key: string; value: string }[]): T4FastOptions {
  const options: T4FastOptions = { envelopes: [], hot: [], json: [] };
  for (const { key, value } of raw) {
    if (key === "envelope") options.envelopes.push(value);
    else if (key === "hot") options.hot.push(value);
    else if (key === "json") options.json.push(value);
    else throw new Error(`Cannot accept option '${key}': expected 'envelope', 'hot' or 'json'`);
  }
  if (options.envelopes.length === 0) {
    throw new Error("Cannot generate as option 'envelope' is required");
  }
  return options;
}

function _fnName(desc: DescMessage): string {
  return desc.typeName.replace(/\./g, "_");
}

function _findMessage(schema: Schema<T4FastOptions>, typeName: string): DescMessage {
  for (const file of schema.allFiles) {
    for (const type of _nestedMessages(file.messages)) {
      if (type.typeName === typeName) return type;
    }
  }
  throw new Error(`Cannot find message '${typeName}' in the request`);
}

function* _nestedMessages(messages: readonly DescMessage[]): Generator<DescMessage> {
  for (const m of messages) {
    yield m;
    yield* _nestedMessages(m.nestedMessages);
  }
}

function* _nestedEnums(file: DescFile): Generator<DescEnum> {
  yield* file.enums;
  for (const m of _nestedMessages(file.messages)) yield* m.nestedEnums;
}

/** Roots and every message reachable from their fields, in a stable order. */
function _closure(roots: DescMessage[]): DescMessage[] {
  const seen = new Map<string, DescMessage>();
  const visit = (desc: DescMessage): void => {
    if (seen.has(desc.typeName)) return;
    _assertSupported(desc);
    seen.set(desc.typeName, desc);
    for (const field of desc.fields) {
      if (
        field.fieldKind === "message" ||
        (field.fieldKind === "list" && field.listKind === "message")
      ) {
        visit(field.message);
      }
    }
  };
  roots.forEach(visit);
  return [...seen.values()];
}

function _assertSupported(desc: DescMessage): void {
  const refuse = (why: string): never => {
    throw new Error(`Cannot generate a codec for ${desc.typeName}: ${why}`);
  };
  if (desc.file.edition !== _EDITION_PROTO3) refuse("only proto3 messages are supported");
  if (
    desc.typeName.startsWith("google.protobuf.") && desc.typeName !== "google.protobuf.Timestamp"
  ) {
    refuse("well-known types other than Timestamp may have a special representation");
  }
  for (const field of desc.fields) {
    if (
      (field.fieldKind === "message" ||
        (field.fieldKind === "list" && field.listKind === "message")) && field.delimitedEncoding
    ) refuse(`group field '${field.name}'`);
    if (field.oneof !== undefined && field.fieldKind !== "message") {
      refuse(`oneof field '${field.name}' is not a message`);
    }
    if (field.fieldKind === "map") {
      if (field.mapKey !== ScalarType.STRING) refuse(`map field '${field.name}' has no string key`);
      if (field.mapKind === "message") refuse(`map field '${field.name}' has message values`);
      if (field.mapKind === "scalar" && field.scalar === ScalarType.BYTES) {
        refuse(`map field '${field.name}' has bytes values`);
      }
    }
    if (
      (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum") ||
        (field.fieldKind === "map" && field.mapKind === "enum")) && !field.enum.open
    ) {
      refuse(`closed enum field '${field.name}'`);
    }
    if (
      (field.fieldKind === "scalar" || field.fieldKind === "enum") &&
      field.getDefaultValue() !== undefined
    ) {
      refuse(`default value of field '${field.name}'`);
    }
    if (field.fieldKind === "scalar" && field.longAsString) {
      refuse(`field '${field.name}' has jstype = JS_STRING`);
    }
    if (field.fieldKind === "message" && field.message.typeName.startsWith("google.protobuf.")) {
      if (field.message.typeName !== "google.protobuf.Timestamp") {
        refuse(
          `well-known type field '${field.name}' (${field.message.typeName}) may be unwrapped`,
        );
      }
    }
  }
}

/** The expression reading one scalar value of the given type from reader `r`. */
function _scalarRead(type: ScalarType, strictUtf8: boolean): string {
  switch (type) {
    case ScalarType.STRING:
      return strictUtf8 ? "_str(r, _utf8Strict)" : "_str(r, _utf8Lenient)";
    case ScalarType.BOOL:
      return "_bool(r)";
    case ScalarType.INT32:
      return "(_u32(r) | 0)";
    case ScalarType.UINT32:
      return "_u32(r)";
    case ScalarType.SINT32:
      return "_s32(r)";
    case ScalarType.INT64:
      return "_i64(r)";
    case ScalarType.UINT64:
      return "_u64(r)";
    case ScalarType.SINT64:
      return "_s64(r)";
    case ScalarType.FIXED32:
      return "_fixed32(r, false)";
    case ScalarType.SFIXED32:
      return "_fixed32(r, true)";
    case ScalarType.FIXED64:
      return "_fixed64(r, false)";
    case ScalarType.SFIXED64:
      return "_fixed64(r, true)";
    case ScalarType.FLOAT:
      return "_float(r)";
    case ScalarType.DOUBLE:
      return "_double(r)";
    case ScalarType.BYTES:
      return "_bytes(r)";
  }
}

/** The zero value `create()` puts into an implicit-presence scalar field. */
function _scalarZero(type: ScalarType): string {
  switch (type) {
    case ScalarType.STRING:
      return '""';
    case ScalarType.BOOL:
      return "false";
    case ScalarType.BYTES:
      return "new Uint8Array(0)";
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return "_ZERO64";
    default:
      return "0";
  }
}

function _zero(field: DescField): string {
  if (field.fieldKind === "enum") return String(field.enum.values[0]?.number ?? 0);
  if (field.fieldKind !== "scalar") throw new Error("unreachable");
  return _scalarZero(field.scalar);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** How generated code refers to the codec of each message type. */
interface _Refs {
  /** Index of every message type in the table `_T`. */
  index: Map<string, number>;
  /** The types that have straight-line readers (`_new_X`, `_read_X`). */
  straight: Set<string>;
}

/** The expression of a fresh message of type `desc`, as `create(schema)` returns it. */
function _newExpr(refs: _Refs, desc: DescMessage): string {
  return refs.straight.has(desc.typeName)
    ? `_new_${_fnName(desc)}()`
    : `_newT(_t(${refs.index.get(desc.typeName)}))`;
}

/** The expression reading a message of type `desc` of `length` bytes into `into`. */
function _readExpr(refs: _Refs, desc: DescMessage, into: string): string {
  return refs.straight.has(desc.typeName)
    ? `_read_${_fnName(desc)}(r, length, ${into}, depth + 1)`
    : `_readT(r, length, ${into}, depth + 1, _t(${refs.index.get(desc.typeName)}))`;
}

/** A straight-line reader: for the hot messages, where the per-field dispatch of `_readT` shows. */
function _emitReader(f: GeneratedFile, desc: DescMessage, refs: _Refs): void {
  const shape = f.importShape(desc);
  const fn = _fnName(desc);
  // Factory: the object create(schema) returns for a proto3 message, in member order.
  const init: string[] = [`$typeName: ${JSON.stringify(desc.typeName)}`];
  for (const member of desc.members) {
    const name = JSON.stringify(member.localName);
    if (member.kind === "oneof") init.push(`${name}: { case: undefined }`);
    else if (member.fieldKind === "list") init.push(`${name}: []`);
    else if (member.fieldKind === "map") init.push(`${name}: {}`);
    else if (member.fieldKind === "message") continue; // absent until set
    else if (member.presence === _IMPLICIT) init.push(`${name}: ${_zero(member)}`);
  }
  f.print("function _new_", fn, "(): ", shape, " {");
  f.print("  return { ", init.join(", "), " } as ", shape, ";");
  f.print("}");
  f.print();
  f.print(
    "function _read_",
    fn,
    "(r: _Reader, length: number, m: ",
    shape,
    ", depth: number): ",
    shape,
    " {",
  );
  f.print(
    "  if (depth > ",
    _RECURSION_LIMIT,
    ") _tooDeep(",
    JSON.stringify(`message ${desc.typeName}`),
    ");",
  );
  f.print("  const end = r.pos + length;");
  f.print("  let unknown: _Unknown[] | undefined;");
  f.print("  while (r.pos < end) {");
  f.print("    const tag = _tag(r);");
  f.print("    switch (tag >>> 3) {");
  for (const field of desc.fields) {
    const name = field.localName;
    f.print("      case ", field.number, ": {");
    switch (field.fieldKind) {
      case "scalar":
        f.print("        m.", name, " = ", _scalarRead(field.scalar, field.utf8Validation), ";");
        break;
      case "enum":
        f.print("        m.", name, " = _u32(r) | 0;");
        break;
      case "message": {
        f.print("        const length = _u32(r);");
        if (field.oneof !== undefined) {
          const oneof = field.oneof.localName;
          const caseName = JSON.stringify(name);
          f.print("        const p = m.", oneof, ";");
          f.print(
            "        const value = ",
            _readExpr(
              refs,
              field.message,
              `p.case === ${caseName} ? p.value : ${_newExpr(refs, field.message)}`,
            ),
            ";",
          );
          f.print("        m.", oneof, " = { case: ", caseName, ", value };");
        } else {
          f.print("        const prev = m.", name, ";");
          f.print(
            "        m.",
            name,
            " = ",
            _readExpr(
              refs,
              field.message,
              `prev === undefined ? ${_newExpr(refs, field.message)} : prev`,
            ),
            ";",
          );
        }
        break;
      }
      case "list":
        if (field.listKind === "message") {
          f.print("        const length = _u32(r);");
          f.print(
            "        m.",
            name,
            ".push(",
            _readExpr(refs, field.message, _newExpr(refs, field.message)),
            ");",
          );
        } else {
          const scalar = field.listKind === "enum" ? ScalarType.INT32 : field.scalar;
          const read = _scalarRead(scalar, field.utf8Validation);
          if (scalar === ScalarType.STRING || scalar === ScalarType.BYTES) {
            f.print("        m.", name, ".push(", read, ");");
          } else {
            f.print("        const items = m.", name, ";");
            f.print("        if ((tag & 7) === 2) {");
            f.print("          const stop = _u32(r) + r.pos;");
            f.print("          while (r.pos < stop) items.push(", read, ");");
            f.print("        } else {");
            f.print("          items.push(", read, ");");
            f.print("        }");
          }
        }
        break;
      case "map": {
        const value = field.mapKind === "enum"
          ? "(_u32(r) | 0)"
          : _scalarRead(field.scalar as ScalarType, field.utf8Validation);
        const zero = field.mapKind === "enum"
          ? String(field.enum.values[0]?.number ?? 0)
          : _scalarZero(field.scalar as ScalarType);
        f.print("        const stop = _u32(r) + r.pos;");
        f.print("        let key: string | undefined;");
        f.print("        let value: _Any;");
        f.print("        while (r.pos < stop) {");
        f.print("          const entryTag = _tag(r);");
        f.print("          switch (entryTag >>> 3) {");
        f.print(
          "            case 1: key = ",
          _scalarRead(ScalarType.STRING, field.utf8Validation),
          "; break;",
        );
        f.print("            case 2: value = ", value, "; break;");
        f.print(
          "            default: _skip(r, entryTag & 7, entryTag >>> 3, ",
          _RECURSION_LIMIT,
          " - depth);",
        );
        f.print("          }");
        f.print("        }");
        f.print("        _setOwn(m.", name, ', key ?? "", value ?? ', zero, ");");
        break;
      }
    }
    f.print("        break;");
    f.print("      }");
  }
  f.print("      default:");
  f.print("        unknown = _unknown(r, tag, depth, unknown ?? m.$unknown ?? []);");
  f.print("    }");
  f.print("  }");
  f.print("  if (unknown !== undefined && unknown.length > 0) m.$unknown = unknown;");
  f.print("  return m;");
  f.print("}");
  f.print();
}

function _emitHotEntry(f: GeneratedFile, desc: DescMessage): void {
  const shape = f.importShape(desc);
  const fn = _fnName(desc);
  f.print(
    f.jsDoc(
      `Decodes a \`${desc.typeName}\` exactly as \`fromBinary\` (with \`readUnknownFields: true\`)\n` +
        "does, and throws the same errors on bad input.\n\n" +
        "@param bytes The encoded message.\n" +
        "@returns The message.\n" +
        "@throws {RangeError} When the bytes end in the middle of a field.\n" +
        "@throws {Error} When the bytes are not a valid encoding.",
    ),
  );
  f.print(f.export("function", `decode${desc.name}Fast`), "(bytes: Uint8Array): ", shape, " {");
  f.print("  const r = _open(bytes);");
  f.print("  try {");
  f.print("    return _read_", fn, "(r, bytes.length, _new_", fn, "(), 1);");
  f.print("  } finally {");
  f.print("    _close(r);");
  f.print("  }");
  f.print("}");
  f.print();
}

function _payloadOneof(envelope: DescMessage) {
  const oneof = envelope.oneofs.find((o) => o.localName === "payload");
  if (
    oneof === undefined || envelope.oneofs.length !== 1 ||
    envelope.fields.length !== oneof.fields.length
  ) {
    throw new Error(
      `Cannot generate an envelope codec for ${envelope.typeName}: it must hold exactly one oneof 'payload'`,
    );
  }
  return oneof;
}

function _screaming(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

function _emitEnvelope(f: GeneratedFile, envelope: DescMessage, refs: _Refs): void {
  const shape = f.importShape(envelope);
  const schemaType = f.importSchema(envelope, true);
  const oneof = _payloadOneof(envelope);
  f.print(
    f.jsDoc(
      `The \`payload\` cases of \`${envelope.typeName}\` in field number order: the local name (as in\n` +
        "`payload.case`) and the name in the schema.",
    ),
  );
  f.print(
    f.export("const", `${_screaming(envelope.name)}_PAYLOAD_CASES`),
    ": readonly { readonly local: NonNullable<",
    shape,
    '["payload"]["case"]>; readonly name: string }[] = [',
  );
  for (const field of oneof.fields) {
    f.print(
      "  { local: ",
      JSON.stringify(field.localName),
      ", name: ",
      JSON.stringify(field.name),
      " },",
    );
  }
  f.print("];");
  f.print();
  f.print(
    f.jsDoc(
      `Decodes a \`${envelope.typeName}\` exactly as \`fromBinary\` (with \`readUnknownFields: true\`)\n` +
        "does, and throws the same errors on bad input.\n\n" +
        "@param bytes The encoded envelope.\n" +
        "@returns The message.\n" +
        "@throws {RangeError} When the bytes end in the middle of a field.\n" +
        "@throws {Error} When the bytes are not a valid encoding.",
    ),
  );
  f.print(f.export("function", `decode${envelope.name}`), "(bytes: Uint8Array): ", shape, " {");
  f.print("  const r = _open(bytes);");
  f.print("  try {");
  f.print(
    "    const length = bytes.length;\n    const depth = 0;\n    return ",
    _readExpr(refs, envelope, _newExpr(refs, envelope)),
    ";",
  );
  f.print("  } finally {");
  f.print("    _close(r);");
  f.print("  }");
  f.print("}");
  f.print();
  const initShape = f.import("MessageInitShape", "@bufbuild/protobuf", true);
  const first = [...envelope.fields].sort((a, b) => a.number - b.number)[0]!;
  f.print(
    f.jsDoc(
      `Encodes a \`${envelope.typeName}\`, or the plain object that initialises one, into exactly the\n` +
        `bytes \`toBinary(${envelope.name}Schema, create(${envelope.name}Schema, message))\` writes, and throws\n` +
        "the same errors on invalid values.\n\n" +
        "@param message The message, or a plain object that initialises one.\n" +
        "@returns The encoded message.\n" +
        "@throws {Error} When a field holds a value its type cannot encode.",
    ),
  );
  f.print(
    f.export("function", `encode${envelope.name}`),
    "(message: ",
    initShape,
    "<typeof ",
    schemaType,
    ">): Uint8Array {",
  );
  f.print("  const m = message as _Any;");
  f.print(
    '  if ("$typeName" in m && m.$typeName !== ',
    JSON.stringify(envelope.typeName),
    ") _foreign(",
    JSON.stringify(`field ${first.parent.typeName}.${first.name}`),
    ", m.$typeName);",
  );
  f.print("  const w = _openWriter();");
  f.print("  try {");
  f.print("    _writeT(w, m, _t(", refs.index.get(envelope.typeName)!, "));");
  f.print("    return w.buf.slice(0, w.pos);");
  f.print("  } finally {");
  f.print("    _closeWriter(w);");
  f.print("  }");
  f.print("}");
  f.print();
  f.print(
    f.jsDoc(
      `Reads which \`payload\` case a \`${envelope.typeName}\` holds without decoding any payload:\n` +
        "the case of the last payload field, as `fromBinary` keeps the last one.\n\n" +
        "@param bytes The encoded envelope.\n" +
        "@returns The case name, or `undefined` when the envelope holds no payload.\n" +
        "@throws {RangeError} When the bytes end in the middle of a field.\n" +
        "@throws {Error} When the bytes are not a valid encoding.",
    ),
  );
  f.print(
    f.export("function", `peek${envelope.name}PayloadCase`),
    "(bytes: Uint8Array): ",
    shape,
    '["payload"]["case"] {',
  );
  f.print("  const r = _open(bytes);");
  f.print("  try {");
  f.print("    let found: ", shape, '["payload"]["case"] = undefined;');
  f.print("    const end = bytes.length;");
  f.print("    while (r.pos < end) {");
  f.print("      const tag = _tag(r);");
  f.print("      switch (tag >>> 3) {");
  for (const field of oneof.fields) {
    f.print(
      "        case ",
      field.number,
      ": found = ",
      JSON.stringify(field.localName),
      "; break;",
    );
  }
  f.print("        default: _skip(r, tag & 7, tag >>> 3, ", _RECURSION_LIMIT - 1, "); continue;");
  f.print("      }");
  f.print(
    "      // Payload fields are read as length-delimited whatever their wire type, like fromBinary.",
  );
  f.print("      const length = _u32(r);");
  f.print("      r.pos += length;");
  f.print("      if (r.pos > r.len) _eof();");
  f.print("    }");
  f.print("    return found;");
  f.print("  } finally {");
  f.print("    _close(r);");
  f.print("  }");
  f.print("}");
  f.print();
}

// ---------------------------------------------------------------------------------------------
// Tables: every message type as data for the generic reader, writer and JSON writer of the runtime

/** Field kinds of the tables (see `_RUNTIME`). */
const _K_IMPLICIT = 0;
const _K_EXPLICIT = 1;
const _K_MESSAGE = 2;
const _K_ONEOF = 3;
const _K_LIST = 4;
const _K_LIST_MESSAGE = 5;
const _K_MAP = 6;
/** Scalar code of enum values in the tables: read and written as int32, zero compared strictly. */
const _S_ENUM = 99;

function _emitTables(
  f: GeneratedFile,
  all: DescMessage[],
  refs: _Refs,
  enumNames: Map<string, string>,
): void {
  // Built on first use, one type at a time: building them all would cost milliseconds at startup.
  f.print("const _SPECS: (() => _Type)[] = [");
  for (const desc of all) {
    const specs: string[] = [];
    for (const field of desc.fields) {
      let kind: number;
      let scalar = 0;
      let extra: string | number = 0;
      let names: string | undefined;
      switch (field.fieldKind) {
        case "scalar":
          kind = field.presence === _IMPLICIT ? _K_IMPLICIT : _K_EXPLICIT;
          scalar = field.scalar;
          break;
        case "enum":
          kind = field.presence === _IMPLICIT ? _K_IMPLICIT : _K_EXPLICIT;
          scalar = _S_ENUM;
          extra = field.enum.values[0]?.number ?? 0;
          names = enumNames.get(field.enum.typeName);
          break;
        case "message":
          kind = field.oneof !== undefined ? _K_ONEOF : _K_MESSAGE;
          extra = refs.index.get(field.message.typeName)!;
          break;
        case "list":
          if (field.listKind === "message") {
            kind = _K_LIST_MESSAGE;
            extra = refs.index.get(field.message.typeName)!;
          } else {
            kind = _K_LIST;
            scalar = field.listKind === "enum" ? _S_ENUM : field.scalar;
            if (field.listKind === "enum") names = enumNames.get(field.enum.typeName);
          }
          break;
        case "map":
          kind = _K_MAP;
          scalar = field.mapKind === "enum" ? _S_ENUM : field.scalar as ScalarType;
          if (field.mapKind === "enum") {
            extra = field.enum.values[0]?.number ?? 0;
            names = enumNames.get(field.enum.typeName);
          }
          break;
      }
      // [number, local name, proto name, kind, scalar, child or enum zero, flags, oneof, JSON name,
      // enum names], trailing defaults left out (see _type).
      const flags = (field.fieldKind === "list" && field.packed ? 1 : 0) |
        (field.utf8Validation ? 0 : 2);
      const parts: string[] = [
        String(field.number),
        JSON.stringify(field.localName),
        JSON.stringify(field.name),
        String(kind),
        String(scalar),
        String(extra),
        String(flags),
        JSON.stringify(field.oneof?.localName ?? ""),
        JSON.stringify(field.jsonName === field.localName ? "" : field.jsonName),
      ];
      if (names !== undefined) parts.push(names);
      else {
        while (parts.length > 5 && (parts.at(-1) === "0" || parts.at(-1) === '""')) parts.pop();
      }
      specs.push(`[${parts.join(", ")}]`);
    }
    f.print("  () => _type(", JSON.stringify(desc.typeName), ", [", specs.join(", "), "]),");
  }
  f.print("];");
  f.print();
}

function _emitJsonEntry(f: GeneratedFile, envelope: DescMessage, refs: _Refs): void {
  const shape = f.importShape(envelope);
  const name = envelope.name.charAt(0).toLowerCase() + envelope.name.slice(1);
  f.print(
    f.jsDoc(
      `The protobuf JSON of a \`${envelope.typeName}\`, as \`toJson\` of \`@bufbuild/protobuf\` writes it with\n` +
        "the default options (JSON names, no default values, enums by name, 64-bit integers as\n" +
        "strings).\n\n" +
        "@param message The message.\n" +
        "@returns The JSON value.",
    ),
  );
  f.print(
    f.export("function", `${name}ToJson`),
    "(message: ",
    shape,
    "): Record<string, unknown> {",
  );
  f.print("  return _jsonT(message, _t(", refs.index.get(envelope.typeName)!, "));");
  f.print("}");
  f.print();
}

// ---------------------------------------------------------------------------------------------
// Enums

/** The import path of the `protoc-gen-es` output of `file`, relative to the generated file `from`. */
function _relativeImport(from: string, file: DescFile): string {
  const target = (file.name + "_pb.ts").split("/");
  const base = from.split("/").slice(0, -1);
  let common = 0;
  while (common < base.length && common < target.length - 1 && base[common] === target[common]) {
    common++;
  }
  const up = base.length - common;
  const rest = target.slice(common).join("/");
  return (up === 0 ? "./" : "../".repeat(up)) + rest;
}

function _emitEnums(schema: Schema<T4FastOptions>, name: string, envelopeFile: DescFile): void {
  const f = schema.generateFile(name);
  f.preamble(envelopeFile);
  f.print(
    "// Descriptor-free enum objects, equal to the enums of protoc-gen-es and typed as them.",
  );
  f.print();
  const files = schema.files.filter((file) => !file.name.startsWith("google/"));
  const namespaces = new Map<DescFile, string>();
  const seen = new Set<string>();
  for (const file of files) {
    const enums = [..._nestedEnums(file)];
    if (enums.length === 0) continue;
    const ns = "_" + file.name.replace(/\.proto$/, "").replace(/[^A-Za-z0-9]/g, "_");
    namespaces.set(file, ns);
    f.print("import type * as ", ns, ' from "', _relativeImport(name, file), '";');
  }
  f.print();
  for (const file of files) {
    const ns = namespaces.get(file);
    if (ns === undefined) continue;
    for (const desc of _nestedEnums(file)) {
      // protoc-gen-es names a nested enum after its parents: `Parent_Child`.
      const path = desc.typeName.slice(file.proto.package.length + 1).replace(/\./g, "_");
      const local = path;
      if (seen.has(local)) {
        throw new Error(`Cannot generate enum objects: two enums are named '${local}'`);
      }
      seen.add(local);
      const entries: string[] = [];
      for (const value of desc.values) {
        entries.push(`${JSON.stringify(value.localName)}: ${value.number}`);
        entries.push(`${JSON.stringify(String(value.number))}: ${JSON.stringify(value.localName)}`);
      }
      f.print(
        f.jsDoc(
          `The values of \`${desc.typeName}\`, equal to the \`${path}\` enum of \`${
            file.name.replace(/\.proto$/, "_pb.ts")
          }\`\n` +
            "(names to numbers and numbers back to names), without its file descriptor.",
        ),
      );
      f.print(
        f.export("const", local),
        ": typeof ",
        ns,
        ".",
        path,
        " = /*@__PURE__*/ Object.freeze({ ",
        entries.join(", "),
        " }) as unknown as typeof ",
        ns,
        ".",
        path,
        ";",
      );
      f.print("/** A value of `", desc.typeName, "`. */");
      f.print("export type ", local, " = ", ns, ".", path, ";");
      f.print();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Runtime

/** Low-level reading and writing, mirroring `BinaryReader`/`BinaryWriter` error for error. */
const _RUNTIME = `
// deno-lint-ignore no-explicit-any
type _Any = any;

/** Cursor over the frame being decoded; one instance, reset per call, never retained. */
class _Reader {
  buf: Uint8Array = _EMPTY;
  pos = 0;
  len = 0;
  lo = 0;
  hi = 0;
}

const _EMPTY = new Uint8Array(0);
const _r = new _Reader();
const _utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const _utf8Lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const _scratch = new DataView(new ArrayBuffer(8));
const _scratchBytes = new Uint8Array(_scratch.buffer);
const _ZERO64 = BigInt(0);
const _codes: number[][] = Array.from({ length: 33 }, (_, n) => new Array<number>(n).fill(0));

function _open(bytes: Uint8Array): _Reader {
  const r = _r;
  r.buf = bytes;
  r.pos = 0;
  r.len = bytes.length;
  return r;
}

function _close(r: _Reader): void {
  r.buf = _EMPTY;
}

function _eof(): never {
  throw new RangeError("premature EOF");
}

function _tooDeep(what: string): never {
  throw new Error("cannot decode " + what + " from binary: maximum recursion depth of 100 reached");
}

function _setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    record[key] = value;
  }
}

function _u32(r: _Reader): number {
  const buf = r.buf;
  let pos = r.pos;
  let b = buf[pos++] as number;
  if ((b & 0x80) === 0) {
    r.pos = pos;
    if (pos > r.len) _eof();
    return b;
  }
  let result = b & 0x7f;
  b = buf[pos++] as number;
  result |= (b & 0x7f) << 7;
  if ((b & 0x80) === 0) {
    r.pos = pos;
    if (pos > r.len) _eof();
    return result;
  }
  b = buf[pos++] as number;
  result |= (b & 0x7f) << 14;
  if ((b & 0x80) === 0) {
    r.pos = pos;
    if (pos > r.len) _eof();
    return result;
  }
  b = buf[pos++] as number;
  result |= (b & 0x7f) << 21;
  if ((b & 0x80) === 0) {
    r.pos = pos;
    if (pos > r.len) _eof();
    return result;
  }
  b = buf[pos++] as number;
  result |= (b & 0x0f) << 28;
  for (let readBytes = 5; (b & 0x80) !== 0 && readBytes < 10; readBytes++) b = buf[pos++] as number;
  r.pos = pos;
  if ((b & 0x80) !== 0) throw new Error("invalid varint");
  if (pos > r.len) _eof();
  return result >>> 0;
}

function _tag(r: _Reader): number {
  const start = r.pos;
  const tag = _u32(r);
  const bytesRead = r.pos - start;
  if (bytesRead > 5 || (bytesRead === 5 && (r.buf[r.pos - 1] as number) > 0x0f)) {
    throw new Error("illegal tag: varint overflows uint32");
  }
  const fieldNo = tag >>> 3;
  const wireType = tag & 7;
  if (fieldNo <= 0 || wireType > 5) {
    throw new Error("illegal tag: field no " + fieldNo + " wire type " + wireType);
  }
  return tag;
}

function _varint64(r: _Reader): void {
  const buf = r.buf;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    const b = buf[pos++] as number;
    lo |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      r.pos = pos;
      if (pos > r.len) _eof();
      r.lo = lo;
      r.hi = hi;
      return;
    }
  }
  const middleByte = buf[pos++] as number;
  lo |= (middleByte & 0x0f) << 28;
  hi = (middleByte & 0x70) >> 4;
  if ((middleByte & 0x80) === 0) {
    r.pos = pos;
    if (pos > r.len) _eof();
    r.lo = lo;
    r.hi = hi;
    return;
  }
  for (let shift = 3; shift <= 31; shift += 7) {
    const b = buf[pos++] as number;
    hi |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      r.pos = pos;
      if (pos > r.len) _eof();
      r.lo = lo;
      r.hi = hi;
      return;
    }
  }
  r.pos = pos;
  throw new Error("invalid varint");
}

function _dec64(lo: number, hi: number, signed: boolean): bigint {
  _scratch.setInt32(0, lo, true);
  _scratch.setInt32(4, hi, true);
  return signed ? _scratch.getBigInt64(0, true) : _scratch.getBigUint64(0, true);
}

function _i64(r: _Reader): bigint {
  _varint64(r);
  if (r.hi === 0 && r.lo >= 0) return BigInt(r.lo);
  return _dec64(r.lo, r.hi, true);
}

function _u64(r: _Reader): bigint {
  _varint64(r);
  if (r.hi === 0 && r.lo >= 0) return BigInt(r.lo);
  return _dec64(r.lo, r.hi, false);
}

function _s64(r: _Reader): bigint {
  _varint64(r);
  const s = -(r.lo & 1);
  const lo = ((r.lo >>> 1) | ((r.hi & 1) << 31)) ^ s;
  const hi = (r.hi >>> 1) ^ s;
  return _dec64(lo, hi, true);
}

function _s32(r: _Reader): number {
  const zze = _u32(r);
  return (zze >>> 1) ^ -(zze & 1);
}

function _bool(r: _Reader): boolean {
  const b = r.buf[r.pos] as number;
  if (b < 0x80) {
    r.pos++;
    return b !== 0;
  }
  _varint64(r);
  return r.lo !== 0 || r.hi !== 0;
}

function _fixed(r: _Reader, size: number): void {
  const pos = r.pos;
  if (pos + size > r.len) {
    r.pos = pos + size;
    // The engine's own error, as BinaryReader reads past the end of its DataView.
    new DataView(_EMPTY.buffer).getUint32(0, true);
  }
  for (let i = 0; i < size; i++) _scratchBytes[i] = r.buf[pos + i] as number;
  r.pos = pos + size;
}

function _fixed32(r: _Reader, signed: boolean): number {
  _fixed(r, 4);
  return signed ? _scratch.getInt32(0, true) : _scratch.getUint32(0, true);
}

function _fixed64(r: _Reader, signed: boolean): bigint {
  _fixed(r, 8);
  return signed ? _scratch.getBigInt64(0, true) : _scratch.getBigUint64(0, true);
}

function _float(r: _Reader): number {
  _fixed(r, 4);
  return _scratch.getFloat32(0, true);
}

function _double(r: _Reader): number {
  _fixed(r, 8);
  return _scratch.getFloat64(0, true);
}

function _bytes(r: _Reader): Uint8Array {
  const len = _u32(r);
  const start = r.pos;
  r.pos += len;
  if (r.pos > r.len) _eof();
  // A copy: the frame may be a view into a buffer the transport reuses (transport: "socket").
  return r.buf.slice(start, start + len);
}

/** Short ASCII strings (prices, ids) recently decoded: a direct-mapped cache of fixed size. */
const _INTERN_MAX = 32;
const _INTERN_SLOTS = 1024;
const _internBytes = new Uint8Array(_INTERN_SLOTS * _INTERN_MAX);
const _internLen = new Int32Array(_INTERN_SLOTS);
const _internStr: string[] = new Array<string>(_INTERN_SLOTS).fill("");

function _str(r: _Reader, decoder: TextDecoder): string {
  const len = _u32(r);
  const start = r.pos;
  const end = start + len;
  r.pos = end;
  if (end > r.len) _eof();
  const buf = r.buf;
  if (len <= _INTERN_MAX) {
    if (len === 0) return "";
    // Short ASCII: the same bytes as the string in their slot give that string (no allocation);
    // anything else goes to the decoder, so invalid UTF-8 fails as before.
    let h = len;
    for (let i = start; i < end; i++) {
      const c = buf[i] as number;
      if (c > 0x7f) return decoder.decode(buf.subarray(start, end));
      h = Math.imul(h ^ c, 0x01000193);
    }
    const slot = (h ^ (h >>> 15)) & (_INTERN_SLOTS - 1);
    const at = slot * _INTERN_MAX;
    if (_internLen[slot] === len) {
      let i = 0;
      while (i < len && _internBytes[at + i] === buf[start + i]) i++;
      if (i === len) return _internStr[slot] as string;
    }
    const codes = _codes[len] as number[];
    for (let i = 0; i < len; i++) {
      const c = buf[start + i] as number;
      codes[i] = c;
      _internBytes[at + i] = c;
    }
    const s = String.fromCharCode.apply(null, codes);
    _internLen[slot] = len;
    _internStr[slot] = s;
    return s;
  }
  return decoder.decode(buf.subarray(start, end));
}

function _skip(r: _Reader, wireType: number, fieldNo: number, recursionLimit: number): number {
  const start = r.pos;
  switch (wireType) {
    case 0:
      while ((r.buf[r.pos++] as number) & 0x80) {
        // ignore
      }
      break;
    case 1:
      r.pos += 8;
      break;
    case 5:
      r.pos += 4;
      break;
    case 2: {
      const len = _u32(r);
      r.pos += len;
      break;
    }
    case 3:
      if (recursionLimit <= 0) throw new Error("maximum recursion depth reached");
      for (;;) {
        const tag = _tag(r);
        const fn = tag >>> 3;
        const wt = tag & 7;
        if (wt === 4) {
          if (fn !== fieldNo) throw new Error("invalid end group tag");
          break;
        }
        _skip(r, wt, fn, recursionLimit - 1);
      }
      break;
    default:
      throw new Error("cant skip wire type " + wireType);
  }
  if (r.pos > r.len) _eof();
  return start;
}

function _unknown(r: _Reader, tag: number, depth: number, into: _Unknown[]): _Unknown[] {
  const no = tag >>> 3;
  const wireType = tag & 7;
  const start = _skip(r, wireType, no, 100 - depth);
  into.push({ no, wireType, data: r.buf.slice(start, r.pos) });
  return into;
}

/** Growable output buffer; one instance reused across calls (another one if re-entered). */
class _Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  pos = 0;
  busy = false;
}

const _writer = new _Writer();
const _utf8Encoder = new TextEncoder();
const _INT64_MIN = -(BigInt(1) << BigInt(63));
const _INT64_MAX = (BigInt(1) << BigInt(63)) - BigInt(1);
const _UINT64_MAX = (BigInt(1) << BigInt(64)) - BigInt(1);
let _lo = 0;
let _hi = 0;

function _openWriter(): _Writer {
  const w = _writer.busy ? new _Writer() : _writer;
  w.busy = true;
  w.pos = 0;
  return w;
}

function _closeWriter(w: _Writer): void {
  w.busy = false;
  if (w.buf.length > 65536) {
    w.buf = new Uint8Array(256);
    w.view = new DataView(w.buf.buffer);
  }
}

function _grow(w: _Writer, size: number): void {
  const required = w.pos + size;
  if (required > w.buf.length) {
    let len = w.buf.length * 2;
    while (len < required) len *= 2;
    const buf = new Uint8Array(len);
    buf.set(w.buf.subarray(0, w.pos));
    w.buf = buf;
    w.view = new DataView(buf.buffer);
  }
}

/** The error class \`toBinary\` throws for a message of another type. */
class FieldError extends Error {
  override name = "ForeignFieldError";
}

function _foreign(field: string, typeName: unknown): never {
  throw new FieldError("cannot use " + field + " with message " + typeName);
}

function _fail(label: string, error: unknown): never {
  if (error instanceof Error) {
    throw new Error("cannot encode field " + label + " to binary: " + error.message);
  }
  throw error;
}

function _raw1(w: _Writer, a: number): void {
  _grow(w, 1);
  w.buf[w.pos++] = a;
}

function _varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

function _varint32(w: _Writer, value: number): void {
  _grow(w, 5);
  const buf = w.buf;
  while (value > 0x7f) {
    buf[w.pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[w.pos++] = value;
}

function _fork(w: _Writer): number {
  const at = w.pos;
  _grow(w, 1);
  w.buf[w.pos++] = 0;
  return at;
}

function _join(w: _Writer, at: number): void {
  const len = w.pos - at - 1;
  const size = _varint32Size(len);
  if (size > 1) {
    _grow(w, size - 1);
    w.buf.copyWithin(at + size, at + 1, w.pos);
  }
  w.pos = at;
  _varint32(w, len);
  w.pos += len;
}

function _checkInt32(arg: unknown): number {
  let n: unknown = arg;
  if (typeof n == "string") n = Number(n);
  else if (typeof n != "number") throw new Error("invalid int32: " + typeof n);
  if (!Number.isInteger(n) || (n as number) > 0x7fffffff || (n as number) < -0x80000000) {
    throw new Error("invalid int32: " + n);
  }
  return n as number;
}

function _checkUint32(arg: unknown): number {
  let n: unknown = arg;
  if (typeof n == "string") n = Number(n);
  else if (typeof n != "number") throw new Error("invalid uint32: " + typeof n);
  if (!Number.isInteger(n) || (n as number) > 0xffffffff || (n as number) < 0) {
    throw new Error("invalid uint32: " + n);
  }
  return n as number;
}

function _wInt32(w: _Writer, v: unknown, label: string): void {
  let n: number;
  try {
    n = _checkInt32(v);
  } catch (e) {
    _fail(label, e);
  }
  if (n >= 0) {
    _varint32(w, n);
    return;
  }
  _grow(w, 10);
  for (let i = 0; i < 9; i++) {
    w.buf[w.pos++] = (n & 0x7f) | 0x80;
    n >>= 7;
  }
  w.buf[w.pos++] = 1;
}

function _wUint32(w: _Writer, v: unknown, label: string): void {
  let n: number;
  try {
    n = _checkUint32(v);
  } catch (e) {
    _fail(label, e);
  }
  _varint32(w, n);
}

function _wSint32(w: _Writer, v: unknown, label: string): void {
  let n: number;
  try {
    n = _checkInt32(v);
  } catch (e) {
    _fail(label, e);
  }
  _varint32(w, ((n << 1) ^ (n >> 31)) >>> 0);
}

function _wFixed32(w: _Writer, v: unknown, signed: boolean, label: string): void {
  let n: number;
  try {
    n = signed ? _checkInt32(v) : _checkUint32(v);
  } catch (e) {
    _fail(label, e);
  }
  _grow(w, 4);
  if (signed) w.view.setInt32(w.pos, n, true);
  else w.view.setUint32(w.pos, n, true);
  w.pos += 4;
}

function _wFloat(w: _Writer, v: unknown, label: string): void {
  let n: number;
  try {
    if (typeof v == "string") {
      n = Number(v);
      if (Number.isNaN(n) && v !== "NaN") throw new Error("invalid float32: " + v);
    } else if (typeof v != "number") {
      throw new Error("invalid float32: " + typeof v);
    } else {
      n = v;
    }
    if (!Number.isFinite(Math.fround(n)) && Number.isFinite(n)) {
      throw new Error("invalid float32: " + n);
    }
  } catch (e) {
    _fail(label, e);
  }
  _grow(w, 4);
  w.view.setFloat32(w.pos, n, true);
  w.pos += 4;
}

function _wDouble(w: _Writer, v: unknown, label: string): void {
  _grow(w, 8);
  try {
    w.view.setFloat64(w.pos, v as number, true);
  } catch (e) {
    _fail(label, e);
  }
  w.pos += 8;
}

/** Splits a 64-bit integer into \`_lo\` and \`_hi\` like \`protoInt64.enc\` / \`uEnc\`. */
function _enc64(v: unknown, signed: boolean, label: string): void {
  try {
    const bi = typeof v == "bigint" ? v : BigInt(v as string);
    if (signed ? bi > _INT64_MAX || bi < _INT64_MIN : bi > _UINT64_MAX || bi < _ZERO64) {
      throw new Error((signed ? "invalid int64: " : "invalid uint64: ") + v);
    }
    _scratch.setBigInt64(0, bi, true);
  } catch (e) {
    _fail(label, e);
  }
  _lo = _scratch.getInt32(0, true);
  _hi = _scratch.getInt32(4, true);
}

function _wVarint64(w: _Writer, _: void): void {
  const lo = _lo;
  const hi = _hi;
  _grow(w, 10);
  const buf = w.buf;
  let pos = w.pos;
  for (let i = 0; i < 28; i = i + 7) {
    const shift = lo >>> i;
    const hasNext = !(shift >>> 7 == 0 && hi == 0);
    buf[pos++] = (hasNext ? shift | 0x80 : shift) & 0xff;
    if (!hasNext) {
      w.pos = pos;
      return;
    }
  }
  const splitBits = ((lo >>> 28) & 0x0f) | ((hi & 0x07) << 4);
  const hasMoreBits = !(hi >> 3 == 0);
  buf[pos++] = (hasMoreBits ? splitBits | 0x80 : splitBits) & 0xff;
  if (!hasMoreBits) {
    w.pos = pos;
    return;
  }
  for (let i = 3; i < 31; i = i + 7) {
    const shift = hi >>> i;
    const hasNext = !(shift >>> 7 == 0);
    buf[pos++] = (hasNext ? shift | 0x80 : shift) & 0xff;
    if (!hasNext) {
      w.pos = pos;
      return;
    }
  }
  buf[pos++] = (hi >>> 31) & 0x01;
  w.pos = pos;
}

function _wSint64(w: _Writer, _: void): void {
  const sign = _hi >> 31;
  const lo = (_lo << 1) ^ sign;
  const hi = ((_hi << 1) | (_lo >>> 31)) ^ sign;
  _lo = lo;
  _hi = hi;
  _wVarint64(w);
}

function _wFixed64(w: _Writer, _: void): void {
  _grow(w, 8);
  w.view.setInt32(w.pos, _lo, true);
  w.view.setInt32(w.pos + 4, _hi, true);
  w.pos += 8;
}

function _wString(w: _Writer, v: unknown): void {
  const s = typeof v === "string" ? v : String(v);
  const len = s.length;
  if (len <= 32) {
    _grow(w, len + 1);
    const buf = w.buf;
    let pos = w.pos;
    buf[pos++] = len;
    let i = 0;
    for (; i < len; i++) {
      const code = s.charCodeAt(i);
      if (code > 0x7f) break;
      buf[pos++] = code;
    }
    if (i === len) {
      w.pos = pos;
      return;
    }
  }
  _grow(w, len * 3 + 5);
  const guess = _varint32Size(len);
  const start = w.pos;
  const { written } = _utf8Encoder.encodeInto(s, w.buf.subarray(start + guess));
  const size = _varint32Size(written);
  if (size !== guess) w.buf.copyWithin(start + size, start + guess, start + guess + written);
  _varint32(w, written);
  w.pos += written;
}

function _u8(v: unknown): Uint8Array {
  return Array.isArray(v) ? new Uint8Array(v) : v as Uint8Array;
}

function _wBytes(w: _Writer, v: Uint8Array): void {
  _varint32(w, v.byteLength);
  _grow(w, v.length);
  w.buf.set(v, w.pos);
  w.pos += v.length;
}

function _wUnknown(w: _Writer, unknown: _Unknown[]): void {
  for (let i = 0; i < unknown.length; i++) {
    const { no, wireType, data } = unknown[i] as _Unknown;
    _varint32(w, ((no << 3) | wireType) >>> 0);
    _grow(w, data.length);
    w.buf.set(data, w.pos);
    w.pos += data.length;
  }
}


/** A field of a message type (see \`_type\`). */
interface _Field {
  no: number;
  /** Local name (property of the message, or case of the oneof). */
  n: string;
  /** \`type.proto_name\`, for errors. */
  label: string;
  /** Kind: 0 implicit scalar, 1 explicit scalar, 2 message, 3 oneof message, 4 list, 5 list of messages, 6 map. */
  k: number;
  /** Scalar type (\`ScalarType\`), 99 for enums. */
  s: number;
  /** Zero value of an implicit scalar (enum: first value). */
  z: unknown;
  /** Index of the message type of kinds 2, 3 and 5 (see \`_t\`). */
  c: number;
  /** Oneof local name (kind 3). */
  o: string;
  packed: boolean;
  strict: boolean;
  /** JSON name. */
  j: string;
  /** Enum value names, for JSON. */
  e: Record<number, string> | undefined;
  /** Tag of one value; \`ptag\`: of a packed list. */
  tag: number;
  ptag: number;
}

/** A message type: its fields in declaration and in number order. */
interface _Type {
  typeName: string;
  what: string;
  fields: _Field[];
  sorted: _Field[];
  byNo: Map<number, _Field>;
}

type _Spec = [number, string, string, number, number, number?, number?, string?, string?, Record<number, string>?];

function _wireTypeOf(s: number): number {
  switch (s) {
    case 9:
    case 12:
      return 2;
    case 1:
    case 6:
    case 16:
      return 1;
    case 2:
    case 7:
    case 15:
      return 5;
    default:
      return 0;
  }
}

function _zeroOf(s: number, enumZero: number): unknown {
  switch (s) {
    case 99:
      return enumZero;
    case 9:
      return "";
    case 8:
      return false;
    case 3:
    case 4:
    case 6:
    case 16:
    case 18:
      return _ZERO64;
    default:
      return 0;
  }
}

function _type(typeName: string, specs: _Spec[]): _Type {
  const fields = specs.map(([no, n, name, k, s, extra = 0, flags = 0, o = "", j = "", e]): _Field => ({
    no,
    n,
    label: typeName + "." + name,
    k,
    s,
    z: _zeroOf(s, extra),
    c: extra,
    o,
    packed: (flags & 1) !== 0,
    strict: (flags & 2) === 0,
    j: j === "" ? n : j,
    e,
    tag: ((no << 3) | (k === 0 || k === 1 || k === 4 ? _wireTypeOf(s) : 2)) >>> 0,
    ptag: ((no << 3) | 2) >>> 0,
  }));
  return {
    typeName,
    what: "message " + typeName,
    fields,
    sorted: [...fields].sort((a, b) => a.no - b.no),
    byNo: new Map(fields.map((f) => [f.no, f])),
  };
}

const _T: (_Type | undefined)[] = [];

/** The message type of index \`i\`, built on first use. */
function _t(i: number): _Type {
  return _T[i] ??= (_SPECS[i] as () => _Type)();
}

/** What \`create(schema)\` returns: \`$typeName\`, then the members in declaration order. */
function _newT(type: _Type): _Any {
  const m: _Any = { $typeName: type.typeName };
  for (const f of type.fields) {
    switch (f.k) {
      case 0:
        m[f.n] = f.s === 12 ? new Uint8Array(0) : f.z;
        break;
      case 3:
        if (!(f.o in m)) m[f.o] = { case: undefined };
        break;
      case 4:
      case 5:
        m[f.n] = [];
        break;
      case 6:
        m[f.n] = {};
        break;
    }
  }
  return m;
}

/** One scalar value of type \`s\`. */
function _rs(r: _Reader, s: number, strict: boolean): unknown {
  switch (s) {
    case 1:
      return _double(r);
    case 2:
      return _float(r);
    case 3:
      return _i64(r);
    case 4:
      return _u64(r);
    case 6:
      return _fixed64(r, false);
    case 7:
      return _fixed32(r, false);
    case 8:
      return _bool(r);
    case 9:
      return _str(r, strict ? _utf8Strict : _utf8Lenient);
    case 12:
      return _bytes(r);
    case 13:
      return _u32(r);
    case 15:
      return _fixed32(r, true);
    case 16:
      return _fixed64(r, true);
    case 17:
      return _s32(r);
    case 18:
      return _s64(r);
    default: // int32, enum
      return _u32(r) | 0;
  }
}

function _readT(r: _Reader, length: number, m: _Any, depth: number, type: _Type): _Any {
  if (depth > 100) _tooDeep(type.what);
  const end = r.pos + length;
  let unknown: _Unknown[] | undefined;
  const byNo = type.byNo;
  while (r.pos < end) {
    const tag = _tag(r);
    const f = byNo.get(tag >>> 3);
    if (f === undefined) {
      unknown = _unknown(r, tag, depth, unknown ?? m.$unknown ?? []);
      continue;
    }
    switch (f.k) {
      case 0:
      case 1:
        m[f.n] = _rs(r, f.s, f.strict);
        break;
      case 2: {
        const len = _u32(r);
        const prev = m[f.n];
        m[f.n] = _readT(r, len, prev === undefined ? _newT(_t(f.c)) : prev, depth + 1, _t(f.c));
        break;
      }
      case 3: {
        const len = _u32(r);
        const p = m[f.o];
        const value = _readT(r, len, p.case === f.n ? p.value : _newT(_t(f.c)), depth + 1, _t(f.c));
        m[f.o] = { case: f.n, value };
        break;
      }
      case 4: {
        const items = m[f.n];
        if ((tag & 7) === 2 && f.s !== 9 && f.s !== 12) {
          const stop = _u32(r) + r.pos;
          while (r.pos < stop) items.push(_rs(r, f.s, f.strict));
        } else {
          items.push(_rs(r, f.s, f.strict));
        }
        break;
      }
      case 5: {
        const len = _u32(r);
        m[f.n].push(_readT(r, len, _newT(_t(f.c)), depth + 1, _t(f.c)));
        break;
      }
      case 6: {
        const stop = _u32(r) + r.pos;
        let key: unknown;
        let value: unknown;
        while (r.pos < stop) {
          const entryTag = _tag(r);
          switch (entryTag >>> 3) {
            case 1:
              key = _str(r, f.strict ? _utf8Strict : _utf8Lenient);
              break;
            case 2:
              value = _rs(r, f.s, f.strict);
              break;
            default:
              _skip(r, entryTag & 7, entryTag >>> 3, 100 - depth);
          }
        }
        _setOwn(m[f.n], (key ?? "") as string, value ?? (f.s === 12 ? new Uint8Array(0) : f.z));
        break;
      }
    }
  }
  if (unknown !== undefined && unknown.length > 0) m.$unknown = unknown;
  return m;
}

/** Whether \`toBinary\` leaves out an implicit-presence value (not null). */
function _isZero(f: _Field, v: _Any): boolean {
  switch (f.s) {
    case 99:
      return v === f.z;
    case 8:
      return v === false;
    case 9:
      return v === "";
    case 12:
      return v instanceof Uint8Array && v.byteLength === 0;
    case 1:
    case 2:
      return Object.is(v, 0);
    default:
      return v == 0;
  }
}

/** Writes one scalar value of type \`s\` (no tag). */
function _ws(w: _Writer, s: number, v: _Any, label: string): void {
  switch (s) {
    case 1:
      return _wDouble(w, v, label);
    case 2:
      return _wFloat(w, v, label);
    case 3:
      return _wVarint64(w, _enc64(v, true, label));
    case 4:
      return _wVarint64(w, _enc64(v, false, label));
    case 6:
      return _wFixed64(w, _enc64(v, false, label));
    case 7:
      return _wFixed32(w, v, false, label);
    case 8:
      return _raw1(w, v ? 1 : 0);
    case 9:
      return _wString(w, v);
    case 12:
      return _wBytes(w, v);
    case 13:
      return _wUint32(w, v, label);
    case 15:
      return _wFixed32(w, v, true, label);
    case 16:
      return _wFixed64(w, _enc64(v, true, label));
    case 17:
      return _wSint32(w, v, label);
    case 18:
      return _wSint64(w, _enc64(v, true, label));
    default: // int32, enum
      return _wInt32(w, v, label);
  }
}

/** Writes \`m\` (a message or an init object of \`type\`) as \`toBinary(create(...))\` does. */
function _writeT(w: _Writer, m: _Any, type: _Type): void {
  if (m === undefined) return; // toBinary writes an empty message
  const typeName = m.$typeName;
  const fields = type.sorted;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as _Field;
    switch (f.k) {
      case 0:
      case 1: {
        let v = m[f.n];
        if (f.s === 12 && Array.isArray(v)) v = new Uint8Array(v);
        if (v != null && (f.k === 1 || !_isZero(f, v))) {
          _varint32(w, f.tag);
          _ws(w, f.s, v, f.label);
        }
        break;
      }
      case 2: {
        const v = m[f.n];
        if (v != null) {
          _varint32(w, f.tag);
          const at = _fork(w);
          _writeT(w, v, _t(f.c));
          _join(w, at);
        }
        break;
      }
      case 3: {
        const o = m[f.o];
        if (o != null && o.case === f.n) {
          _varint32(w, f.tag);
          const at = _fork(w);
          _writeT(w, o.value, _t(f.c));
          _join(w, at);
        }
        break;
      }
      case 4: {
        const v = m[f.n];
        if (v == null) break;
        if (f.packed) {
          if (v.length === 0) break;
          _varint32(w, f.ptag);
          const at = _fork(w);
          for (let k = 0; k < v.length; k++) _ws(w, f.s, v[k], f.label);
          _join(w, at);
        } else {
          for (let k = 0; k < v.length; k++) {
            _varint32(w, f.tag);
            _ws(w, f.s, f.s === 12 ? _u8(v[k]) : v[k], f.label);
          }
        }
        break;
      }
      case 5: {
        const v = m[f.n];
        if (v == null) break;
        for (let k = 0; k < v.length; k++) {
          _varint32(w, f.tag);
          const at = _fork(w);
          _writeT(w, v[k], _t(f.c));
          _join(w, at);
        }
        break;
      }
      case 6: {
        const v = m[f.n];
        if (v == null) break;
        const keys = Object.keys(v);
        const valueTag = ((2 << 3) | _wireTypeOf(f.s)) >>> 0;
        for (let k = 0; k < keys.length; k++) {
          const key = keys[k] as string;
          _varint32(w, f.tag);
          const at = _fork(w);
          _raw1(w, 0x0a);
          _wString(w, key);
          _varint32(w, valueTag);
          _ws(w, f.s, v[key], f.label);
          _join(w, at);
        }
        break;
      }
    }
  }
  if (typeName === type.typeName) {
    const unknown = m.$unknown as _Unknown[] | undefined;
    if (unknown !== undefined) _wUnknown(w, unknown);
  }
}
`;

/** Helpers of the JSON writers. */
const _JSON_RUNTIME = `
function _jsonNumber(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}

function _jsonScalar(f: _Field, v: _Any): unknown {
  switch (f.s) {
    case 99:
      return f.e === undefined ? v : f.e[v] ?? v;
    case 3:
    case 4:
    case 6:
    case 16:
    case 18:
      return String(v);
    case 1:
    case 2:
      return _jsonNumber(v);
    case 12:
      return _base64(v);
    default:
      return v;
  }
}

/** The protobuf JSON of \`m\`, as \`toJson\` writes it with the default options. */
function _jsonT(m: _Any, type: _Type): _Any {
  if (type.typeName === "google.protobuf.Timestamp") return _timestampJson(m);
  const json: Record<string, unknown> = {};
  for (const f of type.sorted) {
    switch (f.k) {
      case 0:
      case 1: {
        const v = m[f.n];
        if (v !== undefined && (f.k === 1 || !_isZero(f, v))) json[f.j] = _jsonScalar(f, v);
        break;
      }
      case 2: {
        const v = m[f.n];
        if (v !== undefined) json[f.j] = _jsonT(v, _t(f.c));
        break;
      }
      case 3: {
        const v = m[f.o];
        if (v.case === f.n) json[f.j] = _jsonT(v.value, _t(f.c));
        break;
      }
      case 4:
      case 5: {
        const v = m[f.n];
        if (v.length > 0) {
          json[f.j] = v.map((x: _Any) => (f.k === 5 ? _jsonT(x, _t(f.c)) : _jsonScalar(f, x)));
        }
        break;
      }
      case 6: {
        const v = m[f.n];
        if (Object.keys(v).length > 0) {
          const out: Record<string, unknown> = {};
          for (const [k, x] of Object.entries(v)) _setOwn(out, k, _jsonScalar(f, x));
          json[f.j] = out;
        }
        break;
      }
    }
  }
  return json;
}

function _base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number);
  return btoa(s);
}

function _timestampJson(m: _Any): string {
  const ms = Number(m.seconds) * 1000;
  if (ms < -62135596800000 || ms > 253402300799000) {
    throw new Error("cannot encode message google.protobuf.Timestamp to JSON: must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z inclusive");
  }
  if (m.nanos < 0) {
    throw new Error("cannot encode message google.protobuf.Timestamp to JSON: nanos must not be negative");
  }
  if (m.nanos > 999999999) {
    throw new Error("cannot encode message google.protobuf.Timestamp to JSON: nanos must not be greater than 999999999");
  }
  let z = "Z";
  if (m.nanos > 0) {
    const nanosStr = (m.nanos + 1000000000).toString().substring(1);
    if (nanosStr.substring(3) === "000000") z = "." + nanosStr.substring(0, 3) + "Z";
    else if (nanosStr.substring(6) === "000") z = "." + nanosStr.substring(0, 6) + "Z";
    else z = "." + nanosStr + "Z";
  }
  return new Date(ms).toISOString().replace(".000Z", z);
}
`;

/** The plugin. */
export const protocGenT4Fast = createEcmaScriptPlugin<T4FastOptions>({
  name: "protoc-gen-t4fast",
  version: "v2.0.0",
  parseOptions: _parseOptions,
  generateTs(schema) {
    const envelopes = schema.options.envelopes.map((name) => _findMessage(schema, name));
    const main = envelopes[0]!;
    if (!schema.files.includes(main.file)) return;
    const hot = schema.options.hot.map((name) => _findMessage(schema, name));
    const all = _closure([...envelopes, ...hot]);
    const dir = main.file.name.replace(/[^/]*$/, "");
    const name = main.file.name.replace(/\.proto$/, "") + "_t4fast.ts";
    const f = schema.generateFile(name);
    f.preamble(main.file);
    f.print("// Descriptor-free codec for: ", envelopes.map((e) => e.typeName).join(", "), ".");
    f.print();
    f.print("type _Unknown = ", f.import("UnknownField", "@bufbuild/protobuf", true), ";");
    f.print(_RUNTIME);
    const jsonRoots = schema.options.json.map((n) => _findMessage(schema, n));
    const enumNames = new Map<string, string>();
    if (jsonRoots.length > 0) {
      // Enum value names, for the JSON of the messages reachable from the JSON roots.
      for (const desc of _closure(jsonRoots)) {
        for (const field of desc.fields) {
          if (
            (field.fieldKind === "enum" ||
              (field.fieldKind === "list" && field.listKind === "enum") ||
              (field.fieldKind === "map" && field.mapKind === "enum")) &&
            !enumNames.has(field.enum.typeName)
          ) {
            const local = "_names_" + field.enum.typeName.replace(/\./g, "_");
            enumNames.set(field.enum.typeName, local);
            const entries = field.enum.values.map((v) =>
              `${JSON.stringify(String(v.number))}: ${JSON.stringify(v.name)}`
            );
            f.print("const ", local, ": Record<number, string> = { ", entries.join(", "), " };");
          }
        }
      }
      f.print(_JSON_RUNTIME);
    }
    // Straight-line readers for the hot messages and the first envelope (every frame goes through
    // it); tables for everything else.
    const straight = [main, ..._closure(hot)];
    const refs: _Refs = {
      index: new Map(all.map((desc, i) => [desc.typeName, i])),
      straight: new Set(straight.map((desc) => desc.typeName)),
    };
    _emitTables(f, all, refs, enumNames);
    for (const desc of straight) _emitReader(f, desc, refs);
    for (const desc of hot) _emitHotEntry(f, desc);
    for (const envelope of envelopes) _emitEnvelope(f, envelope, refs);
    for (const root of jsonRoots) _emitJsonEntry(f, root, refs);
    _emitEnums(schema, dir + "enums_t4fast.ts", main.file);
  },
});

if (import.meta.main) runNodeJs(protocGenT4Fast);
