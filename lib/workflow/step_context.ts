/**
 * What a step runner gets: the client (or a fake), the message hub, the clock and the run's
 * variables; and the shape of a runner.
 *
 * @module
 */

import type { Clock } from "../runtime/clock.ts";
import type { Session } from "../client/session.ts";
import type { StatusEvent } from "../client/status_event.ts";
import type { T4Client, T4ClientOptions, T4ClientStats } from "../client/t4_client.ts";
import type { MessageHub } from "./message_hub.ts";
import type { SessionDowntime } from "./session_downtime.ts";
import type { Workflow } from "./workflow_model.ts";

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
  /** The session's authentication token (REST calls with password logins need it). */
  authToken?: T4Client["authToken"];
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
  /** When the session was down (holds check it against `max_downtime`). */
  readonly downtime: SessionDowntime;
  /** Number of the last message received before the previous step started. */
  previousStepSeq: number;
  /** Messages per payload case (proto name) received before the previous step started. */
  previousStepCounts: ReadonlyMap<string, number>;
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
   * Resolves the front market of a contract through the REST API (`market: front`); absent when
   * the run has no REST API.
   *
   * @param exchangeId Exchange id.
   * @param contractId Contract id.
   * @returns The market id.
   */
  resolveFrontMarket?(exchangeId: string, contractId: string): Promise<string>;
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
