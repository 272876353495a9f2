/**
 * The workflow loader's two passes, without CEL: {@linkcode draftWorkflow} parses the YAML with
 * positions and interpolates `${NAME}`, then {@linkcode checkWorkflow} applies the schema and the
 * checks it cannot express, with the CEL compiler when the draft's steps use CEL. Between the two,
 * `loadWorkflow` (sync, CEL always loaded) and `readWorkflow` (async, CEL loaded only for a
 * workflow with expressions) decide where the compiler comes from.
 *
 * @module
 */

import { FileKindError, FileTooLargeError, readRegularFile } from "../runtime/files.ts";
import process from "node:process";
import type { CelCompiler } from "./cel_compiler.ts";
import { checkAlerts } from "./check_alerts.ts";
import { checkApi, checkAuth, checkEndpoint, toConnection } from "./check_connection.ts";
import { checkSchedule } from "./check_schedule.ts";
import { checkStepNames, checkSteps, stepsUseCel } from "./check_steps.ts";
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
 * Reads a workflow file of at most {@linkcode MAX_WORKFLOW_BYTES}.
 *
 * @param file Path of the YAML file.
 * @returns Its text.
 * @throws {WorkflowValidationError} When the file cannot be read, is not a regular file or is
 *   too large (one diagnostic at line 1, column 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readWorkflowFile } from "./check_workflow.ts";
 * import { WorkflowValidationError } from "./workflow_diagnostic.ts";
 *
 * assert.throws(() => readWorkflowFile("no-such-file.yaml"), WorkflowValidationError);
 * ```
 */
export function readWorkflowFile(file: string): string {
  try {
    return readRegularFile(file, MAX_WORKFLOW_BYTES);
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
}

/** A workflow after the first pass: parsed and interpolated, not yet checked. */
export interface WorkflowDraft {
  /** The text with positions, and the diagnostics so far. */
  readonly source: YamlSource;
  /** The document as data; absent when the YAML is invalid (the source has the errors). */
  readonly document?: { readonly data: unknown };
  /** The options of the load. */
  readonly options: LoadWorkflowOptions;
  /** Some step uses CEL: {@linkcode checkWorkflow} needs the compiler. */
  readonly usesCel: boolean;
}

/**
 * The first pass: parses the YAML with positions and interpolates `${NAME}`.
 *
 * @param text The YAML text.
 * @param file The name used in diagnostics.
 * @param options Environment and checks.
 * @returns The draft, to hand to {@linkcode checkWorkflow}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { draftWorkflow } from "./check_workflow.ts";
 *
 * const draft = draftWorkflow("version: 1\nsteps:\n  - login\n  - log: 'bid {{ vars.bid }}'\n", "x.yaml", {});
 * assert.equal(draft.usesCel, true);
 * ```
 */
export function draftWorkflow(
  text: string,
  file: string,
  options: LoadWorkflowOptions,
): WorkflowDraft {
  const source = new YamlSource(text, file);
  const doc = source.parse();
  if (!doc) return { source, options, usesCel: false };
  interpolateEnv(source, options.env ?? process.env);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    // E.g. too many alias expansions (a "billion laughs" document).
    const text = error instanceof Error ? error.message : String(error);
    source.error(0, "", `invalid YAML: ${text.split("\n")[0]}`);
    return { source, options, usesCel: false };
  }
  return { source, document: { data }, options, usesCel: stepsUseCel(data) };
}

/**
 * The second pass: the schema, the checks it cannot express and the order guard.
 *
 * @param draft From {@linkcode draftWorkflow}.
 * @param cel The CEL compiler; required when `draft.usesCel` is true.
 * @returns The workflow (with `warnings`).
 * @throws {WorkflowValidationError} When the workflow has any error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkWorkflow, draftWorkflow } from "./check_workflow.ts";
 *
 * const draft = draftWorkflow(
 *   "version: 1\nname: x\nconnection:\n  env: sim\n  auth: { api_key: k }\nsteps: [login]\n",
 *   "x.yaml",
 *   {},
 * );
 * assert.equal(draft.usesCel, false);
 * assert.equal(checkWorkflow(draft, undefined).name, "x");
 * ```
 */
export function checkWorkflow(draft: WorkflowDraft, cel: CelCompiler | undefined): Workflow {
  const { source, options } = draft;
  if (draft.usesCel && !cel) {
    throw new TypeError("Cannot check the workflow's CEL expressions as CEL was not loaded");
  }
  const checked = draft.document && _check(
    source,
    draft.document.data,
    cel,
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
    throw new WorkflowValidationError(source.file, diagnostics);
  }
  return { ...workflow, warnings: diagnostics };
}

/** Checks every part of the document, reporting on `source`. */
function _check(
  source: YamlSource,
  data: unknown,
  cel: CelCompiler | undefined,
  requireEndpoint: boolean,
  dir: string,
  replay: boolean,
): { workflow?: Omit<Workflow, "warnings">; guarded: GuardedWorkflow } | undefined {
  // jitless: zod would compile a parser for each object schema, which only pays off for schemas
  // parsed many times; a workflow parses each once (same result either way).
  const parsed = WorkflowDocumentSchema.safeParse(data, { jitless: true });
  if (!parsed.success) {
    reportZodIssues(source, parsed.error.issues, [], data, WorkflowDocumentSchema);
  }
  if (!isPlainObject(data)) return undefined;

  const steps = checkSteps(source, data, cel);
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
