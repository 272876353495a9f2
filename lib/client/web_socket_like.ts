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

/**
 * Forgets a socket at once: every handler is detached and the close handshake is started but
 * never waited for, so a peer that never answers it (half-open) holds nothing of the client.
 * Where the socket can be aborted (`terminate()`, e.g. Bun), it is; the WHATWG `WebSocket`
 * has no abort, so elsewhere (Deno) the runtime keeps that socket until the peer or the OS
 * ends it.
 *
 * @param ws The socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { abandonSocket, type WebSocketLike } from "./web_socket_like.ts";
 *
 * const closes: number[] = [];
 * const ws: WebSocketLike = {
 *   binaryType: "arraybuffer", readyState: 1, send() {}, close: (code = 0) => void closes.push(code),
 *   onopen: null, onmessage: () => {}, onclose: null, onerror: null,
 * };
 * abandonSocket(ws);
 * assert.equal(ws.onmessage, null);
 * assert.deepEqual(closes, [1000]);
 * ```
 */
export function abandonSocket(ws: WebSocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onerror = null;
  ws.onclose = null;
  if (ws.readyState < 2) {
    try {
      ws.close(1000);
    } catch {
      // Already closing or unusable: nothing more to do.
    }
  }
  if (typeof ws.terminate === "function") {
    try {
      ws.terminate();
    } catch {
      // Already gone.
    }
  }
}

/** The events of one socket, as `openSocket` delivers them. */
export interface SocketHandlers {
  /** The handshake completed. */
  open(): void;
  /**
   * A frame arrived.
   *
   * @param data The frame data.
   */
  message(data: unknown): void;
  /** The socket failed. */
  error(): void;
  /**
   * The socket closed.
   *
   * @param code The close code.
   * @param reason The close reason.
   */
  close(code: number, reason: string): void;
}

/**
 * Creates a socket in binary (`arraybuffer`) mode and attaches its handlers before anything else
 * runs, so no event can be missed: some runtimes run queued microtasks inside other calls (Deno's
 * `setTimeout` does under `deno test`), and a socket that opens in a microtask would otherwise
 * open before anyone listens.
 *
 * @param WebSocket The constructor.
 * @param url The URL.
 * @param handlers The handlers.
 * @returns The socket.
 * @throws {Error} Whatever the constructor throws (e.g. `SyntaxError` for a bad URL).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openSocket, type WebSocketLike } from "./web_socket_like.ts";
 *
 * class OpensInAMicrotask implements WebSocketLike {
 *   binaryType: BinaryType = "blob";
 *   readyState = 0;
 *   onopen: WebSocketLike["onopen"] = null;
 *   onmessage: WebSocketLike["onmessage"] = null;
 *   onclose: WebSocketLike["onclose"] = null;
 *   onerror: WebSocketLike["onerror"] = null;
 *   constructor(_url: string) {
 *     queueMicrotask(() => { this.readyState = 1; this.onopen?.(new Event("open")); });
 *   }
 *   send(): void {}
 *   close(): void {}
 * }
 * let opened = false;
 * const ws = openSocket(OpensInAMicrotask, "ws://127.0.0.1:1/v1", {
 *   open: () => (opened = true), message() {}, error() {}, close() {},
 * });
 * await Promise.resolve();
 * assert.equal(ws.binaryType, "arraybuffer");
 * assert.ok(opened);
 * ```
 */
export function openSocket(
  WebSocket: WebSocketConstructor,
  url: string,
  handlers: SocketHandlers,
): WebSocketLike {
  const ws = new WebSocket(url);
  ws.onopen = () => handlers.open();
  ws.onmessage = (event) => handlers.message(event.data);
  ws.onerror = () => handlers.error();
  ws.onclose = (event) => handlers.close(event.code, event.reason);
  ws.binaryType = "arraybuffer";
  return ws;
}
