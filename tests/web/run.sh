#!/usr/bin/env bash
# Browser and client tests of web/ against the real server.
#   tests/web/run.sh            all of them (node:test, exits non-zero on failure)
#   tests/web/run.sh FILE...    only these test files (e.g. admin.test.mjs)
# Environment: CONCERTO_BIN (default build/concerto, built here if missing),
# CONCERTO_WEB (default web/), CHROMIUM (default /usr/bin/chromium).
# Needs Debian's chromium, minisign and poppler-utils (installed if missing).
# Screenshots land in tests/web/artifacts/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here"

chromium=${CHROMIUM:-/usr/bin/chromium}
# The minutes test checks the downloaded record with minisign and pdftotext.
missing=""
[ -x "$chromium" ] || missing="$missing chromium"
command -v minisign >/dev/null || missing="$missing minisign"
command -v pdftotext >/dev/null || missing="$missing poppler-utils"
if [ -n "$missing" ]; then
  echo "run.sh: installing Debian's$missing"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/@axe-core/playwright ]; then
  echo "run.sh: installing the test dependencies"
  # No browser download: the tests drive Debian's Chromium.
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
fi

if [ -z "${CONCERTO_BIN:-}" ] && [ ! -x "$repo/build/concerto" ]; then
  echo "run.sh: building the server"
  cmake -S "$repo" -B "$repo/build" >/dev/null
  cmake --build "$repo/build" -j2 >/dev/null
fi

# A test that waits on a server that died fails instead of hanging the run.
# Node's runner applies the timeout to each file as a whole too, and a file
# of browser tests takes two to four minutes on a quiet two-core machine, and
# over ten when builds and other suites load it four times over its cores:
# fifteen minutes each.
if [ $# -gt 0 ]; then
  exec node --test --test-timeout=900000 "$@"
fi
exec node --test --test-timeout=900000 ./*.test.mjs
