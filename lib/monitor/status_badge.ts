/**
 * `GET /badges/NAME.svg`: a small SVG badge with a workflow's name and status, for READMEs and
 * wiki pages. Every text is XML-escaped.
 *
 * @module
 */

import type { WorkflowHealth } from "./monitor_status.ts";

const _COLOURS: Readonly<Record<WorkflowHealth, string>> = {
  passing: "#2e7d32",
  failing: "#c62828",
  pending: "#757575",
};

/**
 * Escapes text for XML and HTML (element content and quoted attribute values).
 *
 * @param text Any text.
 * @returns The text with `&`, `<`, `>`, `"` and `'` escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeXml } from "./status_badge.ts";
 *
 * assert.equal(escapeXml(`<script>"x"</script>`), "&lt;script&gt;&quot;x&quot;&lt;/script&gt;");
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => _ENTITIES[c]!);
}

const _ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Draws a status badge.
 *
 * @param label The left text (the workflow name).
 * @param status The workflow's status (the right text and the colour).
 * @returns The SVG document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusBadgeSvg } from "./status_badge.ts";
 *
 * const svg = statusBadgeSvg("session-check", "failing");
 * assert.match(svg, /^<svg /);
 * assert.match(svg, />failing</);
 * ```
 */
export function statusBadgeSvg(label: string, status: WorkflowHealth): string {
  const shown = label.length > 60 ? `${label.slice(0, 59)}…` : label;
  const left = _width(shown);
  const right = _width(status);
  const total = left + right;
  const name = escapeXml(shown);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${name}: ${status}">` +
    `<title>${name}: ${status}</title>` +
    `<rect width="${left}" height="20" fill="#555"/>` +
    `<rect x="${left}" width="${right}" height="20" fill="${_COLOURS[status]}"/>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">` +
    `<text x="${left / 2}" y="14">${name}</text>` +
    `<text x="${left + right / 2}" y="14">${status}</text>` +
    `</g></svg>\n`;
}

function _width(text: string): number {
  return Math.round([...text].length * 7 + 12);
}
