/**
 * Faults the simulator can inject: transport faults on connections (drop TCP, half-open, stop
 * reading), bad frames (garbage, text, truncated, oversized), slow replies, floods, and
 * server-wide refusal and maintenance.
 *
 * @module
 */

/**
 * One fault. Connection faults apply to the targeted connections (all open ones by default)
 * `afterMs` after injection; server faults (`refuse`, `maintenance`, `resume`) apply to the
 * whole server.
 *
 * - `drop`: drop the TCP connection without a close frame.
 * - `silence`: go half-open: no frame in either direction, the socket stays open.
 * - `stop_reading`: stop reading from the socket (the client's frames pile up).
 * - `garbage`: send one binary frame of random bytes (`bytes`, default 32) that is no valid
 *   `ServerMessage`.
 * - `text`: send a text frame.
 * - `truncated`: send a `MarketDepth` frame cut in the middle of a field.
 * - `oversized`: send a binary frame of `bytes` (default 16 MiB + 1).
 * - `delay`: delay every later frame to the connection by `ms` (0 ends the delay).
 * - `flood`: send `frames` `MarketDepth` frames as fast as the client drains them.
 * - `refuse`: answer new connections with HTTP 503 for `durationMs` (default: until `resume`).
 * - `maintenance`: close every connection (code 1012) and refuse new ones for `durationMs`
 *   (default: until `resume`).
 * - `resume`: end `refuse` and `maintenance`.
 */
export type SimFault =
  | { kind: "drop"; afterMs?: number }
  | { kind: "silence"; afterMs?: number }
  | { kind: "stop_reading"; afterMs?: number }
  | { kind: "garbage"; afterMs?: number; bytes?: number }
  | { kind: "text"; afterMs?: number; text?: string }
  | { kind: "truncated"; afterMs?: number }
  | { kind: "oversized"; afterMs?: number; bytes?: number }
  | { kind: "delay"; ms: number }
  | { kind: "flood"; frames: number; marketId?: string }
  | { kind: "refuse"; durationMs?: number }
  | { kind: "maintenance"; durationMs?: number }
  | { kind: "resume" };

/** The kind of a fault. */
export type SimFaultKind = SimFault["kind"];

/**
 * A fault in `startSimulator({ faults })` or a config file. Connection faults apply to each
 * connection once it has logged in (`afterMs` counts from the login), to the first `times`
 * connections only when given; server faults run `atMs` after start.
 */
export type SimFaultSchedule = SimFault & {
  /** For server faults: when to run, in ms after start (default 0). */
  atMs?: number;
  /** For connection faults: how many connections get it (default: every one). */
  times?: number;
};

/** The fault kinds that act on the whole server rather than on connections. */
export const SERVER_FAULT_KINDS: ReadonlySet<SimFaultKind> = new Set([
  "refuse",
  "maintenance",
  "resume",
]);
