#!/usr/bin/env bash
# Build and run the whole test suite: unit tests (cmocka), end-to-end tests
# against the real binary (Python WebSocket client), browser tests (Chromium),
# first in a normal build, then again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then the end-to-end tests under ThreadSanitizer
# with servers on two and on three threads, then a minute of fuzzing per
# libFuzzer target.
#   tests/run.sh          everything
#   tests/run.sh --fast   the normal build only
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh --test

run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
  (cd "$dir" && ctest --output-on-failure)
}

echo "== build and test (RelWithDebInfo)"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${1:-}" != "--fast" ]; then
  echo "== build and test under ASan+UBSan"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DCONCERTO_SANITIZE=ON
  echo "== end-to-end tests under ThreadSanitizer, servers on two then three threads"
  (
    unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
    export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp second_deadlock_stack=1"
    cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONCERTO_TSAN=ON >/dev/null
    cmake --build build-tsan -j"$(nproc)" --target concerto loadgen bare_lws >/dev/null
    for threads in 2 3; do
      CONCERTO_TEST_THREADS=$threads CONCERTO_BIN=$PWD/build-tsan/concerto CONCERTO_WEB=$PWD/web \
        /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e
    done
  )
  echo "== fuzzing, 60 s per target (libFuzzer, ASan, UBSan)"
  bash tests/fuzz/run.sh 60
fi
echo "== all tests passed"
