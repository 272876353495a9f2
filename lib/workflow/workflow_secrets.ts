/**
 * The secret strings of a loaded workflow, for scrubbing output.
 *
 * @module
 */

import type { Workflow } from "./workflow_model.ts";

/**
 * Lists the secret strings of a workflow (credentials and webhook URLs), for scrubbing output.
 *
 * @param workflow The workflow.
 * @returns The secrets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow } from "./load_workflow.ts";
 * import { workflowSecrets } from "./workflow_secrets.ts";
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
