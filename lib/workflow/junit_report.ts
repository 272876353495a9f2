/**
 * The JUnit XML form of a run report (`t4flow run --junit FILE`): one test suite per workflow,
 * one test case per step, for CI systems that read JUnit.
 *
 * @module
 */

import { describeThresholdResult } from "./thresholds.ts";
import { escapeControl } from "./safe_text.ts";
import type { RunReport } from "./run_report.ts";

function _escape(text: string): string {
  // Control characters (which XML 1.0 cannot carry, or which a viewer would act on) stay visible.
  return escapeControl(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

const _seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * Renders a run report as JUnit XML. Failed steps are `<failure>`, interrupted ones `<error>`,
 * skipped ones `<skipped/>`; an invalid workflow is one failed test case per error diagnostic.
 * Texts come from the report, which never holds secrets.
 *
 * @param report The run report.
 * @returns The XML document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { junitXml } from "./junit_report.ts";
 *
 * const xml = junitXml({
 *   report_version: 1, tool: { name: "t4flow", version: "0" },
 *   workflow: { name: "w", file: "w.yaml", version: 1 }, target: "env:sim",
 *   started_at: "2026-01-01T00:00:00.000Z", ended_at: "2026-01-01T00:00:01.000Z", duration_ms: 1000,
 *   status: "failed", exit_code: 1,
 *   steps: [{ index: 0, kind: "login", name: "login", status: "failed", duration_ms: 5, error: { type: "LoginError", message: "refused <x>" } }],
 *   counts: { reconnects: 0, disconnects: 0, heartbeats_sent: 0, heartbeats_received: 0, frame_errors: 0, stale: 0 },
 *   alerts: [], diagnostics: [],
 * });
 * assert.match(xml, /<testsuite name="w" tests="1" failures="1"/);
 * assert.match(xml, /<failure message="refused &lt;x&gt;" type="LoginError">/);
 * ```
 */
export function junitXml(report: RunReport): string {
  const suite = _escape(report.workflow.name || report.workflow.file);
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  if (report.status === "invalid") {
    for (const d of report.diagnostics.filter((d) => d.severity === "error")) {
      failures++;
      const message = `${d.file}:${d.line}:${d.column}: ${d.key ? `${d.key}: ` : ""}${d.message}`;
      cases.push(
        `    <testcase name="${
          _escape(`validate ${d.key || d.file}`)
        }" classname="${suite}" time="0.000">\n` +
          `      <failure message="${_escape(message)}" type="WorkflowValidationError">${
            _escape(message)
          }</failure>\n    </testcase>`,
      );
    }
  }
  for (const step of report.steps) {
    const name = _escape(`${String(step.index + 1).padStart(2, "0")} ${step.name}`);
    const open = `    <testcase name="${name}" classname="${suite}" time="${
      _seconds(step.duration_ms)
    }"`;
    if (step.status === "succeeded") {
      // What the step found (e.g. the downtime during a hold) stays with it.
      cases.push(
        step.detail
          ? `${open}>\n      <system-out>${_escape(step.detail)}</system-out>\n    </testcase>`
          : `${open}/>`,
      );
    } else if (step.status === "skipped") {
      skipped++;
      cases.push(`${open}>\n      <skipped message="an earlier step failed"/>\n    </testcase>`);
    } else {
      const message = _escape(step.error?.message ?? step.status);
      const type = _escape(step.error?.type ?? "Interrupted");
      const tag = step.status === "interrupted" ? "error" : "failure";
      if (tag === "error") errors++;
      else failures++;
      cases.push(
        `${open}>\n      <${tag} message="${message}" type="${type}">${message}</${tag}>\n    </testcase>`,
      );
    }
  }
  // Each threshold is a test case too: a run can fail on a threshold with every step passed.
  for (const t of report.metrics?.thresholds ?? []) {
    const open = `    <testcase name="${
      _escape(`threshold ${t.metric}: ${t.expression}`)
    }" classname="${suite}" time="0.000"`;
    const detail = _escape(describeThresholdResult(t));
    if (t.status === "passed") {
      cases.push(`${open}>\n      <system-out>${detail}</system-out>\n    </testcase>`);
    } else if (t.status === "no_data") {
      skipped++;
      cases.push(`${open}>\n      <skipped message="${detail}"/>\n    </testcase>`);
    } else {
      failures++;
      cases.push(
        `${open}>\n      <failure message="${detail}" type="ThresholdCrossed">${detail}</failure>\n    </testcase>`,
      );
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="t4flow" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${
      _seconds(report.duration_ms)
    }">\n` +
    `  <testsuite name="${suite}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${
      _seconds(report.duration_ms)
    }" timestamp="${_escape(report.started_at)}">\n` +
    `    <properties>\n      <property name="target" value="${_escape(report.target)}"/>\n` +
    `      <property name="exit_code" value="${report.exit_code}"/>\n    </properties>\n` +
    (cases.length > 0 ? `${cases.join("\n")}\n` : "") +
    `  </testsuite>\n</testsuites>\n`;
}
