#!/usr/bin/env bash
# Install the real clients the system tests drive (Debian packages), if any is missing.
set -euo pipefail

# One "command:package" per line; add a line per client a test drives.
clients=(
  ssh:openssh-client
  sshpass:sshpass
  curl:curl
  nmap:nmap
  hydra:hydra
  ip:iproute2
  openssl:openssl
  dig:bind9-dnsutils
  snmpget:snmp
  mosquitto_pub:mosquitto-clients
  smbclient:smbclient
  ldapsearch:ldap-utils
  xfreerdp:freerdp2-x11
  Xvfb:xvfb
  mysql:default-mysql-client
  psql:postgresql-client
  redis-cli:redis-tools
  kubectl:kubernetes-client
  chromium:chromium
)
need=()
for pair in "${clients[@]}"; do
  cmd=${pair%%:*} pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "ensure-test-deps: clients present"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "ensure-test-deps: missing ${need[*]}; install them (apt-get install ${need[*]})" >&2
  exit 1
fi
echo "ensure-test-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
