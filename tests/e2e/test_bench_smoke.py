# SPDX-License-Identifier: AGPL-3.0-or-later
"""A small run of the load generator (bench/loadgen.c) against the real server,
so that the benchmark never rots: 300 clients join, take bursts, drop and
resume, and vote; every delivery, resume and ballot must be there. The same
on one thread and on three; and the bare libwebsockets baseline on two
threads delivers every burst.

The loadgen binary: CONCERTO_LOADGEN, else bench/loadgen beside the server
binary (the top-level build with add_subdirectory(bench)), else it is
compiled here from bench/loadgen.c (it needs only libc and libm).
"""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

import harness
from harness import Server

CLIENTS = 300
BURSTS = 5


@pytest.fixture(scope="module")
def loadgen(tmp_path_factory):
    env = os.environ.get("CONCERTO_LOADGEN")
    if env:
        return env
    beside = pathlib.Path(harness.BIN).resolve().parent / "bench" / "loadgen"
    if os.access(beside, os.X_OK):
        return str(beside)
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.fail("no loadgen binary and no C compiler to build bench/loadgen.c")
    out = tmp_path_factory.mktemp("loadgen") / "loadgen"
    src = harness.REPO / "bench" / "loadgen.c"
    r = subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Wshadow",
                        "-Werror", "-o", str(out), str(src), "-lm"], capture_output=True, text=True)
    assert r.returncode == 0, "cannot build bench/loadgen.c:\n" + r.stderr
    return str(out)


@pytest.mark.parametrize("threads", ["1", "3"])
def test_loadgen_small_run_delivers_every_event_resumes_everyone_and_counts_every_ballot(
        loadgen, tmp_path, threads):
    server = Server(tmp_path / "server")
    token = server.init()
    server.start("--threads", threads)
    out = tmp_path / "run.jsonl"
    try:
        r = subprocess.run(
            [loadgen, "--target", "concerto", "--port", str(server.port), "--admin-token", token,
             "--clients", str(CLIENTS), "--bursts", str(BURSTS), "--interval-ms", "100",
             "--scenarios", "join,burst,reconnect,vote", "--timeout", "30", "--join-timeout", "30",
             "--server-pid", str(server.proc.pid), "--sources", "4",
             "--protocol-doc", str(harness.REPO / "proto" / "PROTOCOL.md"), "--json", str(out)],
            capture_output=True, text=True, timeout=120,
            # The load generator is a one-shot tool that lets the OS reclaim its
            # memory at exit; leak checks are for the server, checked at its stop.
            env=dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"))
    finally:
        rc = server.stop()
    assert r.returncode == 0, "loadgen failed (%d):\n%s\n%s" % (r.returncode, r.stdout, r.stderr)
    assert rc == 0, "the server exited with %s after the run" % rc
    res = json.loads(out.read_text().strip().splitlines()[-1])
    report = r.stdout

    join = res["join"]
    assert join["ok"] and join["ready"] == CLIENTS, report

    burst = res["burst"]
    assert burst["missing"] == 0, "deliveries missing:\n" + report
    assert burst["bursts"] == BURSTS and burst["clients"] == CLIENTS
    assert burst["all_p99_ms"] is not None and burst["deliveries_per_s"] > 0, report

    rec = res["reconnect"]
    assert rec["ok"] and rec["resumed"] + rec["snapshots"] == CLIENTS - 1, report
    assert rec["missed"] == 0 and rec["duplicates"] == 0, report

    vote = res["vote"]
    if vote.get("skipped"):
        pytest.fail("vote storm skipped: %s\n%s" % (vote.get("reason"), report))
    assert vote["acked"] == CLIENTS - 1 and vote["refused"] == 0, report
    assert vote["lost"] == 0 and vote["counted"] == CLIENTS - 1, report

    assert res["duplicates"] == 0 and res["connect_failures"] == 0, report


def test_the_bare_lws_baseline_on_two_threads_delivers_every_burst_to_every_client(loadgen, tmp_path):
    bare = pathlib.Path(harness.BIN).resolve().parent / "bench" / "bare_lws"
    assert os.access(bare, os.X_OK), "bench/bare_lws is built with the server (add_subdirectory(bench))"
    port = harness.free_port()
    proc = subprocess.Popen([str(bare), str(port), "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("listening"), "bare_lws did not start"
        out = tmp_path / "bare.jsonl"
        r = subprocess.run(
            [loadgen, "--target", "bare", "--port", str(port), "--clients", str(CLIENTS),
             "--bursts", str(BURSTS), "--interval-ms", "100", "--scenarios", "join,burst",
             "--timeout", "30", "--sources", "4", "--server-pid", str(proc.pid),
             "--protocol-doc", str(harness.REPO / "proto" / "PROTOCOL.md"), "--json", str(out)],
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"))
    finally:
        proc.terminate()
        rc = proc.wait(10)
    assert r.returncode == 0, "loadgen failed (%d):\n%s\n%s" % (r.returncode, r.stdout, r.stderr)
    assert rc == 0, "bare_lws exited with %s" % rc
    res = json.loads(out.read_text().strip().splitlines()[-1])
    assert res["join"]["ready"] == CLIENTS, r.stdout
    assert res["burst"]["missing"] == 0 and res["burst"]["clients"] == CLIENTS, r.stdout


@pytest.mark.parametrize("event_loop", ["poll", "epoll"])
def test_the_many_meetings_scenario_delivers_every_command_to_its_meeting_only(
        loadgen, tmp_path, event_loop):
    """Four meetings of ten, each chair a command every 300 ms for 2 s: every
    command is acked and reaches the ten of its meeting, none of another."""
    server = Server(tmp_path / "server")
    token = server.init()
    server.start("--event-loop", event_loop)
    out = tmp_path / "run.jsonl"
    try:
        r = subprocess.run(
            [loadgen, "--target", "concerto", "--port", str(server.port), "--admin-token", token,
             "--clients", "40", "--meetings", "4", "--cmd-interval-ms", "300", "--duration", "2",
             "--scenarios", "meetings", "--timeout", "30", "--join-timeout", "30",
             "--server-pid", str(server.proc.pid), "--sources", "2",
             "--protocol-doc", str(harness.REPO / "proto" / "PROTOCOL.md"), "--json", str(out)],
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"))
    finally:
        rc = server.stop()
    assert r.returncode == 0, "loadgen failed (%d):\n%s\n%s" % (r.returncode, r.stdout, r.stderr)
    assert rc == 0, "the server exited with %s after the run" % rc
    res = json.loads(out.read_text().strip().splitlines()[-1])
    mt = res["meetings"]
    assert mt["meetings"] == 4 and mt["per_meeting"] == 10, r.stdout
    assert mt["commands"] == 4 * 6 and mt["acked"] == mt["commands"], r.stdout
    assert mt["deliveries"] == mt["expected"] == mt["commands"] * 10, r.stdout
    assert mt["errors"] == 0 and res["seq_skips"] == 0 and res["duplicates"] == 0, r.stdout
    assert mt["cpu_ms_per_cmd"] is not None and mt["rss_kib"] > 0, r.stdout
