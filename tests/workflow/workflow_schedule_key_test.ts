/**
 * The optional top-level `schedule:` key (every, or cron with cron_tz): accepted shapes, and
 * errors at the file, line, column and key of the mistake.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWorkflow } from "../../lib/workflow/load_workflow.ts";
import { WorkflowValidationError } from "../../lib/workflow/workflow_diagnostic.ts";
import { workflowScheduleDiagnostics } from "../../lib/monitor/workflow_schedule.ts";

const HEAD =
  "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: k } }\nsteps: [login]\n";

function errors(text: string) {
  try {
    parseWorkflow(text, "w.yaml");
  } catch (error) {
    assert.ok(error instanceof WorkflowValidationError);
    return error.errors.map((d) => `${d.line}:${d.column} ${d.key}: ${d.message}`);
  }
  assert.fail("expected the workflow to be invalid");
}

describe("workflow schedule: key", () => {
  it("is optional and normalised when given", () => {
    assert.equal(parseWorkflow(HEAD, "w.yaml").schedule, undefined);
    assert.deepEqual(parseWorkflow(`${HEAD}schedule:\n  every: 5m\n`, "w.yaml").schedule, {
      every: "5m",
    });
    assert.deepEqual(
      parseWorkflow(`${HEAD}schedule:\n  cron: "0 8 * * 1-5"\n  cron_tz: America/Chicago\n`)
        .schedule,
      { cron: "0 8 * * 1-5", cronTz: "America/Chicago" },
    );
  });

  it("refuses every and cron together, at the cron key", () => {
    assert.deepEqual(errors(`${HEAD}schedule:\n  every: 5m\n  cron: "* * * * *"\n`), [
      "7:3 schedule.cron: give either every or cron, not both",
    ]);
  });

  it("refuses an empty schedule, cron_tz without cron and an interval under 1s", () => {
    assert.deepEqual(errors(`${HEAD}schedule: {}\n`), [
      `5:11 schedule: missing every or cron, expected 'every: 5m' or 'cron: "*/5 * * * *"'`,
    ]);
    assert.deepEqual(errors(`${HEAD}schedule:\n  every: 5m\n  cron_tz: UTC\n`), [
      "7:3 schedule.cron_tz: cron_tz needs cron, expected 'cron:' next to it",
    ]);
    assert.deepEqual(errors(`${HEAD}schedule:\n  every: 500ms\n`), [
      `6:10 schedule.every: expected a duration of at least 1s, got "500ms"`,
    ]);
  });

  it("refuses unknown keys and non-durations with the schema's messages", () => {
    const unknown = errors(`${HEAD}schedule:\n  evry: 5m\n`);
    assert.equal(unknown.length, 1);
    assert.match(
      unknown[0]!,
      /^6:3 schedule\.evry: unknown key, expected one of every, cron, cron_tz/,
    );
    const bad = errors(`${HEAD}schedule:\n  every: 5 minutes\n`);
    assert.match(bad[0]!, /^6:10 schedule\.every: expected a duration/);
  });

  it("reports a cron expression or time zone the monitor cannot use at its position", () => {
    const cron = parseWorkflow(`${HEAD}schedule:\n  cron: "61 * * * *"\n`, "w.yaml");
    const [problem] = workflowScheduleDiagnostics(cron);
    assert.equal(problem?.file, "w.yaml");
    assert.equal(`${problem?.line}:${problem?.column} ${problem?.key}`, "6:9 schedule.cron");
    assert.match(problem?.message ?? "", /^expected a cron expression/);
    const zone = parseWorkflow(
      `${HEAD}schedule:\n  cron: "0 8 * * *"\n  cron_tz: Mars/Olympus\n`,
      "w.yaml",
    );
    const [zoneProblem] = workflowScheduleDiagnostics(zone);
    assert.equal(`${zoneProblem?.line}:${zoneProblem?.column}`, "7:12");
    assert.equal(zoneProblem?.key, "schedule.cron_tz");
    assert.deepEqual(workflowScheduleDiagnostics(parseWorkflow(HEAD, "w.yaml")), []);
  });
});
