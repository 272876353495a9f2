import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { serveWebSocket, type WsConnection } from "../../lib/sim/ws_server.ts";

const DEADLINE_MS = 5_000;

function within<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function openClient(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  return within(
    new Promise((resolve, reject) => {
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error("WebSocket failed to open"));
    }),
    "open",
  );
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return within(new Promise((resolve) => (ws.onmessage = (e) => resolve(e.data))), "a message");
}

function closed(ws: WebSocket): Promise<{ code: number; wasClean: boolean }> {
  return within(
    new Promise((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve({ code: 1006, wasClean: false });
      ws.addEventListener("close", (e) => resolve({ code: e.code, wasClean: e.wasClean }));
    }),
    "close",
  );
}

test("ws server: echoes binary and text frames on ws://127.0.0.1:PORT/v1", async () => {
  await using server = await serveWebSocket({
    handlers: { message: (conn, data) => conn.send(data) },
  });
  assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+\/v1$/);
  assert.equal(server.url, `ws://127.0.0.1:${server.port}/v1`);
  const ws = await openClient(server.url);
  const text = nextMessage(ws);
  ws.send("hello");
  assert.equal(await text, "hello");
  const binary = nextMessage(ws);
  ws.send(new Uint8Array([1, 2, 3]));
  assert.deepEqual([...new Uint8Array((await binary) as ArrayBuffer)], [1, 2, 3]);
  ws.close();
  await closed(ws);
});

test("ws server: open and close handlers see the connection, ids are distinct", async () => {
  const opened: number[] = [];
  let closedWith: { id: number; code: number } | undefined;
  const done = Promise.withResolvers<void>();
  await using server = await serveWebSocket({
    handlers: {
      open: (conn) => opened.push(conn.id),
      message: () => {},
      close: (conn, code) => {
        closedWith = { id: conn.id, code };
        done.resolve();
      },
    },
  });
  const a = await openClient(server.url);
  const b = await openClient(server.url);
  await within(
    (async () => {
      while (opened.length < 2) await new Promise((r) => setTimeout(r, 5));
    })(),
    "two opens",
  );
  assert.notEqual(opened[0], opened[1]);
  a.close(4000, "bye");
  await within(done.promise, "close handler");
  assert.equal(closedWith?.code, 4000);
  b.close();
  await closed(b);
});

test("ws server: terminate drops TCP without a close frame (client sees 1006)", async () => {
  await using server = await serveWebSocket({
    handlers: { open: (conn) => conn.terminate(), message: () => {} },
  });
  const ws = new WebSocket(server.url);
  const result = await closed(ws);
  // Deno's client reports 0 where the standard says 1006; both mean "no close frame".
  assert.ok(result.code === 1006 || result.code === 0, `code ${result.code}`);
  assert.equal(result.wasClean, false);
});

test("ws server: close handler reports 1006 when the server terminates", async () => {
  const code = Promise.withResolvers<number>();
  await using server = await serveWebSocket({
    handlers: {
      message: (conn) => conn.terminate(),
      close: (_conn, c) => code.resolve(c),
    },
  });
  const ws = await openClient(server.url);
  ws.send("x");
  assert.equal(await within(code.promise, "server close"), 1006);
  await closed(ws);
});

test("ws server: silence goes half-open: no frames either way, socket stays open", async () => {
  const received: string[] = [];
  let conn: WsConnection | undefined;
  await using server = await serveWebSocket({
    handlers: {
      open: (c) => (conn = c),
      message: (c, data) => {
        received.push(String(data));
        if (data === "silence") c.silence();
        else c.send(data);
      },
    },
  });
  const ws = await openClient(server.url);
  const echoed = nextMessage(ws);
  ws.send("one");
  assert.equal(await echoed, "one");
  ws.send("silence");
  await within(
    (async () => {
      while (!received.includes("silence")) await new Promise((r) => setTimeout(r, 5));
    })(),
    "silence",
  );
  let got = false;
  ws.onmessage = () => (got = true);
  ws.send("two");
  conn!.send("from server");
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(got, false);
  assert.deepEqual(received, ["one", "silence"]);
  assert.equal(ws.readyState, WebSocket.OPEN);
  ws.close();
  conn!.terminate();
  await closed(ws);
});

test("ws server: pauseReading holds the client's frames until resumeReading", async () => {
  const received: string[] = [];
  let conn: WsConnection | undefined;
  await using server = await serveWebSocket({
    handlers: { open: (c) => (conn = c), message: (_c, data) => received.push(String(data)) },
  });
  const ws = await openClient(server.url);
  await within(
    (async () => {
      while (conn === undefined) await new Promise((r) => setTimeout(r, 5));
    })(),
    "open",
  );
  conn!.pauseReading();
  ws.send("held");
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(received, []);
  conn!.resumeReading();
  await within(
    (async () => {
      while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
    })(),
    "the held frame",
  );
  assert.deepEqual(received, ["held"]);
  ws.close();
  await closed(ws);
});

test("ws server: refuse answers the upgrade with 503 so the client fails", async () => {
  await using server = await serveWebSocket({
    handlers: { message: () => {} },
    refuse: () => true,
  });
  const ws = new WebSocket(server.url);
  const result = await closed(ws);
  assert.equal(result.wasClean, false);
});

test("ws server: another path is not upgraded", async () => {
  await using server = await serveWebSocket({ handlers: { message: () => {} } });
  const ws = new WebSocket(server.url.replace("/v1", "/v2"));
  const result = await closed(ws);
  assert.equal(result.wasClean, false);
});

function rawUpgrade(port: number): Promise<Socket> {
  return within(
    new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.write(
          "GET /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        );
      });
      socket.once("data", (chunk: Uint8Array) => {
        assert.match(new TextDecoder().decode(chunk), /^HTTP\/1\.1 101/);
        socket.pause();
        resolve(socket);
      });
      socket.once("error", reject);
    }),
    "a raw upgrade",
  );
}

test("ws server: send reports backpressure and drain fires once a slow reader catches up", async () => {
  const opened = Promise.withResolvers<WsConnection>();
  let drains = 0;
  await using server = await serveWebSocket({
    highWaterMark: 256 * 1024,
    handlers: { open: (c) => opened.resolve(c), message: () => {}, drain: () => drains++ },
  });
  const socket = await rawUpgrade(server.port);
  const conn = await within(opened.promise, "open");
  const chunk = new Uint8Array(64 * 1024);
  let sent = 0;
  // The client does not read: the buffers fill up and send eventually reports backpressure.
  while (conn.send(chunk)) {
    sent++;
    assert.ok(sent < 2_000, "send never reported backpressure");
    if (sent % 16 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  assert.ok(conn.bufferedAmount > 256 * 1024);
  const drained = conn.drained(0);
  let bytes = 0;
  socket.on("data", (c: Uint8Array) => (bytes += c.byteLength));
  socket.resume();
  await within(drained, "drained");
  assert.equal(conn.bufferedAmount, 0);
  assert.ok(drains >= 1);
  await within(
    (async () => {
      while (bytes < (sent + 1) * chunk.byteLength) await new Promise((r) => setTimeout(r, 5));
    })(),
    "every byte at the client",
  );
  socket.destroy();
});

test("ws server: stop closes clients with 1001 and frees the port", async () => {
  const server = await serveWebSocket({ handlers: { message: () => {} } });
  const ws = await openClient(server.url);
  const result = closed(ws);
  await within(server.stop(), "stop");
  const r = await result;
  assert.equal(r.code, 1001);
  assert.equal(server.connections.size, 0);
});
