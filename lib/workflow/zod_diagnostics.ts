/**
 * Zod validation issues as workflow diagnostics at the line and column of the key.
 *
 * @module
 */

import type { z } from "zod";
import { didYouMean } from "./did_you_mean.ts";
import { type KeyPath, keyPath, type YamlSource } from "./yaml_source.ts";

const _SECRET_KEYS = new Set(["api_key", "password", "app_license", "webhook"]);

/**
 * Turns zod issues into diagnostics: unknown keys with the allowed ones and a suggestion, a
 * missing key that an unknown key misspells reported once, union issues narrowed to the branch
 * that fits, secrets described by type only.
 *
 * @param source Where to report.
 * @param issues The zod issues.
 * @param base The key path of the value the schema parsed.
 * @param data That value.
 * @param schema That schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "zod";
 * import { YamlSource } from "./yaml_source.ts";
 * import { reportZodIssues } from "./zod_diagnostics.ts";
 *
 * const source = new YamlSource("a: 1\nb: 2\n", "x.yaml");
 * source.parse();
 * const schema = z.strictObject({ a: z.number(), c: z.number().optional() });
 * const result = schema.safeParse({ a: 1, b: 2 });
 * if (!result.success) reportZodIssues(source, result.error.issues, [], { a: 1, b: 2 }, schema);
 * assert.equal(source.diagnostics[0]?.key, "b");
 * assert.match(source.diagnostics[0]?.message ?? "", /^unknown key, expected one of a, c/);
 * ```
 */
export function reportZodIssues(
  source: YamlSource,
  issues: readonly z.core.$ZodIssue[],
  base: KeyPath,
  data: unknown,
  schema: z.ZodType,
): void {
  // A missing key that an unknown key probably misspells is reported once, as the unknown key.
  const misspelt = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const allowed = _keysOf(_schemaAt(schema, issue.path as KeyPath));
    for (const key of issue.keys) {
      const suggestion = didYouMean(key, allowed);
      if (suggestion) misspelt.add(keyPath([...base, ...issue.path as KeyPath, suggestion]));
    }
  }
  for (const issue of issues) {
    const path = [...base, ...issue.path] as KeyPath;
    if (misspelt.has(keyPath(path)) && _get(data, issue.path as KeyPath) === undefined) continue;
    const relative = issue.path as KeyPath;
    const value = _get(data, relative);
    const secret = path.some((p) => typeof p === "string" && _SECRET_KEYS.has(p));
    if (issue.code === "unrecognized_keys") {
      const allowed = _keysOf(_schemaAt(schema, relative));
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, allowed);
        source.error(
          source.offset([...path, key], "key"),
          keyPath([...path, key]),
          `unknown key, expected one of ${allowed.join(", ")}${
            suggestion ? `; did you mean '${suggestion}'?` : ""
          }`,
        );
      }
      continue;
    }
    if (issue.code === "invalid_union" && typeof value === "object" && value !== null) {
      const branches = issue.errors.filter((branch) =>
        !branch.some((i) =>
          (i.code === "invalid_type" || i.code === "invalid_value") && i.path.length === 0
        )
      );
      if (branches.length === 1 && branches[0]) {
        const inner = _schemaAt(schema, relative);
        const options = (inner as unknown as { options?: z.ZodType[] }).options ?? [];
        const option = options[(issue.errors as unknown[]).indexOf(branches[0])] ?? inner;
        reportZodIssues(source, branches[0], path, value, option);
        continue;
      }
    }
    if (source.failed.has(keyPath(path))) continue;
    let hint = "";
    if (issue.code === "invalid_value" && typeof value === "string") {
      const suggestion = didYouMean(value, issue.values.map(String));
      if (suggestion) hint = `; did you mean '${suggestion}'?`;
    }
    if (value === undefined) {
      source.error(source.offset(path), keyPath(path), `missing, ${_message(issue)}`);
    } else {
      source.error(
        source.offset(path),
        keyPath(path),
        `${_message(issue)}, got ${source.describe(path, value, secret)}${hint}`,
      );
    }
  }
}

function _get(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** The schema at `path`, unwrapping optional, nullable, array and object-valued unions. */
function _schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType {
  let current = _unwrap(schema);
  for (const segment of path) {
    const def = current as unknown as {
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
    };
    if (typeof segment === "number" && def.element) current = _unwrap(def.element);
    else if (def.shape && typeof segment === "string" && def.shape[segment]) {
      current = _unwrap(def.shape[segment]);
    } else return current;
  }
  return current;
}

function _unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as unknown as {
    unwrap?: () => z.ZodType;
    options?: z.ZodType[];
    shape?: unknown;
  };
  for (let i = 0; i < 10; i++) {
    if (typeof current.unwrap === "function" && !current.shape) {
      current = current.unwrap() as unknown as typeof current;
    } else if (Array.isArray(current.options)) {
      const object = current.options.find((o) => (o as unknown as { shape?: unknown }).shape);
      if (!object) break;
      current = object as unknown as typeof current;
    } else break;
  }
  return current as unknown as z.ZodType;
}

function _keysOf(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

const _EXPECTED: Readonly<Record<string, string>> = {
  array: "a list",
  object: "a map",
  string: "a text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
};

/** The issue's message; zod's own English ("Invalid input: ...") in the loader's words. */
function _message(issue: z.core.$ZodIssue): string {
  if (!issue.message.startsWith("Invalid input")) return issue.message;
  if (issue.code === "invalid_type") {
    return `expected ${_EXPECTED[issue.expected] ?? issue.expected}`;
  }
  return "expected another value (see the JSON Schema or docs/workflows.md)";
}
