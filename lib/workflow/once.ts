/**
 * Values built on first use: the workflow schemas are zod schemas, which cost time to build, so
 * a module builds only the ones a workflow needs, when it first needs them.
 *
 * @module
 */

/**
 * Wraps a builder so that it runs on the first call only; later calls return the same value.
 *
 * @param build Builds the value.
 * @returns A function that returns the value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { once } from "./once.ts";
 *
 * let built = 0;
 * const value = once(() => ({ n: ++built }));
 * assert.equal(built, 0);
 * assert.equal(value(), value());
 * assert.equal(built, 1);
 * ```
 */
export function once<T>(build: () => T): () => T {
  let state: { value: T } | undefined;
  return () => (state ??= { value: build() }).value;
}

/**
 * Gives a definition an `args` schema built on first read (a getter over {@linkcode once}).
 *
 * @param definition The definition without its schema.
 * @param args Builds the schema.
 * @returns The definition, with `args`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lazyArgs } from "./once.ts";
 *
 * let built = 0;
 * const kind = lazyArgs({ bare: true }, () => ++built);
 * assert.equal(built, 0);
 * assert.equal(kind.args, kind.args);
 * assert.equal(built, 1);
 * ```
 */
export function lazyArgs<T extends object, A>(
  definition: T,
  args: () => A,
): T & { readonly args: A } {
  const get = once(args);
  return Object.defineProperty(definition, "args", { get, enumerable: true }) as T & {
    readonly args: A;
  };
}
