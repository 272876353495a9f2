/**
 * Tab completion for the console prompt, from the generated descriptors: payload cases at the
 * top level, field names inside an object (`{"marketDepthSubscribe": {"mar` → `"marketId"`),
 * enum values after a key (`"buffer": "SM` → `"SMART"`), console commands after `/` and server
 * payload cases after `/filter `. Works for JSON and YAML flow syntax on one line.
 *
 * @module
 */

import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ClientMessageSchema, ServerMessageSchema } from "../protocol/gen/t4/v1/service_pb.ts";
import { enumValueNames, findField } from "./client_message_input.ts";

/** The console's commands. */
export const CONSOLE_COMMANDS: readonly string[] = [
  "/filter",
  "/heartbeats",
  "/help",
  "/quit",
];

/**
 * Completes the text before the cursor, in the shape `node:readline`'s `completer` returns.
 *
 * @param line The text before the cursor.
 * @returns The candidates (each a full replacement of the partial word) and the partial word.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { completeConsoleLine } from "./message_completer.ts";
 *
 * assert.deepEqual(completeConsoleLine('{"marketDepthSub'), [['"marketDepthSubscribe"'], '"marketDepthSub']);
 * assert.deepEqual(completeConsoleLine('{"marketDepthSubscribe": {"exchangeId": "CME_Eq", "mar')[0], ['"marketId"']);
 * assert.deepEqual(completeConsoleLine("marketDepthSubscribe: {buffer: SM")[0], ["SMART_TRADE", "SMART"]);
 * ```
 */
export function completeConsoleLine(line: string): [string[], string] {
  if (line.startsWith("/")) return _completeCommand(line);
  const partialMatch = /"?[A-Za-z_][A-Za-z0-9_]*$|"$/.exec(line);
  const partial = partialMatch?.[0] ?? "";
  const before = line.slice(0, line.length - partial.length);
  const { path, valueOf } = _context(before);
  const quoted = partial.startsWith('"');
  const word = quoted ? partial.slice(1) : partial;
  let names: string[] = [];
  const message = _resolve(path);
  if (message !== undefined) {
    if (valueOf === undefined) {
      names = message.fields.map((field) => field.jsonName);
    } else {
      const field = findField(message, valueOf);
      const desc = field ? _enumOf(field) : undefined;
      if (desc) names = enumValueNames(desc);
    }
  }
  const hits = names.filter((name) => name.startsWith(word)).map((name) =>
    quoted ? `"${name}"` : name
  );
  return [hits, partial];
}

function _completeCommand(line: string): [string[], string] {
  const filter = /^\/filter\s+(?:\S+\s+)*(\S*)$/.exec(line);
  if (filter) {
    const word = filter[1] ?? "";
    const cases = ServerMessageSchema.fields.map((field) => field.jsonName);
    return [cases.filter((c) => c.startsWith(word)), word];
  }
  const heartbeats = /^\/heartbeats\s+(\S*)$/.exec(line);
  if (heartbeats) {
    const word = heartbeats[1] ?? "";
    return [["on", "off"].filter((w) => w.startsWith(word)), word];
  }
  return [CONSOLE_COMMANDS.filter((c) => c.startsWith(line)), line];
}

function _enumOf(field: DescField) {
  if (field.fieldKind === "enum") return field.enum;
  if (field.fieldKind === "list" && field.listKind === "enum") return field.enum;
  return undefined;
}

/** Follows the object keys of `path` from `ClientMessage`. */
function _resolve(path: readonly string[]): DescMessage | undefined {
  let message: DescMessage = ClientMessageSchema;
  for (const key of path) {
    const field = findField(message, key);
    if (field === undefined) return undefined;
    if (field.fieldKind === "message") message = field.message;
    else if (field.fieldKind === "list" && field.listKind === "message") message = field.message;
    else return undefined;
  }
  return message;
}

/**
 * Walks the text before the partial word: the keys of the open objects, and the key whose value
 * is being typed (when the last token is `:`).
 */
function _context(text: string): { path: string[]; valueOf: string | undefined } {
  const stack: (string | undefined)[] = [];
  let lastKey: string | undefined;
  let pendingKey: string | undefined;
  let lastPunct = "";
  const tokens = text.match(/"(?:[^"\\]|\\.)*"?|[A-Za-z_][A-Za-z0-9_]*|[{}[\]:,]|\S/g) ?? [];
  for (const token of tokens) {
    if (token === "{") {
      stack.push(lastPunct === ":" || lastPunct === "[" ? lastKey : undefined);
      lastPunct = "{";
    } else if (token === "[") {
      stack.push(lastKey);
      lastPunct = "[";
    } else if (token === "}" || token === "]") {
      stack.pop();
      lastPunct = token;
    } else if (token === ":") {
      lastKey = pendingKey;
      lastPunct = ":";
    } else if (token === ",") {
      lastPunct = ",";
    } else {
      pendingKey = token.startsWith('"') ? token.replace(/^"|"$/g, "") : token;
      lastPunct = "word";
    }
  }
  // Object keys on the path, without array levels counted twice.
  const path: string[] = [];
  for (let i = 0; i < stack.length; i++) {
    const key = stack[i];
    if (key !== undefined && key !== stack[i - 1]) path.push(key);
  }
  // Top-level YAML (`marketDepthSubscribe: {…}`) needs no braces around the payload case.
  return { path, valueOf: lastPunct === ":" ? lastKey : undefined };
}
