/**
 * `t4flow monitor PATH...`: many workflows in one process, each on its own schedule, with a run
 * history in SQLite and a status page, JSON API, badges and `/metrics` over HTTP. `--sim` starts
 * the embedded simulator and points every workflow at it.
 *
 * @module
 */

import { isLoopbackHost } from "../client/loopback.ts";
import { createMetricsRegistry, renderMetrics } from "../monitor/metrics_registry.ts";
import { ListenAddressError, parseListenAddress } from "../monitor/metrics_server.ts";
import { monitorFlagsFromArgs } from "../monitor/monitor_flags.ts";
import { DEFAULT_GRACE_MS, DEFAULT_RETAIN_MS, MonitorFleet } from "../monitor/monitor_fleet.ts";
import { formatMonitorEvent } from "../monitor/monitor_output.ts";
import { MonitorUsageError, parseMonitorFlags } from "../monitor/run_monitor.ts";
import type { RunStore } from "../monitor/run_store.ts";
import { parseEvery, type Schedule } from "../monitor/schedule.ts";
import { openSqliteRunStore, RunStoreError } from "../monitor/sqlite_run_store.ts";
import { serveStatus } from "../monitor/status_server.ts";
import { findWorkflowFiles, WorkflowPathError } from "../monitor/workflow_paths.ts";
import { parseDuration } from "../workflow/duration.ts";
import { EXIT_CODES } from "../workflow/exit_codes.ts";
import { loadWorkflow, type Workflow } from "../workflow/load_workflow.ts";
import { WorkflowValidationError } from "../workflow/workflow_diagnostic.ts";
import { workflowOrderDiagnostics } from "../workflow/workflow_orders.ts";
import { frontMarketDiagnostics, runRestBase } from "../workflow/front_market_resolver.ts";
import { workflowSchedule, workflowScheduleDiagnostics } from "../monitor/workflow_schedule.ts";
import {
  cliEnvironment,
  CliUsageError,
  countOf,
  parseCommandArgs,
  printDiagnostics,
} from "./cli_args.ts";
import type { CliIo } from "./cli_io.ts";
import { CLI_HELP } from "./help.ts";
import { startMonitorSim } from "./monitor_sim.ts";

/** The status page's address when `--listen` is not given. */
export const DEFAULT_MONITOR_LISTEN = "127.0.0.1:8090";

/**
 * Runs `t4flow monitor`.
 *
 * @param args The arguments after `monitor`.
 * @param io Streams, environment and signals.
 * @returns 130 once stopped (SIGTERM, Ctrl-C); 2 for invalid usage or workflows (nothing sent);
 * 1 when the database or the address cannot be used.
 * @throws {CliUsageError} On bad arguments.
 *
 * @example Invalid usage exits before anything runs
 * ```ts
 * import assert from "node:assert/strict";
 * import { monitorCommand } from "./monitor_command.ts";
 * import { CliUsageError } from "./cli_args.ts";
 *
 * const io = { stdout: () => {}, stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} };
 * await assert.rejects(monitorCommand([], io), CliUsageError);
 * await assert.rejects(monitorCommand(["x.yaml", "--concurrency", "0"], io), /whole number >= 1/);
 * ```
 */
export async function monitorCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    listen: { type: "string" },
    db: { type: "string" },
    retain: { type: "string" },
    concurrency: { type: "string" },
    grace: { type: "string" },
    every: { type: "string" },
    cron: { type: "string" },
    "cron-tz": { type: "string" },
    "fail-after": { type: "string" },
    "resolve-after": { type: "string" },
    "remind-every": { type: "string" },
    "in-maintenance": { type: "string" },
    "retry-refused-login": { type: "boolean" },
    url: { type: "string" },
    env: { type: "string" },
    api: { type: "string" },
    "env-file": { type: "string" },
    hold: { type: "string" },
    sim: { type: "boolean" },
    "allow-live-orders": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (values.help) {
    io.stdout(CLI_HELP.monitor!);
    return EXIT_CODES.success;
  }
  if (positionals.length === 0) {
    throw new CliUsageError("monitor needs at least one workflow file or directory");
  }
  const concurrency = _count("--concurrency", values.concurrency ?? "4");
  const retainMs = values.retain === undefined
    ? DEFAULT_RETAIN_MS
    : _duration("--retain", values.retain, "30d", true);
  const graceMs = values.grace === undefined
    ? DEFAULT_GRACE_MS
    : _duration("--grace", values.grace, "30s", false);
  const holdMs = values.hold === undefined
    ? undefined
    : _duration("--hold", values.hold, "5s", false);
  let listen;
  try {
    listen = parseListenAddress(values.listen ?? DEFAULT_MONITOR_LISTEN, "--listen");
  } catch (error) {
    if (error instanceof ListenAddressError) throw new CliUsageError(error.message);
    throw error;
  }
  if (values.env !== undefined && values.env !== "live" && values.env !== "sim") {
    throw new CliUsageError(`--env must be live or sim: got '${values.env}'`);
  }
  if (values.url !== undefined && !/^wss?:\/\/\S+$/.test(values.url)) {
    throw new CliUsageError(`--url must be a ws:// or wss:// URL`);
  }
  const endpoints = [values.url, values.env, values.sim].filter((v) => v !== undefined);
  if (endpoints.length > 1) throw new CliUsageError("give one of --url, --env and --sim");
  const flags = monitorFlagsFromArgs(values);
  let monitor;
  try {
    monitor = parseMonitorFlags({ ...flags, inMaintenance: flags.inMaintenance ?? "skip" })!;
  } catch (error) {
    if (error instanceof MonitorUsageError) throw new CliUsageError(error.message);
    throw error;
  }
  const fallback: Schedule = monitor.schedule ?? parseEvery("5m");
  let files: string[];
  try {
    files = findWorkflowFiles(positionals);
  } catch (error) {
    if (error instanceof WorkflowPathError) throw new CliUsageError(error.message);
    throw error;
  }

  const json = values.json === true;
  const sim = values.sim === true ? await startMonitorSim() : undefined;
  try {
    const env = { ...sim?.env, ...cliEnvironment(io, values["env-file"]) };
    const url = sim?.url ?? values.url;
    const api = values.api ?? sim?.restUrl;
    const workflows = _loadAll(files, io, json, {
      env,
      url,
      api,
      env_: values.env as "live" | "sim" | undefined,
      allowLiveOrders: values["allow-live-orders"] === true,
    });
    if (workflows === undefined) return EXIT_CODES.invalid;
    const names = new Map<string, string>();
    for (const workflow of workflows) {
      const other = names.get(workflow.name);
      if (other !== undefined) {
        throw new CliUsageError(
          `${workflow.file} and ${other} are both named '${workflow.name}': give each workflow its own name`,
        );
      }
      names.set(workflow.name, workflow.file);
    }

    let store: RunStore;
    try {
      store = openSqliteRunStore(values.db ?? ":memory:");
    } catch (error) {
      if (!(error instanceof RunStoreError)) throw error;
      io.stderr(`t4flow: ${error.message}\n`);
      return 1;
    }
    try {
      return await _serve(io, json, {
        store,
        workflows: workflows.map((workflow) => ({
          workflow,
          schedule: workflowSchedule(workflow, fallback)!,
        })),
        listen,
        db: values.db,
        sim: sim?.url,
        fleet: {
          policy: monitor.policy,
          maintenance: monitor.maintenance,
          concurrency,
          retainMs,
          graceMs,
          run: {
            ...(url !== undefined && { url }),
            ...(values.env !== undefined && { env: values.env as "live" | "sim" }),
            ...(api !== undefined && { api }),
            ...(holdMs !== undefined && { holdMs }),
            allowLiveOrders: values["allow-live-orders"] === true,
          },
        },
      });
    } finally {
      store.close();
    }
  } finally {
    await sim?.stop();
  }
}

interface _ServeOptions {
  store: RunStore;
  workflows: { workflow: Workflow; schedule: Schedule }[];
  listen: { host: string; port: number };
  db: string | undefined;
  sim: string | undefined;
  fleet: Omit<ConstructorParameters<typeof MonitorFleet>[1], "store" | "io">;
}

async function _serve(io: CliIo, json: boolean, options: _ServeOptions): Promise<number> {
  const metrics = createMetricsRegistry();
  const print = json ? io.stdout : io.stderr;
  const fleet = new MonitorFleet(options.workflows, {
    ...options.fleet,
    store: options.store,
    metrics,
    io: { stdout: io.stdout, stderr: io.stderr },
    onEvent: (event) => {
      if (event.type === "monitor") {
        const line = formatMonitorEvent(event.event, json);
        print(
          json
            ? `${JSON.stringify({ workflow: event.workflow, ...JSON.parse(line) })}\n`
            : line.replace(/^monitor: /, `monitor: ${event.workflow}: `),
        );
      } else if (json) {
        print(`${JSON.stringify({ ...event, type: `monitor_${event.type}` })}\n`);
      } else if (event.type === "stopped") {
        print(
          `monitor: ${event.workflow}: stopped after exit ${event.exitCode}; the others go on\n`,
        );
      } else {
        print(`monitor: ${event.workflow ? `${event.workflow}: ` : ""}${event.message}\n`);
      }
    },
  });
  let server;
  try {
    server = await serveStatus(fleet, options.listen, {
      metrics: async () => ({
        contentType: metrics.contentType,
        body: await renderMetrics(metrics),
      }),
    });
  } catch (error) {
    io.stderr(`t4flow: ${(error as Error).message}\n`);
    return 1;
  }
  const lines = [
    `t4flow monitor: ${
      countOf(options.workflows.length, "workflow")
    }, status page at ${server.url}`,
    options.db === undefined
      ? "history in memory: give --db FILE to keep it across restarts"
      : `history in ${options.db}`,
  ];
  if (options.sim !== undefined) {
    lines.push(`every workflow runs against the simulator at ${options.sim}`);
  }
  if (!isLoopbackHost(options.listen.host)) {
    lines.push(
      `warning: listening on ${options.listen.host}, reachable from other machines; the page and API have no authentication`,
    );
  }
  if (json) {
    io.stdout(
      `${
        JSON.stringify({
          type: "monitor_started",
          url: server.url,
          workflows: options.workflows.map((w) => w.workflow.name),
          db: options.db ?? null,
        })
      }\n`,
    );
  }
  io.stderr(`${lines.join("\n")}\n`);

  const stop = new AbortController();
  const kill = new AbortController();
  let interrupts = 0;
  const removeInterrupt = io.onInterrupt((signal) => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr(
        `\nt4flow: ${signal}: no new runs; running checks get ${
          Math.round((options.fleet.graceMs ?? DEFAULT_GRACE_MS) / 1000)
        } s to finish (again to exit at once)…\n`,
      );
      stop.abort(new Error(`stopped by ${signal}`));
    } else {
      // A second signal does not wait for the checks: interrupt them and exit now, 128 + signal
      // (as `t4flow run` does). The history is safe: SQLite commits each run on its own.
      kill.abort(new Error(`stopped by ${signal}`));
      const code = signal === "SIGTERM" ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
      io.stderr(`t4flow: ${signal} again: exiting at once (${code})\n`);
      io.exit?.(code);
    }
  });
  try {
    return await fleet.run(stop.signal, kill.signal);
  } finally {
    removeInterrupt();
    await server.close();
  }
}

/** Loads every workflow; prints every problem and returns `undefined` when any is invalid. */
function _loadAll(
  files: readonly string[],
  io: CliIo,
  json: boolean,
  options: {
    env: Record<string, string | undefined>;
    url: string | undefined;
    api: string | undefined;
    env_: "live" | "sim" | undefined;
    allowLiveOrders: boolean;
  },
): Workflow[] | undefined {
  const workflows: Workflow[] = [];
  let invalid = 0;
  for (const file of files) {
    try {
      const workflow = loadWorkflow(file, {
        env: options.env,
        requireEndpoint: options.url === undefined && options.env_ === undefined,
      });
      const endpoint = options.url !== undefined
        ? { url: options.url }
        : options.env_ !== undefined
        ? { env: options.env_ }
        : workflow.connection.url !== undefined
        ? { url: workflow.connection.url }
        : { env: workflow.connection.env ?? "sim" };
      const refused = [
        ...workflowScheduleDiagnostics(workflow),
        ...frontMarketDiagnostics(workflow, runRestBase(workflow, endpoint, options.api)),
        ...workflowOrderDiagnostics(workflow, {
          ...(options.url !== undefined && { url: options.url }),
          ...(options.env_ !== undefined && { env: options.env_ }),
          allowLiveOrders: options.allowLiveOrders,
        }),
      ];
      if (refused.length > 0) {
        throw new WorkflowValidationError(file, [...workflow.warnings, ...refused]);
      }
      printDiagnostics(io, workflow.warnings, json);
      workflows.push(workflow);
    } catch (error) {
      if (!(error instanceof WorkflowValidationError)) throw error;
      invalid++;
      printDiagnostics(io, error.diagnostics, json);
      if (!json) {
        io.stderr(`t4flow: ${file} is invalid (${countOf(error.errors.length, "error")})\n`);
      }
    }
  }
  if (invalid === 0) return workflows;
  io.stderr(
    `t4flow: ${countOf(invalid, "workflow")} invalid: nothing was started, nothing was sent\n`,
  );
  return undefined;
}

function _count(flag: string, value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) {
    throw new CliUsageError(
      `Cannot monitor as '${flag}' must be a whole number >= 1: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
  return Number(value);
}

function _duration(flag: string, value: string, example: string, days: boolean): number {
  const trimmed = value.trim();
  const dayMatch = days ? /^(\d+)d$/.exec(trimmed) : null;
  const ms = dayMatch ? Number(dayMatch[1]) * 86_400_000 : parseDuration(trimmed);
  if (ms === undefined || ms <= 0 || !Number.isSafeInteger(ms)) {
    throw new CliUsageError(
      `Cannot monitor as '${flag}' must be a duration such as ${example}${
        days ? " (units ms, s, m, h, d)" : ""
      }: current value is ${JSON.stringify(value)}`,
    );
  }
  return ms;
}
