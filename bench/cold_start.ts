/**
 * Cold start: wall time of `t4flow run` of a login-and-exit workflow against the embedded
 * simulator (started here, in this process), with `deno run`, `bun` and the single binary
 * (`bun build --compile`, as `.ci/smoke_binary.sh` builds it), next to a hello world of the same
 * runtime. Prints medians in milliseconds as JSON; a command that fails is reported as an error.
 *
 * Usage: `deno run -A bench/cold_start.ts [--quick]`
 *
 * @module
 */

import process from "node:process";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_API_KEY, startSimulator } from "../lib/sim/cli.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

function _median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median wall time of `runs` runs; async, so that the simulator in this process keeps serving. */
async function _time(cmd: string, args: string[], runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(cmd, args, {
          cwd: root,
          stdio: ["ignore", "ignore", "pipe"],
          env: { ...process.env, T4_API_KEY: DEMO_API_KEY },
        });
        let stderr = "";
        child.stderr.on("data", (d: Uint8Array) => (stderr += new TextDecoder().decode(d)));
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        child.on("error", reject);
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      },
    );
    const ms = performance.now() - start;
    if (code !== 0) {
      throw new Error(
        `Cannot time '${cmd} ${args.join(" ")}': exit code ${code}; ${
          stderr.trim().split("\n").slice(-2).join(" | ")
        }`,
      );
    }
    times.push(ms);
  }
  return _median(times);
}

/**
 * Measures the cold starts.
 *
 * @param runs Runs per command.
 * @returns Median wall times in ms, and errors by key for commands that failed.
 */
export async function runColdStart(runs: number): Promise<Record<string, number | string>> {
  const work = mkdtempSync(join(tmpdir(), "t4flow-bench-"));
  await using sim = await startSimulator({ seed: 1 });
  const workflow = join(work, "login.yaml");
  writeFileSync(
    workflow,
    [
      "version: 1",
      "name: bench-login",
      "connection:",
      `  url: ${sim.url}`,
      "  auth:",
      "    api_key: ${T4_API_KEY}",
      "steps:",
      "  - login",
      "",
    ].join("\n"),
  );
  const result: Record<string, number | string> = {};
  const attempt = async (key: string, fn: () => Promise<number>) => {
    try {
      result[key] = await fn();
    } catch (error) {
      result[`${key}Error`] = error instanceof Error ? error.message : String(error);
    }
  };
  const binary = join(work, "t4flow");
  const hello = join(work, "hello");
  await attempt(
    "compileBinaryMs",
    () => _time("bun", ["build", "--compile", "cli.ts", "--outfile", binary], 1),
  );
  await attempt(
    "compileHelloMs",
    () => _time("bun", ["build", "--compile", "bench/hello.ts", "--outfile", hello], 1),
  );
  await attempt("denoHelloMs", () => _time("deno", ["run", "--quiet", "bench/hello.ts"], runs));
  attempt(
    "denoRunMs",
    () => _time("deno", ["run", "-A", "--quiet", "cli.ts", "run", workflow], runs),
  );
  await attempt("bunHelloMs", () => _time("bun", ["bench/hello.ts"], runs));
  await attempt("bunRunMs", () => _time("bun", ["cli.ts", "run", workflow], runs));
  await attempt("binaryHelloMs", () => _time(hello, [], runs));
  await attempt("binaryRunMs", () => _time(binary, ["run", workflow], runs));
  rmSync(work, { recursive: true, force: true });
  return result;
}

if (import.meta.main) {
  console.log(JSON.stringify(await runColdStart(process.argv.includes("--quick") ? 1 : 5)));
  process.exit(0);
}
