/**
 * The writing half of RFC 6455 for a client: client frames, each masked with a fresh random key
 * (section 5.3), and the opening handshake's key and expected `Sec-WebSocket-Accept`.
 *
 * @module
 */

/** The GUID of RFC 6455 section 1.3. */
const _GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Frame opcodes a client sends. */
export const WS_OPCODE = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/**
 * Encodes one final (unfragmented) client frame, masked with a fresh key from
 * `crypto.getRandomValues`.
 *
 * @param opcode The opcode ({@linkcode WS_OPCODE}).
 * @param payload The payload (not modified).
 * @returns The frame's bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeClientFrame, WS_OPCODE } from "./ws_frame_writer.ts";
 *
 * const frame = encodeClientFrame(WS_OPCODE.binary, new Uint8Array([1, 2, 3]));
 * assert.equal(frame[0], 0x82);
 * assert.equal(frame[1], 0x80 | 3);
 * const key = frame.subarray(2, 6);
 * assert.deepEqual([...frame.subarray(6)].map((b, i) => b ^ key[i % 4]!), [1, 2, 3]);
 * ```
 */
export function encodeClientFrame(opcode: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const frame = new Uint8Array(headerLength + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 0x10000) {
    frame[1] = 0x80 | 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    const high = Math.floor(length / 0x100000000);
    new DataView(frame.buffer).setUint32(2, high);
    new DataView(frame.buffer).setUint32(6, length >>> 0);
  }
  const key = frame.subarray(headerLength, headerLength + 4);
  crypto.getRandomValues(key);
  const k0 = key[0]!, k1 = key[1]!, k2 = key[2]!, k3 = key[3]!;
  const start = headerLength + 4;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    frame[start + i] = payload[i]! ^ k0;
    frame[start + i + 1] = payload[i + 1]! ^ k1;
    frame[start + i + 2] = payload[i + 2]! ^ k2;
    frame[start + i + 3] = payload[i + 3]! ^ k3;
  }
  for (; i < length; i++) frame[start + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

/**
 * The payload of a close frame: the code (big-endian) and the reason in UTF-8.
 *
 * @param code The close code, or `undefined` for an empty close frame.
 * @param reason The reason (at most 123 bytes of UTF-8).
 * @returns The payload.
 * @throws {SyntaxError} When the reason is longer than 123 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closePayload } from "./ws_frame_writer.ts";
 *
 * assert.deepEqual([...closePayload(1000, "ok")], [0x03, 0xe8, 0x6f, 0x6b]);
 * ```
 */
export function closePayload(code: number | undefined, reason = ""): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  const text = new TextEncoder().encode(reason);
  if (text.length > 123) {
    throw new SyntaxError(`Cannot close with a reason of ${text.length} bytes: the limit is 123`);
  }
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

/**
 * A fresh `Sec-WebSocket-Key` (16 random bytes, base64) and the `Sec-WebSocket-Accept` the server
 * must answer with (base64 of the SHA-1 of the key and the GUID).
 *
 * @returns The key and the expected accept value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handshakeKey } from "./ws_frame_writer.ts";
 *
 * const { key, accept } = await handshakeKey();
 * assert.equal(atob(key).length, 16);
 * assert.equal(atob(accept).length, 20);
 * ```
 */
export async function handshakeKey(): Promise<{ key: string; accept: string }> {
  const key = _base64(crypto.getRandomValues(new Uint8Array(16)));
  return { key, accept: await acceptFor(key) };
}

/**
 * The `Sec-WebSocket-Accept` value for a key.
 *
 * @param key The `Sec-WebSocket-Key`.
 * @returns base64(SHA-1(key + GUID)).
 *
 * @example The example of RFC 6455 section 1.3
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptFor } from "./ws_frame_writer.ts";
 *
 * assert.equal(await acceptFor("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
 * ```
 */
export async function acceptFor(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(key + _GUID));
  return _base64(new Uint8Array(digest));
}

function _base64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}
