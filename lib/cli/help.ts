/**
 * The help texts of the `t4flow` command line, light on purpose: `t4flow --help` and
 * `t4flow COMMAND --help` print them without loading the command's module.
 *
 * @module
 */

import { MONITOR_HELP } from "../monitor/monitor_flags.ts";
import { METRICS_HELP } from "./run_metrics.ts";
import { SIM_HELP } from "../sim/sim_help.ts";
import { REPORT_VERSION, T4FLOW_VERSION } from "../workflow/run_report.ts";

/**
 * The help text of each command, and of `t4flow` itself under `main`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLI_HELP } from "./help.ts";
 *
 * assert.match(CLI_HELP.run!, /^Usage: t4flow run FILE/);
 * ```
 */
export const CLI_HELP: Readonly<Record<string, string>> = {
  main: `t4flow ${T4FLOW_VERSION}: run YAML workflows against the T4 futures-trading WebSocket API

Usage:
  t4flow run FILE [options]        run a workflow
  t4flow validate FILE...          check workflow files; nothing is sent
  t4flow sim [options]             start the embedded T4 simulator
  t4flow schema                    print the workflow JSON Schema
  t4flow console [options]         send ClientMessages and watch ServerMessages on a live session
  t4flow monitor PATH... [options] run many workflows on schedules, with a status page
  t4flow markets front|search|list look markets up through the T4 REST API
  t4flow COMMAND --help            help for a command
  t4flow --version                 print the version

Exit codes: 0 success, 1 a step failed, 2 invalid usage or workflow (nothing was sent),
3 could not connect or log in, 130 interrupted.
`,
  markets: `Usage: t4flow markets front EXCHANGE CONTRACT [options]
       t4flow markets search TEXT [options]
       t4flow markets list EXCHANGE [CONTRACT] [options]

Looks markets up through the T4 REST API: the front market of a contract (the nearest
unexpired one), contracts matching a text, the contracts of an exchange, or the unexpired
markets of a contract. Prints a table (or JSON) and exits with 0 found, 1 the lookup failed
(e.g. an unknown contract), 2 invalid usage, 3 could not connect, log in or authorize.

Credentials: T4_API_KEY (sent as APIKey), or T4_FIRM, T4_USERNAME, T4_PASSWORD, T4_APP_NAME
and T4_APP_LICENSE (a WebSocket login whose session token is sent as Bearer).

Options:
  --env live|sim     the documented endpoint and its REST API (default sim)
  --url URL          log in here instead (password credentials); needs --api
  --api URL          the REST API base, e.g. http://127.0.0.1:8766 for t4flow sim
  --env-file FILE    read the T4_* variables from FILE (the environment wins)
  --json             print JSON instead of a table
  -h, --help         this help
`,
  run: `Usage: t4flow run FILE [options]

Runs the workflow's steps in order on one T4 session, fires its alerts and exits with
0 success, 1 a step failed, 2 invalid usage or workflow or an unwritable output (nothing was
sent), 3 could not connect or log in (or, in a monitor, a login skipped because these credentials
were refused with a fatal result), 130 interrupted (Ctrl-C, SIGTERM). A second Ctrl-C or SIGTERM
exits at once with 130 or 143.

Options:
  --url URL          connect here instead of connection.env / connection.url
  --api URL          REST API base for market: front instead of connection.api
  --env live|sim     connect to a documented endpoint instead
  --env-file FILE    read \${NAME} variables from FILE (the environment wins)
  --report FILE      write the JSON report (report_version ${REPORT_VERSION}) to FILE
  --hold DURATION    shorten (or lengthen) every hold step, e.g. 2s
  --json             print JSON lines instead of human output
  --dry-run          validate, build and encode every frame, print them (secrets redacted)
                     and exit without connecting
  --allow-live-orders  let order steps reach a live endpoint (the workflow must also say
                     'environment: live')
  --junit FILE       also write a JUnit XML report (one test case per step) to FILE
  --record FILE      record every frame of the session to FILE (no secret is written;
                     format in docs/console.md)
  --replay FILE      play a recording instead of connecting: nothing connects anywhere;
                     a frame the workflow sends that the recording lacks fails the step
  --speed N|max      replay N times faster than recorded, or as fast as possible (default 1)
  -h, --help         this help

${MONITOR_HELP}
${METRICS_HELP}`,
  console: `Usage: t4flow console (--env live|sim | --url URL) [options]

Connects, logs in from T4_API_KEY (or T4_FIRM, T4_USERNAME, T4_PASSWORD, T4_APP_NAME and
T4_APP_LICENSE) and keeps the session alive (heartbeats, reconnects). On a terminal: a prompt
that takes one ClientMessage per line in protobuf JSON or YAML (Tab completes, /help). From a
pipe: one ClientMessage JSON per input line in, one ServerMessage JSON per line out on stdout,
status and errors on stderr. Credentials are never shown. See docs/console.md.

Exit codes: 0 input ended (after --wait), 1 the session ended first, 2 invalid usage or an
invalid input line, 3 could not connect or log in.

Options:
  --url URL          connect here
  --env live|sim     connect to a documented endpoint
  --env-file FILE    read the T4_* variables from FILE (the environment wins)
  --no-login         connect without logging in (type the loginRequest yourself)
  --record FILE      record every frame to FILE (no secret is written)
  --wait DURATION    after the input ends, wait this long for answers (default 1s)
  --heartbeats       show heartbeats too
  -h, --help         this help
`,
  validate: `Usage: t4flow validate FILE... [options]

Checks each workflow file (YAML, schema, \${NAME} variables, steps, CEL expressions, alerts,
the order guard against the workflow's own endpoint) and prints every
problem as FILE:LINE:COLUMN: severity: key: message. Nothing is sent. Exit 0 when every file is
valid, 2 otherwise.

Options:
  --env-file FILE    read \${NAME} variables from FILE (the environment wins)
  --allow-live-orders  check order steps as 'run --allow-live-orders' would
  --json             print one JSON object per file
  -h, --help         this help
`,
  monitor: `Usage: t4flow monitor PATH... [options]

Runs many workflows in one process, each on its own schedule (its 'schedule:' key, else
--every/--cron), keeps every run in a history (SQLite) and serves a status page, a JSON API
(/api/status), badges (/badges/NAME.svg) and Prometheus metrics (/metrics). PATH is a workflow
file or a directory (every *.yaml and *.yml in it). One workflow's failure never stops another.
SIGTERM or Ctrl-C: no new runs; running checks get --grace to finish; exit 130. A second signal
exits at once (130, or 143 for SIGTERM).

Options:
  --listen HOST:PORT         the status page (default 127.0.0.1:8090); any address other than
                             loopback must be given here and prints a warning (no authentication)
  --db FILE                  keep the history in FILE (default: in memory, lost on exit); a
                             restart with the same FILE shows the earlier history at once
  --retain DURATION          delete runs older than this (default 30d; units ms, s, m, h, d)
  --every DURATION           schedule of workflows without 'schedule:' (default 5m)
  --cron "EXPR"              ... or a cron expression for them
  --cron-tz ZONE             time zone of --cron (default: local)
  --concurrency N            at most N runs at a time (default 4)
  --grace DURATION           on SIGTERM, running checks get this long to finish (default 30s)
  --fail-after N             alert after N failed runs in a row (default 1)
  --resolve-after N          resolved after N successful runs in a row (default 1)
  --remind-every DURATION    while still failing, remind at most this often (default never)
  --in-maintenance skip|run  inside the weekly T4 maintenance window (default skip)
  --retry-refused-login      send credentials again although they were refused with a fatal
                             result such as LOCKED_OUT (default: that workflow's later runs
                             fail without sending them, until they change)
  --url URL                  connect every workflow here instead of its connection
  --env live|sim             connect every workflow to a documented endpoint instead
  --api URL                  REST API base for market: front instead of connection.api
  --sim                      start the embedded simulator and connect every workflow to it
                             (T4_API_KEY defaults to its demo key, ALERT_WEBHOOK to a local sink)
  --hold DURATION            shorten (or lengthen) every hold step, e.g. 5s
  --env-file FILE            read \${NAME} variables from FILE (the environment wins)
  --allow-live-orders        let order steps reach a live endpoint
  --json                     print JSON lines instead of human output
  -h, --help                 this help
`,
  schema: `Usage: t4flow schema

Prints the JSON Schema of the workflow format (also in schema/workflow.schema.json). Point your
editor at it with: # yaml-language-server: $schema=<path>/workflow.schema.json
`,
  sim: SIM_HELP,
};
