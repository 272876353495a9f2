/**
 * Real-socket tests: the client against a WebSocket server started in the test on 127.0.0.1,
 * port 0. Short intervals, generous deadlines; no assertion depends on tight timing.
 */

import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, before, describe, it } from "node:test";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { ClientClosedError, LoginError } from "../../lib/client/errors.ts";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { T4Client, type T4ClientOptions } from "../../lib/client/t4_client.ts";
import { type Transport, TRANSPORTS } from "../../lib/client/transport.ts";
import {
  decodeClientFrame,
  encodeServerMessage,
  type ServerMessageInit,
} from "../../lib/protocol/frame_codec.ts";
import { FrameError } from "../../lib/protocol/frame_error.ts";
import { type ClientMessage, LoginResult } from "../../lib/protocol/proto.ts";
import { type Clock, systemClock } from "../../lib/runtime/clock.ts";
import { serveWebSocket, type WsConnection } from "../../lib/sim/ws_server.ts";

const API_KEY = "sk-socket-test-5ecret";
const logLines: string[] = [];

interface Received {
  conn: WsConnection;
  frames: Uint8Array[];
  messages: ClientMessage[];
}

async function startServer(
  login: (n: number) => LoginResult = () => LoginResult.SUCCESS,
  echoHeartbeats = true,
) {
  const conns: Received[] = [];
  let logins = 0;
  const server = await serveWebSocket({
    handlers: {
      open(conn) {
        conns.push({ conn, frames: [], messages: [] });
      },
      message(conn, data) {
        const entry = conns.find((c) => c.conn === conn)!;
        if (typeof data === "string") return;
        const message = decodeClientFrame(data);
        if (message instanceof FrameError) return;
        entry.frames.push(data.slice());
        entry.messages.push(message);
        const reply = (m: ServerMessageInit) => conn.send(encodeServerMessage(m));
        if (message.payload.case === "loginRequest") {
          const result = login(++logins);
          reply({
            payload: {
              case: "loginResponse",
              value: {
                result,
                sessionId: `sess-${logins}`,
                errorMessage: result === LoginResult.SUCCESS ? "" : "refused",
              },
            },
          });
        } else if (message.payload.case === "heartbeat" && echoHeartbeats) {
          reply({ payload: { case: "heartbeat", value: { timestamp: BigInt(Date.now()) } } });
        }
      },
    },
  });
  return { server, conns, logins: () => logins };
}

function client(url: string, options: Partial<T4ClientOptions> = {}) {
  const events: StatusEvent[] = [];
  const c = new T4Client({
    url,
    auth: { apiKey: API_KEY },
    heartbeatMs: 100,
    missedHeartbeats: 3,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    loginTimeoutMs: 5000,
    transport,
    ...options,
  });
  c.onStatus((e) => events.push(e));
  return { client: c, events };
}

async function until(what: string, check: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function render(record: LogRecord): string {
  return record.message.map((p) => typeof p === "string" ? p : inspect(p)).join("") + " " +
    inspect(record.properties, { depth: 8, showHidden: true });
}

// The whole suite runs once per transport (the native WebSocket and the socket transport).
let transport: Transport = "websocket";
for (const each of TRANSPORTS) {
  describe(`T4Client over a real WebSocket (transport: ${each})`, () => {
    before(() => void (transport = each));
    suite();
  });
}

function suite(): void {
  before(async () => {
    await configure({
      sinks: { capture: (record) => logLines.push(render(record)) },
      loggers: [
        { category: ["t4flow"], lowestLevel: "debug", sinks: ["capture"] },
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      ],
    });
  });
  after(async () => {
    await reset();
    assert.ok(logLines.length > 0);
    for (const line of logLines) {
      assert.ok(!line.includes(API_KEY), `log line leaks the key: ${line}`);
    }
  });

  it("logs in and gets the session", async () => {
    const s = await startServer();
    try {
      const { client: c } = client(s.server.url);
      const session = await c.connect();
      assert.equal(session.sessionId, "sess-1");
      const login = s.conns[0]!.messages[0]!;
      assert.ok(login.payload.case === "loginRequest" && login.payload.value.apiKey === API_KEY);
      await c.close();
    } finally {
      await s.server.stop();
    }
  });

  for (
    const result of [
      "LOCKED_OUT",
      "PASSWORD_EXPIRED",
      "UNAUTHORIZED",
      "FAILED",
      "TWO_FACTOR_REQUIRED",
    ] as const
  ) {
    it(`rejects ${result} with a LoginError after exactly one login attempt`, async () => {
      const s = await startServer(() => LoginResult[result]);
      try {
        const { client: c } = client(s.server.url);
        const error = await c.connect().then(() => undefined, (e) => e);
        assert.ok(error instanceof LoginError);
        assert.equal(error.code, LoginResult[result]);
        assert.equal(error.errorMessage, "refused");
        assert.ok(!String(error.stack).includes(API_KEY));
        await pause(400);
        assert.equal(s.logins(), 1);
        assert.equal(s.conns.length, 1);
        await c.close();
      } finally {
        await s.server.stop();
      }
    });
  }

  it("sends heartbeats no more often than the interval when idle", async () => {
    const s = await startServer();
    try {
      const { client: c } = client(s.server.url);
      await c.connect();
      await until(
        "four heartbeats",
        () => s.conns[0]!.messages.filter((m) => m.payload.case === "heartbeat").length >= 4,
      );
      await c.close();
      const stamps = s.conns[0]!.messages.flatMap((m) =>
        m.payload.case === "heartbeat" ? [Number(m.payload.value.timestamp)] : []
      );
      for (let i = 1; i < stamps.length; i++) {
        assert.ok(
          stamps[i]! - stamps[i - 1]! >= 95,
          `heartbeats ${stamps[i - 1]} and ${stamps[i]} too close`,
        );
      }
      assert.ok(c.stats.heartbeatsReceived >= 3);
    } finally {
      await s.server.stop();
    }
  });

  it("detects a half-open peer, drops it and reconnects", async () => {
    const s = await startServer();
    try {
      const { client: c, events } = client(s.server.url);
      await c.connect();
      s.conns[0]!.conn.silence();
      await until("a re-login", () => events.some((e) => e.type === "reconnected"));
      const d = events.find((e) => e.type === "disconnected");
      assert.equal(d?.type === "disconnected" && d.reason, "dead_peer");
      assert.equal(s.logins(), 2);
      await c.close();
    } finally {
      await s.server.stop();
    }
  });

  it("re-logs in after an abrupt drop and replays identical subscribe frames", async () => {
    const s = await startServer();
    try {
      const { client: c, events } = client(s.server.url);
      await c.connect();
      // This server never answers a subscription: both wait (and are replayed) until the close.
      const waiting = [
        c.subscribeMarket({ exchangeId: "CME_Eq", contractId: "ES", marketId: "ESZ6" }),
        c.subscribeAccount({ accountId: "A1" }),
      ].map((p) => p.catch((e: unknown) => e));
      await until("two subscriptions", () => s.conns[0]!.messages.length >= 3);
      s.conns[0]!.conn.terminate();
      await until(
        "re-subscription",
        () =>
          (s.conns[1]?.frames.filter((_, i) =>
            s.conns[1]!.messages[i]!.payload.case !== "heartbeat"
          ).length ?? 0) >= 3,
      );
      const subs = (r: Received) =>
        r.frames.filter((_, i) => r.messages[i]!.payload.case?.endsWith("Subscribe"));
      assert.deepEqual(subs(s.conns[1]!), subs(s.conns[0]!));
      assert.equal(subs(s.conns[1]!).length, 2);
      const r = events.find((e) => e.type === "reconnected");
      assert.equal(r?.type === "reconnected" && r.resubscribed, 2);
      await c.close();
      for (const e of await Promise.all(waiting)) assert.ok(e instanceof ClientClosedError);
    } finally {
      await s.server.stop();
    }
  });

  it("survives garbage frames", async () => {
    const s = await startServer();
    try {
      const { client: c, events } = client(s.server.url, { maxFrameBytes: 1000 });
      await c.connect();
      const got: string[] = [];
      c.on("marketDepth", (v) => got.push(v.marketId));
      const conn = s.conns[0]!.conn;
      conn.send("a text frame");
      conn.send(new Uint8Array([0xff, 0xff, 0xff]));
      conn.send(new Uint8Array(2000));
      conn.send(
        encodeServerMessage({ payload: { case: "marketDepth", value: { marketId: "m1" } } }),
      );
      await until("the good frame", () => got.length === 1);
      assert.deepEqual(events.flatMap((e) => e.type === "frame_error" ? [e.kind] : []), [
        "text",
        "truncated",
        "oversized",
      ]);
      assert.equal(c.state, "open");
      assert.equal(s.conns.length, 1);
      await c.close();
    } finally {
      await s.server.stop();
    }
  });

  it("makes exactly one login attempt when a reconnect gets LOCKED_OUT", async () => {
    const s = await startServer((n) => n === 1 ? LoginResult.SUCCESS : LoginResult.LOCKED_OUT);
    try {
      const { client: c, events } = client(s.server.url);
      await c.connect();
      s.conns[0]!.conn.terminate();
      await until("closed", () => c.state === "closed");
      await pause(500);
      assert.equal(s.logins(), 2);
      assert.equal(s.conns.length, 2);
      const failed = events.find((e) => e.type === "login_failed");
      assert.deepEqual(failed?.type === "login_failed" && [failed.result, failed.fatal], [
        "LOCKED_OUT",
        true,
      ]);
      await c.close();
    } finally {
      await s.server.stop();
    }
  });

  it("waits for the end of the maintenance window before reconnecting", async () => {
    const s = await startServer();
    try {
      // A clock shifted so that the window (Wednesday 10:00-10:05 UTC) ends 1.5 s from now.
      const windowEnd = Date.parse("2026-11-25T10:05:00Z");
      const offset = windowEnd - 1500 - Date.now();
      const clock: Clock = { ...systemClock, now: () => Date.now() + offset };
      const { client: c, events } = client(s.server.url, {
        clock,
        maintenance: {
          timeZone: "UTC",
          start: { day: 3, time: "10:00" },
          end: { day: 3, time: "10:05" },
        },
      });
      await c.connect();
      s.conns[0]!.conn.terminate();
      await until("maintenance", () => events.some((e) => e.type === "maintenance"));
      const m = events.find((e) => e.type === "maintenance");
      assert.equal(m?.type === "maintenance" && m.until, windowEnd);
      const d = events.find((e) => e.type === "disconnected");
      assert.equal(d?.type === "disconnected" && d.reason, "maintenance");
      await until("the reconnect", () => events.some((e) => e.type === "reconnected"));
      const connecting = events.filter((e) => e.type === "connecting").at(-1)!;
      assert.ok(connecting.at >= windowEnd, "no attempt inside the window");
      assert.equal(s.conns.length, 2);
      await c.close();
    } finally {
      await s.server.stop();
    }
  });
}
