/**
 * The connection lifecycle of a `T4Client` as one stream of typed events (see
 * `T4Client.status()`). Every event carries `at`, the clock time in milliseconds, and is plain
 * JSON-safe data: no BigInt, no protobuf object, no secret, so `JSON.stringify` always works.
 *
 * @module
 */

import type { FrameErrorKind } from "../protocol/frame_error.ts";
import type { LoginResult } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { LoginResultName } from "../protocol/login_result.ts";
import type { Session } from "./session.ts";

/**
 * Why a connection ended:
 * - `closed`: the server closed the WebSocket (see `code`),
 * - `error`: the socket failed (could not connect, network error),
 * - `dead_peer`: nothing was received for `missedHeartbeats` intervals, so the client dropped it,
 * - `login_timeout`: no `LoginResponse` arrived in time,
 * - `maintenance`: the connection dropped inside the weekly maintenance window,
 * - `client`: `close()` was called or the signal aborted.
 */
export type DisconnectReason =
  | "closed"
  | "error"
  | "dead_peer"
  | "login_timeout"
  | "maintenance"
  | "client";

/** One lifecycle event of a `T4Client`. */
export type StatusEvent =
  /** A WebSocket connection is being opened; `attempt` is 0 for the first connection. */
  | { type: "connecting"; at: number; url: string; attempt: number }
  /** Logged in: the session is usable. */
  | { type: "connected"; at: number; url: string; session: Session }
  /** The server refused the login; `fatal` results are never retried automatically. */
  | {
    type: "login_failed";
    at: number;
    result: LoginResultName;
    code: LoginResult;
    errorMessage: string;
    fatal: boolean;
  }
  /** The connection ended. `code` is the WebSocket close code when there was one. */
  | { type: "disconnected"; at: number; reason: DisconnectReason; code?: number; detail: string }
  /** A reconnect is scheduled after `delayMs`; `attempt` counts from 1. */
  | { type: "reconnecting"; at: number; attempt: number; delayMs: number }
  /** Logged in again after a drop, and every active subscription was replayed. */
  | { type: "reconnected"; at: number; attempt: number; session: Session; resubscribed: number }
  /** The client sent a heartbeat (`timestamp` as on the wire, UTC milliseconds). */
  | { type: "heartbeat_sent"; at: number; timestamp: number }
  /** The server sent a heartbeat. */
  | { type: "heartbeat_received"; at: number; timestamp: number }
  /**
   * Nothing was received for at least `silentMs` (1.5 heartbeat intervals, then one more per
   * report; checked every quarter interval, so the silence may be up to that much longer).
   */
  | { type: "stale"; at: number; silentMs: number }
  /** Inside the weekly maintenance window: reconnecting waits until `until`. */
  | { type: "maintenance"; at: number; until: number }
  /** A frame could not be decoded and was skipped; the session goes on. */
  | { type: "frame_error"; at: number; kind: FrameErrorKind; size: number; message: string }
  /**
   * A subscription replayed after a reconnect was refused by the server and is forgotten
   * (`marketId` for markets, `accountId` for accounts; `reason` is the server's).
   */
  | {
    type: "subscription_rejected";
    at: number;
    kind: "market_depth" | "market_by_order" | "account";
    marketId?: string;
    accountId?: string;
    reason: string;
  }
  /**
   * A `status()` reader fell behind: `count` events (the oldest, from `at` on) were dropped.
   * Only streams get it, right before the next event.
   */
  | { type: "events_dropped"; at: number; count: number }
  /**
   * The client is closed for good and will not reconnect. `result` is the login result that
   * ended it (e.g. `LOGGED_IN_ELSEWHERE` when another login took the session over).
   */
  | { type: "closed"; at: number; reason: string; result?: LoginResultName };

/** The `type` of every {@linkcode StatusEvent}. */
export type StatusEventType = StatusEvent["type"];

/** Every status event type, in lifecycle order. */
export const STATUS_EVENT_TYPES: readonly StatusEventType[] = [
  "connecting",
  "connected",
  "login_failed",
  "disconnected",
  "reconnecting",
  "reconnected",
  "heartbeat_sent",
  "heartbeat_received",
  "stale",
  "maintenance",
  "frame_error",
  "subscription_rejected",
  "events_dropped",
  "closed",
];
