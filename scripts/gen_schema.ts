/**
 * Writes `schema/workflow.schema.json` and `docs/reference.md` from the workflow schema in
 * `lib/workflow/`, or with
 * `--check` fails when the committed file differs from what the code generates.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { workflowJsonSchema } from "../lib/workflow/workflow_schema.ts";
import { workflowReference } from "./workflow_reference.ts";

const schema = workflowJsonSchema();
const outputs: [string, string][] = [
  ["schema/workflow.schema.json", `${JSON.stringify(schema, null, 2)}\n`],
  ["docs/reference.md", await formatMarkdown(workflowReference(schema as never))],
];

/** Formats Markdown as `deno fmt` would, so the committed file passes `deno fmt --check`. */
async function formatMarkdown(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "md", "-"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { stdout, success } = await child.output();
  if (!success) throw new Error("Cannot format docs/reference.md as `deno fmt` failed");
  return new TextDecoder().decode(stdout);
}

for (const [path, generated] of outputs) {
  const file = new URL(`../${path}`, import.meta.url);
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(file, "utf8");
    } catch {
      // Missing counts as a difference.
    }
    if (committed !== generated) {
      process.stderr.write(
        `${path} is out of date with lib/workflow/: run \`deno task gen:schema\`\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`${path} is up to date\n`);
  } else {
    writeFileSync(file, generated);
    process.stdout.write(`wrote ${path}\n`);
  }
}
