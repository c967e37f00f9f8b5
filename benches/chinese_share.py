#!/usr/bin/env python3
"""Give a share of a synthetic archive's documents Chinese titles and text.

The corpus of ../shared/bench/make_corpus.py is English only. Policy
archives are not: many documents carry an original Chinese title, and some
hold Chinese passages or whole Chinese texts. This rewrites an annals-form
corpus in place: every Nth document gets an `original_title` and, at the top
of its seed, Chinese paragraphs. The Chinese is made of the Chinese phrases
of this repository's seeds and content files (original titles, quotations),
recombined with a fixed random seed, so every run writes the same bytes.

    python3 benches/chinese_share.py CORPUS/annals [--every 5] [--paragraphs 6]
"""

import argparse
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


def phrases():
    found = set()
    for folder in ("seeds", "content"):
        for f in sorted((REPO / folder).iterdir()):
            if f.is_file():
                found.update(HAN_RUN.findall(f.read_text(encoding="utf-8")))
    return sorted(found)


def sentence(rng, pool):
    return "，".join(rng.choice(pool) for _ in range(rng.randint(3, 8))) + "。"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", help="the annals form of a corpus (holds config.toml, content/, seeds/)")
    ap.add_argument("--every", type=int, default=5, help="every Nth document gets Chinese (default: a fifth)")
    ap.add_argument("--paragraphs", type=int, default=6, help="Chinese paragraphs added to each such seed")
    args = ap.parse_args()
    root = Path(args.corpus)
    pool = phrases()
    rng = random.Random(20261201)
    changed = 0
    for n, content in enumerate(sorted((root / "content").glob("*.md"))):
        if n % args.every:
            continue
        text = content.read_text(encoding="utf-8")
        if "original_title" in text:
            continue
        title = "关于" + "".join(rng.choice(pool) for _ in range(2)) + "的通知"
        # Top-level keys go before any table such as [taxonomies].
        text = text.replace("+++\n", f'+++\noriginal_title = "{title}"\noriginal_language = "zh"\n', 1)
        content.write_text(text, encoding="utf-8")
        seed = re.search(r'seed = "([^"]+)"', text)
        if seed:
            path = root / seed.group(1)
            chinese = "\n".join("".join(sentence(rng, pool) for _ in range(rng.randint(2, 5))) for _ in range(args.paragraphs))
            path.write_text(chinese + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
        changed += 1
    print(f"{changed} documents given Chinese, from {len(pool)} phrases")


if __name__ == "__main__":
    main()
