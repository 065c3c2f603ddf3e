#!/usr/bin/env bash
# Install what is missing, build, and run the server with the demo meeting.
# The join links are printed; open one in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec ./build/concerto serve --demo "$@"
