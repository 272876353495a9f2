/**
 * What each step kind does at run time. A new kind adds its schema to `STEP_ARGUMENT_SCHEMAS` and
 * its runner here.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import { LoginError } from "../errors.ts";
import type { Session } from "../session.ts";
import type { StatusEvent } from "../status_event.ts";
import type { T4Client, T4ClientOptions, T4ClientStats } from "../t4_client.ts";
import type { MessageHub } from "./message_hub.ts";
import { MARKET_STEP_RUNNERS } from "./market_step_runners.ts";
import type { Workflow } from "./load_workflow.ts";

/** The part of `T4Client` the runner uses (a test can pass a fake). */
export interface WorkflowClient {
  /** Connects and logs in. */
  connect(): Promise<Session>;
  /** Listens to status events; returns the unsubscribe function. */
  onStatus(listener: (event: StatusEvent) => void): () => void;
  /** Live counters. */
  readonly stats: Readonly<T4ClientStats>;
  /** Closes for good. */
  close(): Promise<void>;
  /** Registers a payload handler (market, account and order steps need it). */
  on?: T4Client["on"];
  /** Subscribes to market depth. */
  subscribeMarket?: T4Client["subscribeMarket"];
  /** Ends a market depth subscription. */
  unsubscribeMarket?: T4Client["unsubscribeMarket"];
  /** Subscribes to market-by-order data. */
  subscribeMarketByOrder?: T4Client["subscribeMarketByOrder"];
  /** Ends a market-by-order subscription. */
  unsubscribeMarketByOrder?: T4Client["unsubscribeMarketByOrder"];
  /** Subscribes to an account. */
  subscribeAccount?: T4Client["subscribeAccount"];
  /** Submits orders. */
  submitOrder?: T4Client["submitOrder"];
  /** Revises orders. */
  reviseOrder?: T4Client["reviseOrder"];
  /** Pulls orders. */
  pullOrder?: T4Client["pullOrder"];
  /** Submits an order batch. */
  submitBatch?: T4Client["submitBatch"];
}

/** Creates the client for a run. */
export type CreateWorkflowClient = (options: T4ClientOptions) => WorkflowClient;

/** What a step runner can use. */
export interface StepContext {
  /** The workflow. */
  readonly workflow: Workflow;
  /** The run's clock. */
  readonly clock: Clock;
  /** Aborted when the run is interrupted. */
  readonly signal: AbortSignal;
  /** Overrides every `hold` duration (milliseconds), e.g. for a quick smoke run. */
  readonly holdOverrideMs: number | undefined;
  /** Interval of `step_progress` events while a step waits, in milliseconds. */
  readonly progressMs: number;
  /** The client, once a `login` step created it. */
  client: WorkflowClient | undefined;
  /** The session, once logged in. */
  session: Session | undefined;
  /** Captured variables (`vars` in CEL, `{{ vars.NAME }}` in alerts), JSON-safe values. */
  readonly vars: Record<string, unknown>;
  /** The session's messages, once a `login` step opened the client. */
  hub: MessageHub | undefined;
  /** Number of the last message received before the previous step started. */
  previousStepSeq: number;
  /**
   * Creates and registers the run's client.
   *
   * @param overrides Client options that replace the workflow's.
   * @returns The client.
   */
  openClient(overrides: Partial<T4ClientOptions>): WorkflowClient;
  /**
   * Resolves never; rejects when the client closes for good on its own (not by the runner).
   *
   * @returns A promise to race long waits against.
   */
  clientEnded(): Promise<never>;
  /**
   * Reports progress of a waiting step.
   *
   * @param elapsedMs Time spent so far.
   * @param totalMs Total time the step will take.
   */
  progress(elapsedMs: number, totalMs: number): void;
}

/** Runs one step; resolves with an optional one-line detail for output. */
export type StepRunner = (args: unknown, context: StepContext) => Promise<string | void>;

/** The runner of each step kind. */
export const STEP_RUNNERS: Record<string, StepRunner> = {
  login: async (args, context) => {
    const timeout = (args as { timeout?: string } | null)?.timeout;
    const { parseDuration } = await import("./duration.ts");
    const client = context.openClient(
      timeout === undefined ? {} : { loginTimeoutMs: parseDuration(timeout)! },
    );
    context.session = await Promise.race([client.connect(), context.clientEnded()]);
    const session = context.session;
    return `session ${session.sessionId || "(no id)"}${
      session.userId ? ` as ${session.userId}` : ""
    }`;
  },
  hold: async (args, context) => {
    const { parseDuration } = await import("./duration.ts");
    const total = context.holdOverrideMs ?? parseDuration(args as string)!;
    const start = context.clock.now();
    const ended = context.clientEnded();
    for (;;) {
      const elapsed = context.clock.now() - start;
      if (elapsed >= total) break;
      await Promise.race([
        _sleep(context.clock, Math.min(context.progressMs, total - elapsed), context.signal),
        ended,
      ]);
      context.progress(Math.min(context.clock.now() - start, total), total);
    }
    context.hub?.end("hold");
    if (context.holdOverrideMs !== undefined) {
      const { formatDuration } = await import("./duration.ts");
      return `held ${formatDuration(total)} (--hold)`;
    }
  },
};

Object.assign(STEP_RUNNERS, MARKET_STEP_RUNNERS);

function _sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal.reason);
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
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
 * import { SessionEndedError } from "../../mod.ts";
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
