/**
 * `FrameRecorder`: records every frame a `T4Client` sends and receives, with connection events
 * and times, as recording lines (see `recording_format.ts`). It decorates the WebSocket
 * constructor, so the client itself is unchanged: pass it as the client's `recorder` option, or
 * wrap any `WebSocketConstructor` with {@linkcode FrameRecorder.wrap}.
 *
 * No secret is ever written: the login frame is recorded with `api_key`, `password` and
 * `app_license` blanked, authentication tokens (in `LoginResponse` and `AuthenticationToken`)
 * are blanked, and any other frame or close reason that contains one of the login secrets is
 * re-encoded with it replaced by `[REDACTED]`.
 *
 * @module
 */

import { type Clock, systemClock } from "../runtime/clock.ts";
import { REDACTED_TEXT, redactSecrets } from "./credentials.ts";
import {
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
  peekServerMessagePayloadCase,
} from "../protocol/gen/t4/v1/service_t4fast.ts";
import {
  type RecordingEntry,
  recordingEntryLine,
  recordingHeaderLine,
} from "./recording_format.ts";
import type { WebSocketConstructor, WebSocketLike } from "./web_socket_like.ts";

/** Options of a {@linkcode FrameRecorder}. */
export interface FrameRecorderOptions {
  /** Receives each line of the recording (without the newline), header first. */
  write: (line: string) => void;
  /**
   * The clock that stamps each entry.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/**
 * Records frames in both directions, with connection events, as recording lines.
 *
 * @example Record a session with the embedded simulator
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameRecorder } from "./frame_recorder.ts";
 * import { T4Client } from "./t4_client.ts";
 * import { startSimulator } from "../sim/mod.ts";
 *
 * const lines: string[] = [];
 * const recorder = new FrameRecorder({ write: (line) => lines.push(line) });
 * await using sim = await startSimulator({ seed: 1 });
 * await using client = new T4Client({
 *   url: sim.url,
 *   auth: { apiKey: "demo-api-key" },
 *   WebSocket: recorder.wrap(globalThis.WebSocket),
 * });
 * await client.connect();
 * assert.match(lines[0]!, /"format":"t4flow-recording"/);
 * assert.ok(lines.some((line) => line.includes('"event":"recv"')));
 * assert.ok(!lines.join("\n").includes("demo-api-key"));
 * ```
 */
export class FrameRecorder {
  readonly #write: (line: string) => void;
  readonly #clock: Clock;
  readonly #secrets: string[] = [];
  #conn = 0;
  #entries = 0;

  /**
   * Creates a recorder and writes the header line.
   *
   * @param options Where lines go, and the clock.
   */
  constructor(options: FrameRecorderOptions) {
    this.#write = options.write;
    this.#clock = options.clock ?? systemClock;
    this.#write(recordingHeaderLine(this.#clock.now()));
  }

  /** Entries written so far (not counting the header). */
  get entries(): number {
    return this.#entries;
  }

  /**
   * Decorates a WebSocket constructor: each socket it makes is recorded as the next connection.
   *
   * @param WebSocket The constructor to decorate, e.g. `globalThis.WebSocket`.
   * @returns A constructor whose sockets behave the same and are recorded.
   */
  wrap(WebSocket: WebSocketConstructor): WebSocketConstructor {
    // deno-lint-ignore no-this-alias
    const recorder = this;
    return class RecordedWebSocket implements WebSocketLike {
      readonly #inner: WebSocketLike;
      onopen: WebSocketLike["onopen"] = null;
      onmessage: WebSocketLike["onmessage"] = null;
      onclose: WebSocketLike["onclose"] = null;
      onerror: WebSocketLike["onerror"] = null;

      constructor(url: string) {
        const conn = ++recorder.#conn;
        recorder.#record({ at: recorder.#clock.now(), conn, event: "connect", url: _url(url) });
        const inner = new WebSocket(url);
        this.#inner = inner;
        inner.onopen = (event) => {
          recorder.#record({ at: recorder.#clock.now(), conn, event: "open" });
          return this.onopen?.(event);
        };
        inner.onmessage = (event) => {
          recorder.#recordReceived(conn, event.data);
          return this.onmessage?.(event);
        };
        inner.onclose = (event) => {
          recorder.#record({
            at: recorder.#clock.now(),
            conn,
            event: "close",
            code: event.code,
            reason: redactSecrets(event.reason ?? "", recorder.#secrets),
          });
          return this.onclose?.(event);
        };
        inner.onerror = (event) => {
          recorder.#record({ at: recorder.#clock.now(), conn, event: "error" });
          return this.onerror?.(event);
        };
        this.send = (data) => {
          inner.send(data);
          recorder.#recordSent(conn, data);
        };
      }

      get binaryType(): BinaryType {
        return this.#inner.binaryType;
      }
      set binaryType(value: BinaryType) {
        this.#inner.binaryType = value;
      }
      get readyState(): number {
        return this.#inner.readyState;
      }
      send: (data: Uint8Array<ArrayBuffer>) => void;
      close(code?: number, reason?: string): void {
        this.#inner.close(code, reason);
      }
      terminate(): void {
        this.#inner.terminate?.();
      }
    };
  }

  #record(entry: RecordingEntry): void {
    this.#entries++;
    this.#write(recordingEntryLine(entry));
  }

  #recordSent(conn: number, data: Uint8Array): void {
    const at = this.#clock.now();
    const bytes = data.slice();
    let redacted: string[] | undefined;
    let out = bytes;
    try {
      const message = decodeClientMessage(bytes);
      if (message.payload.case === "loginRequest") {
        const login = message.payload.value;
        redacted = [];
        for (const [field, key] of _LOGIN_SECRETS) {
          if (login[key]) {
            this.#learn(login[key]);
            login[key] = "";
            redacted.push(field);
          }
        }
        out = encodeClientMessage(message) as Uint8Array<ArrayBuffer>;
      } else if (this.#containsSecret(bytes)) {
        redacted = _scrubTop(message, this.#secrets);
        out = encodeClientMessage(message) as Uint8Array<ArrayBuffer>;
      }
    } catch {
      // Not a ClientMessage: recorded as is, unless it holds a secret.
      if (this.#containsSecret(bytes)) {
        out = new TextEncoder().encode(REDACTED_TEXT);
        redacted = ["*"];
      }
    }
    this.#record({
      at,
      conn,
      event: "send",
      data: out as Uint8Array<ArrayBuffer>,
      ...(redacted && redacted.length > 0 && { redacted }),
    });
  }

  #recordReceived(conn: number, data: unknown): void {
    const at = this.#clock.now();
    const text = typeof data === "string";
    let bytes: Uint8Array<ArrayBuffer> = text
      ? new TextEncoder().encode(data)
      : data instanceof ArrayBuffer
      ? new Uint8Array(data.slice(0))
      : ArrayBuffer.isView(data)
      ? _copy(data)
      : new Uint8Array(0);
    let redacted: string[] | undefined;
    if (!text) {
      const payloadCase = _peek(bytes);
      if (
        payloadCase === "loginResponse" || payloadCase === "authenticationToken" ||
        this.#containsSecret(bytes)
      ) {
        const scrubbed = _scrubbed(bytes, this.#secrets);
        if (scrubbed) [bytes, redacted] = scrubbed;
      }
    }
    if (redacted === undefined && this.#containsSecret(bytes)) {
      bytes = new TextEncoder().encode(REDACTED_TEXT);
      redacted = ["*"];
    }
    this.#record({
      at,
      conn,
      event: "recv",
      data: bytes,
      ...(text && { text: true }),
      ...(redacted && redacted.length > 0 && { redacted }),
    });
  }

  #learn(secret: string): void {
    if (secret.length > 0 && !this.#secrets.includes(secret)) this.#secrets.push(secret);
  }

  #containsSecret(bytes: Uint8Array): boolean {
    if (this.#secrets.length === 0) return false;
    const encoder = new TextEncoder();
    return this.#secrets.some((secret) => _indexOf(bytes, encoder.encode(secret)) >= 0);
  }
}

const _LOGIN_SECRETS = [
  ["loginRequest.apiKey", "apiKey"],
  ["loginRequest.password", "password"],
  ["loginRequest.appLicense", "appLicense"],
] as const;

function _peek(bytes: Uint8Array): string | undefined {
  try {
    return peekServerMessagePayloadCase(bytes);
  } catch {
    return undefined;
  }
}

/** The server frame with its tokens and secrets blanked, or `undefined` when it does not decode. */
function _scrubbed(
  bytes: Uint8Array,
  secrets: readonly string[],
): [Uint8Array<ArrayBuffer>, string[]] | undefined {
  let message;
  try {
    message = decodeServerMessage(bytes);
  } catch {
    return undefined;
  }
  const redacted = _scrubTop(message, secrets);
  if (redacted.length === 0) return [bytes as Uint8Array<ArrayBuffer>, []];
  return [encodeServerMessage(message) as Uint8Array<ArrayBuffer>, redacted];
}

function _scrubTop(message: object, secrets: readonly string[]): string[] {
  return _scrub(message, secrets).map((path) => path.replace(/^payload\./, ""));
}

/**
 * Blanks every `token` field and replaces secrets in every string field, in place.
 *
 * @returns The paths of the changed fields.
 */
function _scrub(message: object, secrets: readonly string[], path = ""): string[] {
  const changed: string[] = [];
  const record = message as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (key === "$typeName") continue;
    const at = path ? `${path}.${key}` : key;
    if (key === "case") continue;
    if (typeof value === "string") {
      if (key === "token" && value.length > 0) {
        record[key] = "";
        changed.push(at);
      } else {
        const clean = redactSecrets(value, secrets);
        if (clean !== value) {
          record[key] = clean;
          changed.push(at);
        }
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (typeof item === "string") {
          const clean = redactSecrets(item, secrets);
          if (clean !== item) {
            value[i] = clean;
            changed.push(`${at}[${i}]`);
          }
        } else if (item !== null && typeof item === "object") {
          changed.push(..._scrub(item, secrets, `${at}[${i}]`));
        }
      });
    } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
      // A oneof is `{ case, value }`: name the value by its case.
      const child = key === "value" && typeof record.case === "string"
        ? (path ? `${path}.${record.case}` : record.case)
        : at;
      changed.push(..._scrub(value, secrets, child));
    }
  }
  return changed;
}

function _copy(view: ArrayBufferView): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(view.byteLength);
  out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return out;
}

function _indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return -1;
  const first = needle[0];
  outer: for (let i = 0; i <= haystack.length - needle.length; i++) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function _url(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
