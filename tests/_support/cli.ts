/**
 * Helpers for end-to-end CLI tests: run `cli.ts` as a subprocess under the runtime running the
 * tests, and a listening socket that counts connections (to prove nothing was sent).
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import process from "node:process";

/** What a finished CLI subprocess left behind. */
export interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode runCli}. */
export interface RunCliOptions {
  /** Kill the process and fail after this long. Default 60 s. */
  timeoutMs?: number;
  /** Called with every stdout chunk as it arrives. */
  onStdout?: (text: string) => void;
  /** Called with every stderr chunk as it arrives. */
  onStderr?: (text: string) => void;
  /** Receives a function that sends a signal to the process. */
  spawned?: (kill: (signal: NodeJS.Signals) => void) => void;
  /**
   * Closes the read end of the process's stdout once this returns `true` for the stdout so far
   * (as `| head -3` does); later writes of the process fail with EPIPE.
   */
  closeStdoutWhen?: (stdout: string) => boolean;
  /** Closes the read end of the process's stdout before the process starts writing. */
  closeStdoutAtOnce?: boolean;
}

/** Runs `cli.ts` as a subprocess (`deno run -A cli.ts ...` or `bun cli.ts ...`). */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: RunCliOptions = {},
): Promise<CliResult> {
  const bun = /bun[^/\\]*$/i.test(process.execPath);
  const argv = bun ? ["cli.ts", ...args] : ["run", "-A", "--quiet", "cli.ts", ...args];
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  if (options.closeStdoutAtOnce) child.stdout.destroy();
  child.stdout.on("data", (chunk: Uint8Array) => {
    const text = new TextDecoder().decode(chunk);
    stdout += text;
    options.onStdout?.(text);
    if (options.closeStdoutWhen?.(stdout)) child.stdout.destroy();
  });
  child.stderr.on("data", (chunk: Uint8Array) => {
    const text = new TextDecoder().decode(chunk);
    stderr += text;
    options.onStderr?.(text);
  });
  // process.kill, not child.kill: Deno ignores child.kill once the child counts as killed, so a
  // second signal would never arrive.
  options.spawned?.((signal) => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, signal);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`t4flow ${args.join(" ")} did not exit in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A listening socket on 127.0.0.1 that counts and drops every connection. */
export interface ConnectionCounter {
  /** The port it listens on. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly count: number;
  /** Stops listening. */
  close(): void;
}

/** Starts a {@linkcode ConnectionCounter} on a free port. */
export async function countConnections(): Promise<ConnectionCounter> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get count() {
      return count;
    },
    close: () => void server.close(),
  };
}
