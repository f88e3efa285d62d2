#!/usr/bin/env bash
# Tear down what `make demo` started: the fleet, the constellation and the demo LAN.
set -uo pipefail
cd "$(dirname "$0")/.."
demo="$(pwd)/.demo"
[ -f "$demo/env" ] || { echo "no demo to stop"; exit 0; }
# shellcheck disable=SC1091
. "$demo/env"
backend=$(cat "$demo/backend" 2>/dev/null || echo local)
.venv/bin/decnet teardown --backend "$backend" -i dndemo0 --all || true
.venv/bin/decnet down || true
ip netns del dndemo-attacker 2>/dev/null || true
ip link del dndemo0 2>/dev/null || true
echo "demo stopped (state kept in .demo/; rm -rf .demo to forget it)"
