/**
 * Loads and validates workflow files: YAML with positions, `${NAME}` interpolation from the
 * environment, the schema, and the checks the schema cannot express. Every problem becomes a
 * {@linkcode WorkflowDiagnostic} at file:line:column; an invalid workflow throws before anything is
 * sent.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { dirname, resolve } from "node:path";
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
  visit,
} from "yaml";
import type { z } from "zod";
import type { ReconnectPolicy } from "../client/backoff.ts";
import { Credentials, type PasswordAuth } from "../client/credentials.ts";
import { PriceFormat } from "../protocol/gen/t4/v1/common/enums_pb.ts";
import { didYouMean } from "./did_you_mean.ts";
import { parseDuration } from "./duration.ts";
import {
  sortDiagnostics,
  type WorkflowDiagnostic,
  WorkflowValidationError,
} from "./workflow_diagnostic.ts";
import {
  ALERT_ON_EXPECTED,
  ALERT_ON_NAMES,
  SINK_SCHEMAS,
  STEP_ARGUMENT_SCHEMAS,
  STEP_COMMON_SCHEMA,
  type StepCheckContext,
  type StepKindSchema,
  TEMPLATE_VARIABLES,
  WorkflowDocumentSchema,
} from "./workflow_schema.ts";

/** Where and how a workflow connects. Credentials redact themselves. */
export interface WorkflowConnection {
  /** A documented endpoint. */
  readonly env?: "live" | "sim";
  /** A WebSocket URL. */
  readonly url?: string;
  /** The credentials (never shown in output). */
  readonly credentials: Credentials;
  /** Heartbeat interval in milliseconds. */
  readonly heartbeatMs?: number;
  /** Silent intervals before the connection counts as dead. */
  readonly missedHeartbeats?: number;
  /** Login timeout in milliseconds. */
  readonly loginTimeoutMs?: number;
  /** Reconnect policy, or `false` to fail instead of reconnecting. */
  readonly reconnect?: Partial<ReconnectPolicy> | false;
  /** Honour the weekly maintenance window. */
  readonly maintenance?: boolean;
  /** Allow `ws://` to non-loopback hosts. */
  readonly allowInsecure?: boolean;
}

/** One step, normalised: `kind` and its validated arguments. */
export interface WorkflowStep {
  /** 0-based position in `steps`. */
  readonly index: number;
  /** The step kind, e.g. `"login"`, `"hold"`. */
  readonly kind: string;
  /** What output and reports call the step: its `name`, or e.g. `hold 30s`. */
  readonly label: string;
  /** The arguments as the kind's schema parsed them (`null` for a bare step). */
  readonly args: unknown;
  /** 1-based line of the step in the file. */
  readonly line: number;
  /** 1-based column of the step in the file. */
  readonly column: number;
  /**
   * Line and column of every value inside the arguments, keyed like `volume` or
   * `orders[0].volume` (`""` is the arguments themselves), for diagnostics found after loading.
   */
  readonly positions: Readonly<Record<string, { readonly line: number; readonly column: number }>>;
}

/** Where an alert goes. */
export type AlertSink =
  | { readonly kind: "stderr" }
  | { readonly kind: "stdout" }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "webhook"; readonly url: string }
  | { readonly kind: "command"; readonly command: string | readonly string[] };

/** One alert, normalised. */
export interface WorkflowAlert {
  /** 0-based position in `alerts`. */
  readonly index: number;
  /** A login result short name, `login_failed`, or an event name. */
  readonly on: string;
  /** The message template, when given. */
  readonly message: string | undefined;
  /** The sinks (default `stderr`). */
  readonly to: readonly AlertSink[];
  /** Fire every time instead of once per run. */
  readonly repeat: boolean;
}

/** A validated workflow. */
export interface Workflow {
  /** The file as given (or `<input>`). */
  readonly file: string;
  /** Directory relative paths in the workflow are resolved against. */
  readonly dir: string;
  /** Format version. */
  readonly version: 1;
  /** Workflow name. */
  readonly name: string;
  /** Free text. */
  readonly description: string | undefined;
  /** Connection settings. */
  readonly connection: WorkflowConnection;
  /** Steps in order. */
  readonly steps: readonly WorkflowStep[];
  /** `environment:`, the environment order steps are meant for. */
  readonly environment: "live" | "sim" | undefined;
  /** `max_order_volume:`, the largest volume an order step may have. */
  readonly maxOrderVolume: number | undefined;
  /** Line and column of top-level keys' values (`environment`, `max_order_volume`, ...). */
  readonly positions: Readonly<Record<string, { readonly line: number; readonly column: number }>>;
  /** Alerts in order. */
  readonly alerts: readonly WorkflowAlert[];
  /** Warnings found while loading (e.g. a literal password). */
  readonly warnings: readonly WorkflowDiagnostic[];
}

/** Options of {@linkcode loadWorkflow} and {@linkcode parseWorkflow}. */
export interface LoadWorkflowOptions {
  /**
   * Variables for `${NAME}`.
   *
   * @default {process.env}
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Require `connection.env` or `connection.url` (set `false` when the command line gives one).
   *
   * @default {true}
   */
  requireEndpoint?: boolean;
  /**
   * Directory for relative paths when parsing text.
   *
   * @default {process.cwd()}
   */
  dir?: string;
}

/**
 * Reads, interpolates and validates a workflow file.
 *
 * @param file Path of the YAML file.
 * @param options Environment and checks.
 * @returns The workflow (with `warnings`).
 * @throws {WorkflowValidationError} When the file cannot be read or has any error; the
 *   diagnostics name file, line, column and key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadWorkflow } from "./load_workflow.ts";
 *
 * const file = join(mkdtempSync(join(tmpdir(), "t4flow-")), "check.yaml");
 * writeFileSync(file, "version: 1\nname: check\nconnection:\n  env: sim\n  auth:\n    api_key: ${KEY}\nsteps:\n  - login\n  - hold: 1s\n");
 * const workflow = loadWorkflow(file, { env: { KEY: "secret" } });
 * assert.deepEqual(workflow.steps.map((s) => s.label), ["login", "hold 1s"]);
 * assert.ok(!JSON.stringify(workflow).includes("secret"));
 * ```
 */
export function loadWorkflow(file: string, options: LoadWorkflowOptions = {}): Workflow {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    throw new WorkflowValidationError(file, [{
      severity: "error",
      file,
      line: 1,
      column: 1,
      key: "",
      message: `cannot read the file (${code}), expected a readable YAML file`,
    }], { cause: error });
  }
  return parseWorkflow(text, file, { dir: dirname(resolve(file)), ...options });
}

/**
 * Interpolates and validates workflow text.
 *
 * @param text The YAML text.
 * @param file The name used in diagnostics.
 * @param options Environment and checks.
 * @returns The workflow (with `warnings`).
 * @throws {WorkflowValidationError} When the text has any error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow } from "./load_workflow.ts";
 * import { WorkflowValidationError } from "./workflow_diagnostic.ts";
 *
 * try {
 *   parseWorkflow("version: 1\nname: x\nconnection:\n  env: sim\n  auth: { api_key: k }\n  heartbeet: 20s\nsteps: [login]\n", "x.yaml");
 *   assert.fail("expected an error");
 * } catch (error) {
 *   assert.ok(error instanceof WorkflowValidationError);
 *   assert.equal(
 *     error.errors[0]?.message,
 *     "unknown key, expected one of env, url, auth, heartbeat, missed_heartbeats, login_timeout, reconnect, maintenance, allow_insecure; did you mean 'heartbeat'?",
 *   );
 *   assert.equal(error.errors[0]?.line, 6);
 * }
 * ```
 */
export function parseWorkflow(
  text: string,
  file = "<input>",
  options: LoadWorkflowOptions = {},
): Workflow {
  const checker = new _Checker(text, file, options.env ?? process.env);
  const workflow = checker.check(options.requireEndpoint ?? true, options.dir ?? process.cwd());
  const diagnostics = sortDiagnostics(checker.diagnostics);
  if (!workflow || diagnostics.some((d) => d.severity === "error")) {
    throw new WorkflowValidationError(file, diagnostics);
  }
  return { ...workflow, warnings: diagnostics };
}

type _Path = (string | number)[];

const _SECRET_KEYS = new Set(["api_key", "password", "app_license", "webhook"]);

/**
 * Formats a key path as `steps[1].hold`.
 *
 * @param path The path segments.
 * @returns The dotted key.
 */
function _key(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}

function _describe(value: unknown, secret: boolean): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (secret) return `a ${typeof value}`;
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  return String(value);
}

function _isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class _Checker {
  readonly diagnostics: WorkflowDiagnostic[] = [];
  readonly #text: string;
  readonly #file: string;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #lines = new LineCounter();
  #doc: Document | undefined;
  /** Key paths whose value came from `${NAME}`. */
  readonly #interpolated = new Set<string>();
  /** Key paths whose `${NAME}` could not be resolved (already reported). */
  readonly #failed = new Set<string>();
  /** The text as written (with `${NAME}`) of each interpolated key path, and the values read. */
  readonly #originals = new Map<string, { text: string; values: string[] }>();
  /** Every value read from the environment, with its variable name, longest first. */
  #substituted: [name: string, value: string][] = [];

  constructor(text: string, file: string, env: Readonly<Record<string, string | undefined>>) {
    this.#text = text;
    this.#file = file;
    this.#env = env;
  }

  #at(offset: number, key: string, message: string, severity: "error" | "warning" = "error") {
    const { line, col } = this.#lines.linePos(Math.max(0, offset));
    this.diagnostics.push({
      severity,
      file: this.#file,
      line: Math.max(1, line),
      column: Math.max(1, col),
      key,
      message: this.#redact(key, message),
    });
  }

  /**
   * Keeps values read from the environment out of a message, as they may be secrets (an API key
   * given where a list was expected): each value becomes its `${NAME}` (values shorter than 6
   * characters are left alone: too short to be a secret, too likely to be a common word), and in
   * a message about an interpolated key, words of 3 or more characters that come from a value
   * read there (e.g. the tokens a CEL error quotes) become `***`.
   */
  #redact(key: string, message: string): string {
    let out = message;
    for (const [name, value] of this.#substituted) {
      if (value.length >= 6 && out.includes(value)) out = out.replaceAll(value, `\${${name}}`);
    }
    for (const [path, { text, values }] of this.#originals) {
      if (key !== path && !key.startsWith(`${path}.`) && !key.startsWith(`${path}[`)) continue;
      out = out.replace(
        /[\p{L}\p{N}]{3,}/gu,
        (word) => values.some((v) => v.includes(word)) && !text.includes(word) ? "***" : word,
      );
    }
    return out;
  }

  /** Describes the value at `path` in a message: as written in the file when interpolated. */
  #describe(path: _Path, value: unknown, secret: boolean): string {
    const original = this.#originals.get(_key(path));
    if (!secret && original !== undefined && typeof value === "string") {
      return `${_describe(original.text, false)} (read from the environment)`;
    }
    return _describe(value, secret);
  }

  /** Offset of the node at `path`; `mode` picks the key of the last segment or the value. */
  #offset(path: readonly PropertyKey[], mode: "value" | "key" = "value"): number {
    let node: unknown = this.#doc?.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
        if (!pair) return offset;
        const keyNode = pair.key as Scalar;
        if (last && mode === "key") return keyNode.range?.[0] ?? offset;
        const value = pair.value as Node | null;
        if (!value || !value.range) return keyNode.range?.[0] ?? offset;
        node = value;
        offset = value.range[0];
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment] as Node | undefined;
        if (!item?.range) return offset;
        node = item;
        offset = item.range[0];
      } else {
        return offset;
      }
    }
    return offset;
  }

  /** Offset of `needle` inside the source of the scalar at `path`, or the scalar's start. */
  #offsetIn(path: readonly PropertyKey[], needle: string): number {
    const start = this.#offset(path);
    const node = this.#nodeAt(path);
    const end = node?.range?.[1] ?? start;
    const index = this.#text.slice(start, end).indexOf(needle);
    return index >= 0 ? start + index : start;
  }

  /** Offset of character `offset` of the string value at `path` (its start when unknown). */
  #offsetInside(path: readonly PropertyKey[], offset: number | undefined): number {
    const start = this.#offset(path);
    const node = this.#nodeAt(path);
    if (offset === undefined || !isScalar(node) || typeof node.value !== "string") return start;
    const source = this.#text.slice(start, node.range?.[1] ?? start);
    if (node.type === "PLAIN" && !source.includes("\n")) return start + offset;
    if (
      (node.type === "QUOTE_SINGLE" || node.type === "QUOTE_DOUBLE") && !source.includes("\n") &&
      !source.includes("\\") && !source.includes("''")
    ) return start + 1 + offset;
    return start;
  }

  #nodeAt(path: readonly PropertyKey[]): Node | undefined {
    let node: unknown = this.#doc?.contents;
    for (const segment of path) {
      if (isMap(node)) {
        node = node.items.find((p) => isScalar(p.key) && p.key.value === segment)?.value;
      } else if (isSeq(node) && typeof segment === "number") node = node.items[segment];
      else return undefined;
    }
    return (node ?? undefined) as Node | undefined;
  }

  check(requireEndpoint: boolean, dir: string): Omit<Workflow, "warnings"> | undefined {
    const doc = parseDocument(this.#text, {
      lineCounter: this.#lines,
      prettyErrors: false,
      uniqueKeys: true,
    });
    this.#doc = doc;
    for (const error of doc.errors) {
      if (error.code === "DUPLICATE_KEY") {
        const key = /^[^:\n]*/.exec(this.#text.slice(error.pos[0]))?.[0].trim() ?? "";
        this.#at(error.pos[0], key, "duplicate key, expected each key once in a map");
        continue;
      }
      const first = error.message.split("\n")[0] ?? error.message;
      this.#at(error.pos[0], "", `invalid YAML: ${first}`);
    }
    if (doc.errors.length > 0) return undefined;
    if (doc.contents === null) {
      this.#at(0, "", "empty file, expected a map with version, name, connection and steps");
      return undefined;
    }
    if (!this.#checkNodes(doc)) return undefined;
    this.#interpolate(doc.contents, []);
    this.#substituted.sort((a, b) => b[1].length - a[1].length);
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 }) as unknown;
    } catch (error) {
      // E.g. too many alias expansions (a "billion laughs" document).
      const text = error instanceof Error ? error.message : String(error);
      this.#at(0, "", `invalid YAML: ${text.split("\n")[0]}`);
      return undefined;
    }

    const parsed = WorkflowDocumentSchema.safeParse(data);
    if (!parsed.success) this.#issues(parsed.error.issues, [], data, WorkflowDocumentSchema);
    if (!_isPlainObject(data)) return undefined;

    const steps = Array.isArray(data.steps) ? data.steps : [];
    const normalisedSteps: WorkflowStep[] = [];
    let loggedIn = false;
    // Variables earlier steps capture, for `vars.NAME` in CEL (unknown after an invalid step).
    let knownVars: string[] | undefined = [];
    for (const [index, value] of steps.entries()) {
      const result = this.#variant(value, ["steps", index], STEP_ARGUMENT_SCHEMAS, "step", {
        common: STEP_COMMON_SCHEMA,
        example: "'hold: 30s'",
        context: { vars: knownVars },
      });
      if (result && knownVars) {
        knownVars = [...knownVars, ..._producedVars(result.kind, result.args)];
      } else knownVars = undefined;
      if (!result) {
        // Session checks after a step of unknown kind would only repeat the same mistake.
        loggedIn = true;
        continue;
      }
      const definition = STEP_ARGUMENT_SCHEMAS[result.kind]!;
      const at = this.#offset(["steps", index]);
      if (definition.session === "needs" && !loggedIn) {
        this.#at(
          at,
          _key(["steps", index]),
          `'${result.kind}' needs a session, expected a 'login' step before it`,
        );
      }
      if (definition.session === "opens") {
        if (loggedIn) {
          this.#at(
            at,
            _key(["steps", index]),
            "the session is already logged in, expected one 'login' step",
          );
        }
        loggedIn = true;
      }
      const { line, col } = this.#lines.linePos(at);
      const name = result.common.name;
      normalisedSteps.push({
        index,
        kind: result.kind,
        label: typeof name === "string" ? name : _stepLabel(result.kind, result.args),
        args: result.args,
        line,
        column: col,
        positions: this.#positions(
          typeof value === "string" ? ["steps", index] : ["steps", index, result.kind],
        ),
      });
    }
    const names = this.#stepNames(normalisedSteps);

    const alerts: WorkflowAlert[] = [];
    const alertValues = Array.isArray(data.alerts) ? data.alerts : [];
    for (const [index, alert] of alertValues.entries()) {
      if (!_isPlainObject(alert)) continue;
      const sinks: AlertSink[] = [];
      const to = Array.isArray(alert.to) ? alert.to : ["stderr"];
      for (const [j, sink] of to.entries()) {
        const result = this.#variant(sink, ["alerts", index, "to", j], SINK_SCHEMAS, "sink", {
          example: "'file: alerts.jsonl'",
        });
        if (result) sinks.push(_sink(result.kind, result.args, dir));
      }
      if (typeof alert.message === "string") {
        this.#template(alert.message, ["alerts", index, "message"], names.vars);
      }
      if (typeof alert.on === "string") this.#alertOn(alert.on, index, names.watches);
      alerts.push({
        index,
        on: String(alert.on),
        message: typeof alert.message === "string" ? alert.message : undefined,
        to: sinks,
        repeat: alert.repeat === true,
      });
    }

    const connection = _isPlainObject(data.connection) ? data.connection : undefined;
    const credentials = connection && _isPlainObject(connection.auth)
      ? this.#auth(connection.auth)
      : undefined;
    if (connection) {
      if (connection.env !== undefined && connection.url !== undefined) {
        this.#at(
          this.#offset(["connection", "url"], "key"),
          "connection.url",
          "give either env or url, not both",
        );
      } else if (requireEndpoint && connection.env === undefined && connection.url === undefined) {
        this.#at(
          this.#offset(["connection"]),
          "connection",
          "missing env or url, expected 'env: live', 'env: sim' or 'url: wss://...'",
        );
      }
    }
    if (!parsed.success || !credentials || !connection) return undefined;
    const workflow = parsed.data;
    const c = workflow.connection;
    const reconnect: Partial<ReconnectPolicy> | false | undefined = c.reconnect === false
      ? false
      : c.reconnect && {
        ...(c.reconnect.initial_delay &&
          { initialDelayMs: parseDuration(c.reconnect.initial_delay)! }),
        ...(c.reconnect.max_delay && { maxDelayMs: parseDuration(c.reconnect.max_delay)! }),
        ...(c.reconnect.max_attempts && { maxAttempts: c.reconnect.max_attempts }),
      };
    return {
      file: this.#file,
      dir,
      version: 1,
      name: workflow.name,
      description: workflow.description,
      connection: {
        ...(c.env && { env: c.env }),
        ...(c.url && { url: c.url }),
        credentials,
        ...(c.heartbeat && { heartbeatMs: parseDuration(c.heartbeat)! }),
        ...(c.missed_heartbeats && { missedHeartbeats: c.missed_heartbeats }),
        ...(c.login_timeout && { loginTimeoutMs: parseDuration(c.login_timeout)! }),
        ...(reconnect !== undefined && { reconnect }),
        ...(c.maintenance !== undefined && { maintenance: c.maintenance }),
        ...(c.allow_insecure !== undefined && { allowInsecure: c.allow_insecure }),
      },
      steps: normalisedSteps,
      alerts,
      environment: workflow.environment,
      maxOrderVolume: workflow.max_order_volume,
      positions: this.#positions([]),
    };
  }

  /**
   * Reports what the YAML parser accepts but a workflow cannot hold: an alias without an anchor
   * before it, an alias inside its own anchor (a value that contains itself) and a list or map
   * used as a key.
   *
   * @returns Whether the document is free of them.
   */
  #checkNodes(doc: Document): boolean {
    let ok = true;
    visit(doc, {
      Alias: (_, alias) => {
        const target = alias.resolve(doc);
        const at = alias.range?.[0] ?? 0;
        if (target === undefined) {
          this.#at(
            at,
            "",
            `invalid YAML: alias '*${alias.source}' has no anchor before it, expected '&${alias.source}' on an earlier value`,
          );
          ok = false;
        } else if (
          target.range && alias.range && target.range[0] <= alias.range[0] &&
          alias.range[1] <= target.range[1]
        ) {
          this.#at(
            at,
            "",
            `invalid YAML: alias '*${alias.source}' is inside the value it refers to, expected a value that does not contain itself`,
          );
          ok = false;
        }
      },
      Pair: (_, pair) => {
        const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
        if (isCollection(key)) {
          const range = (pair.key as Node).range;
          this.#at(
            range?.[0] ?? 0,
            "",
            `invalid key, expected a name such as 'steps', got a ${isMap(key) ? "map" : "list"}`,
          );
          ok = false;
        }
      },
    });
    return ok;
  }

  /** Line and column of every value under `path`, keyed relative to it. */
  #positions(path: readonly PropertyKey[]): Record<string, { line: number; column: number }> {
    const out: Record<string, { line: number; column: number }> = {};
    const walk = (node: unknown, relative: (string | number)[], depth: number) => {
      const range = (node as Node | null)?.range;
      if (range) {
        const { line, col } = this.#lines.linePos(range[0]);
        out[_key(relative)] = { line, column: col };
      }
      if (depth > 4) return;
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isScalar(pair.key)) {
            walk(pair.value, [...relative, String(pair.key.value)], depth + 1);
          }
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...relative, i], depth + 1));
      }
    };
    walk(path.length === 0 ? this.#doc?.contents : this.#nodeAt(path), [], 0);
    return out;
  }

  /**
   * Collects the variables steps capture and the watch names, and checks references to them:
   * duplicate watch names, watch names that shadow built-in events, and revise/pull of an order
   * no earlier step stored.
   */
  #stepNames(steps: readonly WorkflowStep[]): { vars: Set<string>; watches: Set<string> } {
    const vars = new Set<string>();
    const watches = new Set<string>();
    for (const step of steps) {
      const args = (step.args ?? {}) as Record<string, unknown>;
      const path = ["steps", step.index, step.kind];
      switch (step.kind) {
        case "revise_order":
        case "pull_order": {
          const ref = String(args.order);
          if (!vars.has(ref)) {
            const suggestion = didYouMean(ref, [...vars]);
            this.#at(
              this.#offset([...path, "order"]),
              _key([...path, "order"]),
              `no earlier order step stores '${ref}', expected the 'as' of a submit_order step before this one${
                suggestion ? `; did you mean '${suggestion}'?` : ""
              }`,
            );
          }
          break;
        }
        case "watch": {
          const name = String(args.name);
          if ((ALERT_ON_NAMES as readonly string[]).includes(name)) {
            this.#at(
              this.#offset([...path, "name"]),
              _key([...path, "name"]),
              `'${name}' is a built-in event, expected another name for the watch`,
            );
          } else if (watches.has(name)) {
            this.#at(
              this.#offset([...path, "name"]),
              _key([...path, "name"]),
              `a watch named '${name}' already exists, expected each watch name once`,
            );
          }
          watches.add(name);
          break;
        }
      }
      for (const name of _producedVars(step.kind, step.args)) vars.add(name);
    }
    return { vars, watches };
  }

  /** Checks an alert's `on:` against the built-in events and the workflow's watches. */
  #alertOn(on: string, index: number, watches: ReadonlySet<string>): void {
    if (ALERT_ON_NAMES.includes(on) || watches.has(on)) return;
    const path = ["alerts", index, "on"];
    const suggestion = didYouMean(on, [...ALERT_ON_NAMES, ...watches]);
    this.#at(
      this.#offset(path),
      _key(path),
      `${
        watches.size > 0
          ? `${ALERT_ON_EXPECTED.replace(" or an event", ", an event")} or a watch name (${
            [...watches].join(", ")
          })`
          : ALERT_ON_EXPECTED
      }, got ${this.#describe(path, on, false)}${
        suggestion ? `; did you mean '${suggestion}'?` : ""
      }`,
    );
  }

  /** Replaces `${NAME}` in every string value; `$${` stands for a literal `${`. */
  #interpolate(node: unknown, path: (string | number)[]): void {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        this.#interpolate(pair.value, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => this.#interpolate(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("${")) {
      const original = node.value;
      const values: string[] = [];
      let missing = false;
      node.value = original.replace(/\$\$\{|\$\{([^}]*)\}/g, (match, name: string | undefined) => {
        if (match === "$${") return "${";
        if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          this.#at(
            this.#offsetIn(path, match),
            _key(path),
            `invalid variable reference '${match}', expected \${NAME} with letters, digits and _`,
          );
          missing = true;
          return "";
        }
        const value = this.#env[name];
        if (value === undefined) {
          this.#at(
            this.#offsetIn(path, match),
            _key(path),
            `environment variable ${name} is not set, expected it in the environment or an --env-file`,
          );
          missing = true;
          return "";
        }
        this.#substituted.push([name, value]);
        values.push(value);
        return value;
      });
      if (node.value !== original.replaceAll("$${", "${") || missing) {
        this.#interpolated.add(_key(path));
        this.#originals.set(_key(path), { text: original, values });
      }
      if (missing) this.#failed.add(_key(path));
    }
  }

  /** Turns zod issues into diagnostics. */
  #issues(
    issues: readonly z.core.$ZodIssue[],
    base: _Path,
    data: unknown,
    schema: z.ZodType,
  ): void {
    // A missing key that an unknown key probably misspells is reported once, as the unknown key.
    const misspelt = new Set<string>();
    for (const issue of issues) {
      if (issue.code !== "unrecognized_keys") continue;
      const allowed = _keysOf(_schemaAt(schema, issue.path as _Path));
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, allowed);
        if (suggestion) misspelt.add(_key([...base, ...issue.path as _Path, suggestion]));
      }
    }
    for (const issue of issues) {
      const path = [...base, ...issue.path] as _Path;
      if (misspelt.has(_key(path)) && _get(data, issue.path as _Path) === undefined) continue;
      const relative = issue.path as _Path;
      const value = _get(data, relative);
      const secret = path.some((p) => typeof p === "string" && _SECRET_KEYS.has(p));
      if (issue.code === "unrecognized_keys") {
        const allowed = _keysOf(_schemaAt(schema, relative));
        for (const key of issue.keys) {
          const suggestion = didYouMean(key, allowed);
          this.#at(
            this.#offset([...path, key], "key"),
            _key([...path, key]),
            `unknown key, expected one of ${allowed.join(", ")}${
              suggestion ? `; did you mean '${suggestion}'?` : ""
            }`,
          );
        }
        continue;
      }
      if (issue.code === "invalid_union" && typeof value === "object" && value !== null) {
        const branches = issue.errors.filter((branch) =>
          !branch.some((i) =>
            (i.code === "invalid_type" || i.code === "invalid_value") && i.path.length === 0
          )
        );
        if (branches.length === 1 && branches[0]) {
          const inner = _schemaAt(schema, relative);
          const options = (inner as unknown as { options?: z.ZodType[] }).options ?? [];
          const option = options[(issue.errors as unknown[]).indexOf(branches[0])] ?? inner;
          this.#issues(branches[0], path, value, option);
          continue;
        }
      }
      if (this.#failed.has(_key(path))) continue;
      let hint = "";
      if (issue.code === "invalid_value" && typeof value === "string") {
        const suggestion = didYouMean(value, issue.values.map(String));
        if (suggestion) hint = `; did you mean '${suggestion}'?`;
      }
      if (value === undefined) {
        this.#at(this.#offset(path), _key(path), `missing, ${issue.message}`);
      } else {
        this.#at(
          this.#offset(path),
          _key(path),
          `${issue.message}, got ${this.#describe(path, value, secret)}${hint}`,
        );
      }
    }
  }

  /** Checks a bare name or one-key map against a registry of kinds. */
  #variant(
    value: unknown,
    path: _Path,
    registry: Record<string, Pick<StepKindSchema, "args" | "bare" | "check">>,
    noun: string,
    options: { common?: z.ZodObject; example: string; context?: StepCheckContext },
  ): { kind: string; args: unknown; common: Record<string, unknown> } | undefined {
    const kinds = Object.keys(registry);
    const unknownKind = (kind: string, offset: number, keyPath: _Path) => {
      const suggestion = didYouMean(kind, kinds);
      this.#at(
        offset,
        _key(keyPath),
        `unknown ${noun} '${kind}', expected one of ${kinds.join(", ")}${
          suggestion ? `; did you mean '${suggestion}'?` : ""
        }`,
      );
    };
    if (typeof value === "string") {
      const definition = registry[value];
      if (!definition) {
        unknownKind(value, this.#offset(path), path);
        return undefined;
      }
      const args = definition.args.safeParse(definition.bare ? null : undefined);
      if (!args.success) {
        this.#at(
          this.#offset(path),
          _key([...path, value]),
          `missing argument, ${args.error.issues[0]?.message ?? "expected an argument"}`,
        );
        return undefined;
      }
      let failed = false;
      definition.check?.(args.data, (relative, message) => {
        failed = true;
        this.#at(this.#offset(path), _key([...path, value, ...relative]), message);
      }, options.context);
      return failed ? undefined : { kind: value, args: args.data, common: {} };
    }
    if (!_isPlainObject(value)) {
      const bare = kinds.filter((k) => registry[k]?.bare);
      this.#at(
        this.#offset(path),
        _key(path),
        `expected a ${noun} name such as ${
          bare.join(", ")
        } or a map such as ${options.example}, got ${_describe(value, false)}`,
      );
      return undefined;
    }
    const commonKeys = options.common ? Object.keys(options.common.shape) : [];
    const keys = Object.keys(value);
    const known = keys.filter((k) => k in registry);
    const others = keys.filter((k) => !(k in registry) && !commonKeys.includes(k));
    if (known.length === 0) {
      if (others.length === 0) {
        this.#at(
          this.#offset(path),
          _key(path),
          `missing ${noun} kind, expected one of ${kinds.join(", ")}`,
        );
      }
      for (const other of others) {
        unknownKind(other, this.#offset([...path, other], "key"), [...path, other]);
      }
      return undefined;
    }
    const kind = known[0]!;
    for (const extra of known.slice(1)) {
      this.#at(
        this.#offset([...path, extra], "key"),
        _key([...path, extra]),
        `a ${noun} has one kind, expected '${extra}' in a separate list item`,
      );
    }
    for (const other of others) {
      const allowed = [kind, ...commonKeys];
      const suggestion = didYouMean(other, [...allowed, ...kinds]);
      this.#at(
        this.#offset([...path, other], "key"),
        _key([...path, other]),
        `unknown key, expected one of ${allowed.join(", ")}${
          suggestion ? `; did you mean '${suggestion}'?` : ""
        }`,
      );
    }
    const definition = registry[kind]!;
    const args = definition.args.safeParse(value[kind]);
    if (!args.success) {
      this.#issues(args.error.issues, [...path, kind], value[kind], definition.args);
    } else if (definition.check) {
      let failed = false;
      definition.check(args.data, (relative, message, offset) => {
        failed = true;
        const at = [...path, kind, ...relative];
        this.#at(this.#offsetInside(at, offset), _key(at), message);
      }, options.context);
      if (failed) return undefined;
    }
    let common: Record<string, unknown> = {};
    if (options.common) {
      const picked = Object.fromEntries(
        commonKeys.filter((k) => k in value).map((k) => [k, value[k]]),
      );
      const parsed = options.common.safeParse(picked);
      if (parsed.success) common = parsed.data;
      else this.#issues(parsed.error.issues, path, picked, options.common);
    }
    if (!args.success || others.length > 0 || known.length > 1) return undefined;
    return { kind, args: args.data, common };
  }

  /** Checks `{{ name }}` references in an alert message (`vars.NAME` for captured variables). */
  #template(message: string, path: _Path, vars: ReadonlySet<string>): void {
    for (const match of message.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      const name = match[1] ?? "";
      if ((TEMPLATE_VARIABLES as readonly string[]).includes(name)) continue;
      if (name.startsWith("vars.")) {
        const variable = name.slice(5);
        if (vars.has(variable)) continue;
        const suggestion = didYouMean(variable, [...vars]);
        this.#at(
          this.#offsetIn(path, match[0]),
          _key(path),
          `unknown variable '${variable}', expected a variable an earlier step captures${
            vars.size > 0 ? ` (${[...vars].join(", ")})` : ""
          }${suggestion ? `; did you mean 'vars.${suggestion}'?` : ""}`,
        );
        continue;
      }
      const suggestion = didYouMean(name, TEMPLATE_VARIABLES);
      this.#at(
        this.#offsetIn(path, match[0]),
        _key(path),
        `unknown template variable '${name}', expected one of ${TEMPLATE_VARIABLES.join(", ")}${
          suggestion ? `; did you mean '${suggestion}'?` : ""
        }`,
      );
    }
  }

  /** Checks that auth is complete and warns about literal secrets. */
  #auth(auth: Record<string, unknown>): Credentials | undefined {
    const path = ["connection", "auth"];
    for (
      const [key, what, example] of [
        ["api_key", "API key", "T4_API_KEY"],
        ["password", "password", "T4_PASSWORD"],
      ] as const
    ) {
      if (typeof auth[key] === "string" && !this.#interpolated.has(_key([...path, key]))) {
        this.#at(
          this.#offset([...path, key]),
          _key([...path, key]),
          `literal ${what} in the workflow file, expected \${${example}} read from the environment or an --env-file`,
          "warning",
        );
      }
    }
    const passwordKeys = ["firm", "username", "password", "app_name", "app_license"] as const;
    if (auth.api_key !== undefined) {
      const mixed = passwordKeys.filter((k) => auth[k] !== undefined);
      if (mixed.length > 0) {
        this.#at(
          this.#offset([...path, mixed[0]!], "key"),
          _key([...path, mixed[0]!]),
          "give either api_key or firm, username, password, app_name and app_license, not both",
        );
        return undefined;
      }
      return typeof auth.api_key === "string" && auth.api_key
        ? new Credentials({ apiKey: auth.api_key })
        : undefined;
    }
    const missing = passwordKeys.filter((k) => auth[k] === undefined);
    if (missing.length > 0) {
      this.#at(
        this.#offset(path),
        _key(path),
        `missing ${
          missing.join(", ")
        }, expected api_key alone, or firm, username, password, app_name and app_license`,
      );
      return undefined;
    }
    if (passwordKeys.some((k) => typeof auth[k] !== "string" || auth[k] === "")) return undefined;
    const priceFormats: Record<string, PriceFormat> = {
      decimal: PriceFormat.DECIMAL,
      real: PriceFormat.REAL,
      clearing_decimal: PriceFormat.CLEARING_DECIMAL,
    };
    const init: PasswordAuth = {
      firm: auth.firm as string,
      username: auth.username as string,
      password: auth.password as string,
      appName: auth.app_name as string,
      appLicense: auth.app_license as string,
    };
    const format = typeof auth.price_format === "string"
      ? priceFormats[auth.price_format]
      : undefined;
    if (format !== undefined) init.priceFormat = format;
    return new Credentials(init);
  }
}

function _get(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** The schema at `path`, unwrapping optional, nullable, array and object-valued unions. */
function _schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType {
  let current = _unwrap(schema);
  for (const segment of path) {
    const def = current as unknown as {
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
    };
    if (typeof segment === "number" && def.element) current = _unwrap(def.element);
    else if (def.shape && typeof segment === "string" && def.shape[segment]) {
      current = _unwrap(def.shape[segment]);
    } else return current;
  }
  return current;
}

function _unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as unknown as {
    unwrap?: () => z.ZodType;
    options?: z.ZodType[];
    shape?: unknown;
  };
  for (let i = 0; i < 10; i++) {
    if (typeof current.unwrap === "function" && !current.shape) {
      current = current.unwrap() as unknown as typeof current;
    } else if (Array.isArray(current.options)) {
      const object = current.options.find((o) => (o as unknown as { shape?: unknown }).shape);
      if (!object) break;
      current = object as unknown as typeof current;
    } else break;
  }
  return current as unknown as z.ZodType;
}

function _keysOf(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** The variables a step stores (`capture`, `values`, an order step's `as`). */
function _producedVars(kind: string, args: unknown): string[] {
  const a = (args ?? {}) as Record<string, unknown>;
  switch (kind) {
    case "expect":
    case "capture":
      return Object.keys((a.capture ?? a.values ?? {}) as object);
    case "submit_order":
      return [typeof a.as === "string" ? a.as : "order"];
    case "submit_batch":
      return [typeof a.as === "string" ? a.as : "batch"];
    case "revise_order":
    case "pull_order":
      return typeof a.as === "string" ? [a.as] : [];
    default:
      return [];
  }
}

function _stepLabel(kind: string, args: unknown): string {
  if (typeof args === "string") return kind === "log" ? kind : `${kind} ${args}`;
  if (args === null || typeof args !== "object") return kind;
  const a = args as Record<string, unknown>;
  const detail = kind === "watch"
    ? a.name
    : typeof a.market === "string" && !kind.endsWith("order")
    ? a.market
    : kind === "expect" || kind === "capture"
    ? a.message
    : typeof a.as === "string"
    ? a.as
    : a.order ?? a.tag;
  return typeof detail === "string" ? `${kind} ${detail}` : kind;
}

function _sink(kind: string, args: unknown, dir: string): AlertSink {
  switch (kind) {
    case "file":
      return { kind, path: resolve(dir, args as string) };
    case "webhook":
      return { kind, url: args as string };
    case "command":
      return { kind, command: args as string | string[] };
    case "stdout":
      return { kind };
    default:
      return { kind: "stderr" };
  }
}

/**
 * Lists the secret strings of a workflow (credentials and webhook URLs), for scrubbing output.
 *
 * @param workflow The workflow.
 * @returns The secrets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseWorkflow, workflowSecrets } from "./load_workflow.ts";
 *
 * const workflow = parseWorkflow(
 *   "version: 1\nname: x\nconnection:\n  env: sim\n  auth: { api_key: '${K}' }\nsteps: [login]\n",
 *   "x.yaml",
 *   { env: { K: "sk-1" } },
 * );
 * assert.deepEqual(workflowSecrets(workflow), ["sk-1"]);
 * ```
 */
export function workflowSecrets(workflow: Workflow): string[] {
  const secrets = workflow.connection.credentials.secrets();
  for (const alert of workflow.alerts) {
    for (const sink of alert.to) if (sink.kind === "webhook") secrets.push(sink.url);
  }
  return secrets.filter((s) => s.length > 0);
}
