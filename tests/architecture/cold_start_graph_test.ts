/**
 * Cold start, checked on the module graph rather than the clock: what each entry point loads
 * before its first line runs. The heavy packages (YAML, CEL, zod, croner) load only in the
 * commands and functions that need them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  literalDynamicImports,
  packageName,
  startupGraph,
  staticGraph,
  staticImports,
} from "../_support/module_graph.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const HEAVY = ["yaml", "zod", "@bufbuild/cel", "croner", "prom-client"];

/** The npm packages an entry point loads eagerly, each with the file that imports it. */
function npmPackages(entry: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [spec, file] of staticGraph(root, entry).packages) {
    if (!spec.startsWith("node:")) out[packageName(spec)] ??= file;
  }
  return out;
}

function heavy(entry: string): Record<string, string> {
  return Object.fromEntries(Object.entries(npmPackages(entry)).filter(([p]) => HEAVY.includes(p)));
}

test("import { T4Client } from mod.ts loads no YAML, CEL, zod or croner", () => {
  assert.deepEqual(heavy("mod.ts"), {});
});

/**
 * What of protobuf-es an entry point loads eagerly: the main entry, `codegenv2` and `wkt` (which
 * decode file descriptors), or a generated `_pb.ts` file (which builds them at module top level).
 */
function descriptorLoads(entry: string): string[] {
  const graph = staticGraph(root, entry);
  const packages = [...graph.packages].filter(([spec]) =>
    spec === "@bufbuild/protobuf" || spec.startsWith("@bufbuild/protobuf/codegen") ||
    spec === "@bufbuild/protobuf/wkt" || spec === "@bufbuild/protobuf/reflect"
  ).map(([spec, file]) => `${spec} (from ${file})`);
  return [...packages, ...graph.files.filter((f) => f.endsWith("_pb.ts"))];
}

test("import { T4Client } from mod.ts builds no protobuf descriptor (issue #17)", () => {
  assert.deepEqual(descriptorLoads("mod.ts"), []);
  assert.deepEqual(descriptorLoads("lib/client/t4_client.ts"), []);
  // Nothing of protobuf-es at all: the generated codec needs no runtime library.
  assert.deepEqual(
    Object.keys(npmPackages("mod.ts")).filter((p) => p.startsWith("@bufbuild/")),
    [],
  );
});

test("the descriptor check sees the loads that matter", () => {
  // The ./protocol subpath keeps the protobuf-es schemas: the check finds them.
  const loads = descriptorLoads("lib/protocol/mod.ts");
  assert.ok(loads.some((l) => l.startsWith("@bufbuild/protobuf/codegenv2")), loads.join(", "));
  assert.ok(loads.includes("lib/protocol/gen/t4/v1/service_pb.ts"), loads.join(", "));
});

test("the CLI entry loads no npm package before it knows the command (--help, --version)", () => {
  assert.deepEqual(npmPackages("cli.ts"), {});
  assert.deepEqual(npmPackages("lib/cli/mod.ts"), {});
  const files = staticGraph(root, "cli.ts").files;
  assert.ok(!files.some((f) => f.endsWith("_command.ts")), files.join(", "));
});

test("t4flow run loads the scheduler only for the monitor flags", () => {
  assert.equal(heavy("lib/cli/run_command.ts").croner, undefined);
});

test("t4flow run loads CEL only for a workflow with expressions", () => {
  // The loader and the run load CEL (and the protobuf registry it checks against) on demand:
  // readWorkflow when a step uses CEL, loadStepRuntime when a step is not login or hold.
  for (const entry of ["lib/cli/run_command.ts", "lib/workflow/lazy.ts"]) {
    const preloaded = [...startupGraph(root, entry).packages.keys()].map(packageName);
    assert.ok(!preloaded.includes("@bufbuild/cel"), entry);
  }
  assert.equal(
    heavy("lib/workflow/cel_compiler.ts")["@bufbuild/cel"],
    "lib/workflow/cel_expression.ts",
  );
  assert.equal(
    heavy("lib/workflow/market_step_runners.ts")["@bufbuild/cel"],
    "lib/workflow/cel_expression.ts",
  );
});

test("t4flow run builds no protobuf descriptor for a workflow without expressions", () => {
  // CEL checks against the message schemas and --dry-run prints frames from them: both load on
  // demand. The loader, the order guard and the login/hold runners need none.
  assert.deepEqual(descriptorLoads("lib/cli/run_command.ts"), []);
  assert.ok(
    descriptorLoads("lib/workflow/order_safety.ts").includes(
      "lib/protocol/gen/t4/v1/service_pb.ts",
    ),
  );
  assert.ok(
    descriptorLoads("lib/workflow/cel_compiler.ts").includes(
      "lib/protocol/gen/t4/v1/service_pb.ts",
    ),
  );
});

test("t4flow run loads node:child_process only to run a command alert", () => {
  assert.equal(
    staticGraph(root, "lib/cli/run_command.ts").packages.get("node:child_process"),
    undefined,
  );
  assert.equal(
    staticGraph(root, "lib/workflow/alert_command.ts").packages.get("node:child_process"),
    "lib/workflow/alert_command.ts",
  );
});

test("the graph walker sees the imports that matter", () => {
  // A rule that matches nothing cannot fail: the walker finds the heavy packages where they are.
  assert.equal(heavy("lib/workflow/load_workflow.ts").yaml, "lib/workflow/yaml_source.ts");
  assert.equal(heavy("lib/monitor/schedule.ts").croner, "lib/monitor/schedule.ts");
  assert.equal(heavy("lib/workflow/workflow_schema.ts").zod, "lib/workflow/workflow_schema.ts");
  assert.deepEqual(
    staticImports(
      [
        'import type { A } from "./a.ts";',
        'import { type B, type C } from "./b.ts";',
        'import { type D, E } from "./d.ts";',
        'export type { F } from "./f.ts";',
        'export { G } from "./g.ts";',
        'export * from "./h.ts";',
        'import "./side.ts";',
        'import * as ns from "./ns.ts";',
        'import def, { x } from "./def.ts";',
        'const lazy = await import("./lazy.ts");',
        '/** import "./comment.ts"; */',
        "import {\n  multi,\n  line,\n} from './multi.ts';",
      ].join("\n"),
    ),
    ["./d.ts", "./g.ts", "./h.ts", "./side.ts", "./ns.ts", "./def.ts", "./multi.ts"],
  );
});

// Deno loads the module graph of every string-literal `import("...")` of a loaded module at
// startup, executed or not (measured: a never-taken `import("./run_command.ts")` made
// `t4flow --help` six times slower), so lazy imports are written `import("./x.ts" + "")`.

test("Deno preloads no npm package and no node: module for t4flow --help", () => {
  const graph = startupGraph(root, "cli.ts");
  assert.deepEqual(Object.fromEntries(graph.packages), {});
  assert.ok(!graph.files.some((f) => f.endsWith("_command.ts")), graph.files.join(", "));
});

test("Deno preloads no workflow engine, CEL, YAML, zod, scheduler or metrics for mod.ts", () => {
  const packages: Record<string, string> = {};
  for (const [spec, file] of startupGraph(root, "mod.ts").packages) {
    if (HEAVY.includes(packageName(spec))) packages[packageName(spec)] ??= file;
  }
  assert.deepEqual(packages, {});
});

test("no module of ours imports one of ours with a literal import(...)", () => {
  const offenders: string[] = [];
  const visit = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) visit(path);
      else if (name.endsWith(".ts")) {
        const local = literalDynamicImports(readFileSync(join(root, path), "utf8"))
          .filter((spec) => spec.startsWith("."));
        if (local.length > 0) offenders.push(`${path}: ${local.join(", ")}`);
      }
    }
  };
  visit("lib");
  for (const entry of ["mod.ts", "cli.ts"]) {
    const local = literalDynamicImports(readFileSync(join(root, entry), "utf8"));
    if (local.length > 0) offenders.push(`${entry}: ${local.join(", ")}`);
  }
  assert.deepEqual(offenders, []);
});

test("the startup walker sees what Deno preloads and only that", () => {
  assert.deepEqual(
    literalDynamicImports(
      [
        'const a = await import("./a.ts");',
        "const b = await import('./b.ts');",
        'const c = await import("./c.ts" + "") as typeof import("./c.ts");',
        'type D = typeof import("./d.ts");',
        '/** await import("./comment.ts"); */',
        'await import("node:tls");',
        "const e = await import(name);",
      ].join("\n"),
    ),
    ["./a.ts", "./b.ts", "node:tls"],
  );
});
