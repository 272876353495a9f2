/**
 * The end-of-run summary of `t4flow run` (human output), k6 style: one dotted line per measured
 * number, then one line per threshold with ✓ or ✗.
 *
 * @module
 */

import type { LatencySummary } from "../client/latency_histogram.ts";
import { formatDuration } from "../workflow/duration.ts";
import type { RunMetrics } from "../workflow/run_report.ts";
import { describeThresholdResult } from "../workflow/thresholds.ts";

const _WIDTH = 22;

/**
 * Formats a run's measured numbers and thresholds. Series without a value (no order sent, no
 * quote) are left out.
 *
 * @param metrics The report's `metrics`.
 * @returns The lines, each ending in a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMetricsSummary } from "./metrics_summary.ts";
 * import { SessionMetrics } from "../client/session_metrics.ts";
 *
 * const text = formatMetricsSummary({
 *   session: new SessionMetrics().snapshot(),
 *   thresholds: [{ metric: "reconnects", expression: "count < 1", status: "passed", actual: 0 }],
 * });
 * assert.match(text, /^  reconnects \.+: 0$/m);
 * assert.match(text, /^  ✓ reconnects count = 0, expected count < 1$/m);
 * ```
 */
export function formatMetricsSummary(metrics: RunMetrics): string {
  const s = metrics.session;
  const lines: string[] = [];
  const line = (name: string, value: string) =>
    lines.push(`  ${name} ${".".repeat(Math.max(3, _WIDTH - name.length))}: ${value}`);
  const ms = (value: number) => formatDuration(value);
  const trend = (h: LatencySummary, noun: string) =>
    h.count === 1
      ? ms(h.max)
      : `p50 ${ms(h.p50)}  p95 ${ms(h.p95)}  max ${ms(h.max)}  (${h.count} ${noun})`;

  if (s.login_time.count > 0) line("login_time", trend(s.login_time, "logins"));
  for (const [subscription, value] of Object.entries(s.first_message_ms)) {
    line("first_message", `${subscription.replace(":", " ")}  ${ms(value)}`);
  }
  for (const [market, q] of Object.entries(s.quotes)) {
    line(
      "quote_gap",
      q.gap.count === 0
        ? `${market}  (${q.count} quote)`
        : `${market}  p50 ${ms(q.gap.p50)}  p95 ${ms(q.gap.p95)}  max ${
          ms(q.gap.max)
        }  (${q.count} quotes)`,
    );
  }
  if (s.order_round_trip.count > 0) {
    const o = s.order_round_trip;
    line("order_round_trip", `p50 ${ms(o.p50)}  p95 ${ms(o.p95)}  (${o.count} requests)`);
  }
  line("heartbeats", `${s.heartbeats_sent} sent, ${s.heartbeats_received} received`);
  line("reconnects", String(s.reconnects));
  line("disconnected_time", ms(s.disconnected_ms));
  for (const t of metrics.thresholds) {
    const mark = t.status === "passed" ? "✓" : t.status === "crossed" ? "✗" : "-";
    lines.push(`  ${mark} ${describeThresholdResult(t)}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}
