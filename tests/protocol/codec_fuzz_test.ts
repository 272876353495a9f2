/**
 * Fuzzing the frame decoder: on arbitrary and mutated frames, `decodeServerFrame` (which reads hot
 * payloads with generated code) never throws and gives the same message, or the same
 * `FrameError` kind and message, as the plain `fromBinary` path (`decodeFrame`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeFrame } from "../../lib/protocol/decode_frame.ts";
import {
  decodeServerFrame,
  encodeServerMessage,
  type FrameData,
  peekServerPayloadCase,
} from "../../lib/protocol/frame_codec.ts";
import { FrameError } from "../../lib/protocol/frame_error.ts";
import { ServerMessageSchema } from "../../lib/protocol/proto.ts";
import { goldenBytes } from "../_support/fixtures.ts";
import { messageArbitrary } from "../_support/arbitrary.ts";

/** Same result as the reference decoder: equal messages, or errors of equal kind and message. */
function assertSameAsReference(data: FrameData): void {
  let actual: unknown;
  try {
    actual = decodeServerFrame(data);
    // On malformed frames the peek is only a hint, but it must not throw either.
    peekServerPayloadCase(data);
  } catch (error) {
    assert.fail(`the decoder threw: ${String(error)}`);
  }
  const expected = decodeFrame(ServerMessageSchema, data);
  if (expected instanceof FrameError) {
    assert.ok(actual instanceof FrameError, "expected a FrameError");
    assert.equal(actual.kind, expected.kind);
    assert.equal(actual.message, expected.message);
    assert.equal(actual.size, expected.size);
    assert.equal(actual.name, "FrameError");
  } else {
    assert.deepStrictEqual(actual, expected);
  }
}

const hotFrames = [
  "server_market_depth",
  "server_market_depth_trade",
  "server_heartbeat",
  "server_order_update",
].map(goldenBytes);

const hotMessages = fc.oneof(
  ...(["marketDepth", "marketDepthTrade", "marketByOrderUpdate", "heartbeat"] as const).map((c) =>
    messageArbitrary(ServerMessageSchema, 3).filter((m) => m.payload.case === c)
  ),
);

test("property: arbitrary bytes decode as the reference decoder does, never throwing", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), assertSameAsReference),
    { numRuns: 3000 },
  );
});

test("property: frames starting with a hot payload tag and random bytes match the reference", () => {
  const tags = [[0x0a], [0xba, 0x06], [0xc2, 0x06], [0xf2, 0x06]]; // 1, 103, 104, 110 (LEN)
  fc.assert(
    fc.property(
      fc.constantFrom(...tags),
      fc.uint8Array({ maxLength: 64 }),
      (tag, rest) => assertSameAsReference(new Uint8Array([...tag, rest.length, ...rest])),
    ),
    { numRuns: 3000 },
  );
});

test("property: mutated golden hot frames match the reference", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...hotFrames),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      (frame, edits) => {
        const bytes = frame.slice();
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        assertSameAsReference(bytes);
      },
    ),
    { numRuns: 3000 },
  );
});

test("property: every prefix of a hot frame matches the reference (truncation)", () => {
  for (const frame of hotFrames) {
    for (let n = 0; n <= frame.length; n++) assertSameAsReference(frame.subarray(0, n));
  }
  fc.assert(
    fc.property(hotMessages, fc.nat(), (message, cut) => {
      const bytes = encodeServerMessage(message);
      assertSameAsReference(bytes.subarray(0, cut % (bytes.length + 1)));
    }),
    { numRuns: 500 },
  );
});

test("property: arbitrary hot messages with inserted, deleted and duplicated bytes match", () => {
  fc.assert(
    fc.property(
      hotMessages,
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom("insert", "delete", "duplicate"),
      (message, at, byte, how) => {
        const bytes = [...encodeServerMessage(message)];
        const i = at % (bytes.length + 1);
        if (how === "insert") bytes.splice(i, 0, byte);
        else if (how === "delete") bytes.splice(i, 1);
        else bytes.splice(i, 0, ...bytes.slice(i, i + 4));
        assertSameAsReference(new Uint8Array(bytes));
      },
    ),
    { numRuns: 1000 },
  );
});

test("text, oversized and ArrayBuffer frames are handled before the fast path", () => {
  assertSameAsReference("not binary");
  const depth = goldenBytes("server_market_depth");
  assertSameAsReference(depth.slice().buffer);
  const oversized = decodeServerFrame(depth, { maxFrameBytes: 10 });
  assert.ok(oversized instanceof FrameError && oversized.kind === "oversized");
  const truncated = decodeServerFrame(depth.subarray(0, 40));
  assert.ok(truncated instanceof FrameError && truncated.kind === "truncated");
  const malformed = decodeServerFrame(new Uint8Array([0xba, 0x06, 0x02, 0x0f, 0x00]));
  assert.ok(malformed instanceof FrameError && malformed.kind === "malformed");
  assert.match(malformed.message, /illegal tag: field no 1 wire type 7/);
});
