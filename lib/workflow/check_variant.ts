/**
 * One step or sink: a kind name alone or a one-key map of kind to arguments, checked against a
 * registry of kinds.
 *
 * @module
 */

import type { z } from "zod";
import { didYouMean } from "./did_you_mean.ts";
import type { StepCheckContext, StepKindSchema } from "./workflow_schema.ts";
import {
  describeValue,
  isPlainObject,
  type KeyPath,
  keyPath,
  type YamlSource,
} from "./yaml_source.ts";
import { reportZodIssues } from "./zod_diagnostics.ts";

/**
 * Checks a bare name (`login`) or a one-key map (`hold: 30s`, with common keys such as `name`)
 * against a registry of kinds, and the kind's arguments against its schema and check.
 *
 * @param source Where to report.
 * @param value The value, e.g. one item of `steps`.
 * @param path Its key path.
 * @param registry The kinds and their argument schemas.
 * @param noun What a kind is called in messages (`step`, `sink`).
 * @param options Keys every kind accepts, an example for messages, the context for checks.
 * @returns The kind, its parsed arguments and common keys, or `undefined` after reporting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkVariant } from "./check_variant.ts";
 * import { SINK_SCHEMAS } from "./workflow_schema.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("to: [stdrr]\n", "x.yaml");
 * source.parse();
 * const result = checkVariant(source, "stdrr", ["to", 0], SINK_SCHEMAS, "sink", { example: "'file: a'" });
 * assert.equal(result, undefined);
 * assert.match(source.diagnostics[0]?.message ?? "", /did you mean 'stderr'\?/);
 * ```
 */
export function checkVariant(
  source: YamlSource,
  value: unknown,
  path: KeyPath,
  registry: Record<string, Pick<StepKindSchema, "args" | "bare" | "check">>,
  noun: string,
  options: { common?: z.ZodObject; example: string; context?: StepCheckContext },
): { kind: string; args: unknown; common: Record<string, unknown> } | undefined {
  const kinds = Object.keys(registry);
  const unknownKind = (kind: string, offset: number, at: KeyPath) => {
    const suggestion = didYouMean(kind, kinds);
    source.error(
      offset,
      keyPath(at),
      `unknown ${noun} '${kind}', expected one of ${kinds.join(", ")}${
        suggestion ? `; did you mean '${suggestion}'?` : ""
      }`,
    );
  };
  if (typeof value === "string") {
    const definition = registry[value];
    if (!definition) {
      unknownKind(value, source.offset(path), path);
      return undefined;
    }
    const args = definition.args.safeParse(definition.bare ? null : undefined, { jitless: true });
    if (!args.success) {
      source.error(
        source.offset(path),
        keyPath([...path, value]),
        `missing argument, ${args.error.issues[0]?.message ?? "expected an argument"}`,
      );
      return undefined;
    }
    let failed = false;
    definition.check?.(args.data, (relative, message) => {
      failed = true;
      source.error(source.offset(path), keyPath([...path, value, ...relative]), message);
    }, options.context);
    return failed ? undefined : { kind: value, args: args.data, common: {} };
  }
  if (!isPlainObject(value)) {
    const bare = kinds.filter((k) => registry[k]?.bare);
    source.error(
      source.offset(path),
      keyPath(path),
      `expected a ${noun} name such as ${
        bare.join(", ")
      } or a map such as ${options.example}, got ${describeValue(value, false)}`,
    );
    return undefined;
  }
  const commonKeys = options.common ? Object.keys(options.common.shape) : [];
  const keys = Object.keys(value);
  const known = keys.filter((k) => k in registry);
  const others = keys.filter((k) => !(k in registry) && !commonKeys.includes(k));
  if (known.length === 0) {
    if (others.length === 0) {
      source.error(
        source.offset(path),
        keyPath(path),
        `missing ${noun} kind, expected one of ${kinds.join(", ")}`,
      );
    }
    for (const other of others) {
      unknownKind(other, source.offset([...path, other], "key"), [...path, other]);
    }
    return undefined;
  }
  const kind = known[0]!;
  for (const extra of known.slice(1)) {
    source.error(
      source.offset([...path, extra], "key"),
      keyPath([...path, extra]),
      `a ${noun} has one kind, expected '${extra}' in a separate list item`,
    );
  }
  for (const other of others) {
    const allowed = [kind, ...commonKeys];
    const suggestion = didYouMean(other, [...allowed, ...kinds]);
    source.error(
      source.offset([...path, other], "key"),
      keyPath([...path, other]),
      `unknown key, expected one of ${allowed.join(", ")}${
        suggestion ? `; did you mean '${suggestion}'?` : ""
      }`,
    );
  }
  const definition = registry[kind]!;
  // jitless: see checkWorkflow (each schema is parsed once, compiling a parser does not pay off).
  const args = definition.args.safeParse(value[kind], { jitless: true });
  if (!args.success) {
    reportZodIssues(source, args.error.issues, [...path, kind], value[kind], definition.args);
  } else if (definition.check) {
    let failed = false;
    definition.check(args.data, (relative, message, offset) => {
      failed = true;
      const at = [...path, kind, ...relative];
      source.error(source.offsetInside(at, offset), keyPath(at), message);
    }, options.context);
    if (failed) return undefined;
  }
  let common: Record<string, unknown> = {};
  if (options.common) {
    const picked = Object.fromEntries(
      commonKeys.filter((k) => k in value).map((k) => [k, value[k]]),
    );
    const parsed = options.common.safeParse(picked, { jitless: true });
    if (parsed.success) common = parsed.data;
    else reportZodIssues(source, parsed.error.issues, path, picked, options.common);
  }
  if (!args.success || others.length > 0 || known.length > 1) return undefined;
  return { kind, args: args.data, common };
}
