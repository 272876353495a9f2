/**
 * The monitor's history in SQLite: records, order, uptime, retention, alert state, and the
 * schema version with its migrations (a newer or foreign database is refused and left as it was).
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import type { RecordedRun } from "../../lib/monitor/run_store.ts";
import {
  openSqliteRunStore,
  RUN_STORE_SCHEMA_VERSION,
  RunStoreError,
} from "../../lib/monitor/sqlite_run_store.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "t4flow-store-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(workflow: string, startedAt: number, ok: boolean): RecordedRun {
  return {
    workflow,
    startedAt,
    durationMs: 40,
    status: ok ? "succeeded" : "failed",
    exitCode: ok ? 0 : 3,
    loginMs: ok ? 12 : null,
    error: ok ? null : "login: LOCKED_OUT",
    alerts: ok ? [] : ["firing"],
  };
}

describe("SQLite run store", () => {
  it("returns a workflow's runs newest first, bounded, with every field", () => {
    const store = openSqliteRunStore(":memory:");
    for (let i = 0; i < 5; i++) store.add(run("a", 1_000 * i, i % 2 === 0));
    store.add(run("b", 10_000, false));
    const recent = store.recent("a", 3);
    assert.deepEqual(recent.map((r) => r.startedAt), [4_000, 3_000, 2_000]);
    assert.deepEqual(recent[1], run("a", 3_000, false));
    assert.deepEqual(recent[0], run("a", 4_000, true));
    assert.deepEqual(store.recent("nobody", 3), []);
    store.close();
  });

  it("computes uptime over a window and null without runs", () => {
    const store = openSqliteRunStore(":memory:");
    store.add(run("a", 1_000, false));
    store.add(run("a", 2_000, true));
    store.add(run("a", 3_000, true));
    store.add(run("a", 4_000, true));
    assert.equal(store.uptime("a", 0), 0.75);
    assert.equal(store.uptime("a", 2_000), 1);
    assert.equal(store.uptime("a", 5_000), null);
    store.close();
  });

  it("prunes runs older than the retention cut-off", () => {
    const store = openSqliteRunStore(":memory:");
    for (let i = 0; i < 4; i++) store.add(run("a", 1_000 * i, true));
    assert.equal(store.prune(2_000), 2);
    assert.deepEqual(store.recent("a", 10).map((r) => r.startedAt), [3_000, 2_000]);
    store.close();
  });

  it("keeps runs and alert state in a file across reopening", () => {
    const path = join(dir, "history.db");
    const first = openSqliteRunStore(path);
    first.add(run("a", 1_000, false));
    first.saveAlertState("a", '{"check":"a","firing":true}', 1_000);
    first.saveAlertState("a", '{"check":"a","firing":false}', 2_000);
    first.close();
    const second = openSqliteRunStore(path);
    assert.deepEqual(second.recent("a", 10), [run("a", 1_000, false)]);
    assert.equal(second.alertState("a"), '{"check":"a","firing":false}');
    assert.equal(second.alertState("b"), undefined);
    second.close();
  });

  it("writes the schema version, and refuses a newer one without changing the file", async () => {
    const path = join(dir, "newer.db");
    openSqliteRunStore(path).close();
    const db = new DatabaseSync(path);
    assert.equal(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      RUN_STORE_SCHEMA_VERSION,
    );
    db.exec(`PRAGMA user_version = ${RUN_STORE_SCHEMA_VERSION + 1}`);
    db.close();
    const before = await readFile(path);
    assert.throws(
      () => openSqliteRunStore(path),
      (error) =>
        error instanceof RunStoreError &&
        error.message ===
          `Cannot use ${path} as the monitor database as its schema version is ${
            RUN_STORE_SCHEMA_VERSION + 1
          } and this t4flow reads up to ${RUN_STORE_SCHEMA_VERSION}: upgrade t4flow or give another --db`,
    );
    assert.deepEqual(await readFile(path), before);
  });

  it("refuses a database of something else instead of adding tables to it", () => {
    const path = join(dir, "foreign.db");
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
    db.close();
    assert.throws(() => openSqliteRunStore(path), /it holds other tables/);
    const check = new DatabaseSync(path);
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    check.close();
    assert.deepEqual(tables.map((t) => (t as { name: string }).name), ["invoices"]);
  });

  it("names the file when it cannot be opened", () => {
    const path = join(dir, "missing-dir", "x", "history.db");
    assert.throws(
      () => openSqliteRunStore(path),
      (error) =>
        error instanceof RunStoreError && error.path === path &&
        error.message.startsWith(`Cannot open the monitor database ${path} as`),
    );
  });
});
