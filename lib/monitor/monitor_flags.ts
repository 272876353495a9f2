/**
 * The monitor flags of `t4flow run` (`--every`, `--cron`, `--state`, ...): their `parseArgs` form,
 * help text and mapping to {@linkcode MonitorFlags}. Light on purpose: the command line reads them
 * without loading the scheduler.
 *
 * @module
 */

import type { MonitorFlags } from "./run_monitor.ts";

/** The monitor options of `t4flow run`, in `node:util` `parseArgs` form (all strings). */
export const MONITOR_ARG_OPTIONS = {
  every: { type: "string" },
  cron: { type: "string" },
  "cron-tz": { type: "string" },
  state: { type: "string" },
  "fail-after": { type: "string" },
  "resolve-after": { type: "string" },
  "remind-every": { type: "string" },
  "in-maintenance": { type: "string" },
  "retry-refused-login": { type: "boolean" },
} as const;

/** The help text of the monitor options, for `t4flow run --help`. */
export const MONITOR_HELP = `Monitor options (scheduled checks):
  --every DURATION           keep running: run now, then every DURATION (30s, 5m, 1h)
  --cron "EXPR"              keep running: run at each match of a cron expression
  --cron-tz ZONE             time zone of --cron (default: local), e.g. America/Chicago
  --state FILE               keep the alert state in FILE between runs (cron jobs)
  --fail-after N             alert after N failed runs in a row (default 1)
  --resolve-after N          resolved after N successful runs in a row (default 1)
  --remind-every DURATION    while still failing, remind at most this often (default never)
  --in-maintenance skip|run  inside the weekly T4 maintenance window (default skip: exit 0)
  --retry-refused-login      log in although these credentials were refused with a fatal
                             result (LOCKED_OUT, ...); without it such runs skip the login, exit 3
`;

/**
 * Picks the monitor flags out of parsed `t4flow run` arguments.
 *
 * @param values The `values` of `parseArgs` (with {@linkcode MONITOR_ARG_OPTIONS} merged in).
 * @returns The raw monitor flags for `parseMonitorFlags`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMonitorFlags } from "./run_monitor.ts";
 * import { monitorFlagsFromArgs } from "./monitor_flags.ts";
 *
 * const flags = monitorFlagsFromArgs({ json: true, every: "5m", "fail-after": "2" });
 * assert.deepEqual(flags, { every: "5m", failAfter: "2" });
 * assert.equal(parseMonitorFlags(flags)?.policy.failureThreshold, 2);
 * ```
 */
export function monitorFlagsFromArgs(values: Readonly<Record<string, unknown>>): MonitorFlags {
  const flags: MonitorFlags = {};
  const pick = (
    name: keyof typeof MONITOR_ARG_OPTIONS,
    key: Exclude<keyof MonitorFlags, "retryRefusedLogin">,
  ) => {
    const value = values[name];
    if (typeof value === "string") flags[key] = value;
  };
  pick("every", "every");
  pick("cron", "cron");
  pick("cron-tz", "cronTz");
  pick("state", "state");
  pick("fail-after", "failAfter");
  pick("resolve-after", "resolveAfter");
  pick("remind-every", "remindEvery");
  pick("in-maintenance", "inMaintenance");
  if (values["retry-refused-login"] === true) flags.retryRefusedLogin = true;
  return flags;
}
