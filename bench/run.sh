#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
#
# bench/run.sh - the whole benchmark suite in one command.
#
# Builds the server (build-bench/), the load generator and the bare
# libwebsockets baseline, installs the Node.js baseline's dependency, then for
# each of BENCH_RUNS runs, with a fresh server and database each time:
#
#   concerto, members      BENCH_CLIENTS members, one connection each: join
#                          storm (all say hello at once, capped at
#                          BENCH_JOIN_TIMEOUT s), idle memory, vote storm
#   concerto, fan-out      BENCH_CLIENTS connections over BENCH_FANOUT_MEMBERS
#                          participants: idle memory, broadcast burst,
#                          reconnect storm (and again on one thread, to show
#                          what the other threads bring)
#   concerto, record       a secretary writes minutes up to 50,000 events; the
#                          first GET of the record builds and signs it
#   concerto, meetings     for each M of BENCH_MEETINGS, M meetings of 30
#                          participants, each chair sending a command every
#                          2 s for BENCH_MEETINGS_DURATION s (loadgen.c says why)
#   bare lws, node ws      the same clients: join, idle memory, broadcast burst;
#                          bare lws on one thread, then on BENCH_THREADS
#
# then counts the server's instructions per command under callgrind, prints
# the table and writes bench/results/latest.json (runs: results/runs-*.jsonl).
#
# Knobs (environment): BENCH_CLIENTS=10000 BENCH_RUNS=3 BENCH_BURSTS=20
# BENCH_INTERVAL_MS=200 BENCH_SIZE=150 BENCH_JOIN_TIMEOUT=60
# BENCH_FANOUT_MEMBERS=100 BENCH_CALLGRIND=1 BENCH_PORT=18000 BENCH_BUILD=DIR
# BENCH_THREADS=<cores, at most 8> (Concerto's --threads, as its default).
# BENCH_EVENT_LOOP=poll|epoll (Concerto's --event-loop; empty: its default).
# BENCH_MEETINGS="100 300" BENCH_MEETINGS_DURATION=40 (the many-meetings runs).
# BENCH_PARTS=members,fanout,record,meetings,baselines,callgrind: which parts run.
# BENCH_BEFORE=PATH also runs every Concerto scenario against another server
# binary (an earlier build) in the same runs, alternating which goes first,
# so that the table compares both under the same conditions.
# The load average is recorded before each server starts.
# `bench/run.sh --quick` is a one-run, 500-client rehearsal.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
RESULTS=$BENCH/results
BUILD=${BENCH_BUILD:-$ROOT/build-bench}

if [[ "${1:-}" == "--quick" ]]; then
    : "${BENCH_CLIENTS:=500}" "${BENCH_RUNS:=1}" "${BENCH_BURSTS:=10}" "${BENCH_JOIN_TIMEOUT:=20}"
    : "${BENCH_FANOUT_MEMBERS:=50}" "${BENCH_CALLGRIND:=0}"
elif [[ -n "${1:-}" ]]; then
    sed -n '3,29p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
CLIENTS=${BENCH_CLIENTS:-10000}
RUNS=${BENCH_RUNS:-3}
BURSTS=${BENCH_BURSTS:-20}
INTERVAL=${BENCH_INTERVAL_MS:-200}
SIZE=${BENCH_SIZE:-150}
JOIN_TIMEOUT=${BENCH_JOIN_TIMEOUT:-60}
FANOUT_MEMBERS=${BENCH_FANOUT_MEMBERS:-100}
CALLGRIND=${BENCH_CALLGRIND:-1}
PORT=${BENCH_PORT:-18000}
THREADS=${BENCH_THREADS:-$(n=$(nproc); echo $((n > 8 ? 8 : n)))}
EVENT_LOOP=${BENCH_EVENT_LOOP:-}
MEETINGS=${BENCH_MEETINGS:-100 300}
MEETINGS_DURATION=${BENCH_MEETINGS_DURATION:-40}
PARTS=,${BENCH_PARTS:-members,fanout,record,meetings,baselines,callgrind},
part() { [[ $PARTS == *",$1,"* ]]; }
BEFORE=${BENCH_BEFORE:-}
if [[ -n $BEFORE && ! -x $BEFORE ]]; then
    printf 'BENCH_BEFORE=%s is not an executable\n' "$BEFORE" >&2
    exit 2
fi
PY=/usr/bin/python3

say() { printf '%s\n' "$*" >&2; }

# --- what the suite needs ---------------------------------------------------------
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v pkg-config >/dev/null || need+=(pkg-config)
pkg-config --exists libwebsockets 2>/dev/null || need+=(libwebsockets-dev)
pkg-config --exists jansson sqlite3 libsodium 2>/dev/null ||
    need+=(libjansson-dev libsqlite3-dev libsodium-dev)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
[[ -x $PY ]] || need+=(python3)
if [[ $CALLGRIND == 1 ]] && ! command -v valgrind >/dev/null; then need+=(valgrind); fi
if ((${#need[@]})); then
    say "installing: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

say "building in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target concerto >/dev/null
cmake -S "$BENCH" -B "$BUILD/bench-standalone" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD/bench-standalone" -j"$(nproc)" >/dev/null
CONCERTO=$BUILD/concerto
LOADGEN=$BUILD/bench-standalone/loadgen
BARE=$BUILD/bench-standalone/bare_lws
if [[ ! -d $BENCH/node_ws/node_modules/ws ]]; then
    say "installing the node baseline's dependency (npm)"
    (cd "$BENCH/node_ws" && npm ci --no-audit --no-fund --silent)
fi

# 10,000 sockets on each side, and loopback ports (ip_local_port_range) spread
# over 8 source addresses 127.0.0.1-8 by the load generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (($(ulimit -n) < CLIENTS + 1000)); then
    say "warning: open file limit $(ulimit -n) is below $((CLIENTS + 1000)); raise it (ulimit -n)"
fi

mkdir -p "$RESULTS"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUNFILE=$RESULTS/runs-$STAMP.jsonl
WORK=$(mktemp -d /tmp/concerto-bench.XXXXXX)
SPID=
cleanup() {
    [[ -n $SPID ]] && kill -KILL "$SPID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

# Wait for a server's start-up line in its output file (a bare TCP probe is
# not used: a connection closed before any request is not what clients do).
wait_line() { # file pattern
    for _ in $(seq 600); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
    say "the server did not start: $(tail -3 "$1" 2>/dev/null)"
    return 1
}

# Stop the server; a loop still busy after 5 s is killed. A crash is reported.
stop_server() { # label
    local st=0
    kill -TERM "$SPID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SPID" 2>/dev/null; then
        say "  $1: server still busy 5 s after SIGTERM: killed"
        kill -KILL "$SPID" 2>/dev/null || true
    fi
    wait "$SPID" 2>/dev/null || st=$?
    case $st in 134 | 135 | 136 | 139)
        say "  $1: server crashed (signal $((st - 128))) while stopping" ;;
    esac
    SPID=
}

# The 1-, 5- and 15-minute load averages before a server starts: the machine
# may be shared, and every figure should be read with them.
loadavg() { # what
    read -r l1 l5 l15 _ </proc/loadavg
    printf '{"label":"load","what":"%s","load1":%s,"load5":%s,"load15":%s}\n' \
        "$(basename "$1")" "$l1" "$l5" "$l15" >>"$RUNFILE"
}

TOKEN=
SERVE_ARGS=()
BIN=
start_concerto() { # dir port [wrapper...]; serve options in SERVE_ARGS, binary in BIN
    local dir=$1 port=$2
    shift 2
    mkdir -p "$dir"
    TOKEN=$("$BIN" init --db "$dir/db" | sed -n 's/^admin token: //p')
    loadavg "$dir"
    local threads=()
    if "$BIN" serve --help | grep -q -- --threads; then # an earlier build may not know it
        threads=(--threads "${SERVE_THREADS:-$THREADS}")
    fi
    if [[ -n $EVENT_LOOP ]] && "$BIN" serve --help | grep -q -- --event-loop; then
        threads+=(--event-loop "$EVENT_LOOP")
    fi
    "$@" "$BIN" serve --listen "127.0.0.1:$port" --db "$dir/db" --key "$dir/signing.key" \
        --web "$ROOT/web" "${threads[@]}" ${SERVE_ARGS[@]+"${SERVE_ARGS[@]}"} \
        2>"$dir/server.log" >"$dir/server.out" &
    SPID=$!
    wait_line "$dir/server.out" '^ready:'
}

common=(--clients "$CLIENTS" --bursts "$BURSTS" --interval-ms "$INTERVAL" --size "$SIZE"
    --protocol-doc "$ROOT/proto/PROTOCOL.md" --json "$RUNFILE")

# The three Concerto runs of one server binary; labels end with `sfx`.
concerto_suite() { # binary sfx run port
    local sfx=$2 run=$3 p=$4
    BIN=$1
    if part members; then
    say "--- concerto$sfx: join storm, idle, vote storm ($CLIENTS members)"
    start_concerto "$WORK/c$run$sfx-join" "$p"
    "$LOADGEN" --target concerto --port "$p" --admin-token "$TOKEN" --server-pid "$SPID" \
        --label "concerto_join$sfx" --scenarios join,idle,vote --join-timeout "$JOIN_TIMEOUT" \
        "${common[@]}" >&2
    stop_server "join storm$sfx"
    fi

    if part fanout; then

    say "--- concerto$sfx: idle, burst, reconnect ($FANOUT_MEMBERS participants)"
    start_concerto "$WORK/c$run$sfx" "$((p + 1))"
    "$LOADGEN" --target concerto --port "$((p + 1))" --admin-token "$TOKEN" --server-pid "$SPID" \
        --label "concerto$sfx" --members "$FANOUT_MEMBERS" --timeout 120 \
        --scenarios join,idle,burst,reconnect "${common[@]}" >&2
    stop_server "concerto$sfx"

    if ((THREADS > 1)) && [[ -z $sfx ]]; then
        say "--- concerto on one thread: idle, burst, reconnect ($FANOUT_MEMBERS participants)"
        SERVE_THREADS=1
        start_concerto "$WORK/c$run-t1" "$((p + 6))"
        SERVE_THREADS=
        "$LOADGEN" --target concerto --port "$((p + 6))" --admin-token "$TOKEN" --server-pid "$SPID" \
            --label "concerto_t1" --members "$FANOUT_MEMBERS" --timeout 120 \
            --scenarios join,idle,burst,reconnect "${common[@]}" >&2
        stop_server "concerto on one thread"
    fi
    fi

    if part meetings; then
    local m
    for m in $MEETINGS; do
        if (($(ulimit -n) < m * 30 + 1000)); then
            say "--- concerto$sfx: $m meetings skipped: open file limit $(ulimit -n)"
            continue
        fi
        say "--- concerto$sfx: $m meetings of 30, a command every 2 s in each"
        start_concerto "$WORK/c$run$sfx-m$m" "$((p + 8))"
        "$LOADGEN" --target concerto --port "$((p + 8))" --admin-token "$TOKEN" --server-pid "$SPID" \
            --label "concerto_meetings$m$sfx" --clients "$((m * 30))" --meetings "$m" \
            --scenarios meetings --duration "$MEETINGS_DURATION" --join-timeout "$JOIN_TIMEOUT" \
            --protocol-doc "$ROOT/proto/PROTOCOL.md" --json "$RUNFILE" >&2
        stop_server "meetings $m$sfx"
    done
    fi

    part record || return 0

    say "--- concerto$sfx: record of a 50,000-event meeting"
    # The secretary fills the log faster than a person could: lift the
    # per-connection message rate for this run only (it does not touch the
    # record's building).
    SERVE_ARGS=(--msg-rate 1000000)
    start_concerto "$WORK/c$run$sfx-record" "$((p + 4))"
    SERVE_ARGS=()
    "$LOADGEN" --target concerto --port "$((p + 4))" --admin-token "$TOKEN" \
        --label "concerto_record$sfx" --clients 20 --scenarios join,record --timeout 60 \
        --protocol-doc "$ROOT/proto/PROTOCOL.md" --json "$RUNFILE" >&2
    stop_server "record$sfx"
}

for run in $(seq "$RUNS"); do
    say "=== run $run of $RUNS: $CLIENTS clients"
    p=$((PORT + run * 10))
    if [[ -z $BEFORE ]]; then
        concerto_suite "$CONCERTO" "" "$run" "$p"
    elif ((run % 2)); then
        concerto_suite "$BEFORE" _before "$run" "$((p + 5))"
        concerto_suite "$CONCERTO" "" "$run" "$p"
    else
        concerto_suite "$CONCERTO" "" "$run" "$p"
        concerto_suite "$BEFORE" _before "$run" "$((p + 5))"
    fi

    part baselines || continue
    say "--- bare libwebsockets"
    loadavg bare_lws
    "$BARE" "$((p + 2))" >"$WORK/bare.out" 2>&1 &
    SPID=$!
    wait_line "$WORK/bare.out" '^listening'
    "$LOADGEN" --target bare --port "$((p + 2))" --server-pid "$SPID" --label bare_lws \
        --scenarios join,idle,burst "${common[@]}" >&2
    stop_server bare_lws

    if ((THREADS > 1)); then
        say "--- bare libwebsockets on $THREADS threads"
        loadavg bare_lws_mt
        "$BARE" "$((p + 7))" "$THREADS" >"$WORK/bare_mt.out" 2>&1 &
        SPID=$!
        wait_line "$WORK/bare_mt.out" '^listening'
        "$LOADGEN" --target bare --port "$((p + 7))" --server-pid "$SPID" --label bare_lws_mt \
            --scenarios join,idle,burst "${common[@]}" >&2
        stop_server bare_lws_mt
    fi

    say "--- node ws"
    loadavg node_ws
    node "$BENCH/node_ws/server.js" "$((p + 3))" >"$WORK/node.out" 2>&1 &
    SPID=$!
    wait_line "$WORK/node.out" '^listening'
    "$LOADGEN" --target bare --port "$((p + 3))" --server-pid "$SPID" --label node_ws \
        --scenarios join,idle,burst "${common[@]}" >&2
    stop_server node_ws
done

# Instructions per ballot: two callgrind runs that differ only in the number
# of ballots each member casts (each replaces the last); the difference
# cancels start-up, setup, joins and the opening of the vote.
callgrind_ballots() { # binary sfx
    local members=50 k1=4 k2=12 k d
    declare -A total
    BIN=$1
    for k in $k1 $k2; do
        say "--- callgrind$2: $members members x $k ballots"
        d=$WORK/cg$k$2
        start_concerto "$d" "$((PORT + 5))" valgrind -q --tool=callgrind --callgrind-out-file="$d/cg.out"
        "$LOADGEN" --target concerto --port "$((PORT + 5))" --admin-token "$TOKEN" \
            --clients "$members" --scenarios cmds --cmds "$k" --timeout 300 \
            --protocol-doc "$ROOT/proto/PROTOCOL.md" --label callgrind >&2
        kill -TERM "$SPID"
        wait "$SPID" || true
        SPID=
        total[$k]=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$d/cg.out" | head -1)
    done
    vote_note="ballot (vote.cast, named, acked after commit; counts to $members connections)"
    printf '{"label":"callgrind%s","members":%d,"ballots":%d,"instructions_low":%s,"instructions_high":%s,"per_ballot":%s,"note":"%s"}\n' \
        "$2" "$members" "$(((members - 1) * (k2 - k1)))" "${total[$k1]:-0}" "${total[$k2]:-0}" \
        "$(((${total[$k2]:-0} - ${total[$k1]:-0}) / ((members - 1) * (k2 - k1))))" "$vote_note" >>"$RUNFILE"
}
if [[ $CALLGRIND == 1 ]] && part callgrind; then
    callgrind_ballots "$CONCERTO" ""
    if [[ -n $BEFORE ]]; then
        callgrind_ballots "$BEFORE" _before
    fi
fi

"$PY" "$BENCH/report.py" "$RUNFILE" "$RESULTS/latest.json" \
    --clients "$CLIENTS" --runs "$RUNS" --bursts "$BURSTS" --interval "$INTERVAL" --size "$SIZE" \
    --fanout-members "$FANOUT_MEMBERS" --join-timeout "$JOIN_TIMEOUT" --threads "$THREADS"
