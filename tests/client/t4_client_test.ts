import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ClientClosedError,
  ConnectionError,
  InsecureUrlError,
  LoginError,
  LoginTimeoutError,
} from "../../lib/client/errors.ts";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { DepthBuffer, DepthLevels, LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { FakeNetwork, FakeSocket } from "../_support/fake_websocket.ts";
import {
  connected,
  MARKET,
  relogin,
  setup,
  subscribedMarket,
  WEDNESDAY,
} from "../_support/client_harness.ts";

describe("T4Client connect", () => {
  it("logs in with binary frames and resolves with the session", async () => {
    const t = setup();
    const connecting = t.client.connect();
    const ws = t.net.last;
    assert.equal(ws.url, "wss://t4.test/v1");
    assert.equal(ws.binaryType, "arraybuffer");
    ws.open();
    const [login] = ws.messages();
    assert.equal(login?.payload.case, "loginRequest");
    assert.equal(
      login?.payload.case === "loginRequest" && login.payload.value.apiKey,
      "test-api-key",
    );
    ws.login(LoginResult.SUCCESS, "sess-9");
    const session = await connecting;
    assert.equal(session.sessionId, "sess-9");
    assert.deepEqual(session.roles, ["Trader"]);
    assert.equal(t.client.state, "open");
    assert.deepEqual(t.types(), ["connecting", "connected"]);
    await t.client.close();
  });

  it("sends username/password logins with every field", async () => {
    const t = setup({
      auth: { firm: "F", username: "u", password: "p", appName: "A", appLicense: "L" },
    });
    const connecting = t.client.connect();
    t.net.last.open();
    const login = t.net.last.messages()[0]!;
    assert.ok(login.payload.case === "loginRequest");
    const v = login.payload.value;
    assert.deepEqual([v.firm, v.username, v.password, v.appName, v.appLicense, v.apiKey], [
      "F",
      "u",
      "p",
      "A",
      "L",
      "",
    ]);
    t.net.last.login();
    await connecting;
    await t.client.close();
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
    it(`rejects with LoginError on ${result} and never retries`, async () => {
      const t = setup();
      const connecting = t.client.connect();
      t.net.last.open();
      t.net.last.login(LoginResult[result], "", "Nope");
      const error = await connecting.then(() => undefined, (e) => e);
      assert.ok(error instanceof LoginError);
      assert.equal(error.code, LoginResult[result]);
      assert.equal(error.result, result === "FAILED" ? "LOGIN_FAILED" : result);
      assert.equal(error.errorMessage, "Nope");
      assert.equal(error.fatal, true);
      const failed = t.events.find((e) => e.type === "login_failed");
      assert.equal(failed?.type === "login_failed" && failed.fatal, true);
      await t.clock.advance(3_600_000);
      assert.equal(t.net.sockets.length, 1, "exactly one connection");
      assert.equal(t.net.last.cases().filter((c) => c === "loginRequest").length, 1);
      assert.equal(t.client.state, "idle");
      assert.equal(t.clock.pending, 0, "no timer left");
      await t.client.close();
    });
  }

  it("rejects with LoginTimeoutError when no login response arrives", async () => {
    const t = setup({ loginTimeoutMs: 5000, heartbeatMs: 20_000 });
    const connecting = t.client.connect();
    t.net.last.open();
    const settled = connecting.then(() => undefined, (e) => e);
    await t.clock.advance(5000);
    const error = await settled;
    assert.ok(error instanceof LoginTimeoutError);
    assert.equal(error.timeoutMs, 5000);
    assert.equal(t.net.last.closeCalls.length, 1);
    const d = t.events.find((e) => e.type === "disconnected");
    assert.equal(d?.type === "disconnected" && d.reason, "login_timeout");
    await t.client.close();
    assert.equal(t.clock.pending, 0);
  });

  it("rejects with ConnectionError when the socket closes before the login", async () => {
    const t = setup();
    const connecting = t.client.connect();
    t.net.last.drop(1006);
    const error = await connecting.then(() => undefined, (e) => e);
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.code, 1006);
    await t.client.close();
  });

  it("refuses ws:// to non-loopback hosts unless allowed", () => {
    const net = new FakeNetwork();
    assert.throws(
      () =>
        new T4Client({
          url: "ws://t4.example/v1",
          auth: { apiKey: "k" },
          WebSocket: net.WebSocket,
        }),
      InsecureUrlError,
    );
    for (const url of ["ws://127.0.0.1:1/v1", "ws://localhost:1/v1", "ws://[::1]:1/v1"]) {
      new T4Client({ url, auth: { apiKey: "k" }, WebSocket: net.WebSocket });
    }
    new T4Client({
      url: "ws://t4.example/v1",
      auth: { apiKey: "k" },
      WebSocket: net.WebSocket,
      allowInsecure: true,
    });
    assert.throws(() => new T4Client({ auth: { apiKey: "k" } }), TypeError);
    assert.equal(
      new T4Client({ env: "sim", auth: { apiKey: "k" } }).url,
      "wss://wss-sim.t4login.com/v1",
    );
  });

  it("rejects connect() after close with ClientClosedError", async () => {
    const t = setup();
    await t.client.close();
    await assert.rejects(t.client.connect(), ClientClosedError);
  });
});

describe("T4Client heartbeat and dead peer", () => {
  it("sends a heartbeat whenever nothing was sent for one interval", async () => {
    const t = await connected();
    const ws = t.net.last;
    const beat = () => ws.reply({ payload: { case: "heartbeat", value: { timestamp: 1n } } });
    await t.clock.advance(500);
    void t.client.subscribeMarket(MARKET); // a send at +500 postpones the heartbeat to +1500
    await t.clock.advance(400);
    beat();
    await t.clock.advance(599);
    assert.deepEqual(ws.cases(), ["loginRequest", "marketDepthSubscribe"]);
    await t.clock.advance(1);
    assert.deepEqual(ws.cases(), ["loginRequest", "marketDepthSubscribe", "heartbeat"]);
    const hb = ws.messages()[2]!;
    assert.ok(hb.payload.case === "heartbeat");
    assert.equal(Number(hb.payload.value.timestamp), t.clock.now());
    beat();
    for (let i = 0; i < 5; i++) {
      await t.clock.advance(500);
      beat();
      await t.clock.advance(500);
      beat();
    }
    assert.equal(ws.cases().filter((c) => c === "heartbeat").length, 6);
    assert.equal(t.client.stats.heartbeatsSent, 6);
    assert.equal(t.client.stats.heartbeatsReceived, 12);
    assert.equal(t.events.filter((e) => e.type === "heartbeat_sent").length, 6);
    assert.equal(t.events.filter((e) => e.type === "heartbeat_received").length, 12);
    assert.ok(!t.events.some((e) => e.type === "stale" || e.type === "disconnected"));
    ws.reply({ payload: { case: "marketDetails", value: { marketId: MARKET.marketId } } });
    await t.client.close();
  });

  it("reports stale, then drops a silent peer after missedHeartbeats intervals and reconnects", async () => {
    const t = await connected({ missedHeartbeats: 3 });
    const first = t.net.last;
    // The login response, received at 0, is seen by the receive check at 250 (a quarter interval).
    await t.clock.advance(3249);
    assert.deepEqual(t.types(), ["connecting", "connected", "stale", "stale"]);
    assert.equal(first.closeCalls.length, 0);
    await t.clock.advance(1);
    assert.equal(first.closeCalls.length, 1, "the silent socket was dropped");
    const d = t.events.find((e) => e.type === "disconnected");
    assert.equal(d?.type === "disconnected" && d.reason, "dead_peer");
    const r = t.events.find((e) => e.type === "reconnecting");
    assert.deepEqual(r?.type === "reconnecting" && [r.attempt, r.delayMs], [1, 250]);
    await relogin(t, 250);
    assert.equal(t.client.state, "open");
    assert.equal(t.client.stats.reconnects, 1);
    await t.client.close();
    assert.equal(t.clock.pending, 0);
  });

  it("keeps a peer that sends anything alive", async () => {
    const t = await connected();
    for (let i = 0; i < 10; i++) {
      await t.clock.advance(900);
      t.net.last.reply({ payload: { case: "marketDepth", value: { marketId: "m" } } });
    }
    assert.ok(!t.types().includes("stale"));
    assert.equal(t.net.sockets.length, 1);
    await t.client.close();
  });
});

describe("T4Client reconnect", () => {
  it("backs off exponentially with full jitter and gives up after maxAttempts", async () => {
    const t = await connected({
      reconnect: { initialDelayMs: 1000, maxDelayMs: 5000, multiplier: 2, maxAttempts: 4 },
    });
    t.net.last.drop();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = t.events.filter((e) => e.type === "reconnecting").at(-1)!;
      assert.ok(r.type === "reconnecting");
      assert.equal(r.attempt, i + 1);
      delays.push(r.delayMs);
      await t.clock.advance(r.delayMs - 1);
      assert.equal(t.net.sockets.length, i + 1, "not before the delay");
      await t.clock.advance(1);
      assert.equal(t.net.sockets.length, i + 2);
      t.net.last.fail();
      await t.clock.advance(0);
    }
    assert.deepEqual(delays, [500, 1000, 2000, 2500]); // 0.5 × min(5000, 1000 × 2^n)
    const closed = t.events.at(-1);
    assert.equal(closed?.type, "closed");
    assert.equal(t.client.state, "closed");
    assert.equal(t.clock.pending, 0);
  });

  it("resets the attempt counter only after the connection stayed up for resetAfterMs", async () => {
    const t = await connected({ reconnect: { initialDelayMs: 1000, resetAfterMs: 10_000 } });
    const lastDelay = () => {
      const r = t.events.filter((e) => e.type === "reconnecting").at(-1)!;
      return r.type === "reconnecting" ? [r.attempt, r.delayMs] : [];
    };
    t.net.last.drop();
    assert.deepEqual(lastDelay(), [1, 500]);
    await relogin(t, 500);
    await t.clock.advance(500); // up 0.5 s only
    t.net.last.reply({ payload: { case: "heartbeat", value: { timestamp: 1n } } });
    t.net.last.drop();
    assert.deepEqual(lastDelay(), [2, 1000]);
    await relogin(t, 1000);
    for (let i = 0; i < 11; i++) {
      t.net.last.reply({ payload: { case: "heartbeat", value: { timestamp: 1n } } });
      await t.clock.advance(1000);
    }
    t.net.last.drop();
    assert.deepEqual(lastDelay(), [1, 500]);
    await t.client.close();
  });

  it("replays every confirmed subscription with identical frames after re-login", async () => {
    const t = await connected();
    const first = t.net.last;
    await subscribedMarket(t, {
      ...MARKET,
      buffer: DepthBuffer.FAST_SMART,
      depthLevels: DepthLevels.ALL,
    });
    await subscribedMarket(t, { ...MARKET, marketId: "other" });
    const byOrder = t.client.subscribeMarketByOrder(MARKET);
    first.reply({
      payload: { case: "marketByOrderSnapshot", value: { marketId: MARKET.marketId } },
    });
    await byOrder;
    const accounts = [
      t.client.subscribeAccount({ accountId: "acct-1" }),
      t.client.subscribeAccount({ accountId: "acct-2" }),
    ];
    first.reply({ payload: { case: "accountSubscribeResponse", value: { success: true } } });
    first.reply({ payload: { case: "accountSubscribeResponse", value: { success: true } } });
    await Promise.all(accounts);
    t.client.unsubscribeAccount("acct-2");
    t.client.unsubscribeMarket({ ...MARKET, marketId: "other" });
    assert.equal(t.client.subscriptionCount, 3);
    const sentFirst = first.frames.slice(1);
    first.drop();
    const second = await relogin(t, 250);
    const replayed = second.frames.slice(1);
    assert.deepEqual(second.cases().slice(1), [
      "marketDepthSubscribe",
      "marketByOrderSubscribe",
      "accountSubscribe",
    ]);
    assert.deepEqual(replayed, [sentFirst[0], sentFirst[2], sentFirst[3]]);
    const r = t.events.find((e) => e.type === "reconnected");
    assert.deepEqual(
      r?.type === "reconnected" && [r.attempt, r.resubscribed, r.session.sessionId],
      [1, 3, "sess-2"],
    );
    await t.client.close();
  });

  it("retries transient login results with backoff", async () => {
    const t = await connected();
    t.net.last.drop();
    await t.clock.advance(250);
    t.net.last.open();
    t.net.last.login(LoginResult.SERVER_MESSAGE_BACKLOG);
    await t.clock.advance(0);
    const failed = t.events.find((e) => e.type === "login_failed");
    assert.equal(failed?.type === "login_failed" && failed.fatal, false);
    assert.equal(t.client.state, "waiting");
    await relogin(t, 500);
    assert.equal(t.client.state, "open");
    await t.client.close();
  });

  it("closes for good on a fatal login result during reconnect: exactly one attempt on LOCKED_OUT", async () => {
    const t = await connected();
    t.net.last.drop();
    await t.clock.advance(250);
    t.net.last.open();
    t.net.last.login(LoginResult.LOCKED_OUT, "", "Locked");
    await t.clock.advance(3_600_000);
    assert.equal(t.net.sockets.length, 2);
    assert.equal(t.net.last.cases().filter((c) => c === "loginRequest").length, 1);
    assert.equal(t.client.state, "closed");
    assert.deepEqual(t.types().slice(-3), ["login_failed", "disconnected", "closed"]);
    assert.equal(t.clock.pending, 0);
  });

  it("closes instead of reconnecting when reconnect is false", async () => {
    const t = await connected({ reconnect: false });
    t.net.last.drop();
    assert.equal(t.client.state, "closed");
    assert.deepEqual(t.types().slice(-2), ["disconnected", "closed"]);
  });
});

describe("T4Client maintenance window", () => {
  it("reports a drop inside the window as maintenance and waits for its end", async () => {
    // Saturday 2026-11-28 10:00 Chicago (16:00Z); the window ends Sunday 12:00 Chicago (18:00Z).
    const t = await connected({}, Date.parse("2026-11-28T16:00:00Z"));
    t.net.last.drop(1001);
    const d = t.events.find((e) => e.type === "disconnected");
    assert.deepEqual(d?.type === "disconnected" && [d.reason, d.code], ["maintenance", 1001]);
    const m = t.events.find((e) => e.type === "maintenance");
    const end = Date.parse("2026-11-29T18:00:00Z");
    assert.equal(m?.type === "maintenance" && m.until, end);
    const r = t.events.find((e) => e.type === "reconnecting");
    assert.equal(r?.type === "reconnecting" && r.delayMs, end - t.clock.now() + 250);
    await t.clock.advance(end - t.clock.now() - 1);
    assert.equal(t.net.sockets.length, 1, "no attempt inside the window");
    await relogin(t, 251);
    assert.equal(t.client.state, "open");
    await t.client.close();
  });

  it("treats drops normally when maintenance is off", async () => {
    const t = await connected({ maintenance: false }, Date.parse("2026-11-28T16:00:00Z"));
    t.net.last.drop();
    const d = t.events.find((e) => e.type === "disconnected");
    assert.equal(d?.type === "disconnected" && d.reason, "closed");
    await t.client.close();
  });
});

describe("T4Client frames and handlers", () => {
  it("delivers payloads to typed handlers and survives bad frames and throwing handlers", async () => {
    const t = await connected({ maxFrameBytes: 64 });
    const ws = t.net.last;
    const depth: string[] = [];
    t.client.on("marketDepth", () => {
      throw new Error("handler bug");
    });
    const off = t.client.on("marketDepth", (value) => depth.push(value.marketId));
    ws.raw("not binary");
    ws.raw(new Uint8Array([0x0a, 0x05, 0x08]).buffer);
    ws.raw(new Uint8Array(100).buffer);
    ws.reply({ payload: { case: "marketDepth", value: { marketId: "m1" } } });
    off();
    ws.reply({ payload: { case: "marketDepth", value: { marketId: "m2" } } });
    assert.deepEqual(depth, ["m1"]);
    const kinds = t.events.flatMap((e) => e.type === "frame_error" ? [e.kind] : []);
    assert.deepEqual(kinds, ["text", "truncated", "oversized"]);
    assert.equal(t.client.stats.frameErrors, 3);
    assert.equal(t.client.stats.framesReceived, 6);
    assert.equal(t.client.state, "open");
    await t.client.close();
  });

  it("gives every status() call its own stream from that point, ending after closed", async () => {
    const t = setup();
    const early = t.client.status();
    const connecting = t.client.connect();
    t.net.last.open();
    t.net.last.login();
    await connecting;
    const late = t.client.status();
    await t.client.close();
    const collect = async (s: AsyncIterable<StatusEvent>) => {
      const out: string[] = [];
      for await (const e of s) out.push(e.type);
      return out;
    };
    assert.deepEqual(await collect(early), ["connecting", "connected", "disconnected", "closed"]);
    assert.deepEqual(await collect(late), ["disconnected", "closed"]);
    assert.deepEqual(await collect(t.client.status()), []);
  });

  it("closes idempotently, leaves no timer and closes the socket", async () => {
    const t = await connected();
    const waiting = t.client.subscribeMarket(MARKET);
    await Promise.all([t.client.close(), t.client.close()]);
    await t.client.close();
    await assert.rejects(waiting, ClientClosedError);
    assert.equal(t.clock.pending, 0);
    assert.equal(t.net.last.readyState, 3);
    assert.equal(t.events.filter((e) => e.type === "closed").length, 1);
    await assert.rejects(t.client.subscribeMarket(MARKET), ClientClosedError);
  });

  it("closes when the signal aborts", async () => {
    const controller = new AbortController();
    const t = await connected({ signal: controller.signal });
    controller.abort();
    assert.equal(t.client.state, "closed");
    assert.equal(t.types().at(-1), "closed");
  });
});

describe("T4Client close against a peer that never answers", () => {
  class SilentSocket extends FakeSocket {
    terminated = 0;
    override close(code?: number, reason?: string): void {
      this.closeCalls.push({ code, reason });
      this.readyState = 2; // the close handshake never completes
    }
    terminate(): void {
      this.terminated++;
    }
  }

  it("resolves close() at once, detaches every handler and leaves no timer", async () => {
    const sockets: SilentSocket[] = [];
    const clock = new FakeClock(WEDNESDAY);
    const client = new T4Client({
      url: "wss://t4.test/v1",
      auth: { apiKey: "test-api-key" },
      clock,
      heartbeatMs: 1000,
      WebSocket: class extends SilentSocket {
        constructor(url: string) {
          super(url);
          sockets.push(this);
        }
      },
    });
    const session = client.connect();
    sockets[0]!.open();
    sockets[0]!.login();
    await session;
    const waiting = client.subscribeMarket(MARKET).catch((e: unknown) => e);
    const ws = sockets[0]!;
    await client.close();
    assert.equal(client.state, "closed");
    assert.equal(clock.pending, 0);
    assert.deepEqual(ws.closeCalls, [{ code: 1000, reason: undefined }]);
    assert.equal(ws.terminated, 1, "aborted where the socket allows it");
    assert.ok((await waiting) instanceof ClientClosedError);
    for (const handler of [ws.onopen, ws.onmessage, ws.onerror, ws.onclose]) {
      assert.equal(handler, null);
    }
  });

  it("drops a dead peer without waiting and keeps nothing of it", async () => {
    const t = await connected({ missedHeartbeats: 2 });
    const dead = t.net.last;
    await t.clock.advance(2250); // 2 intervals after the receive check that saw the login response
    assert.ok(t.events.some((e) => e.type === "disconnected" && e.reason === "dead_peer"));
    for (const handler of [dead.onopen, dead.onmessage, dead.onerror, dead.onclose]) {
      assert.equal(handler, null);
    }
    await t.client.close();
    assert.equal(t.clock.pending, 0);
  });
});
