/**
 * The HTTP side of `t4flow monitor`, as a Web-standard handler: `GET /` (the status page),
 * `GET /api/status` (JSON), `GET /api/events` (the same JSON as server-sent events, pushed when
 * the status changes), `GET /badges/NAME.svg` and `GET /metrics` (Prometheus text, when a metrics
 * source is given). Responses carry a strict Content-Security-Policy: the page runs only its own
 * script, so even a mistake in escaping could not run injected code.
 *
 * @module
 */

import { type Clock, systemClock } from "../runtime/clock.ts";
import { serveHttp } from "../runtime/http_serve.ts";
import { statusJson, workflowHealth, type WorkflowStatus } from "./monitor_status.ts";
import { statusBadgeSvg } from "./status_badge.ts";
import { STATUS_PAGE_CSS, STATUS_PAGE_HTML, STATUS_PAGE_JS } from "./status_page.ts";

/** Where the handler reads the status. */
export interface StatusSource {
  /** Every workflow's status, in display order. */
  status(): WorkflowStatus[];
  /**
   * Calls `listener` when the status changes.
   *
   * @param listener The callback.
   * @returns A function that removes it.
   */
  onChange(listener: () => void): () => void;
}

/** Options of {@linkcode createStatusHandler}. */
export interface StatusHandlerOptions {
  /** `GET /metrics`: the Prometheus text and its content type; without it, 404. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /**
   * The clock of the event streams' keep-alive comments.
   *
   * @default systemClock
   */
  clock?: Clock;
  /**
   * A comment is sent on idle event streams this often, so proxies keep them open.
   *
   * @default 15000
   */
  keepAliveMs?: number;
}

/** The handler and what it holds open. */
export interface StatusHandler {
  /** Answers one request. */
  handle(request: Request): Promise<Response>;
  /** Event streams open now. */
  readonly streams: number;
  /** Ends every event stream (before the server closes). */
  close(): void;
}

const _CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const _COMMON: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * Creates the monitor's HTTP handler.
 *
 * @param source The status (a `MonitorFleet`).
 * @param options Metrics, clock and keep-alive.
 * @returns The handler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createStatusHandler } from "./status_server.ts";
 *
 * const handler = createStatusHandler({
 *   status: () => [{ name: "session-check", runs: [], uptime: null, nextRunAt: null }],
 *   onChange: () => () => {},
 * });
 * const response = await handler.handle(new Request("http://127.0.0.1/api/status"));
 * assert.deepEqual(await response.json(), {
 *   workflows: [{ name: "session-check", status: "pending", runs: [], uptime: null, next_run_at: null }],
 * });
 * handler.close();
 * ```
 */
export function createStatusHandler(
  source: StatusSource,
  options: StatusHandlerOptions = {},
): StatusHandler {
  const clock = options.clock ?? systemClock;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const closers = new Set<() => void>();

  const text = (body: string, type: string, status = 200, extra: Record<string, string> = {}) =>
    new Response(body, {
      status,
      headers: { ..._COMMON, "content-type": type, ...extra },
    });
  const notFound = () => text("Not found\n", "text/plain; charset=utf-8", 404);

  // A client that goes away cancels the stream (`cancel` below); `request.signal` is not used as
  // Deno aborts it once the response headers are sent.
  const events = (): Response => {
    const encoder = new TextEncoder();
    let cleanup = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let open = true;
        let timer: unknown;
        const send = (chunk: string) => {
          if (!open) return;
          try {
            controller.enqueue(encoder.encode(chunk));
          } catch {
            cleanup();
          }
        };
        const push = () =>
          send(`event: status\ndata: ${JSON.stringify(statusJson(source.status()))}\n\n`);
        const keepAlive = () => {
          send(": keep-alive\n\n");
          timer = clock.setTimeout(keepAlive, keepAliveMs);
        };
        const unsubscribe = source.onChange(push);
        cleanup = () => {
          if (!open) return;
          open = false;
          unsubscribe();
          clock.clearTimeout(timer);
          closers.delete(cleanup);
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        };
        closers.add(cleanup);
        send("retry: 2000\n\n");
        push();
        timer = clock.setTimeout(keepAlive, keepAliveMs);
      },
      cancel() {
        cleanup();
      },
    });
    return new Response(stream, {
      headers: {
        ..._COMMON,
        "content-type": "text/event-stream; charset=utf-8",
        "x-accel-buffering": "no",
      },
    });
  };

  const handle = async (request: Request): Promise<Response> => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text("Method not allowed\n", "text/plain; charset=utf-8", 405, { allow: "GET, HEAD" });
    }
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/":
        return text(STATUS_PAGE_HTML, "text/html; charset=utf-8", 200, {
          "content-security-policy": _CSP,
        });
      case "/app.js":
        return text(STATUS_PAGE_JS, "text/javascript; charset=utf-8");
      case "/app.css":
        return text(STATUS_PAGE_CSS, "text/css; charset=utf-8");
      case "/api/status":
        return text(`${JSON.stringify(statusJson(source.status()))}\n`, "application/json");
      case "/api/events":
        // HEAD gets the headers only: no stream is opened for it.
        return request.method === "HEAD" ? text("", "text/event-stream; charset=utf-8") : events();
      case "/metrics": {
        if (options.metrics === undefined) return notFound();
        const { contentType, body } = await options.metrics();
        return text(body, contentType);
      }
    }
    const badge = /^\/badges\/([^/]+)\.svg$/.exec(path);
    if (badge) {
      let name: string;
      try {
        name = decodeURIComponent(badge[1]!);
      } catch {
        return notFound();
      }
      const workflow = source.status().find((w) => w.name === name);
      if (workflow === undefined) return notFound();
      return text(statusBadgeSvg(name, workflowHealth(workflow.runs)), "image/svg+xml", 200, {
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      });
    }
    return notFound();
  };

  return {
    handle,
    get streams() {
      return closers.size;
    },
    close() {
      for (const close of [...closers]) close();
    },
  };
}

/** A running status server. */
export interface StatusServer {
  /** The page's URL, e.g. `http://127.0.0.1:8090/`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Ends the event streams and stops listening. */
  close(): Promise<void>;
}

/**
 * Serves the status page, the API, the badges and `/metrics` on `host:port`.
 *
 * @param source The status (a `MonitorFleet`).
 * @param address Where to listen (`port: 0` picks a free port).
 * @param options Metrics, clock and keep-alive of the handler.
 * @returns The running server.
 * @throws {Error} When it cannot listen (e.g. the port is taken), with the address in the message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveStatus } from "./status_server.ts";
 *
 * const server = await serveStatus(
 *   { status: () => [], onChange: () => () => {} },
 *   { host: "127.0.0.1", port: 0 },
 * );
 * assert.deepEqual(await (await fetch(`${server.url}api/status`)).json(), { workflows: [] });
 * await server.close();
 * ```
 */
export async function serveStatus(
  source: StatusSource,
  address: { host: string; port: number },
  options: StatusHandlerOptions = {},
): Promise<StatusServer> {
  const handler = createStatusHandler(source, options);
  let server;
  try {
    server = await serveHttp(handler.handle, { hostname: address.host, port: address.port });
  } catch (error) {
    handler.close();
    const code = (error as { code?: string }).code;
    throw new Error(
      `Cannot serve the status page on ${_hostPort(address.host, address.port)}: ${
        code ?? (error instanceof Error ? error.message : String(error))
      }`,
      { cause: error },
    );
  }
  const port = server.port;
  return {
    url: `http://${_hostPort(address.host, port)}/`,
    port,
    async close() {
      handler.close();
      await server.close();
    },
  };
}

function _hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
