/**
 * A fake Prometheus Pushgateway for tests: records every request and answers a fixed status.
 */

import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake Pushgateway received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A fake Pushgateway on 127.0.0.1 (port 0) answering `status` to everything. */
export async function fakePushgateway(status = 200) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += String(chunk)));
    request.on("end", () => {
      received.push({
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body,
      });
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(status === 200 ? "" : "pushed metrics are invalid");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
