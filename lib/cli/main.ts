/**
 * The `t4flow` command line: `run`, `validate`, `sim`, `schema`, `--help`, `--version`. `mod.ts`
 * loads this module only when it runs as the main module.
 *
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration } from "../workflow/duration.ts";
import { parseEnvFile } from "../workflow/env_file.ts";
import { loadWorkflow, type Workflow } from "../workflow/load_workflow.ts";
import { REPORT_VERSION, type RunReport, T4FLOW_VERSION } from "../workflow/run_report.ts";
import { EXIT_CODES, invalidRunReport, runWorkflow } from "../workflow/run_workflow.ts";
import {
  formatDiagnostic,
  type WorkflowDiagnostic,
  WorkflowValidationError,
} from "../workflow/workflow_diagnostic.ts";
import { workflowJsonSchema } from "../workflow/workflow_schema.ts";
import { type DryRunStep, dryRunSteps } from "../workflow/dry_run.ts";
import { junitXml } from "../workflow/junit_report.ts";
import { workflowOrderDiagnostics } from "../workflow/workflow_orders.ts";
import { type CliIo, processIo } from "./cli_io.ts";
import { runEventPrinter } from "./run_output.ts";
import { formatMonitorEvent } from "../monitor/monitor_output.ts";
import { MonitorUsageError, parseMonitorFlags } from "../monitor/run_monitor.ts";
import {
  MONITOR_ARG_OPTIONS,
  MONITOR_HELP,
  monitorFlagsFromArgs,
  runWorkflowMonitor,
} from "../monitor/workflow_monitor.ts";

const _HELP: Record<string, string> = {
  main: `t4flow ${T4FLOW_VERSION}: run YAML workflows against the T4 futures-trading WebSocket API

Usage:
  t4flow run FILE [options]        run a workflow
  t4flow validate FILE...          check workflow files; nothing is sent
  t4flow sim [options]             start the embedded T4 simulator
  t4flow schema                    print the workflow JSON Schema
  t4flow COMMAND --help            help for a command
  t4flow --version                 print the version

Exit codes: 0 success, 1 a step failed, 2 invalid usage or workflow (nothing was sent),
3 could not connect or log in, 130 interrupted.
`,
  run: `Usage: t4flow run FILE [options]

Runs the workflow's steps in order on one T4 session, fires its alerts and exits with
0 success, 1 a step failed, 2 invalid usage or workflow (nothing was sent),
3 could not connect or log in, 130 interrupted (Ctrl-C, SIGTERM).

Options:
  --url URL          connect here instead of connection.env / connection.url
  --env live|sim     connect to a documented endpoint instead
  --env-file FILE    read \${NAME} variables from FILE (the environment wins)
  --report FILE      write the JSON report (report_version ${REPORT_VERSION}) to FILE
  --hold DURATION    shorten (or lengthen) every hold step, e.g. 2s
  --json             print JSON lines instead of human output
  --dry-run          validate, build and encode every frame, print them (secrets redacted)
                     and exit without connecting
  --allow-live-orders  let order steps reach a live endpoint (the workflow must also say
                     'environment: live')
  --junit FILE       also write a JUnit XML report (one test case per step) to FILE
  -h, --help         this help

${MONITOR_HELP}`,
  validate: `Usage: t4flow validate FILE... [options]

Checks each workflow file (YAML, schema, \${NAME} variables, steps, CEL expressions, alerts,
the order guard against the workflow's own endpoint) and prints every
problem as FILE:LINE:COLUMN: severity: key: message. Nothing is sent. Exit 0 when every file is
valid, 2 otherwise.

Options:
  --env-file FILE    read \${NAME} variables from FILE (the environment wins)
  --allow-live-orders  check order steps as 'run --allow-live-orders' would
  --json             print one JSON object per file
  -h, --help         this help
`,
  schema: `Usage: t4flow schema

Prints the JSON Schema of the workflow format (also in schema/workflow.schema.json). Point your
editor at it with: # yaml-language-server: $schema=<path>/workflow.schema.json
`,
};

/**
 * Runs the command line.
 *
 * @param args The arguments after the program name.
 * @param io Streams, environment and signals.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 *
 * const out: string[] = [];
 * const io = { stdout: (t: string) => out.push(t), stderr: () => {}, isTTY: false, env: {}, onInterrupt: () => () => {} };
 * assert.equal(await main(["--version"], io), 0);
 * assert.match(out.join(""), /^t4flow \d+\.\d+\.\d+\n$/);
 * ```
 */
export async function main(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case undefined:
      case "help":
      case "-h":
      case "--help":
        io.stdout(_HELP.main!);
        return command === undefined ? EXIT_CODES.invalid : EXIT_CODES.success;
      case "--version":
      case "-V":
      case "version":
        io.stdout(`t4flow ${T4FLOW_VERSION}\n`);
        return EXIT_CODES.success;
      case "run":
        return await _run(rest, io);
      case "validate":
        return _validate(rest, io);
      case "schema":
        if (rest.includes("--help") || rest.includes("-h")) {
          io.stdout(_HELP.schema!);
          return EXIT_CODES.success;
        }
        if (rest.length > 0) throw new _UsageError(`schema takes no arguments: got '${rest[0]}'`);
        io.stdout(`${JSON.stringify(workflowJsonSchema(), null, 2)}\n`);
        return EXIT_CODES.success;
      case "sim": {
        const { simCommand } = await import("../sim/sim_command.ts");
        return await simCommand([...rest]);
      }
      default:
        throw new _UsageError(
          `unknown command '${command}', expected run, validate, sim or schema`,
        );
    }
  } catch (error) {
    if (error instanceof _UsageError) {
      io.stderr(
        `t4flow: ${error.message}\nRun 't4flow ${
          command && command in _HELP ? `${command} ` : ""
        }--help' for usage.\n`,
      );
      return EXIT_CODES.invalid;
    }
    throw error;
  }
}

class _UsageError extends Error {
  override readonly name = "UsageError";
}

function _parse<T extends Record<string, { type: "string" | "boolean"; short?: string }>>(
  args: readonly string[],
  options: T,
) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new _UsageError((error as Error).message.split("\n")[0] ?? String(error));
  }
}

function _environment(io: CliIo, envFile: string | undefined): Record<string, string | undefined> {
  if (envFile === undefined) return { ...io.env };
  let text: string;
  try {
    text = readFileSync(envFile, "utf8");
  } catch (error) {
    throw new _UsageError(
      `cannot read --env-file ${envFile} (${(error as { code?: string }).code ?? error})`,
    );
  }
  try {
    return { ...parseEnvFile(text), ...io.env };
  } catch (error) {
    throw new _UsageError(`${envFile}: ${(error as Error).message}`);
  }
}

function _printDiagnostics(
  io: CliIo,
  diagnostics: readonly WorkflowDiagnostic[],
  json: boolean,
): void {
  for (const diagnostic of diagnostics) {
    if (json) io.stdout(`${JSON.stringify({ type: "diagnostic", ...diagnostic })}\n`);
    else io.stderr(`${formatDiagnostic(diagnostic)}\n`);
  }
}

function _validate(args: readonly string[], io: CliIo): number {
  const { values, positionals } = _parse(args, {
    "env-file": { type: "string" },
    json: { type: "boolean" },
    "allow-live-orders": { type: "boolean" },
  });
  if (values.help) {
    io.stdout(_HELP.validate!);
    return EXIT_CODES.success;
  }
  if (positionals.length === 0) throw new _UsageError("validate needs at least one workflow file");
  const env = _environment(io, values["env-file"]);
  let code: number = EXIT_CODES.success;
  for (const file of positionals) {
    try {
      const workflow = loadWorkflow(file, { env });
      const refused = workflowOrderDiagnostics(workflow, {
        allowLiveOrders: values["allow-live-orders"] === true,
      });
      if (refused.length > 0) {
        throw new WorkflowValidationError(file, [...workflow.warnings, ...refused]);
      }
      _printDiagnostics(io, workflow.warnings, values.json === true);
      if (values.json) {
        io.stdout(
          `${
            JSON.stringify({
              type: "validated",
              file,
              valid: true,
              warnings: workflow.warnings.length,
            })
          }\n`,
        );
      } else {
        io.stdout(
          `✓ ${file} is valid${
            workflow.warnings.length ? ` (${_count(workflow.warnings.length, "warning")})` : ""
          }\n`,
        );
      }
    } catch (error) {
      if (!(error instanceof WorkflowValidationError)) throw error;
      code = EXIT_CODES.invalid;
      _printDiagnostics(io, error.diagnostics, values.json === true);
      if (values.json) {
        io.stdout(
          `${
            JSON.stringify({ type: "validated", file, valid: false, errors: error.errors.length })
          }\n`,
        );
      } else {
        io.stdout(`✗ ${file} is invalid (${_count(error.errors.length, "error")})\n`);
      }
    }
  }
  return code;
}

function _count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

async function _run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = _parse(args, {
    url: { type: "string" },
    env: { type: "string" },
    "env-file": { type: "string" },
    report: { type: "string" },
    hold: { type: "string" },
    json: { type: "boolean" },
    "dry-run": { type: "boolean" },
    "allow-live-orders": { type: "boolean" },
    junit: { type: "string" },
    ...MONITOR_ARG_OPTIONS,
  });
  if (values.help) {
    io.stdout(_HELP.run!);
    return EXIT_CODES.success;
  }
  if (positionals.length !== 1) {
    throw new _UsageError(`run needs exactly one workflow file, got ${positionals.length}`);
  }
  const file = positionals[0]!;
  if (values.env !== undefined && values.env !== "live" && values.env !== "sim") {
    throw new _UsageError(`--env must be live or sim: got '${values.env}'`);
  }
  if (values.url !== undefined && !/^wss?:\/\/\S+$/.test(values.url)) {
    throw new _UsageError(`--url must be a ws:// or wss:// URL`);
  }
  if (values.url !== undefined && values.env !== undefined) {
    throw new _UsageError("give either --url or --env, not both");
  }
  const holdMs = values.hold === undefined ? undefined : parseDuration(values.hold);
  if (values.hold !== undefined && holdMs === undefined) {
    throw new _UsageError(
      `--hold must be a duration such as 250ms, 20s, 5m or 1h: got '${values.hold}'`,
    );
  }
  let monitor;
  try {
    monitor = parseMonitorFlags(monitorFlagsFromArgs(values));
  } catch (error) {
    if (error instanceof MonitorUsageError) throw new _UsageError(error.message);
    throw error;
  }
  const json = values.json === true;
  const env = _environment(io, values["env-file"]);
  const startedAt = new Date();

  let workflow: Workflow;
  try {
    workflow = loadWorkflow(file, {
      env,
      requireEndpoint: values.url === undefined && values.env === undefined,
    });
    const refused = workflowOrderDiagnostics(workflow, {
      ...(values.url !== undefined && { url: values.url }),
      ...(values.env !== undefined && { env: values.env as "live" | "sim" }),
      allowLiveOrders: values["allow-live-orders"] === true,
    });
    if (refused.length > 0) {
      throw new WorkflowValidationError(file, [...workflow.warnings, ...refused]);
    }
  } catch (error) {
    if (!(error instanceof WorkflowValidationError)) throw error;
    _printDiagnostics(io, error.diagnostics, json);
    if (!json) {
      io.stderr(
        `t4flow: ${file} is invalid (${_count(error.errors.length, "error")}): nothing was sent\n`,
      );
    }
    const invalid = invalidRunReport({
      workflow: { name: "", file, version: 1 },
      target: "",
      startedAt: startedAt.getTime(),
      endedAt: Date.now(),
      diagnostics: error.diagnostics,
    });
    if (values.report !== undefined) _writeReport(values.report, invalid, io);
    if (values.junit !== undefined) _writeJunit(values.junit, invalid, io);
    return EXIT_CODES.invalid;
  }
  _printDiagnostics(io, workflow.warnings, json);
  if (values["dry-run"]) {
    let steps: DryRunStep[];
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

  const controller = new AbortController();
  let interrupts = 0;
  const removeInterrupt = io.onInterrupt((signal) => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr(`\nt4flow: ${signal}: closing the session…\n`);
      controller.abort(new Error(`interrupted by ${signal}`));
    }
  });
  if (monitor !== undefined) {
    try {
      return await runWorkflowMonitor(workflow, monitor, {
        run: {
          ...(values.url !== undefined && { url: values.url }),
          ...(values.env !== undefined && { env: values.env as "live" | "sim" }),
          ...(holdMs !== undefined && { holdMs }),
          allowLiveOrders: values["allow-live-orders"] === true,
        },
        io: { stdout: io.stdout, stderr: io.stderr },
        signal: controller.signal,
        onRunEvent: runEventPrinter(io, json),
        onReport: (report) => {
          if (values.report !== undefined) _writeReport(values.report, report, io);
        },
        onMonitorEvent: (event) => (json ? io.stdout : io.stderr)(formatMonitorEvent(event, json)),
      });
    } finally {
      removeInterrupt();
    }
  }
  let report: RunReport;
  try {
    report = await runWorkflow(workflow, {
      ...(values.url !== undefined && { url: values.url }),
      ...(values.env !== undefined && { env: values.env as "live" | "sim" }),
      ...(holdMs !== undefined && { holdMs }),
      signal: controller.signal,
      onEvent: runEventPrinter(io, json),
      io: { stdout: io.stdout, stderr: io.stderr },
      allowLiveOrders: values["allow-live-orders"] === true,
    });
  } finally {
    removeInterrupt();
  }
  if (values.report !== undefined) _writeReport(values.report, report, io);
  if (values.junit !== undefined) _writeJunit(values.junit, report, io);
  return report.exit_code;
}

function _writeJunit(file: string, report: RunReport, io: CliIo): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, junitXml(report));
  } catch (error) {
    io.stderr(
      `t4flow: cannot write the JUnit report to ${file} (${
        (error as { code?: string }).code ?? error
      })\n`,
    );
  }
}

function _writeReport(file: string, report: RunReport, io: CliIo): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    io.stderr(
      `t4flow: cannot write the report to ${file} (${
        (error as { code?: string }).code ?? error
      })\n`,
    );
  }
}
