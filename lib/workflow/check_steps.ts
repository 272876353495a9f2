/**
 * The `steps:` list: each step checked against its kind, session order (a `login` before steps
 * that need a session), and references between steps (captured variables, stored orders,
 * watch names).
 *
 * @module
 */

import type { CelCompiler } from "./cel_compiler.ts";
import { checkVariant } from "./check_variant.ts";
import { didYouMean } from "./did_you_mean.ts";
import { stepUsesFront } from "./front_market.ts";
import type { WorkflowStep } from "./workflow_model.ts";
import { ALERT_ON_NAMES, STEP_ARGUMENT_SCHEMAS, STEP_COMMON_SCHEMA } from "./workflow_schema.ts";
import { isPlainObject, keyPath, type YamlSource } from "./yaml_source.ts";

/**
 * Checks every step of `steps:` (all of them, so one pass reports every problem).
 *
 * @param source Where to report.
 * @param data The whole document.
 * @param cel The CEL compiler, needed when {@linkcode stepsUseCel} is true for `data`.
 * @returns The steps that are valid, normalised.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSteps } from "./check_steps.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("steps:\n  - hold: 1s\n", "x.yaml");
 * source.parse();
 * const steps = checkSteps(source, { steps: [{ hold: "1s" }] });
 * assert.equal(steps[0]?.label, "hold 1s");
 * assert.equal(source.diagnostics[0]?.message, "'hold' needs a session, expected a 'login' step before it");
 * ```
 */
export function checkSteps(
  source: YamlSource,
  data: Record<string, unknown>,
  cel?: CelCompiler,
): WorkflowStep[] {
  const steps = Array.isArray(data.steps) ? data.steps : [];
  const normalisedSteps: WorkflowStep[] = [];
  let loggedIn = false;
  // Variables earlier steps capture, for `vars.NAME` in CEL. An invalid step still declares what
  // it captures (so later steps are checked too); after a step of unknown kind, any name goes.
  let knownVars: string[] | undefined = [];
  for (const [index, value] of steps.entries()) {
    const result = checkVariant(source, value, ["steps", index], STEP_ARGUMENT_SCHEMAS, "step", {
      common: STEP_COMMON_SCHEMA,
      example: "'hold: 30s'",
      context: { vars: knownVars, cel },
    });
    if (knownVars) {
      const declared = result ?? _declaredKind(value);
      knownVars = declared
        ? [...knownVars, ...producedVars(declared.kind, declared.args)]
        : undefined;
    }
    if (!result) {
      // Session checks after a step of unknown kind would only repeat the same mistake.
      loggedIn = true;
      continue;
    }
    const definition = STEP_ARGUMENT_SCHEMAS[result.kind]!;
    const at = source.offset(["steps", index]);
    if (definition.session === "needs" && !loggedIn) {
      source.error(
        at,
        keyPath(["steps", index]),
        `'${result.kind}' needs a session, expected a 'login' step before it`,
      );
    }
    if (definition.session === "opens") {
      if (loggedIn) {
        source.error(
          at,
          keyPath(["steps", index]),
          "the session is already logged in, expected one 'login' step",
        );
      }
      loggedIn = true;
    }
    const { line, col } = source.linePos(at);
    const name = result.common.name;
    normalisedSteps.push({
      index,
      kind: result.kind,
      label: typeof name === "string" ? name : stepLabel(result.kind, result.args),
      args: result.args,
      line,
      column: col,
      positions: source.positions(
        typeof value === "string" ? ["steps", index] : ["steps", index, result.kind],
      ),
    });
  }
  return normalisedSteps;
}

/**
 * Whether any step of a document uses CEL (an expression or a `message:` payload case), judged
 * from the steps as written: the loader loads CEL for {@linkcode checkSteps} only then.
 *
 * @param data The whole document, after `${NAME}` interpolation.
 * @returns `true` when some step may need the CEL compiler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepsUseCel } from "./check_steps.ts";
 *
 * assert.equal(stepsUseCel({ steps: ["login", { hold: "1s" }, { log: "done" }] }), false);
 * assert.equal(stepsUseCel({ steps: ["login", { log: "bid {{ vars.bid }}" }] }), true);
 * ```
 */
export function stepsUseCel(data: unknown): boolean {
  const steps = isPlainObject(data) && Array.isArray(data.steps) ? data.steps : [];
  const uses = (kind: string, args: unknown) =>
    Object.hasOwn(STEP_ARGUMENT_SCHEMAS, kind) &&
    STEP_ARGUMENT_SCHEMAS[kind]!.usesCel?.(args) === true;
  return steps.some((value: unknown) =>
    typeof value === "string"
      ? uses(value, null)
      : isPlainObject(value) && Object.entries(value).some(([kind, args]) => uses(kind, args))
  );
}

/** The kind and raw arguments of an invalid step, when its kind is known. */
function _declaredKind(value: unknown): { kind: string; args: unknown } | undefined {
  if (typeof value === "string") {
    return value in STEP_ARGUMENT_SCHEMAS ? { kind: value, args: null } : undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const kind = Object.keys(value).find((k) => k in STEP_ARGUMENT_SCHEMAS);
  if (kind === undefined) return undefined;
  const args = (value as Record<string, unknown>)[kind];
  return { kind, args: args !== null && typeof args === "object" ? args : undefined };
}

/**
 * Collects the variables steps capture and the watch names, and checks references to them:
 * duplicate watch names, watch names that shadow built-in events, and revise/pull of an order
 * no earlier step stored.
 *
 * @param source Where to report.
 * @param steps The checked steps.
 * @returns The variable names and watch names the steps define.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStepNames } from "./check_steps.ts";
 * import { YamlSource } from "./yaml_source.ts";
 *
 * const source = new YamlSource("steps: []\n", "x.yaml");
 * source.parse();
 * const names = checkStepNames(source, [
 *   { index: 0, kind: "submit_order", label: "submit_order", args: { as: "entry" }, line: 1, column: 1, positions: {} },
 * ]);
 * assert.deepEqual([...names.vars], ["entry"]);
 * ```
 */
export function checkStepNames(
  source: YamlSource,
  steps: readonly WorkflowStep[],
): { vars: Set<string>; watches: Set<string> } {
  const vars = new Set<string>();
  const watches = new Set<string>();
  for (const step of steps) {
    const args = (step.args ?? {}) as Record<string, unknown>;
    const path = ["steps", step.index, step.kind];
    switch (step.kind) {
      case "revise_order":
      case "pull_order": {
        const ref = String(args.order);
        if (!vars.has(ref)) {
          const suggestion = didYouMean(ref, [...vars]);
          source.error(
            source.offset([...path, "order"]),
            keyPath([...path, "order"]),
            `no earlier order step stores '${ref}', expected the 'as' of a submit_order step before this one${
              suggestion ? `; did you mean '${suggestion}'?` : ""
            }`,
          );
        }
        break;
      }
      case "watch": {
        const name = String(args.name);
        if ((ALERT_ON_NAMES as readonly string[]).includes(name)) {
          source.error(
            source.offset([...path, "name"]),
            keyPath([...path, "name"]),
            `'${name}' is a built-in event, expected another name for the watch`,
          );
        } else if (watches.has(name)) {
          source.error(
            source.offset([...path, "name"]),
            keyPath([...path, "name"]),
            `a watch named '${name}' already exists, expected each watch name once`,
          );
        }
        watches.add(name);
        break;
      }
    }
    for (const name of producedVars(step.kind, step.args)) vars.add(name);
  }
  return { vars, watches };
}

/**
 * The variables a step stores (`capture`, `values`, an order step's `as`).
 *
 * @param kind The step kind.
 * @param args Its arguments.
 * @returns The variable names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { producedVars } from "./check_steps.ts";
 *
 * assert.deepEqual(producedVars("submit_order", {}), ["order"]);
 * ```
 */
export function producedVars(kind: string, args: unknown): string[] {
  const front = stepUsesFront(kind, args) ? ["front"] : [];
  return [...front, ..._producedVars(kind, args)];
}

function _producedVars(kind: string, args: unknown): string[] {
  const a = (args ?? {}) as Record<string, unknown>;
  switch (kind) {
    case "expect":
    case "capture":
      return Object.keys((a.capture ?? a.values ?? {}) as object);
    case "submit_order":
      return [typeof a.as === "string" ? a.as : "order"];
    case "submit_batch":
      return [typeof a.as === "string" ? a.as : "batch"];
    case "revise_order":
    case "pull_order":
      return typeof a.as === "string" ? [a.as] : [];
    default:
      return [];
  }
}

/**
 * What output calls a step without a `name`: its kind and main argument, e.g. `hold 30s`.
 *
 * @param kind The step kind.
 * @param args Its arguments.
 * @returns The label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepLabel } from "./check_steps.ts";
 *
 * assert.equal(stepLabel("hold", "30s"), "hold 30s");
 * ```
 */
export function stepLabel(kind: string, args: unknown): string {
  if (typeof args === "string") return kind === "log" ? kind : `${kind} ${args}`;
  if (args === null || typeof args !== "object") return kind;
  const a = args as Record<string, unknown>;
  const detail = kind === "hold"
    ? a.duration
    : kind === "watch"
    ? a.name
    : a.market === "front" && !kind.endsWith("order")
    ? `front ${String(a.contract)}`
    : typeof a.market === "string" && !kind.endsWith("order")
    ? a.market
    : kind === "expect" || kind === "capture"
    ? a.message
    : typeof a.as === "string"
    ? a.as
    : a.order ?? a.tag;
  return typeof detail === "string" ? `${kind} ${detail}` : kind;
}
