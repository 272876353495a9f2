/**
 * `${NAME}` interpolation of a workflow's string values from the environment.
 *
 * @module
 */

import { isMap, isPair, isScalar, isSeq } from "yaml";
import { type KeyPath, keyPath, type YamlSource } from "./yaml_source.ts";

/**
 * Replaces `${NAME}` in every string value of the parsed document; `${NAME:-default}` gives a
 * default for an unset or empty variable, `${NAME:?message}` makes it an error with that message,
 * and `$${` stands for a literal `${`. Unset variables and malformed references are reported on the source; every value read is
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
 * const source = new YamlSource("key: ${K}\nhold: ${HOLD:-30s}\nother: ${MISSING}\n", "x.yaml");
 * const doc = source.parse();
 * interpolateEnv(source, { K: "value" });
 * assert.deepEqual(doc?.toJS(), { key: "value", hold: "30s", other: "" });
 * assert.match(source.diagnostics[0]?.message ?? "", /MISSING is not set/);
 * ```
 */
export function interpolateEnv(
  source: YamlSource,
  env: Readonly<Record<string, string | undefined>>,
): void {
  _interpolate(source, env, source.doc?.contents, []);
}

/** `NAME`, `NAME:-default` or `NAME:?message` inside `${...}`. */
const _REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)(.*))?$/s;

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
    node.value = original.replace(/\$\$\{|\$\{([^}]*)\}/g, (match, inner: string | undefined) => {
      if (match === "$${") return "${";
      const parsed = _REFERENCE.exec(inner ?? "");
      if (!parsed) {
        source.error(
          source.offsetIn(path, match),
          keyPath(path),
          `invalid variable reference '${match}', expected \${NAME}, \${NAME:-default} or \${NAME:?message} with a NAME of letters, digits and _`,
        );
        missing = true;
        return "";
      }
      const [, name = "", operator, argument = ""] = parsed;
      const value = env[name];
      // Like the shell: `:-` and `:?` treat an empty value as unset.
      if (value === undefined || (operator !== undefined && value === "")) {
        if (operator === ":-") return argument;
        source.error(
          source.offsetIn(path, match),
          keyPath(path),
          operator === ":?"
            ? `environment variable ${name} is not set: ${argument || "expected a value"}`
            : `environment variable ${name} is not set, expected it in the environment or an --env-file`,
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
