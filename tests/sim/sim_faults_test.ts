import { test } from "node:test";
import { connect, type Socket } from "node:net";
import assert from "node:assert/strict";
import { DepthBuffer, DepthLevels, LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { FrameError } from "../../lib/protocol/frame_error.ts";
import { DEMO_API_KEY, DEMO_LOGIN, startSimulator } from "../../lib/sim/mod.ts";
import { pause, SimClient, until, within } from "../fixtures/sim/sim_client.ts";

const ES = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };

async function loggedIn(url: string, login: object = { apiKey: DEMO_API_KEY }) {
  const client = await SimClient.connect(url);
  assert.equal((await client.login(login)).result, LoginResult.SUCCESS);
  return client;
}

function connectFails(url: string): Promise<boolean> {
  return within(
    new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        ws.close();
        resolve(false);
      };
      ws.onerror = () => resolve(true);
    }),
    "connect attempt",
  );
}

test("sim fault drop: the TCP connection drops after N ms without a close frame", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock });
  const client = await loggedIn(sim.url);
  const injected = sim.inject({ kind: "drop", afterMs: 500 });
  await clock.advance(499);
  await pause(50);
  assert.equal(client.ws.readyState, WebSocket.OPEN);
  await clock.advance(1);
  await injected;
  const closed = await within(client.closed, "drop");
  assert.equal(closed.wasClean, false);
  assert.ok(closed.code === 1006 || closed.code === 0, `code ${closed.code}`);
});

test("sim fault silence: half-open: no frames arrive, not even heartbeats, socket stays open", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, heartbeatMs: 1_000, depthIntervalMs: 100 });
  const client = await loggedIn(sim.url);
  client.send({
    payload: {
      case: "marketDepthSubscribe",
      value: { ...ES, buffer: DepthBuffer.SMART, depthLevels: DepthLevels.NORMAL },
    },
  });
  await client.next("marketDepth");
  await sim.inject({ kind: "silence" });
  await pause(100); // frames already on their way may still land
  const before = client.received;
  client.send({ payload: { case: "heartbeat", value: { timestamp: 1n } } });
  await clock.advance(10_000);
  await pause(100);
  assert.equal(client.received, before);
  assert.equal(client.ws.readyState, WebSocket.OPEN);
  assert.equal(sim.stats.heartbeatsReceived, 0);
  assert.equal(sim.stats.heartbeatTimeouts, 0);
  client.ws.close();
});

test("sim fault stop_reading: the server stops reading the client's frames", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock });
  const client = await SimClient.connect(sim.url);
  await sim.inject({ kind: "stop_reading" });
  client.send({ payload: { case: "loginRequest", value: { apiKey: DEMO_API_KEY } } });
  await pause(200);
  assert.equal(client.count("loginResponse"), 0);
  assert.equal(sim.stats.framesIn, 0);
  assert.equal(client.ws.readyState, WebSocket.OPEN);
  client.ws.close();
});

test("sim fault garbage: a binary frame that is no ServerMessage", async () => {
  await using sim = await startSimulator();
  const client = await loggedIn(sim.url);
  await sim.inject({ kind: "garbage", bytes: 40 });
  await until(() => client.bad.length > 0, "garbage");
  const bad = client.bad[0];
  assert.ok(bad instanceof FrameError);
  assert.equal(bad.kind, "malformed");
  assert.equal(bad.size, 40);
  await client.close();
});

test("sim fault text: a text frame", async () => {
  await using sim = await startSimulator();
  const client = await loggedIn(sim.url);
  await sim.inject({ kind: "text", text: "hello" });
  await until(() => client.bad.length > 0, "text");
  assert.equal(client.bad[0], "hello");
  await client.close();
});

test("sim fault truncated: a MarketDepth cut in the middle", async () => {
  await using sim = await startSimulator();
  const client = await loggedIn(sim.url);
  await sim.inject({ kind: "truncated" });
  await until(() => client.bad.length > 0, "truncated frame");
  const bad = client.bad[0];
  assert.ok(bad instanceof FrameError);
  assert.equal(bad.kind, "truncated");
  await client.close();
});

test("sim fault oversized: a frame over the 16 MiB limit", async () => {
  await using sim = await startSimulator();
  const client = await loggedIn(sim.url);
  await sim.inject({ kind: "oversized" });
  await until(() => client.bad.length > 0, "oversized frame");
  const bad = client.bad[0];
  assert.ok(bad instanceof FrameError);
  assert.equal(bad.kind, "oversized");
  assert.equal(bad.size, 16 * 1024 * 1024 + 1);
  await client.close();
});

test("sim fault delay: every reply waits the given time", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, heartbeatMs: 60_000 });
  const client = await loggedIn(sim.url);
  await sim.inject({ kind: "delay", ms: 2_000 });
  client.send({ payload: { case: "authenticationTokenRequest", value: { requestId: "d" } } });
  await until(() => sim.stats.framesIn >= 2, "request received");
  await clock.advance(1_999);
  await pause(100);
  assert.equal(client.count("authenticationToken"), 0);
  await clock.advance(1);
  assert.equal((await client.next("authenticationToken")).requestId, "d");
  await client.close();
});

test("sim fault refuse: new connections fail until resume, open ones stay", async () => {
  await using sim = await startSimulator();
  const client = await loggedIn(sim.url);
  await sim.inject({ kind: "refuse" });
  assert.equal(await connectFails(sim.url), true);
  assert.equal(client.ws.readyState, WebSocket.OPEN);
  assert.ok(sim.stats.refused >= 1);
  await sim.inject({ kind: "resume" });
  assert.equal(await connectFails(sim.url), false);
  await client.close();
});

test("sim fault maintenance: everyone is closed with 1012 and refused until it ends", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock });
  const a = await loggedIn(sim.url);
  const b = await loggedIn(sim.url, DEMO_LOGIN);
  await sim.inject({ kind: "maintenance", durationMs: 60_000 });
  assert.equal((await within(a.closed, "a closed")).code, 1012);
  assert.equal((await within(b.closed, "b closed")).code, 1012);
  assert.equal(await connectFails(sim.url), true);
  await clock.advance(60_000);
  assert.equal(await connectFails(sim.url), false);
});

test("sim fault flood: N depth frames arrive as fast as the client drains", async () => {
  await using sim = await startSimulator();
  const client = await loggedIn(sim.url);
  const before = client.received;
  await within(sim.inject({ kind: "flood", frames: 20_000 }), "flood", 20_000);
  await within(until(() => client.received - before >= 20_000, "flood frames"), "all", 20_000);
  assert.equal(client.count("marketDepth"), 20_000);
  assert.equal(sim.stats.floodFrames, 20_000);
  assert.equal(client.bad.length, 0);
  await client.close();
});

test("sim fault inject targets one connection by id", async () => {
  await using sim = await startSimulator();
  const a = await loggedIn(sim.url);
  const b = await loggedIn(sim.url, DEMO_LOGIN);
  const ids = sim.connections();
  assert.deepEqual(ids.map((c) => c.userId), ["demo-api", "demo"]);
  await sim.inject({ kind: "drop" }, { connection: ids[0]!.id });
  assert.equal((await within(a.closed, "a dropped")).wasClean, false);
  assert.equal(b.ws.readyState, WebSocket.OPEN);
  await b.close();
});

test("sim fault schedule: options.faults drops only the first N logged-in connections", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({
    clock,
    faults: [{ kind: "drop", afterMs: 100, times: 1 }],
  });
  const first = await loggedIn(sim.url);
  await clock.advance(100);
  assert.equal((await within(first.closed, "first dropped")).wasClean, false);
  const second = await loggedIn(sim.url);
  await clock.advance(1_000);
  await pause(50);
  assert.equal(second.ws.readyState, WebSocket.OPEN);
  await second.close();
});

test("sim fault schedule: a server fault runs atMs after start", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({
    clock,
    faults: [{ kind: "refuse", atMs: 1_000, durationMs: 1_000 }],
  });
  assert.equal(await connectFails(sim.url), false);
  await clock.advance(1_000);
  assert.equal(await connectFails(sim.url), true);
  await clock.advance(1_000);
  assert.equal(await connectFails(sim.url), false);
});

test("sim fault flood: a client that does not read holds the flood back (backpressure)", async () => {
  await using sim = await startSimulator();
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port: sim.port }, () => {
      s.write(
        "GET /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    s.once("data", () => {
      s.pause();
      resolve(s);
    });
    s.once("error", reject);
  });
  await until(() => sim.stats.open === 1, "the raw connection");
  const total = 100_000;
  const flood = sim.inject({ kind: "flood", frames: total });
  // Wait until the flood stalls (no frame sent for 200 ms) rather than for a fixed time: on a
  // busy machine filling the socket buffers takes longer, but it must stop short of the total.
  let held = -1;
  for (let i = 0; i < 100 && sim.stats.floodFrames !== held; i++) {
    held = sim.stats.floodFrames;
    await pause(200);
  }
  assert.equal(sim.stats.floodFrames, held, "the flood kept going while nobody read");
  assert.ok(held < total, `the server sent all ${held} frames to a client that reads nothing`);
  socket.on("data", () => {});
  socket.resume();
  await within(flood, "the rest of the flood", 30_000);
  assert.equal(sim.stats.floodFrames, total);
  socket.destroy();
});
