/**
 * A fake `WebSocket` for client unit tests: the test plays the server, opening, answering and
 * dropping each socket by hand, with no network.
 */

import type { WebSocketConstructor, WebSocketLike } from "../../lib/client/web_socket_like.ts";
import {
  decodeClientFrame,
  encodeServerMessage,
  type ServerMessageInit,
} from "../../lib/protocol/frame_codec.ts";
import { FrameError } from "../../lib/protocol/frame_error.ts";
import { type ClientMessage, LoginResult } from "../../lib/protocol/proto.ts";

/** One fake socket; the test drives its server side. */
export class FakeSocket implements WebSocketLike {
  binaryType: BinaryType = "blob";
  readyState = 0;
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  /** Raw frames the client sent, copied. */
  readonly frames: Uint8Array[] = [];
  /** `close()` calls made by the client. */
  readonly closeCalls: { code: number | undefined; reason: string | undefined }[] = [];

  constructor(readonly url: string) {}

  send(data: Uint8Array): void {
    if (this.readyState !== 1) throw new Error("Cannot send as the fake socket is not open");
    this.frames.push(data.slice());
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    if (this.readyState >= 2) return;
    this.readyState = 2;
    queueMicrotask(() => {
      this.readyState = 3;
      this.onclose?.({ code: code ?? 1005, reason: reason ?? "", wasClean: true } as CloseEvent);
    });
  }

  // ---- server side ----

  /** Completes the handshake. */
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  /** Delivers a server message. */
  reply(message: ServerMessageInit): void {
    this.raw(encodeServerMessage(message).slice().buffer);
  }

  /** Delivers raw frame data (ArrayBuffer or a text string). */
  raw(data: ArrayBuffer | string): void {
    this.onmessage?.(new MessageEvent("message", { data }));
  }

  /** Answers the login. */
  login(result: LoginResult = LoginResult.SUCCESS, sessionId = "sess-1", errorMessage = ""): void {
    this.reply({
      payload: {
        case: "loginResponse",
        value: {
          result,
          sessionId,
          userId: "user-1",
          firmId: "firm-1",
          roles: ["Trader"],
          errorMessage,
        },
      },
    });
  }

  /** The server drops the connection (close code 1006 by default). */
  drop(code = 1006, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: false } as CloseEvent);
  }

  /** The socket fails. */
  fail(): void {
    this.onerror?.(new Event("error"));
  }

  /** Every frame the client sent, decoded. */
  messages(): ClientMessage[] {
    return this.frames.map((f) => {
      const m = decodeClientFrame(f);
      if (m instanceof FrameError) throw m;
      return m;
    });
  }

  /** The payload cases the client sent, in order. */
  cases(): (string | undefined)[] {
    return this.messages().map((m) => m.payload.case);
  }
}

/** A fake network: every socket the client creates. */
export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const sockets = this.sockets;
    this.WebSocket = class extends FakeSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    };
  }

  /** The most recent socket. */
  get last(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (socket === undefined) throw new Error("No socket was created");
    return socket;
  }
}
