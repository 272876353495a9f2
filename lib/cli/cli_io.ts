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
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
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
  };
}
