#!/usr/bin/env bash
# Browser tests of the `t4flow monitor` status page: Debian's Chromium driven by playwright-core
# (pinned in deno.json), in their own task so the main suite stays fast. Installs Chromium with
# apt-get when it is missing (CI runs as root; elsewhere sudo is used when present).
set -euo pipefail
cd "$(dirname "$0")/.."

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  echo "== installing chromium from Debian"
  sudo=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then sudo="sudo"; fi
  $sudo apt-get update
  $sudo apt-get install -y chromium
fi
"$chromium_path" --version 2>/dev/null | grep -i chromium || true

echo "== deno task test:browser"
CHROMIUM_PATH="$chromium_path" deno task test:browser
