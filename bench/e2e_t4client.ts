/**
 * End-to-end market data through `T4Client` (Deno or Bun): logs in to the flood sender
 * (`bench/flood_server.mjs` with `login=1`), receives N `MarketDepth` frames in a `marketDepth`
 * handler that reads the best bid and offer, and prints `{"framesPerSecond": ...}` from the first
 * depth frame to the end marker (a heartbeat), with the CPU µs per frame (`process.cpuUsage`, user +
 * system, over the same span).
 *
 * Also reports heap used and RSS (after a full GC where the runtime exposes one) with the session
 * still open.
 *
 * Usage: `deno run -A bench/e2e_t4client.ts <url> <n> [websocket|socket]` or
 * `bun bench/e2e_t4client.ts <url> <n> [websocket|socket]`
 *
 * @module
 */

import process from "node:process";
import { T4Client } from "../lib/client/t4_client.ts";

/**
 * Runs one flood through a `T4Client`.
 *
 * @param url The flood URL (without the query).
 * @param n Number of depth frames.
 * @returns Frames per second and a checksum of the touched fields.
 */
export async function runT4ClientE2e(
  url: string,
  n: number,
  transport: "websocket" | "socket" = "websocket",
): Promise<
  {
    framesPerSecond: number;
    cpuMicrosPerFrame: number;
    checksum: number;
    heapUsedMiB: number;
    rssMiB: number;
  }
> {
  const client = new T4Client({
    url: `${url}?n=${n}&login=1`,
    auth: { apiKey: "bench-api-key" },
    reconnect: false,
    maintenance: false,
    transport,
  });
  let count = 0;
  let start = 0;
  let checksum = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  const done = Promise.withResolvers<number>();
  client.on("marketDepth", (depth) => {
    if (count === 0) {
      start = performance.now();
      cpu0 = process.cpuUsage();
    }
    count++;
    checksum += (depth.bids[0]?.volume ?? 0) + (depth.offers[0]?.volume ?? 0);
  });
  client.on("heartbeat", () => {
    if (count === n) {
      cpu = process.cpuUsage(cpu0);
      done.resolve(performance.now());
    }
  });
  await client.connect();
  const end = await done.promise;
  // Memory with the session still open, after a full collection where the runtime allows one.
  const runtime = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  runtime.gc?.();
  runtime.Bun?.gc(true);
  const memory = process.memoryUsage();
  await client.close();
  return {
    framesPerSecond: n / ((end - start) / 1000),
    cpuMicrosPerFrame: cpu === undefined ? Number.NaN : (cpu.user + cpu.system) / n,
    checksum,
    heapUsedMiB: memory.heapUsed / 2 ** 20,
    rssMiB: memory.rss / 2 ** 20,
  };
}

if (import.meta.main) {
  const [url, n, transport = "websocket"] = process.argv.slice(2);
  if (transport !== "websocket" && transport !== "socket") {
    throw new TypeError(`Cannot run transport '${transport}': expected websocket or socket`);
  }
  console.log(JSON.stringify(await runT4ClientE2e(url ?? "", Number(n), transport)));
  process.exit(0);
}
