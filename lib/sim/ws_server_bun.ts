/**
 * The Bun adapter of the simulator's WebSocket server: `Bun.serve` with `websocket`. Bun's types
 * are declared structurally here so that the module type-checks under any runtime.
 *
 * @module
 */

import type { NativeEvents, NativeServer, NativeWs } from "./ws_native.ts";

interface _BunData {
  remotePort: number;
  native?: NativeWs;
}

interface _BunWebSocket {
  data: _BunData;
  send(data: Uint8Array | string): number;
  close(code?: number, reason?: string): void;
  getBufferedAmount?(): number;
}

interface _BunServer {
  readonly port: number;
  upgrade(request: Request, options: { data: _BunData }): boolean;
  requestIP(request: Request): { port: number } | null;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

interface _BunLike {
  serve(options: {
    hostname: string;
    port: number;
    fetch(request: Request, server: _BunServer): Response | undefined;
    websocket: {
      idleTimeout: number;
      sendPings: boolean;
      maxPayloadLength: number;
      open(ws: _BunWebSocket): void;
      message(ws: _BunWebSocket, data: Uint8Array | string): void;
      close(ws: _BunWebSocket, code: number, reason: string): void;
      drain(ws: _BunWebSocket): void;
    };
  }): _BunServer;
}

function _native(ws: _BunWebSocket): NativeWs {
  ws.data.native ??= {
    send: (data) => ws.send(data),
    close(code, reason) {
      ws.close(code, reason);
    },
    bufferedAmount: () => ws.getBufferedAmount?.() ?? 0,
  };
  return ws.data.native;
}

/**
 * Starts a native Bun WebSocket server on a free port.
 *
 * @param hostname The address to listen on.
 * @param events Where connection events go.
 * @returns The listening server.
 * @throws {Error} When `Bun` is not available.
 */
export function listenBun(hostname: string, events: NativeEvents): Promise<NativeServer> {
  const bun = (globalThis as unknown as { Bun?: _BunLike }).Bun;
  if (bun === undefined) throw new Error("Cannot use the Bun adapter outside Bun");
  const server = bun.serve({
    hostname,
    port: 0,
    fetch(request, server) {
      const refused = events.accept(request);
      if (refused !== undefined) return refused;
      const remotePort = server.requestIP(request)?.port ?? 0;
      if (server.upgrade(request, { data: { remotePort } })) return undefined;
      return new Response("Cannot upgrade to a WebSocket", { status: 400 });
    },
    websocket: {
      // No idle timeout and no server pings, so that half-open faults stay half-open.
      idleTimeout: 0,
      sendPings: false,
      maxPayloadLength: 64 * 1024 * 1024,
      open: (ws) => events.open(_native(ws), ws.data.remotePort),
      message(ws, data) {
        events.message(
          _native(ws),
          typeof data === "string"
            ? data
            : new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        );
      },
      close: (ws, code, reason) => events.close(_native(ws), code, reason),
      drain: (ws) => events.drain(_native(ws)),
    },
  });
  return Promise.resolve({
    port: server.port,
    async stop() {
      await server.stop(true);
    },
  });
}
