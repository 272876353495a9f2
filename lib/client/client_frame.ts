/**
 * Encodes the frames a `T4Client` sends.
 *
 * @module
 */

import { type ClientMessageInit, encodeClientMessage } from "../protocol/frame_codec.ts";

/**
 * Encodes one `ClientMessage` payload as a binary frame.
 *
 * @param payload The payload, e.g. `{ case: "heartbeat", value: { timestamp: 0n } }`.
 * @returns The frame bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientFrame } from "./client_frame.ts";
 *
 * assert.ok(clientFrame({ case: "heartbeat", value: { timestamp: 1n } }).byteLength > 0);
 * ```
 */
export function clientFrame(
  payload: NonNullable<ClientMessageInit["payload"]>,
): Uint8Array<ArrayBuffer> {
  return encodeClientMessage({ payload }) as Uint8Array<ArrayBuffer>;
}
