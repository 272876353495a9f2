/**
 * The workflow entry points of `mod.ts`, loaded on first use: importing `mod.ts` for
 * `T4Client` does not load the workflow engine (YAML, CEL, zod). The imports are written
 * `import("./x.ts" + "")` because Deno loads the module graph of a literal `import("./x.ts")` when
 * the importing module loads, executed or not. A program bundled or compiled with these lazy
 * entry points should import them from the `./workflow` entry point instead, which bundlers follow.
 *
 * @module
 */

import type { LoadWorkflowOptions, Workflow } from "./load_workflow.ts";
import type { RunWorkflowOptions } from "./run_workflow.ts";
import type { RunReport } from "./run_report.ts";

export type { LoadWorkflowOptions, Workflow } from "./load_workflow.ts";
export type { RunWorkflowOptions } from "./run_workflow.ts";
export type { RunEvent, RunReport } from "./run_report.ts";

/**
 * Reads, interpolates and validates a workflow file (the workflow engine loads on first use, CEL
 * only for a workflow with expressions).
 *
 * @param file Path of the YAML file.
 * @param options Environment and checks.
 * @returns The workflow, with its warnings.
 * @throws {WorkflowValidationError} When the file cannot be read or has any error; the
 *   diagnostics name file, line, column and key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadWorkflow } from "./lazy.ts";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "check.yaml");
 * writeFileSync(file, "version: 1\nname: check\nconnection:\n  env: sim\n  auth:\n    api_key: ${KEY}\nsteps:\n  - login\n");
 * const workflow = await loadWorkflow(file, { env: { KEY: "secret" } });
 * assert.equal(workflow.name, "check");
 * ```
 */
export async function loadWorkflow(
  file: string,
  options: LoadWorkflowOptions = {},
): Promise<Workflow> {
  // Expressions, not string literals: Deno loads the graph of every literal import() at startup.
  const { readWorkflow } = await import(
    "./read_workflow.ts" + ""
  ) as typeof import("./read_workflow.ts");
  return readWorkflow(file, options);
}

/**
 * Runs a workflow and returns its report (the workflow engine loads on first use). Never throws
 * for a failing run: the report's `status` and `exit_code` say how it ended.
 *
 * @param workflow A workflow from {@linkcode loadWorkflow}.
 * @param options Overrides, interruption, clock, client factory and output.
 * @returns The report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startSimulator } from "../sim/mod.ts";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadWorkflow, runWorkflow } from "./lazy.ts";
 *
 * await using sim = await startSimulator({ seed: 1 });
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "check.yaml");
 * writeFileSync(file, `version: 1\nname: check\nconnection:\n  url: ${sim.url}\n  auth:\n    api_key: demo-api-key\nsteps:\n  - login\n`);
 * const report = await runWorkflow(await loadWorkflow(file), { onEvent: () => {} });
 * assert.equal(report.exit_code, 0);
 * ```
 */
export async function runWorkflow(
  workflow: Workflow,
  options: RunWorkflowOptions = {},
): Promise<RunReport> {
  const { runWorkflow } = await import(
    "./run_workflow.ts" + ""
  ) as typeof import("./run_workflow.ts");
  return runWorkflow(workflow, options);
}
