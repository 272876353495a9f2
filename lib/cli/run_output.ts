/**
 * Prints run events: one line per step with status and duration (live progress and colours on a
 * terminal), or JSON lines with `--json`. Text from the server, the environment or variables is
 * printed with its control characters escaped, so it cannot move the cursor or fake a line.
 *
 * @module
 */

import { formatDuration } from "../workflow/duration.ts";
import type { RunEvent } from "../workflow/run_report.ts";
import { escapeControl } from "../workflow/safe_text.ts";
import { cliColors } from "./cli_colors.ts";
import type { CliIo } from "./cli_io.ts";
import { formatMetricsSummary } from "./metrics_summary.ts";

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
  const c = cliColors(io);
  const safe = escapeControl;
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) io.stdout("\r\x1b[2K");
    progressShown = false;
  };
  return (event) => {
    switch (event.type) {
      case "run_started":
        io.stdout(`▶ ${safe(event.workflow)} → ${safe(event.target)}\n`);
        break;
      case "step_started":
        if (io.isTTY) {
          io.stdout(`  … ${safe(event.name)}`);
          progressShown = true;
        }
        break;
      case "step_progress":
        if (!io.isTTY) break;
        clearProgress();
        io.stdout(
          `  … ${safe(event.name)}  ${formatDuration(event.elapsed_ms)} / ${
            formatDuration(event.total_ms)
          }` +
            `  heartbeats ${event.counts.heartbeats_sent} sent, ${event.counts.heartbeats_received} received` +
            `  reconnects ${event.counts.reconnects}`,
        );
        progressShown = true;
        break;
      case "step_finished": {
        clearProgress();
        const mark = event.status === "succeeded"
          ? c.green("✓")
          : event.status === "skipped"
          ? c.dim("-")
          : c.red("✗");
        const tail = event.error
          ? `  ${c.red(safe(event.error.message))}`
          : event.detail
          ? `  ${safe(event.detail)}`
          : "";
        io.stdout(
          `  ${mark} ${safe(event.name)}  ${c.dim(formatDuration(event.duration_ms))}${
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
          io.stdout(`  ${c.yellow("!")} ${safe(line)}\n`);
        }
        break;
      }
      case "watch":
        clearProgress();
        io.stdout(`  ${c.yellow("!")} ${safe(`watch ${event.name}: ${event.detail}`)}\n`);
        break;
      case "alert":
        clearProgress();
        io.stdout(
          `  ${c.yellow("⚑")} ${
            safe(
              `alert (${event.on}) sent to ${
                event.sinks.map((s) => s.ok ? s.sink : `${s.sink} (failed: ${s.error})`).join(", ")
              }`,
            )
          }\n`,
        );
        break;
      case "run_finished": {
        clearProgress();
        if (event.metrics) io.stdout(formatMetricsSummary(event.metrics));
        const n = event.counts;
        const ok = event.status === "succeeded";
        const paint = ok ? c.green : c.red;
        io.stdout(
          `${paint(c.bold(`${ok ? "✔" : "✘"} ${event.status}`))} in ${
            formatDuration(event.duration_ms)
          } (exit ${event.exit_code})${event.reason ? `: ${safe(event.reason)}` : ""}` +
            c.dim(
              ` · reconnects ${n.reconnects}${
                n.disconnects > 0
                  ? ` · disconnects ${n.disconnects} (down ${formatDuration(n.downtime_ms ?? 0)})`
                  : ""
              } · heartbeats ${n.heartbeats_sent} sent / ${n.heartbeats_received} received` +
                ` · frame errors ${n.frame_errors}`,
            ) + "\n",
        );
        break;
      }
    }
  };
}
