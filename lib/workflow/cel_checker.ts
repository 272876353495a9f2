/**
 * A static checker for parsed CEL expressions over the generated t4 message descriptors.
 *
 * `@bufbuild/cel` 0.6 exports a parser and an evaluator but no usable type checker, so this walks
 * the parsed AST itself. It is deliberately lenient: it infers a type wherever one is known
 * (fields of `msg`, `session`, literals, operators) and treats everything else as `dyn`. It reports
 * only what can never work: unknown fields, unknown variables, functions or enum constants,
 * arithmetic mixing `int` and `double`, comparisons between unrelated types, and a condition that
 * is known not to be a `bool`.
 *
 * @module
 */

import { type DescEnum, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import type { parse } from "@bufbuild/cel";
import {
  LoginResponse_AccountSchema,
  LoginResponse_ExchangeSchema,
} from "../protocol/gen/t4/v1/auth/auth_pb.ts";
import { type CelDiagnostic, celDiagnostic, type CelDiagnosticCode } from "./cel_diagnostic.ts";
import { T4_CEL_REGISTRY } from "./cel_payload.ts";
import { didYouMean } from "./did_you_mean.ts";

/** A parsed CEL expression (what `parse` from `@bufbuild/cel` returns). */
export type CelParsedExpr = ReturnType<typeof parse>;
type _Expr = CelParsedExpr["expr"];
type _Kind<C extends string> = Extract<_Expr["exprKind"], { case: C }>["value"];

/** The CEL container: enums of `t4/v1/common` resolve by short name, e.g. `OrderStatus.X`. */
export const CEL_NAMESPACE = "t4proto.v1.common";

/** What the checker knows about a sub-expression's type. */
type _Type =
  | { readonly k: "dyn" }
  | {
    readonly k:
      | "int"
      | "uint"
      | "double"
      | "string"
      | "bool"
      | "bytes"
      | "null"
      | "timestamp"
      | "duration"
      | "type";
  }
  | { readonly k: "enum"; readonly desc: DescEnum }
  | { readonly k: "message"; readonly desc: DescMessage }
  | { readonly k: "list"; readonly elem: _Type }
  | { readonly k: "map"; readonly key: _Type; readonly value: _Type }
  | { readonly k: "struct"; readonly name: string; readonly fields: ReadonlyMap<string, _Type> }
  | { readonly k: "vars" };

const DYN: _Type = { k: "dyn" };
const INT: _Type = { k: "int" };
const UINT: _Type = { k: "uint" };
const DOUBLE: _Type = { k: "double" };
const STRING: _Type = { k: "string" };
const BOOL: _Type = { k: "bool" };
const BYTES: _Type = { k: "bytes" };
const TIMESTAMP: _Type = { k: "timestamp" };
const DURATION: _Type = { k: "duration" };
const TYPE: _Type = { k: "type" };

/** The `session` variable: the fields of the logged-in session (snake_case, like proto names). */
const _SESSION: _Type = {
  k: "struct",
  name: "session",
  fields: new Map<string, _Type>([
    ["session_id", STRING],
    ["user_id", STRING],
    ["firm_id", STRING],
    ["roles", { k: "list", elem: STRING }],
    ["accounts", { k: "list", elem: { k: "message", desc: LoginResponse_AccountSchema } }],
    ["exchanges", { k: "list", elem: { k: "message", desc: LoginResponse_ExchangeSchema } }],
  ]),
};

/** Names that are types in CEL (usable as values, e.g. `type(x) == string`). */
const _TYPE_NAMES = new Set([
  "int",
  "uint",
  "double",
  "bool",
  "string",
  "bytes",
  "list",
  "map",
  "null_type",
  "type",
  "dyn",
]);

/** Functions the evaluator implements itself rather than through the function table. */
const _SPECIAL_FUNCTIONS = new Set([
  "_[_]",
  "_[?_]",
  "_?._",
  "_?_:_",
  "_&&_",
  "_||_",
  "@not_strictly_false",
  "__not_strictly_false__",
]);

const _BOOL_FUNCTIONS = new Set([
  "_==_",
  "_!=_",
  "_<_",
  "_<=_",
  "_>_",
  "_>=_",
  "_&&_",
  "_||_",
  "!_",
  "@in",
  "startsWith",
  "endsWith",
  "contains",
  "matches",
  "@not_strictly_false",
  "__not_strictly_false__",
]);

const _FIXED_RESULT: ReadonlyMap<string, _Type> = new Map<string, _Type>([
  ["size", INT],
  ["int", INT],
  ["uint", UINT],
  ["double", DOUBLE],
  ["string", STRING],
  ["bool", BOOL],
  ["bytes", BYTES],
  ["timestamp", TIMESTAMP],
  ["duration", DURATION],
  ["type", TYPE],
  ["getSeconds", INT],
  ["getMinutes", INT],
  ["getHours", INT],
  ["getMilliseconds", INT],
  ["getFullYear", INT],
  ["getMonth", INT],
  ["getDate", INT],
  ["getDayOfMonth", INT],
  ["getDayOfWeek", INT],
  ["getDayOfYear", INT],
  ["indexOf", INT],
  ["lastIndexOf", INT],
  ["lowerAscii", STRING],
  ["upperAscii", STRING],
  ["replace", STRING],
  ["substring", STRING],
  ["trim", STRING],
  ["charAt", STRING],
  ["format", STRING],
  ["join", STRING],
  ["strings.quote", STRING],
  ["split", { k: "list", elem: STRING }],
]);

const _OPERATOR_NAMES: ReadonlyMap<string, string> = new Map([
  ["_==_", "=="],
  ["_!=_", "!="],
  ["_<_", "<"],
  ["_<=_", "<="],
  ["_>_", ">"],
  ["_>=_", ">="],
  ["_+_", "+"],
  ["_-_", "-"],
  ["_*_", "*"],
  ["_/_", "/"],
  ["_%_", "%"],
]);

/** Options of {@linkcode checkCelAst}. */
export interface CelCheckOptions {
  /** The type of `msg`; when absent, `msg` is not declared. */
  readonly msg: DescMessage | undefined;
  /** Names `vars.NAME` may use; when absent, any name is accepted. */
  readonly knownVars: readonly string[] | undefined;
  /** Every function and method name the environment provides. */
  readonly functions: ReadonlySet<string>;
  /** `"bool"` to require a boolean result (a condition). */
  readonly result: "bool" | "any";
}

/** What {@linkcode checkCelAst} found. */
export interface CelCheckResult {
  /** Every problem, in source order. */
  readonly diagnostics: readonly CelDiagnostic[];
  /** Which of the variables the expression reads. */
  readonly uses: ReadonlySet<"msg" | "session" | "vars" | "now">;
  /** The inferred result type name (`"dyn"` when unknown), e.g. `"bool"`, `"int"`. */
  readonly resultType: string;
}

/**
 * Checks a parsed CEL expression against the variables `msg`, `session`, `vars` and `now`.
 *
 * @param parsed The parsed expression.
 * @param source The expression text (for positions).
 * @param options The type of `msg`, the known variable names, the functions and the result kind.
 * @returns The diagnostics, the variables used and the inferred result type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "@bufbuild/cel";
 * import { MarketDepthSchema } from "../protocol/proto.ts";
 * import { checkCelAst } from "./cel_checker.ts";
 *
 * const source = "msg.bidz.size() > 0";
 * const result = checkCelAst(parse(source), source, {
 *   msg: MarketDepthSchema,
 *   knownVars: undefined,
 *   functions: new Set(["size", "_>_"]),
 *   result: "bool",
 * });
 * assert.equal(result.diagnostics[0]?.suggestion, "bids");
 * assert.equal(result.diagnostics[0]?.column, 5);
 * ```
 */
export function checkCelAst(
  parsed: CelParsedExpr,
  source: string,
  options: CelCheckOptions,
): CelCheckResult {
  const checker = new _Checker(parsed, source, options);
  const type = checker.check(parsed.expr, new Map());
  if (options.result === "bool" && !_maybe(type, "bool")) {
    checker.report("not_bool", parsed.expr, 0, source.length, {
      message: `Cannot use the expression as a condition as its result is ${
        _typeName(type)
      }, not bool: compare it, e.g. '${source.trim()} == ...'`,
    });
  }
  const diagnostics = [...checker.diagnostics].sort((a, b) => a.offset - b.offset);
  return { diagnostics, uses: checker.uses, resultType: _typeName(type) };
}

class _Checker {
  readonly diagnostics: CelDiagnostic[] = [];
  readonly uses = new Set<"msg" | "session" | "vars" | "now">();
  readonly #positions: Record<string, number>;
  readonly #source: string;
  readonly #options: CelCheckOptions;
  readonly #globals: ReadonlyMap<string, _Type>;

  constructor(parsed: CelParsedExpr, source: string, options: CelCheckOptions) {
    this.#positions = parsed.sourceInfo?.positions ?? {};
    this.#source = source;
    this.#options = options;
    const globals = new Map<string, _Type>();
    if (options.msg !== undefined) globals.set("msg", { k: "message", desc: options.msg });
    globals.set("session", _SESSION);
    globals.set("vars", { k: "vars" });
    globals.set("now", TIMESTAMP);
    this.#globals = globals;
  }

  /** Adds a diagnostic at the start of `name` at or after the expression's position. */
  report(
    code: CelDiagnosticCode,
    expr: _Expr,
    offset: number | undefined,
    length: number,
    extra: { message: string; suggestion?: string | undefined },
  ): void {
    this.diagnostics.push(
      celDiagnostic(this.#source, {
        code,
        message: extra.message,
        offset: offset ?? this.#position(expr),
        length,
        suggestion: extra.suggestion,
      }),
    );
  }

  #position(expr: _Expr): number {
    return this.#positions[expr.id.toString()] ?? 0;
  }

  /** The offset of `name` at or just after the expression's recorded position. */
  #nameOffset(expr: _Expr, name: string): number {
    const start = this.#position(expr);
    const found = this.#source.indexOf(name, start);
    return found >= 0 && found - start <= 64 ? found : start;
  }

  check(expr: _Expr, scope: ReadonlyMap<string, _Type>): _Type {
    const kind = expr.exprKind;
    switch (kind.case) {
      case "constExpr":
        return _constType(kind.value);
      case "identExpr":
        return this.#ident(expr, kind.value.name, scope);
      case "selectExpr":
        return this.#select(expr, kind.value, scope);
      case "callExpr":
        return this.#call(expr, kind.value, scope);
      case "listExpr": {
        const elems = kind.value.elements.map((e) => this.check(e, scope));
        return { k: "list", elem: _common(elems) };
      }
      case "structExpr":
        return this.#struct(expr, kind.value, scope);
      case "comprehensionExpr":
        return this.#comprehension(kind.value, scope);
      default:
        return DYN;
    }
  }

  #ident(expr: _Expr, name: string, scope: ReadonlyMap<string, _Type>): _Type {
    const local = scope.get(name);
    if (local !== undefined) return local;
    const global = this.#globals.get(name);
    if (global !== undefined) {
      this.uses.add(name as "msg" | "session" | "vars" | "now");
      return global;
    }
    if (_TYPE_NAMES.has(name)) return TYPE;
    const qualified = this.#resolveQualified(name);
    if (qualified !== undefined) return qualified;
    const candidates = [...scope.keys(), ...this.#globals.keys()].filter((n) => !n.startsWith("@"));
    const suggestion = didYouMean(name, candidates);
    const msgHint = name === "msg" && this.#options.msg === undefined
      ? ": 'msg' exists only in a step that names the payload case it waits for"
      : suggestion !== undefined
      ? `: did you mean '${suggestion}'?`
      : `: expected one of ${candidates.join(", ")}`;
    this.report("unknown_variable", expr, this.#nameOffset(expr, name), name.length, {
      message: `Cannot resolve '${name}' as no such variable exists${msgHint}`,
      suggestion,
    });
    return DYN;
  }

  /** Resolves an enum constant or message type name, trying the CEL container first. */
  #resolveQualified(name: string): _Type | undefined {
    for (const candidate of _candidateNames(name)) {
      const dot = candidate.lastIndexOf(".");
      if (dot > 0) {
        const enumDesc = T4_CEL_REGISTRY.getEnum(candidate.slice(0, dot));
        if (enumDesc?.values.some((v) => v.name === candidate.slice(dot + 1))) {
          return { k: "enum", desc: enumDesc };
        }
      }
      if (T4_CEL_REGISTRY.getMessage(candidate) !== undefined) return TYPE;
      if (candidate === "google.protobuf.Timestamp" || candidate === "google.protobuf.Duration") {
        return TYPE;
      }
    }
    return undefined;
  }

  /** Flattens `a.b.c` (selects down to an identifier) into its dotted name. */
  #dottedName(expr: _Expr): string | undefined {
    const kind = expr.exprKind;
    if (kind.case === "identExpr") return kind.value.name;
    if (kind.case === "selectExpr" && !kind.value.testOnly && kind.value.operand !== undefined) {
      const inner = this.#dottedName(kind.value.operand);
      return inner === undefined ? undefined : `${inner}.${kind.value.field}`;
    }
    return undefined;
  }

  #isDeclared(root: string, scope: ReadonlyMap<string, _Type>): boolean {
    return scope.has(root) || this.#globals.has(root) || root === "msg";
  }

  #select(expr: _Expr, select: _Kind<"selectExpr">, scope: ReadonlyMap<string, _Type>): _Type {
    const operand = select.operand;
    if (operand === undefined) return DYN;
    // A dotted name whose root is no variable is an enum constant or type name.
    const dotted = this.#dottedName(expr);
    if (dotted !== undefined) {
      const root = dotted.split(".")[0] ?? dotted;
      if (!this.#isDeclared(root, scope)) return this.#qualifiedSelect(expr, dotted, root);
    }
    const operandType = this.check(operand, scope);
    const field = select.field;
    const fieldType = this.#field(expr, operandType, field, select.testOnly);
    return select.testOnly ? BOOL : fieldType;
  }

  #qualifiedSelect(expr: _Expr, dotted: string, root: string): _Type {
    const resolved = this.#resolveQualified(dotted);
    if (resolved !== undefined) return resolved;
    // An enum type with a misspelt value: suggest the value.
    const dot = dotted.lastIndexOf(".");
    const prefix = dotted.slice(0, dot);
    const value = dotted.slice(dot + 1);
    for (const candidate of _candidateNames(prefix)) {
      const enumDesc = T4_CEL_REGISTRY.getEnum(candidate);
      if (enumDesc !== undefined) {
        const suggestion = didYouMean(value, enumDesc.values.map((v) => v.name));
        this.report("unknown_name", expr, this.#nameOffset(expr, value), value.length, {
          message:
            `Cannot resolve '${dotted}' as enum ${enumDesc.typeName} has no value '${value}'${
              suggestion !== undefined
                ? `: did you mean '${suggestion}'?`
                : `: expected one of ${enumDesc.values.map((v) => v.name).join(", ")}`
            }`,
          suggestion,
        });
        return DYN;
      }
    }
    const qualifiedRoot = this.#resolveQualified(root) !== undefined ||
      _candidateNames(root).some((c) => _isPackagePrefix(c));
    if (qualifiedRoot) {
      this.report("unknown_name", expr, this.#nameOffset(expr, value), value.length, {
        message: `Cannot resolve '${dotted}' as no such enum constant or type exists`,
      });
      return DYN;
    }
    // The root is an unknown variable: report it once, at the root.
    let rootExpr: _Expr = expr;
    while (rootExpr.exprKind.case === "selectExpr" && rootExpr.exprKind.value.operand) {
      rootExpr = rootExpr.exprKind.value.operand;
    }
    return this.#ident(rootExpr, root, new Map());
  }

  #field(expr: _Expr, operand: _Type, field: string, testOnly: boolean): _Type {
    const at = (): number => this.#nameOffset(expr, field);
    switch (operand.k) {
      case "message": {
        const found = operand.desc.fields.find((f) => f.name === field);
        if (found !== undefined) return _fieldType(found);
        const byLocal = operand.desc.fields.find((f) =>
          f.localName === field || f.jsonName === field
        );
        const suggestion = byLocal?.name ??
          didYouMean(field, operand.desc.fields.map((f) => f.name));
        const names = operand.desc.fields.map((f) => f.name).join(", ");
        this.report("unknown_field", expr, at(), field.length, {
          message: `Cannot select '${field}' as ${operand.desc.typeName} has no such field${
            suggestion !== undefined ? `: did you mean '${suggestion}'?` : ""
          }${byLocal !== undefined ? " (CEL uses proto field names)" : ""} (fields: ${names})`,
          suggestion,
        });
        return DYN;
      }
      case "struct": {
        const found = operand.fields.get(field);
        if (found !== undefined) return found;
        const suggestion = didYouMean(field, operand.fields.keys());
        this.report("unknown_field", expr, at(), field.length, {
          message: `Cannot select '${field}' as ${operand.name} has no such field${
            suggestion !== undefined ? `: did you mean '${suggestion}'?` : ""
          } (fields: ${[...operand.fields.keys()].join(", ")})`,
          suggestion,
        });
        return DYN;
      }
      case "vars": {
        const known = this.#options.knownVars;
        if (known !== undefined && !testOnly && !known.includes(field)) {
          const suggestion = didYouMean(field, known);
          this.report("unknown_var", expr, at(), field.length, {
            message: `Cannot read vars.${field} as no earlier step captures '${field}'${
              suggestion !== undefined
                ? `: did you mean '${suggestion}'?`
                : known.length > 0
                ? `: known variables are ${known.join(", ")}`
                : ": no variables are captured before this step"
            }`,
            suggestion,
          });
        }
        return DYN;
      }
      case "map":
        return operand.value;
      case "dyn":
      case "null":
        return DYN;
      default:
        this.report("unknown_field", expr, at(), field.length, {
          message: `Cannot select '${field}' as a value of type ${
            _typeName(operand)
          } has no fields`,
        });
        return DYN;
    }
  }

  #call(expr: _Expr, call: _Kind<"callExpr">, scope: ReadonlyMap<string, _Type>): _Type {
    const name = call.function;
    // Qualified functions such as `strings.quote(x)`.
    if (call.target !== undefined) {
      const dotted = this.#dottedName(call.target);
      if (dotted !== undefined && this.#options.functions.has(`${dotted}.${name}`)) {
        const root = dotted.split(".")[0] ?? dotted;
        if (!this.#isDeclared(root, scope)) {
          for (const arg of call.args) this.check(arg, scope);
          return _FIXED_RESULT.get(`${dotted}.${name}`) ?? DYN;
        }
      }
    }
    if (call.target !== undefined) this.check(call.target, scope);
    const args = call.args.map((a) => this.check(a, scope));
    if (!this.#options.functions.has(name) && !_SPECIAL_FUNCTIONS.has(name)) {
      const candidates = [...this.#options.functions].filter((f) => /^[a-zA-Z]/.test(f));
      const suggestion = didYouMean(name, candidates);
      this.report("unknown_function", expr, this.#nameOffset(expr, name), name.length, {
        message: `Cannot call '${name}' as no such function exists${
          suggestion !== undefined ? `: did you mean '${suggestion}'?` : ""
        }`,
        suggestion,
      });
      return DYN;
    }
    const [a, b] = args;
    if (name === "_[_]" && a !== undefined) {
      if (a.k === "list") return a.elem;
      if (a.k === "map") return a.value;
      return DYN;
    }
    if (name === "_?_:_") return _common(args.slice(1));
    if (a !== undefined && b !== undefined && _OPERATOR_NAMES.has(name)) {
      this.#checkOperands(expr, call, name, a, b);
    }
    if (_BOOL_FUNCTIONS.has(name)) return BOOL;
    const fixed = _FIXED_RESULT.get(name);
    if (fixed !== undefined) return fixed;
    if (name === "-_" && a !== undefined) return _numeric(a) ? _asNumber(a) : DYN;
    if (a !== undefined && b !== undefined && /^_[-+*/%]_$/.test(name)) {
      if (a.k === "timestamp" && b.k === "timestamp" && name === "_-_") return DURATION;
      if (a.k === "timestamp" && b.k === "duration") return TIMESTAMP;
      if (a.k === "duration" && b.k === "timestamp" && name === "_+_") return TIMESTAMP;
      const x = _asNumber(a);
      const y = _asNumber(b);
      if (x.k === y.k && x.k !== "dyn" && x.k !== "list") return x;
      if (a.k === "list" && b.k === "list") return { k: "list", elem: _common([a.elem, b.elem]) };
    }
    return DYN;
  }

  #checkOperands(expr: _Expr, call: _Kind<"callExpr">, name: string, a: _Type, b: _Type): void {
    const op = _OPERATOR_NAMES.get(name) ?? name;
    const x = _asNumber(a);
    const y = _asNumber(b);
    if (x.k === "dyn" || y.k === "dyn" || x.k === "null" || y.k === "null") return;
    const offset = this.#operatorOffset(expr, call, op);
    if (/^[-+*/%]$/.test(op)) {
      if (_numeric(x) && _numeric(y) && x.k !== y.k) {
        this.report("type_mismatch", expr, offset, op.length, {
          message: `Cannot apply '${op}' to ${_typeName(a)} and ${
            _typeName(b)
          } as CEL never mixes int, uint and double in arithmetic: convert one side, e.g. double(...)`,
        });
      }
      return;
    }
    const family = (t: _Type): string => _numeric(t) ? "number" : t.k;
    if (family(x) === family(y)) return;
    if (x.k === "message" || y.k === "message" || x.k === "list" || y.k === "list") return;
    if (x.k === "map" || y.k === "map" || x.k === "type" || y.k === "type") return;
    const enumSide = a.k === "enum" ? a : b.k === "enum" ? b : undefined;
    const literal = _stringLiteral(a.k === "enum" ? call.args[1] : call.args[0]);
    let hint = "";
    let suggestion: string | undefined;
    if (enumSide?.k === "enum" && literal !== undefined) {
      suggestion = _enumSuggestion(enumSide.desc, literal);
      hint = suggestion !== undefined
        ? `: did you mean '${suggestion}'?`
        : `: compare with a ${_shortName(enumSide.desc.typeName)}.VALUE constant`;
    }
    this.report("type_mismatch", expr, offset, op.length, {
      message: `Cannot compare ${_typeName(a)} with ${_typeName(b)} using '${op}'${
        op === "==" || op === "!=" ? ` as the result is always ${op === "!="}` : ""
      }${hint}`,
      suggestion,
    });
  }

  #operatorOffset(expr: _Expr, call: _Kind<"callExpr">, op: string): number {
    const position = this.#position(expr);
    if (this.#source.startsWith(op, position)) return position;
    const left = call.args[0];
    const from = left !== undefined ? this.#position(left) : position;
    const found = this.#source.indexOf(op, from);
    return found >= 0 ? found : position;
  }

  #struct(expr: _Expr, struct: _Kind<"structExpr">, scope: ReadonlyMap<string, _Type>): _Type {
    let desc: DescMessage | undefined;
    if (struct.messageName !== "") {
      for (const candidate of _candidateNames(struct.messageName)) {
        desc = T4_CEL_REGISTRY.getMessage(candidate);
        if (desc !== undefined) break;
      }
      if (desc === undefined) {
        const name = struct.messageName;
        this.report("unknown_name", expr, this.#nameOffset(expr, name), name.length, {
          message: `Cannot create '${name}' as no such message type exists`,
        });
      }
    }
    for (const entry of struct.entries) {
      if (entry.value !== undefined) this.check(entry.value, scope);
      if (entry.keyKind.case === "mapKey") this.check(entry.keyKind.value, scope);
      if (entry.keyKind.case === "fieldKey" && desc !== undefined) {
        const field = entry.keyKind.value;
        if (!desc.fields.some((f) => f.name === field)) {
          const suggestion = didYouMean(field, desc.fields.map((f) => f.name));
          const offset = this.#source.indexOf(field, this.#position(expr));
          this.diagnostics.push(
            celDiagnostic(this.#source, {
              code: "unknown_field",
              message: `Cannot set '${field}' as ${desc.typeName} has no such field${
                suggestion !== undefined ? `: did you mean '${suggestion}'?` : ""
              }`,
              offset: offset >= 0 ? offset : this.#position(expr),
              length: field.length,
              suggestion,
            }),
          );
        }
      }
    }
    if (desc !== undefined) return _messageType(desc);
    return struct.messageName === "" ? { k: "map", key: DYN, value: DYN } : DYN;
  }

  #comprehension(c: _Kind<"comprehensionExpr">, scope: ReadonlyMap<string, _Type>): _Type {
    const range = c.iterRange !== undefined ? this.check(c.iterRange, scope) : DYN;
    const element = range.k === "list"
      ? range.elem
      : range.k === "map"
      ? range.key
      : range.k === "vars"
      ? STRING
      : DYN;
    const accu = c.accuInit !== undefined ? this.check(c.accuInit, scope) : DYN;
    const accuType = accu.k === "list" ? { k: "list", elem: DYN } as _Type : accu;
    const inner = new Map(scope);
    inner.set(c.iterVar, element);
    if (c.iterVar2 !== "") inner.set(c.iterVar2, DYN);
    inner.set(c.accuVar, accuType);
    if (c.loopCondition !== undefined) this.check(c.loopCondition, inner);
    if (c.loopStep !== undefined) this.check(c.loopStep, inner);
    const resultScope = new Map(scope);
    resultScope.set(c.accuVar, accuType);
    return c.result !== undefined ? this.check(c.result, resultScope) : DYN;
  }
}

/** CEL name resolution candidates for `name` in the container {@linkcode CEL_NAMESPACE}. */
function _candidateNames(name: string): string[] {
  if (name.startsWith(".")) return [name.slice(1)];
  const parts = CEL_NAMESPACE.split(".");
  const result: string[] = [];
  for (let i = parts.length; i > 0; i--) result.push(`${parts.slice(0, i).join(".")}.${name}`);
  result.push(name);
  return result;
}

let _packages: Set<string> | undefined;
function _isPackagePrefix(name: string): boolean {
  if (_packages === undefined) {
    _packages = new Set(["google", "google.protobuf"]);
    for (const file of T4_CEL_REGISTRY) {
      const typeName = file.typeName;
      const parts = typeName.split(".");
      for (let i = 1; i < parts.length; i++) _packages.add(parts.slice(0, i).join("."));
    }
  }
  return _packages.has(name);
}

function _constType(constant: _Kind<"constExpr">): _Type {
  switch (constant.constantKind.case) {
    case "boolValue":
      return BOOL;
    case "bytesValue":
      return BYTES;
    case "doubleValue":
      return DOUBLE;
    case "int64Value":
      return INT;
    case "uint64Value":
      return UINT;
    case "stringValue":
      return STRING;
    case "nullValue":
      return { k: "null" };
    case "durationValue":
      return DURATION;
    case "timestampValue":
      return TIMESTAMP;
    default:
      return DYN;
  }
}

function _scalarType(scalar: ScalarType): _Type {
  switch (scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return DOUBLE;
    case ScalarType.UINT32:
    case ScalarType.UINT64:
    case ScalarType.FIXED32:
    case ScalarType.FIXED64:
      return UINT;
    case ScalarType.BOOL:
      return BOOL;
    case ScalarType.STRING:
      return STRING;
    case ScalarType.BYTES:
      return BYTES;
    default:
      return INT;
  }
}

function _messageType(desc: DescMessage): _Type {
  switch (desc.typeName) {
    case "google.protobuf.Timestamp":
      return TIMESTAMP;
    case "google.protobuf.Duration":
      return DURATION;
  }
  if (desc.typeName.startsWith("google.protobuf.")) return DYN;
  return { k: "message", desc };
}

function _fieldType(field: DescField): _Type {
  switch (field.fieldKind) {
    case "scalar":
      return _scalarType(field.scalar);
    case "enum":
      return { k: "enum", desc: field.enum };
    case "message":
      return _messageType(field.message);
    case "list":
      switch (field.listKind) {
        case "scalar":
          return { k: "list", elem: _scalarType(field.scalar) };
        case "enum":
          return { k: "list", elem: { k: "enum", desc: field.enum } };
        case "message":
          return { k: "list", elem: _messageType(field.message) };
      }
      return { k: "list", elem: DYN };
    case "map": {
      const key = _scalarType(field.mapKey);
      switch (field.mapKind) {
        case "scalar":
          return { k: "map", key, value: _scalarType(field.scalar) };
        case "enum":
          return { k: "map", key, value: { k: "enum", desc: field.enum } };
        case "message":
          return { k: "map", key, value: _messageType(field.message) };
      }
      return { k: "map", key, value: DYN };
    }
  }
}

function _numeric(t: _Type): boolean {
  return t.k === "int" || t.k === "uint" || t.k === "double" || t.k === "enum";
}

/** Enums are ints at run time. */
function _asNumber(t: _Type): _Type {
  return t.k === "enum" ? INT : t;
}

/** Whether a value of this type may be of kind `k` (unknown types may). */
function _maybe(t: _Type, k: "bool"): boolean {
  return t.k === k || t.k === "dyn" || t.k === "vars";
}

function _same(a: _Type, b: _Type): boolean {
  if (a.k !== b.k) return false;
  if (a.k === "message" && b.k === "message") return a.desc.typeName === b.desc.typeName;
  if (a.k === "enum" && b.k === "enum") return a.desc.typeName === b.desc.typeName;
  if (a.k === "list" && b.k === "list") return _same(a.elem, b.elem);
  return a.k !== "map" && a.k !== "struct";
}

function _common(types: readonly _Type[]): _Type {
  const [first, ...rest] = types;
  if (first === undefined) return DYN;
  return rest.every((t) => _same(first, t)) ? first : DYN;
}

function _typeName(t: _Type): string {
  switch (t.k) {
    case "enum":
      return `int (enum ${t.desc.typeName})`;
    case "message":
      return t.desc.typeName;
    case "list":
      return `list(${_typeName(t.elem)})`;
    case "map":
      return `map(${_typeName(t.key)}, ${_typeName(t.value)})`;
    case "struct":
      return t.name;
    case "vars":
      return "map(string, dyn)";
    case "null":
      return "null_type";
    default:
      return t.k;
  }
}

function _shortName(typeName: string): string {
  if (typeName.startsWith(`${CEL_NAMESPACE}.`)) return typeName.slice(CEL_NAMESPACE.length + 1);
  return typeName.replace(/^t4proto\.v1\./, "");
}

function _stringLiteral(expr: _Expr | undefined): string | undefined {
  const kind = expr?.exprKind;
  return kind?.case === "constExpr" && kind.value.constantKind.case === "stringValue"
    ? kind.value.constantKind.value
    : undefined;
}

function _enumSuggestion(desc: DescEnum, literal: string): string | undefined {
  const upper = literal.toUpperCase();
  const matches = desc.values.filter((v) => v.name === upper || v.name.endsWith(`_${upper}`));
  matches.sort((a, b) => a.name.length - b.name.length);
  const value = matches[0] ??
    desc.values.find((v) => v.name === didYouMean(literal, desc.values.map((x) => x.name)));
  return value !== undefined ? `${_shortName(desc.typeName)}.${value.name}` : undefined;
}
