/**
 * A workflow file's YAML with positions: parses the text, finds the line and column of any key
 * path, and collects diagnostics whose messages keep values read from the environment out.
 *
 * @module
 */

import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  visit,
} from "yaml";
import type { WorkflowDiagnostic } from "./workflow_diagnostic.ts";

/** A key path inside the document, e.g. `["steps", 1, "hold"]`. */
export type KeyPath = (string | number)[];

/**
 * Formats a key path as `steps[1].hold`.
 *
 * @param path The path segments.
 * @returns The dotted key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyPath } from "./yaml_source.ts";
 *
 * assert.equal(keyPath(["steps", 1, "hold"]), "steps[1].hold");
 * ```
 */
export function keyPath(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

/**
 * Describes a value for a message: `a list`, `a map`, a quoted (shortened) string, or only its type
 * when it is a secret.
 *
 * @param value The value.
 * @param secret Whether to hide a scalar value.
 * @returns The description.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./yaml_source.ts";
 *
 * assert.equal(describeValue(["a"], false), "a list");
 * assert.equal(describeValue("hunter2", true), "a string");
 * assert.equal(describeValue("30x", false), '"30x"');
 * ```
 */
export function describeValue(value: unknown, secret: boolean): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (secret) return `a ${typeof value}`;
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  return String(value);
}

/**
 * Whether a value is a map (not `null`, not a list).
 *
 * @param value The value.
 * @returns `true` for a plain object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPlainObject } from "./yaml_source.ts";
 *
 * assert.equal(isPlainObject({}), true);
 * assert.equal(isPlainObject([]), false);
 * ```
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The YAML of one workflow file, its diagnostics, and what interpolation read from the
 * environment (so messages never show those values).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("a:\n  b: 1\n", "x.yaml");
 * source.parse();
 * source.error(source.offset(["a", "b"]), "a.b", "expected 2");
 * assert.deepEqual(
 *   [source.diagnostics[0]?.line, source.diagnostics[0]?.column],
 *   [2, 6],
 * );
 * ```
 */
export class YamlSource {
  /** Every problem found so far. */
  readonly diagnostics: WorkflowDiagnostic[] = [];
  /** The text. */
  readonly text: string;
  /** The name used in diagnostics. */
  readonly file: string;
  /** Key paths whose value came from `${NAME}`. */
  readonly interpolated: Set<string> = new Set();
  /** Key paths whose `${NAME}` could not be resolved (already reported). */
  readonly failed: Set<string> = new Set();
  /** The text as written (with `${NAME}`) of each interpolated key path, and the values read. */
  readonly originals: Map<string, { text: string; values: string[] }> = new Map();
  readonly #lines = new LineCounter();
  #doc: Document | undefined;
  /** Every value read from the environment, with its variable name, longest first. */
  #substituted: [name: string, value: string][] = [];

  /**
   * @param text The YAML text.
   * @param file The name used in diagnostics.
   */
  constructor(text: string, file: string) {
    this.text = text;
    this.file = file;
  }

  /** The parsed document (after {@linkcode YamlSource.parse}). */
  get doc(): Document | undefined {
    return this.#doc;
  }

  /**
   * Parses the text and reports YAML errors, an empty file, and what a workflow cannot hold (an
   * alias without an anchor, an alias inside its own anchor, a list or map used as a key).
   *
   * @returns The document, or `undefined` after reporting why it cannot be used.
   */
  parse(): Document | undefined {
    const doc = parseDocument(this.text, {
      lineCounter: this.#lines,
      prettyErrors: false,
      uniqueKeys: true,
    });
    this.#doc = doc;
    for (const error of doc.errors) {
      if (error.code === "DUPLICATE_KEY") {
        const key = /^[^:\n]*/.exec(this.text.slice(error.pos[0]))?.[0].trim() ?? "";
        this.error(error.pos[0], key, "duplicate key, expected each key once in a map");
        continue;
      }
      const first = error.message.split("\n")[0] ?? error.message;
      this.error(error.pos[0], "", `invalid YAML: ${first}`);
    }
    if (doc.errors.length > 0) return undefined;
    if (doc.contents === null) {
      this.error(0, "", "empty file, expected a map with version, name, connection and steps");
      return undefined;
    }
    return this.#checkNodes(doc) ? doc : undefined;
  }

  /**
   * Records a diagnostic at a character offset.
   *
   * @param offset Character offset in the text.
   * @param key The dotted key path.
   * @param message The message (values read from the environment are redacted).
   * @param severity `error` or `warning`.
   */
  error(offset: number, key: string, message: string, severity: "error" | "warning" = "error") {
    const { line, col } = this.#lines.linePos(Math.max(0, offset));
    this.diagnostics.push({
      severity,
      file: this.file,
      line: Math.max(1, line),
      column: Math.max(1, col),
      key,
      message: this.#redact(key, message),
    });
  }

  /**
   * Line and column of a character offset.
   *
   * @param offset Character offset in the text.
   * @returns 1-based line and column.
   */
  linePos(offset: number): { line: number; col: number } {
    return this.#lines.linePos(offset);
  }

  /**
   * Records a value read from the environment for `${name}`.
   *
   * @param name The variable name.
   * @param value The value.
   */
  substituted(name: string, value: string): void {
    this.#substituted.push([name, value]);
    this.#substituted.sort((a, b) => b[1].length - a[1].length);
  }

  /**
   * Keeps values read from the environment out of a message, as they may be secrets (an API key
   * given where a list was expected): each value becomes its `${NAME}` (values shorter than 6
   * characters are left alone: too short to be a secret, too likely to be a common word), and in
   * a message about an interpolated key, words of 3 or more characters that come from a value
   * read there (e.g. the tokens a CEL error quotes) become `***`.
   */
  #redact(key: string, message: string): string {
    let out = message;
    for (const [name, value] of this.#substituted) {
      if (value.length >= 6 && out.includes(value)) out = out.replaceAll(value, `\${${name}}`);
    }
    for (const [path, { text, values }] of this.originals) {
      if (key !== path && !key.startsWith(`${path}.`) && !key.startsWith(`${path}[`)) continue;
      out = out.replace(
        /[\p{L}\p{N}]{3,}/gu,
        (word) => values.some((v) => v.includes(word)) && !text.includes(word) ? "***" : word,
      );
    }
    return out;
  }

  /**
   * Describes the value at `path` in a message: as written in the file when interpolated.
   *
   * @param path The key path.
   * @param value The value there.
   * @param secret Whether to hide a scalar value.
   * @returns The description.
   */
  describe(path: KeyPath, value: unknown, secret: boolean): string {
    const original = this.originals.get(keyPath(path));
    if (!secret && original !== undefined && typeof value === "string") {
      return `${describeValue(original.text, false)} (read from the environment)`;
    }
    return describeValue(value, secret);
  }

  /**
   * Offset of the node at `path`; `mode` picks the key of the last segment or the value.
   *
   * @param path The key path.
   * @param mode `value` (default) or `key`.
   * @returns The character offset (of the deepest node found).
   */
  offset(path: readonly PropertyKey[], mode: "value" | "key" = "value"): number {
    let node: unknown = this.#doc?.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
        if (!pair) return offset;
        const keyNode = pair.key as Scalar;
        if (last && mode === "key") return keyNode.range?.[0] ?? offset;
        const value = pair.value as Node | null;
        if (!value || !value.range) return keyNode.range?.[0] ?? offset;
        node = value;
        offset = value.range[0];
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment] as Node | undefined;
        if (!item?.range) return offset;
        node = item;
        offset = item.range[0];
      } else {
        return offset;
      }
    }
    return offset;
  }

  /**
   * Offset of `needle` inside the source of the scalar at `path`, or the scalar's start.
   *
   * @param path The key path.
   * @param needle The text to find.
   * @returns The character offset.
   */
  offsetIn(path: readonly PropertyKey[], needle: string): number {
    const start = this.offset(path);
    const node = this.nodeAt(path);
    const end = node?.range?.[1] ?? start;
    const index = this.text.slice(start, end).indexOf(needle);
    return index >= 0 ? start + index : start;
  }

  /**
   * Offset of character `offset` of the string value at `path` (its start when unknown).
   *
   * @param path The key path.
   * @param offset Character offset inside the string value.
   * @returns The character offset in the text.
   */
  offsetInside(path: readonly PropertyKey[], offset: number | undefined): number {
    const start = this.offset(path);
    const node = this.nodeAt(path);
    if (offset === undefined || !isScalar(node) || typeof node.value !== "string") return start;
    const source = this.text.slice(start, node.range?.[1] ?? start);
    if (node.type === "PLAIN" && !source.includes("\n")) return start + offset;
    if (
      (node.type === "QUOTE_SINGLE" || node.type === "QUOTE_DOUBLE") && !source.includes("\n") &&
      !source.includes("\\") && !source.includes("''")
    ) return start + 1 + offset;
    return start;
  }

  /**
   * The node at `path`.
   *
   * @param path The key path.
   * @returns The node, or `undefined`.
   */
  nodeAt(path: readonly PropertyKey[]): Node | undefined {
    let node: unknown = this.#doc?.contents;
    for (const segment of path) {
      if (isMap(node)) {
        node = node.items.find((p) => isScalar(p.key) && p.key.value === segment)?.value;
      } else if (isSeq(node) && typeof segment === "number") node = node.items[segment];
      else return undefined;
    }
    return (node ?? undefined) as Node | undefined;
  }

  /**
   * Line and column of every value under `path`, keyed relative to it.
   *
   * @param path The key path.
   * @returns Positions keyed like `volume` or `orders[0].volume` (`""` is the value itself).
   */
  positions(path: readonly PropertyKey[]): Record<string, { line: number; column: number }> {
    const out: Record<string, { line: number; column: number }> = {};
    const walk = (node: unknown, relative: (string | number)[], depth: number) => {
      const range = (node as Node | null)?.range;
      if (range) {
        const { line, col } = this.#lines.linePos(range[0]);
        out[keyPath(relative)] = { line, column: col };
      }
      if (depth > 4) return;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isScalar(pair.key)) {
            walk(pair.value, [...relative, String(pair.key.value)], depth + 1);
          }
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...relative, i], depth + 1));
      }
    };
    walk(path.length === 0 ? this.#doc?.contents : this.nodeAt(path), [], 0);
    return out;
  }

  /**
   * Reports what the YAML parser accepts but a workflow cannot hold: an alias without an anchor
   * before it, an alias inside its own anchor (a value that contains itself) and a list or map
   * used as a key.
   *
   * @returns Whether the document is free of them.
   */
  #checkNodes(doc: Document): boolean {
    let ok = true;
    visit(doc, {
      Alias: (_, alias) => {
        const target = alias.resolve(doc);
        const at = alias.range?.[0] ?? 0;
        if (target === undefined) {
          this.error(
            at,
            "",
            `invalid YAML: alias '*${alias.source}' has no anchor before it, expected '&${alias.source}' on an earlier value`,
          );
          ok = false;
        } else if (
          target.range && alias.range && target.range[0] <= alias.range[0] &&
          alias.range[1] <= target.range[1]
        ) {
          this.error(
            at,
            "",
            `invalid YAML: alias '*${alias.source}' is inside the value it refers to, expected a value that does not contain itself`,
          );
          ok = false;
        }
      },
      Pair: (_, pair) => {
        const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
        if (isCollection(key)) {
          const range = (pair.key as Node).range;
          this.error(
            range?.[0] ?? 0,
            "",
            `invalid key, expected a name such as 'steps', got a ${isMap(key) ? "map" : "list"}`,
          );
          ok = false;
        }
      },
    });
    return ok;
  }
}
