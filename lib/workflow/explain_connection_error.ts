/**
 * A failed connection, with its cause: the client's error (the WebSocket says little) is replaced
 * by one that says what the endpoint probe found and what to try.
 *
 * @module
 */

import { ConnectionError } from "../client/errors.ts";

/**
 * Explains a `ConnectionError` by probing its endpoint; other errors are returned as they are.
 *
 * @param error What `connect()` rejected with.
 * @param probeTimeoutMs Time allowed for each probe attempt.
 * @returns A `ConnectionError` whose message names the cause and a hint (the original as its
 *   `cause`), or `error` itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:net";
 * import { ConnectionError } from "../client/errors.ts";
 * import { explainConnectionError } from "./explain_connection_error.ts";
 *
 * const server = createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 * await new Promise((resolve) => server.close(resolve));
 * const url = `ws://127.0.0.1:${port}/v1`;
 * const error = await explainConnectionError(new ConnectionError(url, "the socket reported an error"));
 * assert.match((error as Error).message, /as nothing listens on 127\.0\.0\.1:\d+ \(connection refused\): is `t4flow sim` running\?/);
 * ```
 */
export async function explainConnectionError(
  error: unknown,
  probeTimeoutMs = 5_000,
): Promise<unknown> {
  if (!(error instanceof ConnectionError)) return error;
  const { probeEndpoint } = await import(
    "./connection_probe.ts" + ""
  ) as typeof import("./connection_probe.ts");
  const found = await probeEndpoint(error.url, probeTimeoutMs);
  if (found.cause === "unknown") return error;
  return new ConnectionError(
    error.url,
    `${found.detail}${found.hint ? `: ${found.hint}` : ""}`,
    error.code,
    { cause: error },
  );
}
