/** Colours on a terminal, none through a pipe or with NO_COLOR. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runEventPrinter } from "../../lib/cli/run_output.ts";
import type { RunEvent } from "../../lib/workflow/run_report.ts";

const EVENTS: RunEvent[] = [
  {
    type: "step_finished",
    at: "",
    index: 0,
    kind: "login",
    name: "login",
    status: "succeeded",
    duration_ms: 12,
    detail: "session s-1",
  },
  {
    type: "run_finished",
    at: "",
    status: "succeeded",
    exit_code: 0,
    duration_ms: 20,
    counts: {
      reconnects: 0,
      disconnects: 0,
      heartbeats_sent: 1,
      heartbeats_received: 1,
      frame_errors: 0,
      stale: 0,
    },
  },
];

function print(isTTY: boolean, env: Record<string, string>): string {
  let out = "";
  const printer = runEventPrinter({
    stdout: (t) => void (out += t),
    stderr: () => {},
    isTTY,
    env,
    onInterrupt: () => () => {},
  }, false);
  for (const event of EVENTS) printer(event);
  return out;
}

describe("run output colours", () => {
  it("colours the marks and the final line on a terminal", () => {
    const out = print(true, {});
    assert.ok(out.includes("\x1b[32m✓\x1b[39m login"), JSON.stringify(out));
    assert.ok(out.includes("\x1b[32m\x1b[1m✔ succeeded\x1b[22m\x1b[39m"), JSON.stringify(out));
  });

  it("prints no escape sequence with NO_COLOR, TERM=dumb or through a pipe", () => {
    for (
      const [isTTY, env] of [[true, { NO_COLOR: "1" }], [true, { TERM: "dumb" }], [
        false,
        {},
      ]] as const
    ) {
      const out = print(isTTY, env);
      assert.ok(!out.includes("\x1b"), JSON.stringify(out));
      assert.match(out, /^ {2}✓ login {2}12 ms {2}session s-1\n✔ succeeded in 20 ms \(exit 0\)/);
    }
  });
});
