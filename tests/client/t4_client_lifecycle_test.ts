import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import { ClientClosedError, LoginError, RequestAbortedError } from "../../lib/client/errors.ts";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { FakeNetwork } from "../_support/fake_websocket.ts";
import {
  connected,
  MARKET,
  outcome,
  relogin,
  setup,
  subscribedMarket,
  WEDNESDAY,
} from "../_support/client_harness.ts";

const ELSEWHERE = {
  payload: {
    case: "loginResponse" as const,
    value: {
      result: LoginResult.LOGGED_IN_ELSEWHERE,
      errorMessage: "This user logged in on another connection",
    },
  },
};

describe("T4Client login conflicts", () => {
  it("ends the session on LOGGED_IN_ELSEWHERE: no reconnect, the result in the final events and closed()", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const closed = t.client.closed();
    const order = outcome(t.client.submitOrder({ accountId: "A", marketId: "M", orders: [{}] }));
    t.net.last.reply(ELSEWHERE);
    t.net.last.drop(1000, "Logged in elsewhere"); // the server's close that follows the notice
    await t.clock.advance(3_600_000);
    assert.equal(t.net.sockets.length, 1, "never reconnects, so never takes the session back");
    assert.equal(t.client.state, "closed");
    assert.deepEqual(t.types().slice(-3), ["login_failed", "disconnected", "closed"]);
    const failed = t.events.find((e) => e.type === "login_failed");
    assert.deepEqual(
      failed?.type === "login_failed" && [failed.result, failed.fatal],
      ["LOGGED_IN_ELSEWHERE", true],
    );
    const last = t.events.at(-1);
    assert.equal(last?.type === "closed" && last.result, "LOGGED_IN_ELSEWHERE");
    const error = await closed;
    assert.ok(error instanceof LoginError);
    assert.equal(error.result, "LOGGED_IN_ELSEWHERE");
    const o = await order;
    assert.ok(
      "e" in o && (o.e as { tags?: string[] }).tags?.length === 1,
      "outcome unknown, tagged",
    );
    assert.equal(t.clock.pending, 0);
  });

  it("ends the session when the server's close says the user logged in elsewhere", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    t.net.last.drop(1000, "Logged in elsewhere");
    await t.clock.advance(3_600_000);
    assert.equal(t.net.sockets.length, 1);
    const error = await t.client.closed();
    assert.ok(error instanceof LoginError && error.result === "LOGGED_IN_ELSEWHERE");
  });

  it("logs in again on a conflict only when loginConflict is reconnect", async () => {
    const t = await connected({ heartbeatMs: 600_000, loginConflict: "reconnect" });
    t.net.last.reply(ELSEWHERE);
    const failed = t.events.find((e) => e.type === "login_failed");
    assert.equal(failed?.type === "login_failed" && failed.fatal, false);
    await relogin(t, 250);
    assert.equal(t.client.state, "open");
    await t.client.close();
    assert.equal(await t.client.closed(), undefined, "closed by the client");
  });
});

describe("T4Client lifecycle", () => {
  it("leaves no socket or timer behind when a connecting listener closes the client", async () => {
    const t = setup();
    t.client.onStatus((e) => {
      if (e.type === "connecting") void t.client.close();
    });
    await assert.rejects(t.client.connect(), ClientClosedError);
    assert.equal(t.client.state, "closed");
    assert.equal(t.clock.pending, 0, "no login timer");
    assert.ok(t.net.sockets.every((ws) => ws.readyState >= 2), "no live socket");
  });

  it("leaves nothing behind when a listener closes the client at any later event", async () => {
    for (const type of ["connected", "disconnected", "reconnecting", "reconnected"] as const) {
      const t = await connected();
      t.client.onStatus((e) => {
        if (e.type === type) void t.client.close();
      });
      t.net.last.drop();
      if (type === "connected" || type === "reconnected") await relogin(t, 250);
      else await t.clock.advance(60_000);
      if (t.client.state !== "closed") await t.client.close();
      assert.equal(t.clock.pending, 0, type);
      assert.ok(t.net.sockets.every((ws) => ws.onmessage === null), type);
    }
  });

  it("forgets a subscription unsubscribed while reconnecting: nothing thrown, nothing replayed", async () => {
    const t = await connected();
    await subscribedMarket(t, MARKET);
    const account = t.client.subscribeAccount({ accountId: "A1" });
    t.net.last.reply({ payload: { case: "accountSubscribeResponse", value: { success: true } } });
    await account;
    t.net.last.drop();
    t.client.unsubscribeMarket(MARKET);
    t.client.unsubscribeAccount("A1");
    assert.equal(t.client.subscriptionCount, 0);
    const second = await relogin(t, 250);
    assert.deepEqual(second.cases(), ["loginRequest"]);
    await t.client.close();
  });

  it("emits connected after the replay, so subscribing on connected sends each subscription once", async () => {
    const t = setup();
    t.client.onStatus((e) => {
      if (e.type === "connected") void t.client.subscribeMarket(MARKET).catch(() => {});
    });
    const connecting = t.client.connect();
    t.net.last.open();
    t.net.last.login();
    await connecting;
    t.net.last.reply({ payload: { case: "marketDetails", value: { marketId: MARKET.marketId } } });
    t.net.last.drop();
    const second = await relogin(t, 250);
    assert.deepEqual(second.cases(), ["loginRequest", "marketDepthSubscribe"]);
    await t.client.close();
  });

  it("counts a heartbeat only when it was sent", async () => {
    const t = await connected({ missedHeartbeats: 10 });
    await t.clock.advance(1000);
    assert.equal(t.client.stats.heartbeatsSent, 1);
    t.net.last.readyState = 2; // closing: the close handshake never completes
    await t.clock.advance(5000);
    assert.equal(t.client.stats.heartbeatsSent, 1);
    assert.equal(t.events.filter((e) => e.type === "heartbeat_sent").length, 1);
    await t.client.close();
  });

  it("keeps every status() stream bounded: drops the oldest, says how many, heartbeats on request", async () => {
    // Nobody reads the streams while heartbeats go out and 1,500 bad frames come in (an idle
    // day used to leave 8,644 events, mostly heartbeats, in an unread stream).
    const t = await connected({ heartbeatMs: 1000, missedHeartbeats: 1000 });
    const unread = t.client.status();
    const small = t.client.status({ maxBuffered: 3, heartbeats: true });
    await t.clock.advance(10_000);
    for (let i = 0; i < 1500; i++) t.net.last.raw("text frame");
    assert.ok(t.client.stats.heartbeatsSent >= 9);
    await t.client.close();
    const read = async (stream: AsyncIterable<StatusEvent>) => {
      const out: StatusEvent[] = [];
      for await (const e of stream) out.push(e);
      return out;
    };
    const got = await read(unread);
    assert.ok(got.length <= 1001, `${got.length} events held`);
    assert.ok(got[0]?.type === "events_dropped" && got[0].count >= 500);
    assert.ok(!got.some((e) => e.type.startsWith("heartbeat")), "no heartbeats unless asked");
    assert.deepEqual(got.slice(-2).map((e) => e.type), ["disconnected", "closed"]);
    const few = await read(small);
    assert.equal(few.length, 4);
    assert.ok(few[0]?.type === "events_dropped" && few[0].count > 1500);
    assert.deepEqual(few.slice(-2).map((e) => e.type), ["disconnected", "closed"]);
  });

  it("keeps every status event and the session JSON-safe and free of the token", async () => {
    const clock = new FakeClock(WEDNESDAY);
    const net = new FakeNetwork();
    const client = new T4Client({
      url: "wss://t4.test/v1",
      auth: { apiKey: "test-api-key" },
      clock,
      WebSocket: net.WebSocket,
      random: () => 0.5,
    });
    const json: string[] = [];
    client.onStatus((e) => json.push(JSON.stringify(e)));
    const login = (sessionId: string) => {
      net.last.open();
      net.last.reply({
        payload: {
          case: "loginResponse",
          value: {
            result: LoginResult.SUCCESS,
            sessionId,
            accounts: [{ accountId: "A1" }],
            authenticationToken: {
              token: "header.payload.jwt-secret",
              expireTime: { seconds: 99_999_999_999n, nanos: 0 },
            },
          },
        },
      });
    };
    const connecting = client.connect();
    login("s1");
    const session = await connecting;
    net.last.drop();
    await clock.advance(250);
    login("s2");
    await clock.advance(0);
    assert.ok(json.some((j) => j.includes('"reconnected"')));
    assert.ok(json.every((j) => !j.includes("jwt-secret")));
    assert.ok(!JSON.stringify(session).includes("jwt-secret"));
    assert.ok(!inspect(client.session, { depth: 10 }).includes("jwt-secret"));
    assert.equal(session.accounts[0]?.accountId, "A1");
    await client.close();
  });
});

describe("T4Client drain and per-call options", () => {
  it("drains: refuses new requests, waits for the ones in flight, then closes", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const order = t.client.submitOrder({ accountId: "A", marketId: "M", orders: [{}] });
    const draining = t.client.drain({ timeoutMs: 10_000 });
    await assert.rejects(
      t.client.submitOrder({ accountId: "A", marketId: "M", orders: [{}] }),
      (e: unknown) => e instanceof ClientClosedError && e.draining,
    );
    assert.equal(t.client.state, "open", "still waiting for the order");
    t.net.last.reply({
      payload: { case: "orderUpdate", value: { uniqueId: "u1", tag: order.tags[0]! } },
    });
    await draining;
    assert.deepEqual((await order).map((u) => u.uniqueId), ["u1"]);
    assert.equal(t.client.state, "closed");
    assert.equal(await t.client.closed(), undefined);
  });

  it("drains at most timeoutMs, then the orders still waiting reject with their tags", async () => {
    const t = await connected({ heartbeatMs: 600_000 });
    const tag = t.client.orderTag();
    const order = outcome(
      t.client.submitOrder({ accountId: "A", marketId: "M", orders: [{ tag }] }),
    );
    const draining = t.client.drain({ timeoutMs: 5000 });
    await t.clock.advance(5000);
    await draining;
    const o = await order;
    assert.ok("e" in o && o.e instanceof ClientClosedError);
    assert.deepEqual(o.e.tags, [tag]);
    assert.equal(t.clock.pending, 0);
  });

  it("honours a per-call timeoutMs and signal, and sends nothing when already aborted", async () => {
    const t = await connected({ heartbeatMs: 600_000, requestTimeoutMs: 60_000 });
    const ws = t.net.last;
    const quick = outcome(t.client.pullOrder({ pulls: [{ uniqueId: "u" }] }, { timeoutMs: 100 }));
    await t.clock.advance(100);
    const q = await quick;
    assert.ok("e" in q && (q.e as Error).name === "RequestTimeoutError");
    const controller = new AbortController();
    const aborted = outcome(t.client.submitOrder(
      { accountId: "A", marketId: "M", orders: [{}] },
      { signal: controller.signal },
    ));
    controller.abort(new Error("user cancelled"));
    const a = await aborted;
    assert.ok("e" in a && a.e instanceof RequestAbortedError && a.e.sent && a.e.tags.length === 1);
    const sent = ws.frames.length;
    await assert.rejects(
      t.client.submitOrder({ accountId: "A", marketId: "M", orders: [{}] }, {
        signal: controller.signal,
      }),
      (e: unknown) => e instanceof RequestAbortedError && !e.sent,
    );
    assert.equal(ws.frames.length, sent, "nothing was sent");
    await t.client.close();
    assert.equal(t.clock.pending, 0);
  });
});

describe("T4Client socket events", () => {
  it("attaches the socket's handlers before anything else runs, so an early open is never missed", async () => {
    // A clock whose setTimeout delivers events that were queued, as Deno's does under `deno test`
    // (it runs pending microtasks): the login timer is armed after the socket is created.
    const net = new FakeNetwork();
    class EagerClock extends FakeClock {
      override setTimeout(callback: () => void, ms: number) {
        const ws = net.sockets.at(-1);
        if (ws && ws.readyState === 0) ws.open();
        return super.setTimeout(callback, ms);
      }
    }
    const clock = new EagerClock(WEDNESDAY);
    const client = new T4Client({
      url: "wss://t4.test/v1",
      auth: { apiKey: "test-api-key" },
      clock,
      WebSocket: net.WebSocket,
    });
    const connecting = client.connect();
    assert.deepEqual(net.last.cases(), ["loginRequest"], "the open was handled");
    net.last.login();
    assert.equal((await connecting).sessionId, "sess-1");
    await client.close();
  });
});
