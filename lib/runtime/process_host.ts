/**
 * The few things a command-line entry point needs from its process before it knows the command:
 * the arguments, writing to standard output and error, the exit code. On Deno this uses `Deno.*`
 * directly, because the first use of `node:process` (or of the `process` global) starts Deno's
 * Node compatibility layer, which costs more than the rest of `t4flow --help`. On Bun it writes
 * through `Bun.stdout`/`Bun.stderr` (the first `process.stdout.write` builds a Node stream: 11 ms,
 * twice a hello world); on Node it uses `process`.
 *
 * @module
 */

/** The process of a command-line entry point. */
export interface ProcessHost {
  /** The arguments after the program (and script) name. */
  readonly args: readonly string[];

  /**
   * Writes to standard output; a closed standard output (`t4flow --help | head -1`) drops the
   * text instead of throwing.
   */
  writeOut(text: string): void;
  /** Writes to standard error; a closed standard error drops the text. */
  writeErr(text: string): void;
  /** The code the process exits with once nothing is left to do. */
  exitCode: number;
  /**
   * Ends the process with the current exit code after `ms` unless it ended before: a socket whose
   * peer never answers a close must not keep a finished command alive. The timer itself does not
   * keep the process alive.
   */
  exitAfter(ms: number): void;
}

interface _DenoLike {
  args: string[];
  stdout: { writeSync(bytes: Uint8Array): number };
  stderr: { writeSync(bytes: Uint8Array): number };
  exitCode: number;
  exit(code?: number): never;
  unrefTimer(id: number): void;
}

interface _ProcessLike {
  argv: string[];
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  exitCode: number | string | undefined;
  exit(code?: number): never;
}

const _encoder = new TextEncoder();

function _denoHost(deno: _DenoLike): ProcessHost {
  const writer = (stream: { writeSync(bytes: Uint8Array): number }) => {
    let closed = false;
    return (text: string) => {
      if (closed) return;
      let bytes = _encoder.encode(text);
      try {
        while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
      } catch {
        closed = true; // EPIPE: the reader went away; the command goes on.
      }
    };
  };
  return {
    args: deno.args,
    writeOut: writer(deno.stdout),
    writeErr: writer(deno.stderr),
    get exitCode() {
      return deno.exitCode;
    },
    set exitCode(code: number) {
      deno.exitCode = code;
    },
    exitAfter(ms) {
      deno.unrefTimer(setTimeout(() => deno.exit(), ms) as unknown as number);
    },
  };
}

function _nodeHost(process: _ProcessLike): ProcessHost {
  // `process.stdout` is a getter that builds a stream on first use (11 ms on Bun): only on write.
  const writer = (stream: () => { write(text: string): unknown }) => (text: string) => {
    try {
      stream().write(text);
    } catch {
      // A closed stream: the text is dropped.
    }
  };
  return {
    args: process.argv.slice(2),
    writeOut: writer(() => process.stdout),
    writeErr: writer(() => process.stderr),
    get exitCode() {
      return Number(process.exitCode ?? 0);
    },
    set exitCode(code: number) {
      process.exitCode = code;
    },
    exitAfter(ms) {
      const timer = setTimeout(() => process.exit(), ms) as unknown as { unref?(): void };
      timer.unref?.();
    },
  };
}

interface _BunLike {
  stdout: _BunFile;
  stderr: _BunFile;
}

interface _BunFile {
  writer(): { write(text: string): unknown; flush(): unknown };
}

function _bunHost(bun: _BunLike, process: _ProcessLike): ProcessHost {
  const writer = (file: _BunFile) => {
    let sink: ReturnType<_BunFile["writer"]> | undefined;
    return (text: string) => {
      try {
        sink ??= file.writer();
        sink.write(text);
        sink.flush();
      } catch {
        // A closed stream: the text is dropped.
      }
    };
  };
  const host = _nodeHost(process);
  host.writeOut = writer(bun.stdout);
  host.writeErr = writer(bun.stderr);
  return host;
}

let _host: ProcessHost | undefined;

/**
 * The current process, on Deno, Bun or Node.
 *
 * @returns The process host (one per process).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processHost } from "./process_host.ts";
 *
 * const host = processHost();
 * assert.ok(Array.isArray(host.args));
 * assert.equal(typeof host.exitCode, "number");
 * ```
 */
export function processHost(): ProcessHost {
  if (_host !== undefined) return _host;
  // Not `globalThis.process` on Deno: the global is a getter that starts Node compatibility.
  const global = globalThis as unknown as {
    Deno?: _DenoLike;
    Bun?: _BunLike;
    process: _ProcessLike;
  };
  const deno = global.Deno;
  const bun = global.Bun;
  _host = deno !== undefined
    ? _denoHost(deno)
    : bun !== undefined
    ? _bunHost(bun, global.process)
    : _nodeHost(global.process);
  return _host;
}
