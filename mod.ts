/**
 * t4flow: a client and workflow runtime for the T4 futures-trading WebSocket API (Plus500 Futures
 * Technologies, formerly CTS Futures), for Deno and Bun.
 *
 * - {@linkcode T4Client}: a session on the runtime's native `WebSocket` that stays alive: login by
 *   API key or firm/user/password/app/license, heartbeats, dead-peer detection, reconnect with full
 *   re-login and re-subscription, fatal login results never retried, credentials never logged;
 *   market data, account data and orders; lifecycle as one stream of typed status events.
 * - The wire layer: the generated `t4proto.v1` message types, a frame codec that never throws on
 *   untrusted input ({@linkcode decodeServerFrame}, {@linkcode FrameError}), login result names as
 *   the API page uses them ({@linkcode loginResultName}).
 * - Workflows: {@linkcode loadWorkflow} validates a YAML workflow with file:line:column errors and
 *   {@linkcode runWorkflow} runs it with alerts and a report; the monitor API adds schedules and
 *   alert state across runs.
 * - The embedded simulator lives in its own entry point, `@t4flow/t4flow/sim`.
 *
 * Run as the main module (`deno run mod.ts`, `bun mod.ts`, a compiled binary) this module is the
 * `t4flow` command line; importing it as a library does not load the CLI.
 *
 * @example Log in to the embedded simulator and watch the session's status
 * ```ts
 * import assert from "node:assert/strict";
 * import { T4Client } from "./mod.ts";
 * import { startSimulator } from "./lib/sim/mod.ts";
 *
 * await using sim = await startSimulator({ port: 0, seed: 1 });
 * const client = new T4Client({ url: sim.url, auth: { apiKey: "demo-api-key" } });
 * const types: string[] = [];
 * client.onStatus((event) => types.push(event.type));
 * const session = await client.connect();
 * assert.ok(session.sessionId.length > 0);
 * await client.close();
 * assert.deepEqual(types.slice(0, 2), ["connecting", "connected"]);
 * assert.equal(types.at(-1), "closed");
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
export * from "./lib/t4_client.ts";
export * from "./lib/order_tracker.ts";
export * from "./lib/subscription_registry.ts";
export * from "./lib/status_fanout.ts";
export * from "./lib/t4_endpoint.ts";
export * from "./lib/web_socket_like.ts";
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
  TEMPLATE_VARIABLES,
  WORKFLOW_VERSION,
  workflowJsonSchema,
} from "./lib/workflow/workflow_schema.ts";
export * from "./lib/workflow/load_workflow.ts";
export * from "./lib/workflow/alert_dispatcher.ts";
export * from "./lib/workflow/run_report.ts";
export {
  type CreateWorkflowClient,
  SessionEndedError,
  type WorkflowClient,
} from "./lib/workflow/step_runners.ts";
export type { WatchReport } from "./lib/workflow/message_hub.ts";
export * from "./lib/workflow/run_workflow.ts";
export * from "./lib/workflow/order_safety.ts";
export * from "./lib/workflow/order_frames.ts";
export { ExpectationError } from "./lib/workflow/market_step_runners.ts";
export * from "./lib/workflow/workflow_orders.ts";
export * from "./lib/workflow/dry_run.ts";
export * from "./lib/workflow/junit_report.ts";

// Types from @bufbuild/protobuf that the generated message types and the frame codec use in their
// public signatures, re-exported (types only) so that users can name them without importing
// @bufbuild/protobuf themselves.
export type { Message, MessageInitShape } from "@bufbuild/protobuf";
export type { GenEnum, GenFile, GenMessage } from "@bufbuild/protobuf/codegenv2";
export type { Timestamp } from "@bufbuild/protobuf/wkt";

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
