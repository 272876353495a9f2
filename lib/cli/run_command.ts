/**
 * `t4flow run FILE`: runs a workflow once, or on a schedule with the monitor flags.
 *
 * @module
 */

import { MONITOR_ARG_OPTIONS, monitorFlagsFromArgs } from "../monitor/monitor_flags.ts";
import type { MonitorOptions } from "../monitor/run_monitor.ts";
import { checkOutputPath, OutputPathError } from "../runtime/files.ts";
import { parseDuration } from "../workflow/duration.ts";
import { EXIT_CODES } from "../workflow/exit_codes.ts";
import type { Workflow } from "../workflow/load_workflow.ts";
import { readWorkflow } from "../workflow/read_workflow.ts";
import type { RunEvent, RunReport } from "../workflow/run_report.ts";
import { invalidRunReport, runWorkflow } from "../workflow/run_workflow.ts";
import { WorkflowValidationError } from "../workflow/workflow_diagnostic.ts";
import {
  cliEnvironment,
  type CliOptions,
  CliUsageError,
  countOf,
  parseCommandArgs,
  printDiagnostics,
} from "./cli_args.ts";
import type { CliIo } from "./cli_io.ts";
import { CLI_HELP } from "./help.ts";
import { writeJunitFile, writeReportFile } from "./report_files.ts";
import { runEventPrinter } from "./run_output.ts";
import { workflowFiles } from "./workflow_files.ts";
import {
  METRICS_ARG_OPTIONS,
  parseMetricsFlags,
  type RunMetricsHooks,
  startRunMetrics,
} from "./run_metrics.ts";

/**
 * Runs `t4flow run`.
 *
 * @param args The arguments after `run`.
 * @param io Streams, environment and signals.
 * @returns The exit code of the run (see `EXIT_CODES`).
 * @throws {CliUsageError} On bad arguments.
 *
 * @example A dry run: validated and encoded, nothing sent
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { runCommand } from "./run_command.ts";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "check.yaml");
 * writeFileSync(file, "version: 1\nname: check\nconnection:\n  env: sim\n  auth:\n    api_key: k\nsteps:\n  - login\n");
 * const out: string[] = [];
 * const io = { stdout: (t: string) => void out.push(t), stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} };
 * assert.equal(await runCommand([file, "--dry-run"], io), 0);
 * assert.match(out.join(""), /dry run, nothing is sent/);
 * ```
 */
export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const options = {
    url: { type: "string" },
    api: { type: "string" },
    env: { type: "string" },
    "env-file": { type: "string" },
    report: { type: "string" },
    hold: { type: "string" },
    json: { type: "boolean" },
    "dry-run": { type: "boolean" },
    "allow-live-orders": { type: "boolean" },
    junit: { type: "string" },
    record: { type: "string" },
    replay: { type: "string" },
    speed: { type: "string" },
    ...MONITOR_ARG_OPTIONS,
    ...METRICS_ARG_OPTIONS,
  } as const satisfies CliOptions;
  const { values, positionals } = parseCommandArgs(args, options);
  if (values.help) {
    io.stdout(CLI_HELP.run!);
    return EXIT_CODES.success;
  }
  if (positionals.length === 0) {
    throw new CliUsageError("run needs a workflow file, several, or a directory of them");
  }
  const files = workflowFiles(positionals);
  if (files.length > 1 || files[0] !== positionals[0]) {
    const { runMany } = await import("./run_many.ts" + "") as typeof import("./run_many.ts");
    return await runMany(files, args, options, io, (one) => runCommand(one, io));
  }
  const file = positionals[0]!;
  if (values.env !== undefined && values.env !== "live" && values.env !== "sim") {
    throw new CliUsageError(`--env must be live or sim: got '${values.env}'`);
  }
  if (values.url !== undefined && !/^wss?:\/\/\S+$/.test(values.url)) {
    throw new CliUsageError(`--url must be a ws:// or wss:// URL`);
  }
  if (values.url !== undefined && values.env !== undefined) {
    throw new CliUsageError("give either --url or --env, not both");
  }
  const holdMs = values.hold === undefined ? undefined : parseDuration(values.hold);
  if (values.hold !== undefined && holdMs === undefined) {
    throw new CliUsageError(
      `--hold must be a duration such as 250ms, 20s, 5m or 1h: got '${values.hold}'`,
    );
  }
  const monitor = await _monitorOptions(values);
  const metricsFlags = await parseMetricsFlags(values);
  const taping = values.record !== undefined || values.replay !== undefined ||
    values.speed !== undefined;
  if (taping && monitor !== undefined) {
    throw new CliUsageError("--record and --replay work on a single run, not with --every/--cron");
  }
  const json = values.json === true;
  const env = cliEnvironment(io, values["env-file"]);
  const startedAt = new Date();

  let workflow: Workflow;
  try {
    workflow = await readWorkflow(file, {
      env,
      requireEndpoint: values.url === undefined && values.env === undefined,
      replay: values.replay !== undefined,
      // The order guard runs in the loader's pass: its errors come with every other error.
      orderGuard: {
        ...(values.url !== undefined && { url: values.url }),
        ...(values.env !== undefined && { env: values.env as "live" | "sim" }),
        allowLiveOrders: values["allow-live-orders"] === true,
      },
    });
  } catch (error) {
    if (!(error instanceof WorkflowValidationError)) throw error;
    printDiagnostics(io, error.diagnostics, json);
    if (!json) {
      io.stderr(
        `t4flow: ${file} is invalid (${countOf(error.errors.length, "error")}): nothing was sent\n`,
      );
    }
    const invalid = invalidRunReport({
      workflow: { name: "", file, version: 1 },
      target: "",
      startedAt: startedAt.getTime(),
      endedAt: Date.now(),
      diagnostics: error.diagnostics,
    });
    if (values.report !== undefined) writeReportFile(values.report, invalid, io);
    if (values.junit !== undefined) writeJunitFile(values.junit, invalid, io);
    return EXIT_CODES.invalid;
  }
  printDiagnostics(io, workflow.warnings, json);
  if (values["dry-run"]) {
    if (taping) throw new CliUsageError("--dry-run sends nothing: it takes no --record/--replay");
    return await _dryRun(workflow, file, json, io);
  }
  const unwritable = _unwritableOutput(workflow, values, monitor);
  if (unwritable !== undefined) {
    io.stderr(`t4flow: ${unwritable}\n`);
    return EXIT_CODES.invalid;
  }
  const tape = taping ? await _openTape(values) : undefined;
  if (tape !== undefined && !json) io.stderr(`t4flow: ${tape.describe}\n`);
  let metrics: RunMetricsHooks | undefined;
  try {
    metrics = await startRunMetrics(metricsFlags, workflow.name, io);
  } catch (error) {
    tape?.close();
    io.stderr(`t4flow: ${(error as Error).message}: nothing was sent\n`);
    return EXIT_CODES.invalid;
  }
  const print = runEventPrinter(io, json);
  const onEvent = metrics
    ? (event: RunEvent) => {
      metrics.onRunEvent(event);
      print(event);
    }
    : print;

  const controller = new AbortController();
  let interrupts = 0;
  const removeInterrupt = io.onInterrupt((signal) => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr(`\nt4flow: ${signal}: closing the session… (again to exit at once)\n`);
      controller.abort(new Error(`interrupted by ${signal}`));
    } else {
      // A second signal does not wait for a slow close or delivery: exit now, 128 + signal.
      const code = signal === "SIGTERM" ? EXIT_CODES.terminated : EXIT_CODES.interrupted;
      io.stderr(`t4flow: ${signal} again: exiting at once (${code})\n`);
      io.exit?.(code);
    }
  });
  const run = {
    ...(values.url !== undefined && { url: values.url }),
    ...(values.api !== undefined && { api: values.api }),
    ...(values.env !== undefined && { env: values.env as "live" | "sim" }),
    ...(holdMs !== undefined && { holdMs }),
    allowLiveOrders: values["allow-live-orders"] === true,
    ...(metrics?.sessionMetrics && { sessionMetrics: metrics.sessionMetrics }),
  };
  if (monitor !== undefined) {
    try {
      const [{ runWorkflowMonitor }, { formatMonitorEvent }] = await Promise.all([
        import("../monitor/workflow_monitor.ts" + "") as Promise<
          typeof import("../monitor/workflow_monitor.ts")
        >,
        import("../monitor/monitor_output.ts" + "") as Promise<
          typeof import("../monitor/monitor_output.ts")
        >,
      ]);
      return await runWorkflowMonitor(workflow, monitor, {
        run,
        io: { stdout: io.stdout, stderr: io.stderr },
        signal: controller.signal,
        onRunEvent: onEvent,
        onReport: async (report) => {
          _printRefusal(report, workflow, file, json, io);
          const final = metrics ? await metrics.afterRun(report) : report;
          if (values.report !== undefined) writeReportFile(values.report, final, io);
        },
        onMonitorEvent: (event) => (json ? io.stdout : io.stderr)(formatMonitorEvent(event, json)),
      });
    } finally {
      removeInterrupt();
      await metrics?.close();
    }
  }
  let report: RunReport;
  try {
    report = await runWorkflow(workflow, {
      ...run,
      signal: controller.signal,
      onEvent,
      io: { stdout: io.stdout, stderr: io.stderr },
      ...(tape?.recorder && { recorder: tape.recorder }),
      ...(tape?.replay && { replay: tape.replay }),
    });
  } finally {
    removeInterrupt();
    tape?.close();
    await metrics?.close();
  }
  _printRefusal(report, workflow, file, json, io);
  if (metrics) report = await metrics.afterRun(report);
  let written = true;
  if (values.report !== undefined) written = writeReportFile(values.report, report, io);
  if (values.junit !== undefined) written = writeJunitFile(values.junit, report, io) && written;
  // A run whose report is lost did not fully succeed.
  return report.exit_code === EXIT_CODES.success && !written ? EXIT_CODES.failed : report.exit_code;
}

/**
 * Prints why the runner refused a run before connecting (checks that need the run's own options,
 * such as `market: front` without a REST API for `--url`, or under `--replay`): the same
 * file:line:column lines and summary as a workflow the loader refused.
 */
function _printRefusal(
  report: RunReport,
  workflow: Workflow,
  file: string,
  json: boolean,
  io: CliIo,
): void {
  if (report.status !== "invalid") return;
  const refusals = report.diagnostics.filter((d) => !workflow.warnings.includes(d));
  printDiagnostics(io, refusals, json);
  const errors = refusals.filter((d) => d.severity === "error").length;
  if (!json) {
    io.stderr(`t4flow: ${file} cannot run (${countOf(errors, "error")}): nothing was sent\n`);
  }
}

/**
 * Checks every output of the run before anything is sent: `--report`, `--junit`, `--state` and
 * each alert `file:` sink. Returns the message for the first one that cannot be written.
 */
function _unwritableOutput(
  workflow: Workflow,
  values: Readonly<Record<string, unknown>>,
  monitor: MonitorOptions | undefined,
): string | undefined {
  const outputs: [string, string][] = [];
  for (const flag of ["report", "junit"]) {
    const value = values[flag];
    if (typeof value === "string") outputs.push([`--${flag}`, value]);
  }
  if (monitor?.statePath !== undefined) outputs.push(["--state", monitor.statePath]);
  for (const [a, alert] of workflow.alerts.entries()) {
    for (const [s, sink] of alert.to.entries()) {
      if (sink.kind === "file") outputs.push([`alerts[${a}].to[${s}].file`, sink.path]);
    }
  }
  for (const [flag, path] of outputs) {
    try {
      checkOutputPath(path, flag);
    } catch (error) {
      if (error instanceof OutputPathError) return error.message;
      throw error;
    }
  }
  return undefined;
}

/** `--record`/`--replay`/`--speed`, loaded only when one is given. */
async function _openTape(values: Readonly<Record<string, unknown>>) {
  const { openSessionTape, TapeUsageError } = await import(
    "./session_tape.ts" + ""
  ) as typeof import("./session_tape.ts");
  try {
    return openSessionTape({
      record: values.record as string | undefined,
      replay: values.replay as string | undefined,
      speed: values.speed as string | undefined,
    });
  } catch (error) {
    if (error instanceof TapeUsageError) throw new CliUsageError(error.message);
    throw error;
  }
}

/** The monitor options, or `undefined` for a single run; the scheduler loads only when asked. */
async function _monitorOptions(
  values: Readonly<Record<string, unknown>>,
): Promise<MonitorOptions | undefined> {
  const flags = monitorFlagsFromArgs(values);
  if (Object.keys(flags).length === 0) return undefined;
  const { MonitorUsageError, parseMonitorFlags } = await import(
    "../monitor/run_monitor.ts" + ""
  ) as typeof import("../monitor/run_monitor.ts");
  try {
    return parseMonitorFlags(flags);
  } catch (error) {
    if (error instanceof MonitorUsageError) throw new CliUsageError(error.message);
    throw error;
  }
}

async function _dryRun(workflow: Workflow, file: string, json: boolean, io: CliIo) {
  const { dryRunSteps } = await import(
    "../workflow/dry_run.ts" + ""
  ) as typeof import("../workflow/dry_run.ts");
  let steps;
  try {
    steps = dryRunSteps(workflow);
  } catch (error) {
    io.stderr(`t4flow: ${file}: ${(error as Error).message}: nothing was sent\n`);
    return EXIT_CODES.invalid;
  }
  if (json) {
    io.stdout(`${JSON.stringify({ type: "dry_run", workflow: workflow.name, steps })}\n`);
  } else {
    const lines = steps.flatMap((s) => [
      `steps[${s.index}] ${s.step}:`,
      ...s.frames.map((f) => `  ${f}`),
    ]);
    const count = steps.reduce((n, s) => n + s.frames.length, 0);
    io.stdout(`▶ ${workflow.name}: dry run, nothing is sent\n${lines.join("\n")}\n`);
    io.stdout(`✔ ${file} is valid; ${count} frames\n`);
  }
  return EXIT_CODES.success;
}
