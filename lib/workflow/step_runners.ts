/**
 * What each step kind does at run time. A new kind adds its schema to `STEP_ARGUMENT_SCHEMAS` and
 * its runner here.
 *
 * @module
 */

import { LoginError } from "../client/errors.ts";
import type { StatusEvent } from "../client/status_event.ts";
import { explainConnectionError } from "./explain_connection_error.ts";
import { FRONT_MARKET_KINDS, withFrontMarket } from "./front_market.ts";
import { runHold } from "./hold_step.ts";
import { MARKET_STEP_RUNNERS } from "./market_step_runners.ts";
import type { StepRunner } from "./step_context.ts";

export type {
  CreateWorkflowClient,
  StepContext,
  StepRunner,
  WorkflowClient,
} from "./step_context.ts";

/** The runner of each step kind. */
export const STEP_RUNNERS: Record<string, StepRunner> = {
  login: async (args, context) => {
    const timeout = (args as { timeout?: string } | null)?.timeout;
    const { parseDuration } = await import("./duration.ts" + "") as typeof import("./duration.ts");
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

Object.assign(STEP_RUNNERS, MARKET_STEP_RUNNERS);
for (const kind of FRONT_MARKET_KINDS) {
  const runner = STEP_RUNNERS[kind];
  if (runner) STEP_RUNNERS[kind] = withFrontMarket(kind, runner);
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
