"""Every mention gold file in corpora/ validates and its offsets give its mention texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from miner.evaluate.mentions import check_against_text, load_gold_mentions
from miner.evaluate.run import TEXT_SUFFIXES, document_beside
from miner.ingest.text import read_text
from miner.labels import MENTION_LABELS

CORPORA = Path(__file__).resolve().parents[2] / "corpora"
GOLD_FILES = sorted(CORPORA.rglob("*.mentions.json"))


def test_there_is_mention_gold_for_every_text_case_report() -> None:
    documents = sorted(p for p in (CORPORA / "case-reports").rglob("*")
                       if p.suffix in (".txt", ".md") and p.name != "README.md")
    assert documents
    missing = [p.name for p in documents if not p.with_name(p.stem + ".mentions.json").is_file()]
    assert not missing
    assert (CORPORA / "seed" / "della-pepa-2026-recurrent-crs.mentions.json") in GOLD_FILES


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name.removesuffix(".mentions.json"))
def test_gold_file_validates_and_fits_its_text(path: Path) -> None:
    gold = load_gold_mentions(path)
    stem = path.name.removesuffix(".mentions.json")
    assert gold.doc_id == stem
    document = document_beside(path, stem, TEXT_SUFFIXES)
    assert document is not None, f"no text document beside {path}"
    text = read_text(document).text
    assert check_against_text(gold, text) == []
    for mention in gold.mentions:
        assert text[mention.start:mention.end] == mention.text
    assert {m.label for m in gold.mentions} <= set(MENTION_LABELS)
    assert len(gold.mentions) >= 10
