/**
 * The shape of a validated workflow: connection, steps, alerts and their sinks, as
 * `loadWorkflow` returns them. Types only.
 *
 * @module
 */

import type { WorkflowThreshold } from "./thresholds.ts";
import type { ReconnectPolicy } from "../client/backoff.ts";
import type { Credentials } from "../client/credentials.ts";
import type { WorkflowDiagnostic } from "./workflow_diagnostic.ts";

/** Where and how a workflow connects. Credentials redact themselves. */
export interface WorkflowConnection {
  /** A documented endpoint. */
  readonly env?: "live" | "sim";
  /** A WebSocket URL. */
  readonly url?: string;
  /** The REST API base (for `market: front`). */
  readonly api?: string;
  /** The credentials (never shown in output). */
  readonly credentials: Credentials;
  /** Heartbeat interval in milliseconds. */
  readonly heartbeatMs?: number;
  /** Silent intervals before the connection counts as dead. */
  readonly missedHeartbeats?: number;
  /** Login timeout in milliseconds. */
  readonly loginTimeoutMs?: number;
  /** Reconnect policy, or `false` to fail instead of reconnecting. */
  readonly reconnect?: Partial<ReconnectPolicy> | false;
  /** Honour the weekly maintenance window. */
  readonly maintenance?: boolean;
  /** Allow `ws://` to non-loopback hosts. */
  readonly allowInsecure?: boolean;
  /** The client's transport (`connection.transport`). */
  readonly transport?: "websocket" | "socket";
}

/** One step, normalised: `kind` and its validated arguments. */
export interface WorkflowStep {
  /** 0-based position in `steps`. */
  readonly index: number;
  /** The step kind, e.g. `"login"`, `"hold"`. */
  readonly kind: string;
  /** What output and reports call the step: its `name`, or e.g. `hold 30s`. */
  readonly label: string;
  /** The arguments as the kind's schema parsed them (`null` for a bare step). */
  readonly args: unknown;
  /** 1-based line of the step in the file. */
  readonly line: number;
  /** 1-based column of the step in the file. */
  readonly column: number;
  /**
   * Line and column of every value inside the arguments, keyed like `volume` or
   * `orders[0].volume` (`""` is the arguments themselves), for diagnostics found after loading.
   */
  readonly positions: Readonly<Record<string, { readonly line: number; readonly column: number }>>;
}

/** Where an alert goes. */
export type AlertSink =
  | { readonly kind: "stderr" }
  | { readonly kind: "stdout" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "webhook"; readonly url: string }
  | { readonly kind: "command"; readonly command: string | readonly string[] };

/** One alert, normalised. */
export interface WorkflowAlert {
  /** 0-based position in `alerts`. */
  readonly index: number;
  /** A login result short name, `login_failed`, or an event name. */
  readonly on: string;
  /** The message template, when given. */
  readonly message: string | undefined;
  /** The sinks (default `stderr`). */
  readonly to: readonly AlertSink[];
  /** Fire every time instead of once per run. */
  readonly repeat: boolean;
  /**
   * With `repeat`, the least time between two firings in milliseconds (`min_interval`); the
   * firings in between are suppressed and counted.
   *
   * @default {ALERT_MIN_INTERVAL_MS}
   */
  readonly minIntervalMs?: number;
}

/** `schedule:` as written: exactly one of `every` and `cron`; `cronTz` only with `cron`. */
export interface WorkflowSchedule {
  /** `every:`, a duration of at least 1s. */
  readonly every?: string;
  /** `cron:`, a cron expression. */
  readonly cron?: string;
  /** `cron_tz:`, an IANA time zone. */
  readonly cronTz?: string;
}

/** A validated workflow. */
export interface Workflow {
  /** The file as given (or `<input>`). */
  readonly file: string;
  /** Directory relative paths in the workflow are resolved against. */
  readonly dir: string;
  /** Format version. */
  readonly version: 1;
  /** Workflow name. */
  readonly name: string;
  /** Free text. */
  readonly description: string | undefined;
  /** Connection settings. */
  readonly connection: WorkflowConnection;
  /** Steps in order. */
  readonly steps: readonly WorkflowStep[];
  /** `environment:`, the environment order steps are meant for. */
  readonly environment: "live" | "sim" | undefined;
  /** `max_order_volume:`, the largest volume an order step may have. */
  readonly maxOrderVolume: number | undefined;
  /** Line and column of top-level keys' values (`environment`, `max_order_volume`, ...). */
  readonly positions: Readonly<Record<string, { readonly line: number; readonly column: number }>>;
  /** Alerts in order. */
  readonly alerts: readonly WorkflowAlert[];
  /**
   * `schedule:`, when `t4flow monitor` runs the workflow (absent: the monitor's default). The cron
   * expression and time zone are checked by the monitor (`workflowSchedule`).
   */
  readonly schedule?: WorkflowSchedule;
  /** `thresholds:`, each condition with its position (absent or empty when none). */
  readonly thresholds?: readonly WorkflowThreshold[];
  /** Warnings found while loading (e.g. a literal password). */
  readonly warnings: readonly WorkflowDiagnostic[];
}
