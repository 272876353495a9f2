import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { loginResultName } from "../../lib/protocol/login_result.ts";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { DEMO_API_KEY, DEMO_LOGIN, startSimulator } from "../../lib/sim/mod.ts";
import { SimClient, until, within } from "../fixtures/sim/sim_client.ts";

test("sim login: the demo API key logs in with session, user, accounts and a token", async () => {
  await using sim = await startSimulator({ seed: 3 });
  const client = await SimClient.connect(sim.url);
  const reply = await client.login({ apiKey: DEMO_API_KEY });
  assert.equal(reply.result, LoginResult.SUCCESS);
  assert.match(reply.sessionId, /^sim-[0-9a-f]{16}$/);
  assert.equal(reply.userId, "demo-api");
  assert.deepEqual(reply.accounts.map((a) => a.accountId), ["SIM-API-1"]);
  assert.deepEqual(reply.exchanges.map((e) => e.exchangeId).sort(), [
    "CBT_Fi",
    "CME_En",
    "CME_Eq",
    "CMX_Mt",
  ]);
  assert.ok(reply.authenticationToken?.token?.split(".").length === 3);
  assert.equal(sim.stats.logins, 1);
  await client.close();
});

test("sim login: the demo firm/user/password/app/license logs in", async () => {
  await using sim = await startSimulator();
  const client = await SimClient.connect(sim.url);
  const reply = await client.login({ ...DEMO_LOGIN });
  assert.equal(loginResultName(reply.result), "LOGIN_SUCCESS");
  assert.equal(reply.userId, "demo");
  assert.deepEqual(reply.accounts.map((a) => a.accountId), ["SIM-DEMO-1", "SIM-DEMO-2"]);
  await client.close();
});

for (
  const [username, expected] of [
    ["expired", "PASSWORD_EXPIRED"],
    ["twofactor", "TWO_FACTOR_REQUIRED"],
    ["unauthorized", "UNAUTHORIZED"],
  ] as const
) {
  test(`sim login: user '${username}' gets ${expected}`, async () => {
    await using sim = await startSimulator();
    const client = await SimClient.connect(sim.url);
    const reply = await client.login({ ...DEMO_LOGIN, username });
    assert.equal(loginResultName(reply.result), expected);
    assert.equal(reply.sessionId, "");
    assert.equal(sim.stats.failedLogins, 1);
    await client.close();
  });
}

test("sim login: an unknown API key is UNAUTHORIZED", async () => {
  await using sim = await startSimulator();
  const client = await SimClient.connect(sim.url);
  const reply = await client.login({ apiKey: "not-a-key" });
  assert.equal(loginResultName(reply.result), "UNAUTHORIZED");
  await client.close();
});

test("sim login: a wrong application license is APPLICATION_NOT_VALID", async () => {
  await using sim = await startSimulator();
  const client = await SimClient.connect(sim.url);
  const reply = await client.login({ ...DEMO_LOGIN, appLicense: "other" });
  assert.equal(loginResultName(reply.result), "APPLICATION_NOT_VALID");
  await client.close();
});

test("sim login: after N wrong passwords the user is LOCKED_OUT, even with the right one", async () => {
  await using sim = await startSimulator({ lockoutThreshold: 3 });
  const client = await SimClient.connect(sim.url);
  const results: string[] = [];
  for (let i = 0; i < 3; i++) {
    results.push(loginResultName((await client.login({ ...DEMO_LOGIN, password: "bad" })).result));
  }
  assert.deepEqual(results, ["LOGIN_FAILED", "LOGIN_FAILED", "LOGIN_FAILED"]);
  const locked = await client.login({ ...DEMO_LOGIN });
  assert.equal(loginResultName(locked.result), "LOCKED_OUT");
  await client.close();
  // Another user is not affected.
  const other = await SimClient.connect(sim.url);
  assert.equal((await other.login({ apiKey: DEMO_API_KEY })).result, LoginResult.SUCCESS);
  await other.close();
});

test("sim login: the default lockout threshold is 5 and a success resets the count", async () => {
  await using sim = await startSimulator();
  const client = await SimClient.connect(sim.url);
  for (let i = 0; i < 4; i++) await client.login({ ...DEMO_LOGIN, password: "bad" });
  assert.equal((await client.login({ ...DEMO_LOGIN })).result, LoginResult.SUCCESS);
  for (let i = 0; i < 5; i++) {
    assert.equal(
      (await client.login({ ...DEMO_LOGIN, password: "bad" })).result,
      LoginResult.FAILED,
    );
  }
  assert.equal(loginResultName((await client.login({ ...DEMO_LOGIN })).result), "LOCKED_OUT");
  await client.close();
});

test("sim login: a second login of the same user kicks the first with LOGGED_IN_ELSEWHERE", async () => {
  await using sim = await startSimulator();
  const first = await SimClient.connect(sim.url);
  assert.equal((await first.login({ apiKey: DEMO_API_KEY })).result, LoginResult.SUCCESS);
  const second = await SimClient.connect(sim.url);
  assert.equal((await second.login({ apiKey: DEMO_API_KEY })).result, LoginResult.SUCCESS);
  const kicked = await first.next("loginResponse");
  assert.equal(loginResultName(kicked.result), "LOGGED_IN_ELSEWHERE");
  const closed = await within(first.closed, "first closed");
  assert.equal(closed.code, 1000);
  await second.close();
});

test("sim login: duplicateLogin 'reject_second' refuses the new login instead", async () => {
  await using sim = await startSimulator({ duplicateLogin: "reject_second" });
  const first = await SimClient.connect(sim.url);
  await first.login({ apiKey: DEMO_API_KEY });
  const second = await SimClient.connect(sim.url);
  const reply = await second.login({ apiKey: DEMO_API_KEY });
  assert.equal(loginResultName(reply.result), "LOGGED_IN_ELSEWHERE");
  assert.equal(first.ws.readyState, WebSocket.OPEN);
  await first.close();
  await second.close();
});

test("sim login: any other message before login closes the connection with 1008", async () => {
  await using sim = await startSimulator();
  const client = await SimClient.connect(sim.url);
  client.send({ payload: { case: "accountSubscribe", value: { subscribeAllAccounts: true } } });
  const closed = await within(client.closed, "close");
  assert.equal(closed.code, 1008);
  assert.match(closed.reason, /Login required/);
});

test("sim login: AuthenticationTokenRequest returns a token that expires after tokenTtlMs", async () => {
  const clock = new FakeClock(1_700_000_000_000);
  await using sim = await startSimulator({ clock, tokenTtlMs: 600_000 });
  const client = await SimClient.connect(sim.url);
  await client.login({ apiKey: DEMO_API_KEY });
  client.send({ payload: { case: "authenticationTokenRequest", value: { requestId: "r1" } } });
  const token = await client.next("authenticationToken");
  assert.equal(token.requestId, "r1");
  assert.equal(token.token?.split(".").length, 3);
  assert.equal(timestampMs(token.expireTime!), 1_700_000_600_000);
  const payload = JSON.parse(
    atob(token.token!.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")),
  );
  assert.equal(payload.sub, "demo-api");
  assert.equal(payload.exp, 1_700_000_600);
  await client.close();
});

test("sim heartbeat: the server sends a heartbeat after one idle interval", async () => {
  const clock = new FakeClock(1_000_000);
  await using sim = await startSimulator({ clock, heartbeatMs: 1_000, depthIntervalMs: 60_000 });
  const client = await SimClient.connect(sim.url);
  await client.login({ apiKey: DEMO_API_KEY });
  await clock.advance(999);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(client.count("heartbeat"), 0);
  await clock.advance(1);
  const beat = await client.next("heartbeat");
  assert.equal(beat.timestamp, 1_001_000n);
  assert.equal(sim.stats.heartbeatsSent, 1);
  await client.close();
});

test("sim heartbeat: a client silent for 3 intervals is dropped; one that heartbeats is kept", async () => {
  const clock = new FakeClock(0);
  await using sim = await startSimulator({ clock, heartbeatMs: 1_000, depthIntervalMs: 60_000 });
  const silent = await SimClient.connect(sim.url);
  const alive = await SimClient.connect(sim.url);
  await silent.login({ apiKey: DEMO_API_KEY });
  await alive.login({ ...DEMO_LOGIN });
  for (let t = 1; t <= 3; t++) {
    alive.send({ payload: { case: "heartbeat", value: { timestamp: BigInt(t) } } });
    await until(() => sim.stats.heartbeatsReceived >= t, "heartbeat received");
    await clock.advance(t < 3 ? 1_000 : 999);
  }
  assert.equal(silent.ws.readyState, WebSocket.OPEN);
  await clock.advance(1);
  const closed = await within(silent.closed, "silent client dropped");
  assert.equal(closed.code, 1008);
  assert.equal(sim.stats.heartbeatTimeouts, 1);
  assert.equal(alive.ws.readyState, WebSocket.OPEN);
  await alive.close();
});

test("sim login: a text frame from the client closes the connection with 1003", async () => {
  await using sim = await startSimulator();
  const client = await SimClient.connect(sim.url);
  client.ws.send("hello");
  const closed = await within(client.closed, "close");
  assert.equal(closed.code, 1003);
  assert.equal(sim.stats.badFrames, 1);
});
