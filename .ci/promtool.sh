#!/usr/bin/env bash
# Lints t4flow's Prometheus exposition with promtool, the linter Prometheus itself ships:
#  1. gets promtool from Debian's `prometheus` package, pinned, without installing the server
#     (apt-get download + dpkg -x into a temporary directory; nothing is kept in the repository);
#  2. starts the embedded simulator and `t4flow run --metrics` on a held session, scrapes its
#     GET /metrics once quotes are counted, and runs `promtool check metrics` on the scrape;
#  3. runs the metrics test files again with PROMTOOL set, so each of their scrapes and pushes is
#     linted by promtool too;
#  4. checks the example Prometheus configuration and alert rules in deploy/prometheus/.
#
# Needs: root (apt-get), deno on the PATH, curl. Usage: bash .ci/promtool.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The Debian version this was written against (bookworm: 2.42.0+ds-5+deb12u1). Override with
# PROMETHEUS_DEB_VERSION when Debian ships a newer one.
version=${PROMETHEUS_DEB_VERSION:-2.42.0+ds-5+deb12u1}

work=$(mktemp -d)
chmod 755 "$work" # apt-get download runs as _apt
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

echo "== promtool from Debian's prometheus=$version (apt-get download, dpkg -x)"
apt-get update -qq
(cd "$work" && apt-get download -qq "prometheus=$version")
dpkg -x "$work"/prometheus_*.deb "$work/deb"
promtool="$work/deb/usr/bin/promtool"
"$promtool" --version | head -n 1

wait_for() { # wait_for FILE REGEX PID: prints the first match of REGEX in FILE
  for _ in {1..600}; do
    if grep -o -m 1 -E "$2" "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "promtool.sh: no match for $2 in $1:" >&2
  cat "$1" >&2
  return 1
}

echo "== t4flow sim + t4flow run --metrics (held session)"
deno run -A --quiet cli.ts sim --port 0 >"$work/sim.log" 2>&1 &
pids+=($!)
sim_url=$(wait_for "$work/sim.log" 'ws://127\.0\.0\.1:[0-9]+/v1' "${pids[0]}")
cat >"$work/held.yaml" <<EOF
version: 1
name: promtool-held
connection:
  url: $sim_url
  auth: { api_key: "\${T4_API_KEY}" }
  maintenance: false
steps:
  - login
  - subscribe_market: { exchange: CME_Eq, contract: ES, market: "XCME_Eq ES (Z26)" }
  - hold: 10m
EOF
T4_API_KEY=demo-api-key deno run -A --quiet cli.ts run "$work/held.yaml" --metrics 127.0.0.1:0 \
  >"$work/run.log" 2>&1 &
pids+=($!)
metrics_url=$(wait_for "$work/run.log" 'http://127\.0\.0\.1:[0-9]+/metrics' "${pids[1]}")
echo "scraping $metrics_url"
for _ in {1..600}; do
  curl -fsS "$metrics_url" >"$work/scrape.txt"
  if grep -q 'payload="market_depth"' "$work/scrape.txt"; then break; fi
  sleep 0.1
done
grep -q 'payload="market_depth"' "$work/scrape.txt" || {
  echo "promtool.sh: no quotes were counted:" >&2
  cat "$work/scrape.txt" "$work/run.log" >&2
  exit 1
}
echo "== promtool check metrics (live scrape, $(grep -c -v '^#' "$work/scrape.txt") samples)"
"$promtool" check metrics <"$work/scrape.txt"

echo "== metrics tests with PROMTOOL set"
PROMTOOL="$promtool" deno test -A tests/monitor/metrics_registry_test.ts \
  tests/monitor/pushgateway_test.ts tests/cli/cli_metrics_test.ts

echo "== promtool check config deploy/prometheus/prometheus.yml (and its alert rules)"
"$promtool" check config deploy/prometheus/prometheus.yml
