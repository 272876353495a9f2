/**
 * How a step kind is described to the loader: its argument schema, whether it may be written
 * bare, what session it needs and its extra checks.
 *
 * @module
 */

import type { z } from "zod";
import type { CelCompiler } from "./cel_compiler.ts";
import { lazyArgs } from "./once.ts";

/** What earlier steps tell a step's `check`. */
export interface StepCheckContext {
  /**
   * The variables earlier steps capture (`vars.NAME` in CEL); `undefined` when not known (an
   * earlier step is invalid), in which case any name is accepted.
   */
  readonly vars: readonly string[] | undefined;
  /**
   * The CEL compiler, which the loader hands over only when a step uses CEL (see `usesCel`); a
   * check that meets an expression without it throws.
   */
  readonly cel?: CelCompiler | undefined;
}

/** How a step kind is written and what it needs. */
export interface StepKindSchema {
  /** The arguments (`kind: arguments`); `null` must be accepted when `bare` is true. */
  args: z.ZodType;
  /** The step may be written as its bare name (`login`). */
  bare: boolean;
  /** `"opens"` logs in, `"needs"` needs a logged-in session, `"none"` needs neither. */
  session: "opens" | "needs" | "none";
  /**
   * Checks the parsed arguments beyond the schema (e.g. an expression's syntax) before anything
   * is sent; each problem becomes an error at its position in the file.
   *
   * @param args The arguments as `args` parsed them.
   * @param report Reports a problem at `path` (relative to the arguments, `[]` for the arguments
   *   themselves) with a message that says what was expected; `offset` is a character offset
   *   inside that string value, for a precise column.
   */
  check?: (
    args: unknown,
    report: (path: readonly (string | number)[], message: string, offset?: number) => void,
    context?: StepCheckContext,
  ) => void;
  /**
   * Whether the step's raw (not yet validated) arguments use CEL: an expression, or a payload
   * case for `message:`. The loader loads CEL only for a workflow where some step's answer is
   * `true`, so the answer may be `true` too often but never `false` when `check` needs CEL.
   *
   * @param args The arguments as written, after `${NAME}` interpolation.
   */
  usesCel?: (args: unknown) => boolean;
  /** One line for the JSON Schema. */
  description: string;
}

/**
 * A step kind whose argument schema is built when first read (building every kind's zod schema
 * would cost a workflow that uses two kinds the time of all of them).
 *
 * @param definition The kind without its schema.
 * @param args Builds the argument schema.
 * @returns The kind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "zod";
 * import { stepKind } from "./step_kind.ts";
 *
 * const kind = stepKind({ bare: true, session: "none", description: "Nothing" }, () => z.null());
 * assert.equal(kind.args.safeParse(null).success, true);
 * ```
 */
export function stepKind(
  definition: Omit<StepKindSchema, "args">,
  args: () => z.ZodType,
): StepKindSchema {
  return lazyArgs(definition, args);
}
