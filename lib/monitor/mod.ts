/**
 * Monitors: run one workflow or many (`t4flow monitor`) on a schedule (`every`, `cron`,
 * skipping the weekly maintenance window) with alert state across runs (thresholds, reminders,
 * resolved notices), a run history in SQLite, a status page with an HTTP API, and Prometheus
 * metrics (`createMetricsRegistry`, `serveMetrics`, `pushRunMetrics`).
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
export * from "./workflow_schedule.ts";
export * from "./run_store.ts";
export * from "./sqlite_run_store.ts";
export * from "./run_limiter.ts";
export * from "./monitor_status.ts";
export * from "./monitor_fleet.ts";
export * from "./status_badge.ts";
export * from "./status_page.ts";
export * from "./status_server.ts";
