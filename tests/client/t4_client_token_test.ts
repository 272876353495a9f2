import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import { T4Client } from "../../lib/client/t4_client.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { FakeNetwork, type FakeSocket } from "../_support/fake_websocket.ts";

const WEDNESDAY = Date.parse("2026-11-25T12:00:00Z");
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";

function expiry(ms: number) {
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: 0 };
}

async function loggedIn(tokenTtlMs: number) {
  const clock = new FakeClock(WEDNESDAY);
  const net = new FakeNetwork();
  const client = new T4Client({
    url: "wss://t4.test/v1",
    auth: { apiKey: "test-api-key" },
    clock,
    WebSocket: net.WebSocket,
    random: () => 0.5,
    heartbeatMs: 3_600_000,
    missedHeartbeats: 10,
  });
  const events: string[] = [];
  client.onStatus((e) => events.push(JSON.stringify(e)));
  const connecting = client.connect();
  net.last.open();
  net.last.reply({
    payload: {
      case: "loginResponse",
      value: {
        result: LoginResult.SUCCESS,
        sessionId: "sess-1",
        authenticationToken: { token: JWT, expireTime: expiry(WEDNESDAY + tokenTtlMs) },
      },
    },
  });
  const session = await connecting;
  return { clock, net, client, session, events, ws: net.last };
}

function tokenRequests(ws: FakeSocket): string[] {
  return ws.messages().flatMap((m) =>
    m.payload.case === "authenticationTokenRequest" ? [m.payload.value.requestId] : []
  );
}

describe("T4Client authToken", () => {
  it("serves the login's token from the cache without asking the server", async () => {
    const t = await loggedIn(3_600_000);
    const token = await t.client.authToken();
    assert.equal(token.reveal(), JWT);
    assert.equal(token.expiresAt, WEDNESDAY + 3_600_000);
    assert.deepEqual(tokenRequests(t.ws), []);
    assert.ok(!JSON.stringify({ token, session: t.session }).includes(JWT));
    assert.ok(!inspect(token).includes(JWT));
    assert.ok(!inspect(t.session, { depth: 10 }).includes(JWT));
    assert.ok(t.events.some((e) => e.includes('"connected"')), "status events serialise");
    assert.ok(t.events.every((e) => !e.includes(JWT)));
    await t.client.close();
  });

  it("renews 30 s before expiry with one request in flight for every caller", async () => {
    const t = await loggedIn(120_000);
    await t.clock.advance(89_000);
    assert.equal((await t.client.authToken()).reveal(), JWT, "still 31 s left: cached");
    await t.clock.advance(1_000);
    const a = t.client.authToken();
    const b = t.client.authToken();
    const ids = tokenRequests(t.ws);
    assert.equal(ids.length, 1);
    t.ws.reply({
      payload: {
        case: "authenticationToken",
        value: {
          requestId: ids[0]!,
          token: "renewed.jwt.x",
          expireTime: expiry(t.clock.now() + 600_000),
        },
      },
    });
    const [ta, tb] = await Promise.all([a, b]);
    assert.equal(ta, tb);
    assert.equal(ta.reveal(), "renewed.jwt.x");
    assert.equal(await t.client.authToken(), ta, "the renewed token is cached");
    assert.equal(tokenRequests(t.ws).length, 1);
    await t.client.close();
  });
});
