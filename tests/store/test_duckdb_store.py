"""The DuckDB store: loading outputs, replacing re-loaded documents, linking duplicates."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.store.cohort import build_cohort
from miner.store.duckdb_store import count_rows, load_output, load_outputs, read_patients, read_table

ABSTRACT = """Late recurrent cytokine release syndrome during glofitamab: a conference abstract

Case: A 58-year-old woman with relapsed diffuse large B-cell lymphoma started glofitamab. She developed grade 2 \
CRS on day+8 after the first step-up dose, treated with tocilizumab. From cycle 3 onwards she had recurrent \
fevers up to 38.9 °C about 24 h after every infusion, every 21 days. Infectious workups were repeatedly \
negative. Each episode resolved with paracetamol and dexamethasone, and glofitamab was continued.
"""
FULL_REPORT = """Recurrent late cytokine release syndrome on glofitamab: a case report

Case presentation

A 58-year-old woman with DLBCL relapsing after R-CHOP and autologous transplantation started glofitamab \
after obinutuzumab pretreatment. Step-up dosing was given as an inpatient. She developed grade 2 CRS on day+8 \
after the first step-up dose, with fever of 39.2 °C and hypotension responding to fluids; she received \
tocilizumab with resolution within 12 hours.

From cycle 3 onwards, she had recurrent fevers up to 38.9 °C about 24 h after every infusion, every 21 days. \
Blood and urine cultures, chest CT and respiratory viral PCR were negative at every episode. The episodes \
resolved with paracetamol and dexamethasone. Glofitamab was continued at the same dose and schedule.
"""
OTHER_PATIENT = """Recurrent fever on teclistamab: a case report

A 72-year-old man with relapsed multiple myeloma started teclistamab. He developed grade 1 CRS on day+3 of \
step-up dosing, treated with paracetamol. After switching to every-two-week dosing, he had recurrent fevers \
up to 38.6 °C about 36 h after every dose, every 14 days. Infectious workups were negative each time. The \
fevers resolved with tocilizumab, and teclistamab was continued.
"""


def _extract(folder: Path, out: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_loading_the_same_output_twice_changes_nothing(seed_output: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    first = load_output(seed_output, db)
    counts = count_rows(db)
    assert counts["patients"] == 5 and counts["runs"] == 1 and counts["documents"] == 1
    assert counts["episodes"] > 0 and counts["mentions"] > 0
    second = load_output(seed_output, db)
    assert count_rows(db) == counts
    assert second.run_id == first.run_id
    assert second.replaced_patients == 5


def test_default_store_is_in_the_output_folder(seed_output: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(seed_output, out)
    summary = load_output(out)
    assert summary.db_path == out / "miner.duckdb" and summary.db_path.is_file()


def test_another_run_on_the_same_document_replaces_its_rows(seed_output: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    load_output(seed_output, db)
    rerun = tmp_path / "rerun"
    shutil.copytree(seed_output, rerun)
    # A later run (another miner version) on the same PDF: same sha256, another output.
    lines = [json.loads(line) for line in (rerun / "patients.jsonl").read_text(encoding="utf-8").splitlines()]
    for record in lines:
        record["miner_version"] = "9.9.9"
    (rerun / "patients.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    summary = load_output(rerun, db)
    counts = count_rows(db)
    assert counts["runs"] == 2
    assert counts["patients"] == 5 and counts["documents"] == 1
    assert summary.replaced_patients == 5
    patients = read_table(db, "patients")
    assert set(patients["miner_version"]) == {"9.9.9"}
    assert set(patients["run_id"]) == {summary.run_id}


def _note_export(out: Path, patients: list[tuple[str, int]]) -> Path:
    """A minimal output folder of `miner screen` (export "ward"), written by hand."""
    out.mkdir(parents=True)
    records = [{"doc_id": "ward", "patient_id": pid, "age": age, "sex": "F", "drugs": ["epcoritamab"],
                "drug_targets": ["CD20"], "episodes": [], "first_crs": None, "max_grade": None,
                "recurrence_interval_days": None, "hours_post_dose": None, "treatments": [],
                "classification": "unlikely", "reasons": []} for pid, age in patients]
    (out / "patients.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "doc_id", "status", "reason", "patients", "pages", "sha256", "row"])
        for i, (pid, _) in enumerate(patients, start=1):
            writer.writerow(["ward.csv", f"{pid}-N001", "ok", "", 1, 0, f"{i:064x}", i])
    (out / "notes.csv").write_text("patient_id,note_id\n" + "".join(f"{p},{p}-N001\n" for p, _ in patients),
                                   encoding="utf-8")
    return out


def test_note_exports_are_keyed_by_export_and_patient(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    load_output(_note_export(tmp_path / "a", [("P1", 50), ("P2", 61)]), db)
    summary = load_output(_note_export(tmp_path / "b", [("P2", 62), ("P3", 70)]), db)
    assert summary.command == "screen"
    patients = {p.patient_id: p.record["age"] for p in read_patients(db)}
    assert patients == {"P1": 50, "P2": 62, "P3": 70}  # P2 of the later load replaced the earlier P2
    assert summary.replaced_patients == 1


def test_the_same_patient_in_an_abstract_and_a_full_report_is_counted_once(tmp_path: Path) -> None:
    abstract = _extract(tmp_path / "a", tmp_path / "out_a", {"abstract-glofitamab.txt": ABSTRACT})
    full = _extract(tmp_path / "b", tmp_path / "out_b", {"full-report-glofitamab.txt": FULL_REPORT,
                                                         "other-teclistamab.txt": OTHER_PATIENT})
    db = tmp_path / "store.duckdb"
    load_output(abstract, db)
    summary = load_output(full, db)
    assert summary.duplicates == 1
    patients = {p.doc_id: p for p in read_patients(db)}
    assert set(patients) == {"abstract-glofitamab", "full-report-glofitamab", "other-teclistamab"}
    one, two = patients["abstract-glofitamab"], patients["full-report-glofitamab"]
    assert {one.duplicate_of, two.duplicate_of} - {None} in ({one.patient_key}, {two.patient_key})
    assert one.duplicate_group == two.duplicate_group is not None
    duplicate = one if one.is_duplicate else two
    assert duplicate.duplicate_score is not None and duplicate.duplicate_score >= 0.85
    assert any(reason.startswith("age 58 vs 58") for reason in duplicate.duplicate_reasons)
    assert patients["other-teclistamab"].duplicate_group is None

    cohort = build_cohort(db)
    assert cohort.records == 3 and cohort.duplicates == 1 and cohort.patients == 2
    assert cohort.by_drug == {"glofitamab": 1, "teclistamab": 1}
    kept = next(row for row in cohort.table1 if row.drugs == ("glofitamab",))
    assert len(kept.also_reported_in) == 1 and kept.also_reported_in[0].startswith(duplicate.doc_id)


def test_load_order_does_not_change_the_cohort(tmp_path: Path) -> None:
    abstract = _extract(tmp_path / "a", tmp_path / "out_a", {"abstract-glofitamab.txt": ABSTRACT})
    full = _extract(tmp_path / "b", tmp_path / "out_b", {"full-report-glofitamab.txt": FULL_REPORT})
    db_path, _ = load_outputs([full, abstract], tmp_path / "reverse.duckdb")
    cohort = build_cohort(db_path)
    assert cohort.patients == 1 and cohort.duplicates == 1


def test_a_folder_without_patients_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_output(tmp_path, tmp_path / "store.duckdb")
