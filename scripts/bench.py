"""Extraction speed of miner beside spaCy's blank tokenizer, on the same texts, in one process.

    .venv/bin/python scripts/bench.py [--quick] [--notes N]

Texts: real MTSamples notes from ../shared/corpora/mtsamples (when present) and dense case
text (the seed article repeated). Prints words/s for each and the ratio; no assertions.
Timings are wall-clock on this machine: compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MTSAMPLES = REPO.parent / "shared" / "corpora" / "mtsamples" / "mtsamples.csv.gz"
SEED = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.txt"


def load_notes(limit: int) -> list[str]:
    if not MTSAMPLES.is_file():
        return []
    with gzip.open(MTSAMPLES, "rt", encoding="utf-8") as handle:
        rows = csv.DictReader(io.StringIO(handle.read()))
        texts = [r["transcription"] for r in rows if (r.get("transcription") or "").strip()]
    return texts[:limit]


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def rate(run: Callable[[list[str]], None], texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(texts)
        best = min(best, time.perf_counter() - start)
    return words(texts) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer texts, one repetition")
    parser.add_argument("--notes", type=int, default=300, help="MTSamples notes to use")
    args = parser.parse_args()
    import spacy

    from miner.extract import Extractor
    from miner.ingest.document import Page, SourceDocument

    blank = spacy.blank("en")
    extractor = Extractor()
    repeat = 1 if args.quick else 3
    corpora = {
        "notes (MTSamples)": load_notes(60 if args.quick else args.notes),
        "dense case text (seed x20)": [SEED.read_text(encoding="utf-8")] * (5 if args.quick else 20),
    }

    def tokenize(texts: list[str]) -> None:
        for _ in blank.tokenizer.pipe(texts):
            pass

    def mine(texts: list[str]) -> None:
        for i, text in enumerate(texts):
            extractor.extract(SourceDocument(f"d{i}", "", text, [Page(1, 0, len(text))]))

    ratios = []
    for name, texts in corpora.items():
        if not texts:
            print(f"{name}: skipped (corpus not found)")
            continue
        floor = rate(tokenize, texts, repeat)
        ours = rate(mine, texts, repeat)
        ratios.append(ours / floor)
        print(f"{name}: {len(texts)} texts, {words(texts):,} words | blank tokenizer "
              f"{floor:,.0f} words/s | miner {ours:,.0f} words/s | miner/tokenizer {ours / floor:.3f}")
    print("ratios: " + " ".join(f"miner_vs_tokenizer[{i}]={r:.3f}" for i, r in enumerate(ratios)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
