/**
 * The monitor's history in SQLite through `node:sqlite` (`DatabaseSync`), which Deno and Bun both
 * implement: one file (`--db FILE`) or memory. The schema carries a version (`PRAGMA
 * user_version`) and is brought up to date by numbered migrations, each in a transaction; a file
 * written by a newer t4flow, or a file that is not a t4flow monitor database, is refused rather
 * than changed.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { RecordedRun, RecordedRunStatus, RunStore } from "./run_store.ts";

/** The schema version this code writes and reads. */
export const RUN_STORE_SCHEMA_VERSION = 1;

/**
 * The migrations, in order: entry `i` takes the schema from version `i` to `i + 1`. Never edit a
 * released entry; add one.
 */
const _MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY,
     workflow TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
     exit_code INTEGER NOT NULL,
     login_ms INTEGER,
     error TEXT,
     alerts TEXT NOT NULL DEFAULT '[]'
   );
   CREATE INDEX runs_by_workflow ON runs (workflow, started_at DESC);
   CREATE INDEX runs_by_start ON runs (started_at);
   CREATE TABLE alert_state (
     workflow TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
];

/** A database file that cannot be used as the monitor's history. */
export class RunStoreError extends Error {
  /** Always `"RunStoreError"`. */
  override readonly name = "RunStoreError";
  /** The database file (`:memory:` for memory). */
  readonly path: string;

  /**
   * Creates the error.
   *
   * @param path The database file.
   * @param message The full message.
   * @param options Error options (`cause`).
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/**
 * Opens (creating when missing) the monitor's history in a SQLite file and migrates its schema to
 * {@linkcode RUN_STORE_SCHEMA_VERSION}.
 *
 * @param path The database file, or `":memory:"` for a history that ends with the process.
 * @returns The store.
 * @throws {RunStoreError} When the file cannot be opened, was written by a newer t4flow, or holds
 * other tables (not a t4flow monitor database); the file is left as it was.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openSqliteRunStore } from "./sqlite_run_store.ts";
 *
 * const store = openSqliteRunStore(":memory:");
 * store.add({
 *   workflow: "session-check",
 *   startedAt: 1_000,
 *   durationMs: 250,
 *   status: "failed",
 *   exitCode: 3,
 *   loginMs: 200,
 *   error: "login: LOCKED_OUT",
 *   alerts: ["firing"],
 * });
 * assert.equal(store.recent("session-check", 10)[0]?.error, "login: LOCKED_OUT");
 * assert.equal(store.uptime("session-check", 0), 0);
 * store.close();
 * ```
 */
export function openSqliteRunStore(path: string): RunStore {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (cause) {
    throw new RunStoreError(
      path,
      `Cannot open the monitor database ${path} as ${_reason(cause)}`,
      { cause },
    );
  }
  try {
    _migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  return new _SqliteRunStore(db);
}

function _migrate(db: DatabaseSync, path: string): void {
  let version: number;
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    version = Number(
      (db.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version,
    );
  } catch (cause) {
    throw new RunStoreError(
      path,
      `Cannot use ${path} as the monitor database as ${_reason(cause)}`,
      { cause },
    );
  }
  if (version > RUN_STORE_SCHEMA_VERSION) {
    throw new RunStoreError(
      path,
      `Cannot use ${path} as the monitor database as its schema version is ${version} and this t4flow reads up to ${RUN_STORE_SCHEMA_VERSION}: upgrade t4flow or give another --db`,
    );
  }
  if (version === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'")
      .get() as { n: number };
    if (Number(tables.n) > 0) {
      throw new RunStoreError(
        path,
        `Cannot use ${path} as the monitor database as it holds other tables: give a new file or an existing t4flow monitor database`,
      );
    }
  }
  if (path !== ":memory:" && version < RUN_STORE_SCHEMA_VERSION) {
    db.exec("PRAGMA journal_mode = WAL");
  }
  for (let v = version; v < RUN_STORE_SCHEMA_VERSION; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(_MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (cause) {
      db.exec("ROLLBACK");
      throw new RunStoreError(
        path,
        `Cannot migrate the monitor database ${path} to schema version ${v + 1} as ${
          _reason(cause)
        }`,
        { cause },
      );
    }
  }
}

interface _Row {
  workflow: string;
  started_at: number;
  duration_ms: number;
  status: string;
  exit_code: number;
  login_ms: number | null;
  error: string | null;
  alerts: string;
}

class _SqliteRunStore implements RunStore {
  readonly #db: DatabaseSync;
  readonly #insert;
  readonly #recent;
  readonly #uptime;
  readonly #prune;
  readonly #getState;
  readonly #putState;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO runs (workflow, started_at, duration_ms, status, exit_code, login_ms, error, alerts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#recent = db.prepare(
      `SELECT workflow, started_at, duration_ms, status, exit_code, login_ms, error, alerts
       FROM runs WHERE workflow = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
    );
    this.#uptime = db.prepare(
      `SELECT count(*) AS total, coalesce(sum(status = 'succeeded'), 0) AS ok
       FROM runs WHERE workflow = ? AND started_at >= ?`,
    );
    this.#prune = db.prepare("DELETE FROM runs WHERE started_at < ?");
    this.#getState = db.prepare("SELECT state FROM alert_state WHERE workflow = ?");
    this.#putState = db.prepare(
      `INSERT INTO alert_state (workflow, state, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (workflow) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    );
  }

  add(run: RecordedRun): void {
    this.#insert.run(
      run.workflow,
      Math.round(run.startedAt),
      Math.max(0, Math.round(run.durationMs)),
      run.status,
      run.exitCode,
      run.loginMs === null ? null : Math.round(run.loginMs),
      run.error,
      JSON.stringify(run.alerts),
    );
  }

  recent(workflow: string, limit: number): RecordedRun[] {
    const rows = this.#recent.all(workflow, Math.max(0, Math.floor(limit))) as unknown as _Row[];
    return rows.map((row) => ({
      workflow: row.workflow,
      startedAt: Number(row.started_at),
      durationMs: Number(row.duration_ms),
      status: row.status as RecordedRunStatus,
      exitCode: Number(row.exit_code),
      loginMs: row.login_ms === null ? null : Number(row.login_ms),
      error: row.error,
      alerts: _alerts(row.alerts),
    }));
  }

  uptime(workflow: string, sinceMs: number): number | null {
    const row = this.#uptime.get(workflow, Math.round(sinceMs)) as { total: number; ok: number };
    const total = Number(row.total);
    return total === 0 ? null : Number(row.ok) / total;
  }

  prune(beforeMs: number): number {
    return Number(this.#prune.run(Math.round(beforeMs)).changes);
  }

  alertState(workflow: string): string | undefined {
    const row = this.#getState.get(workflow) as { state: string } | undefined;
    return row?.state;
  }

  saveAlertState(workflow: string, json: string, nowMs: number): void {
    this.#putState.run(workflow, json, Math.round(nowMs));
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function _alerts(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}

function _reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
