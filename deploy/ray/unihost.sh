#!/usr/bin/env bash
# UNIHOST: one machine runs the Ray head, every worker and its deckies.
# (`decnet up` does exactly this when no cluster is reachable; this script spells it out.)
set -euo pipefail
HOST=${DECNET_DECKY_HOST:-$(uname -n)}
PORT=${DECNET_RAY_PORT:-6380}
export RAY_AUTH_MODE=token            # token authentication on every Ray connection
export RAY_USAGE_STATS_ENABLED=0
ray start --head \
  --port "$PORT" \
  --node-ip-address 127.0.0.1 \
  --include-dashboard false \
  --disable-usage-stats \
  --resources "{\"decnet_host:${HOST}\": 1}"
decnet up --address "127.0.0.1:${PORT}"
