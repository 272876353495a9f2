/**
 * Thresholds, k6 style: `thresholds: { login_time: "p95 < 500ms", quote_gap: "max < 2s" }` in a
 * workflow. Each names a measured number of the run and a condition it must meet; a crossed
 * threshold fails the run (exit 1) and fires the `threshold_crossed` alert.
 *
 * @module
 */

import { LatencyHistogram } from "../client/latency_histogram.ts";
import type { SessionMetrics } from "../client/session_metrics.ts";
import { formatDuration } from "./duration.ts";

/** What a threshold can check, with the aggregations it accepts. */
export const THRESHOLD_METRICS = {
  login_time: {
    unit: "ms",
    description: "Time from opening the socket to a successful login response",
  },
  first_message: {
    unit: "ms",
    description: "Time from a subscribe to its first message (each subscription is one value)",
  },
  quote_gap: {
    unit: "ms",
    description: "Time between two quotes of a market (checked for each market)",
  },
  order_round_trip: {
    unit: "ms",
    description: "Time from sending an order request to its first answer",
  },
  disconnected_time: {
    unit: "ms",
    description: "Total time disconnected after a logged-in session dropped",
  },
  reconnects: { unit: "count", description: "Successful re-logins after a drop" },
  disconnects: { unit: "count", description: "Unexpected disconnects of a logged-in session" },
  frame_errors: { unit: "count", description: "Frames skipped as undecodable" },
} as const satisfies Record<string, { unit: "ms" | "count"; description: string }>;

/** A threshold metric name. */
export type ThresholdMetric = keyof typeof THRESHOLD_METRICS;

/** Every threshold metric name. */
export const THRESHOLD_METRIC_NAMES = Object.keys(THRESHOLD_METRICS) as ThresholdMetric[];

/** Aggregations of the duration series (`login_time`, `first_message`, `quote_gap`, ...). */
const _TREND_AGGREGATIONS = ["avg", "min", "max", "med", "p50", "p90", "p95", "p99", "count"];
/** Metrics that are one number rather than a series. */
const _TOTALS: Partial<Record<ThresholdMetric, string>> = {
  disconnected_time: "total",
  reconnects: "count",
  disconnects: "count",
  frame_errors: "count",
};

/** A comparison operator. */
export type ThresholdOperator = "<" | "<=" | ">" | ">=" | "==" | "!=";

/** One parsed condition, e.g. `p95 < 500ms`. */
export interface ThresholdCondition {
  /** The aggregation, e.g. `p95`, `max`, `count`, `total`; `p(99.9)` is kept as `p99.9`. */
  readonly aggregation: string;
  /** The operator. */
  readonly operator: ThresholdOperator;
  /** The bound, in milliseconds for durations, else a count. */
  readonly value: number;
}

/** One threshold of a workflow. */
export interface WorkflowThreshold {
  /** The metric. */
  readonly metric: ThresholdMetric;
  /** The condition as written, e.g. `p95 < 500ms`. */
  readonly expression: string;
  /** The parsed condition. */
  readonly condition: ThresholdCondition;
  /** 1-based line of the expression in the file. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** Why an expression cannot be read: the message and the character it points at. */
export interface ThresholdSyntaxError {
  /** What is wrong, action first. */
  readonly message: string;
  /** 0-based offset of the problem inside the expression. */
  readonly offset: number;
}

const _UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a condition such as `p95 < 500ms`, `max <= 2s`, `count == 0` or `p(99.9) < 1s`. A
 * duration without unit is in milliseconds (as in k6).
 *
 * @param metric The metric it is for (decides the aggregations and units allowed).
 * @param expression The text.
 * @returns The condition, or the reason it cannot be read with the offset it points at.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseThresholdCondition } from "./thresholds.ts";
 *
 * assert.deepEqual(parseThresholdCondition("quote_gap", "max < 2s"), { aggregation: "max", operator: "<", value: 2000 });
 * assert.deepEqual(parseThresholdCondition("reconnects", "count <= 1"), { aggregation: "count", operator: "<=", value: 1 });
 * const bad = parseThresholdCondition("login_time", "p95 < 5 parsecs");
 * assert.ok("message" in bad);
 * ```
 */
export function parseThresholdCondition(
  metric: ThresholdMetric,
  expression: string,
): ThresholdCondition | ThresholdSyntaxError {
  const total = _TOTALS[metric];
  const allowed = total ? [total] : [..._TREND_AGGREGATIONS, "p(N)"];
  const lead = expression.length - expression.trimStart().length;
  const aggMatch = /^(p\(\s*(\d+(?:\.\d+)?)\s*\)|[a-z][a-z0-9.]*)/.exec(expression.slice(lead));
  if (!aggMatch) {
    return {
      message: `expected an aggregation (${allowed.join(", ")}) then an operator and a value`,
      offset: lead,
    };
  }
  const rawAgg = aggMatch[1]!;
  let aggregation = rawAgg;
  if (aggMatch[2] !== undefined) {
    const n = Number(aggMatch[2]);
    if (total || !(n > 0 && n <= 100)) {
      return { message: _unknownAgg(metric, rawAgg, allowed), offset: lead };
    }
    aggregation = `p${aggMatch[2]}`;
  } else if (!allowed.includes(rawAgg)) {
    return { message: _unknownAgg(metric, rawAgg, allowed), offset: lead };
  }
  let at = lead + rawAgg.length;
  at += expression.slice(at).length - expression.slice(at).trimStart().length;
  const opMatch = /^(<=|>=|==|!=|<|>)/.exec(expression.slice(at));
  if (!opMatch) {
    return {
      message: "expected an operator (<, <=, >, >=, ==, !=) after the aggregation",
      offset: at,
    };
  }
  const operator = opMatch[1] as ThresholdOperator;
  at += operator.length;
  at += expression.slice(at).length - expression.slice(at).trimStart().length;
  const rest = expression.slice(at).trimEnd();
  const isCount = aggregation === "count" || THRESHOLD_METRICS[metric].unit === "count";
  const valueMatch = /^(\d+(?:\.\d+)?)(\s*)([a-z]*)$/.exec(rest);
  if (!valueMatch) {
    return {
      message: isCount
        ? "expected a whole number after the operator, e.g. 'count < 3'"
        : "expected a duration after the operator, e.g. '500ms', '2s' or '1m'",
      offset: at,
    };
  }
  const number = Number(valueMatch[1]);
  const unit = valueMatch[3]!;
  if (isCount) {
    if (unit !== "" || !Number.isInteger(number)) {
      return {
        message: "expected a whole number after the operator, e.g. 'count < 3'",
        offset: at,
      };
    }
    return { aggregation, operator, value: number };
  }
  const factor = unit === "" ? 1 : _UNITS[unit];
  if (factor === undefined) {
    return {
      message: `unknown unit '${unit}', expected ms, s, m or h (e.g. '500ms', '2s')`,
      offset: at + valueMatch[1]!.length + valueMatch[2]!.length,
    };
  }
  return { aggregation, operator, value: number * factor };
}

function _unknownAgg(metric: string, got: string, allowed: readonly string[]): string {
  return `unknown aggregation '${got}' for ${metric}, expected one of ${allowed.join(", ")}`;
}

/** The outcome of one threshold at the end of a run. */
export interface ThresholdResult {
  /** The metric. */
  readonly metric: ThresholdMetric;
  /** The condition as written. */
  readonly expression: string;
  /** `passed`, `crossed`, or `no_data` (nothing was measured: not checked). */
  readonly status: "passed" | "crossed" | "no_data";
  /** The measured value (milliseconds or a count), `null` without data. */
  readonly actual: number | null;
  /** For `quote_gap`: the market with the worst value. */
  readonly market?: string;
}

/**
 * Checks every threshold against a session's numbers. `quote_gap` is checked per market and
 * reports the worst one; a series with no value (no order was sent) is `no_data`, not crossed.
 *
 * @param thresholds The workflow's thresholds.
 * @param metrics The run's collector.
 * @returns One result per threshold, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionMetrics } from "../client/session_metrics.ts";
 * import { evaluateThresholds, parseThresholdCondition, type ThresholdCondition } from "./thresholds.ts";
 *
 * const condition = parseThresholdCondition("reconnects", "count < 1") as ThresholdCondition;
 * const results = evaluateThresholds(
 *   [{ metric: "reconnects", expression: "count < 1", condition, line: 1, column: 1 }],
 *   new SessionMetrics(),
 * );
 * assert.equal(results[0]?.status, "passed");
 * assert.equal(results[0]?.actual, 0);
 * ```
 */
export function evaluateThresholds(
  thresholds: readonly WorkflowThreshold[],
  metrics: SessionMetrics,
): ThresholdResult[] {
  return thresholds.map((t) => {
    const base = { metric: t.metric, expression: t.expression };
    const { aggregation } = t.condition;
    const candidates: { actual: number; market?: string }[] = [];
    const series = (h: LatencyHistogram, market?: string) => {
      if (h.count === 0 && aggregation !== "count") return;
      const actual = _aggregate(h, aggregation);
      candidates.push(market === undefined ? { actual } : { actual, market });
    };
    switch (t.metric) {
      case "login_time":
        series(metrics.loginTime);
        break;
      case "order_round_trip":
        series(metrics.orderRoundTrip);
        break;
      case "first_message": {
        const h = new LatencyHistogram();
        for (const ms of metrics.firstMessages().values()) h.record(ms);
        series(h);
        break;
      }
      case "quote_gap":
        for (const [market, q] of metrics.quotes()) series(q.gaps, market);
        break;
      case "disconnected_time":
        candidates.push({ actual: metrics.disconnectedMs() });
        break;
      case "reconnects":
        candidates.push({ actual: metrics.reconnects });
        break;
      case "disconnects":
        candidates.push({ actual: _sum(metrics.disconnects.values()) });
        break;
      case "frame_errors":
        candidates.push({ actual: metrics.frameErrors });
        break;
    }
    if (candidates.length === 0) return { ...base, status: "no_data", actual: null };
    // The crossing value furthest from the bound (e.g. the market with the longest gap).
    const crossed = candidates.filter((c) => !_holds(c.actual, t.condition)).reduce<
      { actual: number; market?: string } | undefined
    >(
      (worst, c) =>
        worst === undefined ||
          Math.abs(c.actual - t.condition.value) > Math.abs(worst.actual - t.condition.value)
          ? c
          : worst,
      undefined,
    );
    const shown = crossed ?? candidates.reduce((a, b) => (b.actual > a.actual ? b : a));
    return {
      ...base,
      status: crossed ? "crossed" : "passed",
      actual: Math.round(shown.actual * 100) / 100,
      ...(shown.market !== undefined && { market: shown.market }),
    };
  });
}

/**
 * Describes a result in one line, e.g. `quote_gap max = 2.5 s on XCME_Eq ES (Z26), expected max < 2s`.
 *
 * @param result A threshold result.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeThresholdResult } from "./thresholds.ts";
 *
 * assert.equal(
 *   describeThresholdResult({ metric: "login_time", expression: "p95 < 500ms", status: "crossed", actual: 612 }),
 *   "login_time p95 = 612 ms, expected p95 < 500ms",
 * );
 * ```
 */
export function describeThresholdResult(result: ThresholdResult): string {
  const agg = /^\s*(p\([^)]*\)|[a-z][a-z0-9.]*)/.exec(result.expression)?.[1] ?? "";
  if (result.actual === null) {
    return `${result.metric}: no data, not checked (${result.expression})`;
  }
  const isCount = agg === "count" || THRESHOLD_METRICS[result.metric].unit === "count";
  const value = isCount ? String(result.actual) : formatDuration(result.actual);
  return `${result.metric} ${agg} = ${value}${
    result.market === undefined ? "" : ` on ${result.market}`
  }, expected ${result.expression.trim()}`;
}

function _aggregate(h: LatencyHistogram, aggregation: string): number {
  switch (aggregation) {
    case "count":
      return h.count;
    case "avg":
      return h.count === 0 ? 0 : h.sum / h.count;
    case "min":
      return h.min;
    case "max":
      return h.max;
    case "med":
      return h.quantile(0.5);
    default:
      return h.quantile(Number(aggregation.slice(1)) / 100);
  }
}

function _holds(actual: number, condition: ThresholdCondition): boolean {
  const v = condition.value;
  switch (condition.operator) {
    case "<":
      return actual < v;
    case "<=":
      return actual <= v;
    case ">":
      return actual > v;
    case ">=":
      return actual >= v;
    case "==":
      return actual === v;
    case "!=":
      return actual !== v;
  }
}

function _sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
