/**
 * Fuzzing the workflow loader and the CEL layer: on arbitrary text, arbitrary YAML documents and
 * mutations of the example workflows, `parseWorkflow` returns a workflow or throws a
 * `WorkflowValidationError` whose every diagnostic names a file, a line and column >= 1, a key and
 * a message; it never throws anything else. Compiling (and evaluating) arbitrary CEL text never
 * throws either.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import fc from "fast-check";
import { create } from "@bufbuild/protobuf";
import { isScalar, parseDocument, stringify, visit } from "yaml";
import type { Document, Pair } from "yaml";
import { parseWorkflow, type Workflow } from "../../lib/workflow/load_workflow.ts";
import {
  type WorkflowDiagnostic,
  WorkflowValidationError,
} from "../../lib/workflow/workflow_diagnostic.ts";
import { compileCelExpression, evaluateCel } from "../../lib/workflow/cel_expression.ts";
import { celPayloadCases } from "../../lib/workflow/cel_payload.ts";
import type { CelDiagnostic } from "../../lib/workflow/cel_diagnostic.ts";
import { sessionFromLoginResponse } from "../../lib/client/session.ts";
import { LoginResponseSchema } from "../../lib/protocol/gen/t4/v1/auth/auth_pb.ts";

/** `T4FLOW_FUZZ_SCALE=50` multiplies every `numRuns` for a deeper local run. */
const SCALE = Math.max(1, Number(process.env["T4FLOW_FUZZ_SCALE"] ?? 1) || 1);
/** Counts of outcomes, printed with `T4FLOW_FUZZ_STATS=1` to see what the fuzzing reaches. */
const STATS = process.env["T4FLOW_FUZZ_STATS"] ? new Map<string, number>() : undefined;

const FILE = "fuzz.yaml";
const ENV = { T4_API_KEY: "sk-fuzz-SECRET-1", ALERT_WEBHOOK: "http://127.0.0.1:9/hook" };
const OPTIONS = { env: ENV, dir: "/tmp" };

const EXAMPLES: ReadonlyMap<string, string> = new Map(
  readdirSync("examples")
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .map((name) => [name, readFileSync(join("examples", name), "utf8")]),
);

function assertDiagnostic(d: WorkflowDiagnostic, text: string): void {
  const where = JSON.stringify(d);
  assert.equal(d.file, FILE, where);
  assert.ok(d.severity === "error" || d.severity === "warning", where);
  assert.ok(Number.isInteger(d.line) && d.line >= 1, `line < 1: ${where}`);
  assert.ok(Number.isInteger(d.column) && d.column >= 1, `column < 1: ${where}`);
  // A position past the end of the text would point nowhere.
  assert.ok(d.line <= text.split(/\r\n|\r|\n/).length + 1, `line past the end: ${where}`);
  assert.equal(typeof d.key, "string", where);
  assert.ok(typeof d.message === "string" && d.message.trim().length > 0, `no message: ${where}`);
  // Not even a part of it (the fuzzed text never spells SECRET itself).
  assert.ok(!d.message.includes("SECRET"), `the message leaks the key: ${where}`);
}

/**
 * Loads the text: a workflow, or a `WorkflowValidationError` with well-formed diagnostics.
 *
 * @returns The workflow, or the error.
 */
function load(text: string): Workflow | WorkflowValidationError {
  let result: Workflow | WorkflowValidationError;
  try {
    result = parseWorkflow(text, FILE, OPTIONS);
  } catch (error) {
    if (!(error instanceof WorkflowValidationError)) {
      assert.fail(
        `parseWorkflow threw ${error instanceof Error ? error.stack : String(error)} on ${
          JSON.stringify(text)
        }`,
      );
    }
    result = error;
  }
  if (STATS) {
    const first = result instanceof WorkflowValidationError ? result.errors[0] : undefined;
    const outcome = first
      ? `${first.key.replace(/\[\d+\]/g, "[]").split(".").slice(0, 3).join(".")}: ${
        first.message.replace(/['"].*$/, "").slice(0, 50)
      }`
      : "valid";
    STATS.set(outcome, (STATS.get(outcome) ?? 0) + 1);
  }
  if (result instanceof WorkflowValidationError) {
    assert.equal(result.file, FILE);
    assert.ok(result.errors.length > 0, "a validation error without an error diagnostic");
    assert.ok(result.message.startsWith(`Cannot run ${FILE} as it has`), result.message);
    for (const d of result.diagnostics) assertDiagnostic(d, text);
  } else {
    for (const d of result.warnings) assertDiagnostic(d, text);
  }
  return result;
}

/** Characters that matter to YAML, `${NAME}`, durations and CEL, plus some that do not. */
const yamlChar = fc.constantFrom(
  ..."abcdefghijklmnopqrstuvwxyz_0123456789 \t\n\r:-?,[]{}#&*!|>'\"%@`$\\.()=<+/é🙂\u0000\ufeff",
);

/** Keys of the workflow format, so that arbitrary documents reach past the top level. */
const KEYS = [
  "version",
  "name",
  "description",
  "environment",
  "max_order_volume",
  "connection",
  "env",
  "url",
  "auth",
  "api_key",
  "firm",
  "username",
  "password",
  "heartbeat",
  "reconnect",
  "steps",
  "login",
  "hold",
  "sleep",
  "log",
  "expect",
  "capture",
  "watch",
  "message",
  "where",
  "condition",
  "values",
  "within",
  "submit_order",
  "pull_order",
  "subscribe_market",
  "subscribe_accounts",
  "alerts",
  "on",
  "to",
  "file",
  "webhook",
  "command",
  "repeat",
];

const scalar = fc.oneof(
  fc.constantFrom(
    1,
    0,
    -1,
    1.5,
    true,
    null,
    "",
    "sim",
    "live",
    "20s",
    "250ms",
    "ws://127.0.0.1:1/v1",
    "${T4_API_KEY}",
    "${MISSING}",
    "${",
    "login",
    "LOCKED_OUT",
    "msg.market_id == vars.x",
    "market_depth",
    "{{ vars.x }}",
    "{{",
    "stderr",
  ),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
);

/** Documents shaped like workflows: maps with the format's keys and arbitrary values. */
const workflowLike: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie("node"), {
      maxKeys: 5,
    }),
  ),
})).node;

function yamlText(value: unknown): string {
  try {
    return stringify(value) ?? "";
  } catch {
    return "";
  }
}

type Mutation =
  | { readonly kind: "char"; readonly at: number; readonly char: string }
  | { readonly kind: "delete_char"; readonly at: number }
  | { readonly kind: "delete_line"; readonly at: number }
  | { readonly kind: "duplicate_line"; readonly at: number }
  | { readonly kind: "swap_lines"; readonly at: number }
  | { readonly kind: "indent"; readonly at: number; readonly by: number }
  | { readonly kind: "rename_key"; readonly at: number; readonly name: string }
  | { readonly kind: "swap_value"; readonly at: number; readonly value: unknown }
  | { readonly kind: "drop_pair"; readonly at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("char"), at: fc.nat(), char: yamlChar }),
  fc.record({ kind: fc.constant("delete_char"), at: fc.nat() }),
  fc.record({ kind: fc.constant("delete_line"), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate_line"), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap_lines"), at: fc.nat() }),
  fc.record({ kind: fc.constant("indent"), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({
    kind: fc.constant("rename_key"),
    at: fc.nat(),
    name: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
  }),
  fc.record({
    kind: fc.constant("swap_value"),
    at: fc.nat(),
    value: fc.oneof(scalar, workflowLike, fc.jsonValue({ maxDepth: 2 })),
  }),
  fc.record({ kind: fc.constant("drop_pair"), at: fc.nat() }),
);

function pairsOf(doc: Document): Pair[] {
  const pairs: Pair[] = [];
  visit(doc, {
    Pair(_, pair) {
      pairs.push(pair as Pair);
    },
  });
  return pairs;
}

/** Value nodes of the document: those of every pair and every sequence item. */
function valuesOf(doc: Document): { set(value: unknown): void }[] {
  const slots: { set(value: unknown): void }[] = [];
  visit(doc, {
    Pair(_, pair) {
      slots.push({ set: (v) => void (pair.value = doc.createNode(v)) });
    },
    Seq(_, seq) {
      seq.items.forEach((_item, i) =>
        slots.push({ set: (v) => (seq.items[i] = doc.createNode(v)) })
      );
    },
  });
  return slots;
}

function mutate(text: string, m: Mutation): string {
  const lines = text.split("\n");
  const line = m.at % Math.max(1, lines.length);
  switch (m.kind) {
    case "char": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.char + text.slice(at + 1);
    }
    case "delete_char": {
      const at = m.at % Math.max(1, text.length);
      return text.slice(0, at) + text.slice(at + 1);
    }
    case "delete_line":
      lines.splice(line, 1);
      return lines.join("\n");
    case "duplicate_line":
      lines.splice(line, 0, lines[line] ?? "");
      return lines.join("\n");
    case "swap_lines": {
      const next = (line + 1) % lines.length;
      [lines[line], lines[next]] = [lines[next] ?? "", lines[line] ?? ""];
      return lines.join("\n");
    }
    case "indent": {
      const current = lines[line] ?? "";
      lines[line] = m.by >= 0
        ? " ".repeat(m.by) + current
        : current.replace(new RegExp(`^ {0,${-m.by}}`), "");
      return lines.join("\n");
    }
  }
  // Structural mutations, on the YAML document (comments and layout are kept where possible).
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  switch (m.kind) {
    case "rename_key": {
      const pairs = pairsOf(doc);
      const pair = pairs[m.at % Math.max(1, pairs.length)];
      if (pair && isScalar(pair.key)) pair.key.value = m.name;
      break;
    }
    case "swap_value": {
      const slots = valuesOf(doc);
      slots[m.at % Math.max(1, slots.length)]?.set(m.value);
      break;
    }
    case "drop_pair": {
      const pairs = pairsOf(doc);
      const pair = pairs[m.at % Math.max(1, pairs.length)];
      visit(doc, {
        Map(_, map) {
          const index = map.items.indexOf(pair as Pair<unknown, unknown>);
          if (index >= 0) map.items.splice(index, 1);
        },
      });
      break;
    }
  }
  try {
    return doc.toString();
  } catch {
    return text;
  }
}

describe("workflow loader fuzz: never an uncaught exception, always a typed error", () => {
  it("loads every example as it is (so the mutations start from valid workflows)", () => {
    assert.ok(EXAMPLES.size >= 4, "expected the example workflows");
    for (const [name, text] of EXAMPLES) {
      const result = load(text);
      assert.ok(!(result instanceof WorkflowValidationError), `${name}: ${String(result)}`);
    }
  });

  it("property: arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: "binary", maxLength: 120 }),
          fc.string({ unit: yamlChar, maxLength: 200 }),
        ),
        (text) => void load(text),
      ),
      { numRuns: 400 * SCALE },
    );
  });

  it("property: arbitrary YAML documents", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.anything({ maxDepth: 3, withNullPrototype: true, withBigInt: true }),
          workflowLike,
          // A valid head with an arbitrary rest, so that step and alert checks run.
          fc.record({
            version: fc.constant(1),
            name: fc.constant("fuzz"),
            connection: fc.oneof(
              fc.constant({ env: "sim", auth: { api_key: "${T4_API_KEY}" } }),
              workflowLike,
            ),
            steps: fc.oneof(fc.array(workflowLike, { maxLength: 4 }), workflowLike),
            alerts: fc.oneof(fc.array(workflowLike, { maxLength: 3 }), workflowLike),
          }),
        ),
        (value) => void load(yamlText(value)),
      ),
      { numRuns: 400 * SCALE },
    );
  });

  it("property: mutated example workflows", () => {
    const texts = [...EXAMPLES.values()];
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (text, mutations) => void load(mutations.reduce(mutate, text)),
      ),
      { numRuns: 600 * SCALE },
    );
  });

  it("gives the expected first error on inputs found by fuzzing", () => {
    for (const [text, expected] of REGRESSIONS) {
      const result = load(text);
      const first = result instanceof WorkflowValidationError ? result.errors[0] : undefined;
      const got = first && `${first.line}:${first.column} ${first.key}: ${first.message}`;
      if (expected === undefined) assert.equal(got, undefined);
      else assert.match(got ?? "valid", expected, JSON.stringify(text));
    }
    if (STATS) {
      const top = [...STATS].sort((a, b) => b[1] - a[1]).slice(0, 60);
      console.log(top.map(([k, n]) => `${String(n).padStart(6)} ${k}`).join("\n"));
    }
  });
});

const HEAD = "version: 1\nname: x\nconnection: { env: sim, auth: { api_key: k } }\n";

/**
 * Inputs that once crashed the loader or leaked a value read from the environment, with the
 * first error they must give (`undefined`: valid).
 */
const REGRESSIONS: readonly (readonly [string, RegExp | undefined])[] = [
  ["", /^1:1 : empty file/],
  ["\ufeff", /^1:1 : empty file/],
  ["---\n...\n---\n", /^3:1 : invalid YAML: Source contains multiple documents/],
  [`${HEAD}steps: [login]\n---\nx: 1\n`, /^5:1 : invalid YAML: Source contains multiple/],
  // Unresolved and recursive aliases (toJS threw a ReferenceError, or built a cyclic value).
  ["*!", /^1:1 : invalid YAML: alias '\*!' has no anchor before it, expected '&!'/],
  [`${HEAD}steps: [login, *s]\n`, /^4:16 : invalid YAML: alias '\*s' has no anchor/],
  [`${HEAD}steps: &s [login, *s]\n`, /^4:19 : invalid YAML: alias '\*s' is inside the value/],
  [
    `${HEAD}steps: &s [login]\nalerts: [{ on: failed, to: *s }]\n`,
    /^5:28 alerts\[0\]\.to\[0\]: unknown sink 'login'/,
  ],
  [`${HEAD}a: &h 1s\nsteps: [login, { hold: *h }]\n`, /^4:1 a: unknown key/],
  // A list or map as a key (the yaml package printed a warning and stringified it).
  [`${HEAD}steps: [login]\n? [a, b]\n: 1\n`, /^5:3 : invalid key, expected a name such as/],
  [`${HEAD}steps: [login, { { hold: 1s }: 2 }]\n`, /^4:18 : invalid key/],
  // A value read from the environment is never quoted (it may be a secret given in the wrong key).
  [
    `${HEAD.replace("version: 1", "version: ${T4_API_KEY}")}steps: [login]\n`,
    /^1:10 version: expected 1, got "\$\{T4_API_KEY\}" \(read from the environment\)$/,
  ],
  [`${HEAD}steps: \${T4_API_KEY}\n`, /^4:8 steps: expected a list of steps, got "\$\{T4_API/],
  [
    `${HEAD}steps: [login, "\${T4_API_KEY}"]\n`,
    /^4:16 steps\[1\]: unknown step '\$\{T4_API_KEY\}'/,
  ],
  [
    `${HEAD}steps: [login]\nalerts: [{ on: "\${T4_API_KEY}\${T4_API_KEY}\${T4_API_KEY}" }]\n`,
    /^5:16 alerts\[0\]\.on: .*, got "\$\{T4_API_KEY\}\$\{T4_API_KEY\}\$\{T4_API_KEY\}" \(read/,
  ],
  // Words (3+ characters) of a value read from the environment that a CEL error quotes are
  // hidden: `load` checks that no message contains SECRET.
  [
    `${HEAD}steps: [login, { log: "{{ vars.\${T4_API_KEY} }}" }]\n`,
    /^4:\d+ steps\[1\]\.log: Cannot read vars\.sk as no earlier step captures/,
  ],
];

function assertCelDiagnostic(d: CelDiagnostic, source: string): void {
  const where = JSON.stringify(d);
  assert.ok(Number.isInteger(d.line) && d.line >= 1, `line < 1: ${where}`);
  assert.ok(Number.isInteger(d.column) && d.column >= 1, `column < 1: ${where}`);
  if (d.subject === "expression") {
    assert.ok(d.offset >= 0 && d.offset <= source.length, `offset outside: ${where}`);
  }
  assert.ok(d.message.trim().length > 0, `no message: ${where}`);
}

const celChar = fc.constantFrom(
  ..."abcdemnrstuvxyz_012 .,()[]{}<>=!&|+-*/%?:'\"\\\nbBrRuU#@$é",
);

const CEL_SEEDS = [
  "msg.market_id == vars.market && msg.bids.size() > 0",
  "now - msg.time < duration('10s')",
  "msg.margin / msg.balance < 0.8",
  "msg.bids.exists(b, b.volume > 2) ? 'yes' : \"no\"",
  "[1, 2.0, 3u, b'x', null, {'a': [true]}].size()",
  "msg.status == OrderStatus.ORDER_STATUS_WORKING",
  "session.accounts[0].account_id.lowerAscii().split('-')",
  "int(vars.id) % 7 == 0 || double(vars.bid) - 100.0 > 1e3",
];

const payloadCase = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(...celPayloadCases().slice(0, 40).map((c) => c.caseName)),
  fc.constantFrom("market_depth", "account_update", "order_update", "heartbeat"),
  fc.string({ maxLength: 10 }),
);

const session = sessionFromLoginResponse(
  create(LoginResponseSchema, { sessionId: "s", userId: "u", accounts: [{ accountId: "A" }] }),
);

function compileNeverThrows(source: string, caseName: string | undefined, bool: boolean): void {
  let result: ReturnType<typeof compileCelExpression>;
  try {
    result = compileCelExpression(source, {
      payloadCase: caseName,
      result: bool ? "bool" : "any",
      knownVars: bool ? ["market", "bid"] : undefined,
    });
  } catch (error) {
    assert.fail(`compileCelExpression threw ${String(error)} on ${JSON.stringify(source)}`);
  }
  if (!result.ok) {
    assert.ok(result.diagnostics.length > 0);
    for (const d of result.diagnostics) assertCelDiagnostic(d, source);
    return;
  }
  // Evaluation never throws either: it returns a value or a typed error.
  const desc = result.expression.payloadCase?.desc;
  try {
    const evaluated = evaluateCel(result.expression, {
      ...(desc !== undefined && { msg: create(desc) }),
      session,
      vars: { market: "ESZ6", bid: 6015.5, n: 3 },
      now: 1_000_000,
    });
    if (!evaluated.ok) assert.ok(evaluated.error.line >= 1 && evaluated.error.column >= 1);
  } catch (error) {
    assert.fail(`evaluateCel threw ${String(error)} on ${JSON.stringify(source)}`);
  }
}

describe("CEL fuzz: compiling arbitrary text never throws", () => {
  it("property: arbitrary and CEL-like strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.string({ unit: "binary", maxLength: 40 }),
          fc.string({ unit: celChar, maxLength: 60 }),
        ),
        payloadCase,
        fc.boolean(),
        compileNeverThrows,
      ),
      { numRuns: 500 * SCALE },
    );
  });

  it("property: mutated valid expressions", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CEL_SEEDS),
        fc.array(fc.tuple(fc.nat(), fc.option(celChar, { nil: "" })), {
          minLength: 1,
          maxLength: 3,
        }),
        payloadCase,
        fc.boolean(),
        (seed, edits, caseName, bool) => {
          let source = seed;
          for (const [at, char] of edits) {
            const i = at % (source.length + 1);
            source = source.slice(0, i) + char + source.slice(i + 1);
          }
          compileNeverThrows(source, caseName, bool);
        },
      ),
      { numRuns: 500 * SCALE },
    );
  });
});
