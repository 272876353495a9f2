/**
 * `t4flow run --dry-run`: the frames a workflow would send, built and encoded step by step without
 * connecting, with secrets redacted. Values only known at run time (`{ expr: CEL }`, the unique id
 * of an earlier order, the session's accounts) are shown as `{{ ... }}`.
 *
 * @module
 */

import type { ClientMessageInit } from "../protocol/frame_codec.ts";
import {
  AccountSubscribeType,
  DepthBuffer,
  DepthLevels,
  UPLMode,
} from "../protocol/gen/t4/v1/common/enums_pb.ts";
import type { Workflow } from "./load_workflow.ts";
import {
  type OrderArgs,
  orderBatchInit,
  orderPullInit,
  orderReviseInit,
  orderSubmitInit,
  type OrderValue,
} from "./order_frames.ts";
import { showFrontMarkets } from "./front_market.ts";
import { renderDryRunFrames } from "./order_safety.ts";
import { DEPTH_BUFFERS, DEPTH_LEVELS } from "./step_schemas.ts";

const _show = (value: OrderValue) =>
  typeof value === "object" ? `{{ ${value.expr} }}` : String(value);

function _stored(name: string) {
  return {
    unique_id: `{{ vars.${name}.unique_id }}`,
    account_id: `{{ vars.${name}.account_id }}`,
    market_id: `{{ vars.${name}.market_id }}`,
  };
}

/**
 * Builds the frames each step would send.
 *
 * @param workflow The loaded workflow.
 * @returns For each step that sends something, its label and its client messages, in order.
 * @throws {TypeError} When a step's frame cannot be built (e.g. a limit order without a price).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dryRunMessages } from "./dry_run.ts";
 * import { parseWorkflow } from "./load_workflow.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: '${K}' } }\nsteps: [login, { sleep: 1s }]\n",
 *   "w.yaml",
 *   { env: { K: "k" } },
 * );
 * assert.deepEqual(dryRunMessages(workflow).map((s) => s.step), ["login"]);
 * ```
 */
export function dryRunMessages(
  workflow: Workflow,
): { step: string; index: number; messages: ClientMessageInit[] }[] {
  const out: { step: string; index: number; messages: ClientMessageInit[] }[] = [];
  for (const step of workflow.steps) {
    const a = (showFrontMarkets(step.kind, step.args) ?? {}) as Record<string, unknown>;
    const messages: ClientMessageInit[] = [];
    switch (step.kind) {
      case "login":
        messages.push({
          payload: { case: "loginRequest", value: workflow.connection.credentials.loginRequest() },
        });
        break;
      case "subscribe_market":
      case "unsubscribe_market":
        if (a.by_order) {
          messages.push({
            payload: {
              case: "marketByOrderSubscribe",
              value: {
                exchangeId: String(a.exchange),
                contractId: String(a.contract),
                marketId: String(a.market),
                subscribe: false,
              },
            },
          });
          break;
        }
        messages.push({
          payload: {
            case: "marketDepthSubscribe",
            value: {
              exchangeId: String(a.exchange),
              contractId: String(a.contract),
              marketId: String(a.market),
              buffer: step.kind === "unsubscribe_market"
                ? DepthBuffer.NO_SUBSCRIPTION
                : DEPTH_BUFFERS[a.buffer as keyof typeof DEPTH_BUFFERS] ?? DepthBuffer.SMART,
              depthLevels: step.kind === "unsubscribe_market"
                ? DepthLevels.UNDEFINED
                : DEPTH_LEVELS[a.depth as keyof typeof DEPTH_LEVELS] ?? DepthLevels.NORMAL,
            },
          },
        });
        break;
      case "subscribe_market_by_order":
        messages.push({
          payload: {
            case: "marketByOrderSubscribe",
            value: {
              exchangeId: String(a.exchange),
              contractId: String(a.contract),
              marketId: String(a.market),
              subscribe: true,
            },
          },
        });
        break;
      case "subscribe_accounts": {
        const a = (typeof step.args === "string" || Array.isArray(step.args)
          ? { accounts: step.args }
          : step.args) as Record<string, unknown>;
        const ids = Array.isArray(a.accounts)
          ? a.accounts.map(String)
          : ["{{ each account of the session }}"];
        for (const id of ids) {
          messages.push({
            payload: {
              case: "accountSubscribe",
              value: {
                subscribe: AccountSubscribeType.ALL_UPDATES,
                accountId: [id],
                ...(a.upl_mode !== undefined && {
                  uplMode: a.upl_mode === "average"
                    ? UPLMode.UPL_MODE_AVERAGE
                    : UPLMode.UPL_MODE_NONE,
                }),
              },
            },
          });
        }
        break;
      }
      case "submit_order":
        messages.push({
          payload: {
            case: "orderSubmit",
            value: orderSubmitInit(a as unknown as OrderArgs, _show),
          },
        });
        break;
      case "revise_order":
        messages.push({
          payload: {
            case: "orderRevise",
            value: orderReviseInit(_stored(String(a.order)), a, _show),
          },
        });
        break;
      case "pull_order":
        messages.push({
          payload: { case: "orderPull", value: orderPullInit(_stored(String(a.order))) },
        });
        break;
      case "submit_batch":
        messages.push({
          payload: {
            case: "orderBatch",
            value: orderBatchInit(a.orders as OrderArgs[], _show),
          },
        });
        break;
    }
    if (messages.length > 0) {
      out.push({ step: step.label, index: step.index, messages });
    }
  }
  return out;
}

/** The frames one step would send, rendered. */
export interface DryRunStep {
  /** 0-based step index. */
  readonly index: number;
  /** The step's label. */
  readonly step: string;
  /** One line per frame: `#N case (SIZE bytes) JSON`, secrets redacted. */
  readonly frames: readonly string[];
}

/**
 * Renders the frames each step would send (payload case, encoded size, proto JSON with secrets
 * redacted), numbered across the run.
 *
 * @param workflow The loaded workflow.
 * @returns The steps that send something, with their frames.
 * @throws {TypeError} When a frame cannot be built or encoded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dryRunSteps } from "./dry_run.ts";
 * import { parseWorkflow } from "./load_workflow.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: '${K}' } }\nsteps:\n  - login\n  - subscribe_accounts: [A1]\n",
 *   "w.yaml",
 *   { env: { K: "k" } },
 * );
 * assert.match(dryRunSteps(workflow)[1]?.frames[0] ?? "", /^#2 account_subscribe .*"account_id":\["A1"\]/);
 * ```
 */
export function dryRunSteps(workflow: Workflow): DryRunStep[] {
  const steps = dryRunMessages(workflow);
  const frames = renderDryRunFrames(steps.flatMap((s) => s.messages));
  let i = 0;
  return steps.map((s) => ({
    index: s.index,
    step: s.step,
    frames: s.messages.map(() => frames[i++] ?? ""),
  }));
}

/**
 * Renders `--dry-run` output: each step that sends something, then its frames, indented.
 *
 * @param workflow The loaded workflow.
 * @returns The lines to print.
 * @throws {TypeError} When a frame cannot be built or encoded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dryRunLines } from "./dry_run.ts";
 * import { parseWorkflow } from "./load_workflow.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: '${K}' } }\nsteps: [login]\n",
 *   "w.yaml",
 *   { env: { K: "sk-secret" } },
 * );
 * const lines = dryRunLines(workflow);
 * assert.equal(lines[0], "steps[0] login:");
 * assert.ok(!lines.join("\n").includes("sk-secret"));
 * ```
 */
export function dryRunLines(workflow: Workflow): string[] {
  return dryRunSteps(workflow).flatMap((s) => [
    `steps[${s.index}] ${s.step}:`,
    ...s.frames.map((f) => `  ${f}`),
  ]);
}
