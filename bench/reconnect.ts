/**
 * Reconnect time of `T4Client` against the embedded simulator (in the same process): the
 * simulator drops the TCP connection without a close frame, and we time from the client's
 * `disconnected` event to `reconnected` (logged in again and every subscription replayed) and to
 * the first `MarketDepth` of the re-subscribed market, both minus the backoff delay the client
 * chose. Prints medians in milliseconds as JSON.
 *
 * Usage: `deno run -A bench/reconnect.ts [--quick]` or `bun bench/reconnect.ts [--quick]`
 *
 * @module
 */

import process from "node:process";
import { T4Client } from "../lib/client/t4_client.ts";
import { DEFAULT_SIM_MARKETS, DEMO_API_KEY, startSimulator } from "../lib/sim/mod.ts";

function _median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * Measures `cycles` drop-and-reconnect cycles.
 *
 * @param cycles Number of drops.
 * @returns Median milliseconds from the drop to re-login and to the first depth frame, backoff
 *   excluded.
 */
export async function runReconnect(
  cycles: number,
): Promise<{ reloginMs: number; firstDepthMs: number; cycles: number }> {
  await using sim = await startSimulator({ seed: 1, depthIntervalMs: 1_000_000 });
  const market = DEFAULT_SIM_MARKETS[0]!;
  const client = new T4Client({
    url: sim.url,
    auth: { apiKey: DEMO_API_KEY },
    maintenance: false,
    reconnect: { initialDelayMs: 1, maxDelayMs: 1, resetAfterMs: 0 },
  });
  let dropAt = 0;
  let delayMs = 0;
  let relogin: ((ms: number) => void) | undefined;
  let depth: ((ms: number) => void) | undefined;
  client.onStatus((event) => {
    if (event.type === "disconnected") dropAt = performance.now();
    if (event.type === "reconnecting") delayMs = event.delayMs;
    if (event.type === "reconnected") relogin?.(performance.now() - dropAt - delayMs);
  });
  client.on("marketDepth", () => depth?.(performance.now() - dropAt - delayMs));
  await client.connect();
  client.subscribeMarket({
    exchangeId: market.exchangeId,
    contractId: market.contractId,
    marketId: market.marketId,
  });
  await new Promise<void>((resolve) => (depth = () => resolve()));
  const relogins: number[] = [];
  const depths: number[] = [];
  for (let i = 0; i < cycles; i++) {
    const reloginDone = new Promise<number>((resolve) => (relogin = resolve));
    const depthDone = new Promise<number>((resolve) => (depth = resolve));
    await sim.inject({ kind: "drop" });
    relogins.push(await reloginDone);
    depths.push(await depthDone);
  }
  relogin = undefined;
  depth = undefined;
  await client.close();
  return { reloginMs: _median(relogins), firstDepthMs: _median(depths), cycles };
}

if (import.meta.main) {
  console.log(JSON.stringify(await runReconnect(process.argv.includes("--quick") ? 3 : 20)));
  process.exit(0);
}
