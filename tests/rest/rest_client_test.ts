import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import { T4Client } from "../../lib/client/t4_client.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { restAuthFor, RestClient } from "../../lib/rest/rest_client.ts";
import {
  InsecureRestUrlError,
  MarketNotFoundError,
  RestError,
  RestNetworkError,
  RestTimeoutError,
} from "../../lib/rest/rest_errors.ts";
import { T4Markets } from "../../lib/rest/t4_markets.ts";
import { FakeNetwork, type FakeSocket } from "../_support/fake_websocket.ts";

const KEY = "sk-rest-secret-key";
const BASE = "https://api.t4.test";

interface Call {
  url: string;
  authorization: string;
}

/** A fetch that answers from a script, one entry per call, and records what was asked. */
function scripted(...answers: (Response | Error | "hang")[]) {
  const calls: Call[] = [];
  const fetch = (url: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    calls.push({ url, authorization: headers.get("authorization") ?? "" });
    const answer = answers[calls.length - 1] ?? new Response("[]", { status: 200 });
    if (answer === "hang") {
      return new Promise<Response>((_, reject) =>
        init.signal?.addEventListener(
          "abort",
          () => reject(new DOMException("aborted", "AbortError")),
        )
      );
    }
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { calls, fetch };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Runs a call to completion on a fake clock, advancing it through the backoff delays. */
async function settle<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const out = promise.finally(() => (done = true));
  out.catch(() => {});
  for (let i = 0; i < 100 && !done; i++) await clock.advance(1_000);
  return await out;
}

describe("RestClient", () => {
  it("retries a 5xx answer with backoff and returns the later success", async () => {
    const clock = new FakeClock(0);
    const { calls, fetch } = scripted(
      json(503, { message: "busy" }),
      json(502, { message: "bad gateway" }),
      json(200, [{ exchangeID: "CME_Eq", description: "CME Equity" }]),
    );
    const rest = new RestClient({ baseUrl: BASE, auth: { apiKey: KEY }, clock, fetch });
    const exchanges = await settle(clock, new T4Markets(rest).exchanges());
    assert.deepEqual(exchanges, [{ exchangeId: "CME_Eq", description: "CME Equity" }]);
    assert.equal(calls.length, 3);
    assert.ok(calls.every((c) => c.authorization === `APIKey ${KEY}`));
  });

  it("gives up after the retries with the last 5xx status and message", async () => {
    const clock = new FakeClock(0);
    const { calls, fetch } = scripted(
      json(500, { message: "one" }),
      json(500, { message: "two" }),
      json(500, { message: "three" }),
      json(200, []),
    );
    const rest = new RestClient({ baseUrl: BASE, auth: { apiKey: KEY }, clock, fetch });
    const error = await settle(clock, rest.get("/markets/exchanges")).catch((e) => e);
    assert.ok(error instanceof RestError);
    assert.equal(error.status, 500);
    assert.equal(error.serverMessage, "three");
    assert.equal(calls.length, 3, "retries: 2 by default, so 3 attempts");
  });

  it("never retries a 4xx answer and reports its status and server message", async () => {
    const clock = new FakeClock(0);
    const { calls, fetch } = scripted(json(400, { message: "Missing exchangeid" }), json(200, []));
    const rest = new RestClient({ baseUrl: BASE, auth: { apiKey: KEY }, clock, fetch });
    const error = await settle(clock, rest.get("/markets/contracts")).catch((e) => e);
    assert.ok(error instanceof RestError);
    assert.equal(error.status, 400);
    assert.equal(error.message, "Cannot get /markets/contracts: HTTP 400 Missing exchangeid");
    assert.equal(calls.length, 1);
  });

  it("retries network errors and then fails with RestNetworkError", async () => {
    const clock = new FakeClock(0);
    const { calls, fetch } = scripted(
      new TypeError("connection refused"),
      new TypeError("connection refused"),
      new TypeError("connection refused"),
    );
    const rest = new RestClient({ baseUrl: BASE, auth: { apiKey: KEY }, clock, fetch });
    const error = await settle(clock, rest.get("/markets/exchanges")).catch((e) => e);
    assert.ok(error instanceof RestNetworkError);
    assert.equal(error.attempts, 3);
    assert.equal(calls.length, 3);
  });

  it("fails with RestTimeoutError when the call outlasts its timeout", async () => {
    const clock = new FakeClock(0);
    const { fetch } = scripted("hang");
    const rest = new RestClient({
      baseUrl: BASE,
      auth: { apiKey: KEY },
      clock,
      fetch,
      timeoutMs: 5_000,
    });
    const call = rest.get("/markets/exchanges");
    call.catch(() => {});
    await clock.advance(4_999);
    let settled = false;
    void call.finally(() => (settled = true)).catch(() => {});
    await clock.advance(0);
    assert.equal(settled, false, "still waiting before the timeout");
    await clock.advance(1);
    await assert.rejects(call, (e) => e instanceof RestTimeoutError && e.timeoutMs === 5_000);
  });

  it("keeps the API key out of errors, JSON and inspect even when the server echoes it", async () => {
    const clock = new FakeClock(0);
    const { fetch } = scripted(json(401, { message: `Bad key ${KEY}` }));
    const rest = new RestClient({ baseUrl: BASE, auth: { apiKey: KEY }, clock, fetch });
    const error = await settle(clock, rest.get("/markets/exchanges")).catch((e) => e);
    assert.ok(error instanceof RestError);
    assert.equal(error.status, 401);
    assert.ok(!error.message.includes(KEY), error.message);
    assert.ok(!JSON.stringify(error).includes(KEY));
    assert.ok(!inspect(error).includes(KEY));
    assert.ok(!JSON.stringify({ rest }).includes(KEY));
    assert.ok(!inspect(rest, { depth: 5 }).includes(KEY));
  });

  it("takes http:// only to loopback", () => {
    const auth = { apiKey: KEY };
    assert.throws(
      () => new RestClient({ baseUrl: "http://api.t4.test", auth }),
      InsecureRestUrlError,
    );
    assert.throws(
      () => new RestClient({ baseUrl: "http://127.0.0.1.nip.io", auth }),
      InsecureRestUrlError,
    );
    assert.equal(
      new RestClient({ baseUrl: "http://127.0.0.1:8766/", auth }).baseUrl,
      "http://127.0.0.1:8766",
    );
    assert.equal(
      new RestClient({ baseUrl: "http://localhost:1", auth }).baseUrl,
      "http://localhost:1",
    );
    assert.throws(() => new RestClient({ baseUrl: "ftp://x", auth }), TypeError);
  });

  it("reads .NET field names and marketId / market_id alike", async () => {
    for (const body of [{ marketID: "M1" }, { marketId: "M1" }, { market_id: "M1" }]) {
      const { fetch } = scripted(json(200, body));
      const rest = new RestClient({ baseUrl: BASE, auth: { apiKey: KEY }, fetch });
      assert.equal((await new T4Markets(rest).front("CME_Eq", "ES")).marketId, "M1");
    }
  });

  it("turns a 404 or an empty answer of firstmarket into MarketNotFoundError", async () => {
    for (const answer of [json(404, { message: "no market" }), new Response("", { status: 200 })]) {
      const { calls, fetch } = scripted(answer);
      const rest = new RestClient({ baseUrl: BASE, auth: { apiKey: KEY }, fetch });
      await assert.rejects(
        new T4Markets(rest).front("CME_Eq", "XX"),
        (e) => e instanceof MarketNotFoundError && e.contractId === "XX",
      );
      assert.equal(calls.length, 1);
      assert.equal(
        calls[0]!.url,
        `${BASE}/markets/picker/firstmarket?exchangeid=CME_Eq&contractid=XX`,
      );
    }
  });
});

const NOW = Date.parse("2026-11-25T12:00:00Z");
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl";
const expiry = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: 0 });

function tokenRequests(ws: FakeSocket): string[] {
  return ws.messages().flatMap((m) =>
    m.payload.case === "authenticationTokenRequest" ? [m.payload.value.requestId] : []
  );
}

describe("RestClient with a T4Client session", () => {
  it("sends Bearer <login token>, then the renewed token 30 s before expiry", async () => {
    const clock = new FakeClock(NOW);
    const net = new FakeNetwork();
    const auth = { firm: "F", username: "u", password: "pw-secret", appName: "a", appLicense: "l" };
    const client = new T4Client({
      url: "wss://t4.test/v1",
      auth,
      clock,
      WebSocket: net.WebSocket,
      random: () => 0.5,
      heartbeatMs: 3_600_000,
      missedHeartbeats: 10,
    });
    const connecting = client.connect();
    net.last.open();
    net.last.reply({
      payload: {
        case: "loginResponse",
        value: {
          result: LoginResult.SUCCESS,
          sessionId: "s",
          authenticationToken: { token: JWT, expireTime: expiry(NOW + 120_000) },
        },
      },
    });
    await connecting;
    const { calls, fetch } = scripted(json(200, []), json(200, []), json(200, []));
    const rest = new RestClient({ baseUrl: BASE, auth: restAuthFor(client, auth), clock, fetch });

    await rest.get("/markets/exchanges");
    assert.equal(calls[0]!.authorization, `Bearer ${JWT}`);
    assert.deepEqual(tokenRequests(net.last), []);

    await clock.advance(89_000);
    await rest.get("/markets/exchanges");
    assert.equal(calls[1]!.authorization, `Bearer ${JWT}`, "31 s left: the cached token");

    await clock.advance(1_000);
    const call = rest.get("/markets/exchanges");
    await clock.advance(0);
    const ids = tokenRequests(net.last);
    assert.equal(ids.length, 1, "one token request once 30 s are left");
    net.last.reply({
      payload: {
        case: "authenticationToken",
        value: { requestId: ids[0]!, token: "renewed.jwt.sig", expireTime: expiry(NOW + 600_000) },
      },
    });
    await call;
    assert.equal(calls[2]!.authorization, "Bearer renewed.jwt.sig");
    await client.close();
  });
});
