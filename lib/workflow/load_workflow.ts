/**
 * Loads and validates workflow files: YAML with positions, `${NAME}` interpolation from the
 * environment, the schema, and the checks the schema cannot express. Every problem becomes a
 * {@linkcode WorkflowDiagnostic} at file:line:column; an invalid workflow throws before anything is
 * sent.
 *
 * @module
 */

import { FileKindError, FileTooLargeError, readRegularFile } from "../runtime/files.ts";
import process from "node:process";
import { dirname, resolve } from "node:path";
import { checkAlerts } from "./check_alerts.ts";
import { checkApi, checkAuth, checkEndpoint, toConnection } from "./check_connection.ts";
import { checkSchedule } from "./check_schedule.ts";
import { checkStepNames, checkSteps } from "./check_steps.ts";
import { stepUsesFront } from "./front_market.ts";
import { checkThresholds } from "./check_thresholds.ts";
import { interpolateEnv } from "./interpolate_env.ts";
import { sortDiagnostics, WorkflowValidationError } from "./workflow_diagnostic.ts";
import type { Workflow } from "./workflow_model.ts";
import {
  type GuardedWorkflow,
  type OrderGuardOptions,
  workflowOrderDiagnostics,
} from "./workflow_orders.ts";
import { WorkflowDocumentSchema } from "./workflow_schema.ts";
import { isPlainObject, YamlSource } from "./yaml_source.ts";
import { reportZodIssues } from "./zod_diagnostics.ts";

export type {
  AlertSink,
  Workflow,
  WorkflowAlert,
  WorkflowConnection,
  WorkflowSchedule,
  WorkflowStep,
} from "./workflow_model.ts";

/** Options of {@linkcode loadWorkflow} and {@linkcode parseWorkflow}. */
export interface LoadWorkflowOptions {
  /**
   * Variables for `${NAME}`.
   *
   * @default {process.env}
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Require `connection.env` or `connection.url` (set `false` when the command line gives one).
   *
   * @default {true}
   */
  requireEndpoint?: boolean;
  /**
   * Directory for relative paths when parsing text.
   *
   * @default {process.cwd()}
   */
  dir?: string;
  /**
   * Also apply the order guard (order steps against a live endpoint, `max_order_volume`) for this
   * target, in the same pass as every other check, so its errors come with the schema's.
   */
  orderGuard?: OrderGuardOptions;
  /**
   * The workflow is run against a recording (`--replay`): `market: front` resolves from the
   * recording, so a custom `url` needs no `connection.api`.
   *
   * @default {false}
   */
  replay?: boolean;
}

/** The largest workflow file `loadWorkflow` reads: 1 MiB (a larger one is refused, exit 2). */
export const MAX_WORKFLOW_BYTES = 1024 * 1024;

/**
 * Reads, interpolates and validates a workflow file.
 *
 * @param file Path of the YAML file.
 * @param options Environment and checks.
 * @returns The workflow (with `warnings`).
 * @throws {WorkflowValidationError} When the file cannot be read or has any error; the
 *   diagnostics name file, line, column and key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadWorkflow } from "./load_workflow.ts";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "check.yaml");
 * writeFileSync(file, "version: 1\nname: check\nconnection:\n  env: sim\n  auth:\n    api_key: ${KEY}\nsteps:\n  - login\n  - hold: 1s\n");
 * const workflow = loadWorkflow(file, { env: { KEY: "secret" } });
 * assert.deepEqual(workflow.steps.map((s) => s.label), ["login", "hold 1s"]);
 * assert.ok(!JSON.stringify(workflow).includes("secret"));
 * ```
 */
export function loadWorkflow(file: string, options: LoadWorkflowOptions = {}): Workflow {
  let text: string;
  try {
    text = readRegularFile(file, MAX_WORKFLOW_BYTES);
  } catch (error) {
    const message = error instanceof FileTooLargeError
      ? `the file is larger than 1 MiB, expected a workflow file of at most 1 MiB`
      : error instanceof FileKindError
      ? `the file is a ${error.kind}, expected a regular YAML file`
      : `cannot read the file (${
        (error as { code?: string }).code ?? String(error)
      }), expected a readable YAML file`;
    throw new WorkflowValidationError(file, [{
      severity: "error",
      file,
      line: 1,
      column: 1,
      key: "",
      message,
    }], { cause: error });
  }
  return parseWorkflow(text, file, { dir: dirname(resolve(file)), ...options });
}

/**
 * Interpolates and validates workflow text.
 *
 * @param text The YAML text.
 * @param file The name used in diagnostics.
 * @param options Environment and checks.
 * @returns The workflow (with `warnings`).
 * @throws {WorkflowValidationError} When the text has any error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow } from "./load_workflow.ts";
 * import { WorkflowValidationError } from "./workflow_diagnostic.ts";
 *
 * try {
 *   parseWorkflow("version: 1\nname: x\nconnection:\n  env: sim\n  auth: { api_key: k }\n  heartbeet: 20s\nsteps: [login]\n", "x.yaml");
 *   assert.fail("expected an error");
 * } catch (error) {
 *   assert.ok(error instanceof WorkflowValidationError);
 *   assert.equal(
 *     error.errors[0]?.message,
 *     "unknown key, expected one of env, url, api, auth, heartbeat, missed_heartbeats, login_timeout, reconnect, maintenance, allow_insecure, transport; did you mean 'heartbeat'?",
 *   );
 *   assert.equal(error.errors[0]?.line, 6);
 * }
 * ```
 */
export function parseWorkflow(
  text: string,
  file = "<input>",
  options: LoadWorkflowOptions = {},
): Workflow {
  const source = new YamlSource(text, file);
  const checked = _check(
    source,
    options.env ?? process.env,
    options.requireEndpoint ?? true,
    options.dir ?? process.cwd(),
    options.replay === true,
  );
  const workflow = checked?.workflow;
  if (checked && options.orderGuard) {
    source.diagnostics.push(...workflowOrderDiagnostics(checked.guarded, options.orderGuard));
  }
  const diagnostics = sortDiagnostics(source.diagnostics);
  if (!workflow || diagnostics.some((d) => d.severity === "error")) {
    throw new WorkflowValidationError(file, diagnostics);
  }
  return { ...workflow, warnings: diagnostics };
}

/** Parses, interpolates and checks every part, reporting on `source`. */
function _check(
  source: YamlSource,
  env: Readonly<Record<string, string | undefined>>,
  requireEndpoint: boolean,
  dir: string,
  replay: boolean,
): { workflow?: Omit<Workflow, "warnings">; guarded: GuardedWorkflow } | undefined {
  const doc = source.parse();
  if (!doc) return undefined;
  interpolateEnv(source, env);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    // E.g. too many alias expansions (a "billion laughs" document).
    const text = error instanceof Error ? error.message : String(error);
    source.error(0, "", `invalid YAML: ${text.split("\n")[0]}`);
    return undefined;
  }

  const parsed = WorkflowDocumentSchema.safeParse(data);
  if (!parsed.success) {
    reportZodIssues(source, parsed.error.issues, [], data, WorkflowDocumentSchema);
  }
  if (!isPlainObject(data)) return undefined;

  const steps = checkSteps(source, data);
  const names = checkStepNames(source, steps);
  const alerts = checkAlerts(source, data, names, dir);
  const thresholds = checkThresholds(source, data);

  const connection = isPlainObject(data.connection) ? data.connection : undefined;
  const credentials = connection && isPlainObject(connection.auth)
    ? checkAuth(source, connection.auth)
    : undefined;
  if (connection) {
    checkEndpoint(source, connection, requireEndpoint);
    checkApi(source, connection, !replay && steps.some((s) => stepUsesFront(s.kind, s.args)));
  }
  const schedule = checkSchedule(source, data.schedule);
  // What the order guard needs, from the parts that are valid (so it runs with other errors too).
  const guarded: GuardedWorkflow = {
    file: source.file,
    steps,
    connection: {
      ...(connection?.env === "live" || connection?.env === "sim" ? { env: connection.env } : {}),
      ...(typeof connection?.url === "string" ? { url: connection.url } : {}),
    },
    environment: data.environment === "live" || data.environment === "sim"
      ? data.environment
      : undefined,
    maxOrderVolume: Number.isInteger(data.max_order_volume) && Number(data.max_order_volume) >= 1
      ? Number(data.max_order_volume)
      : undefined,
  };
  if (!parsed.success || !credentials || !connection) return { guarded };
  const workflow = parsed.data;
  return {
    guarded,
    workflow: {
      file: source.file,
      dir,
      version: 1,
      name: workflow.name,
      description: workflow.description,
      connection: toConnection(workflow.connection, credentials),
      steps,
      alerts,
      ...(thresholds.length > 0 && { thresholds }),
      environment: workflow.environment,
      maxOrderVolume: workflow.max_order_volume,
      positions: source.positions([]),
      ...(schedule !== undefined && { schedule }),
    },
  };
}

/**
 * Lists the secret strings of a workflow (credentials and webhook URLs), for scrubbing output.
 *
 * @param workflow The workflow.
 * @returns The secrets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow, workflowSecrets } from "./load_workflow.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: x\nconnection:\n  env: sim\n  auth: { api_key: '${K}' }\nsteps: [login]\n",
 *   "x.yaml",
 *   { env: { K: "sk-1" } },
 * );
 * assert.deepEqual(workflowSecrets(workflow), ["sk-1"]);
 * ```
 */
export function workflowSecrets(workflow: Workflow): string[] {
  const secrets = workflow.connection.credentials.secrets();
  for (const alert of workflow.alerts) {
    for (const sink of alert.to) if (sink.kind === "webhook") secrets.push(sink.url);
  }
  return secrets.filter((s) => s.length > 0);
}
