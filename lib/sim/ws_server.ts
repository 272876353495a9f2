/**
 * A runtime-neutral WebSocket server: the runtime's native server (`Deno.serve` +
 * `Deno.upgradeWebSocket`, or `Bun.serve` with `websocket`) behind one small adapter interface,
 * fronted by a `node:net` TCP forwarder that makes transport faults possible (drop TCP without a
 * close frame, half-open, stop reading, raw bytes).
 *
 * @module
 */

import { type FrontPair, TcpFront } from "./tcp_front.ts";
import { listenDeno } from "./ws_server_deno.ts";
import { listenBun } from "./ws_server_bun.ts";
import type { NativeEvents, NativeListen, NativeWs } from "./ws_native.ts";

export type { NativeEvents, NativeListen, NativeServer, NativeWs } from "./ws_native.ts";

/** One accepted WebSocket connection. */
export interface WsConnection {
  /** A number unique within the server, starting at 1. */
  readonly id: number;
  /**
   * Bytes queued for the client and not yet handed to the operating system.
   */
  readonly bufferedAmount: number;
  /** Whether the connection is still open (no close seen, not terminated). */
  readonly open: boolean;
  /**
   * Sends one frame: binary for bytes, text for a string. Frames are never dropped: when the
   * runtime refuses one (Bun's full buffer), it is queued and sent after `drain`.
   *
   * @param data The frame.
   * @returns `false` when the buffer is over the high-water mark: wait for {@linkcode drained}
   *   (or the `drain` handler) before sending more.
   */
  send(data: Uint8Array | string): boolean;
  /**
   * Closes the WebSocket with a close frame.
   *
   * @param code The close code.
   * @param reason The close reason.
   */
  close(code?: number, reason?: string): void;
  /** Drops the TCP connection at once, without a close frame. */
  terminate(): void;
  /** Goes half-open: nothing is forwarded in either direction, the socket stays open. */
  silence(): void;
  /** Stops reading from the client's socket (its frames pile up in the TCP buffers). */
  pauseReading(): void;
  /** Resumes reading after {@linkcode pauseReading}. */
  resumeReading(): void;
  /**
   * Writes raw bytes to the client's TCP socket, bypassing WebSocket framing.
   *
   * @param bytes The bytes.
   */
  writeRaw(bytes: Uint8Array): void;
  /**
   * Waits until the buffered amount is at or below `lowWater`, or the connection closes.
   *
   * @param lowWater The threshold in bytes.
   * @returns A promise that resolves when drained.
   */
  drained(lowWater?: number): Promise<void>;
}

/** Callbacks for connection events. */
export interface WsHandlers {
  /** A connection opened. */
  open?(conn: WsConnection): void;
  /** A frame arrived: bytes for a binary frame, a string for a text frame. */
  message(conn: WsConnection, data: Uint8Array | string): void;
  /** The connection closed (code 1006 when the TCP connection dropped without a close frame). */
  close?(conn: WsConnection, code: number, reason: string): void;
  /** The send buffer fell back below the high-water mark after {@linkcode WsConnection.send} returned `false`. */
  drain?(conn: WsConnection): void;
}

/** Options of {@linkcode serveWebSocket}. */
export interface ServeWebSocketOptions {
  /**
   * Address to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * Port to listen on; 0 picks a free port.
   *
   * @default {0}
   */
  port?: number;
  /**
   * The WebSocket path; other paths get 404.
   *
   * @default {"/v1"}
   */
  path?: string;
  /** Connection callbacks. */
  handlers: WsHandlers;
  /** Called for each upgrade request; `true` answers 503 instead of upgrading. */
  refuse?: () => boolean;
  /**
   * Buffered bytes above which `send` returns `false`.
   *
   * @default {1048576}
   */
  highWaterMark?: number;
}

/** A running WebSocket server. */
export interface WsServer extends AsyncDisposable {
  /** The URL clients connect to, e.g. `ws://127.0.0.1:4321/v1`. */
  readonly url: string;
  /** The listening port. */
  readonly port: number;
  /** Open connections. */
  readonly connections: ReadonlySet<WsConnection>;
  /**
   * Closes every connection (close code 1001) and stops listening.
   *
   * @returns A promise that resolves once everything is closed.
   */
  stop(): Promise<void>;
}

/**
 * Picks the adapter for the current runtime.
 *
 * @returns The adapter's listen function.
 * @throws {Error} When neither Deno nor Bun is running.
 */
export function nativeListen(): NativeListen {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Bun !== undefined) return listenBun;
  if (g.Deno !== undefined) return listenDeno;
  throw new Error("Cannot start a WebSocket server as this runtime is neither Deno nor Bun");
}

const _POLL_MS = 5;

class _Connection implements WsConnection {
  readonly id: number;
  #ws: NativeWs;
  #pair: FrontPair | undefined;
  #queue: (Uint8Array | string)[] = [];
  #queuedBytes = 0;
  #open = true;
  #impaired = false;
  #highWater: number;
  #wantDrain = false;
  #waiters: { lowWater: number; resolve: () => void }[] = [];
  #poll: ReturnType<typeof setTimeout> | undefined;
  #onDrain: () => void;

  constructor(
    id: number,
    ws: NativeWs,
    pair: FrontPair | undefined,
    highWater: number,
    onDrain: () => void,
  ) {
    this.id = id;
    this.#ws = ws;
    this.#pair = pair;
    this.#highWater = highWater;
    this.#onDrain = onDrain;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Whether a fault keeps the close handshake from completing (half-open or not reading). */
  get _impaired(): boolean {
    return this.#impaired;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount() + this.#queuedBytes;
  }

  send(data: Uint8Array | string): boolean {
    if (!this.#open) return false;
    if (this.#queue.length > 0) {
      this.#enqueue(data);
    } else if (this.#ws.send(data) === 0) {
      this.#enqueue(data);
    }
    if (this.bufferedAmount > this.#highWater) {
      this.#wantDrain = true;
      this.#schedulePoll();
      return false;
    }
    return true;
  }

  close(code?: number, reason?: string): void {
    if (!this.#open) return;
    this.#ws.close(code, reason);
  }

  terminate(): void {
    if (this.#pair === undefined) return this.#ws.close(1001, "terminated");
    this.#pair.terminate();
  }

  silence(): void {
    this.#impaired = true;
    this.#pair?.silence();
  }

  pauseReading(): void {
    this.#impaired = true;
    this.#pair?.pauseReading();
  }

  resumeReading(): void {
    if (!this.#pair?.silent) this.#impaired = false;
    this.#pair?.resumeReading();
  }

  writeRaw(bytes: Uint8Array): void {
    this.#pair?.writeRaw(bytes);
  }

  drained(lowWater = 0): Promise<void> {
    if (!this.#open || this.bufferedAmount <= lowWater) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push({ lowWater, resolve });
      this.#schedulePoll();
    });
  }

  /** Called on the native drain event and by the poll. */
  _flush(): void {
    while (this.#open && this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (this.#ws.send(next) === 0) break;
      this.#queue.shift();
      this.#queuedBytes -= _size(next);
    }
    this._check();
  }

  _check(): void {
    const amount = this.bufferedAmount;
    this.#waiters = this.#waiters.filter((w) => {
      if (this.#open && amount > w.lowWater) return true;
      w.resolve();
      return false;
    });
    if (this.#wantDrain && (amount <= this.#highWater || !this.#open)) {
      this.#wantDrain = false;
      if (this.#open) this.#onDrain();
    }
    if (this.#waiters.length > 0 || this.#wantDrain) this.#schedulePoll();
  }

  _closed(): void {
    this.#open = false;
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#poll !== undefined) clearTimeout(this.#poll);
    this.#poll = undefined;
    this._check();
  }

  #enqueue(data: Uint8Array | string): void {
    this.#queue.push(data);
    this.#queuedBytes += _size(data);
  }

  #schedulePoll(): void {
    if (this.#poll !== undefined || !this.#open) return;
    this.#poll = setTimeout(() => {
      this.#poll = undefined;
      this._flush();
    }, _POLL_MS);
  }
}

function _size(data: Uint8Array | string): number {
  return typeof data === "string" ? data.length : data.byteLength;
}

/**
 * Starts a WebSocket server on the runtime's native server, behind a TCP front for fault
 * injection.
 *
 * @param options Address, path, handlers.
 * @returns The running server.
 * @throws {Error} When the runtime is neither Deno nor Bun, or the port cannot be bound.
 *
 * @example Echo server
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveWebSocket } from "./ws_server.ts";
 *
 * await using server = await serveWebSocket({
 *   handlers: { message: (conn, data) => conn.send(data) },
 * });
 * const ws = new WebSocket(server.url);
 * const reply = await new Promise<unknown>((resolve, reject) => {
 *   ws.onopen = () => ws.send("ping");
 *   ws.onmessage = (event) => resolve(event.data);
 *   ws.onerror = reject;
 * });
 * assert.equal(reply, "ping");
 * ws.close();
 * ```
 */
export async function serveWebSocket(options: ServeWebSocketOptions): Promise<WsServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const path = options.path ?? "/v1";
  const highWater = options.highWaterMark ?? 1024 * 1024;
  const { handlers, refuse } = options;
  const byNative = new Map<NativeWs, _Connection>();
  const connections = new Set<_Connection>();
  let nextId = 1;
  let front: TcpFront | undefined;
  let stopping = false;

  const events: NativeEvents = {
    accept(request) {
      if (stopping) return new Response("Server is stopping", { status: 503 });
      if (new URL(request.url).pathname !== path) {
        return new Response("Not found", { status: 404 });
      }
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("Expected a WebSocket upgrade", { status: 426 });
      }
      if (refuse?.() === true) {
        return new Response("Service unavailable", { status: 503 });
      }
      return undefined;
    },
    open(ws, remotePort) {
      const pair = front?.take(remotePort);
      const conn: _Connection = new _Connection(
        nextId++,
        ws,
        pair,
        highWater,
        () => handlers.drain?.(conn),
      );
      byNative.set(ws, conn);
      connections.add(conn);
      handlers.open?.(conn);
    },
    message(ws, data) {
      const conn = byNative.get(ws);
      if (conn?.open === true) handlers.message(conn, data);
    },
    close(ws, code, reason) {
      const conn = byNative.get(ws);
      if (conn === undefined) return;
      byNative.delete(ws);
      connections.delete(conn);
      conn._closed();
      // Deno reports 0 for a connection that dropped without a close frame.
      handlers.close?.(conn, code === 0 ? 1006 : code, reason);
    },
    drain(ws) {
      byNative.get(ws)?._flush();
    },
  };

  // Only the front talks to the native server, so it listens on loopback whatever `hostname` is.
  const native = await nativeListen()("127.0.0.1", events);
  try {
    front = await TcpFront.listen(hostname, options.port ?? 0, "127.0.0.1", native.port);
  } catch (error) {
    await native.stop();
    throw error;
  }
  const port = front.port;
  const url = `ws://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}${path}`;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      for (const conn of connections) {
        if (conn._impaired) conn.terminate();
        else conn.close(1001, "Server stopping");
      }
      // Give the close handshakes a moment to pass through the front before dropping sockets.
      for (let i = 0; i < 100 && connections.size > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await front!.close(500);
      await native.stop();
      for (const ws of [...byNative.keys()]) events.close(ws, 1006, "");
    })();
    return stopped;
  };
  return {
    url,
    port,
    connections,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
