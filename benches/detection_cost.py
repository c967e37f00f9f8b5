#!/usr/bin/env python3
"""What cross-link detection costs: `annals build` with mention detection on
and off, on the same synthetic archive.

The corpus comes from ../shared/bench/make_corpus.py (about one document in
three cites an earlier one by a `cited_as` name). The same archive is built
twice per round, once as generated and once with `[links] detect_mentions =
false` appended to its config, alternating, each into a fresh output folder
(deleting the old output is not timed), after one untimed warm-up each. For
each build it records wall time and the process's user and system CPU time
(from os.wait4): on a shared, noisy machine, user CPU time is the steadier
measure of the work detection adds. Prints a markdown table of medians and
the on/off ratios.

    cargo build --release
    python3 benches/detection_cost.py --docs 10000 --runs 5 --out detection.md
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from build_vs_hugo import add_common_args, annals_corpus, machine_line


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--runs", type=int, default=5)
    return ap.parse_args()


def build(annals, root, out):
    """One build: (wall s, user s, system s)."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.Popen([annals, "build", "--root", root, "--output", out],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"build of {root} failed:\n{proc.stderr.read().decode(errors='replace')}")
    return wall, usage.ru_utime, usage.ru_stime


def main():
    args = parse_args()
    with annals_corpus(args, "annals-detect-") as work:
        on, off = work / "annals", work / "annals-off"
        shutil.copytree(on, off)
        with open(off / "config.toml", "a", encoding="utf-8") as f:
            f.write("\n[links]\ndetect_mentions = false\n")
        variants = {"detection on": on, "detection off": off}
        results = {name: [] for name in variants}
        for name, root in variants.items():
            build(args.annals, root, work / "out")
        for i in range(args.runs):
            for name, root in variants.items():
                r = build(args.annals, root, work / "out")
                results[name].append(r)
                print(f"{name} run {i + 1}: wall {r[0]:.3f} s, user {r[1]:.3f} s, sys {r[2]:.3f} s", file=sys.stderr)
        print(table(results, args), end="")


def table(results, args):
    med = {name: [statistics.median(r[k] for r in runs) for k in range(3)] for name, runs in results.items()}
    rows = ["| build | docs | runs | median wall s | median user CPU s | median system CPU s |",
            "|---|--:|--:|--:|--:|--:|"]
    for name, (wall, user, sys_) in med.items():
        rows.append(f"| {name} | {args.docs} | {args.runs} | {wall:.3f} | {user:.3f} | {sys_:.3f} |")
    on, off = med["detection on"], med["detection off"]
    rows += ["", f"on/off, ratio of medians: wall {on[0] / off[0]:.2f}x, user CPU {on[1] / off[1]:.2f}x", "", machine_line()]
    text = "\n".join(rows) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    main()
