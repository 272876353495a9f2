/**
 * CEL expressions for workflow steps (`expect`, `watch`, `capture`): compiled and checked against
 * the generated t4 message descriptors before anything is sent, then evaluated per message.
 *
 * Variables:
 * - `msg`: the payload of a `ServerMessage` of the step's payload case (e.g. `market_depth`),
 *   with **proto field names**: `msg.market_id`, `msg.bids.size()`, `msg.bids[0].price.value`.
 * - `session`: `session_id`, `user_id`, `firm_id`, `roles`, `accounts`, `exchanges` of the
 *   logged-in session (`session.accounts[0].account_id`).
 * - `vars`: the variables captured so far (`vars.market`).
 * - `now`: the evaluation time, a timestamp (`now - msg.time < duration('10s')`).
 *
 * Enums of `t4/v1/common` resolve by short name (`msg.status == OrderStatus.ORDER_STATUS_WORKING`);
 * others by their name under `t4proto.v1` (`market.MarketByOrderUpdate.UpdateType.X`). The string
 * extension functions (`lowerAscii`, `indexOf`, `split`, ...) are available.
 *
 * Numbers: integer and enum fields (int32, int64, ...) are CEL `int` (a bigint; uint32/uint64 are
 * `uint`), float/double fields are `double`. Comparisons (`==`, `<`, ...) work across `int`, `uint`
 * and `double` (`msg.volume > 2.5`, `msg.timestamp == vars.ts`). Arithmetic never mixes them
 * (`msg.balance * 100` is refused when checking: write `100.0` or `double(...)`); integer division
 * truncates and dividing an int by zero is an evaluation error (a double gives ±Infinity). Captured
 * values keep their CEL type: integers that fit a JS number come back as CEL `int` (`vars.n + 1`),
 * doubles as `double` even when whole (`vars.bid - 100.0`; see {@linkcode plainToCel},
 * {@linkcode celToPlain} and {@linkcode CelDouble}).
 *
 * @module
 */

import {
  type CelEnv,
  celEnv,
  CelScalar,
  type CelValue,
  isCelError,
  isCelList,
  isCelType,
  mapType,
  objectType,
  parse,
  plan,
} from "@bufbuild/cel";
import type { CelError, CelInput } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { create, type Message } from "@bufbuild/protobuf";
import { isReflectMessage } from "@bufbuild/protobuf/reflect";
import { timestampFromMs, TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { Session } from "../client/session.ts";
import {
  LoginResponse_AccountSchema,
  LoginResponse_ExchangeSchema,
} from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import {
  CEL_COST_FUNCTION,
  CEL_COST_LIMIT,
  estimateCelCost,
  meterCelComprehensions,
  runCelMetered,
} from "./cel_cost.ts";
import { type CelDiagnostic, celDiagnostic, celLineColumn } from "./cel_diagnostic.ts";
import { CEL_NAMESPACE, type CelParsedExpr, checkCelAst } from "./cel_checker.ts";
import { type CelPayloadCase, resolveCelPayloadCase, T4_CEL_REGISTRY } from "./cel_payload.ts";
import { plainToCel } from "./cel_value.ts";
import { didYouMean } from "./did_you_mean.ts";

/** Options of {@linkcode compileCelExpression}. */
export interface CelCompileOptions {
  /**
   * The `ServerMessage` payload case whose payload is `msg`: `"market_depth"` or `"marketDepth"`.
   * Without it, `msg` is not declared.
   */
  readonly payloadCase?: string | undefined;
  /**
   * `"bool"` for a condition (a result known not to be `bool` is a compile error).
   * @default "any"
   */
  readonly result?: "bool" | "any" | undefined;
  /**
   * The variable names earlier steps capture; when given, `vars.NAME` with another name is a
   * compile error with a "did you mean". When absent, any name is accepted.
   * @default undefined
   */
  readonly knownVars?: readonly string[] | undefined;
}

/** A checked CEL expression, ready to evaluate any number of times. */
export interface CompiledCelExpression {
  /** The expression text. */
  readonly source: string;
  /** The payload case of `msg`, if the expression has one. */
  readonly payloadCase: CelPayloadCase | undefined;
  /** `"bool"` for a condition. */
  readonly result: "bool" | "any";
  /** The statically inferred result type (`"dyn"` when not known), e.g. `"bool"`, `"int"`. */
  readonly resultType: string;
  /** The variables the expression reads. */
  readonly uses: ReadonlySet<"msg" | "session" | "vars" | "now">;
}

/** What {@linkcode compileCelExpression} returns. */
export type CelCompileResult =
  | { readonly ok: true; readonly expression: CompiledCelExpression }
  | { readonly ok: false; readonly diagnostics: readonly CelDiagnostic[] };

/** The values an expression is evaluated against. */
export interface CelEvaluationInput {
  /**
   * The message: the payload (e.g. a `MarketDepth`) or the whole `ServerMessage`, whose payload
   * case must be the expression's.
   */
  readonly msg?: Message | undefined;
  /** The logged-in session. */
  readonly session?: Session | undefined;
  /** The captured variables (plain values; see {@linkcode plainToCel}). */
  readonly vars?: Readonly<Record<string, unknown>> | undefined;
  /**
   * The evaluation time (`now`), as a `Date` or epoch milliseconds.
   * @default Date.now()
   */
  readonly now?: Date | number | undefined;
}

/** What an evaluation returns: a value, or a typed error (evaluation never throws). */
export type CelEvaluationResult<T = CelValue> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CelEvaluationError };

/** Why an evaluation failed. */
export type CelEvaluationErrorKind =
  /** `vars.NAME` was read but `NAME` was not captured. */
  | "missing_var"
  /** A map key or message field that the value does not have. */
  | "no_such_key"
  /** A list index outside the list, e.g. `msg.bids[0]` on an empty book. */
  | "index_out_of_bounds"
  /** An integer division or modulus by zero. */
  | "division_by_zero"
  /** An integer overflow. */
  | "overflow"
  /** An operator or function applied to values of the wrong types. */
  | "no_matching_overload"
  /** A condition evaluated to something other than a bool. */
  | "not_bool"
  /** The expression reads `msg`, `session` or `vars` and none was given. */
  | "missing_input"
  /** The message is not of the expression's payload case. */
  | "wrong_payload"
  /** The evaluation ran more comprehension iterations than `CEL_COST_LIMIT` and was stopped. */
  | "cost_limit"
  /** Any other evaluation error. */
  | "other";

/**
 * Evaluating a CEL expression failed. Returned (never thrown) by {@linkcode evaluateCel}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CelEvaluationError } from "./cel_expression.ts";
 *
 * const error = new CelEvaluationError("division_by_zero", "1 / 0", 2, "Cannot divide by zero");
 * assert.equal(error.column, 3);
 * assert.equal(error.message, "Cannot divide by zero (at 1:3)");
 * ```
 */
export class CelEvaluationError extends Error {
  /** The error class name, always `"CelEvaluationError"`. */
  override readonly name = "CelEvaluationError";
  /** Why it failed. */
  readonly kind: CelEvaluationErrorKind;
  /** The expression text. */
  readonly expression: string;
  /** 0-based offset of the failing sub-expression in the expression. */
  readonly offset: number;
  /** 1-based line of the failing sub-expression. */
  readonly line: number;
  /** 1-based column of the failing sub-expression. */
  readonly column: number;

  /**
   * Creates the error, locating the failing sub-expression by its offset.
   *
   * @param kind Why it failed.
   * @param expression The expression text.
   * @param offset 0-based offset of the failing sub-expression.
   * @param detail What went wrong, in sentence case with the action first.
   * @param options Error options (`cause`: the `@bufbuild/cel` error).
   */
  constructor(
    kind: CelEvaluationErrorKind,
    expression: string,
    offset: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    const { line, column } = celLineColumn(expression, offset);
    super(`${detail} (at ${line}:${column})`, options);
    this.kind = kind;
    this.expression = expression;
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

type _Run = (bindings: Record<string, CelInput>) => unknown;

interface _Internals {
  readonly run: _Run;
  readonly positions: Readonly<Record<string, number>>;
  readonly exprs: ReadonlyMap<string, CelParsedExpr["expr"]>;
}

const _internals = new WeakMap<CompiledCelExpression, _Internals>();
const _envs = new Map<string, CelEnv>();
let _functions: ReadonlySet<string> | undefined;

function _env(payloadCase: CelPayloadCase | undefined): CelEnv {
  const key = payloadCase?.caseName ?? "";
  let env = _envs.get(key);
  if (env === undefined) {
    env = celEnv({
      namespace: CEL_NAMESPACE,
      registry: T4_CEL_REGISTRY,
      funcs: [...strings, CEL_COST_FUNCTION],
      variables: {
        ...(payloadCase !== undefined ? { msg: objectType(payloadCase.desc) } : {}),
        session: mapType(CelScalar.STRING, CelScalar.DYN),
        vars: mapType(CelScalar.STRING, CelScalar.DYN),
        now: objectType(TimestampSchema),
      },
    });
    _envs.set(key, env);
  }
  return env;
}

function _functionNames(env: CelEnv): ReadonlySet<string> {
  if (_functions === undefined) {
    _functions = new Set(
      [...env.funcs].map((f) => f.name).filter((n) => n !== CEL_COST_FUNCTION.name),
    );
  }
  return _functions;
}

/**
 * Compiles a CEL expression: parses it and checks it against the payload's message descriptor,
 * `session` and `vars`, reporting every problem before anything runs.
 *
 * @param source The expression text.
 * @param options The payload case of `msg`, the result kind and the known variable names.
 * @returns The compiled expression, or every diagnostic (syntax errors, an unknown payload case,
 *   unknown fields, variables, functions or enum constants, impossible operand types), each with
 *   its offset, line and column within the expression and a "did you mean" where one is close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileCelExpression } from "./cel_expression.ts";
 *
 * const ok = compileCelExpression("msg.market_id == vars.market && msg.bids.size() > 0", {
 *   payloadCase: "market_depth",
 *   result: "bool",
 * });
 * assert.ok(ok.ok);
 *
 * const bad = compileCelExpression("msg.bids.size() > 0 &&\n  msg.markt_id == 'ESZ6'", {
 *   payloadCase: "market_depth",
 * });
 * assert.ok(!bad.ok);
 * assert.equal(bad.diagnostics[0]?.code, "unknown_field");
 * assert.equal(bad.diagnostics[0]?.suggestion, "market_id");
 * assert.deepEqual([bad.diagnostics[0]?.line, bad.diagnostics[0]?.column], [2, 7]);
 * ```
 */
export function compileCelExpression(
  source: string,
  options: CelCompileOptions = {},
): CelCompileResult {
  let payloadCase: CelPayloadCase | undefined;
  const diagnostics: CelDiagnostic[] = [];
  if (options.payloadCase !== undefined) {
    const resolved = resolveCelPayloadCase(options.payloadCase);
    if (resolved.ok) payloadCase = resolved.payloadCase;
    else diagnostics.push(resolved.diagnostic);
  }
  let parsed: CelParsedExpr;
  try {
    parsed = parse(source);
  } catch (error) {
    diagnostics.push(_syntaxDiagnostic(source, error));
    return { ok: false, diagnostics };
  }
  const env = _env(payloadCase);
  const result = options.result ?? "any";
  const checked = checkCelAst(parsed, source, {
    msg: payloadCase?.desc,
    knownVars: options.knownVars,
    functions: _functionNames(env),
    result,
  });
  // When the payload case is unknown, field errors on `msg` would only repeat that error.
  for (const d of checked.diagnostics) {
    if (options.payloadCase !== undefined && payloadCase === undefined && _aboutMsg(d)) continue;
    diagnostics.push(d);
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  const cost = estimateCelCost(parsed);
  if (cost > CEL_COST_LIMIT) {
    return {
      ok: false,
      diagnostics: [
        celDiagnostic(source, {
          code: "cost_limit",
          message:
            `Cannot run the expression as its comprehensions iterate about ${cost} times, more than the limit of ${CEL_COST_LIMIT}`,
          offset: 0,
          length: source.length,
        }),
      ],
    };
  }
  meterCelComprehensions(parsed);
  let run: _Run;
  try {
    run = plan(env, parsed) as unknown as _Run;
  } catch (error) {
    return {
      ok: false,
      diagnostics: [
        celDiagnostic(source, {
          code: "syntax",
          message: `Cannot compile the expression: ${_errorText(error)}`,
          offset: 0,
          length: source.length,
        }),
      ],
    };
  }
  const expression: CompiledCelExpression = Object.freeze({
    source,
    payloadCase,
    result,
    resultType: checked.resultType,
    uses: checked.uses,
  });
  _internals.set(expression, {
    run,
    positions: parsed.sourceInfo?.positions ?? {},
    exprs: _indexExprs(parsed.expr),
  });
  return { ok: true, expression };
}

/**
 * Compiles a condition: {@linkcode compileCelExpression} with `result: "bool"`.
 *
 * @param source The expression text.
 * @param options The payload case of `msg` and the known variable names.
 * @returns The compiled condition, or every diagnostic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileCelCondition } from "./cel_expression.ts";
 *
 * const result = compileCelCondition("msg.market_id", { payloadCase: "marketDepth" });
 * assert.ok(!result.ok);
 * assert.equal(result.diagnostics[0]?.code, "not_bool");
 * ```
 */
export function compileCelCondition(
  source: string,
  options: Omit<CelCompileOptions, "result"> = {},
): CelCompileResult {
  return compileCelExpression(source, { ...options, result: "bool" });
}

/**
 * Evaluates a compiled expression. Never throws: a failure is returned as a
 * {@linkcode CelEvaluationError} naming its kind and position.
 *
 * @param compiled The compiled expression.
 * @param input `msg`, `session`, `vars` and `now`.
 * @returns The CEL value, or the error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { MarketDepthSchema } from "../protocol/proto.ts";
 * import { compileCelExpression, evaluateCel } from "./cel_expression.ts";
 *
 * const compiled = compileCelExpression("msg.bids[0].volume * 2", { payloadCase: "market_depth" });
 * assert.ok(compiled.ok);
 * const msg = create(MarketDepthSchema, { marketId: "ESZ6", bids: [{ volume: 3 }] });
 * const result = evaluateCel(compiled.expression, { msg });
 * assert.ok(result.ok && result.value === 6n);
 *
 * const empty = evaluateCel(compiled.expression, { msg: create(MarketDepthSchema) });
 * assert.ok(!empty.ok && empty.error.kind === "index_out_of_bounds");
 * ```
 */
export function evaluateCel(
  compiled: CompiledCelExpression,
  input: CelEvaluationInput,
): CelEvaluationResult {
  const internals = _internals.get(compiled);
  const source = compiled.source;
  if (internals === undefined) {
    return _fail(
      "other",
      source,
      0,
      "Cannot evaluate the expression as it was not compiled by compileCelExpression",
    );
  }
  const bindings: Record<string, CelInput> = {};
  if (compiled.uses.has("msg")) {
    const payload = _payload(compiled, input.msg);
    if (!payload.ok) return payload;
    bindings["msg"] = payload.value;
  }
  if (compiled.uses.has("session")) {
    if (input.session === undefined) {
      return _fail(
        "missing_input",
        source,
        0,
        "Cannot evaluate the expression as it reads 'session' before a login",
      );
    }
    bindings["session"] = _sessionValue(input.session);
  }
  if (compiled.uses.has("vars")) {
    bindings["vars"] = plainToCel(input.vars ?? {});
  }
  if (compiled.uses.has("now")) {
    const now = input.now ?? Date.now();
    bindings["now"] = timestampFromMs(typeof now === "number" ? now : now.getTime());
  }
  let value: unknown;
  try {
    const metered = runCelMetered(() => internals.run(bindings));
    if (metered.exceeded) {
      return _fail(
        "cost_limit",
        source,
        0,
        `Cannot evaluate the expression as it ran more than ${CEL_COST_LIMIT} comprehension iterations`,
      );
    }
    value = metered.value;
  } catch (error) {
    return _fail("other", source, 0, `Cannot evaluate the expression: ${_errorText(error)}`, error);
  }
  if (isCelError(value)) {
    return { ok: false, error: _evaluationError(compiled, internals, value, input) };
  }
  return { ok: true, value: value as CelValue };
}

/**
 * Evaluates a compiled condition: `true` (met), `false` (not met) or an error (including a
 * result that is not a `bool`, kind `"not_bool"`).
 *
 * @param compiled The compiled expression.
 * @param input `msg`, `session`, `vars` and `now`.
 * @returns The boolean, or the error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "@bufbuild/protobuf";
 * import { AccountUpdateSchema } from "../protocol/proto.ts";
 * import { compileCelCondition, evaluateCelCondition } from "./cel_expression.ts";
 *
 * const compiled = compileCelCondition("msg.margin / msg.balance < 0.8", { payloadCase: "account_update" });
 * assert.ok(compiled.ok);
 * const msg = create(AccountUpdateSchema, { balance: 1000, margin: 850 });
 * assert.deepEqual(evaluateCelCondition(compiled.expression, { msg }), { ok: true, value: false });
 * ```
 */
export function evaluateCelCondition(
  compiled: CompiledCelExpression,
  input: CelEvaluationInput,
): CelEvaluationResult<boolean> {
  const result = evaluateCel(compiled, input);
  if (!result.ok) return result;
  if (typeof result.value !== "boolean") {
    return _fail(
      "not_bool",
      compiled.source,
      0,
      `Cannot use the result as a condition as it is ${_valueType(result.value)}, not bool`,
    );
  }
  return { ok: true, value: result.value };
}

function _fail(
  kind: CelEvaluationErrorKind,
  source: string,
  offset: number,
  detail: string,
  cause?: unknown,
): { readonly ok: false; readonly error: CelEvaluationError } {
  return {
    ok: false,
    error: new CelEvaluationError(
      kind,
      source,
      offset,
      detail,
      cause !== undefined ? { cause } : undefined,
    ),
  };
}

function _payload(
  compiled: CompiledCelExpression,
  msg: Message | undefined,
): CelEvaluationResult<Message> {
  const expected = compiled.payloadCase;
  if (msg === undefined || expected === undefined) {
    return _fail(
      "missing_input",
      compiled.source,
      0,
      "Cannot evaluate the expression as it reads 'msg' and no message was given",
    );
  }
  let payload: Message = msg;
  if (msg.$typeName === "t4proto.v1.service.ServerMessage") {
    const oneof = (msg as unknown as { payload: { case?: string; value?: Message } }).payload;
    if (oneof.case !== expected.caseName || oneof.value === undefined) {
      return _fail(
        "wrong_payload",
        compiled.source,
        0,
        `Cannot evaluate the expression as it expects a ${expected.protoName} message, not ${
          oneof.case ?? "an empty ServerMessage"
        }`,
      );
    }
    payload = oneof.value;
  }
  if (payload.$typeName !== expected.desc.typeName) {
    return _fail(
      "wrong_payload",
      compiled.source,
      0,
      `Cannot evaluate the expression as it expects ${expected.desc.typeName}, not ${payload.$typeName}`,
    );
  }
  return { ok: true, value: payload };
}

const _sessions = new WeakMap<Session, CelInput>();

function _sessionValue(session: Session): CelInput {
  let value = _sessions.get(session);
  if (value === undefined) {
    value = {
      session_id: session.sessionId,
      user_id: session.userId,
      firm_id: session.firmId,
      roles: [...session.roles],
      accounts: session.accounts.map((a) => create(LoginResponse_AccountSchema, a)),
      exchanges: session.exchanges.map((e) => create(LoginResponse_ExchangeSchema, e)),
    };
    _sessions.set(session, value);
  }
  return value;
}

function _evaluationError(
  compiled: CompiledCelExpression,
  internals: _Internals,
  error: CelError,
  input: CelEvaluationInput,
): CelEvaluationError {
  const source = compiled.source;
  const id = error.exprId?.toString();
  const expr = id !== undefined ? internals.exprs.get(id) : undefined;
  let offset = id !== undefined ? internals.positions[id] ?? 0 : 0;
  const text = error.message;
  let kind: CelEvaluationErrorKind = "other";
  let detail = `Cannot evaluate the expression: ${text}`;
  let match: RegExpMatchArray | null;
  if ((match = text.match(/^field not found: (.*)$/)) !== null) {
    const key = match[1] ?? "";
    const select = expr?.exprKind.case === "selectExpr" ? expr.exprKind.value : undefined;
    const index = expr?.exprKind.case === "callExpr" ? expr.exprKind.value : undefined;
    const operand = select?.operand ?? index?.args[0];
    const onVars = operand?.exprKind.case === "identExpr" && operand.exprKind.value.name === "vars";
    if (select !== undefined) {
      const found = source.indexOf(key, offset);
      if (found >= 0) offset = found;
    }
    if (onVars) {
      const known = Object.keys(input.vars ?? {});
      const suggestion = didYouMean(key, known);
      kind = "missing_var";
      detail = `Cannot read vars.${key} as no step captured '${key}'${
        suggestion !== undefined
          ? `: did you mean '${suggestion}'?`
          : known.length > 0
          ? `: captured variables are ${known.join(", ")}`
          : ": nothing was captured yet"
      }`;
    } else {
      kind = "no_such_key";
      detail = `Cannot read '${key}' as the value has no such key`;
    }
  } else if ((match = text.match(/^index (-?\d+) out of bounds/)) !== null) {
    kind = "index_out_of_bounds";
    detail = `Cannot read index ${match[1]} as the list is shorter`;
  } else if (/(divide|modulus) by zero/.test(text)) {
    kind = "division_by_zero";
    // The evaluator gives no position here: use the only division or modulus, if there is one.
    if (id === undefined) {
      const divisions = [...internals.exprs.entries()].filter(([, e]) =>
        e.exprKind.case === "callExpr" && /^_[/%]_$/.test(e.exprKind.value.function)
      );
      const only = divisions.length === 1 ? divisions[0] : undefined;
      if (only !== undefined) offset = internals.positions[only[0]] ?? offset;
    }
    detail = `Cannot evaluate the expression as it divides by zero: ${text}`;
  } else if (/overflow/.test(text)) {
    kind = "overflow";
    detail = `Cannot evaluate the expression as it overflows: ${text}`;
  } else if (
    (match = text.match(/no matching overload for '_?([^']*?)_?' applied to '(.*)'/)) !== null
  ) {
    kind = "no_matching_overload";
    detail = `Cannot apply '${match[1]}' to ${match[2]} as no such overload exists`;
  } else if (/no matching overload|type mismatch/.test(text)) {
    kind = "no_matching_overload";
    detail = `Cannot evaluate the expression as the types do not fit: ${text}`;
  }
  return new CelEvaluationError(kind, source, offset, detail, { cause: error });
}

function _indexExprs(root: CelParsedExpr["expr"]): Map<string, CelParsedExpr["expr"]> {
  const index = new Map<string, CelParsedExpr["expr"]>();
  const visit = (expr: CelParsedExpr["expr"] | undefined): void => {
    if (expr === undefined) return;
    index.set(expr.id.toString(), expr);
    const kind = expr.exprKind;
    switch (kind.case) {
      case "selectExpr":
        visit(kind.value.operand);
        break;
      case "callExpr":
        visit(kind.value.target);
        kind.value.args.forEach(visit);
        break;
      case "listExpr":
        kind.value.elements.forEach(visit);
        break;
      case "structExpr":
        for (const entry of kind.value.entries) {
          visit(entry.value);
          if (entry.keyKind.case === "mapKey") visit(entry.keyKind.value);
        }
        break;
      case "comprehensionExpr":
        visit(kind.value.iterRange);
        visit(kind.value.accuInit);
        visit(kind.value.loopCondition);
        visit(kind.value.loopStep);
        visit(kind.value.result);
        break;
    }
  };
  visit(root);
  return index;
}

function _aboutMsg(diagnostic: CelDiagnostic): boolean {
  return diagnostic.code === "unknown_variable" && diagnostic.message.includes("'msg'");
}

function _syntaxDiagnostic(source: string, error: unknown): CelDiagnostic {
  const e = error as {
    rawMessage?: unknown;
    location?: { start?: { offset?: unknown }; end?: { offset?: unknown } };
  };
  const offset = typeof e?.location?.start?.offset === "number" ? e.location.start.offset : 0;
  const end = typeof e?.location?.end?.offset === "number" ? e.location.end.offset : offset;
  const raw = typeof e?.rawMessage === "string" ? e.rawMessage : _errorText(error);
  // The parser stops before an operator that lacks its right operand: say so.
  const dangling = source.slice(offset).trim().match(/^(==|!=|<=|>=|&&|\|\||in|[-+*/%<>!?:.])$/);
  return celDiagnostic(source, {
    code: "syntax",
    message: dangling !== null
      ? `Cannot parse the expression as '${dangling[1]}' has no right-hand operand`
      : `Cannot parse the expression: ${raw}`,
    offset,
    length: Math.max(1, end - offset),
  });
}

function _errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function _valueType(value: CelValue): string {
  if (value === null) return "null";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return "double";
  if (typeof value === "string") return "string";
  if (value instanceof Uint8Array) return "bytes";
  if (isReflectMessage(value)) return value.desc.typeName;
  if (isCelType(value)) return "type";
  return isCelList(value) ? "list" : "map";
}
