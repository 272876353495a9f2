/**
 * Why an incoming WebSocket frame could not be turned into a message.
 *
 * - `text`: a text frame arrived; the T4 API sends only binary frames.
 * - `oversized`: the frame is larger than the configured limit and was not decoded.
 * - `truncated`: the bytes end in the middle of a field.
 * - `malformed`: the bytes are not a valid protobuf encoding of the expected message.
 */
export type FrameErrorKind = "text" | "oversized" | "truncated" | "malformed";

/** Options for {@linkcode FrameError}. */
export interface FrameErrorOptions {
  /** The underlying decoder error, when there is one. */
  cause?: unknown;
}

/**
 * A frame that could not be decoded. The codec returns it instead of throwing, so callers can
 * count it, log it and go on with the session.
 *
 * @example Tell a failure from a message
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeServerFrame } from "./frame_codec.ts";
 * import { FrameError } from "./frame_error.ts";
 *
 * const result = decodeServerFrame(new Uint8Array([0x0a, 0x05, 0x08]));
 * assert.ok(result instanceof FrameError);
 * assert.equal(result.kind, "truncated");
 * ```
 */
export class FrameError extends Error {
  /** What went wrong. */
  readonly kind: FrameErrorKind;
  /** Size of the offending frame in bytes (characters for a text frame). */
  readonly size: number;

  /**
   * Creates a frame error.
   *
   * @param kind What went wrong.
   * @param size Size of the frame in bytes (characters for a text frame).
   * @param message A sentence-case description.
   * @param options The underlying cause, if any.
   */
  constructor(kind: FrameErrorKind, size: number, message: string, options?: FrameErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FrameError";
    this.kind = kind;
    this.size = size;
  }
}
