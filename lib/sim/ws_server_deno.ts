/**
 * The Deno adapter of the simulator's WebSocket server: `Deno.serve` + `Deno.upgradeWebSocket`.
 * Deno's types are declared structurally here so that the module type-checks under any runtime.
 *
 * @module
 */

import type { NativeEvents, NativeServer, NativeWs } from "./ws_native.ts";

interface _DenoWebSocket extends EventTarget {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array | string): void;
  close(code?: number, reason?: string): void;
}

interface _DenoHttpServer {
  readonly addr: { port: number };
  readonly finished: Promise<void>;
  shutdown(): Promise<void>;
}

interface _DenoLike {
  serve(
    options: {
      hostname: string;
      port: number;
      onListen?: (addr: { port: number }) => void;
    },
    handler: (request: Request, info: { remoteAddr: { port?: number } }) => Response,
  ): _DenoHttpServer;
  upgradeWebSocket(
    request: Request,
    options?: { idleTimeout?: number },
  ): { socket: _DenoWebSocket; response: Response };
}

const _OPEN = 1;

/**
 * Starts a native Deno WebSocket server on a free port.
 *
 * @param hostname The address to listen on.
 * @param events Where connection events go.
 * @returns The listening server.
 * @throws {Error} When `Deno` is not available.
 */
export function listenDeno(hostname: string, events: NativeEvents): Promise<NativeServer> {
  const deno = (globalThis as unknown as { Deno?: _DenoLike }).Deno;
  if (deno === undefined) throw new Error("Cannot use the Deno adapter outside Deno");
  const sockets = new Set<_DenoWebSocket>();
  const server = deno.serve({ hostname, port: 0, onListen: () => {} }, (request, info) => {
    const refused = events.accept(request);
    if (refused !== undefined) return refused;
    // Read before upgrading: the request's info is gone afterwards.
    const remotePort = info.remoteAddr.port ?? 0;
    // idleTimeout 0: no server pings, so that half-open faults stay half-open.
    const { socket, response } = deno.upgradeWebSocket(request, { idleTimeout: 0 });
    socket.binaryType = "arraybuffer";
    const native: NativeWs = {
      send(data) {
        if (socket.readyState !== _OPEN) return 0;
        socket.send(data);
        return typeof data === "string" ? data.length : data.byteLength;
      },
      close(code, reason) {
        try {
          socket.close(code, reason);
        } catch {
          // already closing
        }
      },
      bufferedAmount: () => socket.bufferedAmount,
    };
    sockets.add(socket);
    socket.addEventListener("open", () => events.open(native, remotePort));
    socket.addEventListener("message", (event) => {
      const data = (event as MessageEvent).data as ArrayBuffer | string;
      events.message(native, typeof data === "string" ? data : new Uint8Array(data));
    });
    socket.addEventListener("close", (event) => {
      sockets.delete(socket);
      const close = event as CloseEvent;
      events.close(native, close.code, close.reason);
    });
    socket.addEventListener("error", () => {});
    return response;
  });
  return Promise.resolve({
    port: server.addr.port,
    async stop() {
      for (const socket of sockets) {
        try {
          socket.close(1001, "Server stopping");
        } catch {
          // already closing
        }
      }
      await server.shutdown();
    },
  });
}
