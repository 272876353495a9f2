/**
 * Loads a workflow file the way `loadWorkflow` does, with the same diagnostics, but loads CEL
 * (`@bufbuild/cel` and the protobuf registry its checks use) only when a step uses it: a
 * login-and-exit workflow never loads it.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import type { CelCompiler } from "./cel_compiler.ts";
import {
  checkWorkflow,
  draftWorkflow,
  type LoadWorkflowOptions,
  readWorkflowFile,
} from "./check_workflow.ts";
import type { Workflow } from "./workflow_model.ts";

/**
 * Reads, interpolates and validates a workflow file, loading CEL only when a step uses it.
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
 * import { readWorkflow } from "./read_workflow.ts";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "check.yaml");
 * writeFileSync(file, "version: 1\nname: check\nconnection:\n  env: sim\n  auth:\n    api_key: ${KEY}\nsteps:\n  - login\n  - hold: 1s\n");
 * const workflow = await readWorkflow(file, { env: { KEY: "secret" } });
 * assert.deepEqual(workflow.steps.map((s) => s.label), ["login", "hold 1s"]);
 * ```
 */
export async function readWorkflow(
  file: string,
  options: LoadWorkflowOptions = {},
): Promise<Workflow> {
  const draft = draftWorkflow(readWorkflowFile(file), file, {
    dir: dirname(resolve(file)),
    ...options,
  });
  return checkWorkflow(draft, draft.usesCel ? await _loadCel() : undefined);
}

/** Loads the CEL compiler (once: the module stays loaded). */
async function _loadCel(): Promise<CelCompiler> {
  // An expression, not a string literal: Deno loads the graph of every literal import() at startup.
  const cel = await import("./cel_compiler.ts" + "") as typeof import("./cel_compiler.ts");
  return cel.CEL_COMPILER;
}
