/**
 * The client leaves nothing behind: under Deno this runs as a `Deno.test` with the op and
 * resource sanitizers on (node:test has none), so every timer, socket and pending op the client
 * and the simulator started must be finished when the test ends. Under Bun it runs as a plain
 * test of the same behaviour.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { T4Client } from "../../lib/client/t4_client.ts";
import { startSimulator } from "../../lib/sim/mod.ts";

interface _DenoTest {
  test(options: {
    name: string;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
    fn: () => Promise<void>;
  }): void;
}

function sanitizedTest(name: string, fn: () => Promise<void>): void {
  const deno = (globalThis as { Deno?: _DenoTest }).Deno;
  if (deno) deno.test({ name, sanitizeOps: true, sanitizeResources: true, fn });
  else test(name, fn);
}

function waitFor(events: StatusEvent[], type: StatusEvent["type"], count = 1): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 20_000;
    const poll = () => {
      if (events.filter((e) => e.type === type).length >= count) return resolve();
      if (Date.now() > deadline) return reject(new Error(`No '${type}' event in time`));
      setTimeout(poll, 10);
    };
    poll();
  });
}

sanitizedTest(
  "T4Client leaves no timer, socket or op behind after login, a drop, a reconnect and close",
  async () => {
    const sim = await startSimulator({ port: 0, seed: 7, heartbeatMs: 200 });
    try {
      const client = new T4Client({
        url: sim.url,
        auth: { apiKey: "demo-api-key" },
        heartbeatMs: 200,
        reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
      });
      const events: StatusEvent[] = [];
      client.onStatus((event) => events.push(event));
      let depth = 0;
      client.on("marketDepth", () => depth++);
      await client.connect();
      client.subscribeMarket({
        exchangeId: "CME_Eq",
        contractId: "ES",
        marketId: "XCME_Eq ES (Z26)",
      });
      sim.inject({ kind: "drop", afterMs: 50 });
      await waitFor(events, "reconnected");
      const before = depth;
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 20_000;
        const poll = () => {
          if (depth > before) return resolve();
          if (Date.now() > deadline) return reject(new Error("No depth after the reconnect"));
          setTimeout(poll, 10);
        };
        poll();
      });
      await client.close();
      assert.equal(events.at(-1)?.type, "closed");
      assert.equal(client.stats.reconnects, 1);
    } finally {
      await sim.stop();
    }
  },
);
