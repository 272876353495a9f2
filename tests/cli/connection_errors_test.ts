/**
 * A failed connection says why, with a hint: nothing listening (is `t4flow sim` running?), an
 * HTTP status instead of the WebSocket upgrade, a TLS handshake that fails, a host name that does
 * not resolve. Real sockets on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CliIo } from "../../lib/cli/cli_io.ts";
import { main } from "../../lib/cli/main.ts";

async function run(url: string): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-conn-"));
  const file = join(dir, "w.yaml");
  writeFileSync(
    file,
    `version: 1\nname: conn\nconnection:\n  url: ${url}\n  auth: { api_key: "\${K}" }\nsteps:\n  - login\n`,
  );
  let out = "";
  const io: CliIo = {
    stdout: (t) => void (out += t),
    stderr: (t) => void (out += t),
    isTTY: false,
    env: { K: "sk-conn-key-1" },
    onInterrupt: () => () => {},
  };
  const code = await main(["run", file], io);
  return { code, out };
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

describe("connection errors carry their cause", () => {
  it("refused: nothing listens, and the hint names t4flow sim", { timeout: 60_000 }, async () => {
    const port = await freePort();
    const { code, out } = await run(`ws://127.0.0.1:${port}/v1`);
    assert.equal(code, 3, out);
    assert.ok(
      out.includes(
        `Cannot connect to ws://127.0.0.1:${port}/v1 as nothing listens on 127.0.0.1:${port} (connection refused): is \`t4flow sim\` running? Start it with \`t4flow sim --port ${port}\``,
      ),
      out,
    );
  });

  it("HTTP status: the server answers the upgrade with 404", { timeout: 60_000 }, async () => {
    const server = createHttpServer((_, res) => {
      res.writeHead(404, "Not Found");
      res.end("no such path");
    });
    const port = await listen(server);
    try {
      const { code, out } = await run(`ws://127.0.0.1:${port}/v2`);
      assert.equal(code, 3, out);
      assert.ok(
        out.includes(
          "as the server answered the WebSocket upgrade with HTTP 404 Not Found: check the URL's path (/v2); T4 and `t4flow sim` serve /v1",
        ),
        out,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("TLS: wss:// to a server that speaks plain TCP", { timeout: 60_000 }, async () => {
    const sockets = new Set<import("node:net").Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
    });
    const port = await listen(server);
    try {
      const { code, out } = await run(`wss://127.0.0.1:${port}/v1`);
      assert.equal(code, 3, out);
      assert.match(
        out,
        /as the TLS handshake with 127\.0\.0\.1:\d+ failed \([^)]+\): the local simulator speaks plain ws:\/\/: use ws:\/\/ instead of wss:\/\//,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("DNS: a host name that does not resolve", { timeout: 60_000 }, async () => {
    const { code, out } = await run("wss://t4flow-no-such-host.invalid/v1");
    assert.equal(code, 3, out);
    assert.match(
      out,
      /as the host name t4flow-no-such-host\.invalid does not resolve \(DNS: [A-Z_]+\): check the host name/,
    );
  });
});
