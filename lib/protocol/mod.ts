/**
 * The T4 v1 wire protocol: every generated `t4proto.v1` message type, enum and schema, the frame
 * codec (never throws on untrusted bytes) and the login result names as the API page uses them.
 *
 * @example Encode a heartbeat and decode it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeClientFrame, encodeClientMessage } from "./mod.ts";
 *
 * const bytes = encodeClientMessage({ payload: { case: "heartbeat", value: { timestamp: 1n } } });
 * const message = decodeClientFrame(bytes);
 * assert.ok(!(message instanceof Error));
 * assert.equal(message.payload.case, "heartbeat");
 * ```
 *
 * @module
 */

export * from "./decode_frame.ts";
export * from "./frame_codec.ts";
export * from "./frame_error.ts";
export * from "./login_result.ts";
export * from "./proto.ts";
