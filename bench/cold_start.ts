/**
 * Cold start, as ratios to the runtime's hello world in the same sitting: `t4flow --help`, a
 * login-and-exit `t4flow run` (against the embedded simulator, started here, in this process) and
 * `import { T4Client } from "./mod.ts"`, with `deno run`, `bun` and the single binary
 * (`bun build --compile`, as `.ci/smoke_binary.sh` builds it). The commands run interleaved, one
 * of each per round, so that a busy moment of the machine hits all of them alike.
 *
 * Prints `{"samples": {KEY: [ms, ...]}, "errors": {KEY: message}}` as JSON; keys are
 * `<runtime> <command>` with runtime `deno`, `bun`, `binary` and command `hello`, `help`, `run`,
 * `import`.
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
import { DEMO_API_KEY, startSimulator } from "../lib/sim/mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Wall time of one run; async, so that the simulator in this process keeps serving. */
async function _timeOnce(cmd: string, args: string[]): Promise<number> {
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
  return ms;
}

async function _build(entry: string, outfile: string): Promise<void> {
  // As scripts/compile.ts and .ci/smoke_binary.sh build the binary (the hello world too).
  await _timeOnce("bun", [
    "build",
    "--compile",
    "--bytecode",
    "--format=esm",
    "--splitting",
    entry,
    "--outfile",
    outfile,
  ]);
}

/**
 * Measures the cold starts.
 *
 * @param runs Rounds (one run of every command each).
 * @returns Wall times in ms by command, and errors by command for those that failed.
 */
export async function runColdStart(
  runs: number,
): Promise<{ samples: Record<string, number[]>; errors: Record<string, string> }> {
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
  const errors: Record<string, string> = {};
  const binary = join(work, "t4flow");
  const hello = join(work, "hello");
  const commands: [string, string, string[]][] = [
    ["deno hello", "deno", ["run", "-A", "--quiet", "bench/hello.ts"]],
    ["deno help", "deno", ["run", "-A", "--quiet", "cli.ts", "--help"]],
    ["deno run", "deno", ["run", "-A", "--quiet", "cli.ts", "run", workflow]],
    ["deno import", "deno", ["run", "-A", "--quiet", "bench/import_t4client.ts"]],
    ["bun hello", "bun", ["bench/hello.ts"]],
    ["bun help", "bun", ["cli.ts", "--help"]],
    ["bun run", "bun", ["cli.ts", "run", workflow]],
    ["bun import", "bun", ["bench/import_t4client.ts"]],
  ];
  try {
    await _build("cli.ts", binary);
    await _build("bench/hello.ts", hello);
    commands.push(
      ["binary hello", hello, []],
      ["binary help", binary, ["--help"]],
      ["binary run", binary, ["run", workflow]],
    );
  } catch (error) {
    for (const key of ["binary hello", "binary help", "binary run"]) {
      errors[key] = error instanceof Error ? error.message : String(error);
    }
  }
  const samples: Record<string, number[]> = {};
  // One warm-up run each (the module cache, not the measured start), then interleaved rounds.
  for (let round = -1; round < runs; round++) {
    for (const [key, cmd, args] of commands) {
      if (key in errors) continue;
      try {
        const ms = await _timeOnce(cmd, args);
        if (round >= 0) (samples[key] ??= []).push(ms);
      } catch (error) {
        errors[key] = error instanceof Error ? error.message : String(error);
      }
    }
  }
  rmSync(work, { recursive: true, force: true });
  return { samples, errors };
}

if (import.meta.main) {
  console.log(JSON.stringify(await runColdStart(process.argv.includes("--quick") ? 2 : 11)));
  process.exit(0);
}
