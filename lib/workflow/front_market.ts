/**
 * `market: front`: wherever a workflow names a market (`subscribe_market`,
 * `subscribe_market_by_order`, `unsubscribe_market`, `submit_order`, `submit_batch`), `front`
 * stands for the contract's front market, looked up through the T4 REST API after login and
 * before anything is sent for the step. The resolved id is shown in the step's output and kept
 * in `vars.front.<CONTRACT>` (so in the report too); an unknown contract fails the step before
 * any subscribe or order is sent.
 *
 * @module
 */

import type { StepContext, StepRunner } from "./step_context.ts";

/** The market value that stands for the front market. */
export const FRONT_MARKET = "front";

/** Step kinds whose arguments may name `market: front`. */
export const FRONT_MARKET_KINDS: ReadonlySet<string> = new Set([
  "subscribe_market",
  "subscribe_market_by_order",
  "unsubscribe_market",
  "submit_order",
  "submit_batch",
]);

type _Named = { exchange?: unknown; contract?: unknown; market?: unknown };

function _named(kind: string, args: unknown): _Named[] {
  if (!FRONT_MARKET_KINDS.has(kind) || typeof args !== "object" || args === null) return [];
  if (kind === "submit_batch") {
    const orders = (args as { orders?: unknown }).orders;
    return Array.isArray(orders)
      ? orders.filter((o): o is _Named => typeof o === "object" && o !== null)
      : [];
  }
  return [args as _Named];
}

/**
 * Tells whether a step names `market: front`.
 *
 * @param kind The step kind.
 * @param args Its arguments.
 * @returns Whether it needs the REST API.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepUsesFront } from "./front_market.ts";
 *
 * assert.ok(stepUsesFront("subscribe_market", { exchange: "CME_Eq", contract: "ES", market: "front" }));
 * assert.ok(!stepUsesFront("subscribe_market", { exchange: "CME_Eq", contract: "ES", market: "M" }));
 * assert.ok(stepUsesFront("submit_batch", { orders: [{ market: "front" }] }));
 * ```
 */
export function stepUsesFront(kind: string, args: unknown): boolean {
  return _named(kind, args).some((a) => a.market === FRONT_MARKET);
}

/**
 * Wraps a step runner so that `market: front` is resolved (through
 * `context.resolveFrontMarket`) before the runner sends anything.
 *
 * @param kind The step kind.
 * @param runner The runner.
 * @returns The wrapped runner; its detail starts with `front EXCHANGE CONTRACT = MARKET`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withFrontMarket } from "./front_market.ts";
 * import type { StepContext } from "./step_context.ts";
 *
 * const seen: unknown[] = [];
 * const runner = withFrontMarket("subscribe_market", (args) => {
 *   seen.push(args);
 *   return Promise.resolve("subscribed");
 * });
 * const context = {
 *   vars: {},
 *   resolveFrontMarket: () => Promise.resolve("XCME_Eq ES (H27)"),
 * } as unknown as StepContext;
 * const detail = await runner({ exchange: "CME_Eq", contract: "ES", market: "front" }, context);
 * assert.equal(detail, "front CME_Eq ES = XCME_Eq ES (H27); subscribed");
 * assert.deepEqual(seen, [{ exchange: "CME_Eq", contract: "ES", market: "XCME_Eq ES (H27)" }]);
 * assert.deepEqual(context.vars, { front: { ES: "XCME_Eq ES (H27)" } });
 * ```
 */
export function withFrontMarket(kind: string, runner: StepRunner): StepRunner {
  return async (args: unknown, context: StepContext) => {
    if (!stepUsesFront(kind, args)) return await runner(args, context);
    const resolved: string[] = [];
    const resolve = async (named: _Named): Promise<_Named> => {
      if (named.market !== FRONT_MARKET) return named;
      const exchange = String(named.exchange ?? "");
      const contract = String(named.contract ?? "");
      if (!context.resolveFrontMarket) {
        throw new TypeError(
          "Cannot resolve market: front as no REST API is configured: set connection.api or --api",
        );
      }
      const marketId = await context.resolveFrontMarket(exchange, contract);
      const front = context.vars.front;
      context.vars.front = {
        ...(typeof front === "object" && front !== null ? front : {}),
        [contract]: marketId,
      };
      const line = `front ${exchange} ${contract} = ${marketId}`;
      if (!resolved.includes(line)) resolved.push(line);
      return { ...named, market: marketId };
    };
    let next: unknown;
    if (kind === "submit_batch") {
      const a = args as { orders: _Named[] };
      const orders: _Named[] = [];
      for (const order of a.orders) orders.push(await resolve(order));
      next = { ...a, orders };
    } else {
      next = await resolve(args as _Named);
    }
    const detail = await runner(next, context);
    return `${resolved.join(", ")}${detail ? `; ${detail}` : ""}`;
  };
}

/**
 * The arguments with each `market: front` shown as the variable it resolves into
 * (`{{ vars.front.ES }}`), for a dry run, which sends nothing and so looks nothing up.
 *
 * @param kind The step kind.
 * @param args Its arguments.
 * @returns The arguments to render.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showFrontMarkets } from "./front_market.ts";
 *
 * assert.deepEqual(
 *   showFrontMarkets("subscribe_market", { exchange: "CME_Eq", contract: "ES", market: "front" }),
 *   { exchange: "CME_Eq", contract: "ES", market: "{{ vars.front.ES }}" },
 * );
 * ```
 */
export function showFrontMarkets(kind: string, args: unknown): unknown {
  if (!stepUsesFront(kind, args)) return args;
  const show = (named: _Named): _Named =>
    named.market === FRONT_MARKET
      ? { ...named, market: `{{ vars.front.${String(named.contract ?? "")} }}` }
      : named;
  if (kind === "submit_batch") {
    const a = args as { orders: _Named[] };
    return { ...a, orders: a.orders.map(show) };
  }
  return show(args as _Named);
}
