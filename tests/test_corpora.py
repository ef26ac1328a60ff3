"""Gold corpora: one test per document, floors from corpora/thresholds.toml.

Gold was written from reading the texts (the case reports before any rule for them
existed); the test split is never used for writing rules.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from miner.evaluate.patients import PatientScore, load_gold, score_document
from miner.export.files import patient_json
from miner.extract import read_document

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO / "corpora"
THRESHOLDS = tomllib.loads((CORPORA / "thresholds.toml").read_text(encoding="utf-8"))


def _documents(split: str) -> list[Path]:
    folder = CORPORA / "case-reports" / split
    return sorted(p for p in folder.glob("*") if p.suffix in (".txt", ".md", ".pdf"))


def _score(extractor, path: Path, gold_path: Path) -> PatientScore:  # type: ignore[no-untyped-def]
    result = extractor.extract(read_document(path))
    return score_document(load_gold(gold_path), [patient_json(p) for p in result.patients])


def _failures(score: PatientScore) -> str:
    return "\n".join(f"{f.patient} {f.field}: gold={f.gold} predicted={f.predicted}"
                     for f in score.fields if not f.correct)


@pytest.mark.parametrize("suffix", [".txt", ".pdf"])
def test_seed_patient_fields(extractor, suffix: str) -> None:  # type: ignore[no-untyped-def]
    path = CORPORA / "seed" / f"della-pepa-2026-recurrent-crs{suffix}"
    if suffix == ".pdf":
        pytest.importorskip("miner.ingest.pdf")
    score = _score(extractor, path, CORPORA / "seed" / "gold.json")
    floor = THRESHOLDS["seed"]["text_fields_min" if suffix == ".txt" else "pdf_fields_min"]
    assert score.matched == 5 and score.predicted_patients == 5
    assert score.correct >= floor, _failures(score)


def test_seed_all_probable(extractor) -> None:  # type: ignore[no-untyped-def]
    result = extractor.extract(read_document(CORPORA / "seed" / "della-pepa-2026-recurrent-crs.txt"))
    assert [p.classification for p in result.patients] == ["probable"] * 5
    for patient in result.patients:
        assert patient.reasons and all(r.endswith(".") for r in patient.reasons)


@pytest.mark.parametrize("path", _documents("dev"), ids=lambda p: p.stem)
def test_dev_case_report(extractor, path: Path) -> None:  # type: ignore[no-untyped-def]
    gold_path = path.with_name(path.stem + ".gold.json")
    gold = load_gold(gold_path)
    score = _score(extractor, path, gold_path)
    assert score.matched == len(gold["patients"]), _failures(score)
    for field in score.fields:
        if field.field == "probable" and field.gold is False:
            assert field.predicted is not True, f"{field.patient}: a negative flagged probable"


def test_dev_split_accuracy(extractor) -> None:  # type: ignore[no-untyped-def]
    total = PatientScore()
    for path in _documents("dev"):
        total.extend(_score(extractor, path, path.with_name(path.stem + ".gold.json")))
    accuracy = total.correct / total.total
    assert accuracy >= THRESHOLDS["dev"]["field_accuracy_min"], _failures(total)


def test_heldout_split_accuracy(extractor) -> None:  # type: ignore[no-untyped-def]
    documents = _documents("test")
    if not documents:
        pytest.skip("no held-out documents in corpora/case-reports/test")
    total = PatientScore()
    for path in documents:
        total.extend(_score(extractor, path, path.with_name(path.stem + ".gold.json")))
    accuracy = total.correct / total.total
    print(f"held-out patient-field accuracy {accuracy:.3f} ({total.correct}/{total.total})")
    assert accuracy >= THRESHOLDS["test"]["field_accuracy_min"]
