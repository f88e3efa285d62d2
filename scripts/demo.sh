#!/usr/bin/env bash
# `make demo`: a single-host constellation with a small fleet on a demo LAN of its own.
# Backend: docker when an engine is usable, else netns when root, else local (127.x).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo="$root/.demo"
mkdir -p "$demo/run"
decnet="$root/.venv/bin/decnet"

# The demo's admin password: generated once, kept in .demo/admin-password (0600).
if [ ! -s "$demo/admin-password" ]; then
  (umask 077; "$root/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(15))' > "$demo/admin-password")
fi
cat > "$demo/env" <<ENV
export DECNET_DATA_DIR=$demo/data
export DECNET_INGEST_SOCKET=$demo/run/ingest.sock
export DECNET_LOG_TARGET=file:$demo/decnet.log
export DECNET_ADMIN_PASSWORD=\$(cat $demo/admin-password)
ENV
# shellcheck disable=SC1091
. "$demo/env"

lan=dndemo0
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
  # The LAN is a veth pair: the deckies hang off $lan; its peer lives in the "attacker" namespace,
  # a machine of its own on the LAN (10.77.0.66) to attack from. Traffic from the host itself
  # (the hairpin, 10.77.0.2) is DECNET's own and never makes an attacker.
  if ! ip link show "$lan" >/dev/null 2>&1; then
    ip netns del dndemo-attacker 2>/dev/null || true
    ip link add "$lan" type veth peer name "${lan}p"
    ip link set "$lan" up
    ip netns add dndemo-attacker
    ip link set "${lan}p" netns dndemo-attacker
    ip -n dndemo-attacker addr add 10.77.0.66/24 dev "${lan}p"
    ip -n dndemo-attacker link set "${lan}p" up
    ip -n dndemo-attacker link set lo up
  fi
  attack="ip netns exec dndemo-attacker "
  if docker info >/dev/null 2>&1; then backend=docker; else backend=netns; fi
  deploy=(--backend "$backend" -i "$lan" -c deploy/demo/fleet.ini --hairpin-ip 10.77.0.2)
  hosts="10.77.0.10 (ssh, http, ftp), 10.77.0.11 (ssh, mysql, redis), 10.77.0.12 (smb, rdp, windows), 10.77.0.13 (smtp, imap, pop3)"
  ssh_target=10.77.0.10
else
  backend=local
  attack=""
  deploy=(--backend local -n 3 --services ssh,http,ftp,redis --subnet 127.77.0.0/24)
  hosts="127.77.0.2, 127.77.0.3, 127.77.0.4 (ssh, http, ftp, redis)"
  ssh_target=127.77.0.2
fi
echo "$backend" > "$demo/backend"

"$decnet" up
"$decnet" deploy "${deploy[@]}"

cat <<MSG

DECNET demo is running (backend: $backend, demo LAN: ${lan} / 10.77.0.0/24).
  Deckies:   $hosts
  Dashboard: http://127.0.0.1:8000/   (log in as below; charts, live events, attackers, fleet)
  API:       http://127.0.0.1:8000/api/v1   (OpenAPI docs: http://127.0.0.1:8000/docs)
  Log in:    user 'admin', password '$(cat "$demo/admin-password")' (kept in .demo/admin-password)
             TOKEN=\$(curl -s -X POST http://127.0.0.1:8000/api/v1/auth/login -H 'content-type: application/json' \\
                  -d '{"username": "admin", "password": "'\$(cat .demo/admin-password)'"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  Attack it: ${attack}ssh root@$ssh_target
             ${attack}curl http://$ssh_target/      ${attack}nmap -sV $ssh_target
  See it:    curl -s -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8000/api/v1/events
  CLI:       . .demo/env; .venv/bin/decnet status --backend $backend; .venv/bin/decnet workers
  Stop:      make demo-down
MSG
