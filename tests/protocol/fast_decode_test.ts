/**
 * The generated decoders (`lib/protocol/gen/t4/v1/service_t4fast.ts`, from scripts/protoc-gen-t4fast.ts)
 * must return exactly what `fromBinary` returns, and fail exactly where and how it fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  create,
  type DescMessage,
  equals,
  fromBinary,
  type MessageShape,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import {
  decodeHeartbeatFast,
  decodeMarketByOrderUpdateFast,
  decodeMarketDepthFast,
  decodeMarketDepthTradeFast,
  decodeServerMessage,
  peekServerMessagePayloadCase,
} from "../../lib/protocol/gen/t4/v1/service_t4fast.ts";
import {
  decodeServerFrame,
  encodeServerMessage,
  peekServerPayloadCase,
} from "../../lib/protocol/frame_codec.ts";
import { FrameError } from "../../lib/protocol/frame_error.ts";
import {
  HeartbeatSchema,
  MarketByOrderUpdateSchema,
  MarketDepthSchema,
  MarketDepthTradeSchema,
  ServerMessageSchema,
} from "../../lib/protocol/proto.ts";
import { goldenBytes, goldenFrames } from "../_support/fixtures.ts";
import { messageArbitrary } from "../_support/arbitrary.ts";
import { concat, outcome, unknownFieldBytes } from "../_support/codec_cases.ts";

const _read = { readUnknownFields: true } as const;

interface Hot<Desc extends DescMessage> {
  schema: Desc;
  fast: (bytes: Uint8Array) => MessageShape<Desc>;
  envelopeCase: string;
}

const hot = [
  { schema: MarketDepthSchema, fast: decodeMarketDepthFast, envelopeCase: "marketDepth" },
  {
    schema: MarketDepthTradeSchema,
    fast: decodeMarketDepthTradeFast,
    envelopeCase: "marketDepthTrade",
  },
  {
    schema: MarketByOrderUpdateSchema,
    fast: decodeMarketByOrderUpdateFast,
    envelopeCase: "marketByOrderUpdate",
  },
  { schema: HeartbeatSchema, fast: decodeHeartbeatFast, envelopeCase: "heartbeat" },
] as const satisfies readonly Hot<DescMessage>[];

for (const frame of goldenFrames("server_")) {
  test(`golden ${frame.name}: decodeServerFrame returns exactly what fromBinary returns`, () => {
    const expected = fromBinary(ServerMessageSchema, frame.bin, _read);
    const actual = decodeServerFrame(frame.bin);
    if (actual instanceof FrameError) assert.fail(actual.message);
    assert.deepStrictEqual(actual, expected);
    assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected));
    assert.ok(equals(ServerMessageSchema, actual, expected));
    assert.deepEqual(toJson(ServerMessageSchema, actual), frame.json);
    assert.equal(peekServerPayloadCase(frame.bin), expected.payload.case);
  });
}

test("golden market depth goes through the generated decoder with identical nested shapes", () => {
  const bytes = goldenBytes("server_market_depth");
  const fast = decodeServerMessage(bytes);
  assert.ok(fast.payload.case === "marketDepth");
  const expected = fromBinary(ServerMessageSchema, bytes, _read);
  assert.ok(expected.payload.case === "marketDepth");
  const [a, b] = [fast.payload.value, expected.payload.value];
  assert.ok(a.bids.length > 0 && a.tradeData !== undefined && a.time !== undefined);
  assert.deepEqual(Object.keys(a), Object.keys(b));
  assert.deepEqual(Object.keys(a.bids[0] ?? {}), Object.keys(b.bids[0] ?? {}));
  assert.deepStrictEqual(a, b);
});

for (const { schema, fast, envelopeCase } of hot) {
  test(`property: ${schema.name} decodes like fromBinary, with unknown fields and merges`, () => {
    fc.assert(
      fc.property(
        messageArbitrary(schema as DescMessage),
        messageArbitrary(schema as DescMessage),
        unknownFieldBytes,
        fc.boolean(),
        (a, b, unknown, merge) => {
          const bytes = merge
            ? concat(
              toBinary(schema as DescMessage, a),
              unknown,
              toBinary(schema as DescMessage, b),
            )
            : concat(toBinary(schema as DescMessage, a), unknown);
          assert.deepStrictEqual(
            outcome(() => fast(bytes)),
            outcome(() => fromBinary(schema, bytes, _read)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test(`property: ${schema.name} in an envelope decodes fast, exactly like fromBinary`, () => {
    fc.assert(
      fc.property(messageArbitrary(schema as DescMessage), fc.boolean(), (value, twice) => {
        const one = encodeServerMessage({ payload: { case: envelopeCase, value } as never });
        const bytes = twice ? concat(one, one) : one;
        const fastResult = decodeServerMessage(bytes);
        assert.deepStrictEqual(fastResult, fromBinary(ServerMessageSchema, bytes, _read));
        assert.equal(peekServerMessagePayloadCase(bytes), envelopeCase);
      }),
      { numRuns: 200 },
    );
  });

  test(`property: mutated and truncated ${schema.name} fail exactly like fromBinary`, () => {
    fc.assert(
      fc.property(
        messageArbitrary(schema as DescMessage),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (value, edits, cut) => {
          const bytes = toBinary(schema as DescMessage, value).slice();
          for (const [at, byte] of edits) if (bytes.length > 0) bytes[at % bytes.length] = byte;
          const input = bytes.subarray(0, bytes.length === 0 ? 0 : cut % (bytes.length + 1));
          assert.deepStrictEqual(
            outcome(() => fast(input)),
            outcome(() => fromBinary(schema, input, _read)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
}

test("a frame mixing a hot case with another case decodes like fromBinary", () => {
  const depth = goldenBytes("server_market_depth");
  const login = goldenBytes("server_login_response_success");
  for (const bytes of [concat(depth, login), concat(login, depth)]) {
    const expected = fromBinary(ServerMessageSchema, bytes, _read);
    const actual = decodeServerFrame(bytes);
    assert.deepStrictEqual(actual, expected);
    assert.equal(peekServerPayloadCase(bytes), expected.payload.case);
  }
});

test("decoding twice gives independent objects and keeps no reference to the frame", () => {
  const bytes = goldenBytes("server_market_depth");
  const a = decodeServerFrame(bytes);
  const b = decodeServerFrame(bytes);
  assert.ok(!(a instanceof FrameError) && !(b instanceof FrameError));
  assert.notEqual(a, b);
  assert.ok(a.payload.case === "marketDepth" && b.payload.case === "marketDepth");
  a.payload.value.bids.pop();
  assert.ok(equals(ServerMessageSchema, b, fromBinary(ServerMessageSchema, bytes)));
  assert.ok(!equals(ServerMessageSchema, a, b));
});

test("peekServerPayloadCase names the case without decoding, and never throws", () => {
  const heartbeat = encodeServerMessage({
    payload: { case: "heartbeat", value: create(HeartbeatSchema, { timestamp: 1n }) },
  });
  assert.equal(peekServerPayloadCase(heartbeat), "heartbeat");
  assert.equal(peekServerPayloadCase(goldenBytes("server_order_update")), "orderUpdate");
  assert.equal(peekServerPayloadCase(new Uint8Array(0)), undefined);
  assert.equal(peekServerPayloadCase("text"), undefined);
  assert.equal(peekServerPayloadCase(new Uint8Array([0x0a, 0x05, 0x08])), undefined);
  assert.equal(peekServerPayloadCase(heartbeat, { maxFrameBytes: 1 }), undefined);
  fc.assert(
    fc.property(messageArbitrary(ServerMessageSchema), (message) => {
      assert.equal(peekServerPayloadCase(encodeServerMessage(message)), message.payload.case);
    }),
    { numRuns: 300 },
  );
});
