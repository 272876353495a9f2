import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LoginError } from "../../lib/client/errors.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import type { RunEvent } from "../../lib/workflow/run_report.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { FAKE_SESSION, FakeClient } from "../_support/fake_workflow_client.ts";

const SECRET = "sk-unit-SECRET-7f3a";

const session = FAKE_SESSION;

function workflow(extra = "", steps = "  - login\n  - hold: 30s\n") {
  const dir = mkdtempSync(join(tmpdir(), "t4flow-run-"));
  const text = `version: 1
name: unit
connection:
  url: ws://127.0.0.1:9/v1
  auth:
    api_key: \${KEY}
  heartbeat: 1s
steps:
${steps}alerts:
  - on: LOCKED_OUT
    message: "locked out: {{ error_message }} ({{ result }})"
    to:
      - file: alerts.jsonl
  - on: disconnected
    to: [{ file: events.jsonl }]
  - on: reconnected
    repeat: true
    min_interval: 0s
    to: [{ file: events.jsonl }]
  - on: failed
    message: "run failed at {{ step }}"
    to: [{ file: events.jsonl }]
  - on: succeeded
    to: [{ file: events.jsonl }]
${extra}`;
  return { dir, workflow: parseWorkflow(text, join(dir, "w.yaml"), { env: { KEY: SECRET }, dir }) };
}

function lines(file: string): Record<string, unknown>[] {
  try {
    return readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** Advances the fake clock until `done` settles (bounded). */
async function drive<T>(clock: FakeClock, done: Promise<T>, stepMs = 500, max = 400): Promise<T> {
  let settled = false;
  done.then(() => (settled = true), () => (settled = true));
  for (let i = 0; i < max && !settled; i++) await clock.advance(stepMs);
  assert.ok(settled, "the run did not finish");
  return done;
}

describe("runWorkflow", () => {
  it("logs in, holds on the clock and reports success", async () => {
    const { dir, workflow: w } = workflow();
    const clock = new FakeClock(Date.UTC(2026, 10, 25, 12));
    let client: FakeClient | undefined;
    const events: RunEvent[] = [];
    const running = runWorkflow(w, {
      clock,
      progressMs: 10_000,
      onEvent: (e) => events.push(e),
      createClient: (options) => (client = new FakeClient(options, () => Promise.resolve(session))),
    });
    const report = await drive(clock, running);
    assert.equal(report.exit_code, 0);
    assert.equal(report.status, "succeeded");
    assert.deepEqual(report.steps.map((s) => [s.name, s.status, s.duration_ms]), [
      ["login", "succeeded", 0],
      ["hold 30s", "succeeded", 30_000],
    ]);
    assert.equal(client?.options.heartbeatMs, 1_000);
    assert.deepEqual(client?.options.auth, { apiKey: SECRET });
    assert.equal(client?.closed, true);
    assert.deepEqual(
      events.filter((e) => e.type === "step_progress").map((e) =>
        e.type === "step_progress" && e.elapsed_ms
      ),
      [10_000, 20_000, 30_000],
    );
    assert.deepEqual(lines(join(dir, "events.jsonl")).map((a) => a.event), ["succeeded"]);
    assert.ok(!JSON.stringify({ report, events }).includes(SECRET));
  });

  it("fails with exit 3 on LOCKED_OUT, alerts once and skips the rest", async () => {
    const { dir, workflow: w } = workflow();
    let client: FakeClient | undefined;
    const report = await runWorkflow(w, {
      createClient: (options) => (client = new FakeClient(options, () => {
        const error = new LoginError(LoginResult.LOCKED_OUT, `too many attempts for ${SECRET}`);
        client!.emit({
          type: "login_failed",
          at: 0,
          result: "LOCKED_OUT",
          code: LoginResult.LOCKED_OUT,
          errorMessage: `too many attempts for ${SECRET}`,
          fatal: true,
        });
        return Promise.reject(error);
      })),
    });
    assert.equal(report.exit_code, 3);
    assert.equal(report.status, "failed");
    assert.equal(client?.connects, 1);
    assert.deepEqual(report.steps.map((s) => s.status), ["failed", "skipped"]);
    assert.equal(report.steps[0]?.error?.result, "LOCKED_OUT");
    const alerts = lines(join(dir, "alerts.jsonl"));
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.text, "locked out: too many attempts for [REDACTED] (LOCKED_OUT)");
    assert.equal(alerts[0]?.on, "LOCKED_OUT");
    assert.deepEqual(lines(join(dir, "events.jsonl")).map((a) => [a.event, a.text]), [
      ["failed", "run failed at login"],
    ]);
    assert.ok(!JSON.stringify(report).includes(SECRET));
  });

  it("makes every status event visible to alerts during a hold", async () => {
    const { dir, workflow: w } = workflow();
    const clock = new FakeClock(0);
    let client: FakeClient | undefined;
    const running = runWorkflow(w, {
      clock,
      createClient: (options) => (client = new FakeClient(options, () => Promise.resolve(session))),
    });
    await clock.advance(5_000);
    for (let i = 1; i <= 2; i++) {
      client!.emit({
        type: "disconnected",
        at: 0,
        reason: "dead_peer",
        detail: "nothing received",
      });
      client!.stats.reconnects = i;
      client!.emit({ type: "reconnected", at: 0, attempt: 1, session, resubscribed: 0 });
    }
    const report = await drive(clock, running);
    assert.equal(report.exit_code, 0);
    assert.equal(report.counts.reconnects, 2);
    assert.equal(report.counts.disconnects, 2);
    // `disconnected` fires once per run; `reconnected` has repeat: true.
    assert.deepEqual(lines(join(dir, "events.jsonl")).map((a) => a.event), [
      "disconnected",
      "reconnected",
      "reconnected",
      "succeeded",
    ]);
  });

  it("fails the hold with exit 1 when the client gives up", async () => {
    const { workflow: w } = workflow();
    const clock = new FakeClock(0);
    let client: FakeClient | undefined;
    const running = runWorkflow(w, {
      clock,
      createClient: (options) => (client = new FakeClient(options, () => Promise.resolve(session))),
    });
    await clock.advance(2_000);
    client!.emit({
      type: "closed",
      at: 0,
      reason: "the connection was lost and reconnecting is disabled",
    });
    const report = await drive(clock, running);
    assert.equal(report.exit_code, 1);
    assert.equal(report.steps[1]?.status, "failed");
    assert.equal(
      report.steps[1]?.error?.message,
      "Cannot continue as the session ended: the connection was lost and reconnecting is disabled",
    );
  });

  it("closes the session and exits 130 when interrupted", async () => {
    const { dir, workflow: w } = workflow();
    const clock = new FakeClock(0);
    const controller = new AbortController();
    let client: FakeClient | undefined;
    const running = runWorkflow(w, {
      clock,
      signal: controller.signal,
      createClient: (options) => (client = new FakeClient(options, () => Promise.resolve(session))),
    });
    await clock.advance(3_000);
    controller.abort();
    const report = await running;
    assert.equal(report.exit_code, 130);
    assert.equal(report.status, "interrupted");
    assert.deepEqual(report.steps.map((s) => s.status), ["succeeded", "interrupted"]);
    assert.equal(client?.closed, true);
    assert.deepEqual(lines(join(dir, "events.jsonl")), []);
  });

  it("posts webhooks with a Slack-compatible text and pipes alerts to commands", async () => {
    const received: string[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        if (request.url === "/fail") return void response.writeHead(500).end("no");
        received.push(body);
        response.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const dir = mkdtempSync(join(tmpdir(), "t4flow-sinks-"));
      const out = join(dir, "command.json");
      const w = parseWorkflow(
        `version: 1
name: sinks
connection: { url: "ws://127.0.0.1:9/v1", auth: { api_key: "\${KEY}" } }
steps: [login]
alerts:
  - on: succeeded
    message: "{{ workflow }} ok"
    to:
      - webhook: http://127.0.0.1:${port}/hook/\${HOOK_TOKEN}
      - command: ["sh", "-c", "cat > \\"$0\\"", "${out}"]
      - webhook: http://127.0.0.1:${port}/fail
`,
        join(dir, "w.yaml"),
        { env: { KEY: SECRET, HOOK_TOKEN: "hook-SECRET" } },
      );
      const report = await runWorkflow(w, {
        createClient: (options) => new FakeClient(options, () => Promise.resolve(session)),
        // Retries without the real 1 s / 4 s waits.
        io: { stdout: () => {}, stderr: () => {}, retryDelaysMs: [1, 1] },
      });
      assert.equal(report.exit_code, 0);
      assert.equal(received.length, 1);
      const body = JSON.parse(received[0]!);
      assert.equal(body.text, "sinks ok");
      assert.equal(body.event, "succeeded");
      assert.equal(JSON.parse(readFileSync(out, "utf8")).text, "sinks ok");
      assert.deepEqual(report.alerts[0]?.sinks, [
        { sink: "webhook", ok: true, attempts: 1 },
        { sink: "command", ok: true, attempts: 1 },
        // A failing webhook is retried within the run (3 attempts) before it counts as failed.
        {
          sink: "webhook",
          ok: false,
          error: "Cannot deliver the webhook as it answered HTTP 500",
          attempts: 3,
        },
      ]);
      assert.ok(!JSON.stringify(report).includes("hook-SECRET"));
    } finally {
      server.close();
    }
  });
});
