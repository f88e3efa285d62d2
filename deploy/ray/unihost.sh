#!/usr/bin/env bash
# UNIHOST: one machine runs the Ray head, every worker and its deckies.
# (`decnet up` does exactly this when no cluster is reachable; this script spells it out.)
set -euo pipefail
HOST=${DECNET_DECKY_HOST:-$(uname -n)}
PORT=${DECNET_RAY_PORT:-6380}
NODE_IP=${DECNET_RAY_NODE_IP:-127.0.0.2}  # loopback, but not 127.0.0.1 (Ray swaps that for the LAN address)
export RAY_AUTH_MODE=token            # token authentication on every Ray connection
export RAY_USAGE_STATS_ENABLED=0
# Run it with DECNET's virtualenv active (python3 must import cluster.bindguard).
# A new head needs a token; make one (owner-only) if there is none.
if [ -z "${RAY_AUTH_TOKEN:-}" ] && [ ! -s "${RAY_AUTH_TOKEN_PATH:-$HOME/.ray/auth_token}" ]; then
  (umask 077 && mkdir -p "$HOME/.ray" && python3 -c 'import secrets; print(secrets.token_hex(32), end="")' \
    > "${RAY_AUTH_TOKEN_PATH:-$HOME/.ray/auth_token}")
fi
# The bind guard keeps every Ray port on $NODE_IP (Ray 2.60 listens on all interfaces otherwise).
python3 -m cluster.bindguard --addr "$NODE_IP" -- ray start --head \
  --port "$PORT" \
  --node-ip-address "$NODE_IP" \
  --include-dashboard false \
  --disable-usage-stats \
  --resources "{\"decnet_host:${HOST}\": 1}"
decnet up --address "${NODE_IP}:${PORT}"
