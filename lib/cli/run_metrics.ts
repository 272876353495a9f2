/**
 * `t4flow run --metrics HOST:PORT` and `--pushgateway URL`: a Prometheus endpoint for as long as
 * the command runs (held sessions, `--every`/`--cron` monitors) and a push of each run's numbers.
 * `prom-client` and the HTTP server load only when one of these flags is given.
 *
 * @module
 */

import type { SessionMetrics } from "../client/session_metrics.ts";
import type { RunEvent, RunReport } from "../workflow/run_report.ts";
import { CliUsageError } from "./cli_usage_error.ts";
import type { CliIo } from "./cli_io.ts";

/** The metrics options of `t4flow run`, in `node:util` `parseArgs` form. */
export const METRICS_ARG_OPTIONS = {
  metrics: { type: "string" },
  pushgateway: { type: "string" },
} as const;

/** The help text of the metrics options, for `t4flow run --help`. */
export const METRICS_HELP = `Metrics options (Prometheus):
  --metrics HOST:PORT        serve GET /metrics while running (PORT alone: 127.0.0.1)
  --pushgateway URL          after each run, push its numbers to a Prometheus Pushgateway
                             (URL/metrics/job/t4flow/workflow/NAME); a failed push is reported
                             and does not change the exit code
`;

/** The checked flag values. */
export interface MetricsFlags {
  /** Where to serve `/metrics`. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** The Pushgateway base URL. */
  readonly pushgateway?: URL;
}

/**
 * Checks `--metrics` and `--pushgateway` before anything starts.
 *
 * @param values The parsed `t4flow run` arguments.
 * @returns The checked values (empty when neither flag is given).
 * @throws {CliUsageError} When a value is invalid (exit 2, nothing sent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMetricsFlags } from "./run_metrics.ts";
 *
 * assert.deepEqual(await parseMetricsFlags({ metrics: "9464" }), { listen: { host: "127.0.0.1", port: 9464 } });
 * assert.deepEqual(await parseMetricsFlags({}), {});
 * await assert.rejects(parseMetricsFlags({ pushgateway: "pg:9091" }), /must be an http:\/\/ or https:\/\/ URL/);
 * ```
 */
export async function parseMetricsFlags(
  values: Readonly<Record<string, unknown>>,
): Promise<MetricsFlags> {
  const out: { listen?: NonNullable<MetricsFlags["listen"]>; pushgateway?: URL } = {};
  if (typeof values.metrics === "string") {
    const { ListenAddressError, parseListenAddress } = await import(
      "../monitor/metrics_server.ts" + ""
    ) as typeof import("../monitor/metrics_server.ts");
    try {
      out.listen = parseListenAddress(values.metrics);
    } catch (error) {
      if (error instanceof ListenAddressError) throw new CliUsageError(error.message);
      throw error;
    }
  }
  if (typeof values.pushgateway === "string") {
    const { parsePushgatewayUrl, PushgatewayUrlError } = await import(
      "../monitor/pushgateway.ts" + ""
    ) as typeof import("../monitor/pushgateway.ts");
    try {
      out.pushgateway = parsePushgatewayUrl(values.pushgateway);
    } catch (error) {
      if (error instanceof PushgatewayUrlError) throw new CliUsageError(error.message);
      throw error;
    }
  }
  return out;
}

/** What the run command plugs into the runs. */
export interface RunMetricsHooks {
  /** The long-lived collector of `/metrics` (feed it to every run). */
  readonly sessionMetrics?: SessionMetrics;
  /** Counts a run event (watch violations, alerts, finished runs). */
  onRunEvent(event: RunEvent): void;
  /**
   * Pushes a finished run (with `--pushgateway`) and returns its report with `metrics.push`.
   *
   * @param report The run's report.
   * @returns The report to write.
   */
  afterRun(report: RunReport): Promise<RunReport>;
  /** Stops serving `/metrics`. */
  close(): Promise<void>;
}

/**
 * Starts what the flags ask for: the `/metrics` endpoint (its URL is printed on stderr) and the
 * Pushgateway push after each run.
 *
 * @param flags From {@linkcode parseMetricsFlags}.
 * @param workflow The workflow name (the `workflow` label and the Pushgateway group).
 * @param io Where to print the endpoint and push failures.
 * @returns The hooks, or `undefined` when no metrics flag was given.
 * @throws {Error} When `/metrics` cannot be served (e.g. the port is taken), action first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMetricsFlags, startRunMetrics } from "./run_metrics.ts";
 *
 * const lines: string[] = [];
 * const hooks = await startRunMetrics(await parseMetricsFlags({ metrics: "0" }), "check", {
 *   stderr: (t) => void lines.push(t),
 * });
 * assert.match(lines[0] ?? "", /^t4flow: serving metrics at http:\/\/127\.0\.0\.1:\d+\/metrics\n$/);
 * await hooks?.close();
 * assert.equal(await startRunMetrics({}, "check", { stderr: () => {} }), undefined);
 * ```
 */
export async function startRunMetrics(
  flags: MetricsFlags,
  workflow: string,
  io: Pick<CliIo, "stderr">,
): Promise<RunMetricsHooks | undefined> {
  if (flags.listen === undefined && flags.pushgateway === undefined) return undefined;
  let onRunEvent: (event: RunEvent) => void = () => {};
  let sessionMetrics: SessionMetrics | undefined;
  let close = () => Promise.resolve();
  if (flags.listen !== undefined) {
    const [{ createMetricsRegistry }, { serveMetrics }] = await Promise.all([
      import("../monitor/metrics_registry.ts" + "") as Promise<
        typeof import("../monitor/metrics_registry.ts")
      >,
      import("../monitor/metrics_server.ts" + "") as Promise<
        typeof import("../monitor/metrics_server.ts")
      >,
    ]);
    const registry = createMetricsRegistry();
    const metrics = registry.workflow(workflow);
    const server = await serveMetrics(registry, flags.listen);
    io.stderr(`t4flow: serving metrics at ${server.url}\n`);
    onRunEvent = (event) => metrics.onRunEvent(event);
    sessionMetrics = metrics.session;
    close = () => server.close();
  }
  const pushgateway = flags.pushgateway;
  return {
    ...(sessionMetrics && { sessionMetrics }),
    onRunEvent,
    close,
    async afterRun(report) {
      if (pushgateway === undefined || report.metrics === undefined) return report;
      const { pushRunMetrics } = await import(
        "../monitor/pushgateway.ts" + ""
      ) as typeof import("../monitor/pushgateway.ts");
      const push = await pushRunMetrics(pushgateway, {
        workflow,
        session: report.metrics.session,
        run: {
          status: report.status,
          exitCode: report.exit_code,
          durationMs: report.duration_ms,
          endedAt: Date.parse(report.ended_at),
        },
      });
      if (!push.ok) io.stderr(`t4flow: Cannot push metrics to ${push.url}: ${push.error}\n`);
      return { ...report, metrics: { ...report.metrics, push } };
    },
  };
}
