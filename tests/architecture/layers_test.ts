/**
 * The architecture's rules, checked on the source: each folder under `lib/` is a layer that imports
 * only downward, no module takes part in an import cycle, and `Deno.*` / `Bun.*` appear only in the
 * runtime adapters (`lib/runtime/`) and the simulator's server adapters.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { stripComments } from "../_support/source_text.ts";

/** What each layer may import, besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  runtime: [],
  protocol: ["runtime"],
  client: ["protocol", "runtime"],
  rest: ["client", "protocol", "runtime"],
  sim: ["protocol", "runtime"],
  workflow: ["rest", "client", "protocol", "runtime"],
  monitor: ["workflow", "rest", "client", "protocol", "runtime"],
  cli: ["monitor", "workflow", "rest", "client", "protocol", "runtime", "sim"],
};

/** Files outside `lib/runtime/` that may touch `Deno` or `Bun`: the simulator's server adapters. */
const RUNTIME_ADAPTERS =
  /^lib\/(runtime\/|sim\/ws_server(_deno|_bun)?\.ts$|sim\/[a-z_]*_(deno|bun)\.ts$)/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (path !== join("lib", "protocol", "gen")) out.push(...sourceFiles(path));
    } else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const code = stripComments(readFileSync(file, "utf8"));
  const specs: string[] = [];
  for (const m of code.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    specs.push(normalize(join(dirname(file), m[1]!)));
  }
  return specs;
}

const layerOf = (file: string): string | undefined => file.match(/^lib\/([^/]+)\//)?.[1];

const files = sourceFiles("lib").map((f) => relative(".", f));
const graph = new Map(files.map((f) => [f, imports(f).filter((t) => t.startsWith("lib/"))]));

test("every folder under lib/ is a known layer", () => {
  const unknown = [...new Set(files.map(layerOf))].filter((l) =>
    l === undefined || !(l in ALLOWED)
  );
  assert.deepEqual(unknown, [], "lib/ files outside a layer folder");
});

test("layers import only downward (cli → monitor → workflow → rest → client → protocol → runtime)", () => {
  const violations: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file)!;
    for (const target of targets) {
      const to = layerOf(target);
      if (to === undefined || to === from) continue;
      if (!ALLOWED[from]?.includes(to)) violations.push(`${file} → ${target} (${from} → ${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test("no module of lib/ takes part in an import cycle", () => {
  // Tarjan's strongly connected components; any component of two or more files is a cycle.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  assert.deepEqual(cycles, []);
});

test("Deno.* and Bun.* appear only in the runtime adapters", () => {
  const offenders = files.filter((file) =>
    !RUNTIME_ADAPTERS.test(file) &&
    /\b(Deno|Bun)\b/.test(stripComments(readFileSync(file, "utf8"), true))
  );
  assert.deepEqual(offenders, []);
});

test("the checks see what they are meant to see", () => {
  // A rule that matches nothing cannot fail: make sure the parser finds real imports and code.
  assert.ok(graph.get("lib/client/client_frame.ts")?.includes("lib/protocol/frame_codec.ts"));
  assert.equal(stripComments('/** import "./x.ts" */ const a = "Deno.x";', true), ' const a = "";');
  assert.ok(RUNTIME_ADAPTERS.test("lib/sim/ws_server_deno.ts"));
  assert.ok(!RUNTIME_ADAPTERS.test("lib/client/t4_client.ts"));
});
