/**
 * What the CLI touches outside itself: standard streams, environment, signals. The default uses
 * `node:process`, which Deno and Bun both implement; tests pass their own.
 *
 * @module
 */

import process from "node:process";

/** The CLI's view of the outside world. */
export interface CliIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** `true` when standard output is a terminal (human output with live progress). */
  readonly isTTY: boolean;
  /** Environment variables for `${NAME}`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Calls `handler` on Ctrl-C / SIGTERM.
   *
   * @param handler Receives the signal name.
   * @returns A function that removes the handler.
   */
  onInterrupt(handler: (signal: string) => void): () => void;
  /**
   * Ends the process at once with `code` (a second Ctrl-C / SIGTERM). Absent in tests that
   * capture the I/O: the CLI then only stops waiting.
   */
  exit?(code: number): void;
}

/**
 * The process's streams, environment and signals.
 *
 * @returns The I/O of the current process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processIo } from "./cli_io.ts";
 *
 * assert.equal(typeof processIo().isTTY, "boolean");
 * ```
 */
export function processIo(): CliIo {
  return {
    stdout: _guardedWriter(process.stdout, "standard output"),
    stderr: _guardedWriter(process.stderr, "standard error"),
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    onInterrupt(handler) {
      const signals = process.platform === "win32" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
      const listeners = signals.map((signal) => {
        const listener = () => handler(signal);
        process.on(signal, listener);
        return [signal, listener] as const;
      });
      return () => {
        for (const [signal, listener] of listeners) process.off(signal, listener);
      };
    },
    exit: (code) => process.exit(code),
  };
}

interface _Writable {
  write(text: string): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
}

const _guarded = new WeakMap<_Writable, (text: string) => void>();

/**
 * A writer for a standard stream that a closed reader cannot crash: `t4flow run ... | head -3`
 * closes the pipe, the write fails with EPIPE (an `error` event), and from then on output to that
 * stream is dropped while the run goes on (clean-up, report, alerts, exit code). Standard error
 * gets one line saying so when standard output closed.
 */
function _guardedWriter(stream: _Writable, name: string): (text: string) => void {
  const existing = _guarded.get(stream);
  if (existing) return existing;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (stream !== process.stderr) {
      try {
        process.stderr.write(`t4flow: ${name} is closed: its output is dropped, the run goes on\n`);
      } catch {
        // Standard error is closed too.
      }
    }
  };
  stream.on("error", close);
  const write = (text: string) => {
    if (closed) return;
    try {
      stream.write(text);
    } catch {
      close();
    }
  };
  _guarded.set(stream, write);
  return write;
}
