/**
 * The WebSocket port of `T4Client`: the part of the WHATWG `WebSocket` it uses, so that the
 * runtime's global `WebSocket` (Deno, Bun, browsers) or a test fake plugs in.
 *
 * Runtime limitation: the WHATWG `WebSocket` cannot be aborted. `close()` only starts the close
 * handshake, and against a peer that never answers it (half-open) Deno keeps the TCP connection,
 * and with it the process, alive until the peer or the OS ends it (denoland/deno#25126). Bun's
 * `WebSocket` has a non-standard `terminate()`, which the client calls when present.
 *
 * @example A socket for tests
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WebSocketConstructor, WebSocketLike } from "./web_socket_like.ts";
 *
 * class NeverOpens implements WebSocketLike {
 *   binaryType: BinaryType = "blob";
 *   readyState = 0;
 *   onopen: WebSocketLike["onopen"] = null;
 *   onmessage: WebSocketLike["onmessage"] = null;
 *   onclose: WebSocketLike["onclose"] = null;
 *   onerror: WebSocketLike["onerror"] = null;
 *   constructor(readonly url: string) {}
 *   send(_data: Uint8Array): void {}
 *   close(): void {
 *     this.readyState = 3;
 *   }
 * }
 * const ctor: WebSocketConstructor = NeverOpens;
 * assert.equal(new ctor("ws://127.0.0.1:1/v1").readyState, 0);
 * ```
 *
 * @module
 */

/** The part of the WHATWG `WebSocket` the client uses (the global one fits). */
export interface WebSocketLike {
  /** Set to `"arraybuffer"` by the client. */
  binaryType: BinaryType;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Sends one binary frame. */
  send(data: Uint8Array<ArrayBuffer>): void;
  /** Starts the close handshake. */
  close(code?: number, reason?: string): void;
  /** Open handler. */
  onopen: ((event: Event) => unknown) | null;
  /** Message handler. */
  onmessage: ((event: MessageEvent) => unknown) | null;
  /** Close handler. */
  onclose: ((event: CloseEvent) => unknown) | null;
  /** Error handler. */
  onerror: ((event: Event) => unknown) | null;
  /**
   * Drops the connection at once, without a close handshake (not in the WHATWG API; Bun's
   * `WebSocket` has it). Called, when present, whenever the client abandons a socket.
   */
  terminate?(): void;
}

/** A `WebSocket` constructor, e.g. `globalThis.WebSocket` or a test fake. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;
