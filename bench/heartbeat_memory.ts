/**
 * Memory of a `T4Client` session over many heartbeat cycles on a fast clock: the client and the
 * embedded simulator (same process) share one `FakeClock`; each cycle advances it by one heartbeat
 * interval, so both sides send a heartbeat over the real local socket, and waits until the client
 * received the server's. Prints heap used and RSS (after a full GC where the runtime exposes one)
 * after connecting and after the cycles, in MiB, as JSON.
 *
 * Usage: `deno run -A --v8-flags=--expose-gc bench/heartbeat_memory.ts [--quick]` or
 * `bun bench/heartbeat_memory.ts [--quick]`
 *
 * @module
 */

import process from "node:process";
import { FakeClock } from "../lib/clock.ts";
import { T4Client } from "../lib/t4_client.ts";
import { DEMO_API_KEY, startSimulator } from "../lib/sim/mod.ts";

function _memory(): { heapUsedMiB: number; rssMiB: number } {
  const runtime = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  runtime.gc?.();
  runtime.Bun?.gc(true);
  const m = process.memoryUsage();
  return { heapUsedMiB: m.heapUsed / 2 ** 20, rssMiB: m.rss / 2 ** 20 };
}

/**
 * Runs the heartbeat cycles.
 *
 * @param cycles Number of heartbeat intervals.
 * @returns Memory before and after, and how many server heartbeats the client received.
 */
export async function runHeartbeatMemory(cycles: number): Promise<Record<string, number>> {
  const heartbeatMs = 20_000;
  const clock = new FakeClock(Date.UTC(2026, 0, 6, 12));
  await using sim = await startSimulator({ seed: 1, clock, heartbeatMs, depthIntervalMs: 1e12 });
  const client = new T4Client({
    url: sim.url,
    auth: { apiKey: DEMO_API_KEY },
    clock,
    heartbeatMs,
    maintenance: false,
    reconnect: false,
  });
  await client.connect();
  const before = _memory();
  let wake: (() => void) | undefined;
  const stop = client.onStatus((event) => {
    if (event.type === "heartbeat_received") wake?.();
  });
  for (let i = 0; i < cycles; i++) {
    const got = new Promise<void>((resolve) => (wake = resolve));
    await clock.advance(heartbeatMs);
    // Bounded: a heartbeat that does not come within 5 s counts as missed (see heartbeatsReceived).
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([got, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
  }
  stop();
  const after = _memory();
  const stats = { ...client.stats };
  await client.close();
  return {
    cycles,
    heartbeatsReceived: stats.heartbeatsReceived,
    heartbeatsSent: stats.heartbeatsSent,
    reconnects: stats.reconnects,
    heapUsedBeforeMiB: before.heapUsedMiB,
    heapUsedAfterMiB: after.heapUsedMiB,
    rssBeforeMiB: before.rssMiB,
    rssAfterMiB: after.rssMiB,
  };
}

if (import.meta.main) {
  console.log(
    JSON.stringify(await runHeartbeatMemory(process.argv.includes("--quick") ? 500 : 100_000)),
  );
  process.exit(0);
}
