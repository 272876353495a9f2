/**
 * The workflow engine: load a YAML workflow with file:line:column errors, run it on one T4
 * session with alerts and a report, and the pieces the command line builds on (JUnit output, dry
 * runs, durations, `.env` files, the JSON Schema).
 *
 * @example Validate a workflow from text
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow } from "./mod.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: w\nconnection: { env: sim, auth: { api_key: '${K}' } }\nsteps: [login]\n",
 *   "w.yaml",
 *   { env: { K: "k" } },
 * );
 * assert.equal(workflow.name, "w");
 * ```
 *
 * @module
 */

export * from "./load_workflow.ts";
export * from "./read_workflow.ts";
export * from "./run_workflow.ts";
export * from "./run_report.ts";
export * from "./workflow_diagnostic.ts";
export * from "./alert_dispatcher.ts";
export * from "./junit_report.ts";
export * from "./dry_run.ts";
export * from "./duration.ts";
export * from "./env_file.ts";
export * from "./order_safety.ts";
export * from "./workflow_orders.ts";
export * from "./thresholds.ts";
export {
  ALERT_EVENTS,
  ALERT_ON_NAMES,
  type AlertEventName,
  TEMPLATE_VARIABLES,
  WORKFLOW_VERSION,
  workflowJsonSchema,
} from "./workflow_schema.ts";
export {
  type CreateWorkflowClient,
  SessionEndedError,
  type WorkflowClient,
} from "./step_runners.ts";
export type { WatchReport } from "./message_hub.ts";
export { ExpectationError } from "./market_step_runners.ts";
