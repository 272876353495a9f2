/**
 * Monitors: run a workflow on a schedule (`every`, `cron`, skipping the weekly maintenance
 * window) with alert state across runs (thresholds, reminders, resolved notices) kept in a file;
 * and its Prometheus metrics (`createMetricsRegistry`, `serveMetrics`, `pushRunMetrics`).
 *
 * @example Parse a schedule
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEvery } from "./mod.ts";
 *
 * assert.deepEqual(parseEvery("5m"), { kind: "every", everyMs: 300_000, text: "5m" });
 * ```
 *
 * @module
 */

export * from "./alert_state.ts";
export * from "./state_store.ts";
export * from "./schedule.ts";
export * from "./scheduler.ts";
export * from "./run_monitor.ts";
export * from "./monitor_output.ts";
export * from "./workflow_monitor.ts";
export * from "./metrics_registry.ts";
export * from "./metrics_server.ts";
export * from "./pushgateway.ts";
