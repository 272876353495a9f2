/**
 * A small HTTP server for Web-standard handlers (`Request` in, `Response` out, streaming bodies
 * for server-sent events) on the runtime's native server: `Deno.serve` or `Bun.serve`. The
 * runtime types are declared structurally here so the module type-checks under either runtime.
 *
 * @module
 */

/** A Web-standard request handler. */
export type HttpHandler = (request: Request) => Response | Promise<Response>;

/** A listening server. */
export interface HttpServer {
  /** The address it listens on, e.g. `127.0.0.1`. */
  readonly hostname: string;
  /** The port it listens on (the chosen one when 0 was asked for). */
  readonly port: number;
  /** Stops listening and closes open connections (streams included). */
  close(): Promise<void>;
}

/** Options of {@linkcode serveHttp}. */
export interface ServeHttpOptions {
  /** The address to listen on, e.g. `127.0.0.1` or `0.0.0.0`. */
  hostname: string;
  /** The port; 0 picks a free one. */
  port: number;
}

interface _DenoLike {
  serve(
    options: {
      hostname: string;
      port: number;
      signal: AbortSignal;
      onListen: (addr: { hostname: string; port: number }) => void;
      onError: (error: unknown) => Response;
    },
    handler: HttpHandler,
  ): { finished: Promise<void>; addr: { hostname: string; port: number } };
}

interface _BunLike {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch: HttpHandler;
    error: (error: unknown) => Response;
  }): {
    port: number;
    hostname: string;
    stop(closeActiveConnections?: boolean): Promise<void> | void;
  };
}

function _error(): Response {
  return new Response("Internal server error\n", {
    status: 500,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/**
 * Starts an HTTP server.
 *
 * @param handler Answers each request.
 * @param options Address and port.
 * @returns The listening server.
 * @throws {Error} When the address cannot be used (e.g. `EADDRINUSE`) or the runtime is neither
 * Deno nor Bun.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveHttp } from "./http_serve.ts";
 *
 * const server = await serveHttp(() => new Response("ok"), { hostname: "127.0.0.1", port: 0 });
 * const response = await fetch(`http://127.0.0.1:${server.port}/`);
 * assert.equal(await response.text(), "ok");
 * await server.close();
 * ```
 */
export async function serveHttp(
  handler: HttpHandler,
  options: ServeHttpOptions,
): Promise<HttpServer> {
  const g = globalThis as unknown as { Deno?: _DenoLike; Bun?: _BunLike };
  if (g.Bun !== undefined) {
    const server = g.Bun.serve({
      hostname: options.hostname,
      port: options.port,
      // Server-sent event streams stay open; 0 turns Bun's idle timeout off.
      idleTimeout: 0,
      fetch: handler,
      error: _error,
    });
    return {
      hostname: options.hostname,
      port: server.port,
      close: async () => {
        await server.stop(true);
      },
    };
  }
  if (g.Deno !== undefined) {
    const controller = new AbortController();
    let listening: (addr: { hostname: string; port: number }) => void = () => {};
    const listened = new Promise<{ hostname: string; port: number }>((resolve) => {
      listening = resolve;
    });
    const server = g.Deno.serve({
      hostname: options.hostname,
      port: options.port,
      signal: controller.signal,
      onListen: (addr) => listening(addr),
      onError: _error,
    }, handler);
    const addr = await listened;
    return {
      hostname: options.hostname,
      port: addr.port,
      close: async () => {
        controller.abort();
        await server.finished;
      },
    };
  }
  throw new Error("Cannot start an HTTP server as this runtime is neither Deno nor Bun");
}
