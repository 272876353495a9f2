/**
 * Writes `schema/workflow.schema.json` from the workflow schema in `lib/workflow/`, or with
 * `--check` fails when the committed file differs from what the code generates.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { workflowJsonSchema } from "../lib/workflow/workflow_schema.ts";

const file = new URL("../schema/workflow.schema.json", import.meta.url);
const generated = `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(file, "utf8");
  } catch {
    // Missing counts as a difference.
  }
  if (committed !== generated) {
    process.stderr.write(
      "schema/workflow.schema.json is out of date with lib/workflow/workflow_schema.ts: run `deno task gen:schema`\n",
    );
    process.exit(1);
  }
  process.stdout.write("schema/workflow.schema.json is up to date\n");
} else {
  writeFileSync(file, generated);
  process.stdout.write("wrote schema/workflow.schema.json\n");
}
