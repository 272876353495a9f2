/**
 * `${NAME}` interpolation of a workflow's string values from the environment.
 *
 * @module
 */

import { isMap, isPair, isScalar, isSeq } from "yaml";
import { type KeyPath, keyPath, type YamlSource } from "./yaml_source.ts";

/**
 * Replaces `${NAME}` in every string value of the parsed document; `$${` stands for a literal
 * `${`. Unset variables and malformed references are reported on the source; every value read is
 * recorded there so messages can redact it.
 *
 * @param source The parsed source (after `parse()`).
 * @param env The variables.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interpolateEnv } from "./interpolate_env.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("key: ${K}\nother: ${MISSING}\n", "x.yaml");
 * const doc = source.parse();
 * interpolateEnv(source, { K: "value" });
 * assert.deepEqual(doc?.toJS(), { key: "value", other: "" });
 * assert.match(source.diagnostics[0]?.message ?? "", /MISSING is not set/);
 * ```
 */
export function interpolateEnv(
  source: YamlSource,
  env: Readonly<Record<string, string | undefined>>,
): void {
  _interpolate(source, env, source.doc?.contents, []);
}

function _interpolate(
  source: YamlSource,
  env: Readonly<Record<string, string | undefined>>,
  node: unknown,
  path: KeyPath,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      _interpolate(source, env, pair.value, [...path, String(pair.key.value)]);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => _interpolate(source, env, item, [...path, i]));
  } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("${")) {
    const original = node.value;
    const values: string[] = [];
    let missing = false;
    node.value = original.replace(/\$\$\{|\$\{([^}]*)\}/g, (match, name: string | undefined) => {
      if (match === "$${") return "${";
      if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        source.error(
          source.offsetIn(path, match),
          keyPath(path),
          `invalid variable reference '${match}', expected \${NAME} with letters, digits and _`,
        );
        missing = true;
        return "";
      }
      const value = env[name];
      if (value === undefined) {
        source.error(
          source.offsetIn(path, match),
          keyPath(path),
          `environment variable ${name} is not set, expected it in the environment or an --env-file`,
        );
        missing = true;
        return "";
      }
      source.substituted(name, value);
      values.push(value);
      return value;
    });
    if (node.value !== original.replaceAll("$${", "${") || missing) {
      source.interpolated.add(keyPath(path));
      source.originals.set(keyPath(path), { text: original, values });
    }
    if (missing) source.failed.add(keyPath(path));
  }
}
