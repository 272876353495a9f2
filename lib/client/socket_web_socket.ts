/**
 * `transport: "socket"`: an RFC 6455 WebSocket client written in TypeScript over the runtime's
 * TCP/TLS sockets (`lib/runtime/tcp_connection.ts`), behind the same {@linkcode WebSocketLike}
 * port as the native `WebSocket`. It reads into one reused buffer and hands each message to
 * `onmessage` as a `Uint8Array` view that is valid only during the handler (T4Client decodes it
 * there with `borrowed: true`, which copies `bytes` and unknown fields).
 *
 * What it does: checks `Sec-WebSocket-Accept`; offers and accepts no extension or subprotocol;
 * masks every client frame with a fresh random key; reassembles fragmented messages; answers
 * pings; does the close handshake with code and reason (dropping the connection if the server
 * does not answer within `closeTimeoutMs`); refuses frames and messages over `maxMessageBytes`
 * (close code 1009) as soon as their header arrives; validates TLS certificates for the URL's host
 * (also sent as SNI) against the system roots or `caCerts`.
 *
 * @module
 */

import { type Clock, systemClock, type TimerHandle } from "../runtime/clock.ts";
import {
  type ByteConnection,
  connectTcp,
  type TcpConnectOptions,
} from "../runtime/tcp_connection.ts";
import type { WebSocketConstructor, WebSocketLike } from "./web_socket_like.ts";
import {
  isValidCloseCode,
  WebSocketFrameParser,
  WebSocketProtocolError,
} from "./ws_frame_parser.ts";
import { closePayload, encodeClientFrame, handshakeKey, WS_OPCODE } from "./ws_frame_writer.ts";

/** Options of the socket transport. */
export interface SocketWebSocketOptions {
  /** PEM certificates to trust for `wss://` instead of the system roots (tests, private CAs). */
  caCerts?: readonly string[];
  /**
   * Largest frame or reassembled message accepted, in bytes; a larger one fails the connection
   * with close code 1009 before its payload is read.
   *
   * @default {16777216}
   */
  maxMessageBytes?: number;
  /**
   * How long `close()` waits for the server's close frame before dropping the connection.
   *
   * @default {5000}
   */
  closeTimeoutMs?: number;
  /** Clock for the close timeout. */
  clock?: Clock;
  /** Opens the byte stream (tests); default: the runtime's TCP/TLS sockets. */
  connect?: (options: TcpConnectOptions) => Promise<ByteConnection>;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const _MAX_HANDSHAKE_BYTES = 16 * 1024;
const _latin1 = new TextDecoder("latin1");
const _utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A WebSocket client over the runtime's TCP/TLS sockets.
 *
 * @example Against a `ws://` server (here the embedded simulator)
 * ```ts
 * import assert from "node:assert/strict";
 * import { startSimulator } from "../sim/mod.ts";
 * import { SocketWebSocket } from "./socket_web_socket.ts";
 *
 * await using sim = await startSimulator({ port: 0, seed: 1 });
 * const ws = new SocketWebSocket(sim.url);
 * const opened = Promise.withResolvers<void>();
 * const closed = Promise.withResolvers<number>();
 * ws.onopen = () => opened.resolve();
 * ws.onclose = (event) => closed.resolve(event.code);
 * await opened.promise;
 * ws.close(1000, "bye");
 * assert.equal(await closed.promise, 1000);
 * ```
 */
export class SocketWebSocket implements WebSocketLike {
  /** Messages are always `Uint8Array` views, whatever this says. */
  binaryType: BinaryType = "arraybuffer";
  /** The URL. */
  readonly url: string;
  onopen: ((event: Event) => unknown) | null = null;
  onmessage: ((event: MessageEvent) => unknown) | null = null;
  onclose: ((event: CloseEvent) => unknown) | null = null;
  onerror: ((event: Event) => unknown) | null = null;
  #readyState = CONNECTING;
  #connection: ByteConnection | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closeSent = false;
  #closeTimer: TimerHandle | undefined;
  readonly #options: SocketWebSocketOptions;
  readonly #clock: Clock;
  readonly #parser: WebSocketFrameParser;
  /** One event object for every message: its `data` is valid only during the handler. */
  readonly #messageEvent = { type: "message", data: undefined as unknown };

  /**
   * Connects at once (asynchronously).
   *
   * @param url A `ws://` or `wss://` URL.
   * @param options Trusted certificates, size limit, close timeout.
   * @throws {SyntaxError} When the URL is not a `ws://` or `wss://` URL.
   */
  constructor(url: string, options: SocketWebSocketOptions = {}) {
    const parsed = new URL(url);
    if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
      throw new SyntaxError(`Cannot connect to ${parsed.protocol}// URLs: expected ws: or wss:`);
    }
    if (parsed.hash !== "") {
      throw new SyntaxError("Cannot connect to a WebSocket URL with a fragment");
    }
    this.url = parsed.href;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#parser = new WebSocketFrameParser(
      {
        message: (data, binary) => this.#onMessage(data, binary),
        ping: (payload) => this.#write(WS_OPCODE.pong, payload),
        pong: () => {},
        close: (code, reason) => this.#onCloseFrame(code, reason),
      },
      options.maxMessageBytes ?? 16 * 1024 * 1024,
    );
    void this.#run(parsed);
  }

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  get readyState(): number {
    return this.#readyState;
  }

  /**
   * Sends one binary (or text) message; dropped once closing.
   *
   * @param data The message.
   * @throws {DOMException} `InvalidStateError` while connecting.
   */
  send(data: Uint8Array<ArrayBuffer> | string): void {
    if (this.#readyState === CONNECTING) {
      throw new DOMException("Cannot send before the WebSocket is open", "InvalidStateError");
    }
    if (this.#readyState !== OPEN) return;
    if (typeof data === "string") this.#write(WS_OPCODE.text, new TextEncoder().encode(data));
    else this.#write(WS_OPCODE.binary, data);
  }

  /**
   * Starts the close handshake (or abandons a connection still opening).
   *
   * @param code 1000 or 3000–4999.
   * @param reason At most 123 bytes of UTF-8.
   * @throws {DOMException} `InvalidAccessError` for another code.
   * @throws {SyntaxError} When the reason is too long.
   */
  close(code?: number, reason = ""): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(`Cannot close with code ${code}`, "InvalidAccessError");
    }
    const payload = closePayload(code, reason);
    if (this.#readyState === CONNECTING) {
      this.#fail(new Error("Cannot open the WebSocket: closed while connecting"));
      return;
    }
    if (this.#readyState !== OPEN) return;
    this.#readyState = CLOSING;
    this.#sendClose(payload);
    this.#closeTimer = this.#clock.setTimeout(() => {
      this.#closeTimer = undefined;
      this.#finish(1006, "", false);
    }, this.#options.closeTimeoutMs ?? 5_000);
  }

  /** Drops the connection at once, without a close handshake. */
  terminate(): void {
    if (this.#readyState === CLOSED) return;
    this.#finish(1006, "", false);
  }

  async #run(url: URL): Promise<void> {
    let connection: ByteConnection;
    let request: Uint8Array;
    let accept: string;
    try {
      const tls = url.protocol === "wss:";
      const hostname = url.hostname.replace(/^\[|\]$/g, "");
      const handshake = await handshakeKey();
      accept = handshake.accept;
      request = new TextEncoder().encode(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Key: ${handshake.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      connection = await (this.#options.connect ?? connectTcp)({
        hostname,
        port: Number(url.port || (tls ? 443 : 80)),
        tls,
        ...(this.#options.caCerts !== undefined && { caCerts: this.#options.caCerts }),
      });
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (this.#readyState === CLOSED) {
      connection.close();
      return;
    }
    this.#connection = connection;
    let head = new Uint8Array(0);
    try {
      await connection.write(request);
      await connection.readLoop((chunk) => {
        if (this.#readyState === CONNECTING) {
          const joined = new Uint8Array(head.length + chunk.length);
          joined.set(head);
          joined.set(chunk, head.length);
          head = joined;
          const end = _headEnd(head);
          if (end < 0) {
            if (head.length > _MAX_HANDSHAKE_BYTES) {
              throw new Error("Cannot open the WebSocket: the handshake response is too long");
            }
            return;
          }
          _checkHandshake(_latin1.decode(head.subarray(0, end)), accept);
          this.#readyState = OPEN;
          this.onopen?.(new Event("open"));
          chunk = head.subarray(end + 4);
          head = new Uint8Array(0);
        }
        if (this.#readyState !== CLOSED) this.#parser.push(chunk);
      });
      // The server ended the stream.
      if (this.#readyState !== CLOSED) {
        this.#finish(this.#closeSent ? 1005 : 1006, "", false);
      }
    } catch (error) {
      if (error instanceof WebSocketProtocolError && this.#readyState !== CLOSED) {
        // Fail the connection (RFC 6455 section 7.1.7): send the close code, then drop it.
        this.#sendClose(closePayload(error.closeCode, ""));
        void this.#writing.finally(() => connection.close());
        this.#finish(1006, "", false, false, error);
        return;
      }
      this.#fail(error);
    }
  }

  #onMessage(data: Uint8Array, binary: boolean): void {
    if (this.#readyState !== OPEN && this.#readyState !== CLOSING) return;
    const event = this.#messageEvent;
    if (binary) {
      event.data = data;
    } else {
      try {
        event.data = _utf8.decode(data);
      } catch {
        throw new WebSocketProtocolError(1007, "Cannot accept a text message that is not UTF-8");
      }
    }
    try {
      this.onmessage?.(event as unknown as MessageEvent);
    } catch (error) {
      // As for the native WebSocket, a throwing handler is reported, not fatal to the connection.
      (globalThis as { reportError?: (error: unknown) => void }).reportError?.(error);
    } finally {
      event.data = undefined;
    }
  }

  #onCloseFrame(code: number | undefined, reason: string): void {
    this.#parser.stop();
    if (!this.#closeSent) {
      this.#sendClose(
        closePayload(code !== undefined && isValidCloseCode(code) ? code : undefined),
      );
    }
    const connection = this.#connection;
    // Close the TCP connection once our close frame is written.
    void this.#writing.finally(() => connection?.close());
    this.#finish(code ?? 1005, reason, true, false);
  }

  #sendClose(payload: Uint8Array): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#write(WS_OPCODE.close, payload);
  }

  #write(opcode: number, payload: Uint8Array): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    const frame = encodeClientFrame(opcode, payload);
    this.#writing = this.#writing.then(() => connection.write(frame)).catch((error) => {
      this.#fail(error);
    });
  }

  /** Fails the connection: an error event, then a close event with 1006. */
  #fail(error: unknown): void {
    if (this.#readyState === CLOSED) return;
    this.#finish(1006, "", false, true, error ?? new Error("Cannot open the WebSocket: closed"));
  }

  #finish(code: number, reason: string, wasClean: boolean, dropNow = true, error?: unknown): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    this.#parser.stop();
    if (this.#closeTimer !== undefined) {
      this.#clock.clearTimeout(this.#closeTimer);
      this.#closeTimer = undefined;
    }
    if (dropNow) this.#connection?.close();
    if (error !== undefined) {
      const event = new Event("error");
      Object.defineProperty(event, "error", { value: error });
      this.onerror?.(event);
    }
    this.onclose?.(_closeEvent(code, reason, wasClean));
  }
}

/**
 * A {@linkcode WebSocketConstructor} for `T4Client` that builds {@linkcode SocketWebSocket}s with
 * these options.
 *
 * @param options Trusted certificates, size limit, close timeout.
 * @returns The constructor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { socketWebSocket } from "./socket_web_socket.ts";
 *
 * const WebSocket = socketWebSocket({ maxMessageBytes: 1024 });
 * assert.throws(() => new WebSocket("http://example.com/"), SyntaxError);
 * ```
 */
export function socketWebSocket(options: SocketWebSocketOptions = {}): WebSocketConstructor {
  return class extends SocketWebSocket {
    constructor(url: string) {
      super(url, options);
    }
  };
}

function _headEnd(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      return i - 3;
    }
  }
  return -1;
}

/** Checks the server's handshake response (RFC 6455 section 4.2.2). */
function _checkHandshake(head: string, accept: string): void {
  const [status = "", ...lines] = head.split("\r\n");
  const code = /^HTTP\/1\.1 (\d{3})/.exec(status)?.[1];
  if (code !== "101") {
    throw new Error(
      `Cannot open the WebSocket: the server answered '${status.slice(0, 80)}' instead of 101`,
    );
  }
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  if (headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new Error("Cannot open the WebSocket: the response lacks 'Upgrade: websocket'");
  }
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(headers.get("connection") ?? "")) {
    throw new Error("Cannot open the WebSocket: the response lacks 'Connection: Upgrade'");
  }
  if (headers.get("sec-websocket-accept") !== accept) {
    throw new Error("Cannot open the WebSocket: the server's Sec-WebSocket-Accept is wrong");
  }
  if (headers.has("sec-websocket-extensions")) {
    throw new Error(
      "Cannot open the WebSocket: the server chose an extension although none was offered",
    );
  }
  if (headers.has("sec-websocket-protocol")) {
    throw new Error(
      "Cannot open the WebSocket: the server chose a subprotocol although none was offered",
    );
  }
}

function _closeEvent(code: number, reason: string, wasClean: boolean): CloseEvent {
  const Ctor = (globalThis as { CloseEvent?: typeof CloseEvent }).CloseEvent;
  if (Ctor !== undefined) return new Ctor("close", { code, reason, wasClean });
  const event = new Event("close");
  Object.assign(event, { code, reason, wasClean });
  return event as CloseEvent;
}
