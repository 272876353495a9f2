import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { equals } from "@bufbuild/protobuf";
import {
  decodeClientFrame,
  decodeServerFrame,
  DEFAULT_MAX_FRAME_BYTES,
  encodeClientMessage,
  encodeServerMessage,
} from "../../lib/protocol/frame_codec.ts";
import { FrameError } from "../../lib/protocol/frame_error.ts";
import { ClientMessageSchema, ServerMessageSchema } from "../../lib/protocol/proto.ts";
import { goldenBytes } from "../_support/fixtures.ts";
import { messageArbitrary } from "../_support/arbitrary.ts";

function failure(result: unknown): FrameError {
  assert.ok(result instanceof FrameError, "expected a FrameError");
  return result;
}

test("a text frame is a 'text' failure naming its length", () => {
  const error = failure(decodeServerFrame("hello"));
  assert.equal(error.kind, "text");
  assert.equal(error.size, 5);
  assert.equal(error.name, "FrameError");
  assert.match(error.message, /text frame of 5 characters/);
});

test("a frame over the limit is 'oversized' and not decoded", () => {
  const bytes = goldenBytes("server_market_depth");
  const error = failure(decodeServerFrame(bytes, { maxFrameBytes: 100 }));
  assert.equal(error.kind, "oversized");
  assert.equal(error.size, bytes.byteLength);
  assert.match(error.message, /exceeds the limit of 100 bytes/);
  assert.ok(!(decodeServerFrame(bytes, { maxFrameBytes: bytes.byteLength }) instanceof FrameError));
});

test("the default frame limit is 16 MiB", () => {
  assert.equal(DEFAULT_MAX_FRAME_BYTES, 16 * 1024 * 1024);
  const error = failure(decodeServerFrame(new ArrayBuffer(DEFAULT_MAX_FRAME_BYTES + 1)));
  assert.equal(error.kind, "oversized");
});

test("every strict prefix of a golden frame is reported as 'truncated'", () => {
  const bytes = goldenBytes("server_login_response_success");
  for (let n = 1; n < bytes.byteLength; n++) {
    const result = decodeServerFrame(bytes.subarray(0, n));
    // A prefix that ends exactly on a field boundary is a valid (shorter) message.
    if (result instanceof FrameError) {
      assert.equal(result.kind, "truncated", `prefix of ${n} bytes`);
    }
  }
  assert.equal(failure(decodeServerFrame(bytes.subarray(0, 3))).kind, "truncated");
});

test("an invalid wire type is 'malformed' with the decoder's reason as cause", () => {
  // field 1, wire type 7 (does not exist)
  const error = failure(decodeServerFrame(new Uint8Array([0x0f, 0x00])));
  assert.equal(error.kind, "malformed");
  assert.ok(error.cause instanceof Error);
  assert.match(
    error.message,
    /Cannot decode a frame of 2 bytes as t4proto\.v1\.service\.ServerMessage/,
  );
});

test("ArrayBuffer and Uint8Array input decode alike", () => {
  const bytes = goldenBytes("server_heartbeat");
  const a = decodeServerFrame(bytes);
  const b = decodeServerFrame(bytes.slice().buffer);
  assert.ok(!(a instanceof FrameError) && !(b instanceof FrameError));
  assert.ok(equals(ServerMessageSchema, a, b));
  assert.equal(a.payload.case, "heartbeat");
});

test("property: the server decoder never throws on arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      const result = decodeServerFrame(bytes);
      assert.ok(result instanceof FrameError || result.$typeName === ServerMessageSchema.typeName);
    }),
    { numRuns: 2000 },
  );
});

test("property: the client decoder never throws on arbitrary bytes or text", () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), fc.string()), (data) => {
      const result = decodeClientFrame(data);
      assert.ok(result instanceof FrameError || result.$typeName === ClientMessageSchema.typeName);
    }),
    { numRuns: 2000 },
  );
});

test("property: the decoder never throws on mutated golden frames", () => {
  const frames = ["server_market_depth", "server_order_update", "server_login_response_success"]
    .map(
      goldenBytes,
    );
  fc.assert(
    fc.property(
      fc.constantFrom(...frames),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      (frame, edits) => {
        const bytes = frame.slice();
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        const result = decodeServerFrame(bytes);
        assert.ok(
          result instanceof FrameError || result.$typeName === ServerMessageSchema.typeName,
        );
      },
    ),
    { numRuns: 3000 },
  );
});

test("property: arbitrary ServerMessages round-trip through encode and decode", () => {
  fc.assert(
    fc.property(messageArbitrary(ServerMessageSchema), (message) => {
      const decoded = decodeServerFrame(encodeServerMessage(message));
      if (decoded instanceof FrameError) assert.fail(decoded.message);
      assert.ok(equals(ServerMessageSchema, decoded, message));
    }),
    { numRuns: 500 },
  );
});

test("property: arbitrary ClientMessages round-trip through encode and decode", () => {
  fc.assert(
    fc.property(messageArbitrary(ClientMessageSchema), (message) => {
      const decoded = decodeClientFrame(encodeClientMessage(message));
      if (decoded instanceof FrameError) assert.fail(decoded.message);
      assert.ok(equals(ClientMessageSchema, decoded, message));
    }),
    { numRuns: 500 },
  );
});
