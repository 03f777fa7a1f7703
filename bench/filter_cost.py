#!/usr/bin/env python3
"""The tables of bench/filter-cost (python3 standard library only).

  filter_cost.py --results RESULTS.jsonl [--disturbed DISTURBED.jsonl] --header FILE

Prints the header file, one table with every measurement (bench.py measure wrote them, one JSON
line each, with the round as "scenario" and the variant as "contender"), then one line per variant
with the median and the range over the rounds that other processes did not disturb.
"""
import argparse
import json
import statistics

from bench import FOREIGN_WARN_PCT, foreign_note, ms

# Each variant against the variant without the filter that sends the same request.
BASELINE = {"no-filter": "no-filter", "filter-new": "no-filter",
            "no-filter+cookie": "no-filter+cookie", "filter-pinned": "no-filter+cookie"}
DESCRIPTION = {
    "no-filter": "no filter, no cookie",
    "filter-new": "filter, no cookie: it adds Set-Cookie",
    "no-filter+cookie": "no filter, with the cookie",
    "filter-pinned": "filter, with the cookie: it only checks",
}
ORDER = ["no-filter", "filter-new", "no-filter+cookie", "filter-pinned"]


def spread(values, fmt):
    """median (min–max)"""
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", required=True)
    p.add_argument("--disturbed", help="measurements that were taken again because other processes disturbed them")
    p.add_argument("--header", required=True)
    a = p.parse_args()
    rows = [json.loads(line) for line in open(a.results) if line.strip()]
    retaken = [json.loads(line) for line in open(a.disturbed) if line.strip()] if a.disturbed else []
    by_key = {(r["scenario"], r["contender"]): r for r in rows}
    for r in rows:
        base = by_key.get((r["scenario"], BASELINE[r["contender"]]))
        r["ratio"] = r["rps"] / base["rps"] if base else None

    with open(a.header) as f:
        print(f.read().rstrip("\n"))
    print()
    print("| round | variant | req/s | ×no filter | p50 | p99 | errors | Tomcat CPU µs/req | peak RSS MiB "
          "| other processes, % of a core |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "–"
        print(f"| {r['scenario'].removeprefix('round-')} | {r['contender']} | {r['rps']:.0f} | {ratio} "
              f"| {ms(r['p50_us'])} | {ms(r['p99_us'])} | {r['errors']} | {r['cpu_us_per_req']:.1f} "
              f"| {r['peak_rss_mib']:.0f} | {r['foreign_cpu_pct']:.0f} |")
    print()
    print(f"Over the rounds, median (min–max) of the measurements that other processes did not disturb "
          f"(less than {FOREIGN_WARN_PCT}% of a core), or of all when none was undisturbed. A ratio counts "
          f"when neither of its two measurements was disturbed:")
    print()
    print("| variant | what | measurements | req/s | ×no filter | Tomcat CPU µs/req | p99 |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for v in ORDER:
        every = [r for r in rows if r["contender"] == v]
        if not every:
            continue
        clean = [r for r in every if r["foreign_cpu_pct"] < FOREIGN_WARN_PCT]
        mine = clean or every
        # A ratio counts when both of its measurements were undisturbed (or, failing that, all do).
        ratios = [r["ratio"] for r in mine if r["ratio"] is not None
                  and (not clean or by_key[(r["scenario"], BASELINE[v])]["foreign_cpu_pct"] < FOREIGN_WARN_PCT)]
        print(f"| {v} | {DESCRIPTION[v]} | {f'{len(clean)} of {len(every)}' if clean else f'all {len(every)} disturbed'} "
              f"| {spread([r['rps'] for r in mine], lambda x: f'{x:.0f}')} "
              f"| {spread(ratios, lambda x: f'{x:.2f}') if ratios else '–'} "
              f"| {spread([r['cpu_us_per_req'] for r in mine], lambda x: f'{x:.1f}')} "
              f"| {spread([r['p99_us'] for r in mine], ms)} |")
    print()
    print("req/s: completed requests over wrk's measured duration. ×no filter: req/s over that of the "
          "variant without the filter that sends the same request (with or without the cookie), in the "
          "same round. p50, p99: wrk's latency percentiles. errors: socket errors (connect, read, write, "
          "timeout) plus responses with status ≥ 400. Tomcat CPU µs/req: user + system CPU time of the "
          "measured Tomcat's JVM during the run, over the requests. peak RSS: that JVM's VmHWM (peak "
          "resident set since start, warm-up and the other variant on the same Tomcat included). "
          "other processes: CPU time of the machine that neither wrk nor the two Tomcats used, during "
          "the measurement; it takes CPU from them.")
    print()
    print(foreign_note(rows, lambda c: c), end=" ")
    print(f"{len(retaken)} disturbed measurement(s) were discarded and taken again"
          + (f" ({', '.join(r['scenario'] + ' ' + r['contender'] + ': ' + format(r['foreign_cpu_pct'], '.0f') + '%' for r in retaken)})." if retaken else "."))


if __name__ == "__main__":
    main()
