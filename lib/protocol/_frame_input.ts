/**
 * What the frame decoders share: the checks on a frame before decoding, and the {@linkcode FrameError}
 * of a failed decode.
 *
 * @module
 */

import { FrameError } from "./frame_error.ts";

/**
 * The frame's bytes (no copy for a `Uint8Array`), or why it cannot be decoded at all.
 *
 * @param data The frame.
 * @param max The largest accepted frame in bytes.
 * @returns The bytes, or a `text` or `oversized` {@linkcode FrameError}.
 */
export function frameBytes(
  data: ArrayBuffer | Uint8Array | string,
  max: number,
): Uint8Array | FrameError {
  if (typeof data === "string") {
    return new FrameError(
      "text",
      data.length,
      `Cannot decode a text frame of ${data.length} characters: the T4 API sends binary frames only`,
    );
  }
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

/**
 * The {@linkcode FrameError} of a decoder's exception: `truncated` for a `RangeError` (the bytes
 * end in the middle of a field), `malformed` otherwise.
 *
 * @param typeName The message type the frame was decoded as.
 * @param size The frame size in bytes.
 * @param error What the decoder threw.
 * @returns The error.
 */
export function decodeError(typeName: string, size: number, error: unknown): FrameError {
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
