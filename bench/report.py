# SPDX-License-Identifier: AGPL-3.0-or-later
"""Summarise the runs of bench/run.sh: a table on stdout and a JSON file.

Input: one JSON object per line, as written by loadgen --json (labels
concerto_join, concerto, concerto_meetingsM, bare_lws, node_ws) and by
run.sh (callgrind). The many-meetings runs get a table of their own, one
column per M (and per server with BENCH_BEFORE).
Each figure is the median over runs; "worst" is the worst run. Latency
figures inside a run are already per-run p50 and p99 over bursts or clients.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys


def machine():
    m = {"cores": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    m["memory_gib"] = round(int(line.split()[1]) / 1048576, 1)
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    m["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    for key, cmd in (("libwebsockets", ["pkg-config", "--modversion", "libwebsockets"]),
                     ("node", ["node", "--version"])):
        try:
            m[key] = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            pass
    ws = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_ws", "node_modules", "ws",
                      "package.json")
    try:
        with open(ws) as f:
            m["ws"] = json.load(f)["version"]
    except OSError:
        pass
    return m


def get(run, path):
    v = run
    for k in path.split("."):
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    return v


def series(runs, label, path):
    return [v for r in runs if r.get("label") == label
            for v in [get(r, path)] if isinstance(v, (int, float)) and not isinstance(v, bool)]


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(v, unit="", digits=0):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return ("%." + str(digits) + "f%s") % (v, unit)


def build(runs, a, sfx):
    """The rows of the table for the Concerto runs labelled with `sfx`."""
    n = a.clients
    rows, targets = [], []

    def m(label, path):
        return med(series(runs, L(label), path))

    def worst(label, path, high=True):
        xs = series(runs, L(label), path)
        return (max(xs) if high else min(xs)) if xs else None

    def L(label):
        return label + sfx if label.startswith("concerto") or label == "callgrind" else label

    def row(scenario, figure, c=None, b=None, nd=None, target="", met=None):
        rows.append((scenario, figure, c, b, nd, target,
                     "" if met is None else ("met" if met else "MISSED")))
        if met is not None:
            targets.append({"scenario": scenario, "figure": figure, "concerto": c,
                            "target": target, "met": met})

    # join storm
    j_all = series(runs, L("concerto_join"), "join.all_ms")
    j_ok = len(j_all) == len(series(runs, L("concerto_join"), "join.elapsed_ms")) and j_all
    j_ready = m("concerto_join", "join.ready")
    j_5s = m("concerto_join", "join.within_5s")
    all_ms = med(j_all) if j_ok else None
    row("join storm", "all %d welcomed (ms)" % n,
        fmt(all_ms) if j_ok else "not in %d s: %s ready" % (a.join_timeout, fmt(j_ready)),
        fmt(m("bare_lws", "join.all_ms")), fmt(m("node_ws", "join.all_ms")), "<= 5000 ms",
        bool(j_ok and all_ms <= 5000))
    row("join storm", "welcomed within 5 s", fmt(j_5s), "", "", "%d" % n)
    row("join storm", "welcome p50 / p99 (ms)",
        "%s / %s" % (fmt(m("concerto_join", "join.p50_ms")), fmt(m("concerto_join", "join.p99_ms"))))
    row("join storm", "welcome size (bytes)", fmt(m("concerto_join", "join.welcome_bytes")))
    row("join storm", "server CPU (ms)", fmt(m("concerto_join", "join.server_cpu_ms")),
        fmt(m("bare_lws", "join.server_cpu_ms")), fmt(m("node_ws", "join.server_cpu_ms")))
    row("join storm", "one snapshot, GET (ms)", fmt(m("concerto_join", "setup.snapshot_ms"), digits=1))
    row("join storm", "server-cut reconnects", fmt(m("concerto_join", "join.reconnects")))
    row("join, fan-out run", "all %d conns on %d participants (ms)" % (n, a.fanout_members),
        fmt(m("concerto", "join.all_ms")), "", "", "(reference)")

    # idle
    cj = m("concerto_join", "idle.kib_per_conn")
    if cj is not None:
        row("idle", "RSS growth per joined member (KiB)", fmt(cj, digits=1), "", "", "<= 10 KiB",
            cj <= 10)
    ci, bi, ni = (m(l, "idle.kib_per_conn") for l in ("concerto", "bare_lws", "node_ws"))
    row("idle", "RSS growth per connection, fan-out run (KiB)", fmt(ci, digits=1),
        fmt(bi, digits=1), fmt(ni, digits=1), "<= 10 KiB", None if ci is None else ci <= 10)
    if ci is not None and ni is not None:
        row("idle", "memory per connection vs node ws", fmt(ci / ni, "x", 2), "", "", "< 1x",
            ci < ni)

    # burst
    lab = ("concerto", "bare_lws", "node_ws")
    d50 = [m(l, "burst.all_p50_ms") for l in lab]
    d99 = [m(l, "burst.all_p99_ms") for l in lab]
    row("broadcast burst", "all delivered, p50 over bursts (ms)", *[fmt(x, digits=1) for x in d50],
        target="<= 120 ms", met=None if d50[0] is None else d50[0] <= 120)
    row("broadcast burst", "all delivered, p99 over bursts (ms)", *[fmt(x, digits=1) for x in d99],
        target="<= 150 ms", met=None if d99[0] is None else d99[0] <= 150)
    row("broadcast burst", "per delivery p50 (ms)",
        *[fmt(m(l, "burst.lat_p50_ms"), digits=1) for l in lab])
    row("broadcast burst", "per delivery p99 (ms)",
        *[fmt(m(l, "burst.lat_p99_ms"), digits=1) for l in lab])
    row("broadcast burst", "worst run, all delivered p99 (ms)",
        *[fmt(worst(l, "burst.all_p99_ms"), digits=1) for l in lab])
    rate = [m(l, "burst.deliveries_per_s") for l in lab]
    row("broadcast burst", "deliveries/s", *[fmt(x) for x in rate])
    row("broadcast burst", "server CPU per delivery (us)",
        *[fmt(m(l, "burst.cpu_us_per_delivery"), digits=2) for l in lab])
    missing = [m(l, "burst.missing") for l in lab]
    row("broadcast burst", "missing deliveries", *[fmt(x) for x in missing], target="0",
        met=None if missing[0] is None else missing[0] == 0)
    t = a.threads
    if t > 1:
        # The same scenario on one thread (Concerto) and on t threads (bare lws).
        t1 = [m("concerto_t1", "burst.all_p50_ms"), m("concerto_t1", "burst.deliveries_per_s")]
        mt = [m("bare_lws_mt", "burst.all_p50_ms"), m("bare_lws_mt", "burst.deliveries_per_s")]
        row("broadcast burst", "concerto on 1 thread: all delivered p50 (ms), deliveries/s",
            "%s, %s" % (fmt(t1[0], digits=1), fmt(t1[1])))
        row("broadcast burst", "bare lws on %d threads: all delivered p50 (ms), deliveries/s" % t,
            "", "%s, %s" % (fmt(mt[0], digits=1), fmt(mt[1])))
        row("broadcast burst", "bare lws on %d threads: server CPU per delivery (us)" % t, "",
            fmt(m("bare_lws_mt", "burst.cpu_us_per_delivery"), digits=2))
        if rate[0] and t1[1]:
            row("broadcast burst", "concerto on %d threads / on 1 thread" % t,
                fmt(rate[0] / t1[1], "x", 2))
        if rate[0] and mt[1]:
            row("broadcast burst", "concerto / bare lws, both on %d threads" % t,
                fmt(rate[0] / mt[1], "x", 2), "", "", ">= 0.80x", rate[0] / mt[1] >= 0.8)
    if rate[0] and rate[1]:
        row("broadcast burst", "concerto / bare lws on 1 thread", fmt(rate[0] / rate[1], "x", 2),
            "", "", ">= 0.80x" if t <= 1 else "", rate[0] / rate[1] >= 0.8 if t <= 1 else None)
    if rate[0] and rate[2]:
        row("broadcast burst", "concerto / node ws", fmt(rate[0] / rate[2], "x", 2), "", "",
            ">= 1.30x", rate[0] / rate[2] >= 1.3)

    # vote storm
    vs = [r.get("vote") for r in runs if r.get("label") == L("concerto_join") and r.get("vote")]
    if vs and vs[0].get("skipped"):
        row("vote storm", "skipped: " + vs[0].get("reason", ""))
    elif vs:
        p99 = m("concerto_join", "vote.ack_p99_ms")
        lost = m("concerto_join", "vote.lost")
        acked = m("concerto_join", "vote.acked")
        row("vote storm", "ballots acked of %d" % (n - 1), fmt(acked), target="all",
            met=None if acked is None else acked == n - 1)
        row("vote storm", "ack p50 / p99 (ms)", "%s / %s" % (
            fmt(m("concerto_join", "vote.ack_p50_ms"), digits=1), fmt(p99, digits=1)),
            target="p99 <= 250 ms", met=None if p99 is None else p99 <= 250)
        row("vote storm", "ballots lost", fmt(lost), target="0",
            met=None if lost is None else lost == 0)
        row("vote storm", "server CPU over the storm (ms)",
            fmt(m("concerto_join", "vote.server_cpu_ms")))
        row("vote storm", "vote.opened reached every member (ms)",
            fmt(m("concerto_join", "vote.opened_all_ms")))
        row("vote storm", "vote.closed reached every member (ms)",
            fmt(m("concerto_join", "vote.closed_all_ms")))
        row("vote storm", "vote.closed bytes to a member / to the chair", "%s / %s" % (
            fmt(m("concerto_join", "vote.closed_bytes_member")),
            fmt(m("concerto_join", "vote.closed_bytes_chair"))))
        row("vote storm", "count messages per member (coalesced)",
            fmt(m("concerto_join", "vote.counts_per_member"), digits=1), target="<= 2/s",
            met=None)

    # reconnect storm
    r_all = series(runs, L("concerto"), "reconnect.all_ms")
    r_missed = m("concerto", "reconnect.missed")
    row("reconnect storm", "all %d resumed (ms)" % (n - 1), fmt(med(r_all)), "", "", "<= 5000 ms",
        None if not r_all else med(r_all) <= 5000)
    row("reconnect storm", "missed events", fmt(r_missed), "", "", "0",
        None if r_missed is None else r_missed == 0)
    row("reconnect storm", "server CPU (ms)", fmt(m("concerto", "reconnect.server_cpu_ms")))

    # record
    rs = [r.get("record") for r in runs if r.get("label") == L("concerto_record") and r.get("record")]
    if rs and rs[0].get("skipped"):
        row("record", "skipped: " + rs[0].get("reason", ""))
    elif rs:
        b = m("concerto_record", "record.build_sign_ms")
        row("record", "finalize + first GET record.json, %s events (ms)"
            % fmt(m("concerto_record", "record.events")), fmt(b), target="<= 1000 ms",
            met=None if b is None else b <= 1000)
        row("record", "record.json bytes / cached GET (ms)", "%s / %s" % (
            fmt(m("concerto_record", "record.json_bytes")),
            fmt(m("concerto_record", "record.cached_get_ms"), digits=1)))
        row("record", "first GET record.md / .html / .pdf (ms)", "%s / %s / %s" % tuple(
            fmt(m("concerto_record", "record.%s_get_ms" % f), digits=1)
            for f in ("md", "html", "pdf")))
        allf = m("concerto_record", "record.all_files_ms")
        row("record", "finalize + all four files built and signed (ms)", fmt(allf))

    cg = [r for r in runs if r.get("label") == L("callgrind")]
    if cg:
        row("instructions", "per ballot processed (callgrind)", fmt(cg[-1]["per_ballot"]))

    return rows, targets


MEETING_FIGURES = (
    ("commands/s", "commands_per_s", 1), ("events/s", "events_per_s", 0),
    ("ack p50 (ms)", "ack_p50_ms", 1), ("ack p99 (ms)", "ack_p99_ms", 1),
    ("ack max (ms)", "ack_max_ms", 1), ("delivery p50 (ms)", "deliv_p50_ms", 1),
    ("delivery p99 (ms)", "deliv_p99_ms", 1), ("delivery max (ms)", "deliv_max_ms", 1),
    ("server CPU (% of a core)", "cpu_pct", 1), ("server CPU per command (ms)", "cpu_ms_per_cmd", 2),
    ("server RSS (MiB)", "rss_kib", 0), ("deliveries missing", "missing", 0),
)


def meetings_table(runs):
    """Rows (figure, value per column) and the columns, "M" or "M before"."""
    labels = sorted({r["label"] for r in runs if r.get("label", "").startswith("concerto_meetings")},
                    key=lambda x: (int(x[len("concerto_meetings"):].split("_")[0]), x))
    if not labels:
        return [], []
    for r in runs:
        mt = r.get("meetings")
        if isinstance(mt, dict) and "expected" in mt:
            mt["missing"] = mt["expected"] - mt["deliveries"]
    cols = [lb[len("concerto_meetings"):].replace("_before", " before") for lb in labels]
    rows = []
    for name, key, digits in MEETING_FIGURES:
        vals = []
        for lb in labels:
            v = med(series(runs, lb, "meetings." + key))
            if v is not None and key == "rss_kib":
                v = v / 1024
            vals.append(fmt(v, "", digits))
        rows.append((name,) + tuple(vals))
    return rows, cols


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runfile")
    ap.add_argument("out")
    for k in ("clients", "runs", "bursts", "interval", "size", "fanout-members", "join-timeout",
              "threads"):
        ap.add_argument("--" + k, type=int, default=0)
    a = ap.parse_args()
    with open(a.runfile) as f:
        runs = [json.loads(line) for line in f if line.strip()]

    n = a.clients
    rows, targets = build(runs, a, "")
    before = any(r.get("label", "").endswith("_before") for r in runs)
    if before:
        brows, _ = build(runs, a, "_before")
        # By figure; by what precedes its first comma when a count in it differs.
        bmap = {(r[0], r[1]): r[2] for r in brows}
        bpre = {(r[0], r[1].split(",")[0]): r[2] for r in brows}
        rows = [r[:2] + (bmap.get((r[0], r[1]), bpre.get((r[0], r[1].split(",")[0]))),) + r[2:]
                for r in rows]
    loads = [r["load1"] for r in runs if r.get("label") == "load"]
    mach = machine()
    head = ("Concerto benchmark: %s cores (%s), %s GiB, Linux %s; lws %s, node %s, ws %s\n"
            "%d clients, median of %d runs, %d bursts %d ms apart, baselines' message %d bytes; "
            "concerto --threads %d"
            % (mach.get("cores"), mach.get("cpu", "?"), mach.get("memory_gib", "?"),
               mach.get("kernel"), mach.get("libwebsockets", "?"), mach.get("node", "?"),
               mach.get("ws", "?"), n, a.runs, a.bursts, a.interval, a.size, a.threads or 1))
    if loads:
        head += ("\nload average (1 min) as each server started: median %.2f, from %.2f to %.2f"
                 % (statistics.median(loads), min(loads), max(loads)))
    print(head)
    cols = ("scenario", "figure") + (("before",) if before else ()) + (
        "concerto", "bare lws", "node ws", "target", "")
    table = [cols] + [tuple("" if x is None else str(x) for x in r) for r in rows]
    w = [max(len(r[i]) for r in table) for i in range(len(cols))]
    for i, r in enumerate(table):
        print("  ".join(r[k].ljust(w[k]) for k in range(len(cols))).rstrip())
        if i == 0:
            print("  ".join("-" * w[k] for k in range(len(cols))))

    mrows, mcols = meetings_table(runs)
    if mrows:
        print("\nmany meetings of 30 (median over runs), by meetings:")
        mt = [("figure",) + tuple(mcols)] + mrows
        mw = [max(len(str(r[i])) for r in mt) for i in range(len(mt[0]))]
        for i, r in enumerate(mt):
            print("  ".join(str(r[k]).ljust(mw[k]) for k in range(len(r))).rstrip())
            if i == 0:
                print("  ".join("-" * mw[k] for k in range(len(r))))

    out = {"machine": mach, "config": vars(a), "targets": targets,
           "meetings": [dict(zip(("figure",) + tuple(mcols), r)) for r in mrows],
           "load1": loads,
           "table": [dict(zip(cols[:-1] + ("verdict",), r)) for r in table[1:]], "runs": runs}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("\nwritten: %s" % a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
