/**
 * The REST side of `market: front` in a run: which REST base a run uses (`--api`, then
 * `connection.api`, then the REST base of the endpoint's `env`), the check that one exists before
 * anything connects, and the per-run resolver (each run looks the front market up again, so a
 * monitor picks up a roll to the next expiry; within one run every step sees the same answer).
 *
 * @module
 */

import type { Auth } from "../client/credentials.ts";
import type { Clock } from "../runtime/clock.ts";
import {
  checkRestBaseUrl,
  restAuthFor,
  RestClient,
  T4_REST_ENDPOINTS,
} from "../rest/rest_client.ts";
import { T4Markets } from "../rest/t4_markets.ts";
import { stepUsesFront } from "./front_market.ts";
import type { WorkflowClient } from "./step_context.ts";
import type { WorkflowDiagnostic } from "./workflow_diagnostic.ts";
import type { Workflow } from "./workflow_model.ts";

/**
 * The REST base of a run: `api` (the command line's `--api`), else `connection.api`, else the
 * REST base of the endpoint's documented `env`; `undefined` for a custom URL without either.
 *
 * @param workflow The workflow.
 * @param endpoint The run's endpoint (`url` or `env`, after command-line overrides).
 * @param api The command line's `--api`.
 * @returns The REST base, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runRestBase } from "./front_market_resolver.ts";
 * import type { Workflow } from "./workflow_model.ts";
 *
 * const workflow = { connection: {} } as Workflow;
 * assert.equal(runRestBase(workflow, { env: "sim" }), "https://api-sim.t4login.com");
 * assert.equal(runRestBase(workflow, { url: "ws://127.0.0.1:1/v1" }), undefined);
 * assert.equal(runRestBase(workflow, { url: "ws://127.0.0.1:1/v1" }, "http://127.0.0.1:2"), "http://127.0.0.1:2");
 * ```
 */
export function runRestBase(
  workflow: Workflow,
  endpoint: { url: string } | { env: "live" | "sim" },
  api?: string,
): string | undefined {
  if (api !== undefined) return api;
  if (workflow.connection.api !== undefined) return workflow.connection.api;
  return "env" in endpoint ? T4_REST_ENDPOINTS[endpoint.env] : undefined;
}

/**
 * Refuses a run whose steps use `market: front` without a usable REST base (a custom URL on the
 * command line without `--api` or `connection.api`, or an `--api` that is `http://` to a host
 * that is not loopback), before anything connects. A replay needs no REST API: `market: front`
 * resolves to the market the recording subscribed to.
 *
 * @param workflow The workflow.
 * @param restBase The run's REST base.
 * @param replay Whether the run replays a recording (which needs no REST API).
 * @returns One error at the first `market: front` step, or none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frontMarketDiagnostics } from "./front_market_resolver.ts";
 * import type { Workflow } from "./workflow_model.ts";
 *
 * const workflow = {
 *   file: "w.yaml",
 *   connection: {},
 *   steps: [{ kind: "subscribe_market", args: { exchange: "CME_Eq", contract: "ES", market: "front" }, line: 7, column: 5 }],
 * } as unknown as Workflow;
 * assert.equal(frontMarketDiagnostics(workflow, undefined)[0]?.line, 7);
 * assert.deepEqual(frontMarketDiagnostics(workflow, "https://api-sim.t4login.com"), []);
 * assert.match(frontMarketDiagnostics(workflow, "http://api.example")[0]?.message ?? "", /loopback/);
 * assert.deepEqual(frontMarketDiagnostics(workflow, undefined, true), []);
 * ```
 */
export function frontMarketDiagnostics(
  workflow: Workflow,
  restBase: string | undefined,
  replay = false,
): WorkflowDiagnostic[] {
  const step = workflow.steps.find((s) => stepUsesFront(s.kind, s.args));
  if (step === undefined) return [];
  let message: string | undefined;
  if (replay) {
    // A replay resolves `market: front` from the recording's own subscriptions.
    return [];
  } else if (restBase === undefined) {
    message =
      "missing REST API for market: front, expected --api URL or connection.api when connecting to a custom url";
  } else {
    try {
      checkRestBaseUrl(restBase);
    } catch (error) {
      message = `the REST API for market: front is not usable: ${(error as Error).message}`;
    }
  }
  if (message === undefined) return [];
  return [{
    severity: "error",
    file: workflow.file,
    line: step.line,
    column: step.column,
    key: "connection.api",
    message,
  }];
}

/** What {@linkcode frontMarketResolver} needs. */
export interface FrontMarketResolverOptions {
  /** The REST base. */
  restBase: string;
  /** The credentials of the run (an API key goes to the REST API as `APIKey`). */
  auth: Auth;
  /** The run's client, once logged in (its token cache gives `Bearer` tokens). */
  client: () => WorkflowClient | undefined;
  /** The run's clock (REST timeouts and backoff). */
  clock: Clock;
}

/**
 * Creates a run's front-market resolver: one REST lookup per exchange and contract per run.
 *
 * @param options REST base, credentials, client and clock.
 * @returns `(exchangeId, contractId) => marketId`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "../runtime/clock.ts";
 * import { startSimulator } from "../sim/mod.ts";
 * import { frontMarketResolver } from "./front_market_resolver.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * const resolve = frontMarketResolver({
 *   restBase: sim.restUrl,
 *   auth: { apiKey: "demo-api-key" },
 *   client: () => undefined,
 *   clock: systemClock,
 * });
 * assert.match(await resolve("CME_Eq", "ES"), /^XCME_Eq ES \(/);
 * ```
 */
export function frontMarketResolver(
  options: FrontMarketResolverOptions,
): (exchangeId: string, contractId: string) => Promise<string> {
  let markets: T4Markets | undefined;
  const cache = new Map<string, Promise<string>>();
  return (exchangeId, contractId) => {
    const key = `${exchangeId}\u0000${contractId}`;
    let found = cache.get(key);
    if (found === undefined) {
      markets ??= new T4Markets(
        new RestClient({
          baseUrl: options.restBase,
          auth: restAuthFor({
            authToken: () => {
              const client = options.client();
              if (!client?.authToken) {
                return Promise.reject(
                  new TypeError(
                    "Cannot resolve market: front as the session gives no authentication token: log in first",
                  ),
                );
              }
              return client.authToken();
            },
          }, options.auth),
          clock: options.clock,
        }),
      );
      found = markets.front(exchangeId, contractId).then((m) => m.marketId);
      cache.set(key, found);
      found.catch(() => cache.delete(key));
    }
    return found;
  };
}
