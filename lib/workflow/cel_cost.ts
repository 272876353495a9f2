/**
 * A cost limit for CEL expressions. The interpreter runs an expression synchronously, so an
 * expression with nested comprehensions (`list.all(a, list.all(b, ...))`) could block the event
 * loop for minutes and no timeout, signal or heartbeat would get a turn. Two guards:
 *
 * - at validation, {@linkcode estimateCelCost} multiplies the sizes of literal lists that nested
 *   comprehensions iterate, and an expression over {@linkcode CEL_COST_LIMIT} is refused;
 * - at run time, every comprehension iteration is counted ({@linkcode meterCelComprehensions}
 *   wraps each loop condition in a counting function) and an evaluation stops with an error as
 *   soon as it passes the limit, whatever the size of the lists in the message.
 *
 * @module
 */

import { type CelFunc, celFunc, CelScalar } from "@bufbuild/cel";
import type { CelParsedExpr } from "./cel_checker.ts";

/** Comprehension iterations one evaluation may run (each takes about a microsecond). */
export const CEL_COST_LIMIT = 50_000;

/** The name of the counting function wrapped around every loop condition. */
const _METER = "t4flow_cost_step";

type _Expr = NonNullable<CelParsedExpr["expr"]>;

/** The evaluation being metered (evaluations are synchronous, so one at a time). */
let _steps = 0;
let _limit = Infinity;

/** Thrown inside the interpreter when an evaluation passes the limit. */
class _CostExceeded extends Error {
  override readonly name = "CostExceeded";
}

/**
 * The counting function {@linkcode meterCelComprehensions} calls; add it to the `funcs` of the
 * CEL environment that plans metered expressions.
 */
export const CEL_COST_FUNCTION: CelFunc = celFunc(_METER, [CelScalar.DYN], CelScalar.DYN, (v) => {
  if (++_steps > _limit) throw new _CostExceeded("cost limit");
  return v;
});

/**
 * Rewrites a parsed expression in place so that every comprehension iteration calls the
 * counting function ({@linkcode CEL_COST_FUNCTION}) before its loop condition. Run it after the
 * checker (which does not know that function) and before planning.
 *
 * @param parsed The parsed expression (modified).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { celEnv, parse, plan } from "@bufbuild/cel";
 * import { CEL_COST_FUNCTION, meterCelComprehensions, runCelMetered } from "./cel_cost.ts";
 *
 * const parsed = parse("[1, 2, 3].all(x, x > 0)");
 * meterCelComprehensions(parsed);
 * const run = plan(celEnv({ funcs: [CEL_COST_FUNCTION] }), parsed);
 * assert.deepEqual(runCelMetered(() => run({}), 10), { value: true, steps: 3, exceeded: false });
 * assert.equal(runCelMetered(() => run({}), 2).exceeded, true);
 * ```
 */
export function meterCelComprehensions(parsed: CelParsedExpr): void {
  let nextId = _maxId(parsed.expr) + 1n;
  _walk(parsed.expr, (expr) => {
    if (expr.exprKind.case !== "comprehensionExpr") return;
    const comprehension = expr.exprKind.value;
    const condition = comprehension.loopCondition;
    if (condition === undefined) return;
    comprehension.loopCondition = {
      ...condition,
      id: nextId++,
      exprKind: {
        case: "callExpr",
        value: { ...({} as _CallValue), function: _METER, args: [condition] },
      },
    } as _Expr;
  });
}

type _CallValue = Extract<_Expr["exprKind"], { case: "callExpr" }>["value"];

/** What {@linkcode runCelMetered} returns. */
export interface CelMeteredResult<T> {
  /** What the evaluation returned (an error value when it stopped at the limit). */
  value: T;
  /** Comprehension iterations it ran. */
  steps: number;
  /** `true` when it passed the limit and was stopped. */
  exceeded: boolean;
}

/**
 * Runs one evaluation of metered expressions with a step budget.
 *
 * @param evaluate Runs the planned expression.
 * @param limit The budget.
 * @returns The value, the steps taken and whether the budget was exceeded.
 * @throws {unknown} What `evaluate` throws, except the stop at the limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCelMetered } from "./cel_cost.ts";
 *
 * assert.deepEqual(runCelMetered(() => 42, 10), { value: 42, steps: 0, exceeded: false });
 * ```
 */
export function runCelMetered<T>(
  evaluate: () => T,
  limit: number = CEL_COST_LIMIT,
): CelMeteredResult<T> {
  const [savedSteps, savedLimit] = [_steps, _limit];
  _steps = 0;
  _limit = limit;
  try {
    const value = evaluate();
    return { value, steps: Math.min(_steps, limit + 1), exceeded: _steps > limit };
  } catch (error) {
    if (error instanceof _CostExceeded) {
      return { value: undefined as T, steps: _steps, exceeded: true };
    }
    throw error;
  } finally {
    [_steps, _limit] = [savedSteps, savedLimit];
  }
}

/**
 * Estimates, before anything runs, how many comprehension iterations an expression takes: the
 * sizes of the literal lists that nested comprehensions iterate, multiplied; a list whose size is
 * only known at run time (a message field) counts as 1, so the estimate is a lower bound.
 *
 * @param parsed The parsed expression.
 * @returns The estimated iterations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "@bufbuild/cel";
 * import { estimateCelCost } from "./cel_cost.ts";
 *
 * const ten = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]";
 * assert.equal(estimateCelCost(parse(`${ten}.all(a, ${ten}.exists(b, a == b))`)), 110);
 * assert.equal(estimateCelCost(parse("msg.bids.size() > 0")), 0);
 * ```
 */
export function estimateCelCost(parsed: CelParsedExpr): number {
  return _cost(parsed.expr).cost;
}

/** Iterations of an expression, and the size of the list it yields when that is known. */
function _cost(expr: _Expr | undefined): { cost: number; size: number | undefined } {
  if (expr === undefined) return { cost: 0, size: undefined };
  const kind = expr.exprKind;
  switch (kind.case) {
    case "listExpr": {
      let cost = 0;
      for (const element of kind.value.elements) cost += _cost(element).cost;
      return { cost, size: kind.value.elements.length };
    }
    case "comprehensionExpr": {
      const c = kind.value;
      const range = _cost(c.iterRange);
      const body = _cost(c.loopCondition).cost + _cost(c.loopStep).cost + 1;
      const n = range.size ?? 1;
      const cost = range.cost + _cost(c.accuInit).cost + n * body + _cost(c.result).cost;
      // map / filter yield at most as many elements as they iterate.
      return { cost: Math.min(cost, Number.MAX_SAFE_INTEGER), size: range.size };
    }
    default: {
      let cost = 0;
      _children(expr, (child) => (cost += _cost(child).cost));
      return { cost, size: undefined };
    }
  }
}

function _walk(expr: _Expr | undefined, visit: (expr: _Expr) => void): void {
  if (expr === undefined) return;
  visit(expr);
  _children(expr, (child) => _walk(child, visit));
}

function _children(expr: _Expr, visit: (child: _Expr) => void): void {
  const kind = expr.exprKind;
  switch (kind.case) {
    case "selectExpr":
      if (kind.value.operand) visit(kind.value.operand);
      break;
    case "callExpr":
      if (kind.value.target) visit(kind.value.target);
      for (const arg of kind.value.args) visit(arg);
      break;
    case "listExpr":
      for (const element of kind.value.elements) visit(element);
      break;
    case "structExpr":
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === "mapKey") visit(entry.keyKind.value);
        if (entry.value) visit(entry.value);
      }
      break;
    case "comprehensionExpr": {
      const c = kind.value;
      for (const part of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) {
        if (part) visit(part);
      }
      break;
    }
    default:
      break;
  }
}

function _maxId(expr: _Expr | undefined): bigint {
  let max = 0n;
  _walk(expr, (e) => {
    if (e.id > max) max = e.id;
  });
  return max;
}
