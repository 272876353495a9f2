/**
 * The `--record FILE`, `--replay FILE` and `--speed N|max` options of `t4flow run` and
 * `t4flow console`: a file-backed `FrameRecorder`, or a `ReplaySource` read from a file.
 *
 * @module
 */

import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { FrameRecorder } from "../client/frame_recorder.ts";
import { parseRecording, RecordingFormatError } from "../client/recording_format.ts";
import { ReplaySource } from "../client/replay_source.ts";

/** The tape options as given on the command line. */
export interface TapeFlags {
  /** `--record FILE`. */
  record?: string | undefined;
  /** `--replay FILE`. */
  replay?: string | undefined;
  /** `--speed N|max` (only with `--replay`). */
  speed?: string | undefined;
}

/** An opened recorder or replay source; `close()` flushes and closes the file. */
export interface SessionTape {
  /** The recorder, with `--record`. */
  recorder?: FrameRecorder;
  /** The replay source, with `--replay`. */
  replay?: ReplaySource;
  /** One human line describing what happens, e.g. `replaying s.jsonl (2 connections) at 10x`. */
  describe: string;
  /** Closes the recording file (idempotent). */
  close(): void;
}

/**
 * The tape options are unusable (bad speed, unreadable or invalid recording).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TapeUsageError } from "./session_tape.ts";
 *
 * assert.equal(new TapeUsageError("x").name, "TapeUsageError");
 * ```
 */
export class TapeUsageError extends Error {
  /** The error class name, `"TapeUsageError"`. */
  override readonly name = "TapeUsageError";
}

/**
 * Parses `--speed`: a positive number, or `max`.
 *
 * @param text The option's value.
 * @returns The speed (`Infinity` for `max`).
 * @throws {TapeUsageError} When it is neither.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSpeed } from "./session_tape.ts";
 *
 * assert.equal(parseSpeed("max"), Infinity);
 * assert.equal(parseSpeed("2.5"), 2.5);
 * assert.throws(() => parseSpeed("0"), /--speed must be a number > 0 or max/);
 * ```
 */
export function parseSpeed(text: string): number {
  if (text === "max") return Infinity;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0)) {
    throw new TapeUsageError(`--speed must be a number > 0 or max: got '${text}'`);
  }
  return value;
}

/**
 * Opens the recorder or the replay source the flags ask for.
 *
 * @param flags `--record`, `--replay`, `--speed`.
 * @returns The tape, or `undefined` when no flag is given.
 * @throws {TapeUsageError} When both `--record` and `--replay` are given, `--speed` comes without
 *   `--replay`, the speed is invalid, or the recording cannot be read, parsed or created.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openSessionTape } from "./session_tape.ts";
 *
 * assert.equal(openSessionTape({}), undefined);
 * assert.throws(() => openSessionTape({ speed: "2" }), /--speed needs --replay/);
 * ```
 */
export function openSessionTape(flags: TapeFlags): SessionTape | undefined {
  if (flags.record !== undefined && flags.replay !== undefined) {
    throw new TapeUsageError("give either --record or --replay, not both");
  }
  if (flags.speed !== undefined && flags.replay === undefined) {
    throw new TapeUsageError("--speed needs --replay FILE");
  }
  if (flags.replay !== undefined) {
    const speed = parseSpeed(flags.speed ?? "1");
    let text: string;
    try {
      text = readFileSync(flags.replay, "utf8");
    } catch (error) {
      throw new TapeUsageError(
        `cannot read --replay ${flags.replay} (${(error as { code?: string }).code ?? error})`,
      );
    }
    let replay: ReplaySource;
    let connections: number;
    try {
      const recording = parseRecording(text, flags.replay);
      connections = new Set(recording.entries.map((entry) => entry.conn)).size;
      replay = new ReplaySource(recording, { speed });
    } catch (error) {
      if (error instanceof RecordingFormatError) throw new TapeUsageError(error.message);
      throw error;
    }
    return {
      replay,
      describe: `replaying ${flags.replay} (${connections} connection${
        connections === 1 ? "" : "s"
      }) at ${speed === Infinity ? "maximum speed" : `${speed}x`}; nothing connects`,
      close() {},
    };
  }
  if (flags.record === undefined) return undefined;
  const file = flags.record;
  let fd: number | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(file, "w", 0o600);
  } catch (error) {
    throw new TapeUsageError(
      `cannot create --record ${file} (${(error as { code?: string }).code ?? error})`,
    );
  }
  const recorder = new FrameRecorder({
    write(line) {
      if (fd !== undefined) writeSync(fd, `${line}\n`);
    },
  });
  return {
    recorder,
    describe: `recording every frame to ${file}`,
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}
