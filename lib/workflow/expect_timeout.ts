/**
 * What an `expect` or `capture` that timed out saw instead: how many messages of each payload
 * case arrived, and what the fields its condition tests held in the last message of its case.
 *
 * @module
 */

import type { Message } from "@bufbuild/protobuf";
import { compileCelExpression, evaluateCel } from "./cel_expression.ts";
import { celToPlain } from "./cel_value.ts";

/** What arrived while a step waited. */
export interface ArrivedMessages {
  /** Messages per payload case (proto name) that arrived while the step waited. */
  readonly counts: ReadonlyMap<string, number>;
  /** The awaited payload case (proto name, e.g. `market_depth`). */
  readonly payload: string;
  /** The last message of that case that arrived, if any. */
  readonly last: Message | undefined;
  /** The step's `where`, when it has one. */
  readonly where: string | undefined;
  /** `session` and `vars` for evaluating the fields. */
  readonly input: { readonly session?: unknown; readonly vars: Record<string, unknown> };
}

/**
 * The fields a condition tests: every `msg.a.b` path in it (at most three, in order).
 *
 * @param where The CEL condition.
 * @returns The paths, e.g. `["msg.bids", "msg.market_id"]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testedFields } from "./expect_timeout.ts";
 *
 * assert.deepEqual(
 *   testedFields('msg.market_id == "ES" && msg.bids.size() > 0'),
 *   ["msg.market_id", "msg.bids"],
 * );
 * ```
 */
export function testedFields(where: string): string[] {
  const stripped = where.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const out: string[] = [];
  for (const match of stripped.matchAll(/\bmsg(?:\.[A-Za-z_][A-Za-z0-9_]*)+/g)) {
    // `msg.bids.size` is a method call on `msg.bids`, not a field.
    const path = match[0].replace(/\.(size|contains|startsWith|endsWith|matches)$/, "");
    if (!out.includes(path)) out.push(path);
    if (out.length === 3) break;
  }
  return out;
}

/**
 * Says what arrived instead of a matching message, for the step's timeout error.
 *
 * @param arrived The counts, the last message of the awaited case, the condition.
 * @returns E.g. `none matched; 37 arrived (market_depth 30, account_update 7); the last
 *   market_depth had msg.bids = []`, or `none arrived`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { MarketDepthSchema } from "../protocol/proto.ts";
 * import { describeArrivals } from "./expect_timeout.ts";
 *
 * assert.equal(
 *   describeArrivals({
 *     counts: new Map([["market_depth", 3], ["account_update", 1]]),
 *     payload: "market_depth",
 *     last: create(MarketDepthSchema, { marketId: "ESZ6" }),
 *     where: 'msg.market_id == "NQ"',
 *     input: { vars: {} },
 *   }),
 *   'none matched; 4 arrived (market_depth 3, account_update 1); the last market_depth had msg.market_id = "ESZ6"',
 * );
 * ```
 */
export function describeArrivals(arrived: ArrivedMessages): string {
  const entries = [...arrived.counts].filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return "none arrived (no message of any kind)";
  const list = entries.map(([name, n]) => `${name} ${n}`).join(", ");
  const own = arrived.counts.get(arrived.payload) ?? 0;
  if (own === 0 || arrived.last === undefined) {
    return `no ${arrived.payload} arrived; ${total} other message${
      total === 1 ? "" : "s"
    } did (${list})`;
  }
  const fields = arrived.where === undefined ? [] : _fieldValues(arrived);
  return `none matched; ${total} arrived (${list})${
    fields.length > 0 ? `; the last ${arrived.payload} had ${fields.join(", ")}` : ""
  }`;
}

function _fieldValues(arrived: ArrivedMessages): string[] {
  const out: string[] = [];
  for (const field of testedFields(arrived.where ?? "")) {
    const compiled = compileCelExpression(field, { payloadCase: arrived.payload });
    if (!compiled.ok) continue;
    const result = evaluateCel(compiled.expression, {
      msg: arrived.last,
      vars: arrived.input.vars,
      ...(arrived.input.session !== undefined && { session: arrived.input.session as never }),
    });
    if (!result.ok) continue;
    const text = JSON.stringify(celToPlain(result.value)) ?? "null";
    out.push(`${field} = ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`);
  }
  return out;
}
