/**
 * t4flow: a client and workflow runtime for the T4 futures-trading WebSocket API (Plus500 Futures
 * Technologies, formerly CTS Futures), for Deno and Bun.
 *
 * This entry point is the library a script needs, and stays light to import:
 *
 * - {@linkcode T4Client}: a session on the runtime's native `WebSocket` that stays alive (login by
 *   API key or firm/user/password/app/license, heartbeats, dead-peer detection, reconnect with full
 *   re-login and re-subscription, fatal login results never retried, credentials never shown),
 *   market data, account data and orders, with the lifecycle as one stream of typed status events.
 * - One error class per condition ({@linkcode LoginError}, {@linkcode ConnectionLostError}, ...).
 * - The frame codec ({@linkcode decodeServerFrame}, {@linkcode encodeClientMessage},
 *   {@linkcode FrameError}) and login result names ({@linkcode loginResultName}).
 * - Workflows, loaded on first use: {@linkcode loadWorkflow} and {@linkcode runWorkflow}.
 *
 * More in subpath entry points: `@t4flow/t4flow/protocol` (every generated `t4proto.v1` message
 * type), `@t4flow/t4flow/workflow` (the workflow engine), `@t4flow/t4flow/monitor` (schedules and
 * alert state), `@t4flow/t4flow/sim` (the embedded simulator), `@t4flow/t4flow/cli` (the command
 * line).
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

export {
  type AccountSubscription,
  type DrainOptions,
  type LoginConflictPolicy,
  type MarketRef,
  type MarketSubscription,
  type OrderBatchInit,
  type OrderPullInit,
  type OrderRequest,
  type OrderReviseInit,
  type OrderSubmitInit,
  type OrderUpdateMessage,
  type PayloadHandler,
  type RequestOptions,
  type ServerPayload,
  type ServerPayloadCase,
  type ServerPayloadValue,
  type StatusStreamOptions,
  T4Client,
  type T4ClientOptions,
  type T4ClientState,
  type T4ClientStats,
} from "./lib/client/t4_client.ts";
export * from "./lib/client/errors.ts";
export type {
  ApiKeyAuth,
  Auth,
  AuthToken,
  Credentials,
  PasswordAuth,
} from "./lib/client/credentials.ts";
export type { Session, SessionAccount, SessionExchange } from "./lib/client/session.ts";
export {
  type DisconnectReason,
  STATUS_EVENT_TYPES,
  type StatusEvent,
  type StatusEventType,
} from "./lib/client/status_event.ts";
export {
  type ObservableClient,
  SessionMetrics,
  type SessionMetricsOptions,
  type SessionMetricsSnapshot,
  type SessionSampleName,
  type SubscriptionMetricKind,
} from "./lib/client/session_metrics.ts";
export { LatencyHistogram, type LatencySummary } from "./lib/client/latency_histogram.ts";
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from "./lib/client/backoff.ts";
export {
  DEFAULT_MAINTENANCE_WINDOW,
  type MaintenanceWindow,
  type WeeklyTime,
} from "./lib/client/maintenance_window.ts";
export { type Endpoint, T4_ENDPOINTS } from "./lib/client/t4_endpoint.ts";
export type { WebSocketConstructor, WebSocketLike } from "./lib/client/web_socket_like.ts";
export type { Transport } from "./lib/client/transport.ts";
export { FrameRecorder, type FrameRecorderOptions } from "./lib/client/frame_recorder.ts";
export {
  parseRecording,
  type Recording,
  type RecordingClose,
  type RecordingConnect,
  type RecordingEntry,
  type RecordingError,
  RecordingFormatError,
  type RecordingFrame,
  type RecordingHeader,
  type RecordingOpen,
} from "./lib/client/recording_format.ts";
export {
  ReplayMismatchError,
  ReplaySource,
  type ReplaySourceOptions,
} from "./lib/client/replay_source.ts";
export { type Clock, FakeClock, systemClock, type TimerHandle } from "./lib/runtime/clock.ts";
export {
  type ClientMessageInit,
  type DecodeFrameOptions,
  decodeServerFrame,
  DEFAULT_MAX_FRAME_BYTES,
  encodeClientMessage,
  type FrameData,
} from "./lib/protocol/frame_codec.ts";
export { FrameError, type FrameErrorKind } from "./lib/protocol/frame_error.ts";
export {
  isFatalLoginResult,
  LOGIN_RESULT_NAME_LIST,
  type LoginResultName,
  loginResultName,
  parseLoginResultName,
} from "./lib/protocol/login_result.ts";
export {
  AccountSubscribeType,
  BuySell,
  DepthBuffer,
  DepthLevels,
  LoginResult,
  PriceType,
  TimeType,
} from "./lib/protocol/gen/t4/v1/enums_t4fast.ts";
export type { ClientMessage, ServerMessage } from "./lib/protocol/proto.ts";
export { loadWorkflow, runWorkflow } from "./lib/workflow/lazy.ts";
export type {
  LoadWorkflowOptions,
  RunEvent,
  RunReport,
  RunWorkflowOptions,
  Workflow,
} from "./lib/workflow/lazy.ts";

// Run as the main module (`deno run mod.ts`, `bun mod.ts`), this module is the `t4flow` command
// line, as `cli.ts` is; importing mod.ts as a library never loads it (nor, on Deno, its module
// graph: Deno loads the graph of a literal `import("./cli.ts")` with this module).
if (import.meta.main) await import("./cli.ts" + "");
