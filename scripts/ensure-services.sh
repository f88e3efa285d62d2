#!/usr/bin/env bash
# Start the services the test suite needs if they are not running, and wait for them.
# MariaDB: the storage contract suite runs against it on 127.0.0.1:3306 (root, no password).
set -euo pipefail

mysql_url_host=127.0.0.1
mysql_port=3306

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

if ! port_open "$mysql_url_host" "$mysql_port"; then
  echo "ensure-services: MariaDB is not answering on $mysql_url_host:$mysql_port; starting it" >&2
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null
    else
      echo "ensure-services: mariadb-server is not installed (apt-get install mariadb-server)" >&2
      exit 1
    fi
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  for _ in $(seq 1 60); do
    port_open "$mysql_url_host" "$mysql_port" && break
    sleep 0.5
  done
  port_open "$mysql_url_host" "$mysql_port" || { echo "ensure-services: MariaDB did not come up" >&2; exit 1; }
fi
echo "ensure-services: MariaDB up on $mysql_url_host:$mysql_port"

# Docker engine: the docker backend's system tests build local images and run deckies.
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "ensure-services: installing docker.io and debootstrap" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null; }
    else
      echo "ensure-services: docker.io is not installed (apt-get install docker.io debootstrap)" >&2
      exit 1
    fi
  fi
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  echo "ensure-services: starting dockerd" >&2
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "ensure-services: dockerd did not come up (see /var/log/dockerd.log)" >&2; exit 1; }
fi
echo "ensure-services: Docker engine up"
