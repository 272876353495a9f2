/**
 * The order guard (no order reaches a live market by accident, no order above the workflow's
 * volume limit; `order_guard.ts`, re-exported here) and the `--dry-run` renderer of the frames a
 * workflow would send.
 *
 * @module
 */

import { create, isMessage, type JsonValue, toJson } from "@bufbuild/protobuf";
import { type ClientMessage, ClientMessageSchema } from "../protocol/gen/t4/v1/service_pb.ts";
import { type ClientMessageInit, encodeClientMessage } from "../protocol/frame_codec.ts";

export * from "./order_guard.ts";

/** Field names (proto and JSON spellings) whose values never appear in dry-run output. */
const _SECRET_FIELDS = new Set([
  "api_key",
  "apiKey",
  "password",
  "app_license",
  "appLicense",
  "token",
]);

/** What replaces a secret in dry-run output. */
export const DRY_RUN_REDACTED = "***";

/**
 * Renders the frames a workflow would send, for `--dry-run`: each message is encoded (so an
 * unencodable message fails here, before connecting) and printed as one line with its payload
 * case, its encoded size and its proto3 JSON (proto field names), with `api_key`, `password`,
 * `app_license` and `token` values replaced by `"***"`.
 *
 * @param messages The client messages, in the order they would be sent.
 * @returns One line per message: `#1 login_request (12 bytes) {"api_key":"***"}`.
 * @throws {TypeError} When a message cannot be encoded (the line number is in the message).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderDryRunFrames } from "./order_safety.ts";
 *
 * const lines = renderDryRunFrames([
 *   { payload: { case: "loginRequest", value: { apiKey: "sk-secret" } } },
 *   { payload: { case: "orderPull", value: { accountId: "A1", marketId: "ESZ6", pulls: [{ uniqueId: "u1" }] } } },
 * ]);
 * assert.match(lines[0] ?? "", /^#1 login_request \(\d+ bytes\) \{"api_key":"\*\*\*"\}$/);
 * assert.ok(!lines.join("\n").includes("sk-secret"));
 * assert.match(lines[1] ?? "", /^#2 order_pull /);
 * ```
 */
export function renderDryRunFrames(
  messages: readonly (ClientMessage | ClientMessageInit)[],
): string[] {
  return messages.map((init, index) => {
    const message = isMessage(init, ClientMessageSchema)
      ? init
      : create(ClientMessageSchema, init as ClientMessageInit);
    let size: number;
    try {
      size = encodeClientMessage(message).byteLength;
    } catch (cause) {
      throw new TypeError(`Cannot encode frame #${index + 1} for the dry run`, { cause });
    }
    const json = toJson(ClientMessageSchema, message, { useProtoFieldName: true });
    const entries = json !== null && typeof json === "object" && !Array.isArray(json)
      ? Object.entries(json)
      : [];
    const [caseName, value] = entries[0] ?? ["empty", {}];
    return `#${index + 1} ${caseName} (${size} bytes) ${JSON.stringify(_redact(value))}`;
  });
}

function _redact(value: JsonValue | undefined): JsonValue {
  if (value === undefined || value === null || typeof value !== "object") return value ?? null;
  if (Array.isArray(value)) return value.map(_redact);
  const result: { [key: string]: JsonValue } = {};
  for (const [key, item] of Object.entries(value)) {
    result[key] = _SECRET_FIELDS.has(key) ? DRY_RUN_REDACTED : _redact(item);
  }
  return result;
}
