/**
 * Decoding a frame as any message schema with `fromBinary` of `@bufbuild/protobuf`, never throwing.
 * The client does not load this module: its frames go through the generated codec of
 * `./frame_codec.ts`.
 *
 * @module
 */

import { fromBinary, type Message } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { decodeError, frameBytes } from "./_frame_input.ts";
import { type DecodeFrameOptions, DEFAULT_MAX_FRAME_BYTES, type FrameData } from "./frame_codec.ts";
import type { FrameError } from "./frame_error.ts";

const _readOptions = { readUnknownFields: true } as const;

/**
 * Decodes one frame into a message of the given schema, never throwing.
 *
 * @typeParam T The message type the schema describes.
 * @param schema The message schema, e.g. `ServerMessageSchema`.
 * @param data The frame: binary data, or a string for a text frame.
 * @param options Frame size limit.
 * @returns The decoded message, or a {@linkcode FrameError} describing why it could not be decoded.
 *
 * @example Decode a client frame on the server side
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrame } from "./decode_frame.ts";
 * import { encodeClientMessage } from "./frame_codec.ts";
 * import { FrameError } from "./frame_error.ts";
 * import { ClientMessageSchema } from "./proto.ts";
 *
 * const bytes = encodeClientMessage({ payload: { case: "heartbeat", value: { timestamp: 1n } } });
 * const message = decodeFrame(ClientMessageSchema, bytes);
 * assert.ok(!(message instanceof FrameError));
 * assert.equal(message.payload.case, "heartbeat");
 * ```
 */
export function decodeFrame<T extends Message>(
  schema: GenMessage<T>,
  data: FrameData,
  options?: DecodeFrameOptions,
): T | FrameError {
  const bytes = frameBytes(data, options?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  if (!(bytes instanceof Uint8Array)) return bytes;
  try {
    return fromBinary(schema, options?.borrowed ? bytes.slice() : bytes, _readOptions);
  } catch (error) {
    return decodeError(schema.typeName, bytes.byteLength, error);
  }
}
