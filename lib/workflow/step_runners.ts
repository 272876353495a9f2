/**
 * What each step kind does at run time. A new kind adds its schema to `STEP_ARGUMENT_SCHEMAS` and
 * its runner here (`login` and `hold`) or in `market_step_runners.ts` (every other kind). The
 * market runners and the message hub use CEL: {@linkcode loadStepRuntime} loads them only for a
 * workflow with such a step, so a login-and-exit run never loads CEL.
 *
 * @module
 */

import { LoginError } from "../client/errors.ts";
import type { StatusEvent } from "../client/status_event.ts";
import { explainConnectionError } from "./explain_connection_error.ts";
import { FRONT_MARKET_KINDS, withFrontMarket } from "./front_market.ts";
import { runHold } from "./hold_step.ts";
import { parseDuration } from "./duration.ts";
import type { MessageHub } from "./message_hub.ts";
import type { StepRunner } from "./step_context.ts";

export type {
  CreateWorkflowClient,
  StepContext,
  StepRunner,
  WorkflowClient,
} from "./step_context.ts";

/** The runners every workflow may use without loading more. */
const _BUILT_IN: Readonly<Record<string, StepRunner>> = {
  login: async (args, context) => {
    const timeout = (args as { timeout?: string } | null)?.timeout;
    const client = context.openClient(
      timeout === undefined ? {} : { loginTimeoutMs: parseDuration(timeout)! },
    );
    try {
      context.session = await Promise.race([client.connect(), context.clientEnded()]);
    } catch (error) {
      throw await explainConnectionError(error);
    }
    const session = context.session;
    return `session ${session.sessionId || "(no id)"}${
      session.userId ? ` as ${session.userId}` : ""
    }`;
  },
  hold: runHold,
};

/** What a run needs to run its steps. */
export interface StepRuntime {
  /** The runner of each step kind. */
  readonly runners: Readonly<Record<string, StepRunner>>;
  /**
   * The message hub (`expect`, `capture`, `watch`), loaded with the market runners; absent when
   * every step is `login` or `hold`, which need none.
   */
  readonly MessageHub?: typeof MessageHub;
}

let _full: Promise<StepRuntime> | undefined;

/**
 * Loads the runners for these step kinds: `login` and `hold` are built in; any other kind loads
 * the market runners and the message hub (and with them CEL), once.
 *
 * @param kinds The kinds of the workflow's steps.
 * @returns The runners (for at least these kinds, when this version has them) and the hub.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadStepRuntime } from "./step_runners.ts";
 *
 * const bare = await loadStepRuntime(["login", "hold"]);
 * assert.equal(bare.MessageHub, undefined);
 * const full = await loadStepRuntime(["login", "expect"]);
 * assert.equal(typeof full.runners.expect, "function");
 * assert.notEqual(full.MessageHub, undefined);
 * ```
 */
export function loadStepRuntime(kinds: Iterable<string>): Promise<StepRuntime> {
  for (const kind of kinds) {
    if (!Object.hasOwn(_BUILT_IN, kind)) return _full ??= _loadFull();
  }
  return Promise.resolve({ runners: _BUILT_IN });
}

async function _loadFull(): Promise<StepRuntime> {
  // Expressions, not string literals: Deno loads the graph of every literal import() at startup.
  const [market, hub] = await Promise.all([
    import("./market_step_runners.ts" + "") as Promise<typeof import("./market_step_runners.ts")>,
    import("./message_hub.ts" + "") as Promise<typeof import("./message_hub.ts")>,
  ]);
  const runners: Record<string, StepRunner> = { ..._BUILT_IN, ...market.MARKET_STEP_RUNNERS };
  for (const kind of FRONT_MARKET_KINDS) {
    const runner = runners[kind];
    if (runner) runners[kind] = withFrontMarket(kind, runner);
  }
  return { runners, MessageHub: hub.MessageHub };
}

/**
 * The error a step fails with when the client closed for good during it.
 *
 * @param reason The client's `closed` reason.
 * @param lastLogin The last failed login, when a reconnect was refused.
 * @returns The error.
 */
export function clientEndedError(
  reason: string,
  lastLogin: Extract<StatusEvent, { type: "login_failed" }> | undefined,
): Error {
  if (lastLogin?.fatal) {
    return new LoginError(lastLogin.code, lastLogin.errorMessage, { cause: reason });
  }
  return new SessionEndedError(reason);
}

/**
 * The client closed for good during a step (reconnecting disabled or exhausted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionEndedError } from "./step_runners.ts";
 *
 * assert.equal(new SessionEndedError("reconnecting is disabled").message, "Cannot continue as the session ended: reconnecting is disabled");
 * ```
 */
export class SessionEndedError extends Error {
  /** The error class name, `"SessionEndedError"`. */
  override readonly name = "SessionEndedError";
  /** The client's reason. */
  readonly reason: string;

  /**
   * Creates the error from the client's reason for closing.
   *
   * @param reason The client's `closed` reason.
   * @param options Error options (`cause`).
   */
  constructor(reason: string, options?: ErrorOptions) {
    super(`Cannot continue as the session ended: ${reason}`, options);
    this.reason = reason;
  }
}
