/**
 * Checks Prometheus text exposition (format 0.0.4) the way a scraper reads it, without promtool;
 * and runs `promtool check metrics` too when `PROMTOOL` names the binary (CI sets it).
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";

/** Every metric name of issue 15, exactly. */
export const T4FLOW_METRIC_NAMES = [
  "t4flow_session_connected",
  "t4flow_logins_total",
  "t4flow_reconnects_total",
  "t4flow_disconnects_total",
  "t4flow_heartbeats_sent_total",
  "t4flow_heartbeats_received_total",
  "t4flow_frames_received_total",
  "t4flow_frame_errors_total",
  "t4flow_login_duration_seconds",
  "t4flow_last_message_age_seconds",
  "t4flow_quote_age_seconds",
  "t4flow_watch_violations_total",
  "t4flow_alerts_total",
  "t4flow_runs_total",
  "t4flow_run_duration_seconds",
  "t4flow_last_run_success",
  "t4flow_last_run_timestamp_seconds",
  "t4flow_last_run_duration_seconds",
  "t4flow_last_run_exit_code",
];

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family: its HELP, TYPE and samples. */
export interface Family {
  readonly help: string;
  readonly type: string;
  readonly samples: Sample[];
}

const _NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const _LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Parses exposition text and asserts it is well-formed: every family has one HELP and one TYPE
 * before its samples; names and labels are valid; label values are properly escaped; values are
 * numbers; counters end in `_total`; histograms have `_bucket` lines with increasing `le` ending
 * in `+Inf`, then `_sum` and `_count` equal to the `+Inf` bucket; no sample is repeated.
 *
 * @param text The exposition.
 * @returns The families by name.
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  assert.ok(text.endsWith("\n"), "the exposition must end with a newline");
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === "") return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      assert.match(name, _NAME, `bad metric name at ${where}`);
      const family = families.get(name) ?? { help: "", type: "", samples: [] };
      if (kind === "HELP") {
        assert.equal(family.help, "", `second HELP at ${where}`);
        assert.ok(rest.length > 0, `empty HELP at ${where}`);
        families.set(name, { ...family, help: rest });
      } else {
        assert.equal(family.type, "", `second TYPE at ${where}`);
        assert.ok(["counter", "gauge", "histogram", "summary", "untyped"].includes(rest), where);
        assert.equal(family.samples.length, 0, `TYPE after samples at ${where}`);
        families.set(name, { ...family, type: rest });
      }
      return;
    }
    assert.ok(!line.startsWith("#"), `unexpected comment at ${where}`);
    const sample = _sample(line, where);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    assert.ok(!seen.has(key), `repeated sample at ${where}`);
    seen.add(key);
    const family = _familyOf(families, sample.name);
    assert.ok(family, `sample without HELP/TYPE at ${where}`);
    family.samples.push(sample);
  });
  for (const [name, family] of families) {
    assert.ok(family.help && family.type, `${name} needs both HELP and TYPE`);
    if (family.type === "counter") assert.match(name, /_total$/, `counter ${name} needs _total`);
    if (family.type === "histogram") _checkHistogram(name, family);
  }
  return families;
}

function _familyOf(families: Map<string, Family>, sample: string): Family | undefined {
  const exact = families.get(sample);
  if (exact) return exact;
  const base = sample.replace(/_(bucket|sum|count)$/, "");
  const family = families.get(base);
  return family?.type === "histogram" || family?.type === "summary" ? family : undefined;
}

function _sample(line: string, where: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
  assert.ok(match, `bad sample line at ${where}`);
  const labels: Record<string, string> = {};
  let rest = match[3] ?? "";
  while (rest.length > 0) {
    const label = /^([^=]+)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    assert.ok(label, `bad labels at ${where}`);
    const [whole, name, value] = label as unknown as [string, string, string];
    assert.match(name, _LABEL, `bad label name at ${where}`);
    assert.ok(!(name in labels), `repeated label at ${where}`);
    labels[name] = value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(whole.length);
  }
  const raw = match[4]!;
  const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
  assert.ok(raw === "NaN" || !Number.isNaN(value), `bad value at ${where}`);
  return { name: match[1]!, labels, value };
}

function _checkHistogram(name: string, family: Family): void {
  const series = new Map<string, Sample[]>();
  for (const s of family.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${name}_bucket`);
    assert.ok(buckets.length > 0, `${name}${key} has no buckets`);
    const les = buckets.map((b) => Number(b.labels.le === "+Inf" ? Infinity : b.labels.le));
    assert.equal(les.at(-1), Infinity, `${name}${key} must end with le="+Inf"`);
    for (let i = 1; i < les.length; i++) {
      assert.ok(les[i]! > les[i - 1]!, `${name}${key} buckets must increase`);
      assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, `${name}${key} is not cumulative`);
    }
    const count = samples.find((s) => s.name === `${name}_count`);
    assert.ok(samples.some((s) => s.name === `${name}_sum`), `${name}${key} has no _sum`);
    assert.equal(count?.value, buckets.at(-1)!.value, `${name}${key} _count must equal +Inf`);
  }
}

/**
 * Runs `promtool check metrics` on the text when the `PROMTOOL` environment variable names the
 * binary (CI's `.ci/promtool.sh` sets it); asserts it exits 0 with no lint problem.
 *
 * @param text The exposition.
 * @returns `true` when promtool ran, `false` when `PROMTOOL` is not set.
 */
export async function promtoolCheck(text: string): Promise<boolean> {
  const promtool = process.env.PROMTOOL;
  if (!promtool) return false;
  const child = spawn(promtool, ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += String(chunk)));
  child.stderr.on("data", (chunk) => (output += String(chunk)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
    child.stdin.end(text);
  });
  assert.equal(code, 0, `promtool check metrics failed:\n${output}`);
  assert.equal(output.trim(), "", `promtool check metrics reported:\n${output}`);
  return true;
}
