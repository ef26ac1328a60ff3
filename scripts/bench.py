"""Speed of miner beside spaCy's blank tokenizer and medspaCy's default pipeline, on the same
texts, in one process.

    .venv/bin/python scripts/bench.py [--quick] [--notes N]

- notes: real MTSamples notes (../shared/corpora/mtsamples) screened as an export by
  `miner screen`'s Screener (prefilter on: most notes cannot hold a T-cell-engager patient);
- dense case text: the seed article repeated, through `miner extract`'s Extractor (no
  prefilter: every text is relevant), beside `medspacy.load()` with a TargetMatcher holding
  miner's drug, CRS and fever phrases (a comparable target rule set);
- PDFs: pages/s of miner's reader against pdfplumber's `extract_text` on the seed PDF.

Prints words/s (pages/s) and ratios, and ends with one line
`ratios: miner_vs_tokenizer=X miner_vs_medspacy=Y pdf_vs_pdfplumber=Z`. No assertions: the
figures are wall-clock on this machine; compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import gzip
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MTSAMPLES = REPO.parent / "shared" / "corpora" / "mtsamples" / "mtsamples.csv.gz"
SEED = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.txt"
SEED_PDF = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"


def load_notes(limit: int) -> list[str]:
    if not MTSAMPLES.is_file():
        return []
    with gzip.open(MTSAMPLES, "rt", encoding="utf-8") as handle:
        rows = csv.DictReader(io.StringIO(handle.read()))
        texts = [r["transcription"] for r in rows if (r.get("transcription") or "").strip()]
    return texts[:limit]


def words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def best_time(run: Callable[[], None], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1: PyRuSH (medspaCy's sentence splitter) prints every token."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        os.dup2(devnull.fileno(), 1)
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def medspacy_pipeline():  # type: ignore[no-untyped-def]
    """medspaCy's default pipeline with miner's drug, CRS and fever phrases as target rules."""
    import medspacy
    from medspacy.target_matcher import TargetRule

    with quiet_stdout():
        nlp = medspacy.load()
    rules = []
    for name in ("drugs.jsonl", "crs.jsonl", "fever.jsonl", "treatments.jsonl"):
        for line in (REPO / "patterns" / "concepts" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rule = json.loads(line)
                if isinstance(rule.get("pattern"), str):
                    rules.append(TargetRule(rule["pattern"], rule["label"]))
    nlp.get_pipe("medspacy_target_matcher").add(rules)
    return nlp


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer texts, one repetition (under a minute)")
    parser.add_argument("--notes", type=int, default=1000, help="MTSamples notes to screen")
    args = parser.parse_args()
    import spacy

    from miner.extract import Extractor
    from miner.ingest.document import Page, SourceDocument
    from miner.ingest.notes import Note
    from miner.screen import Screener

    repeat = 1 if args.quick else 3
    blank = spacy.blank("en")
    extractor = Extractor()
    screener = Screener(nlp=extractor.nlp)

    def tokenize(texts: list[str]) -> Callable[[], None]:
        return lambda: [None for _ in blank.tokenizer.pipe(texts)] and None

    # notes, screened as an export (one note a patient, as MTSamples has no patient ids)
    notes = load_notes(300 if args.quick else args.notes)
    miner_vs_tokenizer = float("nan")
    if notes:
        day = datetime.datetime(2020, 1, 1)
        exported = [Note(f"p{i}", f"n{i}", day, text, "note") for i, text in enumerate(notes)]
        floor = words(notes) / best_time(tokenize(notes), repeat)
        ours = words(notes) / best_time(lambda: [screener.screen_patient(n.patient_id, [n], "bench")
                                                 for n in exported] and None, repeat)
        miner_vs_tokenizer = ours / floor
        print(f"notes (MTSamples, miner screen): {len(notes)} notes, {words(notes):,} words | blank tokenizer "
              f"{floor:,.0f} words/s | miner {ours:,.0f} words/s | miner/tokenizer {miner_vs_tokenizer:.3f}")
    else:
        print("notes: skipped (MTSamples not found)")

    # dense case text, extracted, beside medspaCy's default pipeline
    dense = [SEED.read_text(encoding="utf-8")] * (3 if args.quick else 10)
    floor = words(dense) / best_time(tokenize(dense), repeat)
    ours = words(dense) / best_time(lambda: [extractor.extract(SourceDocument(f"d{i}", "", t, [Page(1, 0, len(t))]))
                                             for i, t in enumerate(dense)] and None, repeat)
    peer_nlp = medspacy_pipeline()

    def peer() -> None:
        with quiet_stdout():
            for _ in peer_nlp.pipe(dense):
                pass

    medspacy_rate = words(dense) / best_time(peer, 1)
    miner_vs_medspacy = ours / medspacy_rate
    print(f"dense case text (seed x{len(dense)}, miner extract): {words(dense):,} words | blank tokenizer "
          f"{floor:,.0f} words/s | medspaCy default {medspacy_rate:,.0f} words/s | miner {ours:,.0f} words/s | "
          f"miner/tokenizer {ours / floor:.3f} | miner/medspaCy {miner_vs_medspacy:.2f}")

    # PDFs: miner's reader against pdfplumber's extract_text
    import pdfplumber

    from miner.ingest.pdf import read_pdf

    def plumber() -> None:
        with pdfplumber.open(SEED_PDF) as pdf:
            for page in pdf.pages:
                page.extract_text()

    pages = len(read_pdf(SEED_PDF).pages)
    ours_pdf = pages / best_time(lambda: read_pdf(SEED_PDF) and None, repeat)
    theirs_pdf = pages / best_time(plumber, repeat)
    pdf_ratio = ours_pdf / theirs_pdf
    print(f"PDF (seed, {pages} pages): pdfplumber extract_text {theirs_pdf:,.1f} pages/s | miner "
          f"{ours_pdf:,.1f} pages/s (reading order, tables) | miner/pdfplumber {pdf_ratio:.2f}")
    print(f"ratios: miner_vs_tokenizer={miner_vs_tokenizer:.3f} miner_vs_medspacy={miner_vs_medspacy:.2f} "
          f"pdf_vs_pdfplumber={pdf_ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
