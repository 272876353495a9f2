/**
 * The workflow file format, version 1, written once as zod schemas: they validate workflow files
 * and generate `schema/workflow.schema.json` ({@linkcode workflowJsonSchema}).
 *
 * Steps and alert sinks are "one key" maps (`hold: 30s`, `file: alerts.jsonl`) or bare names
 * (`login`, `stderr`); their kinds live in registries ({@linkcode STEP_ARGUMENT_SCHEMAS},
 * {@linkcode SINK_SCHEMAS}) so new kinds add one entry each.
 *
 * @module
 */

import { z } from "zod";
import { LOGIN_RESULT_NAME_LIST } from "../protocol/login_result.ts";
import { DURATION_PATTERN, parseDuration } from "./duration.ts";
import { DEFAULT_MAX_DOWNTIME, MAX_DOWNTIME_PATTERN, maxDowntimeMs } from "./max_downtime.ts";
import { MARKET_STEP_SCHEMAS } from "./step_schemas.ts";
import { THRESHOLD_METRIC_NAMES, THRESHOLD_METRICS } from "./thresholds.ts";
import type { StepKindSchema } from "./step_kind.ts";
import { once } from "./once.ts";

export type { StepCheckContext, StepKindSchema } from "./step_kind.ts";

/** The workflow format version this code reads. */
export const WORKFLOW_VERSION = 1;

const _DURATION_EXPECTED = "expected a duration such as 250ms, 20s, 5m or 1h";

const _MAX_DOWNTIME_EXPECTED =
  "expected a share of the hold such as 10% (at most 100%) or a duration such as 5s";
const _MAX_DOWNTIME = new RegExp(`${MAX_DOWNTIME_PATTERN.source}|${DURATION_PATTERN.source}`);

/**
 * A duration string (`250ms`, `20s`, `5m`, `1h`).
 *
 * @param description What the duration is for.
 * @returns The schema.
 */
export function durationSchema(description: string): z.ZodString {
  return z.string({ error: _DURATION_EXPECTED })
    .regex(DURATION_PATTERN, { error: _DURATION_EXPECTED })
    .meta({ description, examples: ["250ms", "20s", "5m", "1h"] });
}

/** The shortest `connection.heartbeat` a workflow may ask for (a faster one floods the server). */
export const MIN_HEARTBEAT_MS = 100;
/** The shortest `connection.reconnect.initial_delay` (a smaller one reconnects in a tight loop). */
export const MIN_RECONNECT_INITIAL_DELAY_MS = 50;
/** The shortest `connection.reconnect.max_delay` (caps logins after drops at about 5 a second). */
export const MIN_RECONNECT_MAX_DELAY_MS = 200;

/**
 * A duration string with a lower bound, checked at validation (exit 2, nothing sent).
 *
 * @param description What the duration is for.
 * @param minMs The smallest accepted duration, in milliseconds.
 * @param minText The bound as a duration, for the message (e.g. `100ms`).
 * @returns The schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { minDurationSchema } from "./workflow_schema.ts";
 *
 * const heartbeat = minDurationSchema("Heartbeat interval", 100, "100ms");
 * assert.equal(heartbeat.safeParse("20s").success, true);
 * assert.match(heartbeat.safeParse("1ms").error?.issues[0]?.message ?? "", /at least 100ms/);
 * ```
 */
export function minDurationSchema(
  description: string,
  minMs: number,
  minText: string,
): z.ZodString {
  return durationSchema(description).refine((text) => (parseDuration(text) ?? minMs) >= minMs, {
    error: `expected a duration of at least ${minText}`,
  });
}

function _text(expected: string, description: string): z.ZodString {
  return z.string({ error: `expected ${expected}` }).min(1, { error: `expected ${expected}` })
    .meta({ description });
}

/** The events alerts can fire on, besides login result names. */
export const ALERT_EVENTS = [
  "login_failed",
  "disconnected",
  "reconnected",
  "stale",
  "maintenance",
  "frame_error",
  "step_failed",
  "failed",
  "succeeded",
  "threshold_crossed",
] as const;

/** An event an alert can fire on (see {@linkcode ALERT_EVENTS}). */
export type AlertEventName = (typeof ALERT_EVENTS)[number];

/** Every value `on:` accepts: every login result short name, then {@linkcode ALERT_EVENTS}. */
export const ALERT_ON_NAMES: readonly string[] = [
  ...LOGIN_RESULT_NAME_LIST.filter((name) => name !== "LOGIN_SUCCESS"),
  ...ALERT_EVENTS,
];

/** Variables alert `message` templates may use as `{{ name }}`. */
export const TEMPLATE_VARIABLES = [
  "workflow",
  "event",
  "result",
  "error_message",
  "step",
  "reason",
  "detail",
  "url",
  "at",
  "attempt",
  "exit_code",
  "threshold",
] as const;

/** `connection.auth`: an API key, or the username/password set. */
export const AuthSchema = z.strictObject({
  api_key: _text(
    "an API key, e.g. ${T4_API_KEY}",
    "API key (use ${NAME} to read it from the environment)",
  ).optional(),
  firm: _text("a firm name", "Firm name (username/password login)").optional(),
  username: _text("a user name", "User name (username/password login)").optional(),
  password: _text(
    "a password, e.g. ${T4_PASSWORD}",
    "Password (use ${NAME} to read it from the environment)",
  ).optional(),
  app_name: _text("an application name", "Registered application name").optional(),
  app_license: _text("an application license", "Application license").optional(),
  price_format: z.enum(["decimal", "real", "clearing_decimal"], {
    error: "expected one of decimal, real, clearing_decimal",
  }).optional().meta({ description: "How the server formats prices (default decimal)" }),
}, { error: "expected a map with api_key, or firm, username, password, app_name and app_license" })
  .meta({
    description:
      "Credentials: api_key alone, or firm, username, password, app_name and app_license",
  });

/** `connection.reconnect`: the reconnect policy, or `false` to fail instead of reconnecting. */
export const ReconnectSchema = z.union([
  z.literal(false),
  z.strictObject({
    initial_delay: minDurationSchema(
      "Upper bound of the first delay (default 500ms, at least 50ms)",
      MIN_RECONNECT_INITIAL_DELAY_MS,
      "50ms",
    ).optional(),
    max_delay: minDurationSchema(
      "Cap of the delay (default 30s, at least 200ms)",
      MIN_RECONNECT_MAX_DELAY_MS,
      "200ms",
    ).optional(),
    max_attempts: z.int({ error: "expected a whole number of attempts >= 1" })
      .min(1, { error: "expected a whole number of attempts >= 1" }).optional()
      .meta({ description: "Attempts before giving up (default unlimited)" }),
  }),
], { error: "expected false or a map with initial_delay, max_delay, max_attempts" })
  .meta({ description: "Reconnect policy after a drop, or false to fail the run instead" });

/** `connection`: where and how to connect. */
export const ConnectionSchema = z.strictObject({
  env: z.enum(["live", "sim"], { error: "expected live or sim" }).optional()
    .meta({ description: "A documented T4 endpoint; give env or url" }),
  url: z.string({ error: "expected a ws:// or wss:// URL" })
    .regex(/^wss?:\/\/\S+$/, { error: "expected a ws:// or wss:// URL" }).optional()
    .meta({ description: "WebSocket URL, e.g. ws://127.0.0.1:8080/v1; give env or url" }),
  api: z.string({ error: "expected an https:// URL" })
    .regex(/^https?:\/\/\S+$/, { error: "expected an https:// URL (or http:// to loopback)" })
    .optional()
    .meta({
      description:
        "REST API base for market: front, e.g. https://api-sim.t4login.com (default: the REST base of env; required with url when a step uses market: front)",
    }),
  auth: AuthSchema,
  heartbeat: minDurationSchema(
    "Heartbeat interval (default 20s, at least 100ms)",
    MIN_HEARTBEAT_MS,
    "100ms",
  ).optional(),
  missed_heartbeats: z.int({ error: "expected a whole number >= 1" })
    .min(1, { error: "expected a whole number >= 1" }).optional()
    .meta({ description: "Silent intervals before the connection counts as dead (default 3)" }),
  login_timeout: durationSchema("Time allowed for the login answer (default 15s)").optional(),
  reconnect: ReconnectSchema.optional(),
  maintenance: z.boolean({ error: "expected true or false" }).optional()
    .meta({ description: "Honour the weekly maintenance window (default true)" }),
  allow_insecure: z.boolean({ error: "expected true or false" }).optional()
    .meta({ description: "Allow ws:// to hosts other than loopback (default false)" }),
  transport: z.enum(["websocket", "socket"], { error: "expected websocket or socket" }).optional()
    .meta({
      description:
        "websocket: the runtime's native WebSocket (default); socket: t4flow's RFC 6455 client over TCP/TLS sockets (faster on Deno)",
    }),
}, { error: "expected a map with env or url, and auth" })
  .meta({ description: "Where and how to connect" });

/**
 * Arguments of each step kind: `null` means the step is written as a bare name (`login`); a
 * schema means it is written as `kind: arguments` (`hold: 30s`). A kind with an optional argument
 * schema may be written both ways.
 */
export const STEP_ARGUMENT_SCHEMAS: Record<string, StepKindSchema> = {
  login: {
    bare: true,
    session: "opens",
    args: z.strictObject({
      timeout: durationSchema(
        "Time allowed for the login answer (overrides connection.login_timeout)",
      )
        .optional(),
    }, { error: "expected a map with timeout, or nothing" }).nullable(),
    description: "Connect and log in; a login error fails the run",
  },
  hold: {
    bare: false,
    session: "needs",
    args: z.union([
      durationSchema("How long to keep the session open"),
      z.strictObject({
        duration: durationSchema("How long to keep the session open"),
        max_downtime: z.string({ error: _MAX_DOWNTIME_EXPECTED })
          .regex(_MAX_DOWNTIME, { error: _MAX_DOWNTIME_EXPECTED }).optional()
          .meta({
            description:
              `Longest the session may be down during the hold, a share (10%) or a duration (5s); more fails the hold (default ${DEFAULT_MAX_DOWNTIME})`,
            examples: ["10%", "5s"],
          }),
      }, { error: "expected a map with duration and max_downtime" }),
    ], {
      error:
        "expected a duration such as 250ms, 20s, 5m or 1h, or a map with duration and max_downtime",
    }),
    check: (args, report) => {
      const a = args as string | { duration: string; max_downtime?: string };
      if (typeof a === "string" || a.max_downtime === undefined) return;
      if (maxDowntimeMs(a.max_downtime, parseDuration(a.duration) ?? 0) === undefined) {
        report(["max_downtime"], _MAX_DOWNTIME_EXPECTED);
      }
    },
    description:
      "Keep the session open; heartbeats and reconnects run underneath; fails when the session was down longer than max_downtime",
  },
};

Object.assign(STEP_ARGUMENT_SCHEMAS, MARKET_STEP_SCHEMAS);

/** Keys every step map may have besides its kind. */
export const STEP_COMMON_SCHEMA: z.ZodObject = z.strictObject({
  name: _text("a step name", "A name for the step in output and reports").optional(),
});

/** Alert sinks, written like steps: a bare name or `kind: argument`. */
export const SINK_SCHEMAS: Record<string, { args: z.ZodType; bare: boolean; description: string }> =
  {
    stderr: {
      bare: true,
      args: z.null(),
      description: "Print the alert message on standard error",
    },
    stdout: {
      bare: true,
      args: z.null(),
      description: "Print the alert message on standard output",
    },
    file: {
      bare: false,
      args: _text(
        "a file path",
        "Append one JSON object per alert (relative to the workflow file)",
      ),
      description: "Append the alert as one JSON line",
    },
    webhook: {
      bare: false,
      args: z.string({ error: "expected an http:// or https:// URL" })
        .regex(/^https?:\/\/\S+$/, { error: "expected an http:// or https:// URL" }),
      description: "POST the alert as JSON with a Slack-compatible text field",
    },
    command: {
      bare: false,
      args: z.union([
        _text("a command", "Run through the shell"),
        z.array(z.string()).min(1),
      ], { error: "expected a command line or a list of program and arguments" }),
      description: "Run a program with the alert as JSON on standard input",
    },
  };

function _variantSchema(
  registry: Record<string, { args: z.ZodType; bare: boolean; description: string }>,
  common: z.ZodObject | undefined,
): z.ZodType {
  const bare = Object.keys(registry).filter((kind) => registry[kind]?.bare);
  const maps = Object.entries(registry).map(([kind, { args, description }]) =>
    z.strictObject({
      [kind]: args,
      ...(common?.shape ?? {}),
    }).meta({ description })
  );
  return z.union([z.enum(bare as [string, ...string[]]), ...maps]);
}

const _SINKS_EXPECTED =
  "expected a list of sinks, e.g. 'to: [stderr]' or 'to: [{ file: alerts.jsonl }]'";

/** What `on:` expects, in messages. */
export const ALERT_ON_EXPECTED =
  "expected a login result name (e.g. LOCKED_OUT), login_failed or an event";

/** One alert. */
export const AlertSchema = z.strictObject({
  on: z.enum(ALERT_ON_NAMES as [string, ...string[]], {
    error: ALERT_ON_EXPECTED,
  }).meta({ description: "A login result short name, login_failed, or an event" }),
  message: z.string({ error: "expected a message template" }).optional()
    .meta({ description: "Message template with {{ variables }}" }),
  to: z.array(_variantSchema(SINK_SCHEMAS, undefined), { error: "expected a list of sinks" })
    .min(1, { error: "expected at least one sink" }).optional()
    .meta({ description: "Where the alert goes (default stderr)" }),
  repeat: z.boolean({ error: "expected true or false" }).optional()
    .meta({ description: "Fire every time, not once per run (default false)" }),
  min_interval: durationSchema(
    "With repeat: true, the least time between two firings; the ones in between are counted and reported with the next (default 10s; 0s turns the limit off)",
  ).optional(),
}, { error: "expected a map with on, message and to" });

/**
 * `schedule:`, when `t4flow monitor` runs the workflow: `every` or `cron` (with `cron_tz`). The
 * monitor's `--every` / `--cron` apply to workflows without one.
 */
export const ScheduleSchema = z.strictObject({
  every: durationSchema("Run now, then every DURATION (at least 1s), e.g. 5m").optional(),
  cron: z.string({ error: "expected a cron expression such as '*/5 * * * *'" })
    .min(1, { error: "expected a cron expression such as '*/5 * * * *'" })
    .meta({
      description: "Run at each match of a cron expression (5 fields, or 6 with seconds first)",
      examples: ["*/5 * * * *", "0 8 * * 1-5"],
    }).optional(),
  cron_tz: z.string({ error: "expected an IANA time zone such as America/Chicago" })
    .min(1, { error: "expected an IANA time zone such as America/Chicago" })
    .meta({
      description: "Time zone of cron (default: the machine's local zone)",
      examples: ["America/Chicago", "UTC"],
    }).optional(),
}, { error: "expected a map with every or cron" }).meta({
  description: "When t4flow monitor runs this workflow (default: the monitor's --every / --cron)",
});

/**
 * `thresholds:`: k6-style conditions on the run's measured numbers; a crossed one fails it. Only
 * the JSON Schema uses it (the loader checks thresholds itself), so it is built on first use.
 */
const _thresholdsSchema = once(() => {
  const condition = z.string().meta({
    description: "A condition such as 'p95 < 500ms', 'max < 2s' or 'count == 0'",
    examples: ["p95 < 500ms", "max < 2s", "count == 0"],
  });
  return z.strictObject(
    Object.fromEntries(
      THRESHOLD_METRIC_NAMES.map((name) => [
        name,
        z.union([condition, z.array(condition).min(1)]).optional().meta({
          description: THRESHOLD_METRICS[name].description,
        }),
      ]),
    ),
  ).meta({
    description:
      "Conditions on the run's measured numbers (k6 style); a crossed threshold fails the run (exit 1) and fires 'threshold_crossed'",
  });
});

function _workflowSchema(step: z.ZodType, sink: z.ZodType | undefined) {
  // The document schema leaves `on` open: the loader checks it against the built-in events and
  // the workflow's watch names, with a "did you mean".
  const alert = sink
    ? AlertSchema.extend({
      on: z.string({ error: ALERT_ON_EXPECTED }),
      to: z.array(sink, { error: _SINKS_EXPECTED }).min(1, { error: _SINKS_EXPECTED }).optional(),
    })
    : AlertSchema.extend({
      on: z.union([
        AlertSchema.shape.on,
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).meta({
          description: "The name of a watch step (its event)",
        }),
      ]).meta({ description: "A login result short name, login_failed, an event or a watch name" }),
    });
  return z.strictObject({
    version: z.literal(WORKFLOW_VERSION, { error: `expected ${WORKFLOW_VERSION}` })
      .meta({ description: "Workflow format version" }),
    name: _text("a workflow name", "Workflow name, used in output, reports and alerts"),
    description: z.string({ error: "expected a text" }).optional(),
    connection: ConnectionSchema,
    environment: z.enum(["live", "sim"], { error: "expected live or sim" }).optional().meta({
      description:
        "The environment order steps are meant for: 'live' (with --allow-live-orders) lets order steps reach a live endpoint",
    }),
    max_order_volume: z.int({ error: "expected a whole number of contracts >= 1" })
      .min(1, { error: "expected a whole number of contracts >= 1" }).optional()
      .meta({ description: "Largest volume any order step may have; larger ones are refused" }),
    schedule: ScheduleSchema.optional(),
    steps: z.array(step, { error: "expected a list of steps" })
      .min(1, { error: "expected at least one step" }),
    alerts: z.array(alert, { error: "expected a list of alerts" }).optional(),
    thresholds: sink ? z.unknown().optional() : _thresholdsSchema().optional(),
  }, { error: "expected a map with version, name, connection and steps" });
}

/**
 * The whole workflow file, as the JSON Schema describes it: every step kind's schema, so it is
 * built on first use (by {@linkcode workflowJsonSchema}), not by the loader.
 */
const _fullWorkflowSchema = once(() =>
  _workflowSchema(_variantSchema(STEP_ARGUMENT_SCHEMAS, STEP_COMMON_SCHEMA), undefined)
);

/**
 * The same schema with steps and sinks left open: the loader checks them one by one against the
 * registries for precise messages.
 */
export const WorkflowDocumentSchema = _workflowSchema(z.unknown(), z.unknown());

/**
 * Generates the JSON Schema of the workflow format.
 *
 * @returns A JSON Schema (draft 2020-12) object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workflowJsonSchema } from "./workflow_schema.ts";
 *
 * const schema = workflowJsonSchema();
 * assert.equal(schema.$id, "https://t4flow.dev/schema/workflow.schema.json");
 * assert.deepEqual(schema.required, ["version", "name", "connection", "steps"]);
 * ```
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const generated = _acceptEnvReferences(
    z.toJSONSchema(_fullWorkflowSchema(), { io: "input", unrepresentable: "any" }),
  ) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    $id: "https://t4flow.dev/schema/workflow.schema.json",
    title: "t4flow workflow",
    description: `A t4flow workflow, format version ${WORKFLOW_VERSION}`,
    ...generated,
  };
}

/** A string with a `${NAME}`, `${NAME:-default}` or `${NAME:?message}` reference. */
const _ENV_REFERENCE = {
  type: "string",
  pattern: "\\$\\{[A-Za-z_][A-Za-z0-9_]*(:[-?][^}]*)?\\}",
  description: "Read from the environment (or --env-file) when the workflow is loaded",
};

/**
 * The loader interpolates `${NAME}` before it checks values, so a string with a pattern or a list
 * of allowed values also accepts a `${NAME}` reference (e.g. `webhook: ${ALERT_WEBHOOK}`).
 */
function _acceptEnvReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(_acceptEnvReferences);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = _acceptEnvReferences(value);
  if (out.type === "string" && (out.pattern !== undefined || out.enum !== undefined)) {
    const { description, examples, ...rest } = out;
    return {
      ...(description !== undefined && { description }),
      ...(examples !== undefined && { examples }),
      anyOf: [rest, _ENV_REFERENCE],
    };
  }
  return out;
}
