/**
 * The `--state FILE` store: the alert state of a check kept between runs (cron runs are separate
 * processes) in a small versioned JSON file, written atomically (temporary file + rename) so a
 * crash or a full disk never leaves a half-written file. A missing, unreadable, corrupt or foreign
 * file is reported as a warning and the check starts fresh: the store never crashes a run.
 *
 * @module
 */

import { mkdir, open, rename, unlink } from "node:fs/promises";
import { FileKindError, FileTooLargeError, readRegularFile } from "../runtime/files.ts";
import { basename, dirname, join } from "node:path";
import { t4flowLogger } from "../runtime/logger.ts";
import {
  advanceAlertState,
  type AlertNotification,
  type AlertPolicy,
  type AlertState,
  type CheckOutcome,
  DEFAULT_ALERT_POLICY,
  initialAlertState,
} from "./alert_state.ts";

const _log = t4flowLogger("monitor", "state");
/** A state file is a few hundred bytes; anything over 1 MiB is not one. */
const _MAX_STATE_BYTES = 1024 * 1024;

/** The `format` field of every state file. */
export const ALERT_STATE_FORMAT = "t4flow-alert-state";
/** The state file version this code writes and reads. */
export const ALERT_STATE_VERSION = 1;

/** The JSON document in a state file (version 1). */
export interface AlertStateFile {
  /** Always {@linkcode ALERT_STATE_FORMAT}. */
  format: typeof ALERT_STATE_FORMAT;
  /** Always {@linkcode ALERT_STATE_VERSION}. */
  version: typeof ALERT_STATE_VERSION;
  /** When the file was written (ISO 8601). */
  updatedAt: string;
  /** The alert state of the check. */
  state: AlertState;
}

/** Why a state file was not used. */
export type AlertStateWarningKind =
  | "missing"
  | "unreadable"
  | "corrupt"
  | "unsupported_version"
  | "other_check"
  | "write_failed";

/** A problem with the state file; the run goes on. */
export interface AlertStateWarning {
  /** What went wrong. */
  kind: AlertStateWarningKind;
  /** A one-line message naming the file and what happens next. */
  message: string;
}

/** The result of {@linkcode readAlertStateFile}. */
export interface AlertStateRead {
  /** The stored state, or a fresh one when the file could not be used. */
  state: AlertState;
  /** Problems found (empty when the file was read as is). */
  warnings: AlertStateWarning[];
}

/**
 * Reads the alert state of `check` from `path`. Never throws: a missing file, an unreadable or
 * corrupt one, an unsupported version or a file that belongs to another check gives a fresh
 * state and a warning (also logged under `["t4flow", "monitor", "state"]`).
 *
 * @param path The state file.
 * @param check The check name (the workflow name).
 * @returns The state and any warnings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAlertStateFile } from "./state_store.ts";
 *
 * const { state, warnings } = await readAlertStateFile("/nonexistent/t4flow-state.json", "check");
 * assert.equal(state.firing, false);
 * assert.equal(warnings[0]?.kind, "missing");
 * ```
 */
export function readAlertStateFile(path: string, check: string): Promise<AlertStateRead> {
  return Promise.resolve(_readAlertState(path, check));
}

function _readAlertState(path: string, check: string): AlertStateRead {
  const fresh = () => initialAlertState(check);
  const warn = (kind: AlertStateWarningKind, message: string): AlertStateRead => {
    const warning = { kind, message };
    if (kind === "missing") _log.info(message);
    else _log.warn(message);
    return { state: fresh(), warnings: [warning] };
  };
  let text: string;
  try {
    // Non-blocking and regular files only: a FIFO at the state path must not hang the monitor.
    text = readRegularFile(path, _MAX_STATE_BYTES);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") {
      return warn("missing", `State file ${path} does not exist yet: starting fresh`);
    }
    return warn(
      "unreadable",
      `Cannot read state file ${path} as ${_reason(error)}: starting fresh`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return warn("corrupt", `Cannot use state file ${path} as it is not valid JSON: starting fresh`);
  }
  if (!_isRecord(doc) || doc.format !== ALERT_STATE_FORMAT) {
    return warn(
      "corrupt",
      `Cannot use state file ${path} as it is not a t4flow alert state file: starting fresh`,
    );
  }
  if (doc.version !== ALERT_STATE_VERSION) {
    return warn(
      "unsupported_version",
      `Cannot use state file ${path} as its version is ${
        JSON.stringify(doc.version)
      } and this t4flow reads version ${ALERT_STATE_VERSION}: starting fresh`,
    );
  }
  const state = parseAlertState(doc.state);
  if (typeof state === "string") {
    return warn("corrupt", `Cannot use state file ${path} as ${state}: starting fresh`);
  }
  if (state.check !== check) {
    return warn(
      "other_check",
      `Cannot use state file ${path} as it holds the state of check '${state.check}', not '${check}': starting fresh (use one state file per check)`,
    );
  }
  return { state, warnings: [] };
}

/**
 * Writes the alert state to `path` atomically: a temporary file in the same directory is
 * written, flushed to disk and renamed over `path`, so readers see the old file or the new one,
 * never a partial one. A missing parent directory is created. The file is created with mode 0600.
 *
 * @param path The state file.
 * @param state The state to store.
 * @param nowMs The time recorded as `updatedAt`, ms since the epoch.
 * @returns A promise that resolves when the file is in place.
 * @throws {Error} The file system error (e.g. `EACCES`, `ENOTDIR`); the temporary file is
 * removed and `path` is left as it was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { initialAlertState } from "./alert_state.ts";
 * import { readAlertStateFile, writeAlertStateFile } from "./state_store.ts";
 *
 * const dir = await mkdtemp(join(tmpdir(), "t4flow-"));
 * const path = join(dir, "state.json");
 * await writeAlertStateFile(path, { ...initialAlertState("check"), consecutiveFailures: 2 }, 0);
 * const { state, warnings } = await readAlertStateFile(path, "check");
 * assert.equal(state.consecutiveFailures, 2);
 * assert.deepEqual(warnings, []);
 * await rm(dir, { recursive: true });
 * ```
 */
export async function writeAlertStateFile(
  path: string,
  state: AlertState,
  nowMs: number,
): Promise<void> {
  const doc: AlertStateFile = {
    format: ALERT_STATE_FORMAT,
    version: ALERT_STATE_VERSION,
    updatedAt: new Date(nowMs).toISOString(),
    state,
  };
  const temp = join(
    dirname(path),
    `.${basename(path)}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`,
  );
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(JSON.stringify(doc, null, 2) + "\n", "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/** The result of {@linkcode updateAlertStateFile}. */
export interface AlertStateUpdate {
  /** The state before this run (as read, or fresh). */
  previous: AlertState;
  /** The notice to send for this run, if any. */
  notification?: AlertNotification;
  /** The state after this run (as written). */
  state: AlertState;
  /** Problems with the state file, including a failed write; the notice is still returned. */
  warnings: AlertStateWarning[];
}

/**
 * Records one run of a check in its state file and tells which notice to send: reads the file
 * (a missing or bad one starts fresh with a warning), applies {@linkcode advanceAlertState} and
 * writes the file back atomically. Never throws: a failed write becomes a `write_failed` warning
 * and the notice is still returned (an alert too many beats a lost one).
 *
 * This is the hook the CLI calls once per run when `--state FILE` is given.
 *
 * @param path The state file.
 * @param check The check name (the workflow name).
 * @param outcome What the run did.
 * @param nowMs The clock time of the run, ms since the epoch.
 * @param policy Thresholds and reminder interval.
 * @param amend Changes the new state before it is written (e.g. records a refused login).
 * @returns The notice, the new state, the state before and any warnings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { updateAlertStateFile } from "./state_store.ts";
 *
 * const dir = await mkdtemp(join(tmpdir(), "t4flow-"));
 * const path = join(dir, "state.json");
 * const fail = { status: "failure", reason: "login: LOCKED_OUT" } as const;
 * const first = await updateAlertStateFile(path, "check", fail, 0);
 * assert.equal(first.notification?.kind, "firing");
 * const second = await updateAlertStateFile(path, "check", fail, 300_000);
 * assert.equal(second.notification, undefined); // no duplicate alert on the next cron run
 * const third = await updateAlertStateFile(path, "check", { status: "success" }, 600_000);
 * assert.equal(third.notification?.kind, "resolved");
 * await rm(dir, { recursive: true });
 * ```
 */
export async function updateAlertStateFile(
  path: string,
  check: string,
  outcome: CheckOutcome,
  nowMs: number,
  policy: AlertPolicy = DEFAULT_ALERT_POLICY,
  amend: (state: AlertState) => AlertState = (state) => state,
): Promise<AlertStateUpdate> {
  const read = await readAlertStateFile(path, check);
  const advanced = advanceAlertState(read.state, outcome, nowMs, policy);
  const notification = advanced.notification;
  const state = amend(advanced.state);
  const warnings = read.warnings;
  try {
    await writeAlertStateFile(path, state, nowMs);
  } catch (error) {
    const message = `Cannot write state file ${path} as ${
      _reason(error)
    }: the next run will not know this one's outcome`;
    _log.error(message);
    warnings.push({ kind: "write_failed", message });
  }
  const previous = read.state;
  return notification ? { notification, state, previous, warnings } : { state, previous, warnings };
}

function _reason(error: unknown): string {
  if (error instanceof FileKindError) return `it is a ${error.kind}, not a regular file`;
  if (error instanceof FileTooLargeError) return "it is larger than 1 MiB";
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" ? `${code} (${message})` : message;
}

function _isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const _COUNT = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const _TIME = (v: unknown) => typeof v === "number" && Number.isFinite(v);
const _STATUSES = ["success", "failure", "skipped"];

/**
 * Validates a stored alert state (from a state file or the monitor's database).
 *
 * @param raw The parsed JSON.
 * @returns The state (known fields only), or what is wrong with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAlertState } from "./state_store.ts";
 *
 * assert.equal(parseAlertState({ check: "c", firing: "yes" }), "'state.firing' is not a boolean");
 * const state = parseAlertState({ check: "c", firing: false, consecutiveFailures: 0, consecutiveSuccesses: 2 });
 * assert.equal(typeof state === "string" ? state : state.consecutiveSuccesses, 2);
 * ```
 */
export function parseAlertState(raw: unknown): AlertState | string {
  if (!_isRecord(raw)) return "'state' is not an object";
  if (typeof raw.check !== "string") return "'state.check' is not a string";
  if (typeof raw.firing !== "boolean") return "'state.firing' is not a boolean";
  for (const key of ["consecutiveFailures", "consecutiveSuccesses"] as const) {
    if (!_COUNT(raw[key])) return `'state.${key}' is not a count`;
  }
  const state: AlertState = {
    check: raw.check,
    firing: raw.firing,
    consecutiveFailures: raw.consecutiveFailures as number,
    consecutiveSuccesses: raw.consecutiveSuccesses as number,
  };
  for (const key of ["firedAt", "lastNotifiedAt", "failingSince", "lastRunAt"] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (!_TIME(value)) return `'state.${key}' is not a time`;
    state[key] = value as number;
  }
  if (raw.lastFailure !== undefined) {
    if (typeof raw.lastFailure !== "string") return "'state.lastFailure' is not a string";
    state.lastFailure = raw.lastFailure;
  }
  if (raw.lastStatus !== undefined) {
    if (!_STATUSES.includes(raw.lastStatus as string)) {
      return "'state.lastStatus' is not success, failure or skipped";
    }
    state.lastStatus = raw.lastStatus as CheckOutcome["status"];
  }
  if (raw.undelivered !== undefined) {
    if (!["firing", "reminder", "resolved"].includes(raw.undelivered as string)) {
      return "'state.undelivered' is not firing, reminder or resolved";
    }
    state.undelivered = raw.undelivered as AlertNotification["kind"];
  }
  if (raw.refusedLogin !== undefined) {
    const r = raw.refusedLogin;
    if (
      !_isRecord(r) || typeof r.result !== "string" || !_TIME(r.at) ||
      typeof r.salt !== "string" || typeof r.fingerprint !== "string"
    ) {
      return "'state.refusedLogin' is not a refused login";
    }
    state.refusedLogin = {
      result: r.result,
      at: r.at as number,
      salt: r.salt,
      fingerprint: r.fingerprint,
    };
  }
  return state;
}
