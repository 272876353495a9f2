/**
 * The client against the embedded simulator on 127.0.0.1 (port 0): refused orders settle at
 * once, and close() never waits on a half-open server. Generous deadlines only.
 */

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { OrderRejectedError } from "../../lib/client/errors.ts";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { type Transport, TRANSPORTS } from "../../lib/client/transport.ts";
import { BuySell, OrderChange, OrderStatus, PriceType } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { DEMO_API_KEY, startSimulator } from "../../lib/sim/mod.ts";

const ACCOUNT = "SIM-API-1";
const MARKET_ID = "XCME_Eq ES (Z26)";

async function setup(clientClock?: FakeClock) {
  // A market step an hour away keeps the book still during a test.
  const sim = await startSimulator({
    clock: new FakeClock(0),
    depthIntervalMs: 3_600_000,
    heartbeatMs: 3_600_000,
  });
  const events: StatusEvent[] = [];
  const client = new T4Client({
    url: sim.url,
    auth: { apiKey: DEMO_API_KEY },
    heartbeatMs: 60_000,
    // Longer than every deadline below: an answer that does not come fails the test, not this.
    requestTimeoutMs: 120_000,
    reconnect: false,
    transport,
    ...(clientClock ? { clock: clientClock, maintenance: false as const } : {}),
  });
  client.onStatus((e) => events.push(e));
  await client.connect();
  return { sim, client, events };
}

/** Settles with `promise`, or rejects after `ms` (a generous bound, not a timing assertion). */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

// The whole suite runs once per transport (the native WebSocket and the socket transport).
let transport: Transport = "websocket";
for (const each of TRANSPORTS) {
  describe(`T4Client against the simulator (transport: ${each})`, () => {
    before(() => void (transport = each));
    suite();
  });
}

function suite(): void {
  it("rejects a refused order with OrderRejectedError long before the request timeout", async () => {
    const { sim, client } = await setup();
    await using _ = sim;
    try {
      const error = await within(
        10_000,
        "the rejection",
        client.submitOrder({
          accountId: ACCOUNT,
          marketId: MARKET_ID,
          orders: [{
            buySell: BuySell.BUY,
            priceType: PriceType.LIMIT,
            volume: 1,
            limitPrice: { value: "6000.10" },
            tag: "off-tick",
          }],
        }).then(() => undefined, (e: unknown) => e),
      );
      assert.ok(error instanceof OrderRejectedError, String(error));
      assert.equal(error.update.tagClOrdId, "off-tick", "matched by tag");
      assert.equal(error.update.change, OrderChange.SUBMISSION_REJECTED);
      assert.equal(error.change, "SUBMISSION_REJECTED");
      assert.equal(error.update.status, OrderStatus.REJECTED);
      assert.match(error.detail, /limit_price must be a positive price on a 0.25 tick/);
      assert.equal(sim.stats.ordersRejected, 1);

      // A valid order on the same session still resolves with its first update.
      const [update] = await within(
        10_000,
        "the order's first update",
        client.submitOrder({
          accountId: ACCOUNT,
          marketId: MARKET_ID,
          orders: [{
            buySell: BuySell.BUY,
            priceType: PriceType.LIMIT,
            volume: 1,
            limitPrice: { value: "1000.00" },
          }],
        }),
      );
      assert.notEqual(update?.$typeName, "t4proto.v1.orderrouting.OrderUpdateFailed");
      assert.ok(update?.uniqueId);
    } finally {
      await client.close();
    }
  });

  it("resolves close() promptly against a half-open server and detaches everything", async () => {
    // The client's timers run on a clock that never moves: a close() that waited for the socket
    // (or for any timer of its own) would never resolve.
    const { sim, client, events } = await setup(new FakeClock(Date.now()));
    await using _ = sim;
    await sim.inject({ kind: "silence" });
    await within(5_000, "close()", client.close());
    assert.equal(client.state, "closed");
    assert.equal(events.at(-1)?.type, "closed");
    const count = events.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(events.length, count, "no event after closed");
  });
}
