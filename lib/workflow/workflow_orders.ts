/**
 * Applies the order guard (`checkOrderSafety`) to a loaded workflow and turns its refusals into
 * diagnostics at file:line:column, so that `t4flow run`, `--dry-run` and `runWorkflow` refuse
 * before connecting.
 *
 * @module
 */

import type { Workflow, WorkflowStep } from "./workflow_model.ts";
import { checkOrderSafety, type GuardedOrder } from "./order_guard.ts";
import type { WorkflowDiagnostic } from "./workflow_diagnostic.ts";

/** The step kinds that send orders. */
export const ORDER_STEP_KINDS: ReadonlySet<string> = new Set([
  "submit_order",
  "revise_order",
  "pull_order",
  "submit_batch",
]);

/** What the order guard reads of a workflow. */
export type GuardedWorkflow =
  & Pick<
    Workflow,
    "file" | "steps" | "environment" | "maxOrderVolume"
  >
  & { readonly connection: Pick<Workflow["connection"], "env" | "url"> };

/** The target and flag the order guard judges a workflow's order steps against. */
export interface OrderGuardOptions {
  /** The command line's `--url`, overriding the workflow's endpoint. */
  url?: string;
  /** The command line's `--env`, overriding the workflow's endpoint. */
  env?: "live" | "sim";
  /** The command line's `--allow-live-orders`. */
  allowLiveOrders: boolean;
}

interface _Located extends GuardedOrder {
  readonly label: string;
  readonly step: WorkflowStep;
  readonly volumeKey: string;
}

function _orders(workflow: GuardedWorkflow): _Located[] {
  const orders: _Located[] = [];
  for (const step of workflow.steps) {
    if (!ORDER_STEP_KINDS.has(step.kind)) continue;
    const args = step.args as { volume?: number; orders?: { volume: number }[] };
    const label = `steps[${step.index}].${step.kind}`;
    if (step.kind === "submit_batch") {
      (args.orders ?? []).forEach((order, j) =>
        orders.push({
          label: `${label}.orders[${j}]`,
          volume: order.volume,
          step,
          volumeKey: `orders[${j}].volume`,
        })
      );
    } else {
      orders.push({ label, volume: args.volume, step, volumeKey: "volume" });
    }
  }
  return orders;
}

/**
 * Checks a workflow's order steps against where it would connect: live orders need
 * `environment: live` and `--allow-live-orders`; volumes must be within `max_order_volume`.
 *
 * @param workflow The loaded workflow.
 * @param options The endpoint the run would use (after `--url` / `--env`) and the flag.
 * @returns Errors at the positions of the offending steps and values (empty when allowed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow } from "./load_workflow.ts";
 * import { workflowOrderDiagnostics } from "./workflow_orders.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: live, auth: { api_key: '${K}' } }\nsteps:\n  - login\n  - submit_order: { account: A, market: M, side: buy, type: market, volume: 1 }\n",
 *   "w.yaml",
 *   { env: { K: "k" } },
 * );
 * const [error] = workflowOrderDiagnostics(workflow, { env: "live", allowLiveOrders: false });
 * assert.equal(error?.line, 6);
 * assert.match(error?.message ?? "", /live orders need/);
 * ```
 */
export function workflowOrderDiagnostics(
  workflow: GuardedWorkflow,
  options: OrderGuardOptions,
): WorkflowDiagnostic[] {
  const orders = _orders(workflow);
  if (orders.length === 0) return [];
  const target = options.url !== undefined
    ? { url: options.url }
    : options.env !== undefined
    ? { env: options.env }
    : workflow.connection.url !== undefined
    ? { url: workflow.connection.url }
    : { env: workflow.connection.env };
  const result = checkOrderSafety({
    target,
    workflowEnvironment: workflow.environment,
    allowLiveOrdersFlag: options.allowLiveOrders,
    maxOrderVolume: workflow.maxOrderVolume,
    orders,
  });
  if (result.ok) return [];
  const first = orders[0]!;
  return result.error.violations.map((violation): WorkflowDiagnostic => {
    const order = orders.find((o) => o.label === violation.order);
    if (order) {
      const position = order.step.positions[order.volumeKey] ??
        { line: order.step.line, column: order.step.column };
      return {
        severity: "error",
        file: workflow.file,
        line: position.line,
        column: position.column,
        key: `steps[${order.step.index}].${order.step.kind}.${order.volumeKey}`,
        message: violation.message,
      };
    }
    return {
      severity: "error",
      file: workflow.file,
      line: first.step.line,
      column: first.step.column,
      key: `steps[${first.step.index}].${first.step.kind}`,
      message: violation.message,
    };
  });
}
