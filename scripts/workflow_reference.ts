/**
 * Renders `docs/reference.md`, the workflow reference, from the workflow JSON Schema and the alert
 * event and template variable lists, so the reference cannot drift from what the loader accepts.
 * `scripts/gen_schema.ts` writes it (and checks it with `--check`).
 *
 * @module
 */

import { LOGIN_RESULT_NAME_LIST } from "../lib/protocol/login_result.ts";
import { ALERT_EVENTS, TEMPLATE_VARIABLES } from "../lib/workflow/workflow_schema.ts";

/** What each alert event means; every event in `ALERT_EVENTS` needs one line here. */
const EVENT_DOCS: Record<string, string> = {
  login_failed: "any refused login (the login result's own name fires too)",
  disconnected: "the session was lost (once per lost session)",
  reconnected: "the session is back after a loss (logged in and re-subscribed)",
  stale: "the peer's heartbeat is overdue",
  maintenance: "the client is waiting out the weekly maintenance window",
  frame_error: "a frame could not be decoded",
  step_failed: "a step failed",
  failed: "the run failed",
  succeeded: "the run succeeded",
  threshold_crossed:
    "a `thresholds:` condition was not met at the end of the run (once per threshold)",
};

/** What each template variable holds; every name in `TEMPLATE_VARIABLES` needs one line here. */
const VARIABLE_DOCS: Record<string, string> = {
  workflow: "the workflow's `name`",
  event: "the event or login result that fired the alert",
  result: "the login result short name, when there is one",
  error_message: "the server's error message (escaped), when there is one",
  step: "the step's name or label",
  reason: "why it happened, in words",
  detail: "details: a watch's `detail`, a failed step's error",
  url: "the endpoint (without credentials)",
  at: "when it happened (ISO 8601)",
  attempt: "the connection attempt number",
  exit_code: "the run's exit code",
  threshold: "the threshold metric that was crossed, e.g. `login_time`",
};

interface Schema {
  type?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

function describeType(s: Schema): string {
  // `${NAME}` is accepted everywhere a string is checked; the header says so once.
  const alternatives = (s.anyOf ?? s.oneOf)?.filter((a) => !a.pattern?.startsWith("\\$\\{"));
  if (alternatives) {
    if (alternatives.length === 1) return describeType(alternatives[0]!);
    return [...new Set(alternatives.map(describeType))].filter((t) => t !== "null").join(" or ");
  }
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(", ");
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  if (s.type === "string" && s.pattern?.includes("(\\d+)ms")) return "duration";
  if (s.type === "array") return `list of ${s.items ? describeType(s.items) : "values"}`;
  if (s.type === "object") return "map";
  if (s.type === "integer" || s.type === "number") {
    const range = [
      s.minimum !== undefined ? `≥ ${s.minimum}` : "",
      s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${s.maximum}` : "",
    ].filter(Boolean).join(", ");
    return range ? `${s.type} (${range})` : s.type;
  }
  return s.type ?? "any";
}

const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ");

function objectOf(s: Schema): Schema | undefined {
  if (s.type === "object" && s.properties) return s;
  return (s.anyOf ?? s.oneOf)?.find((a) => a.type === "object" && a.properties);
}

function table(prefix: string, s: Schema, out: string[], nested: [string, Schema][]): void {
  out.push("| key | type | required | meaning |", "| --- | --- | --- | --- |");
  for (const [key, value] of Object.entries(s.properties ?? {})) {
    const path = `${prefix}${key}`;
    const required = s.required?.includes(key) ? "yes" : "";
    out.push(
      `| \`${path}\` | ${cell(describeType(value))} | ${required} | ${
        cell(value.description ?? "")
      } |`,
    );
    const inner = objectOf(value);
    if (inner && Object.keys(inner.properties ?? {}).length > 0) nested.push([path, inner]);
  }
  out.push("");
}

/**
 * Renders the reference.
 *
 * @param schema The workflow JSON Schema.
 * @returns The Markdown text.
 */
export function workflowReference(schema: Schema): string {
  for (
    const [list, docs, what] of [
      [ALERT_EVENTS, EVENT_DOCS, "alert event"],
      [TEMPLATE_VARIABLES, VARIABLE_DOCS, "template variable"],
    ] as const
  ) {
    const missing = list.filter((name) => !(name in docs));
    const stale = Object.keys(docs).filter((name) => !(list as readonly string[]).includes(name));
    if (missing.length > 0 || stale.length > 0) {
      throw new Error(
        `Cannot write the workflow reference as scripts/workflow_reference.ts does not match the ` +
          `${what}s: missing ${JSON.stringify(missing)}, unknown ${JSON.stringify(stale)}`,
      );
    }
  }
  const out: string[] = [
    "# Workflow reference (format version 1)",
    "",
    "<!-- Generated by `deno task gen:schema` from lib/workflow/: do not edit by hand. -->",
    "",
    schema.description ?? "",
    "",
    "Durations are written like `250ms`, `20s`, `5m`, `1h` or `1m30s`. `${NAME}` anywhere reads the " +
    "environment (or `--env-file`); `${NAME:-default}` gives a default for an unset or empty " +
    "variable and `${NAME:?message}` makes it an error with that message.",
    "",
    "## Top-level keys",
    "",
  ];
  const nested: [string, Schema][] = [];
  const top: Schema = { ...schema, properties: { ...schema.properties } };
  const steps = top.properties!.steps;
  const alerts = top.properties!.alerts;
  table("", top, out, nested);
  while (nested.length > 0) {
    const [path, s] = nested.shift()!;
    if (path === "steps" || path === "alerts") continue;
    out.push(`### \`${path}\``, "");
    if (s.description) out.push(s.description, "");
    table(`${path}.`, s, out, nested);
  }

  out.push("## Steps", "", "A step is a bare name or a one-key map; any step may add `name:`.", "");
  for (const variant of steps?.items?.anyOf ?? []) {
    // The bare names come wrapped with the `${NAME}` alternative.
    const step = variant.anyOf?.find((a) => a.enum) ?? variant;
    if (step.type === "string") {
      out.push(`- \`${step.enum?.join("`, `")}\`: the step written as its bare name`);
      continue;
    }
    const key = step.required?.find((k) => k !== "name") ?? Object.keys(step.properties ?? {})[0]!;
    const args = step.properties?.[key] ?? {};
    out.push(`### \`${key}\``, "", step.description ?? "", "");
    const object = objectOf(args);
    if (object) {
      const inner: [string, Schema][] = [];
      table(`${key}.`, object, out, inner);
      for (const [path, s] of inner) {
        out.push(`#### \`${path}\``, "");
        table(`${path}.`, s, out, []);
      }
    } else {
      out.push(`Value: ${cell(describeType(args))}. ${args.description ?? ""}`.trim(), "");
    }
  }

  out.push("## Alerts", "");
  const alert = alerts?.items && objectOf(alerts.items);
  if (alert) {
    const inner: [string, Schema][] = [];
    table("alerts[].", alert, out, inner);
  }
  out.push("### `on:` values", "", "| value | fires when |", "| --- | --- |");
  for (const name of ALERT_EVENTS) out.push(`| \`${name}\` | ${EVENT_DOCS[name]} |`);
  for (const name of LOGIN_RESULT_NAME_LIST.filter((n) => n !== "LOGIN_SUCCESS")) {
    out.push(
      `| \`${name}\` | a login is refused, or the server ends the session, with this result |`,
    );
  }
  out.push("", "### Template variables (`{{ name }}` in `message`)", "", "| name | value |");
  out.push("| --- | --- |");
  for (const name of TEMPLATE_VARIABLES) out.push(`| \`${name}\` | ${VARIABLE_DOCS[name]} |`);
  out.push("");
  return out.join("\n");
}
