/**
 * The static module graph of our own source, as the runtime loads it at startup: follows the
 * relative `import ... from` / `export ... from` / side-effect imports of `.ts` files, skips
 * type-only imports (erased) and `import(...)` (loaded on demand), and collects the bare
 * specifiers (npm packages, `node:` modules) those files import. Works the same under Deno and
 * Bun, so the cold-start tests need no `deno info`.
 *
 * `startupGraph` is Deno's view: Deno also loads, at startup, the module graph of every dynamic
 * `import("literal")` of a loaded module (executed or not); an `import("./x.ts" + "")` it does
 * not follow.
 */
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { stripComments } from "./source_text.ts";

/** What a module loads eagerly. */
export interface StaticGraph {
  /** Our own files, relative to the root, in load order. */
  files: string[];
  /** Bare specifiers (`yaml`, `@bufbuild/cel/ext`, `node:fs`) and the file importing each. */
  packages: Map<string, string>;
}

/** The specifiers a module imports eagerly (not type-only, not dynamic). */
export function staticImports(code: string): string[] {
  const source = stripComments(code);
  const specs: string[] = [];
  const pattern =
    /(?:^|[;\n}])\s*(import|export)\s+(type\s+)?((?:[\w*$]+(?:\s*,\s*)?)?(?:\{[^}]*\})?(?:\s*\*\s*as\s+[\w$]+)?(?:\s*\*)?)\s*(?:from\s*)?["']([^"']+)["']/g;
  for (const m of source.matchAll(pattern)) {
    if (m[2] !== undefined) continue; // `import type ...` / `export type ...`
    const clause = m[3] ?? "";
    const braces = clause.match(/\{([^}]*)\}/);
    const outside = clause.replace(/\{[^}]*\}/, "").replace(/,/g, "").trim();
    if (braces && outside === "") {
      // `import { type A, type B } from "x"` is erased entirely when every name is type-only.
      const names = braces[1]!.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (names.length > 0 && names.every((n) => n.startsWith("type "))) continue;
    }
    specs.push(m[4]!);
  }
  return specs;
}

/** The string-literal `import("...")` specifiers of a module (what Deno preloads). */
export function literalDynamicImports(code: string): string[] {
  const source = stripComments(code);
  const specs: string[] = [];
  for (const m of source.matchAll(/(?<![\w$.])import\(\s*(["'])([^"'`]+)\1\s*\)/g)) {
    // `typeof import("./x.ts")` is a type: erased.
    if (/typeof\s*$/.test(source.slice(Math.max(0, m.index! - 12), m.index!))) continue;
    specs.push(m[2]!);
  }
  return specs;
}

/**
 * Walks the graph Deno loads at startup from `entry`: the static imports and the string-literal
 * dynamic imports.
 *
 * @param root The repository root.
 * @param entry The entry file, relative to the root.
 */
export function startupGraph(root: string, entry: string): StaticGraph {
  return _walk(root, entry, (code) => [...staticImports(code), ...literalDynamicImports(code)]);
}

/**
 * Walks the static graph from `entry`.
 *
 * @param root The repository root.
 * @param entry The entry file, relative to the root.
 */
export function staticGraph(root: string, entry: string): StaticGraph {
  return _walk(root, entry, staticImports);
}

function _walk(root: string, entry: string, importsOf: (code: string) => string[]): StaticGraph {
  const files: string[] = [];
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(file);
    for (const spec of importsOf(readFileSync(join(root, file), "utf8"))) {
      if (spec.startsWith(".")) {
        visit(normalize(relative(root, join(root, dirname(file), spec))));
      } else if (!packages.has(spec)) packages.set(spec, file);
    }
  };
  visit(normalize(entry));
  return { files, packages };
}

/** The npm package a bare specifier belongs to (`@bufbuild/cel/ext` → `@bufbuild/cel`). */
export function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}
