/**
 * Prints run events: one line per step with status and duration (live progress on a terminal),
 * or JSON lines with `--json`.
 *
 * @module
 */

import { formatDuration } from "../workflow/duration.ts";
import type { RunEvent } from "../workflow/run_report.ts";
import type { CliIo } from "./cli_io.ts";

/**
 * Creates the event printer of `t4flow run`.
 *
 * @param io Where to print.
 * @param json Print JSON lines instead of human text.
 * @returns A function that prints one event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runEventPrinter } from "./run_output.ts";
 *
 * const out: string[] = [];
 * const print = runEventPrinter({ stdout: (t) => out.push(t), stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} }, false);
 * print({ type: "step_finished", at: "", index: 0, kind: "login", name: "login", status: "succeeded", duration_ms: 12, detail: "session s-1" });
 * assert.equal(out.join(""), "  ✓ login  12 ms  session s-1\n");
 * ```
 */
export function runEventPrinter(io: CliIo, json: boolean): (event: RunEvent) => void {
  if (json) return (event) => io.stdout(`${JSON.stringify(event)}\n`);
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) io.stdout("\r\x1b[2K");
    progressShown = false;
  };
  return (event) => {
    switch (event.type) {
      case "run_started":
        io.stdout(`▶ ${event.workflow} → ${event.target}\n`);
        break;
      case "step_started":
        if (io.isTTY) {
          io.stdout(`  … ${event.name}`);
          progressShown = true;
        }
        break;
      case "step_progress":
        if (!io.isTTY) break;
        clearProgress();
        io.stdout(
          `  … ${event.name}  ${formatDuration(event.elapsed_ms)} / ${
            formatDuration(event.total_ms)
          }` +
            `  heartbeats ${event.counts.heartbeats_sent} sent, ${event.counts.heartbeats_received} received` +
            `  reconnects ${event.counts.reconnects}`,
        );
        progressShown = true;
        break;
      case "step_finished": {
        clearProgress();
        const mark = event.status === "succeeded" ? "✓" : event.status === "skipped" ? "-" : "✗";
        const tail = event.error
          ? `  ${event.error.message}`
          : event.detail
          ? `  ${event.detail}`
          : "";
        io.stdout(
          `  ${mark} ${event.name}  ${formatDuration(event.duration_ms)}${
            event.status === "interrupted" ? "  interrupted" : ""
          }${tail}\n`,
        );
        break;
      }
      case "status": {
        const e = event.event;
        let line: string | undefined;
        if (e.type === "disconnected" && e.reason !== "client") {
          line = `disconnected (${String(e.reason)}): ${String(e.detail)}`;
        } else if (e.type === "reconnected") line = `reconnected (attempt ${String(e.attempt)})`;
        else if (e.type === "reconnecting") {
          line = `reconnecting in ${formatDuration(Number(e.delayMs))} (attempt ${
            String(e.attempt)
          })`;
        } else if (e.type === "login_failed") {
          line = `login refused: ${String(e.result)}${
            e.errorMessage ? ` (${String(e.errorMessage)})` : ""
          }`;
        } else if (e.type === "frame_error") {
          line = `frame error (${String(e.kind)}): ${String(e.message)}`;
        } else if (e.type === "maintenance") {
          line = `maintenance window until ${new Date(Number(e.until)).toISOString()}`;
        }
        if (line) {
          clearProgress();
          io.stdout(`  ! ${line}\n`);
        }
        break;
      }
      case "watch":
        clearProgress();
        io.stdout(`  ! watch ${event.name}: ${event.detail}\n`);
        break;
      case "alert":
        clearProgress();
        io.stdout(
          `  ⚑ alert (${event.on}) sent to ${
            event.sinks.map((s) => s.ok ? s.sink : `${s.sink} (failed: ${s.error})`).join(", ")
          }\n`,
        );
        break;
      case "run_finished": {
        clearProgress();
        const c = event.counts;
        const mark = event.status === "succeeded" ? "✔" : "✘";
        io.stdout(
          `${mark} ${event.status} in ${
            formatDuration(event.duration_ms)
          } (exit ${event.exit_code})${event.reason ? `: ${event.reason}` : ""}` +
            ` · reconnects ${c.reconnects}${
              c.disconnects > 0
                ? ` · disconnects ${c.disconnects} (down ${formatDuration(c.downtime_ms ?? 0)})`
                : ""
            } · heartbeats ${c.heartbeats_sent} sent / ${c.heartbeats_received} received` +
            ` · frame errors ${c.frame_errors}\n`,
        );
        break;
      }
    }
  };
}
