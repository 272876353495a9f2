/**
 * fast-check arbitraries built from protobuf descriptors: arbitrary valid messages of any schema.
 */
import fc from "fast-check";
import {
  create,
  type DescField,
  type DescMessage,
  type MessageShape,
  ScalarType,
} from "@bufbuild/protobuf";

function _scalar(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.DOUBLE:
      return fc.double({ noNaN: true });
    case ScalarType.FLOAT:
      return fc.float({ noNaN: true });
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 0xffffffff });
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return fc.string({ unit: "grapheme", maxLength: 12 });
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 12 });
  }
}

function _single(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return _scalar(field.scalar);
    case "enum":
      return fc.constantFrom(...field.enum.values.map((v) => v.number));
    case "message":
      return depth <= 0
        ? fc.constant(create(field.message))
        : messageArbitrary(field.message, depth - 1);
    case "list":
      switch (field.listKind) {
        case "scalar":
          return fc.array(_scalar(field.scalar), { maxLength: 3 });
        case "enum":
          return fc.array(fc.constantFrom(...field.enum.values.map((v) => v.number)), {
            maxLength: 3,
          });
        case "message":
          return depth <= 0
            ? fc.constant([])
            : fc.array(messageArbitrary(field.message, depth - 1), { maxLength: 3 });
      }
      break;
    case "map": {
      const value = field.mapKind === "scalar"
        ? _scalar(field.scalar)
        : field.mapKind === "enum"
        ? fc.constantFrom(...field.enum.values.map((v) => v.number))
        : depth <= 0
        ? fc.constant(create(field.message))
        : messageArbitrary(field.message, depth - 1);
      return fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 3 });
    }
  }
}

/**
 * An arbitrary of valid messages of `schema`: every field either unset or set to a random valid
 * value, one random case of each oneof, nested messages down to `depth` levels.
 */
export function messageArbitrary<Desc extends DescMessage>(
  schema: Desc,
  depth = 3,
): fc.Arbitrary<MessageShape<Desc>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of schema.members) {
    if (member.kind === "oneof") {
      parts[member.localName] = fc.oneof(
        fc.constant({ case: undefined }),
        ...member.fields.map((f) =>
          _single(f, depth).map((value) => ({ case: f.localName, value }))
        ),
      );
    } else {
      parts[member.localName] = _single(member, depth);
    }
  }
  return fc.record(parts, { requiredKeys: [] }).map((init) =>
    create(schema, init as Parameters<typeof create<Desc>>[1])
  );
}
