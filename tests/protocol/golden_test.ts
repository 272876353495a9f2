import { test } from "node:test";
import assert from "node:assert/strict";
import { fromJson, toJson } from "@bufbuild/protobuf";
import {
  decodeServerFrame,
  encodeClientMessage,
  encodeServerMessage,
} from "../../lib/protocol/frame_codec.ts";
import { FrameError } from "../../lib/protocol/frame_error.ts";
import { ClientMessageSchema, ServerMessageSchema } from "../../lib/protocol/proto.ts";
import { goldenFrames } from "../_support/fixtures.ts";

const server = goldenFrames("server_");
const client = goldenFrames("client_");

test("golden fixtures are all present", () => {
  assert.equal(server.length, 12);
  assert.equal(client.length, 7);
});

for (const frame of server) {
  test(`golden ${frame.name}.bin decodes to exactly its .json and re-encodes byte for byte`, () => {
    const message = decodeServerFrame(frame.bin);
    if (message instanceof FrameError) assert.fail(message.message);
    assert.deepEqual(toJson(ServerMessageSchema, message), frame.json);
    assert.deepEqual(encodeServerMessage(message), frame.bin);
  });
}

for (const frame of client) {
  test(`golden ${frame.name}.json encodes to exactly its .bin`, () => {
    const message = fromJson(ClientMessageSchema, frame.json as never);
    assert.deepEqual(encodeClientMessage(message), frame.bin);
  });
}
