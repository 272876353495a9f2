/**
 * Which WebSocket implementation a `T4Client` uses: the runtime's native `WebSocket` (the
 * default), the `socket` transport (`SocketWebSocket`, an RFC 6455 client over the runtime's
 * TCP/TLS sockets, faster on Deno), or a constructor the caller gives (tests).
 *
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import { socketWebSocket } from "./socket_web_socket.ts";
import type { WebSocketConstructor } from "./web_socket_like.ts";

/** `"websocket"`: the runtime's native `WebSocket`; `"socket"`: the TypeScript RFC 6455 client. */
export type Transport = "websocket" | "socket";

/** The socket transport's own message limit (above it: close code 1009), 64 MiB. */
export const TRANSPORT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** The transport names, for validation. */
export const TRANSPORTS: readonly Transport[] = ["websocket", "socket"];

/** What {@linkcode selectTransport} needs. */
export interface TransportOptions {
  /** The transport; default `"websocket"`. */
  transport?: Transport;
  /** A WebSocket constructor (tests); excludes `transport: "socket"`. */
  WebSocket?: WebSocketConstructor;
  /** PEM certificates to trust for `wss://` (socket transport only). */
  caCerts?: readonly string[];
  /** Largest frame accepted. */
  maxFrameBytes?: number;
  /** Clock (the socket transport's close timeout). */
  clock?: Clock;
}

/**
 * Picks the WebSocket constructor for the options.
 *
 * @param options Transport, constructor, certificates, limits.
 * @returns The constructor, and whether its messages are borrowed views (decode with
 *   `borrowed: true`).
 * @throws {TypeError} On an unknown transport, `transport: "socket"` with a `WebSocket`
 *   constructor, `caCerts` without the socket transport, or no global `WebSocket`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectTransport } from "./transport.ts";
 *
 * assert.equal(selectTransport({ transport: "socket" }).borrowed, true);
 * assert.equal(selectTransport({}).borrowed, false);
 * ```
 */
export function selectTransport(
  options: TransportOptions,
): { WebSocket: WebSocketConstructor; borrowed: boolean } {
  const transport = options.transport ?? "websocket";
  if (!TRANSPORTS.includes(transport)) {
    throw new TypeError(
      `Cannot create the client with transport '${transport}': expected websocket or socket`,
    );
  }
  if (transport === "socket") {
    if (options.WebSocket !== undefined) {
      throw new TypeError(
        "Cannot create the client with both a WebSocket constructor and transport 'socket'",
      );
    }
    return {
      WebSocket: socketWebSocket({
        ...(options.caCerts !== undefined && { caCerts: options.caCerts }),
        // Like the native WebSocket's own limit: a frame over `maxFrameBytes` but under this one
        // is delivered and skipped as a frame_error; over this one it fails the connection (1009).
        maxMessageBytes: Math.max(options.maxFrameBytes ?? 0, TRANSPORT_MAX_MESSAGE_BYTES),
        ...(options.clock !== undefined && { clock: options.clock }),
      }),
      borrowed: true,
    };
  }
  if (options.caCerts !== undefined) {
    throw new TypeError(
      "Cannot use caCerts with the native WebSocket: give transport 'socket' (the native one trusts the system roots)",
    );
  }
  const ctor = options.WebSocket ??
    (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (ctor === undefined) {
    throw new TypeError("Cannot create the client as this runtime has no global WebSocket");
  }
  return { WebSocket: ctor, borrowed: false };
}
