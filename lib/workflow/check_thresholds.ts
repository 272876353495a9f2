/**
 * The `thresholds:` map: each key a measured number of the run, each value a k6-style condition
 * (or a list of them), checked with positions.
 *
 * @module
 */

import { didYouMean } from "./did_you_mean.ts";
import {
  parseThresholdCondition,
  THRESHOLD_METRIC_NAMES,
  THRESHOLD_METRICS,
  type ThresholdMetric,
  type WorkflowThreshold,
} from "./thresholds.ts";
import { isPlainObject, type KeyPath, keyPath, type YamlSource } from "./yaml_source.ts";

const _EXAMPLE = "e.g. 'login_time: p95 < 500ms'";

/**
 * Checks `thresholds:` and returns each condition with its position.
 *
 * @param source Where to report.
 * @param data The whole document.
 * @returns The thresholds (the invalid ones left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkThresholds } from "./check_thresholds.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const text = "thresholds:\n  login_time: p95 < 500ms\n  quote_gapp: max < 2s\n";
 * const source = new YamlSource(text, "x.yaml");
 * const data = source.parse()!.toJS();
 * const thresholds = checkThresholds(source, data);
 * assert.equal(thresholds[0]?.condition.value, 500);
 * assert.equal(source.diagnostics[0]?.line, 3);
 * assert.match(source.diagnostics[0]?.message ?? "", /did you mean 'quote_gap'\?/);
 * ```
 */
export function checkThresholds(
  source: YamlSource,
  data: Record<string, unknown>,
): WorkflowThreshold[] {
  const value = data.thresholds;
  if (value === undefined || value === null) return [];
  if (!isPlainObject(value)) {
    source.error(
      source.offset(["thresholds"]),
      "thresholds",
      `expected a map of metric names to conditions, ${_EXAMPLE}, got ${
        source.describe(["thresholds"], value, false)
      }`,
    );
    return [];
  }
  const out: WorkflowThreshold[] = [];
  for (const [name, conditions] of Object.entries(value)) {
    const path: KeyPath = ["thresholds", name];
    if (!(name in THRESHOLD_METRICS)) {
      const suggestion = didYouMean(name, THRESHOLD_METRIC_NAMES);
      source.error(
        source.offset(path, "key"),
        keyPath(path),
        `unknown threshold metric, expected one of ${THRESHOLD_METRIC_NAMES.join(", ")}${
          suggestion ? `; did you mean '${suggestion}'?` : ""
        }`,
      );
      continue;
    }
    const metric = name as ThresholdMetric;
    const list = Array.isArray(conditions) ? conditions : [conditions];
    if (list.length === 0) {
      source.error(
        source.offset(path),
        keyPath(path),
        `expected at least one condition, ${_EXAMPLE}`,
      );
      continue;
    }
    list.forEach((expression, i) => {
      const at: KeyPath = Array.isArray(conditions) ? [...path, i] : path;
      if (typeof expression !== "string") {
        source.error(
          source.offset(at),
          keyPath(at),
          `expected a condition such as 'p95 < 500ms' or 'count == 0', got ${
            source.describe(at, expression, false)
          }`,
        );
        return;
      }
      const condition = parseThresholdCondition(metric, expression);
      if ("message" in condition) {
        source.error(
          source.offsetInside(at, condition.offset),
          keyPath(at),
          `${condition.message}, got ${source.describe(at, expression, false)}`,
        );
        return;
      }
      const { line, col } = source.linePos(source.offset(at));
      out.push({ metric, expression, condition, line, column: col });
    });
  }
  return out;
}
