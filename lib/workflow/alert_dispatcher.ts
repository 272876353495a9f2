/**
 * Fires workflow alerts: matches events to `on:`, renders `{{ variable }}` templates, sends to the
 * sinks (stderr, stdout, JSONL file, webhook, command) and records each delivery. Every string that
 * leaves goes through the redactor first.
 *
 * @module
 */

import { type Clock, sleep, systemClock } from "../runtime/clock.ts";
import { writeRegularFile } from "../runtime/files.ts";
import { escapeControl } from "./safe_text.ts";
import type { AlertSink, Workflow, WorkflowAlert } from "./load_workflow.ts";
import type { AlertDelivery, AlertReport } from "./run_report.ts";
import { LOGIN_RESULT_NAME_LIST } from "../protocol/login_result.ts";

/** Values `{{ name }}` templates can use; absent ones render as an empty string. */
export type AlertVariables = Partial<Record<string, string | number>>;

/** Where stderr and stdout sinks write, and how webhooks are sent. */
export interface AlertIo {
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Writes to standard output. */
  stdout(text: string): void;
  /**
   * The fetch used by webhook sinks.
   *
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /**
   * Time a webhook or command may take, in milliseconds.
   *
   * @default {10000}
   */
  timeoutMs?: number;
  /**
   * The clock the waits between delivery attempts run on.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Waits before each retry of a failed file, webhook or command delivery, in milliseconds; one
   * attempt plus one retry per entry (bounded, with backoff). `[]` never retries.
   *
   * @default {ALERT_RETRY_DELAYS_MS}
   */
  retryDelaysMs?: readonly number[];
}

/** The least time between two firings of a `repeat: true` alert unless `min_interval` says. */
export const ALERT_MIN_INTERVAL_MS = 10_000;

/** Waits before the retries of a failed delivery: three attempts in all, 1 s then 4 s apart. */
export const ALERT_RETRY_DELAYS_MS: readonly number[] = [1_000, 4_000];

/**
 * Renders a message template. Control characters in the values are escaped (`\e`, `\n`, ...).
 *
 * @param template Text with `{{ name }}` references.
 * @param variables The values.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderTemplate } from "./alert_dispatcher.ts";
 *
 * assert.equal(renderTemplate("locked out: {{ error_message }}", { error_message: "3 tries" }), "locked out: 3 tries");
 * ```
 */
export function renderTemplate(template: string, variables: AlertVariables): string {
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_, name: string) => {
    const value = variables[name];
    // Values come from the server and from variables: their control characters stay visible.
    return value === undefined ? "" : escapeControl(String(value));
  });
}

const _DEFAULT_TEMPLATE = "t4flow {{ workflow }}: {{ event }}{{ detail }}";
const _LOGIN_NAMES = new Set<string>(LOGIN_RESULT_NAME_LIST);

/**
 * Sends the alerts of one run. Each alert fires once per run unless `repeat: true`; a repeating
 * alert fires at most once per `min_interval` (10 s by default), and the next one that goes out
 * says how many were suppressed in between (`suppressed` in the JSON, `(N more suppressed)` in
 * the text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AlertDispatcher } from "./alert_dispatcher.ts";
 * import { parseWorkflow } from "./load_workflow.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: '${K}' } }\nsteps: [login]\nalerts:\n  - on: LOCKED_OUT\n    message: 'locked: {{ error_message }}'\n    to: [stdout]\n",
 *   "w.yaml",
 *   { env: { K: "k" } },
 * );
 * const out: string[] = [];
 * const alerts = new AlertDispatcher(workflow, { stdout: (t) => out.push(t), stderr: () => {} }, (t) => t);
 * alerts.fire("login_failed", { result: "LOCKED_OUT", error_message: "try later" });
 * alerts.fire("login_failed", { result: "LOCKED_OUT", error_message: "again" });
 * await alerts.flush();
 * assert.deepEqual(out, ["alert: locked: try later\n"]);
 * ```
 */
export class AlertDispatcher {
  readonly #workflow: Workflow;
  readonly #io: AlertIo;
  readonly #redact: (text: string) => string;
  readonly #fired = new Set<number>();
  readonly #lastFiredAt = new Map<number, number>();
  readonly #suppressed = new Map<number, number>();
  readonly #pending = new Set<Promise<void>>();
  readonly #reports: AlertReport[] = [];
  readonly #listeners = new Set<(report: AlertReport) => void>();

  /**
   * Creates a dispatcher for the alerts of one workflow run.
   *
   * @param workflow The workflow whose alerts fire.
   * @param io Standard streams and fetch.
   * @param redact Scrubs secrets from any text.
   */
  constructor(workflow: Workflow, io: AlertIo, redact: (text: string) => string) {
    this.#workflow = workflow;
    this.#io = io;
    this.#redact = redact;
  }

  /**
   * Lists the alerts that fired so far, in order.
   *
   * @returns The alerts that fired so far (deliveries complete after {@linkcode flush}).
   */
  get reports(): readonly AlertReport[] {
    return this.#reports;
  }

  /**
   * Calls `listener` when an alert's deliveries are complete.
   *
   * @param listener The listener.
   */
  onAlert(listener: (report: AlertReport) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * Fires the alerts matching an event.
   *
   * @param event The event (`login_failed`, `disconnected`, ..., `failed`, `succeeded`).
   * @param variables Template values; `result` also matches login result names in `on:`.
   * @returns How many alerts fired.
   */
  fire(event: string, variables: AlertVariables): number {
    let count = 0;
    for (const alert of this.#workflow.alerts) {
      const matches = alert.on === event ||
        (event === "login_failed" && _LOGIN_NAMES.has(alert.on) && alert.on === variables.result);
      if (!matches) continue;
      if (!alert.repeat && this.#fired.has(alert.index)) continue;
      // Repeating alerts are rate-limited: the ones in between are counted, not sent.
      const now = (this.#io.clock ?? systemClock).now();
      const last = this.#lastFiredAt.get(alert.index);
      const minInterval = alert.minIntervalMs ?? ALERT_MIN_INTERVAL_MS;
      if (alert.repeat && last !== undefined && now - last < minInterval) {
        this.#suppressed.set(alert.index, (this.#suppressed.get(alert.index) ?? 0) + 1);
        continue;
      }
      this.#fired.add(alert.index);
      this.#lastFiredAt.set(alert.index, now);
      count++;
      const suppressed = this.#suppressed.get(alert.index) ?? 0;
      this.#suppressed.delete(alert.index);
      const sending = this.#send(
        alert,
        event,
        suppressed > 0 ? { ...variables, suppressed } : variables,
      );
      this.#pending.add(sending);
      sending.finally(() => this.#pending.delete(sending));
    }
    return count;
  }

  /**
   * Waits for the deliveries of every alert fired so far.
   *
   * @returns A promise that resolves when every alert fired so far was delivered or failed.
   */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async #send(alert: WorkflowAlert, event: string, variables: AlertVariables): Promise<void> {
    const at = new Date().toISOString();
    const all: AlertVariables = { workflow: this.#workflow.name, event, at, ...variables };
    if (all.detail === undefined) all.detail = "";
    const defaultDetail = variables.detail ? `: ${variables.detail}` : "";
    const rendered = this.#redact(
      alert.message === undefined
        ? renderTemplate(_DEFAULT_TEMPLATE, { ...all, detail: defaultDetail })
        : renderTemplate(alert.message, all),
    );
    const message = typeof variables.suppressed === "number" && variables.suppressed > 0
      ? `${rendered} (${variables.suppressed} more suppressed by min_interval)`
      : rendered;
    const payload: Record<string, unknown> = {
      alert_version: 1,
      text: message,
      workflow: this.#workflow.name,
      on: alert.on,
      event,
      at,
    };
    for (const [key, value] of Object.entries(variables)) {
      if (value !== undefined && !(key in payload)) {
        payload[key] = typeof value === "string" ? this.#redact(value) : value;
      }
    }
    const json = JSON.stringify(payload);
    const notice = typeof variables.notice === "string" ? variables.notice : undefined;
    const sinks = await Promise.all(
      alert.to.map((sink) => this.#deliverWithRetries(sink, message, json, notice)),
    );
    const suppressed = typeof variables.suppressed === "number" ? variables.suppressed : 0;
    const report: AlertReport = {
      on: alert.on,
      event,
      at,
      message,
      sinks,
      ...(suppressed > 0 && { suppressed }),
    };
    this.#reports.push(report);
    for (const listener of this.#listeners) listener(report);
  }

  async #deliverWithRetries(
    sink: AlertSink,
    message: string,
    json: string,
    notice: string | undefined,
  ): Promise<AlertDelivery> {
    const delays = sink.kind === "stderr" || sink.kind === "stdout"
      ? []
      : this.#io.retryDelaysMs ?? ALERT_RETRY_DELAYS_MS;
    let attempts = 1;
    let delivery = await this.#deliver(sink, message, json, notice);
    for (const delay of delays) {
      if (delivery.ok) break;
      await sleep(this.#io.clock ?? systemClock, delay);
      attempts++;
      delivery = await this.#deliver(sink, message, json, notice);
    }
    return { ...delivery, attempts };
  }

  async #deliver(
    sink: AlertSink,
    message: string,
    json: string,
    notice: string | undefined,
  ): Promise<AlertDelivery> {
    // A notice says which it is everywhere: `alert (firing): ...` on a stream, `notice` in JSON.
    const prefix = notice === undefined ? "alert" : `alert (${notice})`;
    try {
      switch (sink.kind) {
        case "stderr":
          this.#io.stderr(`${prefix}: ${escapeControl(message)}\n`);
          break;
        case "stdout":
          this.#io.stdout(`${prefix}: ${escapeControl(message)}\n`);
          break;
        case "file":
          writeRegularFile(sink.path, `${json}\n`, { append: true });
          break;
        case "webhook":
          await this.#webhook(sink.url, json);
          break;
        case "command": {
          // Loaded on first use: node:child_process is for workflows with command sinks only.
          const { runAlertCommand } = await import(
            "./alert_command.ts" + ""
          ) as typeof import("./alert_command.ts");
          await runAlertCommand(sink.command, json, this.#io.timeoutMs ?? 10_000);
          break;
        }
      }
      return { sink: sink.kind, ok: true };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return { sink: sink.kind, ok: false, error: this.#redact(text) };
    }
  }

  async #webhook(url: string, json: string): Promise<void> {
    const fetcher = this.#io.fetch ?? globalThis.fetch;
    let response: Response;
    try {
      response = await fetcher(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: json,
        signal: AbortSignal.timeout(this.#io.timeoutMs ?? 10_000),
      });
    } catch (error) {
      // Fetch errors may quote the URL, which carries the webhook's token: name the kind only.
      throw new Error(
        `Cannot deliver the webhook as the request failed (${(error as Error)?.name ?? "Error"})`,
      );
    }
    await response.body?.cancel();
    if (!response.ok) {
      throw new Error(`Cannot deliver the webhook as it answered HTTP ${response.status}`);
    }
  }
}
