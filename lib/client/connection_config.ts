/**
 * What a `ClientConnection` needs (its configuration) and what it tells its owner (its port).
 *
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import type { Backoff } from "./backoff.ts";
import type { Credentials } from "./credentials.ts";
import type { MaintenanceWindow } from "./maintenance_window.ts";
import type { StatusFanout } from "./status_fanout.ts";
import type { LoginConflictPolicy, T4ClientStats } from "./t4_client_types.ts";
import type { WebSocketConstructor } from "./web_socket_like.ts";
import type { LoginResponse } from "../protocol/gen/t4/v1/auth/auth_pb.ts";

/** What the connection tells its owner. */
export interface ConnectionPort {
  /**
   * A frame arrived on the current socket.
   *
   * @param data The frame data.
   */
  frame(data: unknown): void;
  /**
   * Logged in (again): replay subscriptions now, before `connected` is emitted.
   *
   * @param response The successful login response.
   * @param reconnect Whether this is a re-login after a drop.
   * @returns How many subscriptions were replayed.
   */
  loggedIn(response: LoginResponse, reconnect: boolean): number;
  /**
   * The connection dropped: requests waiting for answers will never get them.
   *
   * @param detail What happened.
   */
  dropped(detail: string): void;
  /** The client closed for good. */
  closed(): void;
}

/** Everything the connection needs. */
export interface ConnectionConfig {
  /** The URL to open. */
  url: string;
  /** The URL to show. */
  displayUrl: string;
  /** The credentials. */
  credentials: Credentials;
  /** The clock. */
  clock: Clock;
  /** The WebSocket constructor. */
  WebSocket: WebSocketConstructor;
  /** The reconnect backoff, or `undefined` to close instead. */
  backoff: Backoff | undefined;
  /** The maintenance window, or `undefined`. */
  maintenance: MaintenanceWindow | undefined;
  /** Login timeout in milliseconds. */
  loginTimeoutMs: number;
  /** Heartbeat interval in milliseconds. */
  heartbeatMs: number;
  /** Silent intervals before the peer counts as dead. */
  missedHeartbeats: number;
  /** What a login conflict does. */
  loginConflict: LoginConflictPolicy;
  /** Where status events go. */
  status: StatusFanout;
  /** The live counters. */
  stats: T4ClientStats;
}
