/**
 * The recording format (version 1) written by `FrameRecorder` and read by `ReplaySource`: JSON
 * Lines, one header line, then one line per connection event or frame, in the order they
 * happened. Frames keep their raw bytes (standard base64), so a replay delivers exactly what the
 * server sent; only frames that carried a secret are re-encoded with it blanked, and say so in
 * `redacted`. The full description is in `docs/console.md`.
 *
 * ```text
 * {"format":"t4flow-recording","version":1,"created_at":"2026-12-01T06:00:00.000Z"}
 * {"at":1764568800000,"conn":1,"event":"connect","url":"wss://wss-sim.t4login.com/v1"}
 * {"at":1764568800040,"conn":1,"event":"open"}
 * {"at":1764568800041,"conn":1,"event":"send","data":"EgwKCltSRURBQ1RFRF0=","redacted":["api_key"]}
 * {"at":1764568800090,"conn":1,"event":"recv","data":"EhAIARIIc2Vzcy0xLi4u"}
 * {"at":1764568830000,"conn":1,"event":"close","code":1000,"reason":""}
 * ```
 *
 * @module
 */

/** The `format` value of a recording's header line. */
export const RECORDING_FORMAT = "t4flow-recording";
/** The recording format version this code writes and reads. */
export const RECORDING_VERSION = 1;

/** The first line of a recording. */
export interface RecordingHeader {
  /** Always `"t4flow-recording"`. */
  format: "t4flow-recording";
  /** Always `1`. */
  version: 1;
  /** When the recording started (ISO 8601). */
  created_at: string;
}

/** Fields every entry has. */
interface _EntryBase {
  /** When it happened (for `recv`: when the frame was received), in ms since the epoch. */
  at: number;
  /** The connection, counted from 1 (a reconnect opens the next one). */
  conn: number;
}

/** A connection attempt to `url` (query string and user info removed). */
export interface RecordingConnect extends _EntryBase {
  /** `"connect"`. */
  event: "connect";
  /** The endpoint. */
  url: string;
}

/** The socket opened. */
export interface RecordingOpen extends _EntryBase {
  /** `"open"`. */
  event: "open";
}

/** A frame: `send` from the client, `recv` from the server. */
export interface RecordingFrame extends _EntryBase {
  /** `"send"` (client to server) or `"recv"` (server to client). */
  event: "send" | "recv";
  /** The frame's bytes (the UTF-8 bytes of a text frame). */
  data: Uint8Array<ArrayBuffer>;
  /** `true` for a text frame. */
  text?: boolean;
  /** The fields blanked because they held a secret (the frame was re-encoded without them). */
  redacted?: string[];
}

/** The socket closed. */
export interface RecordingClose extends _EntryBase {
  /** `"close"`. */
  event: "close";
  /** The close code. */
  code: number;
  /** The close reason (secrets redacted). */
  reason: string;
}

/** The socket reported an error. */
export interface RecordingError extends _EntryBase {
  /** `"error"`. */
  event: "error";
}

/** One line of a recording after the header. */
export type RecordingEntry =
  | RecordingConnect
  | RecordingOpen
  | RecordingFrame
  | RecordingClose
  | RecordingError;

/** A parsed recording. */
export interface Recording {
  /** The header line. */
  header: RecordingHeader;
  /** The entries, in file order. */
  entries: RecordingEntry[];
}

/**
 * A recording file is not valid: names the file, line, column and key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecordingFormatError } from "./recording_format.ts";
 *
 * const error = new RecordingFormatError("s.jsonl", 3, 1, "data", "must be a base64 string");
 * assert.equal(error.message, "Cannot read the recording as s.jsonl:3:1: 'data' must be a base64 string");
 * ```
 */
export class RecordingFormatError extends Error {
  /** The error class name, `"RecordingFormatError"`. */
  override readonly name = "RecordingFormatError";
  /** The file. */
  readonly file: string;
  /** The line (1-based). */
  readonly line: number;
  /** The column (1-based). */
  readonly column: number;
  /** The key, or `""` for the whole line. */
  readonly key: string;

  /**
   * Creates the error.
   *
   * @param file The file.
   * @param line The line (1-based).
   * @param column The column (1-based).
   * @param key The key, or `""`.
   * @param detail What is wrong.
   */
  constructor(file: string, line: number, column: number, key: string, detail: string) {
    super(
      `Cannot read the recording as ${file}:${line}:${column}: ${key ? `'${key}' ` : ""}${detail}`,
    );
    this.file = file;
    this.line = line;
    this.column = column;
    this.key = key;
  }
}

/**
 * Serialises the header line (without the newline).
 *
 * @param createdAt When the recording starts, in ms since the epoch.
 * @returns The JSON line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordingHeaderLine } from "./recording_format.ts";
 *
 * assert.equal(recordingHeaderLine(0), '{"format":"t4flow-recording","version":1,"created_at":"1970-01-01T00:00:00.000Z"}');
 * ```
 */
export function recordingHeaderLine(createdAt: number): string {
  const header: RecordingHeader = {
    format: RECORDING_FORMAT,
    version: RECORDING_VERSION,
    created_at: new Date(createdAt).toISOString(),
  };
  return JSON.stringify(header);
}

/**
 * Serialises one entry (without the newline); frame bytes become standard base64.
 *
 * @param entry The entry.
 * @returns The JSON line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordingEntryLine } from "./recording_format.ts";
 *
 * const line = recordingEntryLine({ at: 5, conn: 1, event: "recv", data: new Uint8Array([10, 0]) });
 * assert.equal(line, '{"at":5,"conn":1,"event":"recv","data":"CgA="}');
 * ```
 */
export function recordingEntryLine(entry: RecordingEntry): string {
  if (entry.event === "send" || entry.event === "recv") {
    return JSON.stringify({ ...entry, data: _base64Encode(entry.data) });
  }
  return JSON.stringify(entry);
}

/**
 * Parses a recording, checking every line.
 *
 * @param text The file's text.
 * @param file The file name for errors.
 * @returns The header and entries.
 * @throws {RecordingFormatError} When the header, a line or a key is invalid, or the version is
 *   not supported.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecording, recordingEntryLine, recordingHeaderLine } from "./recording_format.ts";
 *
 * const text = [
 *   recordingHeaderLine(0),
 *   recordingEntryLine({ at: 1, conn: 1, event: "connect", url: "ws://127.0.0.1:1/v1" }),
 * ].join("\n");
 * assert.equal(parseRecording(text, "r.jsonl").entries[0]?.event, "connect");
 * assert.throws(() => parseRecording("{}", "r.jsonl"), /r\.jsonl:1:1: 'format'/);
 * ```
 */
export function parseRecording(text: string, file: string): Recording {
  const lines = text.split("\n");
  let header: RecordingHeader | undefined;
  const entries: RecordingEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    if (raw.trim() === "") continue;
    const lineNo = i + 1;
    const fail = (key: string, detail: string): never => {
      const at = key ? raw.indexOf(`"${key}"`) : -1;
      throw new RecordingFormatError(file, lineNo, at >= 0 ? at + 1 : 1, key, detail);
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      fail("", `is not JSON: ${(error as Error).message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      fail("", "must be a JSON object");
    }
    const o = value as Record<string, unknown>;
    if (header === undefined) {
      if (o.format !== RECORDING_FORMAT) {
        fail("format", `must be "${RECORDING_FORMAT}" on the first line: this is not a recording`);
      }
      if (o.version !== RECORDING_VERSION) {
        fail(
          "version",
          `must be ${RECORDING_VERSION}: version ${
            JSON.stringify(o.version)
          } is not supported by this t4flow`,
        );
      }
      if (typeof o.created_at !== "string") fail("created_at", "must be an ISO 8601 string");
      header = {
        format: RECORDING_FORMAT,
        version: RECORDING_VERSION,
        created_at: o.created_at as string,
      };
      continue;
    }
    entries.push(_entry(o, fail));
  }
  if (header === undefined) {
    throw new RecordingFormatError(file, 1, 1, "format", "is missing: the file is empty");
  }
  return { header, entries };
}

function _entry(
  o: Record<string, unknown>,
  fail: (key: string, detail: string) => never,
): RecordingEntry {
  if (typeof o.at !== "number" || !Number.isFinite(o.at)) fail("at", "must be a number (ms)");
  if (typeof o.conn !== "number" || !Number.isInteger(o.conn) || o.conn < 1) {
    fail("conn", "must be an integer >= 1");
  }
  const base = { at: o.at as number, conn: o.conn as number };
  switch (o.event) {
    case "connect":
      if (typeof o.url !== "string") fail("url", "must be a string");
      return { ...base, event: "connect", url: o.url as string };
    case "open":
      return { ...base, event: "open" };
    case "error":
      return { ...base, event: "error" };
    case "close":
      if (typeof o.code !== "number") fail("code", "must be a number");
      return {
        ...base,
        event: "close",
        code: o.code as number,
        reason: typeof o.reason === "string" ? o.reason : "",
      };
    case "send":
    case "recv": {
      if (typeof o.data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.data)) {
        fail("data", "must be a standard base64 string");
      }
      const frame: RecordingFrame = {
        ...base,
        event: o.event,
        data: _base64Decode(o.data as string),
      };
      if (o.text === true) frame.text = true;
      if (Array.isArray(o.redacted)) frame.redacted = o.redacted.map(String);
      return frame;
    }
    default:
      return fail(
        "event",
        `must be connect, open, send, recv, close or error: got ${JSON.stringify(o.event)}`,
      );
  }
}

/** Standard base64 with padding. */
function _base64Encode(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const _BASE64_VALUES = new Map(
  [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [
    c.charCodeAt(0),
    i,
  ]),
);

/**
 * Decodes a string of the standard base64 alphabet (checked by the caller), padded or not; a
 * trailing partial group decodes to the whole bytes it holds.
 */
function _base64Decode(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array((text.length * 3) >> 2);
  let size = 0;
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < text.length; i++) {
    const value = _BASE64_VALUES.get(text.charCodeAt(i));
    if (value === undefined) continue; // padding
    acc = ((acc << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[size++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, size);
}
