/**
 * t4flow: a client and workflow runtime for the T4 futures-trading WebSocket API (Plus500 Futures
 * Technologies, formerly CTS Futures), for Deno and Bun.
 *
 * This module exports the wire protocol layer: the generated `t4proto.v1` message types, a frame
 * codec that never throws on untrusted input, and the login result names used by the API page.
 *
 * @example Encode a login and decode the server's answer
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   decodeServerFrame,
 *   encodeClientMessage,
 *   encodeServerMessage,
 *   FrameError,
 *   LoginResult,
 *   loginResultName,
 * } from "./mod.ts";
 *
 * const login = encodeClientMessage({ payload: { case: "loginRequest", value: { apiKey: "k" } } });
 * assert.ok(login.byteLength > 0);
 *
 * const reply = decodeServerFrame(encodeServerMessage({
 *   payload: { case: "loginResponse", value: { result: LoginResult.LOCKED_OUT } },
 * }));
 * assert.ok(!(reply instanceof FrameError) && reply.payload.case === "loginResponse");
 * assert.equal(loginResultName(reply.payload.value.result), "LOCKED_OUT");
 * ```
 *
 * @module
 */

export * from "./lib/frame_codec.ts";
export * from "./lib/frame_error.ts";
export * from "./lib/login_result.ts";
export * from "./lib/proto.ts";
export * from "./lib/clock.ts";
export * from "./lib/session.ts";
export * from "./lib/status_event.ts";
export * from "./lib/maintenance_window.ts";
export * from "./lib/backoff.ts";
export * from "./lib/heartbeat_monitor.ts";
export * from "./lib/errors.ts";
export * from "./lib/credentials.ts";
export * from "./lib/logger.ts";
export * from "./lib/t4_client.ts";
export * from "./lib/monitor/alert_state.ts";
export * from "./lib/monitor/state_store.ts";
export * from "./lib/monitor/schedule.ts";
export * from "./lib/monitor/scheduler.ts";
export * from "./lib/monitor/run_monitor.ts";
export * from "./lib/monitor/monitor_output.ts";
export * from "./lib/monitor/workflow_monitor.ts";
export * from "./lib/workflow/duration.ts";
export * from "./lib/workflow/did_you_mean.ts";
export * from "./lib/workflow/env_file.ts";
export * from "./lib/workflow/workflow_diagnostic.ts";
export {
  ALERT_EVENTS,
  ALERT_ON_NAMES,
  type AlertEventName,
  STEP_ARGUMENT_SCHEMAS,
  type StepKindSchema,
  TEMPLATE_VARIABLES,
  WORKFLOW_VERSION,
  workflowJsonSchema,
} from "./lib/workflow/workflow_schema.ts";
export * from "./lib/workflow/load_workflow.ts";
export * from "./lib/workflow/alert_dispatcher.ts";
export * from "./lib/workflow/run_report.ts";
export * from "./lib/workflow/step_runners.ts";
export * from "./lib/workflow/run_workflow.ts";
export * from "./lib/workflow/cel_diagnostic.ts";
export * from "./lib/workflow/cel_payload.ts";
export * from "./lib/workflow/cel_checker.ts";
export * from "./lib/workflow/cel_value.ts";
export * from "./lib/workflow/cel_expression.ts";
export * from "./lib/workflow/order_safety.ts";
export * from "./lib/workflow/step_schemas.ts";
export * from "./lib/workflow/message_hub.ts";
export * from "./lib/workflow/order_frames.ts";
export * from "./lib/workflow/market_step_runners.ts";
export * from "./lib/workflow/workflow_orders.ts";
export * from "./lib/workflow/dry_run.ts";
export * from "./lib/workflow/junit_report.ts";

// The CLI (`deno run mod.ts ...`, `bun mod.ts ...`, compiled binaries), loaded only when this
// module is the main module: importing mod.ts as a library never loads it.
if (import.meta.main) {
  const { default: process } = await import("node:process");
  const { setTimeout } = await import("node:timers");
  const { main } = await import("./lib/cli/main.ts");
  process.exitCode = await main(process.argv.slice(2));
  // Everything is closed and written by now: a socket whose peer never answers the close (a
  // half-open server) must not keep the process alive.
  setTimeout(() => process.exit(), 1_000).unref();
}
