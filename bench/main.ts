/**
 * The benchmark suite: `deno task bench` (or `bun bench/main.ts`), `--quick` for CI (seconds, no
 * thresholds). Every measurement runs in its own child process, side by side in one run:
 *
 * 1. codec: t4flow (`fromBinary` vs generated decoders; encode `LoginRequest`, `Heartbeat`) on
 *    Deno and Bun, and the vendor's protobufjs static code on Node (and on Deno and Bun);
 * 2. end-to-end market data against one local flood sender (`bench/flood_server.mjs`, whose own
 *    capacity is measured too): a bare native `WebSocket` loop without decoding (the transport
 *    limit), with `fromBinary`, with the generated decoders, `T4Client` with a `marketDepth`
 *    handler, and the vendor's stack (Node + `ws` + protobufjs static code);
 * 3. `T4Client` memory after a flood of 1M frames;
 * 4. reconnect time after an abrupt drop (embedded simulator), backoff excluded;
 * 5. memory over 100k heartbeat cycles on a fast clock (embedded simulator, `FakeClock`);
 * 6. cold start of `t4flow run` (login and exit) with `deno run`, `bun` and the compiled binary,
 *    next to a hello world of each.
 *
 * Medians of interleaved rounds. Writes `bench/results.json` and `bench/results.md` (with
 * `--quick`: `bench/results-quick.*`, not committed, so CI never overwrites the full results).
 *
 * The vendor stack is installed from `bench/vendor/package.json` + lock (`npm ci`) and its static
 * code is generated from `proto/` with `pbjs -t static-module` at bench time.
 *
 * @module
 */

import process from "node:process";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { type BenchResults, type Figure, renderResults } from "./render.ts";

const quick = process.argv.includes("--quick");
const root = fileURLToPath(new URL("..", import.meta.url));
const vendor = fileURLToPath(new URL("./vendor/", import.meta.url));
const frames = quick ? 20_000 : 500_000;
const rounds = quick ? 1 : 3;
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

async function _startFlood(): Promise<{ port: number; stop: () => void }> {
  const child = spawn("node", ["bench/flood_server.mjs"], {
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

async function _measure(
  name: string,
  stack: string,
  unit: string,
  cmd: string,
  args: string[],
  key: string,
): Promise<void> {
  await _measureMany(cmd, args, [{ name, stack, unit, key }]);
}

/** Runs one child and records several of the figures it prints. */
async function _measureMany(
  cmd: string,
  args: string[],
  wanted: { name: string; stack: string; unit: string; key: string }[],
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

// 2. End to end.
const flood = await _startFlood();
const url = `ws://127.0.0.1:${flood.port}/flood`;
const e2eName = `end to end: ${frames} MarketDepth frames`;
try {
  for (let round = 0; round < rounds; round++) {
    _log(`end to end, round ${round + 1} of ${rounds}`);
    await _measure(
      e2eName,
      "flood sender capacity (raw TCP reader)",
      "frames/s",
      "node",
      ["bench/flood_server.mjs", "sink", String(flood.port), String(frames)],
      "framesPerSecond",
    );
    await _measure(
      e2eName,
      "Node ws + protobufjs static (vendor)",
      "frames/s",
      "node",
      ["bench/vendor/client.mjs", url, String(frames)],
      "framesPerSecond",
    );
    for (const [runtime, [cmd, base]] of [["Deno", deno], ["Bun", bun]] as const) {
      for (const mode of ["raw", "fromBinary", "fast"] as const) {
        const label = mode === "raw"
          ? "bare WebSocket, no decoding"
          : mode === "fromBinary"
          ? "bare WebSocket + fromBinary"
          : "bare WebSocket + decodeServerFrame (generated)";
        await _measure(
          e2eName,
          `${runtime} ${label}`,
          "frames/s",
          cmd,
          [...base, "bench/e2e_client.ts", mode, url, String(frames)],
          "framesPerSecond",
        );
      }
      await _measure(
        e2eName,
        `${runtime} T4Client`,
        "frames/s",
        cmd,
        [...base, "bench/e2e_t4client.ts", url, String(frames)],
        "framesPerSecond",
      );
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

// 6. Cold start of `t4flow run` (login and exit) against the embedded simulator.
_log("cold start");
try {
  const cold = await _runJson(deno[0], [...deno[1], "bench/cold_start.ts", ...q]) as Record<
    string,
    number | string
  >;
  for (
    const [key, stack] of [
      ["denoHelloMs", "deno run: hello world"],
      ["denoRunMs", "deno run: t4flow run (login and exit)"],
      ["bunHelloMs", "bun: hello world"],
      ["bunRunMs", "bun: t4flow run (login and exit)"],
      ["binaryHelloMs", "compiled binary (bun build --compile): hello world"],
      ["binaryRunMs", "compiled binary (bun build --compile): t4flow run (login and exit)"],
    ] as const
  ) {
    const v = cold[key];
    const error = cold[`${key}Error`] ?? cold["compileBinaryMsError"];
    figures.push({
      name: "cold start, wall time",
      stack,
      value: typeof v === "number" ? v : null,
      unit: "ms",
      samples: typeof v === "number" ? [v] : [],
      ...(typeof v !== "number" && { error: String(error ?? "not measured") }),
    });
  }
} catch (error) {
  _log(`cold start failed: ${String(error)}`);
}

// Results.
const value = (name: string, stack: string) =>
  figures.find((f) => f.name === name && f.stack === stack)?.value ?? null;
const ratio = (
  a: number | null,
  b: number | null,
) => (a !== null && b !== null && b > 0 ? a / b : null);
const vendorRate = value(e2eName, "Node ws + protobufjs static (vendor)");
const summary = {
  denoT4ClientVsVendor: ratio(value(e2eName, "Deno T4Client"), vendorRate),
  denoFastVsVendor: ratio(
    value(e2eName, "Deno bare WebSocket + decodeServerFrame (generated)"),
    vendorRate,
  ),
  denoFromBinaryVsVendor: ratio(value(e2eName, "Deno bare WebSocket + fromBinary"), vendorRate),
  denoT4ClientOverhead: (() => {
    const r = ratio(
      value(e2eName, "Deno T4Client"),
      value(e2eName, "Deno bare WebSocket + decodeServerFrame (generated)"),
    );
    return r === null ? null : 1 - r;
  })(),
  bunT4ClientVsVendor: ratio(value(e2eName, "Bun T4Client"), vendorRate),
  denoDecodeSpeedup: ratio(
    value("decode MarketDepth frame: decodeServerFrame (generated)", "Deno t4flow"),
    value("decode MarketDepth frame: fromBinary", "Deno t4flow"),
  ),
};
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
  rounds,
  machine,
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
