#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# A consistent copy of Concerto's database, taken while it serves, kept for
# KEEP_DAYS days, and pushed off-site if OFFSITE is set. Run it as the
# concerto user, from cron or a timer (deploy/README.md, "Backups"):
#
#   backup.sh [DIR]        DIR: where the copies go (default /var/backups/concerto)
#
# Environment:
#   CONCERTO_DB    the database (default /var/lib/concerto/concerto.db)
#   CONCERTO_BIN   the binary (default /usr/local/bin/concerto)
#   KEEP_DAYS      copies older than this are deleted (default 14)
#   OFFSITE        an rsync destination for each new copy, e.g.
#                  backup@vault.example.org:concerto/node1/ (default: none)
#
# Prints the path of the new copy. Copies are mode 0600: they hold the whole
# record of every meeting.
set -euo pipefail
umask 077

dir=${1:-/var/backups/concerto}
db=${CONCERTO_DB:-/var/lib/concerto/concerto.db}
bin=${CONCERTO_BIN:-/usr/local/bin/concerto}
keep=${KEEP_DAYS:-14}

mkdir -p "$dir"
name="concerto-$(date -u +%Y%m%dT%H%M%SZ).db"
# Written under a temporary name, renamed when complete: a copy with its
# final name is always whole, for rsync and for a restore.
rm -f "$dir/.$name.part"
"$bin" backup --db "$db" "$dir/.$name.part" >/dev/null
mv "$dir/.$name.part" "$dir/$name"

find "$dir" -maxdepth 1 -name 'concerto-*.db' -mtime +"$keep" -delete

if [ -n "${OFFSITE:-}" ]; then
  rsync --archive --partial "$dir/$name" "$OFFSITE"
fi
echo "$dir/$name"
