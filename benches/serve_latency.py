#!/usr/bin/env python3
"""Edit-to-browser latency of `annals serve`, and its memory over many edits.

Generates the synthetic archive of ../shared/bench/make_corpus.py (or, with
--reuse, takes the one already in --work, and puts back what it changed), starts
`annals serve --port 0` on it, and listens on the live-reload event stream as
a browser page does. Then, N times: rewrites one document's content file
(a different document each time, with a new marker in its curator's note,
or with `--kind` in its summary, title or cited_as names), waits for the server's "reload" event, fetches the document's page and
checks the marker is in it. The latency of one edit is from just before the
file is written to the end of that fetch: it includes the watcher's debounce,
the rebuild, the writes and the HTTP round trip. The server makes
`graph.json` and the catalogue after the pages, and answers requests for
them once they are made: a HEAD request for /graph.json after the page
measures when the whole site is written (the "all files" column). It also
samples the server's resident memory (VmRSS) after every edit. Prints a
markdown table: median and 90th percentile latency, the median until every
file is written, and memory after the first build, after the first tenth of
the edits and at the end.

By default each edit follows the last at once, so a rebuild may wait for
the work the last one left for later (the new matcher, `graph.json`); a
person saving a file waits longer than that. `--pause S` waits S seconds
between edits.

    cargo build --release
    python3 benches/serve_latency.py --docs 10000 --edits 200 --out serve.md
"""

import argparse
import contextlib
import http.client
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from build_vs_hugo import add_common_args, annals_corpus, machine_line


KINDS = ["text", "summary", "title", "cited_as", "topics", "topics-known", "new", "delete", "entity", "entity-name",
         "entity-name-held", "entity-name-shared"]

# Ten entities for `--kind entity`, named after the synthetic corpus's
# issuing bodies, so that texts mention them.
# Phrases that texts of the synthetic corpus hold, for
# `--kind entity-name-held`: an entity given one as another name is found
# in those texts, which are scanned again. Eleven, one more than the
# entities: each edit gives a phrase no other entity has at the time
# (`--kind entity-name-shared` gives the one the entity edited before has).
HELD = ["intelligent manufacturing capacity", "digital divide", "financial technology innovation",
        "Organization Department", "endless frontier", "piercing supervision", "symposium of responsible comrades",
        "data elements", "common prosperity", "semiconductor", "rare earth"]

ENTITIES = "".join(
    f'[[entity]]\nname = "Provincial Department {i:02d}"\nkind = "organisation"\n'
    f'description = "Entity {i}."\n\n'
    for i in range(10)
)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--kind", choices=KINDS, default="text",
                    help="what each edit changes: the text (appends a curator's note), the summary "
                         "(shown wherever the document is listed), the title (shown wherever the "
                         "document is listed, and a name looked for in every text), a cited_as name "
                         "(the name other texts of the synthetic corpus cite it by, so their pages change), "
                         "the topics (a new term each time, so a new term page), the topics again "
                         "(a term other documents have, which the document joins), a new document, "
                         "a deleted document, an entity's description, or an entity's other names "
                         "(a name looked for in every text, which no text holds with entity-name "
                         "and which some texts hold with entity-name-held, and which another entity has "
                         "with entity-name-shared; for these, the corpus gets "
                         "content/entities.toml with ten entities first)")
    ap.add_argument("--reuse", action="store_true",
                    help="use the corpus already in --work/annals instead of writing it anew (at 100,000 "
                         "documents that takes minutes); every file the edits change is put back as it was "
                         "at the end")
    ap.add_argument("--server-log", metavar="FILE",
                    help="write what the server prints on standard error to FILE (with "
                         "ANNALS_TIMINGS=1 set, its stage timings for every rebuild)")
    ap.add_argument("--pause", type=float, default=0.0, metavar="S",
                    help="wait S seconds after each edit is measured, before the next (default 0: at once)")
    ap.add_argument("--no-search", action="store_true",
                    help="turn the search index off ([search] enabled = false), to see what it costs")
    return ap.parse_args()


def rss_mib(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def start_server(annals, root, log=None):
    stderr = open(log, "w", encoding="utf-8") if log else subprocess.DEVNULL
    proc = subprocess.Popen([annals, "serve", "--port", "0", "--root", root],
                            stdout=subprocess.PIPE, stderr=stderr, text=True)
    port = None
    for line in proc.stdout:
        if port is None and (m := re.search(r"127\.0\.0\.1:(\d+)", line)):
            port = int(m.group(1))
        if line.startswith("Rebuilt"):
            # Keep reading what the server prints, or it blocks once the
            # pipe is full.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, port
    sys.exit("the server stopped before its first build")


def open_events(port):
    sock = socket.create_connection(("127.0.0.1", port))
    # The preview answers only requests addressed to the address it
    # listens on.
    sock.sendall(f"GET /__annals/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    stream = sock.makefile("rb")
    status = stream.readline()
    if b" 200 " not in status:
        sys.exit(f"the event stream answered {status.decode(errors='replace').strip()}")
    while True:
        line = stream.readline()
        if not line:
            sys.exit("the event stream closed before it started")
        if line.startswith(b"retry:"):
            return sock, stream


def wait_reload(stream):
    while True:
        line = stream.readline()
        if not line:
            sys.exit("the event stream closed")
        if line.strip() == b"data: reload":
            return


def get(port, path, method="GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path)
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, body


def main():
    args = parse_args()
    # Stopped by a signal (`kill`, a timeout), the run still puts back the
    # files it changed in a reused corpus and stops the server: the
    # `finally` blocks below run on SystemExit, not on a bare SIGTERM.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda number, _frame: sys.exit(128 + number))
    reused = args.reuse and args.work and (Path(args.work) / "annals" / "content").is_dir()
    corpus = contextlib.nullcontext(Path(args.work).resolve()) if reused else annals_corpus(args, "annals-serve-")
    with corpus as work:
        root = work / "annals"
        # What each changed file held before the run (None: it did not
        # exist), to put back at the end.
        originals = {}
        try:
            if args.no_search:
                keep(originals, root / "config.toml")
                with open(root / "config.toml", "a", encoding="utf-8") as f:
                    f.write("\n[search]\nenabled = false\n")
            if args.kind.startswith("entity"):
                keep(originals, root / "content" / "entities.toml")
                (root / "content" / "entities.toml").write_text(ENTITIES, encoding="utf-8")
            proc, port = start_server(args.annals, root, args.server_log)
            try:
                latencies, complete, memory = measure(args, root, proc, port, originals)
            finally:
                proc.kill()
                proc.wait()
        finally:
            for path, data in originals.items():
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(data)
        print(table(args, latencies, complete, memory), end="")


def keep(originals, path):
    """Remembers what `path` holds before its first change in this run."""
    if path not in originals:
        originals[path] = path.read_bytes() if path.exists() else None


def measure(args, root, proc, port, originals):
    sock, stream = open_events(port)
    memory = [rss_mib(proc.pid)]
    latencies = []
    complete = []
    for i in range(args.edits):
        slug = f"doc-{(i * 7919) % args.docs:06d}"
        path = root / "content" / f"{slug}.md"
        marker = f"edit-marker-{i}"
        check = f"/documents/{slug}/"
        if args.kind == "new":
            # A new document, dated and filed like the others.
            slug = f"new-{i:06d}"
            path = root / "content" / f"{slug}.md"
            check = f"/documents/{slug}/"
            keep(originals, path)
            start = time.perf_counter()
            path.write_text(f'+++\ntitle = "New document {marker}"\ndate = 2024-03-0{1 + i % 9}\n'
                            f'[taxonomies]\ntopics = ["sector 001"]\n+++\n\nText of {marker}.\n',
                            encoding="utf-8")
        elif args.kind == "delete":
            keep(originals, path)
            start = time.perf_counter()
            path.unlink()
        elif args.kind.startswith("entity"):
            path = root / "content" / "entities.toml"
            original = path.read_text(encoding="utf-8")
            keep(originals, path)
            n = i % 10
            check = f"/entities/provincial-department-{n:02d}/"
            if args.kind == "entity":
                pattern, line = rf'description = "Entity {n}\.[^"]*"', f'description = "Entity {n}. {marker}"'
            elif args.kind in ("entity-name-held", "entity-name-shared"):
                # The entity's page lists its other names. Shared, the name
                # is the one the entity edited just before was given (from
                # the second edit on): its mentions stay that entity's,
                # and the names of all are planned again (a warning says so).
                shared = args.kind == "entity-name-shared"
                held = HELD[(i - shared) % len(HELD)]
                marker = f"<span>{held}</span>"
                pattern = rf'(description = "Entity {n}\.[^"]*")(\nother_names = \[[^\]]*\])?'
                line = rf'\1\nother_names = ["{held}"]'
            else:
                # Another name for the entity, looked for in every text.
                pattern = rf'(description = "Entity {n}\.[^"]*")(\nother_names = \[[^\]]*\])?'
                line = rf'\1\nother_names = ["Department {marker}"]'
            start = time.perf_counter()
            path.write_text(re.sub(pattern, line, original), encoding="utf-8")
        elif args.kind == "topics-known":
            # A term of the corpus the document does not have yet: the
            # page then links the term's page.
            original = path.read_text(encoding="utf-8")
            keep(originals, path)
            n = (i * 37) % 180
            while f'"sector {n:03d}"' in original:
                n = (n + 1) % 180
            marker = f"/topics/sector-{n:03d}/"
            topics = f'topics = ["sector {n:03d}"]'
            start = time.perf_counter()
            path.write_text(re.sub(r'(?m)^topics = \[.*\]$', topics, original), encoding="utf-8")
        else:
            original = path.read_text(encoding="utf-8")
            keep(originals, path)
            start = time.perf_counter()
            path.write_text(edited(original, args.kind, marker), encoding="utf-8")
        wait_reload(stream)
        status, body = get(port, check)
        latencies.append(time.perf_counter() - start)
        shown = status == 404 if args.kind == "delete" else status == 200 and marker in body
        if not shown:
            sys.exit(f"edit {i}: the served page ({check}, status {status}) does not show the edit")
        # Answered once every file of the rebuild is written.
        get(port, "/graph.json", "HEAD")
        complete.append(time.perf_counter() - start)
        memory.append(rss_mib(proc.pid))
        print(f"edit {i + 1}/{args.edits}: {latencies[-1] * 1000:.1f} ms (all files {complete[-1] * 1000:.1f} ms), "
              f"{memory[-1]:.0f} MiB", file=sys.stderr)
        time.sleep(args.pause)
    sock.close()
    return latencies, complete, memory


def edited(original, kind, marker):
    """The content file with one edit of `kind` carrying `marker`."""
    if kind == "text":
        return original + f"\nCurator's note {marker}.\n"
    front, _, body = original.partition("\n+++\n")
    lines = [line for line in front.split("\n") if not line.startswith("summary = ")]
    if kind == "summary":
        lines.insert(1, f'summary = "Summary {marker}."')
    elif kind == "topics":
        lines = [re.sub(r'^topics = \[.*\]$', f'topics = ["topic {marker}"]', line) for line in lines]
    elif kind == "title":
        lines = [re.sub(r'^title = "(.*?)( edit-marker-\d+)?"$', rf'title = "\1 {marker}"', line) for line in lines]
    else:
        # The page shows its cited_as names; the texts that cited the old
        # name no longer link to it.
        lines = [re.sub(r'^cited_as = \[.*\]$', f'cited_as = ["Document {marker}"]', line) for line in lines]
    return "\n".join(lines) + "\n+++\n" + body


def table(args, latencies, complete, memory):
    ms = sorted(x * 1000 for x in latencies)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    whole = statistics.median(x * 1000 for x in complete)
    tenth = memory[max(1, len(memory) // 10)]
    pause = f", {args.pause:g} s apart" if args.pause else ""
    rows = ["| docs | edits | edit | median ms | p90 ms | all files median ms | RSS after first build MiB "
            "| after first tenth MiB | at the end MiB |",
            "|--:|--:|--|--:|--:|--:|--:|--:|--:|",
            f"| {args.docs} | {args.edits}{pause} | {args.kind} | {statistics.median(ms):.1f} | {p90:.1f} "
            f"| {whole:.1f} | {memory[0]:.0f} | {tenth:.0f} | {memory[-1]:.0f} |",
            "", machine_line()]
    text = "\n".join(rows) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    main()
