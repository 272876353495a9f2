#!/usr/bin/env bash
# Builds the single binary with Bun (`bun build --compile`, works offline) and smoke-tests it end
# to end with no Deno or Bun on the PATH: the binary starts its own simulator (`t4flow sim`) and
# runs the demo workflow (examples/session-check.yaml) against it, then runs it again as a
# monitor with `--state` (twice, like two cron runs). Every run must exit 0.
#
# Needs: bun on the PATH (to build), bash and coreutils. Usage: bash .ci/smoke_binary.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

command -v bun >/dev/null || {
  echo "smoke: bun is needed to build the binary (export PATH=.../node_modules/.bin:\$PATH)" >&2
  exit 1
}

echo "== building dist/t4flow with bun build --compile"
bun build --compile --bytecode --format=esm --splitting cli.ts --outfile dist/t4flow

work=$(mktemp -d)
sim_pid=""
rm_bin=$(command -v rm)
cleanup() {
  if [[ -n $sim_pid ]]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  "$rm_bin" -rf "$work"
}
trap cleanup EXIT

# A PATH with only the few tools this script uses: no deno, no bun, no node.
tools="$work/bin"
mkdir "$tools"
for tool in cat cut du env grep head sed sleep; do
  ln -s "$(command -v "$tool")" "$tools/$tool"
done
# Run from a directory outside the repository: no node_modules, no deno.json next to the binary.
cp dist/t4flow "$work/t4flow"
cp examples/session-check.yaml "$work/session-check.yaml"
cd "$work"
export PATH="$tools"
if command -v deno >/dev/null || command -v bun >/dev/null || command -v node >/dev/null; then
  echo "smoke: deno, bun or node is still on the PATH" >&2
  exit 1
fi
# Nothing but what the binary needs: no HOME, no DENO_*, no BUN_* from the CI environment.
run() { env -i PATH="$tools" TZ=UTC "$@"; }

echo "== dist/t4flow --version"
run ./t4flow --version

echo "== dist/t4flow sim (background)"
# A simple command (not the `run` function), so that $! is the binary itself and not a subshell.
env -i PATH="$tools" TZ=UTC ./t4flow sim --port 0 >sim.log 2>&1 &
sim_pid=$!
url=""
for _ in {1..300}; do
  url=$(grep -o 'ws://[^[:space:]"]*' sim.log | head -n 1 || true)
  [[ -n $url ]] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "smoke: the simulator printed no ws:// URL within 30 s:" >&2
  cat sim.log >&2
  exit 1
fi
# The simulator prints a demo credential; take it from its output (T4_API_KEY=... or "api key: ...").
api_key=$(grep -o 'T4_API_KEY=[^[:space:]"]*' sim.log | head -n 1 | cut -d= -f2- 2>/dev/null || true)
if [[ -z $api_key ]]; then
  api_key=$(grep -io 'api[ _-]\{0,1\}key[^:=]*[:=][[:space:]]*[^[:space:]"]*' sim.log | head -n 1 |
    sed 's/^[^:=]*[:=][[:space:]]*//' || true)
fi
if [[ -z $api_key ]]; then
  echo "smoke: the simulator printed no demo API key:" >&2
  cat sim.log >&2
  exit 1
fi
echo "simulator at $url"

# The webhook sink only fires on LOCKED_OUT; it points at a closed loopback port.
check_env=(T4_API_KEY="$api_key" ALERT_WEBHOOK="http://127.0.0.1:9/unused")

echo "== dist/t4flow run session-check.yaml --url $url"
code=0
run "${check_env[@]}" ./t4flow run session-check.yaml --url "$url" --hold 2s --report report.json || code=$?
if [[ $code -ne 0 ]]; then
  echo "smoke: the demo workflow exited $code (expected 0)" >&2
  cat report.json >&2 2>/dev/null || true
  exit 1
fi
grep -q '"exit_code": 0' report.json || {
  echo "smoke: the report does not say exit_code 0" >&2
  cat report.json >&2
  exit 1
}

echo "== dist/t4flow run ... --state (two cron-style runs)"
for n in 1 2; do
  code=0
  run "${check_env[@]}" ./t4flow run session-check.yaml --url "$url" --hold 1s \
    --state state/session-check.json --in-maintenance run || code=$?
  if [[ $code -ne 0 ]]; then
    echo "smoke: monitor run $n exited $code (expected 0)" >&2
    exit 1
  fi
done
grep -q '"format": "t4flow-alert-state"' state/session-check.json || {
  echo "smoke: no alert state file was written" >&2
  exit 1
}
grep -q '"consecutiveSuccesses": 2' state/session-check.json || {
  echo "smoke: the alert state did not count two successful runs:" >&2
  cat state/session-check.json >&2
  exit 1
}

echo "== dist/t4flow run ... --every 1s (a long-running monitor, stopped with SIGTERM)"
env -i PATH="$tools" TZ=UTC "${check_env[@]}" ./t4flow run session-check.yaml --url "$url" --hold 250ms --every 1s \
  --in-maintenance run --json >monitor.jsonl 2>monitor.err &
monitor_pid=$!
runs=0
for _ in {1..600}; do
  runs=$(grep -c '"type":"monitor_run"' monitor.jsonl || true)
  [[ $runs -ge 2 ]] && break
  kill -0 "$monitor_pid" 2>/dev/null || break
  sleep 0.1
done
kill -TERM "$monitor_pid" 2>/dev/null || true
code=0
wait "$monitor_pid" || code=$?
if [[ $runs -lt 2 || $code -ne 130 ]]; then
  echo "smoke: the monitor made $runs run(s) in 60 s and exited $code (expected >= 2 and 130)" >&2
  cat monitor.jsonl monitor.err >&2
  exit 1
fi
if grep -q '"outcome":"failure"' monitor.jsonl; then
  echo "smoke: a monitor run failed:" >&2
  cat monitor.jsonl >&2
  exit 1
fi

echo "== binary smoke test passed ($(cd "$root" && du -h dist/t4flow | cut -f1) binary)"
