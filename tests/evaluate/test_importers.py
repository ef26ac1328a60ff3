"""Importers: brat standoff and Prodigy/Doccano JSONL into the gold mention format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from miner.evaluate.importers import (
    GoldImportError,
    import_brat,
    import_jsonl,
    load_label_map,
    write_gold_documents,
)
from miner.evaluate.mentions import load_gold_mentions, text_sha256

TEXT = "No fever after teclistamab; grade 2 CRS on C1D2.\nBlood cultures negative."
#       0123456789012345678901234567890123456789012345678
#       fever 3-8, teclistamab 15-26, grade 2 28-35, CRS 36-39, C1D2 43-47, Blood cultures 49-63


def _brat(tmp_path: Path, ann: str, text: str = TEXT) -> Path:
    (tmp_path / "note1.txt").write_text(text, encoding="utf-8")
    path = tmp_path / "note1.ann"
    path.write_text(ann, encoding="utf-8")
    return path


def test_brat_entities_attributes_and_ignored_lines(tmp_path: Path) -> None:
    ann = ("T1\tFEVER 3 8\tfever\n"
           "T2\tDRUG 15 26\tteclistamab\n"
           "T3\tCRS 36 39\tCRS\n"
           "A1\tNegated T1\n"
           "A2\tAssertion T3 uncertain\n"
           "R1\tTreats Arg1:T2 Arg2:T3\n"
           "#1\tAnnotatorNotes T2\tthe drug\n")
    result = import_brat(_brat(tmp_path, ann))
    (doc,) = result.documents
    assert doc.doc_id == "note1"
    assert doc.text_sha256 == text_sha256(TEXT)
    got = [(m.label, m.start, m.end, m.text, m.assertion) for m in doc.mentions]
    assert got == [("FEVER", 3, 8, "fever", "negated"), ("DRUG", 15, 26, "teclistamab", "present"),
                   ("CRS", 36, 39, "CRS", "uncertain")]
    assert result.ignored == {"relations": 1, "notes": 1}


def test_brat_discontinuous_span_becomes_min_to_max_with_a_warning(tmp_path: Path) -> None:
    result = import_brat(_brat(tmp_path, "T1\tGRADE 28 33;34 35\tgrade 2\n"))
    (mention,) = result.documents[0].mentions
    assert (mention.start, mention.end, mention.text) == (28, 35, "grade 2")
    assert len(result.warnings) == 1 and "discontinuous" in result.warnings[0]
    assert "line 1" in result.warnings[0]


def test_brat_label_map_renames_and_drops(tmp_path: Path) -> None:
    ann = "T1\tPyrexia 3 8\tfever\nT2\tBodyPart 49 54\tBlood\nA1\tNegated T2\n"
    (doc,) = import_brat(_brat(tmp_path, ann), {"Pyrexia": "FEVER", "BodyPart": None}).documents
    assert [(m.label, m.text) for m in doc.mentions] == [("FEVER", "fever")]


@pytest.mark.parametrize(("ann", "problem"), [
    ("T1\tFEVER 3 8\tfever\nT2\tFEVER three 8\tfever\n", "line 2"),
    ("T1\tFEVER 3 800\tfever\n", "not inside the text"),
    ("T1\tSYMPTOM 3 8\tfever\n", "label 'SYMPTOM'"),
    ("T1\tFEVER 3 8\tfever\nA1\tNegated T9\n", "T9"),
])
def test_brat_bad_lines_name_the_file_and_line(tmp_path: Path, ann: str, problem: str) -> None:
    with pytest.raises(GoldImportError) as err:
        import_brat(_brat(tmp_path, ann))
    assert "note1.ann" in str(err.value) and problem in str(err.value)
    assert "line" in str(err.value)


def test_brat_needs_its_text_file(tmp_path: Path) -> None:
    (tmp_path / "lonely.ann").write_text("T1\tFEVER 0 5\tfever\n", encoding="utf-8")
    with pytest.raises(GoldImportError, match="lonely.txt"):
        import_brat(tmp_path / "lonely.ann")


def _jsonl(tmp_path: Path, *records: object) -> Path:
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n",
                    encoding="utf-8")
    return path


def test_prodigy_spans_and_doc_id_from_meta(tmp_path: Path) -> None:
    record = {"text": TEXT, "meta": {"doc_id": "note-7"},
              "spans": [{"start": 15, "end": 26, "label": "DRUG", "token_start": 4},
                        {"start": 43, "end": 47, "label": "timing"}]}
    (doc,) = import_jsonl(_jsonl(tmp_path, record)).documents
    assert doc.doc_id == "note-7"
    assert [(m.label, m.text) for m in doc.mentions] == [("DRUG", "teclistamab"), ("TIMING", "C1D2")]


def test_doccano_label_lists_and_entities(tmp_path: Path) -> None:
    old = {"id": 11, "text": TEXT, "label": [[36, 39, "CRS"], [28, 35, "GRADE"]]}
    new = {"id": 12, "text": TEXT, "entities": [{"id": 1, "start_offset": 49, "end_offset": 63,
                                                  "label": "Workup"}]}
    docs = import_jsonl(_jsonl(tmp_path, old, new), {"Workup": "INFECTION_WORKUP"}).documents
    assert [d.doc_id for d in docs] == ["11", "12"]
    assert [(m.label, m.text) for m in docs[0].mentions] == [("GRADE", "grade 2"), ("CRS", "CRS")]
    assert [(m.label, m.text) for m in docs[1].mentions] == [("INFECTION_WORKUP", "Blood cultures")]


@pytest.mark.parametrize(("bad", "problem"), [
    ('{"text": "fever", "spans": [', "invalid JSON"),
    ({"spans": []}, "'text'"),
    ({"text": "fever"}, "no spans"),
    ({"text": "fever", "label": [[0, 9, "FEVER"]]}, "not inside the text"),
    ({"text": "fever", "entities": [{"start": 0, "end": 5, "label": "FEVER"}]}, "start_offset"),
])
def test_jsonl_bad_lines_name_the_line(tmp_path: Path, bad: object, problem: str) -> None:
    good = {"text": "fever", "id": "a", "label": [[0, 5, "FEVER"]]}
    with pytest.raises(GoldImportError) as err:
        import_jsonl(_jsonl(tmp_path, good, bad))
    assert "export.jsonl: line 2" in str(err.value) and problem in str(err.value)


def test_jsonl_duplicate_doc_id_is_an_error(tmp_path: Path) -> None:
    record = {"text": "fever", "id": "a", "label": []}
    with pytest.raises(GoldImportError, match="line 2.*already used on line 1"):
        import_jsonl(_jsonl(tmp_path, record, record))


def test_label_map_rejects_unknown_targets(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"Drug": "MEDICATION"}', encoding="utf-8")
    with pytest.raises(GoldImportError, match="MEDICATION"):
        load_label_map(path)


def test_written_files_validate_and_round_trip(tmp_path: Path) -> None:
    result = import_brat(_brat(tmp_path, "T1\tFEVER 3 8\tfever\nA1\tNegated T1\n"))
    (path,) = write_gold_documents(result.documents, tmp_path / "gold")
    assert path.name == "note1.mentions.json"
    gold = load_gold_mentions(path)
    assert gold.mentions == result.documents[0].mentions
