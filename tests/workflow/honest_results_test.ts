/**
 * Honest results: a hold with the session down most of the time fails, a violated watch fails the
 * run unless informational, an expect timeout says what did arrive, `disconnected` fires once per
 * lost session, and succeeded steps keep their detail.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AccountUpdateSchema, MarketDepthSchema } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import type { RunEvent, RunReport } from "../../lib/workflow/run_report.ts";
import { junitXml } from "../../lib/workflow/junit_report.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { WorkflowValidationError } from "../../lib/workflow/workflow_diagnostic.ts";
import { FAKE_SESSION, FakeMessageClient } from "../_support/fake_workflow_client.ts";

function load(steps: string, alerts = "") {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-honest-"));
  const text = `version: 1
name: honest
connection:
  url: ws://127.0.0.1:9/v1
  auth: { api_key: "\${KEY}" }
steps:
  - login
${steps}alerts:
  - on: succeeded
    to: [{ file: events.jsonl }]
  - on: failed
    message: "{{ detail }}"
    to: [{ file: events.jsonl }]
${alerts}`;
  return {
    dir,
    workflow: parseWorkflow(text, join(dir, "w.yaml"), { env: { KEY: "sk-honest-key-1" }, dir }),
  };
}

function alertLines(dir: string): Record<string, unknown>[] {
  try {
    return readFileSync(join(dir, "events.jsonl"), "utf8").trim().split("\n").filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** Starts a run on a fake clock; `script` drives the client while the clock advances. */
async function run(
  steps: string,
  script: (client: FakeMessageClient, clock: FakeClock) => Promise<void>,
  alerts = "",
): Promise<{ report: RunReport; events: RunEvent[]; dir: string }> {
  const { dir, workflow } = load(steps, alerts);
  const clock = new FakeClock(0);
  let client: FakeMessageClient | undefined;
  const events: RunEvent[] = [];
  const running = runWorkflow(workflow, {
    clock,
    progressMs: 60_000,
    onEvent: (e) => events.push(e),
    createClient: (o) => (client = new FakeMessageClient(o, () => Promise.resolve(FAKE_SESSION))),
  });
  await clock.advance(0);
  assert.ok(client, "the run did not create a client");
  await script(client, clock);
  let settled = false;
  running.then(() => (settled = true), () => (settled = true));
  for (let i = 0; i < 200 && !settled; i++) await clock.advance(500);
  assert.ok(settled, "the run did not finish");
  return { report: await running, events, dir };
}

const drop = (client: FakeMessageClient) =>
  client.emit({ type: "disconnected", at: 0, reason: "dead_peer", detail: "nothing received" });
const back = (client: FakeMessageClient, attempt: number) =>
  client.emit({ type: "reconnected", at: 0, attempt, session: FAKE_SESSION, resubscribed: 0 });

describe("hold and max_downtime", () => {
  it("fails a hold when the session was down for 11.5 of 12 s (default max_downtime 10%)", async () => {
    const { report, dir } = await run("  - hold: 12s\n", async (client, clock) => {
      await clock.advance(250);
      drop(client);
      await clock.advance(11_500);
      back(client, 9);
    });
    assert.equal(report.exit_code, 1);
    assert.equal(report.status, "failed");
    assert.equal(report.steps[1]?.status, "failed");
    assert.equal(report.steps[1]?.error?.type, "HoldDowntimeError");
    assert.equal(
      report.steps[1]?.error?.message,
      "Cannot pass the hold as the session was down for 11.5 s of 12 s (96 %), more than max_downtime 10%",
    );
    assert.deepEqual(alertLines(dir).map((a) => a.event), ["failed"]);
  });

  it("passes a short outage, says how long it was, and honours max_downtime as a duration", async () => {
    const short = await run("  - hold: 12s\n", async (client, clock) => {
      await clock.advance(1_000);
      drop(client);
      await clock.advance(500);
      back(client, 1);
    });
    assert.equal(short.report.exit_code, 0);
    assert.equal(
      short.report.steps[1]?.detail,
      "held 12 s, session down 500 ms (4.2 %, max_downtime 10%)",
    );
    assert.equal(short.report.counts.downtime_ms, 500);

    const strict = await run(
      "  - hold: { duration: 12s, max_downtime: 200ms }\n",
      async (client, clock) => {
        await clock.advance(1_000);
        drop(client);
        await clock.advance(500);
        back(client, 1);
      },
    );
    assert.equal(strict.report.exit_code, 1);
    assert.match(strict.report.steps[1]?.error?.message ?? "", /more than max_downtime 200ms$/);
    assert.equal(strict.report.steps[1]?.name, "hold 12s");
  });

  it("refuses a max_downtime that is neither a share nor a duration", () => {
    assert.throws(
      () => load("  - hold: { duration: 12s, max_downtime: 150% }\n"),
      (error: unknown) =>
        error instanceof WorkflowValidationError &&
        error.errors.some((d) =>
          d.key === "steps[1].hold.max_downtime" && /at most 100%/.test(d.message)
        ),
    );
  });
});

describe("disconnected alerts", () => {
  it("fire once per lost session, not once per failed reconnect attempt", async () => {
    const { report, dir } = await run(
      "  - hold: 60s\n",
      async (client, clock) => {
        await clock.advance(1_000);
        drop(client);
        for (let attempt = 1; attempt <= 5; attempt++) {
          await clock.advance(200);
          client.emit({
            type: "disconnected",
            at: 0,
            reason: "error",
            detail: "connection refused",
          });
        }
        back(client, 6);
        await clock.advance(10_000);
        drop(client);
        await clock.advance(100);
        back(client, 1);
      },
      "  - on: disconnected\n    repeat: true\n    to: [{ file: events.jsonl }]\n",
    );
    assert.equal(report.exit_code, 0);
    assert.equal(report.counts.disconnects, 2);
    assert.deepEqual(alertLines(dir).map((a) => a.event), [
      "disconnected",
      "disconnected",
      "succeeded",
    ]);
  });
});

const WATCH = `  - watch:
      name: quotes_stale
      message: market_depth
      within: 1s
`;

describe("watches", () => {
  it("a violated watch fails the run (exit 1) at its end and says which", async () => {
    const { report, events, dir } = await run(`${WATCH}  - hold: 3s\n  - log: after\n`, () => {
      return Promise.resolve();
    });
    assert.equal(report.exit_code, 1);
    assert.equal(report.status, "failed");
    // The run goes on: every step ran.
    assert.deepEqual(report.steps.map((s) => s.status), [
      "succeeded",
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    assert.equal(report.reason, "watch 'quotes_stale' was violated: no market_depth for 1 s");
    const finished = events.find((e) => e.type === "run_finished");
    assert.equal(finished?.type === "run_finished" && finished.reason, report.reason);
    assert.deepEqual(alertLines(dir).map((a) => [a.event, a.text]), [
      ["failed", "watch 'quotes_stale' was violated: no market_depth for 1 s"],
    ]);
  });

  it("an informational watch only alerts; fail: true with informational: true is refused", async () => {
    const { report } = await run(
      `${WATCH}      informational: true\n  - hold: 3s\n`,
      () => Promise.resolve(),
    );
    assert.equal(report.exit_code, 0);
    assert.equal(report.watches?.[0]?.violations, 1);
    assert.equal(report.watches?.[0]?.informational, true);
    assert.throws(
      () => load(`${WATCH}      informational: true\n      fail: true\n`),
      (error: unknown) =>
        error instanceof WorkflowValidationError &&
        error.errors[0]?.message === "give either fail: true or informational: true, not both",
    );
  });
});

describe("expect timeouts", () => {
  it("say how many messages of each case arrived and the last value of the tested field", async () => {
    const { report } = await run(
      `  - expect: { message: market_depth, where: 'msg.market_id == "NQ"', timeout: 2s }\n`,
      async (client, clock) => {
        for (const id of ["ESZ6", "ESZ6", "ESH7"]) {
          await clock.advance(100);
          client.deliver("marketDepth", create(MarketDepthSchema, { marketId: id }));
        }
        client.deliver("accountUpdate", create(AccountUpdateSchema, { accountId: "A" }));
      },
    );
    assert.equal(report.exit_code, 1);
    assert.equal(
      report.steps[1]?.error?.message,
      'Expected a market_depth with msg.market_id == "NQ" within 2 s: none matched; 4 arrived (market_depth 3, account_update 1); the last market_depth had msg.market_id = "ESH7"',
    );
  });

  it("say when no message of the awaited case arrived", async () => {
    const { report } = await run(
      "  - expect: { message: market_depth, timeout: 1s }\n",
      async (client) => {
        client.deliver("accountUpdate", create(AccountUpdateSchema, { accountId: "A" }));
        await Promise.resolve();
      },
    );
    assert.equal(
      report.steps[1]?.error?.message,
      "Expected a market_depth within 1 s: no market_depth arrived; 1 other message did (account_update 1)",
    );
  });
});

describe("step details", () => {
  it("succeeded steps keep their detail in the report and JUnit", async () => {
    const { report } = await run("  - hold: 2s\n", () => Promise.resolve());
    assert.deepEqual(report.steps.map((s) => s.detail), [
      "session s-1 as u-1",
      "held 2 s, session up throughout",
    ]);
    assert.match(
      junitXml(report),
      /<testcase name="02 hold 2s"[^>]*>\n\s*<system-out>held 2 s, session up throughout<\/system-out>/,
    );
  });
});
