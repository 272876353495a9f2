/**
 * The benchmark suite: `deno task bench` (or `bun bench/main.ts`), `--quick` for CI (about a
 * minute, no thresholds). Every measurement runs in its own child process, side by side in one run:
 *
 * 1. codec: t4flow (`fromBinary` vs generated decoders; encode `LoginRequest`, `Heartbeat`) on
 *    Deno and Bun, and the vendor's protobufjs static code on Node (and on Deno and Bun);
 * 2. end-to-end market data against one local flood sender (`bench/flood_server.mjs`, whose own
 *    capacity is measured too) cycling through 32 distinct `MarketDepth` frames
 *    (`bench/flood_frames.ts`): on Deno and Bun, the bare transport without decoding (its
 *    ceiling) for the native `WebSocket` and the socket transport, the native `WebSocket` with the
 *    generated decoders, `T4Client` with a `marketDepth` handler on each transport (on Deno also
 *    with `--v8-flags=--no-concurrent-array-buffer-sweeping`), and the vendor's stack (Node + `ws`
 *    + protobufjs static code); frames/s and CPU µs per frame (`process.cpuUsage`), 5 rounds
 *    (quick: 1) with the order reversed every other round, the load average before each;
 * 3. `T4Client` memory after a flood of 1M frames;
 * 4. reconnect time after an abrupt drop (embedded simulator), backoff excluded;
 * 5. memory over 100k heartbeat cycles on a fast clock (embedded simulator, `FakeClock`);
 * 6. cold start (`bench/cold_start.ts`): `t4flow --help`, a login-and-exit `t4flow run` and
 *    `import { T4Client }` with `deno run`, `bun` and the compiled binary, as ratios to a hello
 *    world of the same runtime in the same rounds.
 *
 * Medians with min–max. Writes `bench/results.json` and `bench/results.md` (with `--quick`:
 * `bench/results-quick.*`, not committed, so CI never overwrites the full results).
 *
 * The vendor stack is installed from `bench/vendor/package.json` + lock (`npm ci`) and its static
 * code is generated from `proto/` with `pbjs -t static-module` at bench time.
 *
 * @module
 */

import process from "node:process";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFloodFrames } from "./flood_frames.ts";
import { type BenchResults, type Figure, renderResults, VENDOR_STACK } from "./render.ts";

const quick = process.argv.includes("--quick");
const root = fileURLToPath(new URL("..", import.meta.url));
const vendor = fileURLToPath(new URL("./vendor/", import.meta.url));
const frames = quick ? 20_000 : 500_000;
const rounds = quick ? 1 : 5;
const loadAtStart = loadavg();
/** The 1-minute load average before each end-to-end round. */
const loadBeforeRounds: number[] = [];
const TRANSPORT_LABEL = { websocket: "native WebSocket", socket: "transport: socket" } as const;
const childTimeoutMs = quick ? 120_000 : 1_800_000;

function _log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function _version(cmd: string, args: string[]): string {
  const out = spawnSync(cmd, args, { encoding: "utf8" });
  return (out.stdout ?? "").split("\n")[0]?.trim() || `unavailable (${cmd})`;
}

/** Runs a child process and parses the last line of its stdout as JSON. */
function _runJson(cmd: string, args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Uint8Array) => (out += new TextDecoder().decode(d)));
    child.stderr.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Timed out after ${childTimeoutMs} ms: ${cmd} ${args.join(" ")}`));
    }, childTimeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").at(-1) ?? "";
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(last) as Record<string, number>);
      } catch (error) {
        reject(
          new Error(
            `Cannot read the result of '${cmd} ${args.join(" ")}': ${String(error)}; ${
              err.trim().split("\n").slice(-3).join(" | ")
            }`,
          ),
        );
      }
    });
  });
}

function _median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? null;
}

function _prepareVendor(): void {
  if (!existsSync(`${vendor}node_modules/.package-lock.json`)) {
    _log("installing the vendor stack (npm ci in bench/vendor)");
    const out = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--silent"], {
      cwd: vendor,
      stdio: "inherit",
    });
    if (out.status !== 0) throw new Error("Cannot install bench/vendor: npm ci failed");
  }
  mkdirSync(`${vendor}out`, { recursive: true });
  const protos = spawnSync("find", [".", "-name", "*.proto"], {
    cwd: `${root}proto`,
    encoding: "utf8",
  })
    .stdout.split("\n").filter((p) => p !== "").map((p) => p.replace(/^\.\//, "")).sort();
  const out = spawnSync(
    `${vendor}node_modules/.bin/pbjs`,
    [
      "-t",
      "static-module",
      "-w",
      "es6",
      "--no-comments",
      "--no-create",
      "--no-verify",
      "--no-convert",
      "--no-delimited",
      "--no-typeurl",
      "-p",
      `${root}proto`,
      "-o",
      `${vendor}out/t4_static.mjs`,
      ...protos,
    ],
    { cwd: vendor, stdio: "inherit" },
  );
  if (out.status !== 0) throw new Error("Cannot generate the protobufjs static code: pbjs failed");
}

async function _startFlood(file: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn("node", ["bench/flood_server.mjs", file], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Uint8Array) => {
      out += new TextDecoder().decode(d);
      const line = out.split("\n")[0];
      if (out.includes("\n") && line !== undefined) {
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.on("error", reject);
    child.on("close", () => reject(new Error("Cannot start the flood sender: it exited")));
  });
  return { port, stop: () => child.stdin.end() };
}

const figures: Figure[] = [];

/** Runs one child and records several of the figures it prints. */
async function _measureMany(
  cmd: string,
  args: string[],
  wanted: { name: string; stack: string; unit: string; key: string }[],
  round?: number,
): Promise<void> {
  const slots = wanted.map(({ name, stack, unit, key }) => {
    let figure = figures.find((f) => f.name === name && f.stack === stack);
    if (figure === undefined) {
      figure = { name, stack, value: null, unit, samples: [] };
      figures.push(figure);
    }
    return { figure, key };
  });
  try {
    const result = await _runJson(cmd, args);
    for (const { figure, key } of slots) {
      const value = result[key];
      if (typeof value !== "number") throw new Error(`no '${key}' in ${JSON.stringify(result)}`);
      figure.samples.push(value);
      figure.value = _median(figure.samples);
      if (round !== undefined) (figure.roundSamples ??= [])[round] = value;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const { figure } of slots) figure.error = message;
    _log(`${wanted[0]?.name} / ${wanted[0]?.stack} failed: ${message}`);
  }
}

const deno = ["deno", ["run", "-A", "--quiet"]] as const;
const bun = ["bun", []] as const;
const q = quick ? ["--quick"] : [];
const gcFlag = "--v8-flags=--expose-gc";

_prepareVendor();

// 1. Codec.
_log("codec");
const codecKeys: [string, string][] = [
  ["decodeFrameFromBinary", "decode MarketDepth frame: fromBinary"],
  ["decodeFrameFast", "decode MarketDepth frame: decodeServerFrame (generated)"],
  ["decodeFloodFramesFast", "decode 32 distinct MarketDepth frames: decodeServerFrame"],
  ["decodeMarketDepthFromBinary", "decode bare MarketDepth: fromBinary"],
  ["decodeMarketDepthFast", "decode bare MarketDepth: generated"],
  ["encodeLoginRequest", "encode LoginRequest"],
  ["encodeHeartbeat", "encode Heartbeat"],
];
for (const [runtime, [cmd, base]] of [["Deno", deno], ["Bun", bun]] as const) {
  try {
    const result = await _runJson(cmd, [...base, "bench/codec.ts", ...q]);
    for (const [key, name] of codecKeys) {
      const value = result[key] ?? null;
      figures.push({
        name,
        stack: `${runtime} t4flow`,
        value,
        unit: "msg/s",
        samples: value === null ? [] : [value],
      });
    }
  } catch (error) {
    _log(`codec on ${runtime} failed: ${String(error)}`);
  }
}
for (
  const [runtime, cmd, base] of [["Node", "node", []], ["Deno", ...deno], ["Bun", ...bun]] as const
) {
  try {
    const result = await _runJson(cmd, [...base, "bench/vendor/codec.mjs", ...q]);
    for (
      const [key, name] of [
        ["decodeMarketDepth", "decode MarketDepth frame: protobufjs static"],
        ["encodeLoginRequest", "encode LoginRequest"],
        ["encodeHeartbeat", "encode Heartbeat"],
      ] as const
    ) {
      const value = result[key] ?? null;
      figures.push({
        name,
        stack: `${runtime} protobufjs (vendor)`,
        value,
        unit: "msg/s",
        samples: value === null ? [] : [value],
      });
    }
  } catch (error) {
    _log(`vendor codec on ${runtime} failed: ${String(error)}`);
  }
}

// 2. End to end: one flood sender, every stack once per round, the order reversed every other
// round, the machine's load average before each round.
const floodFile = join(mkdtempSync(join(tmpdir(), "t4flow-flood-")), "frames.bin");
const floodInfo = writeFloodFrames(floodFile);
const flood = await _startFlood(floodFile);
const url = `ws://127.0.0.1:${flood.port}/flood`;
const e2eName = `end to end: ${frames} MarketDepth frames (${floodInfo.count} distinct)`;
const cpuName = `end to end: CPU per frame (${floodInfo.count} distinct MarketDepth frames)`;
const noSweep = "--v8-flags=--no-concurrent-array-buffer-sweeping";
const e2eStacks: { stack: string; cmd: string; args: string[]; cpu: boolean }[] = [
  {
    stack: "flood sender capacity (raw TCP reader)",
    cmd: "node",
    args: ["bench/flood_server.mjs", "sink", String(flood.port), String(frames), floodFile],
    cpu: false,
  },
  {
    stack: VENDOR_STACK,
    cmd: "node",
    args: ["bench/vendor/client.mjs", url, String(frames)],
    cpu: true,
  },
];
for (const [runtime, [cmd, base]] of [["Deno", deno], ["Bun", bun]] as const) {
  const n = String(frames);
  for (const transport of ["websocket", "socket"] as const) {
    e2eStacks.push({
      stack: `${runtime} ${TRANSPORT_LABEL[transport]}, no decoding (transport ceiling)`,
      cmd,
      args: [...base, "bench/e2e_client.ts", "raw", url, n, transport],
      cpu: true,
    });
  }
  e2eStacks.push({
    stack: `${runtime} native WebSocket + generated decoders, no T4Client`,
    cmd,
    args: [...base, "bench/e2e_client.ts", "fast", url, n, "websocket"],
    cpu: true,
  });
  for (const transport of ["websocket", "socket"] as const) {
    e2eStacks.push({
      stack: `${runtime} T4Client (${TRANSPORT_LABEL[transport]})`,
      cmd,
      args: [...base, "bench/e2e_t4client.ts", url, n, transport],
      cpu: true,
    });
    if (runtime === "Deno") {
      e2eStacks.push({
        stack: `Deno T4Client (${TRANSPORT_LABEL[transport]}), ${noSweep}`,
        cmd,
        args: [...base, noSweep, "bench/e2e_t4client.ts", url, n, transport],
        cpu: true,
      });
    }
  }
}
try {
  for (let round = 0; round < rounds; round++) {
    loadBeforeRounds.push(loadavg()[0] ?? 0);
    _log(`end to end, round ${round + 1} of ${rounds} (load average ${loadavg()[0]?.toFixed(2)})`);
    const order = round % 2 === 0 ? e2eStacks : [...e2eStacks].reverse();
    for (const { stack, cmd, args, cpu } of order) {
      await _measureMany(cmd, args, [
        { name: e2eName, stack, unit: "frames/s", key: "framesPerSecond" },
        ...(cpu ? [{ name: cpuName, stack, unit: "µs/frame", key: "cpuMicrosPerFrame" }] : []),
      ], round);
    }
  }
  // 3. Memory of T4Client after the flood.
  const memFrames = quick ? 20_000 : 1_000_000;
  for (const [runtime, [cmd, base]] of [["Deno", deno], ["Bun", bun]] as const) {
    _log(`memory after ${memFrames} frames, ${runtime}`);
    await _measureMany(
      cmd,
      [
        ...(cmd === "deno" ? [...base, gcFlag] : base),
        "bench/e2e_t4client.ts",
        url,
        String(memFrames),
      ],
      [
        {
          name: `memory after ${memFrames} frames`,
          stack: `${runtime} T4Client, heap used`,
          unit: "MiB",
          key: "heapUsedMiB",
        },
        {
          name: `memory after ${memFrames} frames`,
          stack: `${runtime} T4Client, RSS`,
          unit: "MiB",
          key: "rssMiB",
        },
      ],
    );
  }
} finally {
  flood.stop();
}

// 4. Reconnect (in-process simulator, abrupt TCP drop), backoff excluded.
for (const [runtime, [cmd, base]] of [["Deno", deno], ["Bun", bun]] as const) {
  _log(`reconnect, ${runtime}`);
  await _measureMany(cmd, [...base, "bench/reconnect.ts", ...q], [
    {
      name: "reconnect: drop to logged in + re-subscribed",
      stack: `${runtime} T4Client`,
      unit: "ms",
      key: "reloginMs",
    },
    {
      name: "reconnect: drop to first depth frame again",
      stack: `${runtime} T4Client`,
      unit: "ms",
      key: "firstDepthMs",
    },
  ]);
}

// 5. Memory over heartbeat cycles on a fast clock (latency-bound, little CPU: both runtimes at once).
const cycles = quick ? 500 : 100_000;
_log(`memory over ${cycles} heartbeat cycles (Deno and Bun in parallel)`);
await Promise.all(
  ([["Deno", deno], ["Bun", bun]] as const).map(([runtime, [cmd, base]]) =>
    _measureMany(
      cmd,
      [...(cmd === "deno" ? [...base, gcFlag] : base), "bench/heartbeat_memory.ts", ...q],
      [
        {
          name: `memory over ${cycles} heartbeat cycles`,
          stack: `${runtime} T4Client, heap used before`,
          unit: "MiB",
          key: "heapUsedBeforeMiB",
        },
        {
          name: `memory over ${cycles} heartbeat cycles`,
          stack: `${runtime} T4Client, heap used after`,
          unit: "MiB",
          key: "heapUsedAfterMiB",
        },
        {
          name: `memory over ${cycles} heartbeat cycles`,
          stack: `${runtime} T4Client, RSS before`,
          unit: "MiB",
          key: "rssBeforeMiB",
        },
        {
          name: `memory over ${cycles} heartbeat cycles`,
          stack: `${runtime} T4Client, RSS after`,
          unit: "MiB",
          key: "rssAfterMiB",
        },
        {
          name: `memory over ${cycles} heartbeat cycles`,
          stack: `${runtime} T4Client, heartbeats received`,
          unit: "count",
          key: "heartbeatsReceived",
        },
      ],
    )
  ),
);

// 6. Cold start: --help, a login-and-exit run and `import { T4Client }`, next to a hello world of
// the same runtime, interleaved.
_log("cold start");
const coldName = "cold start, wall time";
const COLD_COMMANDS = {
  hello: "hello world",
  help: "t4flow --help",
  run: "t4flow run (login and exit)",
  import: 'import { T4Client } from "./mod.ts"',
} as const;
const COLD_RUNTIMES = {
  deno: "deno run",
  bun: "bun",
  binary: "compiled binary (bun build --compile)",
} as const;
const coldRatios: Record<string, { median: number; min: number; max: number } | null> = {};
try {
  const cold = await _runJson(deno[0], [...deno[1], "bench/cold_start.ts", ...q]) as unknown as {
    samples: Record<string, number[]>;
    errors: Record<string, string>;
  };
  for (const [runtime, runtimeLabel] of Object.entries(COLD_RUNTIMES)) {
    for (const [command, commandLabel] of Object.entries(COLD_COMMANDS)) {
      const key = `${runtime} ${command}`;
      const samples = cold.samples[key] ?? [];
      const error = cold.errors[key];
      if (samples.length === 0 && error === undefined) continue; // not measured for this runtime
      figures.push({
        name: coldName,
        stack: `${runtimeLabel}: ${commandLabel}`,
        value: _median(samples),
        unit: "ms",
        samples,
        ...(error !== undefined && { error }),
      });
      // The ratio to the hello world of the same round, then the median and spread of those.
      const hello = cold.samples[`${runtime} hello`] ?? [];
      if (command !== "hello" && samples.length > 0 && hello.length === samples.length) {
        const perRound = samples.map((ms, i) => ms / hello[i]!);
        coldRatios[`${runtime} ${command}`] = {
          median: _median(samples)! / _median(hello)!,
          min: Math.min(...perRound),
          max: Math.max(...perRound),
        };
      }
    }
  }
} catch (error) {
  _log(`cold start failed: ${String(error)}`);
}

// Results: ratios of medians, with the spread of the same ratio round by round.
const figure = (name: string, stack: string) =>
  figures.find((f) => f.name === name && f.stack === stack);
const versus = (stack: string, base: string, name = e2eName) => {
  const a = figure(name, stack);
  const b = figure(name, base);
  if (a?.value == null || b?.value == null || b.value <= 0) return null;
  const perRound = (a.roundSamples ?? []).flatMap((v, i) => {
    const w = b.roundSamples?.[i];
    return v === undefined || w === undefined || w <= 0 ? [] : [v / w];
  });
  return {
    median: a.value / b.value,
    min: perRound.length ? Math.min(...perRound) : a.value / b.value,
    max: perRound.length ? Math.max(...perRound) : a.value / b.value,
  };
};
const summary: BenchResults["summary"] = {
  "Deno T4Client (native WebSocket) vs vendor": versus(
    "Deno T4Client (native WebSocket)",
    VENDOR_STACK,
  ),
  "Deno T4Client (transport: socket) vs vendor": versus(
    "Deno T4Client (transport: socket)",
    VENDOR_STACK,
  ),
  [`Deno T4Client (native WebSocket), ${noSweep}, vs vendor`]: versus(
    `Deno T4Client (native WebSocket), ${noSweep}`,
    VENDOR_STACK,
  ),
  [`Deno T4Client (transport: socket), ${noSweep}, vs vendor`]: versus(
    `Deno T4Client (transport: socket), ${noSweep}`,
    VENDOR_STACK,
  ),
  "Deno native WebSocket ceiling (no decoding) vs vendor": versus(
    "Deno native WebSocket, no decoding (transport ceiling)",
    VENDOR_STACK,
  ),
  "Deno socket transport ceiling (no decoding) vs vendor": versus(
    "Deno transport: socket, no decoding (transport ceiling)",
    VENDOR_STACK,
  ),
  "Bun T4Client (native WebSocket) vs vendor": versus(
    "Bun T4Client (native WebSocket)",
    VENDOR_STACK,
  ),
  "Bun T4Client (transport: socket) vs vendor": versus(
    "Bun T4Client (transport: socket)",
    VENDOR_STACK,
  ),
  "Bun T4Client: socket transport vs native WebSocket": versus(
    "Bun T4Client (transport: socket)",
    "Bun T4Client (native WebSocket)",
  ),
  "Deno T4Client: socket transport vs native WebSocket": versus(
    "Deno T4Client (transport: socket)",
    "Deno T4Client (native WebSocket)",
  ),
  "Deno generated decoders vs fromBinary (MarketDepth frame, codec)": (() => {
    const a = figure("decode MarketDepth frame: decodeServerFrame (generated)", "Deno t4flow");
    const b = figure("decode MarketDepth frame: fromBinary", "Deno t4flow");
    return a?.value != null && b?.value
      ? { median: a.value / b.value, min: a.value / b.value, max: a.value / b.value }
      : null;
  })(),
};
for (const [key, ratio] of Object.entries(coldRatios)) {
  const [runtime = "", command = ""] = key.split(" ");
  summary[
    `cold start ${COLD_RUNTIMES[runtime as keyof typeof COLD_RUNTIMES]}: ${
      COLD_COMMANDS[command as keyof typeof COLD_COMMANDS]
    } vs hello world`
  ] = ratio;
}
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  platform: `${process.platform} ${process.arch}`,
  deno: _version("deno", ["--version"]),
  bun: _version("bun", ["--version"]),
  node: _version("node", ["--version"]),
};
const results: BenchResults = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  frames,
  distinctFrames: floodInfo.count,
  rounds,
  machine,
  load: { atStart: loadAtStart, beforeRounds: loadBeforeRounds, atEnd: loadavg() },
  summary,
  figures,
  notMeasured: figures.filter((f) => f.value === null).map((f) =>
    `${f.name} / ${f.stack}: ${f.error ?? "failed"}`
  ),
};

const base = quick ? "results-quick" : "results";
writeFileSync(`${root}bench/${base}.json`, JSON.stringify(results, null, 2) + "\n");
const markdown = renderResults(results);
writeFileSync(`${root}bench/${base}.md`, markdown);
spawnSync("deno", ["fmt", "--quiet", `${root}bench/${base}.md`], { stdio: "inherit" });
console.log(markdown);
process.exit(0);
