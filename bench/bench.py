#!/usr/bin/env python3
"""Measuring and printing for bench/run (python3 standard library only).

  bench.py measure --contender C --scenario S [--round R] --url URL --connections N --duration SECS
                   [--sid PID] [--others PID,PID] [--cookie V] [--expect-node NODE] --lua FILE --out RESULTS.jsonl
      Runs wrk once, reads the proxy's CPU time and peak RSS from /proc before and after,
      and appends one JSON line to RESULTS.jsonl.
  bench.py busy SECONDS
      Prints how busy the CPUs are over the next SECONDS, in % of all cores.
  bench.py table --results RESULTS.jsonl --header FILE
      Prints the markdown report: the header file, the results table, where each proxy's CPU time
      went, with BENCH_ROUNDS Affinity against each proxy over the rounds, and, when Affinity B ran
      beside Affinity, their paired comparison.

A contender's processes are the ones in the session bench/run started it in (setsid), so
multi-process servers (nginx master + workers, httpd parent + children) are counted whole.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
FOREIGN_WARN_PCT = 10


def busy_pct(seconds):
    """How busy the machine's CPUs are over the next seconds, in % of all cores."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return sum(v), sum(v) - v[3] - v[4]  # total, total - idle - iowait
    import time
    t0, b0 = sample()
    time.sleep(seconds)
    t1, b1 = sample()
    return (b1 - b0) / max(t1 - t0, 1) * 100


def session_pids(sid):
    """Every live process whose session id is sid (bench/run starts each daemon with setsid)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        # fields[0] is field 3 (state) of proc(5); session is field 6.
        if int(fields[3]) == sid:
            pids.append(int(name))
    return pids


def cpu_split(sid):
    """(user, system) CPU of every process in the session, plus that of the children the leader
    has already reaped (cutime, cstime). In clock ticks."""
    user = system = 0
    for pid in session_pids(sid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        user += utime
        system += stime
        if pid == sid:
            user += cutime
            system += cstime
    return user, system


def cpu_ticks(sid):
    """user + system CPU of the session, as cpu_split counts it. In clock ticks."""
    return sum(cpu_split(sid))


def context_switches(sid):
    """(voluntary, involuntary) context switches summed over every thread of the session's
    processes (/proc/PID/task/TID/status). A voluntary one is a thread going to sleep, mostly in
    epoll_wait with nothing to do; an involuntary one is a thread preempted while it had work."""
    voluntary = involuntary = 0
    for pid in session_pids(sid):
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches:"):
                            voluntary += int(line.split()[1])
                        elif line.startswith("nonvoluntary_ctxt_switches:"):
                            involuntary += int(line.split()[1])
            except OSError:
                continue  # the thread ended while we looked
    return voluntary, involuntary


def peak_rss_kib(sid):
    """Sum of VmHWM (peak resident set since start) over the session's processes, in KiB."""
    total = 0
    for pid in session_pids(sid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def machine_busy_ticks():
    """user + nice + system ticks of all CPUs since boot (irq and softirq left out: loopback
    traffic is processed there, on behalf of whichever process happens to run)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return int(fields[1]) + int(fields[2]) + int(fields[3])


def ours_ticks(sids):
    return sum(cpu_ticks(s) for s in sids)


def node_requests(urls):
    """How many requests each backend has served so far: the `requests` of its stub_status page."""
    counts = []
    for url in urls:
        try:
            # bench/run clears http_proxy and its kin: this goes straight to the backend.
            with urllib.request.urlopen(url, timeout=5) as page:
                text = page.read().decode("ascii", "replace")
        except (OSError, http.client.HTTPException) as e:
            sys.exit(f"bench.py: cannot read the backend's request count at {url}: {e}")
        # "Active connections: 1 \nserver accepts handled requests\n 5 5 17 \n..."
        m = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s*$", text, re.MULTILINE)
        if not m:
            sys.exit(f"bench.py: {url} is not an nginx stub_status page:\n{text}")
        counts.append(int(m.group(3)))
    return counts


def measure(a):
    env = dict(os.environ, BENCH_COOKIE=a.cookie or "", BENCH_EXPECT_NODE=a.expect_node or "",
               BENCH_BODY_BYTES=str(a.body_bytes or 0), BENCH_MODE="")
    cmd = ["wrk", "-t", str(a.threads), "-c", str(a.connections), "-d", f"{a.duration}s",
           "--timeout", "2s", "-s", a.lua, a.url]
    others = [int(x) for x in a.others.split(",") if x] if a.others else []
    before = cpu_split(a.sid) if a.sid else None
    switches_before = context_switches(a.sid) if a.sid else None
    status_urls = a.node_status.split(",") if a.node_status else []
    nodes_before = node_requests(status_urls)
    busy_before, others_before = machine_busy_ticks(), ours_ticks(others)
    children_before = os.times()
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                             timeout=a.duration + 30).stdout
    except subprocess.TimeoutExpired:
        sys.exit(f"bench.py: wrk did not finish within {a.duration + 30} s: {' '.join(cmd)}")
    after = cpu_split(a.sid) if a.sid else None
    switches_after = context_switches(a.sid) if a.sid else None
    busy_after, others_after = machine_busy_ticks(), ours_ticks(others)
    children_after = os.times()
    # Each reading counts itself: the second one is not part of the run.
    served = [after - before - 1 for before, after in zip(nodes_before, node_requests(status_urls))]
    lines = [l for l in out.splitlines() if l.startswith("BENCH_RESULT ")]
    if not lines:
        sys.exit(f"bench.py: no BENCH_RESULT line from wrk:\n{out}")
    r = json.loads(lines[-1][len("BENCH_RESULT "):])
    r.update(contender=a.contender, scenario=a.scenario, round=a.round, connections=a.connections,
             checked_node=a.expect_node or None)
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = sum(r[k] for k in ("connect", "read", "write", "status", "timeout"))
    if served and min(served) >= 0 and sum(served) > 0:
        r["node1_share"] = served[0] / sum(served)
    elif served:
        # A backend whose count went back was restarted during the run: no share to tell.
        print(f"bench.py: the backends' request counts went from {nodes_before} by {served}: no node1 share",
              file=sys.stderr)
    # CPU that neither wrk, the proxy nor the backends used: other work on the machine, which
    # steals from the measurement. In % of one core, averaged over the run.
    wrk_ticks = ((children_after.children_user + children_after.children_system)
                 - (children_before.children_user + children_before.children_system)) * CLK_TCK
    proxy_ticks = (sum(after) - sum(before)) if a.sid else 0
    foreign = (busy_after - busy_before) - proxy_ticks - (others_after - others_before) - wrk_ticks
    r["foreign_cpu_pct"] = max(foreign, 0) / CLK_TCK / (r["duration_us"] / 1e6) * 100
    if a.sid:
        per_req = max(r["requests"], 1)
        r["cpu_us_per_req"] = proxy_ticks / CLK_TCK * 1e6 / per_req
        r["user_us_per_req"] = (after[0] - before[0]) / CLK_TCK * 1e6 / per_req
        r["sys_us_per_req"] = (after[1] - before[1]) / CLK_TCK * 1e6 / per_req
        # Threads that ended during the run take their counts with them: never below zero.
        r["vcsw_per_req"] = max(switches_after[0] - switches_before[0], 0) / per_req
        r["ivcsw_per_req"] = max(switches_after[1] - switches_before[1], 0) / per_req
        r["peak_rss_mib"] = peak_rss_kib(a.sid) / 1024
        r["processes"] = len(session_pids(a.sid))
    with open(a.out, "a") as f:
        f.write(json.dumps(r) + "\n")
    extra = ""
    if a.expect_node:
        extra = f", {r['wrong_node']} of {r['checked']} not from {a.expect_node}"
    cpu = f", {r['cpu_us_per_req']:.1f} µs CPU/req" if a.sid else ""
    if "node1_share" in r:
        extra += f", {100 * r['node1_share']:.0f}% to node1"
    print(f"  {label(r):<10} {a.contender:<9} {r['rps']:>9.0f} req/s, p99 {ms(r['p99_us'])}, "
          f"{r['errors']} errors{extra}{cpu}; other processes {r['foreign_cpu_pct']:.0f}% of a core",
          file=sys.stderr)


def foreign_note(rows, name):
    """One sentence on whether other processes took CPU from the measurements."""
    foreign = [r for r in rows if r.get("foreign_cpu_pct", 0) >= FOREIGN_WARN_PCT]
    if not foreign:
        return f"Other processes used less than {FOREIGN_WARN_PCT}% of a core during every measurement."
    worst = max(foreign, key=lambda r: r["foreign_cpu_pct"])
    return (f"Other processes used ≥ {FOREIGN_WARN_PCT}% of a core during {len(foreign)} of {len(rows)} "
            f"measurements (at most {worst['foreign_cpu_pct']:.0f}%, {label(worst)} "
            f"{name(worst['contender'])}): those numbers are low.")


def label(r):
    """A measurement's scenario as the tables name it: with its round when bench/run ran several."""
    return f"{r['scenario']} #{r['round']}" if r.get("round") else r["scenario"]


def ms(us):
    return f"{us / 1000:.2f} ms"


def ratio(value, base):
    return f"{value / base:.2f}" if base else "–"


def table(a):
    rows = [json.loads(l) for l in open(a.results) if l.strip()]
    by_key = {(label(r), r["contender"]): r for r in rows}
    scenarios = list(dict.fromkeys(label(r) for r in rows))
    contenders = list(dict.fromkeys(r["contender"] for r in rows))
    names = {"direct": "direct", "httpd": "httpd", "nginx": "nginx", "haproxy": "HAProxy",
             "affinity": "Affinity", "affinity-b": "Affinity B"}
    with open(a.header) as f:
        sys.stdout.write(f.read())
    print()
    print("| scenario | contender | req/s | ×direct | ×HAProxy | p50 | p99 | errors "
          "| CPU µs/req | peak RSS MiB | to node1 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in scenarios:
        direct = by_key.get((s, "direct"))
        haproxy = by_key.get((s, "haproxy"))
        for c in contenders:
            r = by_key.get((s, c))
            if r is None:
                continue
            errors = str(r["errors"])
            if r.get("checked_node"):
                off = r["wrong_node"]
                errors += f" ({off} off {r['checked_node']})" if off else ""
            cpu = f"{r['cpu_us_per_req']:.1f}" if "cpu_us_per_req" in r else "–"
            rss = f"{r['peak_rss_mib']:.0f}" if "peak_rss_mib" in r else "–"
            share = f"{100 * r['node1_share']:.0f}%" if "node1_share" in r else "–"
            print(f"| {s} | {names.get(c, c)} | {r['rps']:.0f} "
                  f"| {ratio(r['rps'], direct['rps'] if direct else 0)} "
                  f"| {ratio(r['rps'], haproxy['rps'] if haproxy else 0)} "
                  f"| {ms(r['p50_us'])} | {ms(r['p99_us'])} | {errors} | {cpu} | {rss} | {share} |")
    print()
    print("req/s: completed requests over wrk's measured duration. ×direct, ×HAProxy: req/s over "
          "theirs in the same scenario of this run. p50, p99: wrk's latency percentiles. errors: "
          "socket errors (connect, read, write, timeout) plus responses with status ≥ 400; in the "
          "sticky scenarios, responses without X-Node: node1 are shown in brackets. CPU µs/req: user + "
          "system CPU time of all the proxy's processes during the run, over the requests. peak RSS: "
          "VmHWM (peak resident set since start, warm-up included), summed over the proxy's "
          "processes; for nginx, httpd (several processes) an upper bound, since shared pages "
          "count once per process. to node1: the share of the requests the backends served during "
          "the run that node1 served (their nginx stub_status counts); 50% is an even balance.")
    print()
    cpu_table(rows, scenarios, contenders, names)
    rounds_table(rows, names)
    paired_table(rows)
    print()
    print(foreign_note(rows, lambda c: names.get(c, c)))
    sticky = [r for r in rows if r.get("checked_node")]
    if sticky:
        bad = [f"{names.get(r['contender'], r['contender'])} ({label(r)}: {r['wrong_node']})"
               for r in sticky if r["wrong_node"]]
        checked = sum(r["checked"] for r in sticky)
        print()
        if bad:
            print(f"Stickiness FAILED: responses not from node1 for {', '.join(bad)}.")
        else:
            print(f"Stickiness: all {checked} responses of the sticky scenarios came from node1.")


def cpu_table(rows, scenarios, contenders, names):
    """Where each proxy's CPU time goes: user and kernel time, and how often its threads slept or
    were preempted, per request. Rows measured before bench.py recorded these are left out."""
    measured = [r for r in rows if "sys_us_per_req" in r]
    if not measured:
        return
    by_key = {(label(r), r["contender"]): r for r in measured}
    print("Where the proxies' CPU time goes, per request:")
    print()
    print("| scenario | contender | CPU µs/req | user µs | system µs | sleeps | preemptions |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for s in scenarios:
        for c in contenders:
            r = by_key.get((s, c))
            if r is None:
                continue
            print(f"| {s} | {names.get(c, c)} | {r['cpu_us_per_req']:.1f} | {r['user_us_per_req']:.1f} "
                  f"| {r['sys_us_per_req']:.1f} | {r['vcsw_per_req']:.2f} | {r['ivcsw_per_req']:.2f} |")
    print()
    print("user, system: the CPU µs/req split into time in the proxy's own code and time in the kernel "
          "(system calls, the loopback TCP stack, scheduling). sleeps: voluntary context switches per "
          "request, a thread going to sleep because it had nothing to do; preemptions: involuntary "
          "ones, a thread taken off the CPU while it had work (on 2 cores, mostly by wrk or a backend "
          "that a write of the proxy woke up). Summed over the threads alive at the end of the run.")


def measured_together(rows):
    """The rows by (scenario, round): each round of a scenario measures its contenders one after the
    other, so only rows of one group met the same machine. Rows of a run without rounds have None."""
    groups = {}
    for r in rows:
        groups.setdefault((r["scenario"], r.get("round")), {})[r["contender"]] = r
    return groups


def rounds_table(rows, names):
    """Affinity against each other proxy over the rounds of a run with BENCH_ROUNDS: one round says
    little about a ratio near 1 on this machine, so per scenario the median ratio, its range, and in
    how many rounds Affinity was ahead, had the lower p99, and took less CPU per request."""
    rounds = {key: measured for key, measured in measured_together(rows).items() if key[1]}
    others = [c for c in ("httpd", "nginx", "haproxy") if any(c in m for m in rounds.values())]
    lines = []
    for scenario in dict.fromkeys(s for s, _ in rounds):
        for other in others:
            # A proxy that served nothing in a round (it died) has no ratio there; the main table shows it.
            both = [(m["affinity"], m[other]) for (s, _), m in rounds.items()
                    if s == scenario and "affinity" in m and other in m and m[other]["rps"] > 0]
            if len(both) < 2:
                continue
            lines.append(f"| {scenario} | {names.get(other, other)} | {rounds_row(both)} |")
    if not lines:
        return
    print()
    print("Affinity against each proxy over the rounds, medians:")
    print()
    print("| scenario | against | rounds | req/s × theirs (range) | Affinity ahead | p99, Affinity against theirs "
          "| Affinity's p99 lower | CPU µs/req, Affinity against theirs | Affinity less CPU |")
    print("|---|---|---:|---|---:|---|---:|---|---:|")
    for line in lines:
        print(line)
    print()
    print("req/s × theirs: the median over the rounds of Affinity's req/s over theirs in the same round, and "
          "its lowest and highest. Affinity ahead, p99 lower, less CPU: the rounds in which it was. A round "
          "measures every contender within a minute; the rounds of one run can differ by a third on this "
          "machine, so only figures from the same round are compared.")


def rounds_row(both):
    """The cells of rounds_table for one scenario and proxy, from (Affinity's, theirs) per round."""
    n = len(both)
    ratios = [a["rps"] / o["rps"] for a, o in both]

    def median(side, key):
        return statistics.median(pair[side][key] for pair in both)

    def rounds_where(better):
        return f"{sum(1 for a, o in both if better(a, o))} of {n}"

    cells = [str(n), f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})",
             rounds_where(lambda a, o: a["rps"] > o["rps"]),
             f"{ms(median(0, 'p99_us'))} against {ms(median(1, 'p99_us'))}",
             rounds_where(lambda a, o: a["p99_us"] < o["p99_us"])]
    if all("cpu_us_per_req" in x for pair in both for x in pair):
        cells += [f"{median(0, 'cpu_us_per_req'):.1f} against {median(1, 'cpu_us_per_req'):.1f}",
                  rounds_where(lambda a, o: a["cpu_us_per_req"] < o["cpu_us_per_req"])]
    else:
        cells += ["–", "–"]
    return " | ".join(cells)


def paired_table(rows):
    """Affinity against Affinity B, round by round: with both up at once, each round of a scenario
    measured them one after the other, so each pair met the same machine. Medians over the rounds,
    and in how many rounds B took less CPU per request than Affinity."""
    by_scenario = {}
    for (scenario, _), measured in measured_together(rows).items():
        pair = [measured.get(c) for c in ("affinity", "affinity-b")]
        if all(r is not None and "cpu_us_per_req" in r for r in pair):
            by_scenario.setdefault(scenario, []).append(tuple(pair))
    if not by_scenario:
        return
    columns = (("rps", lambda x: f"{x:.0f}"), ("cpu_us_per_req", lambda x: f"{x:.2f}"),
               ("user_us_per_req", lambda x: f"{x:.2f}"), ("p99_us", ms))
    print()
    print("Affinity (A) against Affinity B, paired round by round, medians over the rounds:")
    print()
    print("| scenario | rounds | req/s A → B | CPU µs/req A → B | user µs A → B | p99 A → B | CPU B/A | B less CPU |")
    print("|---|---:|---|---|---|---|---:|---:|")
    for scenario, measured in by_scenario.items():
        cells = [" → ".join(fmt(statistics.median(pair[side][key] for pair in measured)) for side in (0, 1))
                 for key, fmt in columns]
        per_round = statistics.median(b["cpu_us_per_req"] / a["cpu_us_per_req"] for a, b in measured)
        less = sum(1 for a, b in measured if b["cpu_us_per_req"] < a["cpu_us_per_req"])
        print(f"| {scenario} | {len(measured)} | {' | '.join(cells)} | {per_round:.3f} | {less} of {len(measured)} |")
    print()
    print("A → B: each side's median over the rounds. CPU B/A: the median over the rounds of B's CPU per "
          "request over A's in the same round. B less CPU: the rounds in which B took less CPU per request "
          "than A. On this machine, the same comparison run again with the variants swapped between A and "
          "B has differed by up to 5 points: run it both ways round.")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--contender", required=True)
    m.add_argument("--scenario", required=True)
    m.add_argument("--round", type=int, help="which round of the scenario this is, when bench/run runs several")
    m.add_argument("--url", required=True)
    m.add_argument("--connections", type=int, required=True)
    m.add_argument("--threads", type=int, default=2)
    m.add_argument("--duration", type=int, required=True)
    m.add_argument("--sid", type=int, default=0, help="session id (= PID) of the proxy; 0: none")
    m.add_argument("--others", help="session ids of the backends, comma-separated")
    m.add_argument("--cookie")
    m.add_argument("--expect-node")
    m.add_argument("--body-bytes", type=int, help="POST a form body of this many bytes instead of a GET")
    m.add_argument("--node-status", help="the backends' stub_status URLs, node1's first, comma-separated")
    m.add_argument("--lua", required=True)
    m.add_argument("--out", required=True)
    b = sub.add_parser("busy", help="print how busy the CPUs are over SECONDS, in %% of all cores")
    b.add_argument("seconds", type=float)
    t = sub.add_parser("table")
    t.add_argument("--results", required=True)
    t.add_argument("--header", required=True)
    a = p.parse_args()
    if a.cmd == "measure":
        measure(a)
    elif a.cmd == "busy":
        print(f"{busy_pct(a.seconds):.0f}")
    else:
        table(a)


if __name__ == "__main__":
    main()
