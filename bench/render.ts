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
  /** The value of each end-to-end round, by round index (for ratios within a round). */
  roundSamples?: number[];
  /** Why it failed, if it did. */
  error?: string;
}

/** A ratio: of the medians, and its smallest and largest value over the rounds. */
export interface Ratio {
  /** Ratio of the medians. */
  median: number;
  /** Smallest per-round ratio. */
  min: number;
  /** Largest per-round ratio. */
  max: number;
}

/** The stack every end-to-end figure is compared with. */
export const VENDOR_STACK = "Node ws + protobufjs static (vendor)";

/** Everything one bench run writes to `bench/results.json`. */
export interface BenchResults {
  /** When the run ended (ISO 8601). */
  date: string;
  /** `full` or `quick`. */
  mode: string;
  /** Depth frames per end-to-end flood. */
  frames: number;
  /** Distinct frames the flood cycles through. */
  distinctFrames: number;
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
  /** The machine's load averages (1, 5, 15 minutes) at the start and end, and 1-minute before
   * each end-to-end round. */
  load: { atStart: number[]; beforeRounds: number[]; atEnd: number[] };
  /** Ratios of medians, with the min and max of the same ratio round by round (`null` when an
   * input failed). */
  summary: Record<string, Ratio | null>;
  /** Every figure. */
  figures: Figure[];
  /** Figures that failed, with the reason. */
  notMeasured: string[];
}

function _fmt(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined) return "failed";
  if (unit === "MiB") return v.toFixed(1);
  if (unit === "ms") return v.toFixed(v < 10 ? 2 : 0);
  if (unit === "µs/frame") return v.toFixed(2);
  if (unit === "count") return String(v);
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${Math.round(v / 1e3)} k`;
}

function _spread(f: Figure): string {
  if (f.samples.length < 2) return "";
  return `${_fmt(Math.min(...f.samples), f.unit)} – ${_fmt(Math.max(...f.samples), f.unit)}`;
}

/** Goals of issue 17, by summary key prefix. */
const _GOALS: [RegExp, string][] = [
  [/T4Client \(transport: socket\) vs vendor/, "goal ≥ 1.3x"],
  [/--help vs hello/, "goal ≤ 2x"],
  [/run \(login and exit\) vs hello/, "goal ≤ 4x"],
  [/import \{ T4Client \}.* vs hello/, "goal ≤ 2x"],
];

/**
 * Renders results as Markdown: the machine and its load, one table row per figure (median and
 * min–max over the rounds), the ratios with their spread.
 *
 * @param results The results.
 * @returns The Markdown text.
 */
export function renderResults(results: BenchResults): string {
  const { machine, summary, load } = results;
  const loads = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
  const ratio = (r: Ratio | null) =>
    r === null
      ? "n/a"
      : `**${r.median.toFixed(2)}x**${
        r.min !== r.max ? ` (rounds: ${r.min.toFixed(2)}–${r.max.toFixed(2)}x)` : ""
      }`;
  const lines = [
    `Measured ${results.date} (${results.mode} mode: ${results.frames} frames per flood cycling ` +
    `through ${results.distinctFrames} distinct MarketDepth frames, ${results.rounds} alternating ` +
    `rounds, median and min–max) on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} ` +
    `GiB, ${machine.platform}; ${machine.deno}, bun ${machine.bun}, node ${machine.node}.`,
    "",
    `Load average (1 / 5 / 15 min): ${loads(load.atStart)} at the start, ${
      loads(load.atEnd)
    } at the end; 1-minute load before each end-to-end round: ${loads(load.beforeRounds)}. ` +
    `With ${machine.cpus} CPUs, a load above ${machine.cpus} means the measured processes ` +
    `waited for a CPU: compare rows of the same run, and read the min–max columns.`,
    "",
    "| measurement | stack | median | min – max | unit |",
    "| --- | --- | ---: | ---: | --- |",
    ...results.figures.map((f) =>
      `| ${f.name} | ${f.stack} | ${_fmt(f.value, f.unit)} | ${_spread(f)} | ${f.unit} |`
    ),
    "",
    "Ratios (of the medians; in brackets the same ratio taken within each round, lowest and " +
    "highest):",
    "",
    ...Object.entries(summary).map(([key, r]) => {
      const goal = _GOALS.find(([pattern]) => pattern.test(key))?.[1];
      return `- ${key}: ${ratio(r)}${goal ? ` (${goal})` : ""}`;
    }),
    ...(results.notMeasured.length === 0
      ? []
      : ["", "Failed in this run:", "", ...results.notMeasured.map((m) => `- ${m}`)]),
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
