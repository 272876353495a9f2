/**
 * The session behind `t4flow console`: a `T4Client` (login, heartbeats, dead-peer detection,
 * reconnects) whose socket also carries the frames typed at the console, or, with `--no-login`,
 * a bare socket that only sends heartbeats. Every received `ServerMessage` goes to `onMessage`;
 * status lines (secrets redacted) go to `onStatus`.
 *
 * @module
 */

import { toBinary } from "@bufbuild/protobuf";
import { type Clock, systemClock, type TimerHandle } from "../runtime/clock.ts";
import { type Auth, Credentials } from "../client/credentials.ts";
import { NotConnectedError } from "../client/errors.ts";
import type { StatusEvent } from "../client/status_event.ts";
import { T4Client } from "../client/t4_client.ts";
import { resolveEndpoint } from "../client/t4_endpoint.ts";
import type { WebSocketConstructor, WebSocketLike } from "../client/web_socket_like.ts";
import { decodeServerFrame, encodeClientMessage } from "../protocol/frame_codec.ts";
import { FrameError } from "../protocol/frame_error.ts";
import { AccountSubscribeType, DepthBuffer } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import {
  type ClientMessage,
  ClientMessageSchema,
  type ServerMessage,
  ServerMessageSchema,
} from "../protocol/gen/t4/v1/service_pb.ts";

/** Options of a {@linkcode ConsoleSession}. */
export interface ConsoleSessionOptions {
  /** Where to connect: `{ url }` or `{ env }`. */
  endpoint: { url: string } | { env: "live" | "sim" };
  /** Credentials, or `undefined` for `--no-login`. */
  auth: Auth | undefined;
  /** Decorates the WebSocket constructor (e.g. a `FrameRecorder`). */
  recorder?: { wrap(WebSocket: WebSocketConstructor): WebSocketConstructor };
  /**
   * The WebSocket constructor.
   *
   * @default {globalThis.WebSocket}
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Heartbeat interval in ms.
   *
   * @default {20000}
   */
  heartbeatMs?: number;
  /**
   * The clock for heartbeats and the client's timers.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /** Receives every server message with its receive time. */
  onMessage: (message: ServerMessage, at: number) => void;
  /** Receives status lines (never a secret). */
  onStatus: (text: string) => void;
}

/**
 * The console's session.
 *
 * @example Log in to the embedded simulator, subscribe and see depth
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConsoleSession } from "./console_session.ts";
 * import { parseClientMessage } from "./client_message_input.ts";
 * import { startSimulator } from "../sim/mod.ts";
 *
 * await using sim = await startSimulator({ seed: 1, depthIntervalMs: 20 });
 * const seen: string[] = [];
 * let depth!: () => void;
 * const gotDepth = new Promise<void>((resolve) => depth = resolve);
 * const session = new ConsoleSession({
 *   endpoint: { url: sim.url },
 *   auth: { apiKey: "demo-api-key" },
 *   onMessage: (m) => {
 *     seen.push(m.payload.case ?? "");
 *     if (m.payload.case === "marketDepth") depth();
 *   },
 *   onStatus: () => {},
 * });
 * await session.start();
 * session.send(parseClientMessage(
 *   "marketDepthSubscribe: {exchangeId: CME_Eq, contractId: ES, marketId: XCME_Eq ES (Z26), buffer: SMART, depthLevels: NORMAL}",
 * ));
 * await gotDepth;
 * await session.close();
 * assert.ok(seen.includes("loginResponse"));
 * ```
 */
export class ConsoleSession {
  readonly #options: ConsoleSessionOptions;
  readonly #secrets: string[];
  readonly #subscriptions = new Map<string, Uint8Array<ArrayBuffer>>();
  #client: T4Client | undefined;
  #socket: WebSocketLike | undefined;
  #heartbeat: TimerHandle | undefined;
  #closing = false;
  #resolveEnded!: (reason: string) => void;
  /** Resolves with the reason when the session ended for good (not by `close()`). */
  readonly ended: Promise<string> = new Promise((resolve) => this.#resolveEnded = resolve);

  /**
   * Creates the session; nothing connects until {@linkcode ConsoleSession.start}.
   *
   * @param options Endpoint, credentials, recorder and output.
   * @throws {TypeError} When the credentials are incomplete or the URL is invalid.
   */
  constructor(options: ConsoleSessionOptions) {
    this.#options = options;
    this.#secrets = options.auth ? new Credentials(options.auth).secrets() : [];
  }

  /** The session's secret strings, to redact them from anything shown. */
  get secrets(): readonly string[] {
    return this.#secrets;
  }

  /**
   * Connects (and logs in, unless there are no credentials).
   *
   * @returns The first status line, e.g. `logged in to ws://...: session s-1 (1 account)`.
   * @throws {LoginError} When the login is refused; other connection errors when it fails.
   */
  async start(): Promise<string> {
    const base = this.#options.WebSocket ??
      (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket!;
    const recorded = this.#options.recorder ? this.#options.recorder.wrap(base) : base;
    // deno-lint-ignore no-this-alias
    const session = this;
    class Tapped {
      constructor(url: string) {
        const socket = new recorded(url);
        session.#socket = socket;
        return socket;
      }
    }
    const WebSocket = Tapped as unknown as WebSocketConstructor;
    const endpoint = resolveEndpoint(this.#options.endpoint);
    if (this.#options.auth === undefined) return await this.#openRaw(WebSocket, endpoint.url);
    const client = new T4Client({
      ...this.#options.endpoint,
      auth: this.#options.auth,
      WebSocket,
      ...(this.#options.heartbeatMs !== undefined && { heartbeatMs: this.#options.heartbeatMs }),
      ...(this.#options.clock !== undefined && { clock: this.#options.clock }),
    });
    this.#client = client;
    for (const field of ServerMessageSchema.fields) {
      client.on(
        field.localName as "heartbeat",
        (_value, message) =>
          this.#options.onMessage(message, (this.#options.clock ?? systemClock).now()),
      );
    }
    client.onStatus((event) => this.#onStatus(event));
    const logged = await client.connect();
    const accounts = logged.accounts.length;
    return `logged in to ${endpoint.displayUrl}: session ${logged.sessionId} (${accounts} account${
      accounts === 1 ? "" : "s"
    })`;
  }

  /**
   * Sends one message as typed. Subscriptions are remembered and sent again after a reconnect.
   *
   * @param message The message.
   * @throws {NotConnectedError} When the session is not connected (nothing is sent).
   */
  send(message: ClientMessage): void {
    const socket = this.#socket;
    if (
      socket === undefined || socket.readyState !== 1 || (this.#client && !this.#client.session)
    ) {
      throw new NotConnectedError(`send ${message.payload.case ?? "an empty message"}`);
    }
    const frame = toBinary(ClientMessageSchema, message) as Uint8Array<ArrayBuffer>;
    socket.send(frame);
    const subscription = _subscriptionKey(message);
    if (subscription === undefined) return;
    if (subscription.active) this.#subscriptions.set(subscription.key, frame);
    else this.#subscriptions.delete(subscription.key);
  }

  /** Closes the session (idempotent). */
  async close(): Promise<void> {
    this.#closing = true;
    this.#stopHeartbeats();
    if (this.#client) {
      await this.#client.close();
      return;
    }
    const socket = this.#socket;
    if (socket) {
      socket.onclose = null;
      if (socket.readyState < 2) socket.close(1000);
    }
  }

  #onStatus(event: StatusEvent): void {
    const say = this.#options.onStatus;
    switch (event.type) {
      case "disconnected":
        if (event.reason !== "client") say(`disconnected (${event.reason}): ${event.detail}`);
        break;
      case "reconnecting":
        say(`reconnecting in ${event.delayMs} ms (attempt ${event.attempt})`);
        break;
      case "reconnected":
        for (const frame of this.#subscriptions.values()) this.#socket?.send(frame);
        say(
          `reconnected: session ${event.session.sessionId}; ${this.#subscriptions.size} subscription${
            this.#subscriptions.size === 1 ? "" : "s"
          } sent again`,
        );
        break;
      case "login_failed":
        say(
          `login refused: ${event.result}${event.errorMessage ? ` (${event.errorMessage})` : ""}`,
        );
        break;
      case "frame_error":
        say(`skipped a bad frame (${event.kind}, ${event.size} bytes): ${event.message}`);
        break;
      case "maintenance":
        say(`maintenance window until ${new Date(event.until).toISOString()}`);
        break;
      case "closed":
        if (!this.#closing) this.#resolveEnded(event.reason);
        break;
    }
  }

  /** Without a `T4Client`, heartbeats are sent here, every interval. */
  #startHeartbeats(socket: WebSocketLike): void {
    const clock = this.#options.clock ?? systemClock;
    const every = this.#options.heartbeatMs ?? 20_000;
    const beat = () => {
      if (socket.readyState !== 1) return;
      socket.send(
        encodeClientMessage({
          payload: { case: "heartbeat", value: { timestamp: BigInt(clock.now()) } },
        }) as Uint8Array<ArrayBuffer>,
      );
      this.#heartbeat = clock.setTimeout(beat, every);
    };
    this.#heartbeat = clock.setTimeout(beat, every);
  }

  #stopHeartbeats(): void {
    if (this.#heartbeat !== undefined) {
      (this.#options.clock ?? systemClock).clearTimeout(this.#heartbeat);
    }
    this.#heartbeat = undefined;
  }

  #openRaw(WebSocket: WebSocketConstructor, url: string): Promise<string> {
    const displayUrl = resolveEndpoint(this.#options.endpoint).displayUrl;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.binaryType = "arraybuffer";
      let open = false;
      socket.onopen = () => {
        open = true;
        this.#startHeartbeats(socket);
        resolve(`connected to ${displayUrl} without logging in: send a loginRequest`);
      };
      socket.onmessage = (event) => {
        const message = decodeServerFrame(event.data as ArrayBuffer);
        if (message instanceof FrameError) {
          this.#options.onStatus(`skipped a bad frame (${message.kind}): ${message.message}`);
          return;
        }
        this.#options.onMessage(message, (this.#options.clock ?? systemClock).now());
      };
      socket.onerror = () => {
        if (!open) {
          reject(new Error(`Cannot connect to ${displayUrl}: the socket reported an error`));
        }
      };
      socket.onclose = (event) => {
        this.#stopHeartbeats();
        const reason = `the server closed the connection with code ${event.code}${
          event.reason ? `: ${event.reason}` : ""
        }`;
        if (!open) reject(new Error(`Cannot connect to ${displayUrl}: ${reason}`));
        else if (!this.#closing) this.#resolveEnded(reason);
      };
    });
  }
}

/** A subscription frame's identity, and whether it subscribes (or unsubscribes). */
function _subscriptionKey(
  message: ClientMessage,
): { key: string; active: boolean } | undefined {
  const p = message.payload;
  switch (p.case) {
    case "marketDepthSubscribe":
      return {
        key: `depth ${p.value.exchangeId}/${p.value.contractId}/${p.value.marketId}`,
        active: p.value.buffer !== DepthBuffer.NO_SUBSCRIPTION,
      };
    case "marketByOrderSubscribe":
      return {
        key: `mbo ${p.value.exchangeId}/${p.value.contractId}/${p.value.marketId}`,
        active: p.value.subscribe,
      };
    case "accountSubscribe":
      return {
        key: `account ${
          p.value.subscribeAllAccounts ? "*" : [...p.value.accountId].sort().join(",")
        }`,
        active: p.value.subscribe !== AccountSubscribeType.NONE,
      };
    default:
      return undefined;
  }
}
