/**
 * `SessionMetrics` and `LatencyHistogram`: the numbers a script gets from a `T4Client` without the
 * CLI, driven through a fake network on a FakeClock (no timing).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LatencyHistogram } from "../../lib/client/latency_histogram.ts";
import { SessionMetrics } from "../../lib/client/session_metrics.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { FakeNetwork } from "../_support/fake_websocket.ts";

// Wednesday 2026-11-25 12:00 UTC: outside the default maintenance window.
const WEDNESDAY = Date.parse("2026-11-25T12:00:00Z");
const MARKET = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };

function setup() {
  const clock = new FakeClock(WEDNESDAY);
  const net = new FakeNetwork();
  const client = new T4Client({
    url: "wss://t4.test/v1",
    auth: { apiKey: "test-api-key" },
    clock,
    WebSocket: net.WebSocket,
    random: () => 0.5,
    heartbeatMs: 60_000,
    reconnect: { initialDelayMs: 1000, maxDelayMs: 1000 },
  });
  const metrics = new SessionMetrics({ clock });
  metrics.observe(client);
  return { clock, net, client, metrics };
}

function depth(marketId = MARKET.marketId) {
  return {
    payload: {
      case: "marketDepth" as const,
      value: { exchangeId: MARKET.exchangeId, contractId: MARKET.contractId, marketId },
    },
  };
}

describe("SessionMetrics", () => {
  it("times the login from opening the socket to the login response", async () => {
    const { clock, net, client, metrics } = setup();
    const session = client.connect();
    await clock.advance(120);
    net.last.open();
    await clock.advance(80);
    net.last.login();
    await session;
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.connected, true);
    assert.deepEqual(snapshot.logins, { LOGIN_SUCCESS: 1 });
    assert.equal(snapshot.login_time.count, 1);
    assert.equal(snapshot.login_time.max, 200);
    await client.close();
    assert.equal(metrics.snapshot().connected, false);
  });

  it("counts refused logins by result name and does not time them", async () => {
    const { net, client, metrics } = setup();
    const session = client.connect();
    net.last.open();
    net.last.login(LoginResult.LOCKED_OUT);
    await assert.rejects(session);
    assert.deepEqual(metrics.snapshot().logins, { LOCKED_OUT: 1 });
    assert.equal(metrics.snapshot().login_time.count, 0);
    await client.close();
  });

  it("counts disconnects by reason, reconnects, and the time spent disconnected", async () => {
    const { clock, net, client, metrics } = setup();
    const session = client.connect();
    net.last.open();
    net.last.login();
    await session;
    await clock.advance(5_000);
    net.last.drop();
    assert.equal(metrics.connected, false);
    await clock.advance(1_000); // the reconnect delay: a new socket opens
    await clock.advance(500);
    net.last.open();
    net.last.login();
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.connected, true);
    assert.deepEqual(snapshot.disconnects, { closed: 1 });
    assert.equal(snapshot.reconnects, 1);
    assert.equal(snapshot.disconnected_ms, 1_500);
    assert.deepEqual(snapshot.logins, { LOGIN_SUCCESS: 2 });
    // Closing by the client is not a disconnect.
    await client.close();
    assert.deepEqual(metrics.snapshot().disconnects, { closed: 1 });
    assert.equal(metrics.snapshot().disconnected_ms, 1_500);
  });

  it("keeps counting the time disconnected until logged in again", async () => {
    const { clock, net, client, metrics } = setup();
    const session = client.connect();
    net.last.open();
    net.last.login();
    await session;
    net.last.drop();
    await clock.advance(700);
    assert.equal(metrics.disconnectedMs(), 700);
    await client.close();
  });

  it("measures time to first quote from the subscribe, and quote gaps per market", async () => {
    const { clock, net, client, metrics } = setup();
    const session = client.connect();
    net.last.open();
    net.last.login();
    await session;
    await clock.advance(1_000);
    client.subscribeMarket(MARKET);
    metrics.subscribed("market_depth", MARKET.marketId);
    await clock.advance(250);
    net.last.reply(depth());
    for (const gap of [100, 100, 100, 2_000]) {
      await clock.advance(gap);
      net.last.reply(depth());
    }
    await clock.advance(300);
    const snapshot = metrics.snapshot();
    assert.deepEqual(snapshot.first_message_ms, { [`market_depth:${MARKET.marketId}`]: 250 });
    const quotes = snapshot.quotes[MARKET.marketId];
    assert.equal(quotes?.count, 5);
    assert.equal(quotes?.gap.count, 4);
    assert.equal(quotes?.gap.max, 2_000);
    assert.ok(Math.abs(quotes!.gap.p50 - 100) <= 2, `p50 ${quotes?.gap.p50}`);
    assert.equal(quotes?.age_ms, 300);
    assert.equal(snapshot.last_message_age_ms, 300);
    assert.equal(snapshot.frames.market_depth, 5);
    assert.equal(snapshot.frames.login_response, 1);
    await client.close();
  });

  it("times a subscription never marked as subscribed from the login", async () => {
    const { clock, net, client, metrics } = setup();
    const session = client.connect();
    net.last.open();
    net.last.login();
    await session;
    await clock.advance(40);
    net.last.reply(depth("other"));
    assert.deepEqual(metrics.snapshot().first_message_ms, { "market_depth:other": 40 });
    await client.close();
  });

  it("times order requests to their first answer, not those that never got one", async () => {
    const clock = new FakeClock(0);
    const metrics = new SessionMetrics({ clock });
    let answer!: () => void;
    const answered = metrics.measureOrder(new Promise<void>((resolve) => (answer = resolve)));
    await clock.advance(35);
    answer();
    await answered;
    const refused = Object.assign(new Error("refused"), { name: "OrderRejectedError" });
    await assert.rejects(metrics.measureOrder(Promise.reject(refused)));
    const lost = Object.assign(new Error("lost"), { name: "ConnectionLostError" });
    await assert.rejects(metrics.measureOrder(Promise.reject(lost)));
    const summary = metrics.snapshot().order_round_trip;
    assert.equal(summary.count, 2);
    assert.equal(summary.max, 35);
    assert.equal(summary.min, 0);
  });

  it("counts heartbeats from status events and reports each duration to onSample", async () => {
    const { clock, net, client, metrics } = setup();
    const samples: string[] = [];
    metrics.onSample((name, ms) => samples.push(`${name}=${ms}`));
    const session = client.connect();
    net.last.open();
    await clock.advance(10);
    net.last.login();
    await session;
    net.last.reply({ payload: { case: "heartbeat", value: { timestamp: 1n } } });
    await clock.advance(60_000);
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.heartbeats_received, 1);
    assert.ok(snapshot.heartbeats_sent >= 1);
    assert.deepEqual(samples, ["login_time=10"]);
    await client.close();
  });
});

describe("LatencyHistogram", () => {
  it("gives percentiles within 2% and exact min, max, count and mean", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    assert.equal(h.count, 1000);
    assert.equal(h.min, 1);
    assert.equal(h.max, 1000);
    assert.equal(h.summary().avg, 500.5);
    for (const [q, exact] of [[0.5, 500], [0.95, 950], [0.99, 990]] as const) {
      const got = h.quantile(q);
      assert.ok(Math.abs(got - exact) <= exact * 0.02, `p${q * 100} ${got} vs ${exact}`);
    }
    assert.equal(h.quantile(1), 1000);
  });

  it("keeps values below the smallest bucket and above the largest", () => {
    const h = new LatencyHistogram();
    h.record(0);
    h.record(-5);
    h.record(1e12);
    h.record(Number.NaN);
    assert.equal(h.count, 3);
    assert.equal(h.min, 0);
    assert.equal(h.quantile(0.5), 0);
    assert.equal(h.max, 1e12);
    assert.equal(h.quantile(1), 1e12);
    assert.throws(() => h.quantile(2), /'q' must be within 0 and 1/);
  });

  it("reports zeros when empty", () => {
    assert.deepEqual(new LatencyHistogram().summary(), {
      count: 0,
      min: 0,
      max: 0,
      avg: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
    });
  });
});
