#!/usr/bin/env bash
# Checks the documented ways to use t4flow from outside this clone:
# 1. `deno install -g` of the CLI from the clone (docs/install.md), run from another directory;
# 2. another Deno project importing the library through `links` (no package registry needed);
# 3. `deno task compile` names its prerequisite when `bun` is missing.
# Usage: bash .ci/install_check.sh (with deno on the PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== deno install -g from the clone"
deno install -g -A --root "$work/install" --name t4flow --config "$root/deno.json" "$root/cli.ts" >/dev/null
cd "$work"
"$work/install/bin/t4flow" --version | grep -q '^t4flow '
T4_API_KEY=key ALERT_WEBHOOK=https://hooks.example/x \
  "$work/install/bin/t4flow" validate "$root/examples/session-check.yaml"

echo "== another Deno project importing the library (links)"
mkdir "$work/consumer"
cat >"$work/consumer/deno.json" <<JSON
{ "imports": { "@t4flow/t4flow": "jsr:@t4flow/t4flow@^0.1.0" }, "links": ["$root"] }
JSON
cat >"$work/consumer/main.ts" <<'TS'
import { T4Client } from "@t4flow/t4flow";
import { startSimulator } from "@t4flow/t4flow/sim";

await using sim = await startSimulator({ seed: 1 });
await using client = new T4Client({ url: sim.url, auth: { apiKey: "demo-api-key" } });
const session = await client.connect();
console.log(`consumer logged in: ${session.sessionId.length > 0}`);
TS
(cd "$work/consumer" && deno run -A --quiet main.ts) | grep -q 'consumer logged in: true'

echo "== deno task compile without bun names its prerequisite"
cd "$root"
deno_bin=$(command -v deno)
if PATH=/usr/bin:/bin "$deno_bin" run -A scripts/compile.ts --outfile "$work/t4flow" 2>"$work/err"; then
  echo "compile succeeded without bun on the PATH" >&2
  exit 1
fi
grep -q 'Cannot compile as `bun` is not on the PATH' "$work/err"
echo "install checks passed"
