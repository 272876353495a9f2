/**
 * `ClientConnection`: the connection lifecycle of a `T4Client`: open the socket, log in, keep
 * heartbeats, detect a dead peer, reconnect with backoff (waiting out maintenance), end the
 * session for good on a fatal login or a login conflict, and close leaving nothing behind. It
 * knows nothing of orders or subscriptions: its owner hears about logins, drops and the close
 * through a four-method port.
 *
 * @module
 */

import type { TimerHandle } from "../runtime/clock.ts";
import { t4flowLogger } from "../runtime/logger.ts";
import { redactSecrets } from "./credentials.ts";
import {
  ClientClosedError,
  ConnectionError,
  LoginError,
  LoginTimeoutError,
  NotConnectedError,
} from "./errors.ts";
import { HeartbeatMonitor } from "./heartbeat_monitor.ts";
import { ReconnectPlan } from "./reconnect_plan.ts";
import { type Session, sessionFromLoginResponse } from "./session.ts";
import type { DisconnectReason, StatusEvent } from "./status_event.ts";
import type { T4ClientState } from "./t4_client_types.ts";
import type { ConnectionConfig, ConnectionPort } from "./connection_config.ts";
import { abandonSocket, openSocket, type WebSocketLike } from "./web_socket_like.ts";
import { clientFrame } from "./client_frame.ts";
import type { LoginResponse } from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import { LoginResult } from "../protocol/gen/t4/v1/enums_t4fast.ts";
import type { LoginResultName } from "../protocol/login_result.ts";

const _log = t4flowLogger("client");
const _ELSEWHERE = /logged in (elsewhere|on another)/i;

/**
 * One client's connection lifecycle (see the module doc). Every status event is emitted after
 * the state it reports is in place, and every step re-checks the connection generation after
 * emitting, so a listener may call `close()` at any point and nothing is left behind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientConnection } from "./client_connection.ts";
 * import { Credentials } from "./credentials.ts";
 * import { StatusFanout } from "./status_fanout.ts";
 * import { FakeClock } from "../runtime/clock.ts";
 *
 * const connection = new ClientConnection({
 *   url: "ws://127.0.0.1:1/v1", displayUrl: "ws://127.0.0.1:1/v1",
 *   credentials: new Credentials({ apiKey: "k" }), clock: new FakeClock(0),
 *   WebSocket: class { constructor() { throw new Error("offline"); } } as never,
 *   backoff: undefined, maintenance: undefined, loginTimeoutMs: 1000, heartbeatMs: 1000,
 *   missedHeartbeats: 3, loginConflict: "stop", status: new StatusFanout({ error() {} }),
 *   stats: { reconnects: 0, heartbeatsSent: 0, heartbeatsReceived: 0, frameErrors: 0, framesReceived: 0 },
 * }, { frame() {}, loggedIn: () => 0, dropped() {}, closed() {} });
 * await assert.rejects(connection.connect(), /socket could not be created/);
 * connection.close("done", true);
 * assert.equal(await connection.closed(), undefined);
 * ```
 */
export class ClientConnection {
  readonly #config: ConnectionConfig;
  readonly #port: ConnectionPort;
  readonly #heartbeat: HeartbeatMonitor;
  #state: T4ClientState = "idle";
  #ws: WebSocketLike | undefined;
  #gen = 0;
  readonly #plan: ReconnectPlan;
  #session: Session | undefined;
  #loginTimer: TimerHandle | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #connectWaiter:
    | { resolve: (session: Session) => void; reject: (error: Error) => void }
    | undefined;
  #closedResult: { error: Error | undefined } | undefined;
  #closedWaiters: ((error: Error | undefined) => void)[] = [];

  /**
   * Creates an idle connection.
   *
   * @param config Endpoint, credentials, timing and policies.
   * @param port The owner's callbacks.
   * @throws {RangeError} When the heartbeat timing is invalid.
   */
  constructor(config: ConnectionConfig, port: ConnectionPort) {
    this.#config = config;
    this.#port = port;
    this.#plan = new ReconnectPlan(config.backoff, config.maintenance);
    this.#heartbeat = new HeartbeatMonitor({
      sendHeartbeat: () => this.#sendHeartbeat(),
      stale: (silentMs) => this.emit({ type: "stale", at: config.clock.now(), silentMs }),
      deadPeer: (silentMs) =>
        this.#lost(this.#gen, "dead_peer", `nothing was received for ${silentMs} ms`),
    }, { clock: config.clock, intervalMs: config.heartbeatMs, missed: config.missedHeartbeats });
  }

  /** The current state. */
  get state(): T4ClientState {
    return this.#state;
  }

  /** The current session, while logged in. */
  get session(): Session | undefined {
    return this.#session;
  }

  /**
   * Opens the socket and logs in, once (see `T4Client.connect`).
   *
   * @returns The session.
   */
  connect(): Promise<Session> {
    if (this.#state === "closed") return Promise.reject(new ClientClosedError("connect"));
    if (this.#state === "open" && this.#session) return Promise.resolve(this.#session);
    if (this.#connectWaiter) {
      return Promise.reject(
        new TypeError("Cannot connect as a connect() call is already in progress"),
      );
    }
    if (this.#state !== "idle") {
      return Promise.reject(
        new TypeError(`Cannot connect as the client is ${this.#state}: it reconnects by itself`),
      );
    }
    return new Promise<Session>((resolve, reject) => {
      this.#connectWaiter = { resolve, reject };
      this.#plan.restart();
      this.#open();
    });
  }

  /**
   * Resolves once the client is closed for good (see `T4Client.closed`).
   *
   * @returns `undefined` when closed by the owner, else the error that ended the session.
   */
  closed(): Promise<Error | undefined> {
    if (this.#closedResult) return Promise.resolve(this.#closedResult.error);
    return new Promise((resolve) => this.#closedWaiters.push(resolve));
  }

  /**
   * Throws unless a session is open.
   *
   * @param operation The method name for the error.
   * @throws {ClientClosedError} When closed.
   * @throws {NotConnectedError} When not logged in.
   */
  requireOpen(operation: string): void {
    if (this.#state === "closed") throw new ClientClosedError(operation);
    if (this.#state !== "open") throw new NotConnectedError(operation);
  }

  /**
   * Sends a frame on the open socket.
   *
   * @param frame The encoded frame.
   * @returns Whether it was handed to the socket.
   */
  send(frame: Uint8Array<ArrayBuffer>): boolean {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== 1) return false;
    try {
      ws.send(frame);
    } catch (cause) {
      this.#lost(this.#gen, "error", `sending failed: ${_message(cause)}`, undefined, cause);
      return false;
    }
    this.#heartbeat.noteSent();
    return true;
  }

  /**
   * Emits a status event.
   *
   * @param event The event.
   */
  emit(event: StatusEvent): void {
    this.#config.status.emit(event);
  }

  /** Records that a frame arrived (for dead-peer detection). */
  noteReceived(): void {
    this.#heartbeat.noteReceived();
  }

  /**
   * Handles a `LoginResponse`: the answer to our login, or, on an established session, the
   * server ending it (another login of the same user took it over).
   *
   * @param response The response.
   */
  loginResponse(response: LoginResponse): void {
    if (this.#state === "connecting") this.#onLogin(response);
    else if (this.#state === "open" && response.result !== LoginResult.SUCCESS) {
      this.#conflict(response.result, response.errorMessage);
    }
  }

  /**
   * Closes for good (see `T4Client.close`). Idempotent.
   *
   * @param reason Why, for the `closed` event.
   * @param byOwner Whether the owner asked (then `closed()` resolves with `undefined`).
   * @param error The error that ended the session otherwise.
   * @param result The login result that ended it, for the `closed` event.
   */
  close(
    reason: string,
    byOwner: boolean,
    error?: Error,
    result?: LoginResultName,
  ): void {
    if (this.#state === "closed") return;
    const wasConnected = this.#ws !== undefined;
    if (this.#reconnectTimer !== undefined) {
      this.#config.clock.clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = undefined;
    }
    this.#dropSocket();
    this.#state = "closed";
    const outcome = byOwner
      ? undefined
      : error ?? new ConnectionError(this.#config.displayUrl, reason);
    this.#closedResult = { error: outcome };
    this.#port.closed();
    const waiter = this.#connectWaiter;
    this.#connectWaiter = undefined;
    waiter?.reject(new ClientClosedError("connect"));
    const now = this.#config.clock.now();
    if (wasConnected && byOwner) {
      this.emit({ type: "disconnected", at: now, reason: "client", detail: reason });
    }
    _log.info("Closed: {reason}", { reason });
    this.emit({ type: "closed", at: now, reason, ...(result === undefined ? {} : { result }) });
    const waiters = this.#closedWaiters;
    this.#closedWaiters = [];
    for (const resolve of waiters) resolve(outcome);
  }

  #open(): void {
    const gen = ++this.#gen;
    const { clock, displayUrl } = this.#config;
    this.#state = "connecting";
    const attempt = this.#plan.attempt;
    this.emit({ type: "connecting", at: clock.now(), url: displayUrl, attempt });
    if (gen !== this.#gen) return; // a listener closed the client
    _log.debug("Connecting to {url} (attempt {attempt})", { url: displayUrl, attempt });
    const { credentials } = this.#config;
    let ws: WebSocketLike;
    try {
      ws = openSocket(this.#config.WebSocket, this.#config.url, {
        open: () => {
          if (gen !== this.#gen) return;
          // The login frame carries the credentials: it is built here, sent, and never logged.
          this.send(clientFrame({ case: "loginRequest", value: credentials.loginRequest() }));
          if (gen === this.#gen) this.#heartbeat.start();
        },
        message: (data) => {
          if (gen === this.#gen) this.#port.frame(data);
        },
        error: () => this.#lost(gen, "error", "the socket reported an error"),
        close: (code, text) => {
          if (gen !== this.#gen) return;
          const reason = text ? redactSecrets(text, credentials.secrets()) : "";
          if (this.#state === "open" && _ELSEWHERE.test(reason)) {
            this.#conflict(LoginResult.LOGGED_IN_ELSEWHERE, reason, code);
          } else {
            const detail = `the server closed the connection with code ${code}${
              reason ? `: ${reason}` : ""
            }`;
            this.#lost(gen, "closed", detail, code);
          }
        },
      });
    } catch (cause) {
      const detail = `the socket could not be created: ${_message(cause)}`;
      this.#lost(gen, "error", detail, undefined, cause);
      return;
    }
    this.#ws = ws;
    this.#loginTimer = clock.setTimeout(() => {
      this.#loginTimer = undefined;
      this.#lost(
        gen,
        "login_timeout",
        `no login response arrived within ${this.#config.loginTimeoutMs} ms`,
      );
    }, this.#config.loginTimeoutMs);
  }

  #onLogin(response: LoginResponse): void {
    this.#clearLoginTimer();
    const gen = this.#gen;
    const now = this.#config.clock.now();
    if (response.result === LoginResult.SUCCESS) {
      const session = sessionFromLoginResponse(response);
      const reconnect = this.#plan.attempt > 0;
      this.#session = session;
      this.#state = "open";
      this.#plan.connected(now);
      _log.info("Logged in to {url}: session {sessionId}", {
        url: this.#config.displayUrl,
        sessionId: session.sessionId,
      });
      // Replay first, then announce: an app that subscribes on `connected` sends each once.
      const resubscribed = this.#port.loggedIn(response, reconnect);
      if (gen !== this.#gen) return;
      if (reconnect) this.#config.stats.reconnects++;
      this.emit({ type: "connected", at: now, url: this.#config.displayUrl, session });
      if (gen !== this.#gen) return;
      if (reconnect) {
        this.emit({
          type: "reconnected",
          at: now,
          attempt: this.#plan.attempt,
          session,
          resubscribed,
        });
        if (gen !== this.#gen) return;
      }
      const waiter = this.#connectWaiter;
      this.#connectWaiter = undefined;
      waiter?.resolve(session);
      return;
    }
    const error = this.#refused(response.result, response.errorMessage, undefined);
    if (gen !== this.#gen || this.#isClosed()) return;
    const detail = `the server refused the login with ${error.result}`;
    const waiter = this.#connectWaiter;
    if (waiter) {
      // Never retried: the initial connect() reports it.
      this.#connectWaiter = undefined;
      this.#end(error, detail, undefined, undefined);
      if (!this.#isClosed()) this.#state = "idle";
      waiter.reject(error);
    } else if (error.fatal) this.#end(error, detail, undefined, `${detail}, which is not retried`);
    else this.#lost(gen, "closed", `${detail} (transient)`, undefined, error);
  }

  /** The server ended an established session: another login took it over. */
  #conflict(code: LoginResult, message: string, closeCode?: number): void {
    const stop = this.#config.loginConflict === "stop";
    const gen = this.#gen;
    const error = this.#refused(code, message, stop);
    if (gen !== this.#gen || this.#isClosed()) return;
    const detail = `the server ended the session with ${error.result}${
      error.errorMessage ? ` (${error.errorMessage})` : ""
    }`;
    if (stop) {
      this.#end(error, detail, closeCode, `${detail}: not reconnecting, not to take it back`);
    } else this.#lost(gen, "closed", detail, closeCode, error);
  }

  /** Reports a failed login result (`fatal` overrides the result's own) and returns its error. */
  #refused(code: LoginResult, message: string, fatal: boolean | undefined): LoginError {
    const error = new LoginError(code, redactSecrets(message, this.#config.credentials.secrets()));
    const isFatal = fatal ?? error.fatal;
    _log.warn("Login refused or ended: {result} ({fatal})", {
      result: error.result,
      fatal: isFatal ? "fatal, not retried" : "transient",
    });
    const { result, errorMessage } = error;
    const at = this.#config.clock.now();
    this.emit({ type: "login_failed", at, result, code, errorMessage, fatal: isFatal });
    return error;
  }

  /** Ends the connection without reconnecting; closes the client when `closeReason` is given. */
  #end(error: LoginError, detail: string, code: number | undefined, closeReason?: string): void {
    this.#port.dropped(detail);
    this.#dropSocket();
    const at = this.#config.clock.now();
    this.emit({
      type: "disconnected",
      at,
      reason: "closed",
      ...(code === undefined ? {} : { code }),
      detail,
    });
    if (closeReason !== undefined && !this.#isClosed()) {
      this.close(closeReason, false, error, error.result);
    }
  }

  #lost(
    gen: number,
    reason: DisconnectReason,
    detail: string,
    code?: number,
    cause?: unknown,
  ): void {
    if (gen !== this.#gen || this.#state === "closed" || this.#state === "idle") return;
    const wasOpen = this.#state === "open";
    const now = this.#config.clock.now();
    this.#dropSocket();
    const after = this.#gen;
    this.#port.dropped(detail);
    const inMaintenance = this.#plan.maintenanceUntil(now) !== undefined;
    const reported: DisconnectReason = inMaintenance ? "maintenance" : reason;
    _log.warn("Disconnected from {url} ({reason}): {detail}", {
      url: this.#config.displayUrl,
      reason: reported,
      detail,
    });
    this.emit({
      type: "disconnected",
      at: now,
      reason: reported,
      ...(code === undefined ? {} : { code }),
      detail,
    });
    if (after !== this.#gen || this.#isClosed()) return; // a listener closed us
    const waiter = this.#connectWaiter;
    if (waiter) {
      this.#connectWaiter = undefined;
      this.#state = "idle";
      waiter.reject(
        reason === "login_timeout"
          ? new LoginTimeoutError(this.#config.loginTimeoutMs)
          : cause instanceof LoginError
          ? cause
          : new ConnectionError(
            this.#config.displayUrl,
            detail,
            code,
            cause === undefined ? undefined : { cause },
          ),
      );
      return;
    }
    this.#reconnect(wasOpen, now, detail, cause);
  }

  #reconnect(wasOpen: boolean, now: number, detail: string, cause: unknown): void {
    const step = this.#plan.next(wasOpen, now);
    if ("giveUp" in step) {
      const error = cause instanceof LoginError ? cause : new ConnectionError(
        this.#config.displayUrl,
        `${detail} and ${step.giveUp}`,
        undefined,
        cause === undefined ? undefined : { cause },
      );
      this.close(`the connection was lost and ${step.giveUp}`, false, error);
      return;
    }
    const gen = this.#gen;
    this.#state = "waiting";
    if (step.until !== undefined) {
      this.emit({ type: "maintenance", at: now, until: step.until });
      if (gen !== this.#gen || this.#state !== "waiting") return;
    }
    const { attempt, delayMs } = step;
    _log.info("Reconnecting in {delayMs} ms (attempt {attempt})", { delayMs, attempt });
    this.emit({ type: "reconnecting", at: now, attempt, delayMs });
    if (gen !== this.#gen || this.#state !== "waiting") return;
    this.#reconnectTimer = this.#config.clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state === "waiting") this.#open();
    }, delayMs);
  }

  #dropSocket(): void {
    this.#gen++;
    this.#clearLoginTimer();
    this.#heartbeat.stop();
    this.#session = undefined;
    if (this.#state !== "closed") this.#state = "waiting";
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws !== undefined) abandonSocket(ws);
  }

  #isClosed(): boolean {
    return this.#closedResult !== undefined;
  }

  #clearLoginTimer(): void {
    if (this.#loginTimer !== undefined) {
      this.#config.clock.clearTimeout(this.#loginTimer);
      this.#loginTimer = undefined;
    }
  }

  #sendHeartbeat(): void {
    const timestamp = this.#config.clock.now();
    if (!this.send(clientFrame({ case: "heartbeat", value: { timestamp: BigInt(timestamp) } }))) {
      return;
    }
    this.#config.stats.heartbeatsSent++;
    this.emit({ type: "heartbeat_sent", at: timestamp, timestamp });
  }
}

function _message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
