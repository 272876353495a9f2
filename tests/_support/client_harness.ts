/**
 * A `T4Client` on a fake network and a fake clock, for client unit tests: the test plays the
 * server through `net.last`.
 */

import assert from "node:assert/strict";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { T4Client, type T4ClientOptions } from "../../lib/client/t4_client.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { FakeNetwork, type FakeSocket } from "./fake_websocket.ts";

/** Wednesday 2026-11-25 12:00 UTC: outside the default maintenance window. */
export const WEDNESDAY: number = Date.parse("2026-11-25T12:00:00Z");
/** A market. */
export const MARKET = { exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" };

/** A client, its fake network and clock, and every status event it emitted. */
export interface ClientHarness {
  clock: FakeClock;
  net: FakeNetwork;
  client: T4Client;
  events: StatusEvent[];
  /** The event types so far, heartbeats left out. */
  types(): string[];
}

/**
 * Creates a client that has not connected yet.
 *
 * @param options Options over the defaults (fake network, 1 s heartbeats, no jitter).
 * @param start The clock's start.
 * @returns The harness.
 */
export function setup(options: Partial<T4ClientOptions> = {}, start = WEDNESDAY): ClientHarness {
  const clock = new FakeClock(start);
  const net = new FakeNetwork();
  const client = new T4Client({
    url: "wss://t4.test/v1",
    auth: { apiKey: "test-api-key" },
    clock,
    WebSocket: net.WebSocket,
    random: () => 0.5,
    heartbeatMs: 1000,
    ...options,
  });
  const events: StatusEvent[] = [];
  client.onStatus((e) => events.push(e));
  const types = () => events.map((e) => e.type).filter((t) => !t.startsWith("heartbeat"));
  return { clock, net, client, events, types };
}

/**
 * Creates a client and logs it in.
 *
 * @param options Options over the defaults.
 * @param start The clock's start.
 * @returns The harness.
 */
export async function connected(
  options: Partial<T4ClientOptions> = {},
  start = WEDNESDAY,
): Promise<ClientHarness> {
  const t = setup(options, start);
  const session = t.client.connect();
  t.net.last.open();
  t.net.last.login();
  await session;
  return t;
}

/**
 * Lets the client open its next socket after a backoff, and logs it in.
 *
 * @param t The harness.
 * @param waitMs The backoff to wait.
 * @returns The new socket.
 */
export async function relogin(
  t: { clock: FakeClock; net: FakeNetwork },
  waitMs: number,
): Promise<FakeSocket> {
  const before = t.net.sockets.length;
  await t.clock.advance(waitMs);
  assert.equal(t.net.sockets.length, before + 1, "a new socket was opened");
  t.net.last.open();
  t.net.last.login(LoginResult.SUCCESS, `sess-${before + 1}`);
  await t.clock.advance(0);
  return t.net.last;
}

/**
 * Settles a promise into `{ v }` or `{ e }`, so a test can inspect a rejection.
 *
 * @param p The promise.
 * @returns Its outcome.
 */
export function outcome<T>(p: Promise<T>): Promise<{ v: T } | { e: unknown }> {
  return p.then((v) => ({ v }), (e: unknown) => ({ e }));
}

/**
 * Subscribes to a market and confirms it as the server would (its `MarketDetails`).
 *
 * @param t The harness.
 * @param market The market.
 * @returns Once confirmed.
 */
export async function subscribedMarket(
  t: ClientHarness,
  market: { exchangeId: string; contractId: string; marketId: string } & Record<string, unknown>,
): Promise<void> {
  const pending = t.client.subscribeMarket(market);
  t.net.last.reply({ payload: { case: "marketDetails", value: { marketId: market.marketId } } });
  await pending;
}
