/**
 * The `alerts:` list: each alert's event, sinks and message template, checked against the
 * events, watches and variables the workflow defines.
 *
 * @module
 */

import { resolve } from "node:path";
import { checkVariant } from "./check_variant.ts";
import { parseDuration } from "./duration.ts";
import { didYouMean } from "./did_you_mean.ts";
import { unclosedBraces } from "./template_braces.ts";
import type { AlertSink, WorkflowAlert } from "./workflow_model.ts";
import {
  ALERT_ON_EXPECTED,
  ALERT_ON_NAMES,
  SINK_SCHEMAS,
  TEMPLATE_VARIABLES,
} from "./workflow_schema.ts";
import { isPlainObject, type KeyPath, keyPath, type YamlSource } from "./yaml_source.ts";

/**
 * Checks every alert of `alerts:`.
 *
 * @param source Where to report.
 * @param data The whole document.
 * @param names The variables and watch names the steps define.
 * @param dir Directory relative `file:` sinks are resolved against.
 * @returns The alerts, normalised (sinks that failed their check left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAlerts } from "./check_alerts.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("alerts:\n  - on: faild\n", "x.yaml");
 * source.parse();
 * const alerts = checkAlerts(source, { alerts: [{ on: "faild" }] }, { vars: new Set(), watches: new Set() }, "/tmp");
 * assert.equal(alerts[0]?.to[0]?.kind, "stderr");
 * assert.match(source.diagnostics[0]?.message ?? "", /did you mean 'failed'\?/);
 * ```
 */
export function checkAlerts(
  source: YamlSource,
  data: Record<string, unknown>,
  names: { readonly vars: ReadonlySet<string>; readonly watches: ReadonlySet<string> },
  dir: string,
): WorkflowAlert[] {
  const alerts: WorkflowAlert[] = [];
  const alertValues = Array.isArray(data.alerts) ? data.alerts : [];
  for (const [index, alert] of alertValues.entries()) {
    if (!isPlainObject(alert)) continue;
    const sinks: AlertSink[] = [];
    const to = Array.isArray(alert.to) ? alert.to : ["stderr"];
    for (const [j, sink] of to.entries()) {
      const result = checkVariant(source, sink, ["alerts", index, "to", j], SINK_SCHEMAS, "sink", {
        example: "'file: alerts.jsonl'",
      });
      if (result) sinks.push(_sink(result.kind, result.args, dir));
    }
    if (typeof alert.message === "string") {
      _template(source, alert.message, ["alerts", index, "message"], names.vars);
    }
    if (typeof alert.on === "string") _alertOn(source, alert.on, index, names.watches);
    alerts.push({
      index,
      on: String(alert.on),
      message: typeof alert.message === "string" ? alert.message : undefined,
      to: sinks,
      repeat: alert.repeat === true,
      ...(typeof alert.min_interval === "string" &&
        parseDuration(alert.min_interval) !== undefined &&
        { minIntervalMs: parseDuration(alert.min_interval)! }),
    });
  }
  return alerts;
}

/** Checks `{{ name }}` references in an alert message (`vars.NAME` for captured variables). */
function _template(
  source: YamlSource,
  message: string,
  path: KeyPath,
  vars: ReadonlySet<string>,
): void {
  for (const at of unclosedBraces(message)) {
    source.error(
      source.offsetInside(path, at),
      keyPath(path),
      "unclosed '{{', expected '}}' after the variable name, e.g. {{ detail }}",
    );
  }
  for (const match of message.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    const name = match[1] ?? "";
    if ((TEMPLATE_VARIABLES as readonly string[]).includes(name)) continue;
    if (name.startsWith("vars.")) {
      const variable = name.slice(5);
      if (vars.has(variable)) continue;
      const suggestion = didYouMean(variable, [...vars]);
      source.error(
        source.offsetIn(path, match[0]),
        keyPath(path),
        `unknown variable '${variable}', expected a variable an earlier step captures${
          vars.size > 0 ? ` (${[...vars].join(", ")})` : ""
        }${suggestion ? `; did you mean 'vars.${suggestion}'?` : ""}`,
      );
      continue;
    }
    const suggestion = didYouMean(name, TEMPLATE_VARIABLES);
    source.error(
      source.offsetIn(path, match[0]),
      keyPath(path),
      `unknown template variable '${name}', expected one of ${TEMPLATE_VARIABLES.join(", ")}${
        suggestion ? `; did you mean '${suggestion}'?` : ""
      }`,
    );
  }
}

/** Checks an alert's `on:` against the built-in events and the workflow's watches. */
function _alertOn(
  source: YamlSource,
  on: string,
  index: number,
  watches: ReadonlySet<string>,
): void {
  if (ALERT_ON_NAMES.includes(on) || watches.has(on)) return;
  const path = ["alerts", index, "on"];
  const suggestion = didYouMean(on, [...ALERT_ON_NAMES, ...watches]);
  source.error(
    source.offset(path),
    keyPath(path),
    `${
      watches.size > 0
        ? `${ALERT_ON_EXPECTED.replace(" or an event", ", an event")} or a watch name (${
          [...watches].join(", ")
        })`
        : ALERT_ON_EXPECTED
    }, got ${source.describe(path, on, false)}${
      suggestion ? `; did you mean '${suggestion}'?` : ""
    }`,
  );
}

function _sink(kind: string, args: unknown, dir: string): AlertSink {
  switch (kind) {
    case "file":
      return { kind, path: resolve(dir, args as string) };
    case "webhook":
      return { kind, url: args as string };
    case "command":
      return { kind, command: args as string | string[] };
    case "stdout":
      return { kind };
    default:
      return { kind: "stderr" };
  }
}
