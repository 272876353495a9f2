/**
 * `ReplaySource`: plays a recording back in place of a server, through the `WebSocketLike`
 * port, so that a `T4Client` (and everything above it) runs offline and deterministically.
 * Nothing connects anywhere.
 *
 * Each socket the client makes plays the next recorded connection: `open`, `recv`, `close` and
 * `error` entries are delivered in order, spaced as recorded (divided by `speed`, or at once
 * with `speed: Infinity`). A recorded client frame (other than a heartbeat) is a gate: the
 * replay waits there until the client sends a matching frame. Subscriptions
 * (`marketDepthSubscribe`, `marketByOrderSubscribe`, `accountSubscribe`) match only an equal
 * recorded frame; other frames match a recorded frame of the same payload case. A client frame
 * that matches a later gate releases every gate up to it. A client frame that matches nothing
 * still ahead in the connection is a {@linkcode ReplayMismatchError}: `onMismatch` gets it, the
 * socket closes with code 4000, and the source makes no further connection. After the last
 * entry of a connection that did not close, the socket stays open and answers heartbeats.
 *
 * @module
 */

import { type Clock, systemClock, type TimerHandle } from "../runtime/clock.ts";
import { encodeServerMessage } from "../protocol/frame_codec.ts";
import type { ClientMessage } from "../protocol/gen/t4/v1/service_pb.ts";
import { clientMessageToJson, decodeClientMessage } from "../protocol/gen/t4/v1/service_t4fast.ts";
import type { Recording, RecordingEntry } from "./recording_format.ts";
import type { WebSocketConstructor, WebSocketLike } from "./web_socket_like.ts";

/** Options of a {@linkcode ReplaySource}. */
export interface ReplaySourceOptions {
  /**
   * The clock for the recorded spacing.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Playback speed: 1 keeps the recorded timing, 10 plays ten times faster, `Infinity` as fast
   * as possible.
   *
   * @default {1}
   */
  speed?: number;
  /** Called once when the client sends a frame the recording does not have. */
  onMismatch?: (error: ReplayMismatchError) => void;
}

/** Entries played in one turn of the event loop at most, when they are due at once. */
const _BATCH = 512;

/** Payload cases compared field by field against the recording. */
const _EXACT = new Set(["marketDepthSubscribe", "marketByOrderSubscribe", "accountSubscribe"]);

/**
 * The client sent a frame the recording does not contain (at that point of the connection).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReplayMismatchError } from "./replay_source.ts";
 *
 * const error = new ReplayMismatchError("accountSubscribe", '{"accountId":["A"]}', 1, []);
 * assert.match(error.message, /^Cannot replay as the client sent accountSubscribe/);
 * ```
 */
export class ReplayMismatchError extends Error {
  /** The error class name, `"ReplayMismatchError"`. */
  override readonly name = "ReplayMismatchError";
  /** The payload case of the unexpected frame. */
  readonly payloadCase: string;
  /** The recorded connection (1-based). */
  readonly conn: number;

  /**
   * Creates the error.
   *
   * @param payloadCase The payload case the client sent.
   * @param detail The frame's payload as protobuf JSON (never a login).
   * @param conn The recorded connection.
   * @param recorded The recorded frames of the same case still ahead, as protobuf JSON.
   */
  constructor(payloadCase: string, detail: string, conn: number, recorded: readonly string[]) {
    super(
      `Cannot replay as the client sent ${payloadCase}${
        detail ? ` ${detail}` : ""
      } which the recording does not contain at this point of connection ${conn}${
        recorded.length > 0
          ? ` (recorded ${payloadCase} frames still ahead: ${recorded.join(", ")})`
          : ` (no ${payloadCase} is recorded ahead)`
      }`,
    );
    this.payloadCase = payloadCase;
    this.conn = conn;
  }
}

/**
 * Plays a recording back through the `WebSocketLike` port.
 *
 * @example Replay a recorded session into a client
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameRecorder } from "./frame_recorder.ts";
 * import { parseRecording } from "./recording_format.ts";
 * import { ReplaySource } from "./replay_source.ts";
 * import { T4Client } from "./t4_client.ts";
 * import { startSimulator } from "../sim/mod.ts";
 *
 * const lines: string[] = [];
 * {
 *   await using sim = await startSimulator({ seed: 1 });
 *   await using client = new T4Client({
 *     url: sim.url,
 *     auth: { apiKey: "demo-api-key" },
 *     recorder: new FrameRecorder({ write: (line) => lines.push(line) }),
 *   });
 *   await client.connect();
 * }
 * const source = new ReplaySource(parseRecording(lines.join("\n"), "mem"), { speed: Infinity });
 * await using replayed = new T4Client({
 *   url: "ws://127.0.0.1:9/v1",
 *   auth: { apiKey: "any" },
 *   WebSocket: source.WebSocket,
 * });
 * const session = await replayed.connect();
 * assert.ok(session.sessionId.length > 0);
 * assert.equal(source.connections, 1);
 * ```
 */
export class ReplaySource {
  readonly #conns: RecordingEntry[][];
  readonly #clock: Clock;
  readonly #speed: number;
  readonly #onMismatch: ((error: ReplayMismatchError) => void) | undefined;
  #made = 0;
  #mismatch: ReplayMismatchError | undefined;
  #resolveMismatch!: (error: ReplayMismatchError) => void;
  /** Resolves with the first mismatch (never, when the client sends only recorded frames). */
  readonly mismatched: Promise<ReplayMismatchError> = new Promise((resolve) =>
    this.#resolveMismatch = resolve
  );

  /**
   * Creates the source; nothing plays until the client makes a socket.
   *
   * @param recording A parsed recording (`parseRecording`).
   * @param options Clock, speed and mismatch handler.
   * @throws {RangeError} When `speed` is not > 0.
   */
  constructor(recording: Recording, options: ReplaySourceOptions = {}) {
    const speed = options.speed ?? 1;
    if (!(speed > 0)) {
      throw new RangeError(
        `Cannot replay as 'speed' must be > 0 (or Infinity): current value is ${speed}`,
      );
    }
    this.#speed = speed;
    this.#clock = options.clock ?? systemClock;
    this.#onMismatch = options.onMismatch;
    const byConn = new Map<number, RecordingEntry[]>();
    for (const entry of recording.entries) {
      let list = byConn.get(entry.conn);
      if (list === undefined) byConn.set(entry.conn, list = []);
      list.push(entry);
    }
    this.#conns = [...byConn.values()];
  }

  /** Sockets made so far (each plays one recorded connection). */
  get connections(): number {
    return this.#made;
  }

  /** The first mismatch, if any. */
  get mismatch(): ReplayMismatchError | undefined {
    return this.#mismatch;
  }

  /**
   * The market the recorded session subscribed to (depth or market by order) for a contract: how
   * `market: front` resolves during a replay, which reaches no REST API.
   *
   * @param exchangeId The exchange, e.g. `"CME_Eq"`.
   * @param contractId The contract, e.g. `"ES"`.
   * @returns The recorded market id, or `undefined` when the recording subscribed to none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { encodeClientMessage } from "../protocol/frame_codec.ts";
   * import { ReplaySource } from "./replay_source.ts";
   *
   * const data = encodeClientMessage({ payload: { case: "marketDepthSubscribe", value: {
   *   exchangeId: "CME_Eq", contractId: "ES", marketId: "XCME_Eq ES (Z26)" } } });
   * const source = new ReplaySource({
   *   header: { format: "t4flow-recording", version: 1, created_at: "2026-12-01T00:00:00Z" },
   *   entries: [{ event: "send", at: 0, conn: 1, data }],
   * } as never);
   * assert.equal(source.subscribedMarket("CME_Eq", "ES"), "XCME_Eq ES (Z26)");
   * assert.equal(source.subscribedMarket("CME_Eq", "NQ"), undefined);
   * ```
   */
  subscribedMarket(exchangeId: string, contractId: string): string | undefined {
    for (const entries of this.#conns) {
      for (const entry of entries) {
        if (entry.event !== "send") continue;
        let message: ClientMessage;
        try {
          message = decodeClientMessage(entry.data);
        } catch {
          continue;
        }
        const { payload } = message;
        if (
          (payload.case === "marketDepthSubscribe" || payload.case === "marketByOrderSubscribe") &&
          payload.value.exchangeId === exchangeId && payload.value.contractId === contractId &&
          payload.value.marketId !== ""
        ) return payload.value.marketId;
      }
    }
    return undefined;
  }

  /** A WebSocket constructor whose sockets play the recording; pass it as `WebSocket`. */
  get WebSocket(): WebSocketConstructor {
    // deno-lint-ignore no-this-alias
    const source = this;
    return class ReplayWebSocket extends _ReplaySocket {
      constructor(url: string) {
        const index = source.#made++;
        super(url, {
          entries: source.#mismatch ? undefined : source.#conns[index],
          conn: index + 1,
          clock: source.#clock,
          speed: source.#speed,
          failed: source.#mismatch,
          mismatch: (error) => {
            if (source.#mismatch) return;
            source.#mismatch = error;
            source.#resolveMismatch(error);
            source.#onMismatch?.(error);
          },
        });
      }
    };
  }
}

interface _SocketSetup {
  entries: RecordingEntry[] | undefined;
  conn: number;
  clock: Clock;
  speed: number;
  failed: ReplayMismatchError | undefined;
  mismatch: (error: ReplayMismatchError) => void;
}

class _ReplaySocket implements WebSocketLike {
  binaryType: BinaryType = "blob";
  readyState = 0;
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  readonly #setup: _SocketSetup;
  readonly #entries: RecordingEntry[];
  #index = 0;
  #releasedUpTo = -1;
  #prevAt: number | undefined;
  #timer: TimerHandle | undefined;
  #waiting = false;
  #running = false;
  #idle = false;

  constructor(readonly url: string, setup: _SocketSetup) {
    this.#setup = setup;
    this.#entries = setup.entries ?? [];
    if (setup.entries === undefined) {
      const reason = setup.failed
        ? `the replay stopped: ${setup.failed.message}`
        : `Cannot replay connection ${setup.conn} as the recording has no more connections`;
      this.#later(() => this.#fail(1006, reason));
      return;
    }
    this.#later(() => this.#run());
  }

  send(data: Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 1) throw new Error("Cannot send as the replayed socket is not open");
    let message: ClientMessage;
    try {
      message = decodeClientMessage(data);
    } catch {
      this.#mismatch("(an undecodable frame)", "", []);
      return;
    }
    const sent = message.payload;
    if (sent.case === undefined) return;
    if (sent.case === "heartbeat") {
      if (this.#idle) {
        const reply = encodeServerMessage({
          payload: { case: "heartbeat", value: { timestamp: BigInt(this.#setup.clock.now()) } },
        });
        this.#later(() => this.#deliver(reply));
      }
      return;
    }
    const from = Math.max(this.#index, this.#releasedUpTo + 1);
    const ahead: string[] = [];
    for (let k = from; k < this.#entries.length; k++) {
      const recorded = _gate(this.#entries[k]!);
      if (recorded === undefined || recorded.payload.case !== sent.case) continue;
      if (!_EXACT.has(sent.case) || _sameMessage(recorded, message)) {
        this.#releasedUpTo = k;
        if (this.#waiting) {
          this.#waiting = false;
          this.#later(() => this.#run()); // not inside the client's send()
        }
        return;
      }
      ahead.push(_payloadJson(recorded));
    }
    this.#mismatch(sent.case, sent.case === "loginRequest" ? "" : _payloadJson(message), ahead);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.#stop();
    this.readyState = 2;
    this.#later(() => {
      this.readyState = 3;
      this.onclose?.({ code: code ?? 1005, reason: reason ?? "", wasClean: true } as CloseEvent);
    }, true);
  }

  terminate(): void {
    this.#stop();
    this.readyState = 3;
  }

  /**
   * Plays entries until a gate, a recorded pause or the end. Entries due at once play in this
   * turn (up to a batch, then the event loop gets a turn); a pause waits on the clock. Never
   * re-entered: a handler that sends while an entry plays does not start a second loop.
   */
  #run(): void {
    if (this.#running || this.#timer !== undefined) return;
    this.#running = true;
    try {
      let batch = _BATCH;
      while (this.#index < this.#entries.length && this.readyState < 2) {
        const entry = this.#entries[this.#index]!;
        if (entry.event === "connect") {
          this.#prevAt = entry.at;
          this.#index++;
          continue;
        }
        if (entry.event === "send") {
          if (_gate(entry) === undefined) {
            this.#index++; // heartbeats and undecodable frames wait for nothing
            continue;
          }
          if (this.#index > this.#releasedUpTo) {
            this.#waiting = true;
            return;
          }
          this.#prevAt = entry.at;
          this.#index++;
          continue;
        }
        const delay = this.#setup.speed === Infinity || this.#prevAt === undefined
          ? 0
          : Math.max(0, entry.at - this.#prevAt) / this.#setup.speed;
        this.#prevAt = entry.at;
        this.#index++;
        if (delay > 0 || --batch <= 0) {
          this.#timer = this.#setup.clock.setTimeout(() => {
            this.#timer = undefined;
            this.#play(entry);
            this.#run();
          }, delay);
          return;
        }
        this.#play(entry);
      }
      if (this.#index >= this.#entries.length) this.#idle = true;
    } finally {
      this.#running = false;
    }
  }

  #play(entry: RecordingEntry): void {
    switch (entry.event) {
      case "open":
        this.readyState = 1;
        this.onopen?.(new Event("open"));
        return;
      case "recv":
        this.#deliver(entry.text ? new TextDecoder().decode(entry.data) : entry.data);
        return;
      case "close":
        this.readyState = 3;
        this.onclose?.(
          { code: entry.code, reason: entry.reason, wasClean: true } as CloseEvent,
        );
        return;
      case "error":
        this.onerror?.(new Event("error"));
        return;
    }
  }

  #deliver(data: Uint8Array | string): void {
    if (this.readyState !== 1) return;
    const payload = typeof data === "string" ? data : data.slice().buffer;
    this.onmessage?.({ data: payload } as MessageEvent);
  }

  #mismatch(payloadCase: string, detail: string, ahead: string[]): void {
    const error = new ReplayMismatchError(payloadCase, detail, this.#setup.conn, ahead);
    this.#setup.mismatch(error);
    this.#stop();
    this.#later(() => this.#fail(4000, error.message));
  }

  #fail(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: false } as CloseEvent);
  }

  #stop(): void {
    if (this.#timer !== undefined) this.#setup.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting = false;
    this.#idle = false;
  }

  #later(fn: () => void, evenIfClosed = false): void {
    this.#setup.clock.setTimeout(() => {
      if (evenIfClosed || this.readyState < 2) fn();
    }, 0);
  }
}

const _gates = new WeakMap<RecordingEntry, ClientMessage | null>();

/** The recorded client message of a gate entry, or `undefined` when it is not a gate. */
function _gate(entry: RecordingEntry): ClientMessage | undefined {
  if (entry.event !== "send" || entry.text) return undefined;
  let gate = _gates.get(entry);
  if (gate === undefined) {
    try {
      const message = decodeClientMessage(entry.data);
      gate = message.payload.case === undefined || message.payload.case === "heartbeat"
        ? null
        : message;
    } catch {
      gate = null;
    }
    _gates.set(entry, gate);
  }
  return gate ?? undefined;
}

function _payloadJson(message: ClientMessage): string {
  return JSON.stringify(Object.values(clientMessageToJson(message))[0] ?? {});
}

/**
 * Whether two decoded messages hold the same fields, as `equals` of `@bufbuild/protobuf` compares
 * them (unknown fields disregarded), without loading its descriptors: both come from the same
 * decoder, so equal messages have equal shapes.
 */
function _sameMessage(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length &&
      a.every((byte, i) => byte === b[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a).filter((k) => k !== "$unknown");
  const other = Object.keys(b).filter((k) => k !== "$unknown");
  if (keys.length !== other.length) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return keys.every((k) => Object.hasOwn(y, k) && _sameMessage(x[k], y[k]));
}
