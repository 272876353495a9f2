/**
 * `protoc-gen-t4fast`: a protoc plugin (built with `@bufbuild/protoplugin`) that generates
 * specialized binary decoders for the hot server messages, run by `deno task gen` through
 * `buf generate` (see `buf.gen.yaml`).
 *
 * The generated decoders produce exactly the objects `fromBinary` of `@bufbuild/protobuf` produces
 * (same `$typeName`, field defaults, plain-object shape, merge semantics for repeated singular
 * message fields, unknown fields kept in `$unknown`), and throw the same error classes with the same
 * messages on bad input, but read the bytes with straight-line code: no tag tuples, no per-field
 * closures, no per-frame typed arrays. `bytes` fields and the bytes of unknown fields are copies,
 * never views into the frame, so that a transport may reuse its read buffer (`transport:
 * "socket"`).
 *
 * Options (in `buf.gen.yaml`):
 * - `envelope=<type name>`: the envelope message whose oneof `payload` is dispatched on (once).
 * - `hot=<type name>` (repeatable): the payload messages to decode with generated code.
 *
 * Output: `t4/v1/service_t4fast.ts` (a `decode<Name>Fast(bytes)` per hot message, plus
 * `decode<Envelope>Fast(bytes)` and `peek<Envelope>PayloadCase(bytes)`).
 *
 * The plugin refuses schemas it does not cover (maps, groups, closed enums, oneofs other than the
 * envelope's, wrapper types) rather than generating something that could differ from `fromBinary`.
 *
 * @module
 */

import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { createEcmaScriptPlugin, type GeneratedFile, type Schema } from "@bufbuild/protoplugin";
import { runNodeJs } from "@bufbuild/protoplugin";

/** The plugin's options. */
interface T4FastOptions {
  envelope: string;
  hot: string[];
}

/** Edition number protobuf-es uses for proto3 files. */
const _EDITION_PROTO3 = 999;
/** `FieldPresence.IMPLICIT`. */
const _IMPLICIT = 2;

function _parseOptions(raw: { key: string; value: string }[]): T4FastOptions {
  const options: T4FastOptions = { envelope: "", hot: [] };
  for (const { key, value } of raw) {
    if (key === "envelope") options.envelope = value;
    else if (key === "hot") options.hot.push(value);
    else throw new Error(`Cannot accept option '${key}': expected 'envelope' or 'hot'`);
  }
  if (options.envelope === "" || options.hot.length === 0) {
    throw new Error("Cannot generate as options 'envelope' and 'hot' are required");
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

/** Hot messages and every message reachable from their fields, in a stable order. */
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
    throw new Error(`Cannot generate a fast decoder for ${desc.typeName}: ${why}`);
  };
  if (desc.file.edition !== _EDITION_PROTO3) refuse("only proto3 messages are supported");
  if (desc.oneofs.length > 0) refuse("oneof groups are supported only in the envelope");
  for (const field of desc.fields) {
    if (field.fieldKind === "map") refuse(`map field '${field.name}'`);
    if (
      (field.fieldKind === "message" ||
        (field.fieldKind === "list" && field.listKind === "message")) && field.delimitedEncoding
    ) refuse(`group field '${field.name}'`);
    if (
      (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum")) &&
      !field.enum.open
    ) {
      refuse(`closed enum field '${field.name}'`);
    }
    if (field.fieldKind === "message") {
      const t = field.message.typeName;
      if (
        t.startsWith("google.protobuf.") && t !== "google.protobuf.Timestamp" &&
        t !== "google.protobuf.Duration"
      ) {
        refuse(`well-known type field '${field.name}' (${t}) may be unwrapped`);
      }
    }
  }
}

/** The expression reading one scalar value of the given type from reader `r`. */
function _scalarRead(type: ScalarType, strictUtf8: boolean, longAsString: boolean): string {
  const long = (e: string) => (longAsString ? `String(${e})` : e);
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
      return long("_i64(r)");
    case ScalarType.UINT64:
      return long("_u64(r)");
    case ScalarType.SINT64:
      return long("_s64(r)");
    case ScalarType.FIXED32:
      return "_fixed32(r, false)";
    case ScalarType.SFIXED32:
      return "_fixed32(r, true)";
    case ScalarType.FIXED64:
      return long("_fixed64(r, false)");
    case ScalarType.SFIXED64:
      return long("_fixed64(r, true)");
    case ScalarType.FLOAT:
      return "_float(r)";
    case ScalarType.DOUBLE:
      return "_double(r)";
    case ScalarType.BYTES:
      return "_bytes(r)";
  }
}

/** The zero value `create()` puts into an implicit-presence scalar field. */
function _zero(field: DescField): string {
  if (field.fieldKind === "enum") return String(field.enum.values[0]?.number ?? 0);
  if (field.fieldKind !== "scalar") throw new Error("unreachable");
  if (field.getDefaultValue() !== undefined) {
    throw new Error(`Cannot generate a fast decoder for ${field.parent.typeName}: default values`);
  }
  switch (field.scalar) {
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
      return field.longAsString ? '"0"' : "_zero64";
    default:
      return "0";
  }
}

function _emitMessage(f: GeneratedFile, desc: DescMessage): void {
  const shape = f.importShape(desc);
  const fn = _fnName(desc);
  // Factory: the object create(schema) returns for a proto3 message, in member order.
  const init: string[] = [`$typeName: ${JSON.stringify(desc.typeName)}`];
  for (const field of desc.fields) {
    const name = JSON.stringify(field.localName);
    if (field.fieldKind === "list") init.push(`${name}: []`);
    else if (field.fieldKind === "message") continue; // absent until set
    else if (field.presence === _IMPLICIT) init.push(`${name}: ${_zero(field)}`);
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
        f.print(
          "        m.",
          name,
          " = ",
          _scalarRead(field.scalar, field.utf8Validation, field.longAsString),
          ";",
        );
        break;
      case "enum":
        f.print("        m.", name, " = _u32(r) | 0;");
        break;
      case "message": {
        const child = _fnName(field.message);
        f.print("        const length = _u32(r);");
        f.print("        const prev = m.", name, ";");
        f.print(
          "        m.",
          name,
          " = _read_",
          child,
          "(r, length, prev === undefined ? _new_",
          child,
          "() : prev, depth + 1);",
        );
        break;
      }
      case "list":
        if (field.listKind === "message") {
          const child = _fnName(field.message);
          f.print("        const length = _u32(r);");
          f.print(
            "        m.",
            name,
            ".push(_read_",
            child,
            "(r, length, _new_",
            child,
            "(), depth + 1));",
          );
        } else {
          const scalar = field.listKind === "enum" ? ScalarType.INT32 : field.scalar;
          const read = _scalarRead(
            scalar,
            field.utf8Validation,
            field.listKind === "scalar" && field.longAsString,
          );
          const items = `m.${name}`;
          if (scalar === ScalarType.STRING || scalar === ScalarType.BYTES) {
            f.print("        ", items, ".push(", read, ");");
          } else {
            f.print("        const items = ", items, ";");
            f.print("        if ((tag & 7) === 2) {");
            f.print("          const stop = _u32(r) + r.pos;");
            f.print("          while (r.pos < stop) items.push(", read, ");");
            f.print("        } else {");
            f.print("          items.push(", read, ");");
            f.print("        }");
          }
        }
        break;
      case "map":
        throw new Error("unreachable: maps are refused");
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
  f.print(
    f.export("function", `decode${desc.name}Fast`),
    "(bytes: Uint8Array): ",
    shape,
    " {",
  );
  f.print("  const r = _open(bytes);");
  f.print("  try {");
  f.print("    return _read_", fn, "(r, bytes.length, _new_", fn, "(), 1);");
  f.print("  } finally {");
  f.print("    r.buf = _EMPTY;");
  f.print("  }");
  f.print("}");
  f.print();
}

function _emitEnvelope(f: GeneratedFile, envelope: DescMessage, hot: Set<string>): void {
  const shape = f.importShape(envelope);
  const oneof = envelope.oneofs.find((o) => o.localName === "payload");
  if (
    oneof === undefined || envelope.oneofs.length !== 1 ||
    envelope.fields.length !== oneof.fields.length
  ) {
    throw new Error(
      `Cannot generate an envelope decoder for ${envelope.typeName}: it must hold exactly one oneof 'payload'`,
    );
  }
  const cases = oneof.fields.filter((field) =>
    field.fieldKind === "message" && hot.has(field.message.typeName)
  );
  const fastCases = cases.map((field) => JSON.stringify(field.localName)).join(", ");
  f.print(
    f.jsDoc(
      `The \`payload\` cases of \`${envelope.typeName}\` that {@linkcode decode${envelope.name}Fast} decodes\n` +
        "with generated code.",
    ),
  );
  f.print(
    f.export(
      "const",
      `FAST_${envelope.name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}_CASES`,
    ),
    `: ReadonlySet<string> = new Set([${fastCases}]);`,
  );
  f.print();
  f.print(
    f.jsDoc(
      `Decodes a \`${envelope.typeName}\` whose payload is one of the hot cases exactly as\n` +
        "`fromBinary` (with `readUnknownFields: true`) does, reading the payload with generated code.\n\n" +
        "@param bytes The encoded envelope.\n" +
        "@returns The message, or `undefined` when the envelope holds another case: decode it with\n" +
        "`fromBinary` then.\n" +
        "@throws {RangeError} When the bytes end in the middle of a field.\n" +
        "@throws {Error} When the bytes are not a valid encoding.",
    ),
  );
  f.print(
    f.export("function", `decode${envelope.name}Fast`),
    "(bytes: Uint8Array): ",
    shape,
    " | undefined {",
  );
  f.print("  const r = _open(bytes);");
  f.print("  try {");
  f.print(
    "    const m = { $typeName: ",
    JSON.stringify(envelope.typeName),
    ", payload: { case: undefined } } as ",
    shape,
    ";",
  );
  f.print("    const end = bytes.length;");
  f.print("    let unknown: _Unknown[] | undefined;");
  f.print("    while (r.pos < end) {");
  f.print("      const tag = _tag(r);");
  f.print("      switch (tag >>> 3) {");
  for (const field of cases) {
    if (field.fieldKind !== "message") continue;
    const child = _fnName(field.message);
    const name = JSON.stringify(field.localName);
    f.print("        case ", field.number, ": {");
    f.print("          const p = m.payload;");
    f.print("          const length = _u32(r);");
    f.print(
      "          const value = _read_",
      child,
      "(r, length, p.case === ",
      name,
      " ? p.value : _new_",
      child,
      "(), 2);",
    );
    f.print("          m.payload = { case: ", name, ", value };");
    f.print("          break;");
    f.print("        }");
  }
  const others = oneof.fields.filter((field) => !cases.includes(field)).map((field) =>
    field.number
  );
  if (others.length > 0) {
    f.print("        ", others.map((n) => `case ${n}:`).join(" "));
    f.print("          return undefined;");
  }
  f.print("        default:");
  f.print("          unknown = _unknown(r, tag, 1, unknown ?? []);");
  f.print("      }");
  f.print("    }");
  f.print("    if (unknown !== undefined && unknown.length > 0) m.$unknown = unknown;");
  f.print("    return m;");
  f.print("  } finally {");
  f.print("    r.buf = _EMPTY;");
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
  f.print("        default: _skip(r, tag & 7, tag >>> 3, 99); continue;");
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
  f.print("    r.buf = _EMPTY;");
  f.print("  }");
  f.print("}");
  f.print();
}

/** Low-level reading, mirroring `BinaryReader` of `@bufbuild/protobuf` error for error. */
const _RUNTIME = `
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
const _zero64 = _int64.zero;
const _codes: number[][] = Array.from({ length: 33 }, (_, n) => new Array<number>(n).fill(0));
const _bigint = _int64.supported;

function _open(bytes: Uint8Array): _Reader {
  const r = _r;
  r.buf = bytes;
  r.pos = 0;
  r.len = bytes.length;
  return r;
}

function _eof(): never {
  throw new RangeError("premature EOF");
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

function _i64(r: _Reader): bigint {
  _varint64(r);
  if (_bigint && r.hi === 0 && r.lo >= 0) return BigInt(r.lo);
  return _int64.dec(r.lo, r.hi) as bigint;
}

function _u64(r: _Reader): bigint {
  _varint64(r);
  if (_bigint && r.hi === 0 && r.lo >= 0) return BigInt(r.lo);
  return _int64.uDec(r.lo, r.hi) as bigint;
}

function _s64(r: _Reader): bigint {
  _varint64(r);
  const s = -(r.lo & 1);
  const lo = ((r.lo >>> 1) | ((r.hi & 1) << 31)) ^ s;
  const hi = (r.hi >>> 1) ^ s;
  return _int64.dec(lo, hi) as bigint;
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
    throw new RangeError("Offset is outside the bounds of the DataView");
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
  const lo = _scratch.getInt32(0, true);
  const hi = _scratch.getInt32(4, true);
  return (signed ? _int64.dec(lo, hi) : _int64.uDec(lo, hi)) as bigint;
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

function _str(r: _Reader, decoder: TextDecoder): string {
  const len = _u32(r);
  const start = r.pos;
  const end = start + len;
  r.pos = end;
  if (end > r.len) _eof();
  const buf = r.buf;
  if (len <= 32) {
    // Short ASCII strings (ids, decimal prices): one reused code array per length, no decoder call.
    const codes = _codes[len] as number[];
    for (let i = 0; i < len; i++) {
      const c = buf[start + i] as number;
      if (c > 0x7f) return decoder.decode(buf.subarray(start, end));
      codes[i] = c;
    }
    return String.fromCharCode.apply(null, codes);
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
`;

/** The plugin. */
export const protocGenT4Fast = createEcmaScriptPlugin<T4FastOptions>({
  name: "protoc-gen-t4fast",
  version: "v1.0.0",
  parseOptions: _parseOptions,
  generateTs(schema) {
    const envelope = _findMessage(schema, schema.options.envelope);
    if (!schema.files.includes(envelope.file)) return;
    const hot = schema.options.hot.map((name) => _findMessage(schema, name));
    const all = _closure(hot);
    const name = envelope.file.name.replace(/\.proto$/, "") + "_t4fast.ts";
    const f = schema.generateFile(name);
    f.preamble(envelope.file);
    f.print("// Specialized decoders for: ", hot.map((h) => h.typeName).join(", "), ".");
    f.print();
    f.print("type _Unknown = ", f.import("UnknownField", "@bufbuild/protobuf", true), ";");
    f.print("const _int64 = ", f.runtime.protoInt64, ";");
    f.print(_RUNTIME);
    for (const desc of all) _emitMessage(f, desc);
    for (const desc of hot) _emitHotEntry(f, desc);
    _emitEnvelope(f, envelope, new Set(hot.map((h) => h.typeName)));
  },
});

if (import.meta.main) runNodeJs(protocGenT4Fast);
