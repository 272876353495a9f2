/**
 * Thresholds (k6 style): validated with file:line:column, checked at the end of a run; a crossed
 * one fails the run (exit 1) and fires `threshold_crossed`. Driven on a FakeClock with a fake
 * client whose status events carry exact times (no timing).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LoginError } from "../../lib/client/errors.ts";
import type { Session } from "../../lib/client/session.ts";
import { type ObservableClient, SessionMetrics } from "../../lib/client/session_metrics.ts";
import type { StatusEvent } from "../../lib/client/status_event.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { FakeClock } from "../../lib/runtime/clock.ts";
import { junitXml } from "../../lib/workflow/junit_report.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import type { WorkflowClient } from "../../lib/workflow/step_context.ts";
import {
  evaluateThresholds,
  parseThresholdCondition,
  type ThresholdMetric,
  type WorkflowThreshold,
} from "../../lib/workflow/thresholds.ts";
import {
  formatDiagnostic,
  WorkflowValidationError,
} from "../../lib/workflow/workflow_diagnostic.ts";

const SESSION: Session = {
  sessionId: "s-1",
  userId: "u-1",
  firmId: "f-1",
  firm: "",
  username: "",
  roles: [],
  accounts: [],
  exchanges: [],
  brandName: "",
  serverName: "",
};

/** A client whose login takes `loginMs` on the run's clock, as its status events say. */
function fakeClient(clock: FakeClock, loginMs: number, refuse = false): () => WorkflowClient {
  return () => {
    const listeners: ((event: StatusEvent) => void)[] = [];
    const emit = (event: StatusEvent) => listeners.forEach((l) => l(event));
    return {
      connect: () => {
        const start = clock.now();
        emit({ type: "connecting", at: start, url: "ws://127.0.0.1:1/v1", attempt: 0 });
        if (refuse) {
          emit({
            type: "login_failed",
            at: start + loginMs,
            result: "LOCKED_OUT",
            code: LoginResult.LOCKED_OUT,
            errorMessage: "",
            fatal: true,
          });
          return Promise.reject(new LoginError(LoginResult.LOCKED_OUT, ""));
        }
        emit({
          type: "connected",
          at: start + loginMs,
          url: "ws://127.0.0.1:1/v1",
          session: SESSION,
        });
        return Promise.resolve(SESSION);
      },
      onStatus: (listener) => {
        listeners.push(listener);
        return () => {};
      },
      stats: {
        reconnects: 0,
        heartbeatsSent: 0,
        heartbeatsReceived: 0,
        frameErrors: 0,
        framesReceived: 0,
      },
      close: () => Promise.resolve(),
    };
  };
}

function workflow(thresholds: string) {
  return parseWorkflow(
    `version: 1
name: measured
connection: { url: "ws://127.0.0.1:1/v1", auth: { api_key: "\${K}" } }
steps: [login]
alerts:
  - on: threshold_crossed
    message: "{{ workflow }} {{ threshold }}: {{ detail }}"
    to: [stdout]
  - on: failed
    message: "failed: {{ detail }}"
    to: [stdout]
thresholds:
${thresholds}`,
    "measured.yaml",
    { env: { K: "sk-threshold-test" } },
  );
}

async function run(thresholds: string, loginMs: number, refuse = false) {
  const clock = new FakeClock(Date.parse("2026-11-25T12:00:00Z"));
  const out: string[] = [];
  const report = await runWorkflow(workflow(thresholds), {
    clock,
    createClient: fakeClient(clock, loginMs, refuse),
    io: { stdout: (t) => void out.push(t), stderr: () => {} },
  });
  return { report, out: out.join("") };
}

describe("thresholds in a run", () => {
  it("fails an otherwise successful run with exit 1 and fires threshold_crossed once per threshold", async () => {
    const { report, out } = await run(
      "  login_time: p95 < 500ms\n  order_round_trip: p95 < 1s\n  reconnects: count < 1\n",
      700,
    );
    assert.equal(report.status, "failed");
    assert.equal(report.exit_code, 1);
    assert.equal(report.steps[0]?.status, "succeeded");
    assert.deepEqual(report.metrics?.thresholds, [
      { metric: "login_time", expression: "p95 < 500ms", status: "crossed", actual: 700 },
      { metric: "order_round_trip", expression: "p95 < 1s", status: "no_data", actual: null },
      { metric: "reconnects", expression: "count < 1", status: "passed", actual: 0 },
    ]);
    assert.equal(report.metrics?.session.login_time.max, 700);
    assert.equal(
      out,
      "alert: measured login_time: login_time p95 = 700 ms, expected p95 < 500ms\n" +
        "alert: failed: login_time p95 = 700 ms, expected p95 < 500ms\n",
    );
    assert.deepEqual(report.alerts.map((a) => a.on), ["threshold_crossed", "failed"]);
    // JUnit shows why a run whose steps all passed failed.
    const xml = junitXml(report);
    assert.match(xml, /<testsuite name="measured" tests="4" failures="1" errors="0" skipped="1"/);
    assert.match(
      xml,
      /<testcase name="threshold login_time: p95 &lt; 500ms" classname="measured" time="0\.000">\n {6}<failure message="login_time p95 = 700 ms, expected p95 &lt; 500ms" type="ThresholdCrossed">/,
    );
  });

  it("leaves a run that meets every threshold succeeded", async () => {
    const { report, out } = await run("  login_time: [p95 < 500ms, max <= 300]\n", 300);
    assert.equal(report.status, "succeeded");
    assert.equal(report.exit_code, 0);
    assert.deepEqual(report.metrics?.thresholds.map((t) => t.status), ["passed", "passed"]);
    assert.equal(out, "");
  });

  it("keeps a failed step's exit code and still reports a crossed threshold", async () => {
    const { report, out } = await run("  login_time: count >= 1\n", 50, true);
    assert.equal(report.exit_code, 3);
    assert.equal(report.metrics?.thresholds[0]?.status, "crossed");
    assert.equal(report.metrics?.thresholds[0]?.actual, 0);
    assert.deepEqual(report.metrics?.session.logins, { LOCKED_OUT: 1 });
    assert.match(out, /^alert: measured login_time: login_time count = 0, expected count >= 1$/m);
  });
});

describe("thresholds: validation", () => {
  it("names file, line, column and key of every bad threshold", () => {
    const text = `version: 1
name: w
connection: { env: sim, auth: { api_key: k } }
steps: [login]
thresholds:
  login_tme: p95 < 500ms
  quote_gap: "p96.5x < 2s"
  order_round_trip:
    - p95 < 1s
    - p95 < 5 parsecs
  reconnects: count < 1.5
  frame_errors: max < 1
  disconnected_time: total <= 30
  first_message: p95 500ms
`;
    try {
      parseWorkflow(text, "w.yaml");
      assert.fail("expected a WorkflowValidationError");
    } catch (error) {
      assert.ok(error instanceof WorkflowValidationError);
      assert.deepEqual(
        error.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic),
        [
          "w.yaml:6:3: error: thresholds.login_tme: unknown threshold metric, expected one of login_time, first_message, quote_gap, order_round_trip, disconnected_time, reconnects, disconnects, frame_errors; did you mean 'login_time'?",
          "w.yaml:7:15: error: thresholds.quote_gap: unknown aggregation 'p96.5x' for quote_gap, expected one of avg, min, max, med, p50, p90, p95, p99, count, p(N), got \"p96.5x < 2s\"",
          "w.yaml:10:15: error: thresholds.order_round_trip[1]: unknown unit 'parsecs', expected ms, s, m or h (e.g. '500ms', '2s'), got \"p95 < 5 parsecs\"",
          "w.yaml:11:23: error: thresholds.reconnects: expected a whole number after the operator, e.g. 'count < 3', got \"count < 1.5\"",
          "w.yaml:12:17: error: thresholds.frame_errors: unknown aggregation 'max' for frame_errors, expected one of count, got \"max < 1\"",
          'w.yaml:14:22: error: thresholds.first_message: expected an operator (<, <=, >, >=, ==, !=) after the aggregation, got "p95 500ms"',
        ],
      );
    }
  });

  it("reads conditions with k6 syntax and units", () => {
    const cases: [ThresholdMetric, string, unknown][] = [
      ["quote_gap", "max < 2s", { aggregation: "max", operator: "<", value: 2000 }],
      ["login_time", "p(99.9)<=1m", { aggregation: "p99.9", operator: "<=", value: 60_000 }],
      ["login_time", " med != 250 ", { aggregation: "med", operator: "!=", value: 250 }],
      ["disconnected_time", "total < 1h", {
        aggregation: "total",
        operator: "<",
        value: 3_600_000,
      }],
      ["quote_gap", "count >= 10", { aggregation: "count", operator: ">=", value: 10 }],
    ];
    for (const [metric, text, expected] of cases) {
      assert.deepEqual(parseThresholdCondition(metric, text), expected, text);
    }
    assert.ok("message" in parseThresholdCondition("login_time", "p(0) < 1s"));
    assert.ok("message" in parseThresholdCondition("login_time", "p95 < 1d"));
    assert.ok("message" in parseThresholdCondition("login_time", ""));
  });
});

describe("thresholds: evaluation", () => {
  function threshold(metric: ThresholdMetric, expression: string): WorkflowThreshold {
    const condition = parseThresholdCondition(metric, expression);
    assert.ok(!("message" in condition));
    return { metric, expression, condition, line: 1, column: 1 };
  }

  it("checks quote_gap per market and names the market that crossed", async () => {
    const clock = new FakeClock(0);
    const handlers = new Map<string, ((value: unknown) => void)[]>();
    const client: ObservableClient = {
      onStatus: () => () => {},
      on: (payloadCase, handler) => {
        handlers.set(payloadCase, [...(handlers.get(payloadCase) ?? []), handler as never]);
        return () => {};
      },
    };
    const metrics = new SessionMetrics({ clock });
    metrics.observe(client);
    const quote = (marketId: string) =>
      handlers.get("marketDepth")!.forEach((h) => h({ marketId }));
    for (
      const [at, market] of [[0, "A"], [0, "B"], [100, "A"], [100, "B"], [3100, "B"], [
        3200,
        "A",
      ]] as const
    ) {
      await clock.advance(at - clock.now());
      quote(market);
    }
    const [gap, count] = evaluateThresholds(
      [threshold("quote_gap", "max < 2s"), threshold("quote_gap", "count >= 2")],
      metrics,
    );
    assert.deepEqual(gap, {
      metric: "quote_gap",
      expression: "max < 2s",
      status: "crossed",
      actual: 3100,
      market: "A",
    });
    assert.equal(count?.status, "passed");
  });

  it("adds the time disconnected and counts disconnects of every reason", () => {
    const metrics = new SessionMetrics({ clock: new FakeClock(0) });
    const results = evaluateThresholds(
      [threshold("disconnected_time", "total == 0"), threshold("disconnects", "count == 0")],
      metrics,
    );
    assert.deepEqual(results.map((r) => [r.status, r.actual]), [["passed", 0], ["passed", 0]]);
  });
});
