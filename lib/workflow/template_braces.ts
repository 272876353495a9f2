/**
 * `{{ ... }}` in alert messages and `log` steps: finds a `{{` that is never closed.
 *
 * @module
 */

/**
 * The offsets of every `{{` with no `}}` before the next `{{` or the end of the text.
 *
 * @param text A template.
 * @returns The offsets of the unclosed `{{` (empty when every one is closed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unclosedBraces } from "./template_braces.ts";
 *
 * assert.deepEqual(unclosedBraces("x {{ detail"), [2]);
 * assert.deepEqual(unclosedBraces("{{ a }} and {{ b }}"), []);
 * assert.deepEqual(unclosedBraces("{{ a {{ b }}"), [0]);
 * ```
 */
export function unclosedBraces(text: string): number[] {
  const out: number[] = [];
  let at = text.indexOf("{{");
  while (at >= 0) {
    const next = text.indexOf("{{", at + 2);
    const close = text.indexOf("}}", at + 2);
    if (close < 0 || (next >= 0 && next < close)) out.push(at);
    at = next;
  }
  return out;
}
