/**
 * t4flow: a client and workflow runtime for the T4 futures-trading WebSocket API (Plus500 Futures
 * Technologies, formerly CTS Futures), for Deno and Bun.
 *
 * This module exports the wire protocol layer: the generated `t4proto.v1` message types, a frame
 * codec that never throws on untrusted input, and the login result names used by the API page.
 *
 * @example Encode a login and decode the server's answer
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   decodeServerFrame,
 *   encodeClientMessage,
 *   encodeServerMessage,
 *   FrameError,
 *   LoginResult,
 *   loginResultName,
 * } from "./mod.ts";
 *
 * const login = encodeClientMessage({ payload: { case: "loginRequest", value: { apiKey: "k" } } });
 * assert.ok(login.byteLength > 0);
 *
 * const reply = decodeServerFrame(encodeServerMessage({
 *   payload: { case: "loginResponse", value: { result: LoginResult.LOCKED_OUT } },
 * }));
 * assert.ok(!(reply instanceof FrameError) && reply.payload.case === "loginResponse");
 * assert.equal(loginResultName(reply.payload.value.result), "LOCKED_OUT");
 * ```
 *
 * @module
 */

export * from "./lib/frame_codec.ts";
export * from "./lib/frame_error.ts";
export * from "./lib/login_result.ts";
export * from "./lib/proto.ts";
export * from "./lib/clock.ts";
export * from "./lib/session.ts";
export * from "./lib/status_event.ts";
export * from "./lib/maintenance_window.ts";
export * from "./lib/backoff.ts";
export * from "./lib/heartbeat_monitor.ts";
export * from "./lib/errors.ts";
export * from "./lib/credentials.ts";
export * from "./lib/logger.ts";
export * from "./lib/t4_client.ts";
