/**
 * Control characters from the server (a login refusal's `error_message`) or from variables (an
 * environment value in a step name) are escaped in every output: the human run output, the
 * stderr alert sink, the alert file's text, JUnit and diagnostics.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LoginError } from "../../lib/client/errors.ts";
import { LoginResult } from "../../lib/protocol/proto.ts";
import { runEventPrinter } from "../../lib/cli/run_output.ts";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import { junitXml } from "../../lib/workflow/junit_report.ts";
import { runWorkflow } from "../../lib/workflow/run_workflow.ts";
import { formatDiagnostic } from "../../lib/workflow/workflow_diagnostic.ts";
import { FakeClient } from "../_support/fake_workflow_client.ts";

const EVIL = "\x1b[2J\x1b[H\x07\r✔ succeeded in 1 s (exit 0)\n✔ all good\u202e";

/** Characters no output may carry raw: ESC, BEL, CR, and a newline inside a line's text. */
function assertSafe(text: string, what: string): void {
  assert.doesNotMatch(
    text,
    // deno-lint-ignore no-control-regex
    /[\x00-\x09\x0b-\x1f\x7f\u202e]/,
    `${what} carries a control character`,
  );
  for (const line of text.split("\n")) {
    assert.ok(!line.startsWith("✔"), `${what} has a forged line: ${JSON.stringify(line)}`);
  }
}

describe("safe text", () => {
  it("escapes a server's error_message and a variable in output, alerts and JUnit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t4flow-safe-"));
    const workflow = parseWorkflow(
      `version: 1
name: safe
connection:
  url: ws://127.0.0.1:9/v1
  auth: { api_key: "\${KEY}" }
steps:
  - name: "login \${EVIL}"
    login:
alerts:
  - on: LOCKED_OUT
    message: "locked out: {{ error_message }}"
    to: [stderr, { file: alerts.jsonl }]
`,
      join(dir, "w.yaml"),
      { env: { KEY: "sk-safe-key-1", EVIL }, dir },
    );
    let out = "";
    let err = "";
    const io = {
      stdout: (t: string) => void (out += t),
      stderr: (t: string) => void (err += t),
      isTTY: false,
      env: {},
      onInterrupt: () => () => {},
    };
    let client: FakeClient | undefined;
    const report = await runWorkflow(workflow, {
      onEvent: runEventPrinter(io, false),
      io,
      createClient: (options) => (client = new FakeClient(options, () => {
        client!.emit({
          type: "login_failed",
          at: 0,
          result: "LOCKED_OUT",
          code: LoginResult.LOCKED_OUT,
          errorMessage: EVIL,
          fatal: true,
        });
        return Promise.reject(new LoginError(LoginResult.LOCKED_OUT, EVIL));
      })),
    });
    assert.equal(report.exit_code, 3);
    assertSafe(out, "the run output");
    assertSafe(err, "the stderr alert");
    assert.match(out, /login refused: LOCKED_OUT \(\\e\[2J\\e\[H\\x07\\r✔ succeeded/);
    assert.match(
      err,
      /^alert: locked out: \\e\[2J\\e\[H\\x07\\r✔ succeeded in 1 s \(exit 0\)\\n✔ all good\\u202e\n$/,
    );
    const alert = JSON.parse(readFileSync(join(dir, "alerts.jsonl"), "utf8"));
    assertSafe(alert.text, "the alert file's text");
    assertSafe(junitXml(report), "JUnit");
    assert.ok(junitXml(report).includes("login \\e[2J"));
  });

  it("escapes what a diagnostic quotes from the file", () => {
    const line = formatDiagnostic({
      severity: "error",
      file: "w.yaml",
      line: 1,
      column: 1,
      key: "steps[0]\x1b[2J",
      message: `unknown step '\x1b]0;title\x07', expected login`,
    });
    assertSafe(line, "the diagnostic");
    assert.equal(
      line,
      "w.yaml:1:1: error: steps[0]\\e[2J: unknown step '\\e]0;title\\x07', expected login",
    );
  });
});
