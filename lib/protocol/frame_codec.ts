/**
 * Encoding and decoding of T4 WebSocket frames: each binary frame carries exactly one protobuf
 * `ClientMessage` (client to server) or `ServerMessage` (server to client), with no other framing.
 *
 * Decoding never throws on untrusted input: it returns a {@linkcode FrameError} instead.
 *
 * Server frames whose payload is hot market data (`marketDepth`, `marketDepthTrade`,
 * `marketByOrderUpdate`) or a `heartbeat` are read by decoders generated at build time by
 * `scripts/protoc-gen-t4fast.ts` (`lib/protocol/gen/t4/v1/service_t4fast.ts`); they return exactly the
 * objects `fromBinary` returns and fail exactly where it fails. Other frames use `fromBinary`.
 *
 * @module
 */

import {
  create,
  fromBinary,
  type Message,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import {
  type ClientMessage,
  ClientMessageSchema,
  type ServerMessage,
  ServerMessageSchema,
} from "./gen/t4/v1/service_pb.ts";
import {
  decodeServerMessageFast,
  peekServerMessagePayloadCase,
} from "./gen/t4/v1/service_t4fast.ts";
import { FrameError } from "./frame_error.ts";

/**
 * Default largest frame the decoder accepts, in bytes: 16 MiB. The largest T4 messages (account
 * snapshots, market-by-order snapshots) are far below this; anything larger is treated as hostile.
 */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Options for decoding a frame. */
export interface DecodeFrameOptions {
  /**
   * Largest accepted frame in bytes; larger frames are rejected as `oversized` without decoding.
   *
   * @default {16777216}
   */
  maxFrameBytes?: number;
  /**
   * The bytes are a view into a buffer the caller reuses once the call returns (the `socket`
   * transport's read buffer): the message must keep none of them. `fromBinary` keeps `bytes`
   * fields and unknown fields as views into its input, so such frames are copied first; the
   * generated decoders of the hot messages always copy those fields.
   *
   * @default {false}
   */
  borrowed?: boolean;
}

/** The data of a WebSocket message event as the runtimes deliver it with `binaryType = "arraybuffer"`. */
export type FrameData = ArrayBuffer | Uint8Array | string;

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
 * import { decodeFrame, encodeClientMessage } from "./frame_codec.ts";
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
  const bytes = _frameBytes(data, options);
  if (bytes instanceof FrameError) return bytes;
  try {
    return fromBinary(schema, options?.borrowed ? bytes.slice() : bytes, _readOptions);
  } catch (error) {
    return _decodeError(schema.typeName, bytes.byteLength, error);
  }
}

/** The frame's bytes (no copy for a `Uint8Array`), or why it cannot be decoded at all. */
function _frameBytes(
  data: FrameData,
  options: DecodeFrameOptions | undefined,
): Uint8Array | FrameError {
  if (typeof data === "string") {
    return new FrameError(
      "text",
      data.length,
      `Cannot decode a text frame of ${data.length} characters: the T4 API sends binary frames only`,
    );
  }
  const max = options?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const size = data.byteLength;
  if (size > max) {
    return new FrameError(
      "oversized",
      size,
      `Cannot decode a frame of ${size} bytes as it exceeds the limit of ${max} bytes`,
    );
  }
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

function _decodeError(typeName: string, size: number, error: unknown): FrameError {
  const truncated = error instanceof RangeError;
  return new FrameError(
    truncated ? "truncated" : "malformed",
    size,
    `Cannot decode a frame of ${size} bytes as ${typeName}: ${
      truncated ? "it ends in the middle of a field" : _reason(error)
    }`,
    { cause: error },
  );
}

function _reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Decodes a frame received by a client into a `ServerMessage`, never throwing.
 *
 * @param data The frame: binary data, or a string for a text frame.
 * @param options Frame size limit.
 * @returns The message, or a {@linkcode FrameError}.
 *
 * @example Decode a server heartbeat
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeServerFrame, encodeServerMessage } from "./frame_codec.ts";
 * import { FrameError } from "./frame_error.ts";
 *
 * const bytes = encodeServerMessage({ payload: { case: "heartbeat", value: { timestamp: 5n } } });
 * const message = decodeServerFrame(bytes);
 * assert.ok(!(message instanceof FrameError));
 * assert.equal(message.payload.case, "heartbeat");
 * ```
 */
export function decodeServerFrame(
  data: FrameData,
  options?: DecodeFrameOptions,
): ServerMessage | FrameError {
  const bytes = _frameBytes(data, options);
  if (bytes instanceof FrameError) return bytes;
  try {
    // Hot payloads (depth, trades, market-by-order updates, heartbeats) are read by decoders that
    // scripts/protoc-gen-t4fast.ts generates; they return exactly what fromBinary returns.
    return decodeServerMessageFast(bytes) ??
      fromBinary(ServerMessageSchema, options?.borrowed ? bytes.slice() : bytes, _readOptions);
  } catch (error) {
    return _decodeError(ServerMessageSchema.typeName, bytes.byteLength, error);
  }
}

/**
 * Reads which payload a server frame carries without decoding the payload, so that a receiver
 * can skip decoding frames nobody is interested in. Never throws.
 *
 * For a well-formed frame (as any encoder writes them) this is the `payload.case` that
 * {@linkcode decodeServerFrame} returns. It does not validate the payload: a frame it names a case
 * for may still fail to decode, and for a corrupt frame the answer is only a hint.
 *
 * @param data The frame: binary data, or a string for a text frame.
 * @param options Frame size limit.
 * @returns The payload case; `undefined` when the frame has no payload, is not a binary frame, is
 * over the size limit or cannot be scanned (decode it to learn why).
 *
 * @example Name the payload case before decoding
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeServerMessage, peekServerPayloadCase } from "./frame_codec.ts";
 *
 * const bytes = encodeServerMessage({ payload: { case: "heartbeat", value: { timestamp: 5n } } });
 * assert.equal(peekServerPayloadCase(bytes), "heartbeat");
 * assert.equal(peekServerPayloadCase(new Uint8Array(0)), undefined);
 * ```
 */
export function peekServerPayloadCase(
  data: FrameData,
  options?: DecodeFrameOptions,
): ServerMessage["payload"]["case"] {
  const bytes = _frameBytes(data, options);
  if (bytes instanceof FrameError) return undefined;
  try {
    return peekServerMessagePayloadCase(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes a frame received by a server into a `ClientMessage`, never throwing.
 *
 * @param data The frame: binary data, or a string for a text frame.
 * @param options Frame size limit.
 * @returns The message, or a {@linkcode FrameError}.
 *
 * @example Decode a client heartbeat
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeClientFrame, encodeClientMessage } from "./frame_codec.ts";
 * import { FrameError } from "./frame_error.ts";
 *
 * const bytes = encodeClientMessage({ payload: { case: "heartbeat", value: { timestamp: 5n } } });
 * const message = decodeClientFrame(bytes);
 * assert.ok(!(message instanceof FrameError));
 * assert.equal(message.payload.case, "heartbeat");
 * ```
 */
export function decodeClientFrame(
  data: FrameData,
  options?: DecodeFrameOptions,
): ClientMessage | FrameError {
  return decodeFrame(ClientMessageSchema, data, options);
}

/** A `ClientMessage`, or the plain object that initialises one. */
export type ClientMessageInit = MessageInitShape<typeof ClientMessageSchema>;
/** A `ServerMessage`, or the plain object that initialises one. */
export type ServerMessageInit = MessageInitShape<typeof ServerMessageSchema>;

/**
 * Encodes a `ClientMessage` into the bytes of one binary WebSocket frame.
 *
 * @param message The message, or a plain object that initialises one.
 * @returns The frame bytes.
 *
 * @example Encode an API-key login
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeClientMessage } from "./frame_codec.ts";
 *
 * const bytes = encodeClientMessage({
 *   payload: { case: "loginRequest", value: { apiKey: "k" } },
 * });
 * assert.deepEqual([...bytes], [0x12, 0x03, 0x0a, 0x01, 0x6b]);
 * ```
 */
export function encodeClientMessage(message: ClientMessageInit): Uint8Array {
  return toBinary(
    ClientMessageSchema,
    _isMessage(message) ? message : create(ClientMessageSchema, message),
  );
}

/**
 * Encodes a `ServerMessage` into the bytes of one binary WebSocket frame.
 *
 * @param message The message, or a plain object that initialises one.
 * @returns The frame bytes.
 *
 * @example Encode a heartbeat
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeServerMessage } from "./frame_codec.ts";
 *
 * const bytes = encodeServerMessage({ payload: { case: "heartbeat", value: { timestamp: 1n } } });
 * assert.deepEqual([...bytes], [0x0a, 0x02, 0x08, 0x01]);
 * ```
 */
export function encodeServerMessage(message: ServerMessageInit): Uint8Array {
  return toBinary(
    ServerMessageSchema,
    _isMessage(message) ? message : create(ServerMessageSchema, message),
  );
}

function _isMessage<T extends { $typeName: string }>(value: object): value is T {
  return "$typeName" in value;
}
