/**
 * Loads and validates workflow files: YAML with positions, `${NAME}` interpolation from the
 * environment, the schema, and the checks the schema cannot express. Every problem becomes a
 * {@linkcode WorkflowDiagnostic} at file:line:column; an invalid workflow throws before anything is
 * sent.
 *
 * These functions are synchronous, so they load CEL with this module. `readWorkflow`
 * (`read_workflow.ts`) does the same asynchronously and loads CEL only for a workflow with
 * expressions: the commands use it.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { CEL_COMPILER } from "./cel_compiler.ts";
import {
  checkWorkflow,
  draftWorkflow,
  type LoadWorkflowOptions,
  readWorkflowFile,
} from "./check_workflow.ts";
import type { Workflow } from "./workflow_model.ts";

export { type LoadWorkflowOptions, MAX_WORKFLOW_BYTES } from "./check_workflow.ts";
export { workflowSecrets } from "./workflow_secrets.ts";
export type {
  AlertSink,
  Workflow,
  WorkflowAlert,
  WorkflowConnection,
  WorkflowSchedule,
  WorkflowStep,
} from "./workflow_model.ts";

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
  const text = readWorkflowFile(file);
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
  return checkWorkflow(draftWorkflow(text, file, options), CEL_COMPILER);
}
