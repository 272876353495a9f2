/**
 * Conformance of the socket transport (`SocketWebSocket`, RFC 6455 over the runtime's TCP/TLS
 * sockets) against the npm `ws` server, a raw TCP server that misbehaves on purpose, and the
 * simulator over `ws://` and `wss://` (a CA made in the test). Real sockets on loopback, port 0,
 * generous deadlines; no assertion depends on timing.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { connect as tcpConnect } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { before, describe, it } from "node:test";
// @ts-types="@types/ws"
import { type WebSocket as WsSocket, WebSocketServer } from "ws";
import { T4Client } from "../../lib/client/t4_client.ts";
import { SocketWebSocket } from "../../lib/client/socket_web_socket.ts";
import { encodeServerMessage } from "../../lib/protocol/frame_codec.ts";
import { LoginResult, type ServerMessage } from "../../lib/protocol/proto.ts";
import { DEMO_API_KEY, startSimulator } from "../../lib/sim/mod.ts";
import { makeTestCertificates, type TestCertificates } from "../_support/tls_certs.ts";

const DEADLINE_MS = 20_000;

/** Resolves with `promise`, or fails after a generous deadline. */
function within<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), DEADLINE_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A `ws` server on 127.0.0.1, port 0. */
async function wsServer(
  options: { perMessageDeflate?: boolean } = {},
): Promise<
  {
    wss: WebSocketServer;
    url: string;
    next: () => Promise<WsSocket>;
    headers: () => Record<string, unknown>[];
  }
> {
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    perMessageDeflate: options.perMessageDeflate ?? false,
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const waiting: ((ws: WsSocket) => void)[] = [];
  const queue: WsSocket[] = [];
  const headers: Record<string, unknown>[] = [];
  wss.on("connection", (ws, request) => {
    headers.push(request.headers);
    const waiter = waiting.shift();
    if (waiter) waiter(ws);
    else queue.push(ws);
  });
  const { port } = wss.address() as { port: number };
  return {
    wss,
    url: `ws://127.0.0.1:${port}/v1`,
    headers: () => headers,
    next: () => {
      const ready = queue.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function closeWss(wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}

/** What a client socket did. */
interface Observed {
  ws: SocketWebSocket;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string; wasClean: boolean; errored: boolean }>;
  messages: (Uint8Array | string)[];
  nextMessage: () => Promise<Uint8Array | string>;
}

function observe(ws: SocketWebSocket): Observed {
  const opened = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<
    { code: number; reason: string; wasClean: boolean; errored: boolean }
  >();
  const messages: (Uint8Array | string)[] = [];
  const waiting: ((m: Uint8Array | string) => void)[] = [];
  let errored = false;
  ws.onopen = () => opened.resolve();
  ws.onerror = () => void (errored = true);
  ws.onclose = (event) => {
    opened.reject(new Error(`closed before open (${event.code})`));
    closed.resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean, errored });
  };
  opened.promise.catch(() => {});
  ws.onmessage = (event) => {
    // The data is a view valid only during the handler: keep a copy.
    const data = event.data as Uint8Array | string;
    const copy = typeof data === "string" ? data : data.slice();
    const waiter = waiting.shift();
    if (waiter) waiter(copy);
    else messages.push(copy);
  };
  return {
    ws,
    opened: opened.promise,
    closed: closed.promise,
    messages,
    nextMessage: () => {
      const ready = messages.shift();
      return ready !== undefined
        ? Promise.resolve(ready)
        : within("a message", new Promise((resolve) => waiting.push(resolve)));
    },
  };
}

/**
 * A raw TCP server that answers the handshake with `respond(key)` (the accept header done right
 * unless told otherwise) and then hands the socket to `onOpen`. Captures every byte the client
 * sends after the handshake.
 */
async function rawServer(
  respond: (accept: string) => string,
  onOpen: (socket: Socket, received: () => Uint8Array) => void = () => {},
): Promise<{ server: Server; url: string }> {
  const server = createTcpServer((socket) => {
    let head = Buffer.alloc(0);
    let body = Buffer.alloc(0);
    let open = false;
    socket.on("error", () => {});
    socket.on("data", (data: Buffer) => {
      if (open) {
        body = Buffer.concat([body, data]);
        return;
      }
      head = Buffer.concat([head, data]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head.toString("latin1"))?.[1] ?? "";
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest("base64");
      body = head.subarray(end + 4);
      open = true;
      socket.write(respond(accept));
      onOpen(socket, () => body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `ws://127.0.0.1:${port}/v1` };
}

const upgrade = (accept: string, extra = "") =>
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  `Sec-WebSocket-Accept: ${accept}\r\n${extra}\r\n`;

/** Unmasks the client frames in `bytes` (complete, short frames only). */
function clientFrames(bytes: Uint8Array): { opcode: number; key: number[]; payload: number[] }[] {
  const frames = [];
  let i = 0;
  while (i + 6 <= bytes.length) {
    const opcode = bytes[i]! & 0x0f;
    assert.equal(bytes[i + 1]! & 0x80, 0x80, "every client frame is masked");
    const length = bytes[i + 1]! & 0x7f;
    assert.ok(length < 126, "short frames only");
    const key = [...bytes.subarray(i + 2, i + 6)];
    const payload = [...bytes.subarray(i + 6, i + 6 + length)].map((b, j) => b ^ key[j % 4]!);
    frames.push({ opcode, key, payload });
    i += 6 + length;
  }
  return frames;
}

async function until(what: string, check: () => boolean): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("SocketWebSocket against the ws server", () => {
  it("exchanges binary and text messages; offers no extension even to a deflate server", async () => {
    const s = await wsServer({ perMessageDeflate: true });
    try {
      const client = observe(new SocketWebSocket(s.url));
      const server = await within("the connection", s.next());
      await within("open", client.opened);
      assert.equal(s.headers()[0]?.["sec-websocket-extensions"], undefined);
      assert.equal(server.extensions, "");
      const got = new Promise<Buffer>((resolve) =>
        server.once("message", (d) => resolve(d as Buffer))
      );
      client.ws.send(new Uint8Array([1, 2, 3]));
      assert.deepEqual([...await within("the server's message", got)], [1, 2, 3]);
      server.send(new Uint8Array(70_000).fill(7));
      const big = await client.nextMessage();
      assert.ok(big instanceof Uint8Array && big.length === 70_000 && big[69_999] === 7);
      server.send("héllo");
      assert.equal(await client.nextMessage(), "héllo");
      client.ws.close(1000);
      assert.equal((await within("close", client.closed)).code, 1000);
    } finally {
      await closeWss(s.wss);
    }
  });

  it("reassembles a fragmented message and answers a ping between its fragments", async () => {
    const s = await wsServer();
    try {
      const client = observe(new SocketWebSocket(s.url));
      const server = await within("the connection", s.next());
      await within("open", client.opened);
      const pong = new Promise<Buffer>((resolve) => server.once("pong", (d) => resolve(d)));
      server.send(new Uint8Array([1, 2]), { fin: false });
      server.ping(Buffer.from("are you there"));
      server.send(new Uint8Array([3]), { fin: false });
      server.send(new Uint8Array([4, 5]), { fin: true });
      assert.equal((await within("the pong", pong)).toString(), "are you there");
      assert.deepEqual([...(await client.nextMessage()) as Uint8Array], [1, 2, 3, 4, 5]);
      client.ws.close();
      await within("close", client.closed);
    } finally {
      await closeWss(s.wss);
    }
  });

  it("does the close handshake with code and reason, started by either side", async () => {
    const s = await wsServer();
    try {
      const first = observe(new SocketWebSocket(s.url));
      const server1 = await within("the connection", s.next());
      await within("open", first.opened);
      const seen = new Promise<[number, string]>((resolve) =>
        server1.once("close", (code, reason) => resolve([code, reason.toString()]))
      );
      first.ws.close(4000, "bye now");
      assert.equal(first.ws.readyState, 2);
      assert.deepEqual(await within("the server's close", seen), [4000, "bye now"]);
      assert.deepEqual(await within("the client's close", first.closed), {
        code: 4000,
        reason: "bye now",
        wasClean: true,
        errored: false,
      });

      const second = observe(new SocketWebSocket(s.url));
      const server2 = await within("the connection", s.next());
      await within("open", second.opened);
      const echoed = new Promise<number>((resolve) =>
        server2.once("close", (code) => resolve(code))
      );
      server2.close(4001, "done here");
      assert.deepEqual(await within("the client's close", second.closed), {
        code: 4001,
        reason: "done here",
        wasClean: true,
        errored: false,
      });
      assert.equal(await within("the echoed close", echoed), 4001);
    } finally {
      await closeWss(s.wss);
    }
  });

  it("refuses a message over the limit with close code 1009", async () => {
    const s = await wsServer();
    try {
      const client = observe(new SocketWebSocket(s.url, { maxMessageBytes: 1024 }));
      const server = await within("the connection", s.next());
      await within("open", client.opened);
      const seen = new Promise<number>((resolve) => server.once("close", (code) => resolve(code)));
      server.send(new Uint8Array(1024));
      assert.equal((await client.nextMessage()).length, 1024);
      server.send(new Uint8Array(1025));
      assert.equal(await within("the server's close", seen), 1009);
      const closed = await within("close", client.closed);
      assert.equal(closed.code, 1006);
      assert.ok(closed.errored);
      assert.deepEqual(client.messages, []);
    } finally {
      await closeWss(s.wss);
    }
  });
});

describe("SocketWebSocket against a misbehaving server", () => {
  it("masks every frame with a fresh random key", async () => {
    let received: () => Uint8Array = () => new Uint8Array(0);
    const { server, url } = await rawServer(upgrade, (_socket, got) => (received = got));
    try {
      const client = observe(new SocketWebSocket(url));
      await within("open", client.opened);
      for (let i = 0; i < 8; i++) client.ws.send(new Uint8Array([9, 9, 9, 9]));
      await until("8 frames", () => received().length >= 8 * 10);
      const frames = clientFrames(received());
      assert.equal(frames.length, 8);
      for (const frame of frames) assert.deepEqual(frame.payload, [9, 9, 9, 9]);
      assert.equal(new Set(frames.map((f) => f.key.join())).size, 8, "eight different keys");
      client.ws.terminate();
    } finally {
      server.close();
    }
  });

  for (
    const [name, respond] of [
      ["a wrong Sec-WebSocket-Accept", () => upgrade("d3JvbmcgYWNjZXB0IHZhbHVlIQ==")],
      [
        "an extension it did not offer",
        (a: string) => upgrade(a, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
      ],
      [
        "a subprotocol it did not offer",
        (a: string) => upgrade(a, "Sec-WebSocket-Protocol: chat\r\n"),
      ],
      ["a status other than 101", () => "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"],
    ] as const
  ) {
    it(`refuses ${name}: never opens, errors and closes with 1006`, async () => {
      const { server, url } = await rawServer(respond);
      try {
        const client = observe(new SocketWebSocket(url));
        const closed = await within("close", client.closed);
        await assert.rejects(client.opened);
        assert.deepEqual(closed, { code: 1006, reason: "", wasClean: false, errored: true });
      } finally {
        server.close();
      }
    });
  }

  it("refuses an oversized frame from its header, before the payload arrives", async () => {
    let received: () => Uint8Array = () => new Uint8Array(0);
    const { server, url } = await rawServer(upgrade, (socket, got) => {
      received = got;
      // A binary frame announcing 1 GiB; no payload follows.
      socket.write(Buffer.from([0x82, 127, 0, 0, 0, 0, 0x40, 0, 0, 0]));
    });
    try {
      const client = observe(new SocketWebSocket(url, { maxMessageBytes: 1 << 20 }));
      const closed = await within("close", client.closed);
      assert.equal(closed.code, 1006);
      assert.ok(closed.errored);
      await until("the close frame", () => received().length >= 8);
      const [close] = clientFrames(received());
      assert.equal(close?.opcode, 0x8);
      assert.equal(((close?.payload[0] ?? 0) << 8) | (close?.payload[1] ?? 0), 1009);
    } finally {
      server.close();
    }
  });

  it("fails a masked server frame with 1002", async () => {
    let received: () => Uint8Array = () => new Uint8Array(0);
    const { server, url } = await rawServer(upgrade, (socket, got) => {
      received = got;
      socket.write(Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5]));
    });
    try {
      const client = observe(new SocketWebSocket(url));
      assert.equal((await within("close", client.closed)).code, 1006);
      await until("the close frame", () => received().length >= 8);
      const [close] = clientFrames(received());
      assert.equal(((close?.payload[0] ?? 0) << 8) | (close?.payload[1] ?? 0), 1002);
    } finally {
      server.close();
    }
  });
});

describe("T4Client with transport 'socket' against the simulator over ws:// and wss://", () => {
  let certs: TestCertificates;
  before(() => {
    certs = makeTestCertificates(["localhost"]);
  });

  /** A TLS front for a plain TCP port (like a load balancer), reporting the SNI it saw. */
  async function tlsFront(targetPort: number) {
    const names: (string | false | null)[] = [];
    const server = createTlsServer({ key: certs.key, cert: certs.cert }, (socket: TLSSocket) => {
      names.push(socket.servername);
      const upstream = tcpConnect(targetPort, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve) => server.listen(0, "localhost", resolve));
    const { port } = server.address() as { port: number };
    return { server, port, names };
  }

  it("logs in over ws://", async () => {
    await using sim = await startSimulator({ port: 0, seed: 1 });
    const client = new T4Client({
      url: sim.url,
      auth: { apiKey: DEMO_API_KEY },
      transport: "socket",
      reconnect: false,
    });
    const session = await within("login", client.connect());
    assert.ok(session.sessionId.length > 0);
    await client.close();
  });

  it("logs in over wss:// with the test CA, sending SNI, and refuses certificates it cannot trust", async () => {
    await using sim = await startSimulator({ port: 0, seed: 1 });
    const simPort = Number(new URL(sim.url).port);
    const front = await tlsFront(simPort);
    try {
      const client = new T4Client({
        url: `wss://localhost:${front.port}/v1`,
        auth: { apiKey: DEMO_API_KEY },
        transport: "socket",
        caCerts: [certs.ca],
        reconnect: false,
      });
      const session = await within("login", client.connect());
      assert.ok(session.sessionId.length > 0);
      await client.close();
      assert.deepEqual(front.names, ["localhost"]);

      for (
        const [url, caCerts] of [
          [`wss://localhost:${front.port}/v1`, undefined],
          [`wss://localhost:${front.port}/v1`, [certs.otherCa]],
          [`wss://127.0.0.1:${front.port}/v1`, [certs.ca]], // the certificate names localhost only
        ] as const
      ) {
        const refused = new T4Client({
          url,
          auth: { apiKey: DEMO_API_KEY },
          transport: "socket",
          ...(caCerts !== undefined && { caCerts }),
          reconnect: false,
        });
        await assert.rejects(within("refusal", refused.connect()), /Cannot connect/);
        await refused.close();
      }
    } finally {
      front.server.close();
    }
  });

  it("keeps no view into its read buffer: bytes and unknown fields survive later frames", async () => {
    // Frames with an unknown field (a hot message: the generated decoder; a cold one:
    // fromBinary), each followed, in a later read, by a frame of the same size with other bytes.
    const unknownField = (bytes: number[]) => [0xfa, 0x7c, bytes.length, ...bytes]; // field 1999
    const hot = encodeServerMessage({
      payload: { case: "marketDepth", value: { marketId: "m1" } },
    });
    const cold = encodeServerMessage({
      payload: { case: "marketHighLow", value: { marketId: "m1" } },
    });
    const frames = [
      new Uint8Array([...hot, ...unknownField([1, 2, 3, 4])]),
      new Uint8Array([...hot, ...unknownField([9, 9, 9, 9])]),
      new Uint8Array([...cold, ...unknownField([5, 6, 7, 8])]),
      new Uint8Array([...cold, ...unknownField([9, 9, 9, 9])]),
    ];
    const s = await wsServer();
    try {
      const messages: ServerMessage[] = [];
      const client = new T4Client({
        url: s.url,
        auth: { apiKey: DEMO_API_KEY },
        transport: "socket",
        reconnect: false,
        heartbeatMs: 50,
      });
      // Keep the messages themselves: their fields are read only after all four arrived.
      const keep = (message: ServerMessage) => messages.push(message);
      client.on("marketDepth", (_v, message) => keep(message));
      client.on("marketHighLow", (_v, message) => keep(message));
      const connecting = client.connect();
      const server = await within("the connection", s.next());
      let step = 0;
      server.on("message", () => {
        // The first client frame is the login; each later one (a heartbeat) gets the next frame,
        // so that every frame arrives in a read of its own, after the previous was handled.
        if (step === 0) {
          server.send(encodeServerMessage({
            payload: {
              case: "loginResponse",
              value: { result: LoginResult.SUCCESS, sessionId: "s-1" },
            },
          }));
        } else if (step <= frames.length) {
          server.send(frames[step - 1]!);
        }
        step++;
      });
      await within("login", connecting);
      await until("four messages", () => messages.length === 4);
      await client.close();
      const seen = messages.map((message) => ({
        case: message.payload.case,
        unknown: [...(message.$unknown?.[0]?.data ?? [])].slice(-4),
      }));
      assert.deepEqual(seen, [
        { case: "marketDepth", unknown: [1, 2, 3, 4] },
        { case: "marketDepth", unknown: [9, 9, 9, 9] },
        { case: "marketHighLow", unknown: [5, 6, 7, 8] },
        { case: "marketHighLow", unknown: [9, 9, 9, 9] },
      ]);
    } finally {
      await closeWss(s.wss);
    }
  });
});
