/**
 * The reading half of RFC 6455 for a client: parses server frames from a byte stream delivered in
 * chunks of any size, reassembles fragmented messages and hands each message, ping, pong and close
 * to a sink. Payloads are views into the chunk (or into the parser's own reused buffers): valid
 * only during the sink call. Violations throw {@linkcode WebSocketProtocolError} with the close
 * code to send: masked or reserved-bit frames, unknown opcodes, bad control frames, bad
 * continuations (1002), frames or messages over the size limit (1009, refused as soon as the
 * header is read, before buffering the payload), invalid close payloads (1002/1007).
 *
 * @module
 */

/** Receives what the parser reads. Every `Uint8Array` is valid only during the call. */
export interface WebSocketFrameSink {
  /** A complete message (binary, or text as its UTF-8 bytes). */
  message(data: Uint8Array, binary: boolean): void;
  /** A ping, with its payload (at most 125 bytes). */
  ping(payload: Uint8Array): void;
  /** A pong. */
  pong(payload: Uint8Array): void;
  /** A close frame: its code (`undefined` when the frame has none) and reason. */
  close(code: number | undefined, reason: string): void;
}

/**
 * The server broke RFC 6455: the client fails the connection, sending `closeCode`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebSocketProtocolError } from "./ws_frame_parser.ts";
 *
 * const error = new WebSocketProtocolError(1009, "Cannot accept a frame of 2 MiB: over the limit");
 * assert.equal(error.closeCode, 1009);
 * ```
 */
export class WebSocketProtocolError extends Error {
  override readonly name = "WebSocketProtocolError";
  /**
   * @param closeCode The close code to send (1002 protocol error, 1007 bad data, 1009 too big).
   * @param message What was wrong.
   */
  constructor(readonly closeCode: number, message: string) {
    super(message);
  }
}

const _utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses server-to-client WebSocket frames.
 *
 * @example Two frames split across chunks
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebSocketFrameParser } from "./ws_frame_parser.ts";
 *
 * const got: number[][] = [];
 * const parser = new WebSocketFrameParser({
 *   message: (data) => void got.push([...data]),
 *   ping: () => {},
 *   pong: () => {},
 *   close: () => {},
 * }, 1024);
 * parser.push(new Uint8Array([0x82, 2, 1]));
 * parser.push(new Uint8Array([2, 0x82, 1, 3]));
 * assert.deepEqual(got, [[1, 2], [3]]);
 * ```
 */
export class WebSocketFrameParser {
  readonly #sink: WebSocketFrameSink;
  readonly #maxMessageBytes: number;
  /** Bytes of a frame that straddles chunks. */
  #carry: Uint8Array = new Uint8Array(0);
  #carryLength = 0;
  /** The fragments of a message so far. */
  #fragments: Uint8Array = new Uint8Array(0);
  #fragmentsLength = 0;
  /** Opcode of the fragmented message in progress (0: none). */
  #fragmentOpcode = 0;
  #stopped = false;
  // The header just read by #header(): its length and the payload length.
  #headerLength = 0;
  #payloadLength = 0;

  /**
   * @param sink Receives messages and control frames.
   * @param maxMessageBytes Largest frame or reassembled message accepted.
   */
  constructor(sink: WebSocketFrameSink, maxMessageBytes: number) {
    this.#sink = sink;
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Stops delivering: later chunks and the rest of the current one are ignored. */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * Parses a chunk of the stream.
   *
   * @param chunk The next bytes; the parser copies what it must keep.
   * @throws {WebSocketProtocolError} When the stream breaks RFC 6455.
   */
  push(chunk: Uint8Array): void {
    let offset = 0;
    const end = chunk.length;
    if (this.#carryLength > 0) {
      offset = this.#fillCarry(chunk);
      if (this.#carryLength > 0) return;
    }
    while (offset < end && !this.#stopped) {
      const used = this.#frame(chunk, offset, end);
      if (used === 0) {
        this.#carry = _reserve(this.#carry, end - offset, 0);
        this.#carry.set(chunk.subarray(offset, end));
        this.#carryLength = end - offset;
        return;
      }
      offset += used;
    }
  }

  /** Completes the carried frame from the chunk; returns the bytes of the chunk it used. */
  #fillCarry(chunk: Uint8Array): number {
    let offset = 0;
    for (;;) {
      const need = this.#needed();
      const take = Math.min(need - this.#carryLength, chunk.length - offset);
      this.#carry = _reserve(this.#carry, this.#carryLength + take, this.#carryLength);
      this.#carry.set(chunk.subarray(offset, offset + take), this.#carryLength);
      this.#carryLength += take;
      offset += take;
      if (this.#carryLength < need) return offset;
      if (this.#frame(this.#carry, 0, this.#carryLength) > 0) {
        this.#carryLength = 0;
        return offset;
      }
    }
  }

  /** How many bytes the carried frame needs, as far as its header tells. */
  #needed(): number {
    const carry = this.#carry;
    const length = this.#carryLength;
    if (length < 2) return 2;
    const short = carry[1]! & 0x7f;
    const headerLength = short === 126 ? 4 : short === 127 ? 10 : 2;
    if (length < headerLength) return headerLength;
    this.#header(carry, 0, length);
    return this.#headerLength + this.#payloadLength;
  }

  /**
   * Reads the header at `offset` into #headerLength/#payloadLength; false when it is incomplete.
   * Throws on a header no payload can make valid, before any payload is buffered.
   */
  #header(buf: Uint8Array, offset: number, end: number): boolean {
    if (end - offset < 2) return false;
    const b0 = buf[offset]!;
    const b1 = buf[offset + 1]!;
    if ((b0 & 0x70) !== 0) {
      throw new WebSocketProtocolError(
        1002,
        "Cannot accept a frame with reserved bits set: no extension was negotiated",
      );
    }
    if ((b1 & 0x80) !== 0) {
      throw new WebSocketProtocolError(1002, "Cannot accept a masked frame from the server");
    }
    const opcode = b0 & 0x0f;
    let length = b1 & 0x7f;
    let headerLength = 2;
    if (length === 126) {
      if (end - offset < 4) return false;
      length = (buf[offset + 2]! << 8) | buf[offset + 3]!;
      headerLength = 4;
    } else if (length === 127) {
      if (end - offset < 10) return false;
      const high = ((buf[offset + 2]! << 24) | (buf[offset + 3]! << 16) |
        (buf[offset + 4]! << 8) | buf[offset + 5]!) >>> 0;
      const low = ((buf[offset + 6]! << 24) | (buf[offset + 7]! << 16) |
        (buf[offset + 8]! << 8) | buf[offset + 9]!) >>> 0;
      if (high >= 0x80000000) {
        throw new WebSocketProtocolError(1002, "Cannot accept a frame length with the top bit set");
      }
      length = high * 0x100000000 + low;
      headerLength = 10;
    }
    if ((opcode & 0x08) !== 0) {
      if ((b0 & 0x80) === 0) {
        throw new WebSocketProtocolError(1002, "Cannot accept a fragmented control frame");
      }
      if (length > 125) {
        throw new WebSocketProtocolError(
          1002,
          `Cannot accept a control frame of ${length} bytes: the limit is 125`,
        );
      }
    } else {
      const total = (opcode === 0 ? this.#fragmentsLength : 0) + length;
      if (total > this.#maxMessageBytes) {
        throw new WebSocketProtocolError(
          1009,
          `Cannot accept a message of ${total} bytes or more: the limit is ${this.#maxMessageBytes} bytes`,
        );
      }
    }
    this.#headerLength = headerLength;
    this.#payloadLength = length;
    return true;
  }

  /** Handles the frame at `offset` if it is complete; returns its size, or 0 when incomplete. */
  #frame(buf: Uint8Array, offset: number, end: number): number {
    if (!this.#header(buf, offset, end)) return 0;
    const start = offset + this.#headerLength;
    const stop = start + this.#payloadLength;
    if (stop > end) return 0;
    const b0 = buf[offset]!;
    this.#dispatch((b0 & 0x80) !== 0, b0 & 0x0f, buf.subarray(start, stop));
    return stop - offset;
  }

  #dispatch(fin: boolean, opcode: number, payload: Uint8Array): void {
    switch (opcode) {
      case 0x1:
      case 0x2:
        if (this.#fragmentOpcode !== 0) {
          throw new WebSocketProtocolError(
            1002,
            "Cannot accept a new message before the fragmented one ends",
          );
        }
        if (fin) {
          this.#sink.message(payload, opcode === 0x2);
        } else {
          this.#fragmentOpcode = opcode;
          this.#append(payload);
        }
        return;
      case 0x0: {
        if (this.#fragmentOpcode === 0) {
          throw new WebSocketProtocolError(
            1002,
            "Cannot accept a continuation frame outside a fragmented message",
          );
        }
        this.#append(payload);
        if (!fin) return;
        const binary = this.#fragmentOpcode === 0x2;
        const length = this.#fragmentsLength;
        this.#fragmentOpcode = 0;
        this.#fragmentsLength = 0;
        this.#sink.message(this.#fragments.subarray(0, length), binary);
        return;
      }
      case 0x8:
        this.#close(payload);
        return;
      case 0x9:
        this.#sink.ping(payload);
        return;
      case 0xa:
        this.#sink.pong(payload);
        return;
      default:
        throw new WebSocketProtocolError(1002, `Cannot accept a frame with opcode ${opcode}`);
    }
  }

  #append(payload: Uint8Array): void {
    this.#fragments = _reserve(
      this.#fragments,
      this.#fragmentsLength + payload.length,
      this.#fragmentsLength,
    );
    this.#fragments.set(payload, this.#fragmentsLength);
    this.#fragmentsLength += payload.length;
  }

  #close(payload: Uint8Array): void {
    if (payload.length === 0) {
      this.#sink.close(undefined, "");
      return;
    }
    if (payload.length === 1) {
      throw new WebSocketProtocolError(1002, "Cannot accept a close frame of 1 byte");
    }
    const code = (payload[0]! << 8) | payload[1]!;
    if (!isValidCloseCode(code)) {
      throw new WebSocketProtocolError(1002, `Cannot accept close code ${code}`);
    }
    let reason: string;
    try {
      reason = _utf8.decode(payload.subarray(2));
    } catch {
      throw new WebSocketProtocolError(1007, "Cannot accept a close reason that is not UTF-8");
    }
    this.#sink.close(code, reason);
  }
}

/**
 * Whether a close code may appear in a close frame (RFC 6455 section 7.4).
 *
 * @param code The code.
 * @returns `true` for 1000–1003, 1007–1014 and 3000–4999.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isValidCloseCode } from "./ws_frame_parser.ts";
 *
 * assert.ok(isValidCloseCode(1000));
 * assert.ok(!isValidCloseCode(1005));
 * ```
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

/** `buffer` with room for `size` bytes, keeping its first `keep` bytes. */
function _reserve(buffer: Uint8Array, size: number, keep: number): Uint8Array {
  if (buffer.length >= size) return buffer;
  const grown = new Uint8Array(Math.max(size, buffer.length * 2, 1024));
  grown.set(buffer.subarray(0, keep));
  return grown;
}
