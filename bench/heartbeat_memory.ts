/**
 * Memory of a `T4Client` session over many heartbeat cycles on a fast clock: the client and the
 * embedded simulator (same process) share one manual clock; each cycle advances it by one heartbeat
 * interval, so both sides send a heartbeat over the real local socket, and waits until the client
 * received the server's. Prints heap used and RSS (after a full GC where the runtime exposes one)
 * after connecting, after a warm-up (the first 2 % of the cycles, at least 100), half-way and
 * after the cycles, in MiB, as JSON.
 *
 * The clock is {@linkcode FakeClock}'s logic with one change: between timers it lets promise
 * callbacks and I/O settle with `setImmediate` instead of `setTimeout(0)`, which both runtimes
 * clamp to about 1-2 ms (so a cycle took 8.7 ms on Deno, almost all of it waiting for timers, and
 * 100k cycles about 15 minutes; now about 0.1 ms). Client and simulator code paths are the same.
 *
 * Usage: `deno run -A --v8-flags=--expose-gc bench/heartbeat_memory.ts [--quick] [--cycles N]`
 * or `bun bench/heartbeat_memory.ts [--quick] [--cycles N]`
 *
 * @module
 */

import process from "node:process";
import { FakeClock } from "../lib/runtime/clock.ts";
import { T4Client } from "../lib/client/t4_client.ts";
import { DEMO_API_KEY, startSimulator } from "../lib/sim/mod.ts";

function _memory(): { heapUsedMiB: number; rssMiB: number } {
  const runtime = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  runtime.gc?.();
  runtime.Bun?.gc(true);
  const m = process.memoryUsage();
  return { heapUsedMiB: m.heapUsed / 2 ** 20, rssMiB: m.rss / 2 ** 20 };
}

const _immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown })
  .setImmediate;

function _settle(): Promise<void> {
  return new Promise((resolve) =>
    _immediate === undefined ? setTimeout(resolve, 0) : _immediate(resolve)
  );
}

/**
 * Runs the heartbeat cycles.
 *
 * @param cycles Number of heartbeat intervals.
 * @returns Memory before and after, and how many server heartbeats the client received.
 */
export async function runHeartbeatMemory(cycles: number): Promise<Record<string, number>> {
  const heartbeatMs = 20_000;
  const clock = new FakeClock(Date.UTC(2026, 0, 6, 12), { settle: _settle });
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
  const started = performance.now();
  const warmAt = Math.max(100, Math.floor(cycles / 50));
  let warm = before;
  let half = before;
  // Bounded: a cycle whose heartbeat does not come within 5-10 s counts as missed (see
  // heartbeatsReceived). One watchdog for the run, not a timer per cycle: at 0.1 ms a cycle,
  // thousands of cancelled 5 s timers pending at once would show up in the RSS being measured.
  let done = 0;
  let seen = -1;
  const watchdog = setInterval(() => {
    if (done === seen) wake?.();
    seen = done;
  }, 5_000);
  for (let i = 0; i < cycles; i++) {
    if (i === warmAt) warm = _memory();
    if (i === cycles >> 1) half = _memory();
    const got = new Promise<void>((resolve) => (wake = resolve));
    await clock.advance(heartbeatMs);
    await got;
    done++;
  }
  clearInterval(watchdog);
  const elapsedMs = performance.now() - started;
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
    heapUsedWarmMiB: warm.heapUsedMiB,
    heapUsedHalfMiB: half.heapUsedMiB,
    heapUsedAfterMiB: after.heapUsedMiB,
    rssBeforeMiB: before.rssMiB,
    rssWarmMiB: warm.rssMiB,
    rssHalfMiB: half.rssMiB,
    rssAfterMiB: after.rssMiB,
    msPerCycle: elapsedMs / cycles,
  };
}

if (import.meta.main) {
  const i = process.argv.indexOf("--cycles");
  const cycles = i >= 0
    ? Number(process.argv[i + 1])
    : process.argv.includes("--quick")
    ? 500
    : 100_000;
  console.log(JSON.stringify(await runHeartbeatMemory(cycles)));
  process.exit(0);
}
