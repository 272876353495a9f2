/**
 * The `command:` alert sink: runs a program with the alert's JSON on standard input, in its own
 * process group, and kills the whole group (the program and everything it started) when it takes
 * too long, so a hung notifier never leaves processes behind.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";

/** An alert command that failed, exited with a non-zero code or took too long. */
export class AlertCommandError extends Error {
  /** Always `"AlertCommandError"`. */
  override readonly name = "AlertCommandError";
}

/**
 * Runs an alert command and waits for it.
 *
 * @param command A shell command line (string) or a program and its arguments (array).
 * @param input The text written to its standard input (the alert JSON).
 * @param timeoutMs How long it may run; then its whole process group is killed.
 * @returns A promise that resolves when it exited with code 0.
 * @throws {AlertCommandError} When it cannot start, exits with another code or times out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runAlertCommand } from "./alert_command.ts";
 *
 * await runAlertCommand(["sh", "-c", "cat > /dev/null"], '{"text":"hi"}', 5_000);
 * await assert.rejects(runAlertCommand("exit 4", "", 5_000), /exited with 4/);
 * ```
 */
export function runAlertCommand(
  command: string | readonly string[],
  input: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = typeof command === "string" ? [command] : command;
    const group = process.platform !== "win32";
    const child = spawn(program ?? "", args, {
      shell: typeof command === "string",
      stdio: ["pipe", "ignore", "pipe"],
      // Its own process group: a timeout kills the command and everything it started.
      detached: group,
    });
    if (group && child.pid !== undefined) _track(child.pid);
    let stderr = "";
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => {
      _killGroup(child.pid, group, () => child.kill("SIGKILL"));
      if (child.pid !== undefined) _running.delete(child.pid);
      child.stderr?.destroy();
      settle(
        new AlertCommandError(
          `Cannot run the alert command as it took longer than ${timeoutMs} ms: its process group was killed`,
        ),
      );
    }, timeoutMs);
    child.stderr?.on("data", (chunk: Uint8Array) => {
      stderr = (stderr + new TextDecoder().decode(chunk)).slice(-300);
    });
    child.on("error", (error) => {
      settle(new AlertCommandError(`Cannot run the alert command: ${error.message}`));
    });
    child.on("close", (code) => {
      if (child.pid !== undefined) _running.delete(child.pid);
      if (code === 0) return settle();
      settle(
        new AlertCommandError(
          `Cannot deliver the alert as the command exited with ${code}${
            stderr.trim() ? `: ${stderr.trim()}` : ""
          }`,
        ),
      );
    });
    child.stdin?.on("error", () => {});
    child.stdin?.end(input);
  });
}

/** Process groups of alert commands still running; killed when the process exits. */
const _running = new Set<number>();
let _exitHook = false;

function _track(pid: number): void {
  _running.add(pid);
  if (_exitHook) return;
  _exitHook = true;
  // A second Ctrl-C / SIGTERM exits at once: take the commands' groups along, no orphans.
  process.on("exit", () => {
    for (const running of _running) _killGroup(running, true, () => {});
  });
}

function _killGroup(pid: number | undefined, group: boolean, fallback: () => void): void {
  if (pid === undefined) return;
  try {
    if (group) process.kill(-pid, "SIGKILL");
    else fallback();
  } catch {
    fallback();
  }
}
