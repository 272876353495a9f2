import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { z } from "zod";
import { didYouMean } from "../../lib/workflow/did_you_mean.ts";
import { parseDuration } from "../../lib/workflow/duration.ts";
import { parseEnvFile } from "../../lib/workflow/env_file.ts";
import { loadWorkflow, parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import { T4FLOW_VERSION } from "../../lib/workflow/run_report.ts";
import {
  formatDiagnostic,
  WorkflowValidationError,
} from "../../lib/workflow/workflow_diagnostic.ts";
import { workflowJsonSchema } from "../../lib/workflow/workflow_schema.ts";
import { STEP_ARGUMENT_SCHEMAS } from "../../lib/workflow/workflow_schema.ts";

const ENV = {
  T4_API_KEY: "sk-load-SECRET",
  ALERT_WEBHOOK: "https://hooks.example.test/T1/B2/secret",
};

function errorsOf(text: string, env: Record<string, string> = ENV): string[] {
  try {
    parseWorkflow(text, "w.yaml", { env });
  } catch (error) {
    assert.ok(error instanceof WorkflowValidationError);
    return error.errors.map(formatDiagnostic);
  }
  assert.fail("expected the workflow to be invalid");
}

const HEAD = "version: 1\nname: w\nconnection:\n  env: sim\n  auth:\n    api_key: ${T4_API_KEY}\n";

describe("loadWorkflow", () => {
  it("loads examples/session-check.yaml exactly as the issue writes it", () => {
    const workflow = loadWorkflow("examples/session-check.yaml", { env: ENV });
    assert.equal(workflow.name, "session-check");
    assert.equal(workflow.connection.env, "sim");
    assert.equal(workflow.connection.heartbeatMs, 20_000);
    assert.deepEqual(workflow.steps.map((s) => [s.kind, s.label, s.line, s.column]), [
      ["login", "login", 10, 5],
      ["hold", "hold 30s", 11, 5],
    ]);
    assert.equal(workflow.alerts[0]?.on, "LOCKED_OUT");
    assert.deepEqual(workflow.alerts[0]?.to.map((s) => s.kind), ["stderr", "file", "webhook"]);
    assert.deepEqual(workflow.warnings, []);
    assert.ok(!JSON.stringify(workflow).includes("sk-load-SECRET"));
    assert.ok(!String(workflow.connection.credentials).includes("sk-load-SECRET"));
  });

  it("reads every auth field and the connection options", () => {
    const workflow = parseWorkflow(
      `version: 1
name: full
connection:
  url: wss://example.test/v1
  auth:
    firm: Acme
    username: ops
    password: \${PASS}
    app_name: t4flow
    app_license: \${LICENSE}
    price_format: real
  heartbeat: 250ms
  missed_heartbeats: 2
  login_timeout: 5s
  reconnect: { initial_delay: 100ms, max_delay: 5m, max_attempts: 4 }
  maintenance: false
steps:
  - login: { timeout: 2s }
  - { hold: 1h, name: overnight }
`,
      "full.yaml",
      { env: { PASS: "pw-SECRET", LICENSE: "lic-SECRET" } },
    );
    const c = workflow.connection;
    assert.deepEqual(
      [c.url, c.heartbeatMs, c.missedHeartbeats, c.loginTimeoutMs, c.reconnect, c.maintenance],
      ["wss://example.test/v1", 250, 2, 5_000, {
        initialDelayMs: 100,
        maxDelayMs: 300_000,
        maxAttempts: 4,
      }, false],
    );
    assert.equal(c.credentials.loginRequest().password, "pw-SECRET");
    assert.deepEqual(workflow.steps.map((s) => s.label), ["login", "overnight"]);
    assert.deepEqual(workflow.steps[0]?.args, { timeout: "2s" });
  });

  it("warns about a literal API key or password, at its position", () => {
    const workflow = parseWorkflow(
      "version: 1\nname: w\nconnection:\n  env: sim\n  auth:\n    api_key: abc123\nsteps: [login]\n",
      "w.yaml",
      { env: {} },
    );
    assert.deepEqual(workflow.warnings.map(formatDiagnostic), [
      "w.yaml:6:14: warning: connection.auth.api_key: literal API key in the workflow file, expected ${T4_API_KEY} read from the environment or an --env-file",
    ]);
  });

  it("interpolates inside strings and keeps $${ as a literal", () => {
    const workflow = parseWorkflow(
      `${HEAD}steps: [login]\nalerts:\n  - on: failed\n    message: "cost $\${USD} for \${T4_API_KEY}"\n`,
      "w.yaml",
      { env: ENV },
    );
    assert.equal(workflow.alerts[0]?.message, "cost ${USD} for sk-load-SECRET");
  });

  it("reports every error with position, key and what was expected", () => {
    assert.deepEqual(
      errorsOf(
        `${HEAD}  heartbeet: 20s\n  missed_heartbeats: 0\nsteps:\n  - login\n  - { hold: 1s, hold2: 2s }\n  - [1]\n`,
      ),
      [
        "w.yaml:7:3: error: connection.heartbeet: unknown key, expected one of env, url, api, auth, heartbeat, missed_heartbeats, login_timeout, reconnect, maintenance, allow_insecure, transport; did you mean 'heartbeat'?",
        "w.yaml:8:22: error: connection.missed_heartbeats: expected a whole number >= 1, got 0",
        "w.yaml:11:17: error: steps[1].hold2: unknown key, expected one of hold, name; did you mean 'hold'?",
        "w.yaml:12:5: error: steps[2]: expected a step name such as login or a map such as 'hold: 30s', got a list",
      ],
    );
  });

  it("never prints a secret value in an error", () => {
    const errors = errorsOf(
      "version: 1\nname: w\nconnection:\n  env: sim\n  auth:\n    api_key: [sk-in-a-list]\n    password: 12345\nsteps: [login]\n",
    );
    assert.ok(
      errors.every((e) => !e.includes("sk-in-a-list") && !e.includes("12345")),
      errors.join("\n"),
    );
  });

  it("requires env or url unless the command line gives one", () => {
    const text =
      "version: 1\nname: w\nconnection:\n  auth: { api_key: '${T4_API_KEY}' }\nsteps: [login]\n";
    assert.deepEqual(errorsOf(text), [
      "w.yaml:4:3: error: connection: missing env or url, expected 'env: live', 'env: sim' or 'url: wss://...'",
    ]);
    assert.equal(parseWorkflow(text, "w.yaml", { env: ENV, requireEndpoint: false }).name, "w");
  });

  it("lets a step kind check its arguments and report at a column inside a value", () => {
    STEP_ARGUMENT_SCHEMAS.shout = {
      bare: false,
      session: "none",
      args: z.string(),
      description: "test only",
      check: (args, report) => {
        const at = String(args).indexOf("!!");
        if (at >= 0) report([], "expected at most one '!' in a row", at);
      },
    };
    try {
      assert.deepEqual(errorsOf(`${HEAD}steps:\n  - shout: "hi !! there"\n  - shout: hey !!\n`), [
        "w.yaml:8:16: error: steps[0].shout: expected at most one '!' in a row",
        "w.yaml:9:16: error: steps[1].shout: expected at most one '!' in a row",
      ]);
    } finally {
      delete STEP_ARGUMENT_SCHEMAS.shout;
    }
  });

  it("names a file it cannot read", () => {
    assert.throws(() => loadWorkflow("tests/fixtures/workflows/nope.yaml"), (error) => {
      assert.ok(error instanceof WorkflowValidationError);
      assert.equal(
        formatDiagnostic(error.errors[0]!),
        "tests/fixtures/workflows/nope.yaml:1:1: error: cannot read the file (ENOENT), expected a readable YAML file",
      );
      return true;
    });
  });
});

describe("workflow helpers", () => {
  it("parses durations", () => {
    assert.deepEqual(["250ms", "20s", "5m", "1h", "0s"].map(parseDuration), [
      250,
      20_000,
      300_000,
      3_600_000,
      0,
    ]);
    for (const bad of ["20", "1.5s", "-1s", "20 s", "1d", ""]) {
      assert.equal(parseDuration(bad), undefined, bad);
    }
  });

  it("suggests close names", () => {
    assert.equal(didYouMean("LOCKED_OTU", ["LOCKED_OUT", "LOGOUT"]), "LOCKED_OUT");
    assert.equal(didYouMean("webhok", ["stderr", "webhook"]), "webhook");
    assert.equal(didYouMean("completely", ["stderr", "webhook"]), undefined);
  });

  it("reads env files", () => {
    assert.deepEqual(parseEnvFile("A=1\n# c\n\nexport B=\"two words\"\nC='x'\n"), {
      A: "1",
      B: "two words",
      C: "x",
    });
    assert.throws(() => parseEnvFile("A=1\nnot a line\n"), /line 2 is not NAME=value/);
  });

  it("keeps schema/workflow.schema.json in step with the code", () => {
    const committed = JSON.parse(readFileSync("schema/workflow.schema.json", "utf8"));
    assert.deepEqual(committed, workflowJsonSchema());
  });

  it("keeps the version in step with deno.json", () => {
    assert.equal(T4FLOW_VERSION, JSON.parse(readFileSync("deno.json", "utf8")).version);
  });
});
