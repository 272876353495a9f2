/**
 * The `ServerMessage` payload cases a CEL expression can be written against, and the protobuf
 * registry that holds every generated t4 message and enum.
 *
 * @module
 */

import { createRegistry, type DescFile, type DescMessage, type Registry } from "@bufbuild/protobuf";
import { file_t4_v1_service, ServerMessageSchema } from "../protocol/gen/t4/v1/service_pb.ts";
import { type CelDiagnostic, celDiagnostic } from "./cel_diagnostic.ts";
import { didYouMean } from "./did_you_mean.ts";

/** One `ServerMessage` payload case. */
export interface CelPayloadCase {
  /** The protobuf-es oneof case name, e.g. `"marketDepth"` (what `payload.case` holds). */
  readonly caseName: string;
  /** The proto field name, e.g. `"market_depth"`. */
  readonly protoName: string;
  /** The payload's message descriptor (the type of `msg`). */
  readonly desc: DescMessage;
}

function _allFiles(file: DescFile, seen: Set<DescFile> = new Set()): Set<DescFile> {
  if (!seen.has(file)) {
    seen.add(file);
    for (const dependency of file.dependencies) _allFiles(dependency, seen);
  }
  return seen;
}

/** Every generated t4 file and its dependencies (including `google/protobuf/timestamp.proto`). */
export const T4_CEL_REGISTRY: Registry = createRegistry(..._allFiles(file_t4_v1_service));

const _cases: readonly CelPayloadCase[] = (() => {
  const oneof = ServerMessageSchema.oneofs.find((o) => o.name === "payload");
  const result: CelPayloadCase[] = [];
  for (const field of oneof?.fields ?? []) {
    if (field.message !== undefined) {
      result.push({ caseName: field.localName, protoName: field.name, desc: field.message });
    }
  }
  return result;
})();

/**
 * Lists every `ServerMessage` payload case.
 *
 * @returns The cases, in field order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { celPayloadCases } from "./cel_payload.ts";
 *
 * const depth = celPayloadCases().find((c) => c.protoName === "market_depth");
 * assert.equal(depth?.caseName, "marketDepth");
 * assert.equal(depth?.desc.typeName, "t4proto.v1.market.MarketDepth");
 * ```
 */
export function celPayloadCases(): readonly CelPayloadCase[] {
  return _cases;
}

/**
 * Resolves a payload case name, accepting the protobuf-es case name (`marketDepth`) or the proto
 * field name (`market_depth`).
 *
 * @param name The name as written in the workflow.
 * @returns The case, or a diagnostic (subject `"payload_case"`, offset 0) with a "did you mean".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCelPayloadCase } from "./cel_payload.ts";
 *
 * const ok = resolveCelPayloadCase("order_update");
 * assert.ok(ok.ok && ok.payloadCase.caseName === "orderUpdate");
 *
 * const bad = resolveCelPayloadCase("market_dept");
 * assert.ok(!bad.ok);
 * assert.equal(bad.diagnostic.suggestion, "market_depth");
 * ```
 */
export function resolveCelPayloadCase(
  name: string,
):
  | { readonly ok: true; readonly payloadCase: CelPayloadCase }
  | { readonly ok: false; readonly diagnostic: CelDiagnostic } {
  const found = _cases.find((c) => c.caseName === name || c.protoName === name);
  if (found !== undefined) return { ok: true, payloadCase: found };
  // Suggest in the style the user wrote: snake_case unless the name has an upper-case letter.
  const camel = /[A-Z]/.test(name);
  const suggestion = didYouMean(name, _cases.map((c) => camel ? c.caseName : c.protoName)) ??
    didYouMean(name, _cases.map((c) => camel ? c.protoName : c.caseName));
  const hint = suggestion !== undefined
    ? `did you mean '${suggestion}'?`
    : `expected one of ${_cases.map((c) => c.protoName).join(", ")}`;
  return {
    ok: false,
    diagnostic: celDiagnostic(name, {
      code: "unknown_payload_case",
      subject: "payload_case",
      message:
        `Cannot match messages of '${name}' as it is not a ServerMessage payload case: ${hint}`,
      offset: 0,
      length: name.length,
      suggestion,
    }),
  };
}
