/**
 * "Did you mean" suggestions for misspelt keys and names.
 *
 * @module
 */

/**
 * Finds the closest candidate to a misspelt word (case-insensitive edit distance, at most a third
 * of the word's length and at least 2).
 *
 * @param word The word that was written.
 * @param candidates The words that would have been valid.
 * @returns The closest candidate, or `undefined` when none is close enough.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { didYouMean } from "./did_you_mean.ts";
 *
 * assert.equal(didYouMean("heartbeet", ["url", "heartbeat", "auth"]), "heartbeat");
 * assert.equal(didYouMean("zzz", ["url", "heartbeat"]), undefined);
 * ```
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = _editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

function _editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      // Swapping two neighbouring letters counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (before[j - 2] ?? 0) + 1);
      }
      current[j] = distance;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? Infinity;
}
