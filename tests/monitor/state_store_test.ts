import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FakeClock } from "../../lib/runtime/clock.ts";
import {
  alertPolicy,
  type CheckOutcome,
  initialAlertState,
} from "../../lib/monitor/alert_state.ts";
import {
  readAlertStateFile,
  updateAlertStateFile,
  writeAlertStateFile,
} from "../../lib/monitor/state_store.ts";

const FAIL: CheckOutcome = { status: "failure", reason: "login: LOCKED_OUT" };
const OK: CheckOutcome = { status: "success" };
const MIN = 60_000;

let dir: string;
let n = 0;
const fresh = () => join(dir, `state-${++n}.json`);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "t4flow-monitor-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("updateAlertStateFile across cron runs", () => {
  it("alerts once, reminds on schedule and resolves once over separate runs", async () => {
    // Each call is what one cron-started process does: read the file, decide, write it back.
    const path = fresh();
    const clock = new FakeClock(Date.parse("2026-11-25T12:00:00Z"));
    const policy = alertPolicy({
      failureThreshold: 2,
      successThreshold: 2,
      reminderIntervalMs: 30 * MIN,
    });
    const outcomes = [OK, FAIL, FAIL, FAIL, FAIL, FAIL, FAIL, FAIL, OK, FAIL, OK, OK, OK];
    const notices: string[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const { notification, warnings } = await updateAlertStateFile(
        path,
        "session-check",
        outcome,
        clock.now(),
        policy,
      );
      assert.deepEqual(warnings.map((w) => w.kind), i === 0 ? ["missing"] : []);
      if (notification) notices.push(`${notification.kind}@${i}`);
      await clock.advance(5 * MIN);
    }
    // Fires at the 2nd failure (run 2, 10 min); the reminder falls due at 40 min (run 8), which
    // succeeds, so it goes out with the next failure (run 9); two successes resolve (run 11).
    assert.deepEqual(notices, ["firing@2", "reminder@9", "resolved@11"]);
  });

  it("writes a versioned JSON document", async () => {
    const path = fresh();
    await updateAlertStateFile(path, "session-check", FAIL, Date.parse("2026-11-25T12:00:00Z"));
    const doc = JSON.parse(await readFile(path, "utf8"));
    assert.deepEqual(doc, {
      format: "t4flow-alert-state",
      version: 1,
      updatedAt: "2026-11-25T12:00:00.000Z",
      state: {
        check: "session-check",
        firing: true,
        consecutiveFailures: 1,
        consecutiveSuccesses: 0,
        firedAt: Date.parse("2026-11-25T12:00:00Z"),
        lastNotifiedAt: Date.parse("2026-11-25T12:00:00Z"),
        failingSince: Date.parse("2026-11-25T12:00:00Z"),
        lastFailure: "login: LOCKED_OUT",
        lastRunAt: Date.parse("2026-11-25T12:00:00Z"),
        lastStatus: "failure",
      },
    });
  });

  it("leaves no temporary file behind", async () => {
    const sub = join(dir, "clean");
    await mkdir(sub);
    for (let i = 0; i < 5; i++) await updateAlertStateFile(join(sub, "s.json"), "c", FAIL, i);
    assert.deepEqual(await readdir(sub), ["s.json"]);
  });
});

describe("readAlertStateFile", () => {
  const cases: [string, string, string, RegExp][] = [
    ["not JSON", "{ nope", "corrupt", /is not valid JSON: starting fresh$/],
    ["truncated JSON", '{"format":"t4flow-alert-state","vers', "corrupt", /not valid JSON/],
    ["empty", "", "corrupt", /not valid JSON/],
    ["another format", '{"version":1}', "corrupt", /not a t4flow alert state file/],
    ["JSON null", "null", "corrupt", /not a t4flow alert state file/],
    [
      "a newer version",
      '{"format":"t4flow-alert-state","version":2,"state":{}}',
      "unsupported_version",
      /its version is 2 and this t4flow reads version 1: starting fresh$/,
    ],
    [
      "a bad field",
      '{"format":"t4flow-alert-state","version":1,"state":{"check":"c","firing":"yes","consecutiveFailures":1,"consecutiveSuccesses":0}}',
      "corrupt",
      /'state.firing' is not a boolean/,
    ],
    [
      "a negative count",
      '{"format":"t4flow-alert-state","version":1,"state":{"check":"c","firing":false,"consecutiveFailures":-1,"consecutiveSuccesses":0}}',
      "corrupt",
      /'state.consecutiveFailures' is not a count/,
    ],
    [
      "a bad time",
      '{"format":"t4flow-alert-state","version":1,"state":{"check":"c","firing":true,"consecutiveFailures":1,"consecutiveSuccesses":0,"firedAt":"now"}}',
      "corrupt",
      /'state.firedAt' is not a time/,
    ],
    [
      "another check's state",
      '{"format":"t4flow-alert-state","version":1,"state":{"check":"other","firing":true,"consecutiveFailures":1,"consecutiveSuccesses":0}}',
      "other_check",
      /holds the state of check 'other', not 'c': starting fresh \(use one state file per check\)$/,
    ],
  ];
  for (const [name, content, kind, message] of cases) {
    it(`warns and starts fresh on ${name}`, async () => {
      const path = fresh();
      await writeFile(path, content);
      const { state, warnings } = await readAlertStateFile(path, "c");
      assert.deepEqual(state, initialAlertState("c"));
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.kind, kind);
      assert.match(warnings[0]?.message ?? "", message);
      assert.ok(warnings[0]?.message.includes(path));
    });
  }

  it("warns and starts fresh when the file is missing", async () => {
    const path = fresh();
    const { state, warnings } = await readAlertStateFile(path, "c");
    assert.deepEqual(state, initialAlertState("c"));
    assert.deepEqual(warnings, [{
      kind: "missing",
      message: `State file ${path} does not exist yet: starting fresh`,
    }]);
  });

  it("warns and starts fresh when the path cannot be read (a directory)", async () => {
    const path = join(dir, "a-directory");
    await mkdir(path);
    const { state, warnings } = await readAlertStateFile(path, "c");
    assert.deepEqual(state, initialAlertState("c"));
    assert.equal(warnings[0]?.kind, "unreadable");
    assert.match(warnings[0]?.message ?? "", /^Cannot read state file .* as .*: starting fresh$/);
  });

  it("replaces a corrupt file with a valid one on the next update", async () => {
    const path = fresh();
    await writeFile(path, "garbage");
    const first = await updateAlertStateFile(path, "c", FAIL, 0);
    assert.equal(first.notification?.kind, "firing");
    assert.equal(first.warnings[0]?.kind, "corrupt");
    const second = await updateAlertStateFile(path, "c", FAIL, 5 * MIN);
    assert.equal(second.notification, undefined);
    assert.deepEqual(second.warnings, []);
  });

  it("ignores unknown fields in a version 1 file", async () => {
    const path = fresh();
    await writeFile(
      path,
      '{"format":"t4flow-alert-state","version":1,"extra":1,"state":{"check":"c","firing":false,"consecutiveFailures":2,"consecutiveSuccesses":0,"future":true}}',
    );
    const { state, warnings } = await readAlertStateFile(path, "c");
    assert.deepEqual(warnings, []);
    assert.deepEqual(state, { ...initialAlertState("c"), consecutiveFailures: 2 });
  });
});

describe("writeAlertStateFile", () => {
  it("fails without touching the target and removes its temporary file", async () => {
    const sub = join(dir, "blocked");
    await mkdir(join(sub, "state.json"), { recursive: true });
    await assert.rejects(writeAlertStateFile(join(sub, "state.json"), initialAlertState("c"), 0));
    assert.deepEqual(await readdir(sub), ["state.json"]);
    assert.deepEqual(await readdir(join(sub, "state.json")), []);
  });

  it("creates a missing parent directory", async () => {
    const path = join(dir, "new", "nested", "state.json");
    const update = await updateAlertStateFile(path, "c", FAIL, 0);
    assert.deepEqual(update.warnings.map((w) => w.kind), ["missing"]);
    assert.equal((await readAlertStateFile(path, "c")).state.firing, true);
  });

  it("reports a failed write as a warning and still returns the notice", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "");
    const path = join(file, "state.json");
    const update = await updateAlertStateFile(path, "c", FAIL, 0);
    assert.equal(update.notification?.kind, "firing");
    assert.deepEqual(update.warnings.map((w) => w.kind), ["unreadable", "write_failed"]);
    assert.match(
      update.warnings[1]?.message ?? "",
      /^Cannot write state file .* as (ENOTDIR|EEXIST).*: the next run will not know this one's outcome$/,
    );
  });
});
