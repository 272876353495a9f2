/**
 * Soak: a workflow holds a T4 session with a market subscription through the real runner
 * (`runWorkflow` + `T4Client`) while the embedded simulator drops the connection every few seconds
 * and floods depth in between. Checks, and reports in `bench/soak-results.json`:
 *
 * - no lost subscription: after every drop the client re-logs in, replays the subscription (the
 *   simulator answers it with `MarketDetails`) and subscribed depth resumes (a `MarketDepth` with
 *   the subscription's buffer, which flood frames never carry);
 * - every drop is followed by exactly one re-login: the simulator counts `drops + 1` login requests
 *   and connections, the client `drops` reconnects;
 * - heap flat: heap used after a full GC (`--v8-flags=--expose-gc` under Deno, `Bun.gc` under Bun)
 *   sampled once per cycle; only gross growth (last sample over twice the first) fails.
 *
 * Nothing is judged on timing: every wait is event-driven with a generous deadline, and recovery
 * times are only reported.
 *
 * Usage: `deno task soak [--quick] [--duration SECONDS] [--drop-every MS]` or
 * `bun bench/soak.ts [...]`. `--quick` (CI) runs about 25 s and writes
 * `bench/soak-results-quick.json` (not committed). Exits 1 when a check fails.
 *
 * @module
 */

import process from "node:process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FakeClock, systemClock } from "../lib/runtime/clock.ts";
import { T4Client } from "../lib/client/t4_client.ts";
import type { StatusEvent } from "../lib/client/status_event.ts";
import { DepthBuffer } from "../lib/protocol/proto.ts";
import { parseWorkflow } from "../lib/workflow/load_workflow.ts";
import { runWorkflow } from "../lib/workflow/run_workflow.ts";
import type { RunReport } from "../lib/workflow/run_report.ts";
import { DEMO_API_KEY, startSimulator } from "../lib/sim/mod.ts";

/** The market the soak workflow subscribes to. */
export const SOAK_MARKET_ID = "XCME_Eq ES (Z26)";

/**
 * The workflow under soak: log in, subscribe to ES best bid/offer, wait for the first two-sided
 * quote, hold. `url`, the API key and the hold length come from the soak.
 */
export const SOAK_WORKFLOW_YAML = `version: 1
name: soak
description: Hold an ES depth subscription through repeated drops and depth floods.
connection:
  env: sim
  auth:
    api_key: \${T4_API_KEY}
  heartbeat: 2s
  reconnect:
    initial_delay: 50ms
    max_delay: 200ms
steps:
  - login
  - subscribe_market:
      exchange: CME_Eq
      contract: ES
      market: ${SOAK_MARKET_ID}
      depth: best_only
  - name: first ES quote
    expect:
      message: market_depth
      where: msg.market_id == "${SOAK_MARKET_ID}" && msg.bids.size() > 0 && msg.offers.size() > 0
      timeout: 30s
  - hold: 1h
`;

/** Options of {@linkcode runSoak}. */
export interface SoakOptions {
  /**
   * Stop starting new drop cycles after this much real time, in milliseconds.
   *
   * @default {180000}
   */
  durationMs?: number;
  /**
   * Stop after this many drops (whichever of this and `durationMs` comes first).
   *
   * @default {Infinity}
   */
  maxDrops?: number;
  /**
   * Time from depth resuming after a reconnect to the next drop, with depth floods running, in
   * milliseconds. At least one whole flood is delivered per cycle whatever this is.
   *
   * @default {3000}
   */
  dropEveryMs?: number;
  /**
   * `MarketDepth` frames per flood burst.
   *
   * @default {5000}
   */
  floodFrames?: number;
  /**
   * Deadline of every single wait (reconnect, depth resuming, a flood arriving) in milliseconds;
   * missing it is a failure, not a timing judgement.
   *
   * @default {30000}
   */
  waitDeadlineMs?: number;
  /**
   * Fail when the last heap sample exceeds this multiple of the first.
   *
   * @default {2}
   */
  maxHeapGrowth?: number;
  /** Called with progress lines. */
  log?: (line: string) => void;
}

/** Summary of a series of memory samples, in MiB. */
export interface SoakMemory {
  /** First sample (after login and the first quote, before any drop). */
  firstMiB: number;
  /** Last sample. */
  lastMiB: number;
  /** Largest sample. */
  maxMiB: number;
}

/** What {@linkcode runSoak} measured and checked. */
export interface SoakResult {
  /** The runtime, e.g. `deno 2.9.6`. */
  runtime: string;
  /** Real wall time of the soak, in milliseconds. */
  wallMs: number;
  /** Drops injected. */
  drops: number;
  /** `disconnected` status events the client emitted. */
  disconnects: number;
  /** Reconnects the client reported (`reconnected` events). */
  reconnects: number;
  /** Login requests the simulator answered (successful and failed). */
  loginRequests: number;
  /** Connections the simulator accepted. */
  connections: number;
  /** Reconnects after which the client replayed exactly one subscription. */
  replayedOne: number;
  /** Reconnects after which the simulator answered the replayed subscription (`MarketDetails`). */
  subscriptionAnswered: number;
  /** Reconnects after which subscribed depth resumed. */
  depthResumed: number;
  /** Flood frames the simulator sent. */
  floodFramesSent: number;
  /** Flood `MarketDepth` frames the client received. */
  floodFramesReceived: number;
  /** Subscribed `MarketDepth` frames the client received. */
  subscribedDepthReceived: number;
  /** Frame errors the client saw. */
  frameErrors: number;
  /**
   * Drop to subscribed depth again, in milliseconds (informative only). `total` includes the
   * reconnect backoff delay, which climbs to `max_delay` here as the attempt counter resets only
   * after a connection stayed up 60 s; `excludingBackoff` subtracts it.
   */
  recoveryMs: {
    median: number;
    max: number;
    medianExcludingBackoff: number;
    maxExcludingBackoff: number;
  };
  /** Whether heap samples were taken after a full GC. */
  gc: boolean;
  /** Heap used after GC, sampled once per cycle; `series` in MiB. */
  heapUsed: SoakMemory & { samples: number; series: number[] };
  /** RSS at the same moments; `series` in MiB. */
  rss: SoakMemory & { series: number[] };
  /** The workflow run's status, exit code and step statuses. */
  workflow: { status: string; exitCode: number; steps: string[] };
  /** Every failed check, in words; empty when the soak passed. */
  failures: string[];
}

function _gc(): boolean {
  const runtime = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (runtime.Bun !== undefined) {
    runtime.Bun.gc(true);
    return true;
  }
  if (runtime.gc !== undefined) {
    runtime.gc();
    return true;
  }
  return false;
}

function _runtime(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Bun !== undefined) return `bun ${g.Bun.version}`;
  if (g.Deno !== undefined) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version}`;
}

function _summary(values: number[]): SoakMemory & { series: number[] } {
  const mib = (v: number) => Math.round((v / 2 ** 20) * 10) / 10;
  return {
    firstMiB: mib(values[0] ?? 0),
    lastMiB: mib(values.at(-1) ?? 0),
    maxMiB: mib(Math.max(0, ...values)),
    series: values.map(mib),
  };
}

function _median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[sorted.length >> 1] ?? 0) * 10) / 10;
}

function _max(values: number[]): number {
  return Math.round(Math.max(0, ...values) * 10) / 10;
}

/** Resolves when `test` holds, re-checked on every `poke`; rejects after `deadlineMs`. */
class _Waiter {
  #pending: { test: () => boolean; resolve: () => void }[] = [];

  poke(): void {
    this.#pending = this.#pending.filter((p) => {
      if (!p.test()) return true;
      p.resolve();
      return false;
    });
  }

  until(test: () => boolean, deadlineMs: number, what: string): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending = this.#pending.filter((p) => p !== entry);
        reject(new Error(`Gave up waiting for ${what} after ${deadlineMs} ms`));
      }, deadlineMs);
      const entry = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#pending.push(entry);
    });
  }
}

/**
 * Runs the soak.
 *
 * The workflow's own clock is a `FakeClock` that only ends the `hold` once the drop cycles are
 * done; the client inside runs on the real clock (heartbeats, backoff, login timeout).
 *
 * @param options Length, drop and flood cadence, deadlines.
 * @returns What was measured and every failed check (none when it passed).
 * @throws {Error} Only when the simulator cannot start.
 *
 * @example Two drops
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSoak } from "./soak.ts";
 *
 * const result = await runSoak({ maxDrops: 2, dropEveryMs: 0, floodFrames: 200 });
 * assert.deepEqual(result.failures, []);
 * assert.equal(result.loginRequests, 3);
 * ```
 */
export async function runSoak(options: SoakOptions = {}): Promise<SoakResult> {
  const durationMs = options.durationMs ?? 180_000;
  const maxDrops = options.maxDrops ?? Infinity;
  const dropEveryMs = options.dropEveryMs ?? 3_000;
  const floodFrames = options.floodFrames ?? 5_000;
  const deadline = options.waitDeadlineMs ?? 30_000;
  const maxHeapGrowth = options.maxHeapGrowth ?? 2;
  const log = options.log ?? (() => {});
  const failures: string[] = [];
  const started = performance.now();

  await using sim = await startSimulator({ seed: 11, heartbeatMs: 2_000, depthIntervalMs: 50 });
  const workflow = parseWorkflow(SOAK_WORKFLOW_YAML, "soak.yaml", {
    env: { T4_API_KEY: DEMO_API_KEY },
  });

  // What the client sees, counted per connection epoch (an epoch starts at each `reconnected`).
  const waiter = new _Waiter();
  let client: T4Client | undefined;
  let epoch = 0;
  let disconnects = 0;
  let reconnects = 0;
  let replayedOne = 0;
  let answered = false;
  let subscribedDepth = 0;
  let subscribedDepthInEpoch = 0;
  let floodReceived = 0;
  let floodInEpoch = 0;
  let frameErrors = 0;
  let backoffMs = 0;
  const onStatus = (event: StatusEvent) => {
    if (event.type === "disconnected") disconnects++;
    if (event.type === "frame_error") frameErrors++;
    if (event.type === "reconnecting") backoffMs = event.delayMs;
    if (event.type === "reconnected") {
      reconnects++;
      epoch++;
      answered = false;
      subscribedDepthInEpoch = 0;
      floodInEpoch = 0;
      if (event.resubscribed === 1) replayedOne++;
    }
    waiter.poke();
  };

  const controller = new AbortController();
  const holdClock = new FakeClock(Date.now());
  const run: Promise<RunReport> = runWorkflow(workflow, {
    url: sim.url,
    clock: holdClock,
    holdMs: 1_000,
    progressMs: 1_000,
    signal: controller.signal,
    createClient: (clientOptions) => {
      const created = new T4Client({ ...clientOptions, clock: systemClock });
      created.onStatus(onStatus);
      created.on("marketDetails", (details) => {
        if (details.marketId === SOAK_MARKET_ID) answered = true;
        waiter.poke();
      });
      created.on("marketDepth", (depth) => {
        if (depth.depthBuffer === DepthBuffer.ALL) {
          floodReceived++;
          floodInEpoch++;
        } else if (depth.marketId === SOAK_MARKET_ID) {
          subscribedDepth++;
          subscribedDepthInEpoch++;
        }
        if (floodInEpoch % 256 === 0 || subscribedDepthInEpoch === 1) waiter.poke();
      });
      client = created;
      return created;
    },
  });

  const heap: number[] = [];
  const rss: number[] = [];
  let gc = false;
  const sample = () => {
    gc = _gc();
    const memory = process.memoryUsage();
    heap.push(memory.heapUsed);
    rss.push(memory.rss);
  };
  const recovery: number[] = [];
  const recoveryNet: number[] = [];
  let drops = 0;
  let flooding = false;
  let flood: Promise<void> = Promise.resolve();

  try {
    // Logged in, subscribed, first quote seen: the workflow is now in its hold.
    await waiter.until(() => subscribedDepth > 0 && answered, deadline, "the first quote");
    sample();
    while (drops < maxDrops && performance.now() - started < durationMs) {
      // The newest connection is the client's current one (a dropped one may linger a moment).
      const info = sim.connections().at(-1);
      if (info === undefined) throw new Error("Cannot drop as no connection is open");
      const target = { connection: info.id };
      const cycleStart = performance.now();
      // One whole flood delivered, then more floods until it is time to drop.
      const floodsBefore = floodInEpoch;
      flooding = true;
      flood = (async () => {
        while (flooding) {
          await sim.inject(
            { kind: "flood", frames: floodFrames, marketId: SOAK_MARKET_ID },
            target,
          );
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      })();
      await waiter.until(
        () => floodInEpoch - floodsBefore >= floodFrames,
        deadline,
        `flood frames of cycle ${drops + 1}`,
      );
      const left = dropEveryMs - (performance.now() - cycleStart);
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      // Drop (possibly in the middle of a flood).
      const epochBefore = epoch;
      const dropAt = performance.now();
      await sim.inject({ kind: "drop" }, target);
      drops++;
      flooding = false;
      await flood;
      await waiter.until(
        () => epoch > epochBefore && answered && subscribedDepthInEpoch > 0,
        deadline,
        `the subscription to resume after drop ${drops}`,
      );
      recovery.push(performance.now() - dropAt);
      recoveryNet.push(recovery.at(-1)! - backoffMs);
      sample();
      log(
        `drop ${drops}: recovered in ${recovery.at(-1)!.toFixed(1)} ms, heap ${
          (heap.at(-1)! / 2 ** 20).toFixed(1)
        } MiB, ${floodReceived} flood frames so far`,
      );
    }
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    flooding = false;
    await flood;
  }

  // Counted before the run ends: closing the client at the end is no drop.
  const disconnectsSeen = disconnects;
  const reconnectsSeen = reconnects;
  // End the hold (or interrupt a run that got stuck) and collect the report.
  if (failures.length > 0) controller.abort(new Error("soak failed"));
  await holdClock.advance(1_000);
  const report = await run;
  const stats = sim.stats;
  const loginRequests = stats.logins + stats.failedLogins;

  const check = (ok: boolean, message: string) => {
    if (!ok) failures.push(message);
  };
  check(
    report.status === "succeeded",
    `Workflow ended ${report.status} (exit ${report.exit_code})`,
  );
  check(reconnectsSeen === drops, `Client reconnected ${reconnectsSeen} times for ${drops} drops`);
  check(disconnectsSeen === drops, `Client saw ${disconnectsSeen} disconnects for ${drops} drops`);
  check(
    loginRequests === drops + 1,
    `Simulator answered ${loginRequests} logins for ${drops} drops (expected ${drops + 1})`,
  );
  check(
    stats.connections === drops + 1,
    `Simulator accepted ${stats.connections} connections for ${drops} drops`,
  );
  check(
    replayedOne === drops,
    `Client replayed one subscription after ${replayedOne} of ${drops} reconnects`,
  );
  check(
    client?.subscriptionCount === 1,
    `Client ends with ${client?.subscriptionCount} subscriptions`,
  );
  check(frameErrors === 0, `Client saw ${frameErrors} frame errors`);
  const first = heap[0] ?? 0;
  const last = heap.at(-1) ?? 0;
  check(
    !gc || last <= first * maxHeapGrowth,
    `Heap grew from ${(first / 2 ** 20).toFixed(1)} to ${(last / 2 ** 20).toFixed(1)} MiB`,
  );
  return {
    runtime: _runtime(),
    wallMs: Math.round(performance.now() - started),
    drops,
    disconnects: disconnectsSeen,
    reconnects: reconnectsSeen,
    loginRequests,
    connections: stats.connections,
    replayedOne,
    // Every completed cycle waited for both, so they equal the recovered drops.
    subscriptionAnswered: recovery.length,
    depthResumed: recovery.length,
    floodFramesSent: stats.floodFrames,
    floodFramesReceived: floodReceived,
    subscribedDepthReceived: subscribedDepth,
    frameErrors,
    recoveryMs: {
      median: _median(recovery),
      max: _max(recovery),
      medianExcludingBackoff: _median(recoveryNet),
      maxExcludingBackoff: _max(recoveryNet),
    },
    gc,
    heapUsed: { ..._summary(heap), samples: heap.length },
    rss: _summary(rss),
    workflow: {
      status: report.status,
      exitCode: report.exit_code,
      steps: report.steps.map((s) => `${s.name}: ${s.status}`),
    },
    failures,
  };
}

function _arg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  const value = i < 0 ? undefined : Number(process.argv[i + 1]);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

if (import.meta.main) {
  const quick = process.argv.includes("--quick");
  const durationMs = (_arg("--duration") ?? (quick ? 25 : 180)) * 1000;
  const dropEveryMs = _arg("--drop-every") ?? (quick ? 1_500 : 3_000);
  const result = await runSoak({
    durationMs,
    dropEveryMs,
    floodFrames: quick ? 2_000 : 5_000,
    log: (line) => process.stderr.write(`[soak] ${line}\n`),
  });
  const file = fileURLToPath(
    new URL(quick ? "./soak-results-quick.json" : "./soak-results.json", import.meta.url),
  );
  const output = {
    measuredAt: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    options: { durationMs, dropEveryMs, floodFrames: quick ? 2_000 : 5_000 },
    ...result,
  };
  writeFileSync(file, JSON.stringify(output, null, 2) + "\n");
  console.log(JSON.stringify(output));
  process.stderr.write(
    result.failures.length === 0
      ? `[soak] passed: ${result.drops} drops, ${result.loginRequests} logins, heap ${result.heapUsed.firstMiB} -> ${result.heapUsed.lastMiB} MiB (max ${result.heapUsed.maxMiB})\n`
      : `[soak] FAILED:\n${result.failures.map((f) => `  - ${f}`).join("\n")}\n`,
  );
  process.exit(result.failures.length === 0 ? 0 : 1);
}
