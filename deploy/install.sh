#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Install Concerto as a systemd service on Debian 12. As root, from the source tree:
#
#   deploy/install.sh                  build, install, start; prints the admin token once
#   deploy/install.sh --seed-db FILE   a node of a cluster: start from FILE (a copy of an
#                                      initialised database) instead of a new admin token
#
# Safe to run again, e.g. after `git pull`: it rebuilds, replaces the binary and
# the web client, and restarts the service; the database, the signing key and
# the admin token are kept. Local changes to the unit belong in a drop-in
# (`systemctl edit concerto`), which this script never touches.
#
# What it does (deploy/README.md has the details):
#   1. the build dependencies (deploy/install-deps.sh), a release build in build-release/
#   2. /usr/local/bin/concerto, /usr/share/concerto/web, /etc/systemd/system/concerto.service
#   3. the system user `concerto` and /var/lib/concerto (0700)
#   4. on the first run only, `concerto init` (or the seed database)
#   5. systemctl enable and restart, then a health check
set -euo pipefail

BIN=/usr/local/bin/concerto
WEB=/usr/share/concerto/web
UNIT=/etc/systemd/system/concerto.service
STATE=/var/lib/concerto
DB=$STATE/concerto.db
LISTEN=127.0.0.1:8080   # as in deploy/concerto.service

usage() { sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'; }

seed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seed-db) [ $# -ge 2 ] || { usage >&2; exit 2; }; seed=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (it installs into /usr/local, /usr/share, /etc and /var/lib)" >&2
  exit 1
fi
if [ -n "$seed" ] && [ ! -f "$seed" ]; then
  echo "install.sh: no seed database at $seed" >&2
  exit 1
fi
cd "$(dirname "$0")/.."
umask 022

step() { printf '== %s\n' "$*"; }

step "build dependencies"
bash deploy/install-deps.sh

step "release build in build-release/"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-release -j"$(nproc)" >/dev/null

step "binary, web client, unit"
install -D -m 0755 build-release/concerto "$BIN"
# The web client is replaced as a whole, so that no file of an older version remains.
mkdir -p "$(dirname "$WEB")"
rm -rf "$WEB.new" "$WEB.old"
cp -R web "$WEB.new"
rm -rf "$WEB.new/node_modules"
chmod -R u=rwX,go=rX "$WEB.new"
if [ -d "$WEB" ]; then mv "$WEB" "$WEB.old"; fi
mv "$WEB.new" "$WEB"
rm -rf "$WEB.old"
install -m 0644 deploy/concerto.service "$UNIT"

step "user concerto and $STATE"
if ! getent passwd concerto >/dev/null; then
  useradd --system --user-group --home-dir "$STATE" --no-create-home \
          --shell /usr/sbin/nologin --comment "Concerto meeting server" concerto
fi
install -d -o concerto -g concerto -m 0700 "$STATE"

if [ -e "$DB" ]; then
  step "database: keeping $DB (and its admin tokens)"
elif [ -n "$seed" ]; then
  step "database: from the seed $seed"
  install -o concerto -g concerto -m 0600 "$seed" "$DB"
else
  step "database: new, with an admin token (shown once: keep it)"
  (umask 077 && runuser -u concerto -- "$BIN" init --db "$DB")
fi

if [ -d /run/systemd/system ]; then
  step "service"
  systemctl daemon-reload
  systemctl enable --quiet concerto
  systemctl restart concerto
  for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/${LISTEN%:*}/${LISTEN##*:}") 2>/dev/null; then break; fi
    sleep 0.2
  done
  if ! systemctl is-active --quiet concerto; then
    echo "install.sh: concerto did not start:" >&2
    journalctl -u concerto -n 20 --no-pager >&2 || true
    exit 1
  fi
  systemctl --no-pager --lines=0 status concerto || true
else
  step "service: systemd is not running here; start it with 'systemctl start concerto' on the real system"
fi

cat <<EOF

Concerto is installed. Next:
  - nginx in front (TLS): deploy/nginx/concerto.conf, see deploy/README.md
  - backups: deploy/README.md, "Backups"
  - a new admin token at any time: runuser -u concerto -- $BIN init --db $DB
EOF
