#!/usr/bin/env bash
# Install what Concerto needs from Debian 12's archive, and nothing twice.
#   deploy/install-deps.sh          build and run
#   deploy/install-deps.sh --test   also what the test suite needs
set -euo pipefail

pkgs=(gcc make cmake pkg-config libwebsockets-dev libjansson-dev libsqlite3-dev
      libsodium-dev libev-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libcmocka-dev python3 python3-websockets python3-pytest python3-jsonschema
         minisign chromium curl valgrind poppler-utils nginx openssl rsync
         clang libclang-rt-14-dev msmtp python3-aiosmtpd)
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
