#!/usr/bin/env python3
"""Cost against input size for the inputs that once cost more than their
size: `annals build` of generated archives, each class at a few sizes.

Classes (SIZE is the bytes of the generated text):

  raw-html-unclosed  a markdown seed of SIZE bytes of `<div>x` lines, never
                     closed: nested past the limit, so the build fails with
                     an error at the line, without sanitising
  raw-html-nested    the same elements, nested 200 deep and closed, over and
                     over: within the limit, sanitised
  raw-html-moved     lines of `<font><table><font>x`, whose content the parser
                     moves out of the tables, among ever more siblings: past
                     the limit, so the build fails with an error at the line
  quotes-and-html    markdown quotes nested 200 deep, then closed, over and
                     over, in a text that also holds an <i> of raw HTML
  short-paragraphs   a markdown seed of SIZE bytes of one-letter paragraphs
  long-names         a catalogue record with many long `cited_as` names
                     sharing a beginning (half of SIZE), and a text of the
                     words they begin with (the other half), where every word
                     begins every name and none ends

Each build runs into a fresh output folder (its deletion is not timed),
after one untimed warm-up per archive. Wall time is measured around the
process and peak RSS is the process's own (ru_maxrss from os.wait4). Prints
a markdown table of medians, with each size's ratios to the smallest, and
writes it to --out if given.

    cargo build --release
    python3 benches/linear_cost.py --sizes 1000000,2000000,4000000 --runs 3 --out linear.md
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build_vs_hugo import machine_line

CONFIG = 'title = "Linear cost"\nbase_url = "https://example.org"\n'


def front(title, **keys):
    lines = [f'title = "{title}"', "date = 2021-01-01"]
    lines += [f"{k} = {v}" for k, v in keys.items()]
    return "+++\n" + "\n".join(lines) + "\n+++\n"


def archive(root):
    (root / "seeds").mkdir(parents=True)
    (root / "content").mkdir()
    (root / "config.toml").write_text(CONFIG, encoding="utf-8")


def markdown_seed(root, text):
    archive(root)
    (root / "seeds" / "a.md").write_text(text, encoding="utf-8")
    (root / "content" / "a.md").write_text(front("A text", seed='"seeds/a.md"'), encoding="utf-8")


def raw_html_unclosed(root, size):
    markdown_seed(root, "Text.\n\n" + "<div>x\n" * (size // 7))


def raw_html_nested(root, size):
    block = "<div>x\n" * 200 + "</div>\n" * 200 + "\n"
    markdown_seed(root, "Text.\n\n" + block * max(1, size // len(block)))


def raw_html_moved(root, size):
    markdown_seed(root, "Text.\n\n" + "<font><table><font>x\n" * (size // 21))


def quotes_and_html(root, size):
    block = "".join(">" * depth + " x\n" for depth in range(1, 201)) + "\nText <i>y</i>.\n\n"
    markdown_seed(root, block * max(1, size // len(block)))


def short_paragraphs(root, size):
    markdown_seed(root, "x\n\n" * (size // 3))


def long_names(root, size):
    """Names "w w w w w w ... w end" of 6 to k+5 words "w", about half the
    size, and a text of "w w w ..." paragraphs, the other half: every word
    of the text begins every name, and none ends there."""
    name = lambda i: "w " * (5 + i) + "end"
    k = 1
    while sum(len(name(i)) + 4 for i in range(1, k + 1)) < size // 2:
        k += 1
    names = ", ".join(f'"{name(i)}"' for i in range(1, k + 1))
    archive(root)
    (root / "content" / "named.md").write_text(front("Named", cited_as=f"[{names}]"), encoding="utf-8")
    paragraph = "w " * (2 * k + 10) + "\n\n"
    text = "Repetition\n\n" + paragraph * max(1, (size // 2) // len(paragraph))
    (root / "seeds" / "a.txt").write_text(text, encoding="utf-8")
    (root / "content" / "a.md").write_text(front("A text", seed='"seeds/a.txt"'), encoding="utf-8")


CLASSES = {
    "raw-html-unclosed": raw_html_unclosed,
    "raw-html-nested": raw_html_nested,
    "raw-html-moved": raw_html_moved,
    "quotes-and-html": quotes_and_html,
    "short-paragraphs": short_paragraphs,
    "long-names": long_names,
}


def input_bytes(root):
    return sum(p.stat().st_size for p in (root / "content").rglob("*")) + sum(
        p.stat().st_size for p in (root / "seeds").rglob("*")
    )


def build(annals, root, out, timeout):
    """One build: (wall s, peak RSS MiB, exit code)."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.Popen([annals, "build", "--root", root, "--output", out],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return None, usage.ru_maxrss / 1024, "timeout"
        time.sleep(0.002)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--annals", default="target/release/annals")
    ap.add_argument("--sizes", default="1000000,2000000,4000000", help="bytes of generated text, comma-separated")
    ap.add_argument("--classes", default=",".join(CLASSES), help="comma-separated: " + ", ".join(CLASSES))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=60, help="seconds before a build is stopped")
    ap.add_argument("--out")
    return ap.parse_args()


def main():
    args = parse_args()
    annals = str(Path(args.annals).resolve())
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="annals-linear-") as tmp:
        tmp = Path(tmp)
        for name in args.classes.split(","):
            measured = []
            for size in sizes:
                root = tmp / f"{name}-{size}"
                CLASSES[name](root, size)
                build(annals, root, tmp / "out", args.timeout)
                runs = [build(annals, root, tmp / "out", args.timeout) for _ in range(args.runs)]
                for wall, rss, code in runs:
                    print(f"{name} {size}: wall {wall} s, peak RSS {rss:.0f} MiB, exit {code}", file=sys.stderr)
                walls = [r[0] for r in runs if r[0] is not None]
                wall = statistics.median(walls) if len(walls) == len(runs) else None
                rss = statistics.median(r[1] for r in runs)
                measured.append((size, input_bytes(root), wall, rss, runs[0][2]))
                shutil.rmtree(root)
            rows.append((name, measured))
    text = table(rows, args.runs)
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


def table(rows, runs):
    out = ["| class | input bytes | input / smallest | runs | exit | median wall s | wall / smallest "
           "| median peak RSS MiB | RSS / smallest |",
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for name, measured in rows:
        _, read0, wall0, rss0, _ = measured[0]
        for size, read, wall, rss, code in measured:
            wall_s = "timeout" if wall is None else f"{wall:.3f}"
            wall_r = "-" if wall is None or wall0 is None else f"{wall / wall0:.2f}x"
            out.append(f"| {name} | {read} | {read / read0:.2f}x | {runs} | {code} | {wall_s} | {wall_r} "
                       f"| {rss:.0f} | {rss / rss0:.2f}x |")
    out += ["", machine_line()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
