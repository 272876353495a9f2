/**
 * Drives `cli.ts` interactively: through a pipe on stdin, or through a pseudo-terminal made by
 * `script` (util-linux), waiting for output instead of sleeping.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import process from "node:process";

/** A running CLI whose output can be awaited. */
export interface InteractiveCli {
  /** Writes to its standard input (the terminal, with `pty`). */
  write(text: string): void;
  /** Ends its standard input. */
  end(): void;
  /** Resolves once the output (stdout, or the terminal) matches, or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Standard output so far (the terminal's output, with `pty`). */
  readonly stdout: string;
  /** Standard error so far (empty with `pty`: the terminal carries both). */
  readonly stderr: string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Kills it. */
  kill(): void;
}

function _argv(args: readonly string[]): string[] {
  const bun = /bun[^/\\]*$/i.test(process.execPath);
  return bun ? ["cli.ts", ...args] : ["run", "-A", "--quiet", "cli.ts", ...args];
}

function _quote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts `cli.ts` with piped standard streams, or on a pseudo-terminal (`pty: true`, through
 * `script -qfec`, so standard input and output are both a terminal).
 */
export function startCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { pty?: boolean } = {},
): InteractiveCli {
  const child: ChildProcessWithoutNullStreams = options.pty
    ? spawn(
      "script",
      ["-qfec", [process.execPath, ..._argv(args)].map(_quote).join(" "), "/dev/null"],
      { env: { ...process.env, NO_COLOR: "1", TERM: "xterm", ...env } },
    )
    : spawn(process.execPath, _argv(args), { env: { ...process.env, NO_COLOR: "1", ...env } });
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.pattern.test(stdout)) waiters.splice(i, 1)[0]!.resolve();
    }
  };
  child.stdout.on("data", (chunk: Uint8Array) => {
    stdout += new TextDecoder().decode(chunk);
    check();
  });
  child.stderr.on("data", (chunk: Uint8Array) => (stderr += new TextDecoder().decode(chunk)));
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => resolve(code))
  );
  return {
    write: (text) => void child.stdin.write(text),
    end: () => void child.stdin.end(),
    waitFor(pattern, timeoutMs = 60_000) {
      if (pattern.test(stdout)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`no ${pattern} in the output within ${timeoutMs} ms:\n${stdout}\n${stderr}`),
          );
        }, timeoutMs);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    kill: () => void child.kill("SIGKILL"),
  };
}
