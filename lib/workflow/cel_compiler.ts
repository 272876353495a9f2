/**
 * What the workflow checks need of CEL, as one value the loader hands to them: the expression
 * compiler and the payload case lookup. A workflow without expressions never loads this module
 * (nor `@bufbuild/cel`): the loader imports it only when {@linkcode stepsUseCel} says a step has
 * an expression.
 *
 * @module
 */

import { compileCelExpression } from "./cel_expression.ts";
import { resolveCelPayloadCase } from "./cel_payload.ts";

/** The CEL functions the step checks call (`context.cel` of a step's `check`). */
export interface CelCompiler {
  /** Compiles and type-checks an expression ({@linkcode compileCelExpression}). */
  readonly compile: typeof compileCelExpression;
  /** Resolves a `message:` payload case name ({@linkcode resolveCelPayloadCase}). */
  readonly resolvePayloadCase: typeof resolveCelPayloadCase;
}

/**
 * The CEL compiler of this version.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CEL_COMPILER } from "./cel_compiler.ts";
 *
 * assert.equal(CEL_COMPILER.compile("1 + 1 == 2", { result: "bool" }).ok, true);
 * assert.equal(CEL_COMPILER.resolvePayloadCase("market_depth").ok, true);
 * ```
 */
export const CEL_COMPILER: CelCompiler = {
  compile: compileCelExpression,
  resolvePayloadCase: resolveCelPayloadCase,
};
