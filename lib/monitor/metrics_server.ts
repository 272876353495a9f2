/**
 * `GET /metrics` over HTTP for a {@linkcode MetricsRegistry} (`t4flow run --metrics HOST:PORT`),
 * on `node:http`, which Deno and Bun both implement. It listens on loopback unless a host is
 * given.
 *
 * @module
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type MetricsRegistry, renderMetrics } from "./metrics_registry.ts";

/** Where to listen, from {@linkcode parseListenAddress}. */
export interface ListenAddress {
  /** Host or IP address. */
  readonly host: string;
  /** TCP port (0 picks a free one). */
  readonly port: number;
}

/**
 * A `--metrics` value that is not `PORT` or `HOST:PORT`: the CLI exits with code 2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ListenAddressError, parseListenAddress } from "./metrics_server.ts";
 *
 * assert.throws(() => parseListenAddress("nope"), ListenAddressError);
 * ```
 */
export class ListenAddressError extends Error {
  /** Always `"ListenAddressError"`. */
  override readonly name = "ListenAddressError";
}

/**
 * Reads `PORT`, `HOST:PORT` or `[IPv6]:PORT`. Without a host it listens on loopback
 * (`127.0.0.1`); give `0.0.0.0:PORT` to listen on every interface.
 *
 * @param value The flag value.
 * @param flag The flag name, for the message.
 * @returns The address.
 * @throws {ListenAddressError} When the value is not an address with a port 0 to 65535.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListenAddress } from "./metrics_server.ts";
 *
 * assert.deepEqual(parseListenAddress("9464"), { host: "127.0.0.1", port: 9464 });
 * assert.deepEqual(parseListenAddress("0.0.0.0:9464"), { host: "0.0.0.0", port: 9464 });
 * assert.deepEqual(parseListenAddress("[::1]:9464"), { host: "::1", port: 9464 });
 * assert.throws(() => parseListenAddress("localhost"), /must be PORT or HOST:PORT/);
 * ```
 */
export function parseListenAddress(value: string, flag = "--metrics"): ListenAddress {
  const match = /^(?:(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]*)):)?(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new ListenAddressError(
      `Cannot listen as '${flag}' must be PORT or HOST:PORT such as 9464 or 127.0.0.1:9464: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
  const host = match[1] ?? (match[2] || "127.0.0.1");
  return { host, port };
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The scrape URL, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
  /** Same as `close`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves `GET /metrics` (and `HEAD`) from a registry; other paths answer 404, other methods 405.
 *
 * @param metrics The registry.
 * @param address Where to listen (`port: 0` picks a free port).
 * @returns The running server.
 * @throws {Error} When it cannot listen (e.g. `EADDRINUSE`, `EACCES`), with the address in the
 *   message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMetricsRegistry } from "./metrics_registry.ts";
 * import { serveMetrics } from "./metrics_server.ts";
 *
 * const metrics = createMetricsRegistry();
 * metrics.workflow("w");
 * await using server = await serveMetrics(metrics, { host: "127.0.0.1", port: 0 });
 * const response = await fetch(server.url);
 * assert.equal(response.status, 200);
 * assert.match(await response.text(), /t4flow_session_connected\{workflow="w"\} 0/);
 * ```
 */
export async function serveMetrics(
  metrics: MetricsRegistry,
  address: ListenAddress,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      response.end("Not found: scrape /metrics\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      response.end("Method not allowed: use GET\n");
      return;
    }
    renderMetrics(metrics).then(
      (text) => {
        response.writeHead(200, { "content-type": metrics.contentType });
        response.end(request.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end(`Cannot render the metrics: ${error instanceof Error ? error.message : ""}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error & { code?: string }) => {
      reject(
        new Error(
          `Cannot serve metrics on ${_hostPort(address.host, address.port)}: ${
            error.code ?? error.message
          }`,
          { cause: error },
        ),
      );
    };
    server.once("error", onError);
    server.listen(address.port, address.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${_hostPort(address.host, port)}/metrics`;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  return { url, port, close, [Symbol.asyncDispose]: close };
}

function _hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
