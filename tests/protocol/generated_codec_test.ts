/**
 * The generated codec (`lib/protocol/gen/t4/v1/service_t4fast.ts`, from
 * scripts/protoc-gen-t4fast.ts) must decode every envelope exactly as `fromBinary` does (values,
 * unknown fields, merges, and the same error class and message on bad bytes), encode exactly the
 * bytes `toBinary(schema, create(schema, init))` writes, and its enum objects must equal the
 * protoc-gen-es enums.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  create,
  type DescMessage,
  fromBinary,
  type Message,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import {
  CLIENT_MESSAGE_PAYLOAD_CASES,
  clientMessageToJson,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
  SERVER_MESSAGE_PAYLOAD_CASES,
} from "../../lib/protocol/gen/t4/v1/service_t4fast.ts";
import * as fastEnums from "../../lib/protocol/gen/t4/v1/enums_t4fast.ts";
import * as proto from "../../lib/protocol/proto.ts";
import { ClientMessageSchema, ServerMessageSchema } from "../../lib/protocol/proto.ts";
import { goldenFrames } from "../_support/fixtures.ts";
import { messageArbitrary } from "../_support/arbitrary.ts";
import { concat, outcome, unknownFieldBytes } from "../_support/codec_cases.ts";

const _read = { readUnknownFields: true } as const;

/**
 * A plain init object for `message`, as a user writes one: no `$typeName`, default values left
 * out or written out, 64-bit integers as bigint, string or (when safe) number, per `choice`.
 */
function initOf(value: unknown, choice: () => number): unknown {
  if (typeof value === "bigint") {
    const pick = choice() % 3;
    if (pick === 1) return String(value);
    if (pick === 2 && Number.isSafeInteger(Number(value))) return Number(value);
    return value;
  }
  if (value instanceof Uint8Array) return choice() % 2 === 0 ? value : [...value];
  if (Array.isArray(value)) return value.map((v) => initOf(v, choice));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "$typeName" || key === "$unknown") continue;
    const zero = v === "" || v === 0 || v === false || v === 0n ||
      (Array.isArray(v) && v.length === 0);
    if (zero && choice() % 2 === 0) continue;
    out[key] = initOf(v, choice);
  }
  return out;
}

function chooser(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 8;
  };
}

const envelopes = [
  {
    name: "ServerMessage",
    schema: ServerMessageSchema,
    decode: decodeServerMessage,
    encode: encodeServerMessage as (m: unknown) => Uint8Array,
  },
  {
    name: "ClientMessage",
    schema: ClientMessageSchema,
    decode: decodeClientMessage,
    encode: encodeClientMessage as (m: unknown) => Uint8Array,
  },
] as const;

for (const { name, schema, decode, encode } of envelopes) {
  const desc = schema as DescMessage;

  test(`property: ${name} decodes like fromBinary, with unknown fields and merges`, () => {
    fc.assert(
      fc.property(
        messageArbitrary(desc),
        messageArbitrary(desc),
        unknownFieldBytes,
        fc.boolean(),
        (a, b, unknown, merge) => {
          const bytes = merge
            ? concat(toBinary(desc, a), unknown, toBinary(desc, b))
            : concat(toBinary(desc, a), unknown);
          const expected = outcome(() => fromBinary(desc, bytes, _read));
          assert.deepStrictEqual(outcome(() => decode(bytes)), expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  test(`property: mutated and truncated ${name} bytes fail exactly like fromBinary`, () => {
    fc.assert(
      fc.property(
        messageArbitrary(desc),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (value, edits, cut) => {
          const bytes = toBinary(desc, value).slice();
          for (const [at, byte] of edits) if (bytes.length > 0) bytes[at % bytes.length] = byte;
          const input = bytes.subarray(0, bytes.length === 0 ? 0 : cut % (bytes.length + 1));
          assert.deepStrictEqual(
            outcome(() => decode(input)),
            outcome(() => fromBinary(desc, input, _read)),
          );
        },
      ),
      { numRuns: 600 },
    );
  });

  test(`property: ${name} encodes messages byte for byte like toBinary`, () => {
    fc.assert(
      fc.property(messageArbitrary(desc), unknownFieldBytes, (value, unknown) => {
        // A message read back with unknown fields writes them again.
        const message = fromBinary(desc, concat(toBinary(desc, value), unknown), _read);
        assert.deepStrictEqual(encode(message), toBinary(desc, message));
        assert.deepStrictEqual(encode(value), toBinary(desc, value));
      }),
      { numRuns: 400 },
    );
  });

  test(`property: ${name} encodes plain init objects like toBinary(create(...))`, () => {
    fc.assert(
      fc.property(messageArbitrary(desc), fc.nat(), (value, seed) => {
        const init = initOf(value, chooser(seed)) as Record<string, unknown>;
        const expected = toBinary(desc, create(desc, init as never) as Message);
        assert.deepStrictEqual(encode(init), expected);
      }),
      { numRuns: 400 },
    );
  });

  for (const frame of goldenFrames(name === "ServerMessage" ? "server_" : "client_")) {
    test(`golden ${frame.name}: decodes like fromBinary and encodes back to the same bytes`, () => {
      const expected = fromBinary(desc, frame.bin, _read);
      assert.deepStrictEqual(decode(frame.bin), expected);
      assert.deepStrictEqual(encode(expected), toBinary(desc, expected));
    });
  }
}

test("invalid values fail to encode with the errors of toBinary", () => {
  const cases: unknown[] = [
    { payload: { case: "orderSubmit", value: { orders: [{ volume: 1.5 }] } } },
    { payload: { case: "orderSubmit", value: { orders: [{ volume: 2 ** 31 }] } } },
    { payload: { case: "orderSubmit", value: { orders: [{ volume: "x" }] } } },
    { payload: { case: "heartbeat", value: { timestamp: 2n ** 63n } } },
    { payload: { case: "heartbeat", value: { timestamp: "1.5" } } },
    { payload: { case: "heartbeat", value: { timestamp: 1.5 } } },
    { payload: { case: "heartbeat", value: undefined } },
    { payload: { case: "notACase", value: {} } },
  ];
  for (const init of cases) {
    assert.deepStrictEqual(
      outcome(() => encodeClientMessage(init as never)),
      outcome(() => toBinary(ClientMessageSchema, create(ClientMessageSchema, init as never))),
      JSON.stringify(init, (_, v) => typeof v === "bigint" ? String(v) : v),
    );
  }
});

test("a message of another type is refused like toBinary refuses it", () => {
  const other = create(ServerMessageSchema);
  const expected = outcome(() => toBinary(ClientMessageSchema, other as never));
  assert.deepStrictEqual(outcome(() => encodeClientMessage(other as never)), expected);
  assert.ok("error" in expected);
  let name = "";
  try {
    encodeClientMessage(other as never);
  } catch (error) {
    name = (error as Error).name;
  }
  assert.equal(name, "ForeignFieldError");
});

test("long strings, multi-byte text and large nested messages encode like toBinary", () => {
  const text = "Ünïcödé ✓ ".repeat(40);
  const init = {
    payload: {
      case: "orderSubmit",
      value: {
        accountId: text,
        marketId: "x".repeat(200),
        orders: Array.from({ length: 40 }, (_, i) => ({ volume: i + 1, tag: text.slice(i) })),
      },
    },
  } as const;
  assert.deepStrictEqual(
    encodeClientMessage(init),
    toBinary(ClientMessageSchema, create(ClientMessageSchema, init)),
  );
});

test("property: clientMessageToJson writes what toJson writes", () => {
  fc.assert(
    fc.property(messageArbitrary(ClientMessageSchema), (message) => {
      assert.deepStrictEqual(
        outcome(() => clientMessageToJson(message)),
        outcome(() => toJson(ClientMessageSchema, message)),
      );
    }),
    { numRuns: 400 },
  );
});

test("the payload case lists name every case of the schemas, in field number order", () => {
  for (
    const [cases, schema] of [
      [SERVER_MESSAGE_PAYLOAD_CASES, ServerMessageSchema],
      [CLIENT_MESSAGE_PAYLOAD_CASES, ClientMessageSchema],
    ] as const
  ) {
    assert.deepEqual(
      cases,
      schema.oneofs[0]!.fields.map((f) => ({ local: f.localName, name: f.name })),
    );
  }
});

test("every generated enum object equals the protoc-gen-es enum", () => {
  const names = Object.keys(fastEnums);
  assert.ok(names.length >= 40, names.join(", "));
  for (const name of names) {
    const original = (proto as Record<string, unknown>)[name];
    assert.ok(original !== undefined, `${name} is a protoc-gen-es enum`);
    assert.deepStrictEqual({ ...(fastEnums as Record<string, object>)[name] }, {
      ...original as object,
    });
  }
  // Every enum of the schema has its object.
  for (const [name, value] of Object.entries(proto)) {
    if (typeof value === "object" && value !== null && !("kind" in value)) {
      assert.ok(names.includes(name), `${name} has a generated object`);
    }
  }
  assert.equal(fastEnums.LoginResult.SUCCESS, proto.LoginResult.SUCCESS);
  assert.equal(fastEnums.LoginResult[fastEnums.LoginResult.LOCKED_OUT], "LOCKED_OUT");
});
