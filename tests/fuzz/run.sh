#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Build the fuzz targets with clang (libFuzzer, ASan, UBSan) in their own
# build directory and run each for SECONDS (default 60), as many at once as
# there are cores; print executions, coverage and findings per target.
#
#   tests/fuzz/run.sh                 every target, 60 s each (what CI runs)
#   tests/fuzz/run.sh 3600            a long run: an hour each
#   tests/fuzz/run.sh 300 fuzz_api    one target
#
# Environment: FUZZ_BUILD (default build-fuzz), FUZZ_JOBS (default nproc).
# Inputs that found new coverage stay in FUZZ_BUILD/fuzz-work/TARGET/corpus
# (reused by the next run); crashes, leaks and timeouts are written to
# FUZZ_BUILD/fuzz-work/TARGET/artifacts/. Exit status 1 when anything was
# found: minimise it (TARGET -minimize_crash=1 -runs=10000 FILE), fix it,
# and add the input to tests/fuzz/regressions/TARGET/, which the unit test
# fuzz_test_regressions replays in every build.
set -euo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_proto_decode fuzz_core_handle fuzz_api fuzz_csv fuzz_http)
fi
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

if ! command -v clang >/dev/null; then
  echo "fuzz: clang is missing (apt-get install -y clang libclang-rt-14-dev)" >&2
  exit 2
fi
if ! grep -q 'add_subdirectory(tests/fuzz)' CMakeLists.txt; then
  echo "fuzz: CMakeLists.txt does not include tests/fuzz (add_subdirectory(tests/fuzz))" >&2
  exit 2
fi

echo "== building ${targets[*]} in $build (clang, libFuzzer, ASan, UBSan)"
mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCONCERTO_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/fuzz-configure.log" 2>&1 ||
  { cat "$build/fuzz-configure.log"; exit 2; }
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$build/fuzz-build.log" 2>&1 ||
  { tail -50 "$build/fuzz-build.log"; exit 2; }

# A small quarantine: the targets allocate a lot, and fresh pages cost more than the checks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1 work="$build/fuzz-work/$1"
  rm -rf "$work/artifacts"
  mkdir -p "$work/corpus" "$work/artifacts"
  local dirs=("$work/corpus" "tests/fuzz/corpus/$t")
  if [ -d "tests/fuzz/regressions/$t" ]; then
    dirs+=("tests/fuzz/regressions/$t")
  fi
  local dict=()
  if [ -f "tests/fuzz/dict/$t.dict" ]; then
    dict=(-dict="tests/fuzz/dict/$t.dict")
  fi
  set +e
  "$build/tests/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict[@]}" "${dirs[@]}" \
    >"$work/log" 2>&1
  echo $? >"$work/status"
  set -e
}

echo "== fuzzing each target for ${secs}s, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  rm -f "$build/fuzz-work/$t/status"
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=0
printf '%-18s %12s %9s %8s %8s  %s\n' target executions exec/s cov corpus findings
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  stat_of() { sed -n "s/^stat::$1: *//p" "$work/log" | tail -1; }
  execs=$(stat_of number_of_executed_units)
  rate=$(stat_of average_exec_per_sec)
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  corp=$(find "$work/corpus" -type f | wc -l)
  found=$(find "$work/artifacts" -type f | wc -l)
  status=$(cat "$work/status" 2>/dev/null || echo '?')
  summary="none"
  if [ "$found" -gt 0 ] || [ "$status" != 0 ]; then
    failed=1
    summary="$found in $work/artifacts (exit $status): $(grep -m1 -E 'ERROR: |fuzz check failed' "$work/log" || true)"
  fi
  printf '%-18s %12s %9s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$corp" "$summary"
done
if [ "$failed" -ne 0 ]; then
  echo "== findings: see the logs in $build/fuzz-work/*/log"
  exit 1
fi
echo "== no finding"
