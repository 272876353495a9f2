/**
 * Renders benchmark results (`bench/results.json`) as the Markdown of `bench/results.md` and the
 * README's Performance section. `deno run -A bench/render.ts` re-renders `bench/results.md` from
 * `bench/results.json`.
 *
 * @module
 */

import process from "node:process";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One measured figure. */
export interface Figure {
  /** What was measured. */
  name: string;
  /** Runtime and stack. */
  stack: string;
  /** The median value, or `null` when the measurement failed. */
  value: number | null;
  /** Unit of `value`. */
  unit: string;
  /** Every round's value. */
  samples: number[];
  /** Why it failed, if it did. */
  error?: string;
}

/** Everything one bench run writes to `bench/results.json`. */
export interface BenchResults {
  /** When the run ended (ISO 8601). */
  date: string;
  /** `full` or `quick`. */
  mode: string;
  /** Depth frames per end-to-end flood. */
  frames: number;
  /** Interleaved rounds of the end-to-end measurements. */
  rounds: number;
  /** The machine and runtime versions. */
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    platform: string;
    deno: string;
    bun: string;
    node: string;
  };
  /** Ratios derived from the figures (`null` when an input failed). */
  summary: Record<string, number | null>;
  /** Every figure. */
  figures: Figure[];
  /** Figures that failed, with the reason. */
  notMeasured: string[];
}

function _fmt(v: number | null, unit: string): string {
  if (v === null) return "failed";
  if (unit === "MiB") return v.toFixed(1);
  if (unit === "ms") return v.toFixed(v < 10 ? 2 : 0);
  if (unit === "count") return String(v);
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${Math.round(v / 1e3)} k`;
}

/**
 * Renders results as Markdown: a sentence on the machine, one table row per figure, the ratios.
 *
 * @param results The results.
 * @returns The Markdown text.
 */
export function renderResults(results: BenchResults): string {
  const { machine, summary } = results;
  const x = (v: number | null | undefined) => (v == null ? "n/a" : `${v.toFixed(2)}x`);
  const pct = (v: number | null | undefined) => (v == null ? "n/a" : `${(v * 100).toFixed(1)} %`);
  const lines = [
    `Measured ${results.date} (${results.mode} mode, ${results.frames} frames per flood, median of ` +
    `${results.rounds} interleaved rounds) on ${machine.cpus} × ${machine.cpuModel}, ` +
    `${machine.memoryGiB} GiB, ${machine.platform}; ${machine.deno}, bun ${machine.bun}, node ` +
    `${machine.node}. Other engineers' processes shared the 2 CPUs, so absolute figures move ` +
    `between runs; compare rows of the same run.`,
    "",
    "| measurement | stack | median | unit |",
    "| --- | --- | ---: | --- |",
    ...results.figures.map((f) =>
      `| ${f.name} | ${f.stack} | ${_fmt(f.value, f.unit)} | ${f.unit} |`
    ),
    "",
    `- Deno T4Client vs the vendor stack (Node + ws + protobufjs static code): ` +
    `**${x(summary.denoT4ClientVsVendor)}** (goal ≥ 1.3x); bare Deno loop with the generated ` +
    `decoders: ${x(summary.denoFastVsVendor)}; bare Deno loop with fromBinary: ` +
    `${x(summary.denoFromBinaryVsVendor)}.`,
    `- T4Client overhead over the bare Deno loop with the same decoder: ` +
    `${pct(summary.denoT4ClientOverhead)} (goal < 10 %; negative means within noise).`,
    `- Bun T4Client vs the vendor stack: ${x(summary.bunT4ClientVsVendor)}.`,
    `- Generated decoders vs fromBinary on the MarketDepth frame, Deno: ` +
    `${x(summary.denoDecodeSpeedup)}.`,
    ...(results.notMeasured.length === 0
      ? []
      : ["- Failed in this run:", ...results.notMeasured.map((m) => `  - ${m}`)]),
    "",
  ];
  return lines.join("\n");
}

if (import.meta.main) {
  const dir = fileURLToPath(new URL(".", import.meta.url));
  const results = JSON.parse(readFileSync(`${dir}results.json`, "utf8")) as BenchResults;
  writeFileSync(`${dir}results.md`, renderResults(results));
  spawnSync("deno", ["fmt", "--quiet", `${dir}results.md`], { stdio: "inherit" });
  process.exit(0);
}
