"""Every format of ``miner export`` on the seed article, read back and checked against its schema."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from typer.testing import CliRunner

from miner.cli import app
from miner.export.redcap import DICTIONARY_COLUMNS
from miner.export.registry import export_store
from miner.export.store_data import ExportOptions
from miner.store.duckdb_store import load_output, read_patients

REDCAP_HEADER = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation",
]
FHIR_MODELS = {"Patient": Patient, "Observation": Observation, "MedicationStatement": MedicationStatement,
               "AdverseEvent": AdverseEvent, "Condition": Condition}
SEED_AGES = [64, 65, 71, 75, 69]  # Cases 1-5 of the seed's Table 1


@pytest.fixture(scope="module")
def store(seed_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("store") / "store.duckdb"
    load_output(seed_output, db)
    return db


def test_csv_tables_read_back(store: Path, tmp_path: Path) -> None:
    paths = export_store(store, "csv", tmp_path)
    assert {p.name for p in paths} == {"patients.csv", "episodes.csv", "documents.csv", "runs.csv"}
    patients = pd.read_csv(tmp_path / "patients.csv")
    assert list(patients["age"]) == SEED_AGES
    assert list(patients["drugs"]) == ["teclistamab"] + ["talquetamab"] * 4
    assert list(patients["drug_targets"]) == ["BCMA"] + ["GPRC5D"] * 4
    episodes = pd.read_csv(tmp_path / "episodes.csv")
    assert set(episodes["patient_id"]) == {f"Case {i}" for i in range(1, 6)}
    assert len(pd.read_csv(tmp_path / "documents.csv")) == 1


def test_parquet_tables_read_back(store: Path, tmp_path: Path) -> None:
    export_store(store, "parquet", tmp_path)
    patients = pd.read_parquet(tmp_path / "patients.parquet")
    assert list(patients["age"]) == SEED_AGES
    assert list(patients["max_grade"])[0] == 3  # Case 1: "an intense grade 3 CRS episode"
    assert len(pd.read_parquet(tmp_path / "episodes.parquet")) > 5


def test_xlsx_workbook_reads_back(store: Path, tmp_path: Path) -> None:
    (path,) = export_store(store, "xlsx", tmp_path / "registry.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"patients", "episodes", "documents", "runs"}
    assert list(sheets["patients"]["sex"]) == ["F", "M", "F", "F", "F"]


def test_fhir_bundles_validate(store: Path, tmp_path: Path) -> None:
    paths = export_store(store, "fhir", tmp_path)
    assert len(paths) == 5
    records = {p.patient_id: p.record for p in read_patients(store)}
    grades = set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        bundle = json.loads(text)
        Bundle.model_validate(bundle)
        kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
        for entry in bundle["entry"]:
            FHIR_MODELS[entry["resource"]["resourceType"]].model_validate(entry["resource"])
        assert kinds.count("Patient") == 1
        patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
        assert set(patient) <= {"resourceType", "id", "meta", "identifier", "gender"}  # no name, no birth date
        assert "della-pepa" not in text and "Case " not in text  # pseudonymous: no source names
        assert "step-up dosing" not in text  # no source text
        age = next(e["resource"]["valueQuantity"]["value"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Observation")
        record = next(r for r in records.values() if r["age"] == age)
        assert kinds.count("AdverseEvent") == len(record["episodes"])
        assert kinds.count("MedicationStatement") == len(record["drugs"])
        for entry in bundle["entry"]:
            event = entry["resource"]
            if event["resourceType"] != "AdverseEvent":
                continue
            assert event["suspectEntity"][0]["instance"]["reference"].startswith("urn:uuid:")
            if "seriousness" in event:
                grade = int(event["event"]["text"].split("grade ")[1][0])
                grades.add(grade)
                assert event["seriousness"]["coding"][0]["code"] == ("serious" if grade >= 3 else "non-serious")
    assert 3 in grades  # Case 1's grade 3 episode is serious


def test_fhir_ids_change_with_the_salt(store: Path, tmp_path: Path) -> None:
    plain = {p.name for p in export_store(store, "fhir", tmp_path / "plain")}
    salted = {p.name for p in export_store(store, "fhir", tmp_path / "salted", ExportOptions(salt="s3cret"))}
    assert len(plain) == len(salted) == 5 and not plain & salted


def _dictionary(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), {row["Variable / Field Name"]: row for row in reader}


def _choices(field: dict[str, str]) -> set[str]:
    if field["Field Type"] in ("yesno", "truefalse"):
        return {"0", "1"}
    return {part.split(",", 1)[0].strip() for part in field["Choices, Calculations, OR Slider Labels"].split("|")}


def test_redcap_import_matches_its_dictionary(store: Path, tmp_path: Path) -> None:
    paths = export_store(store, "redcap", tmp_path)
    dictionary_path = next(p for p in paths if "dictionary" in p.name)
    import_path = next(p for p in paths if p != dictionary_path)
    header, fields = _dictionary(dictionary_path)
    assert header == REDCAP_HEADER == list(DICTIONARY_COLUMNS)
    assert next(iter(fields)) == "record_id"
    with import_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    assert columns[0] == "record_id"
    assert set(columns) <= set(fields), set(columns) - set(fields)
    assert len(rows) == 5
    coded = {name: _choices(f) for name, f in fields.items() if f["Field Type"] in ("radio", "dropdown", "yesno")}
    for row in rows:
        for name, value in row.items():
            if value and name in coded:
                assert value in coded[name], (name, value)
            if name.endswith("_conf") and value:
                assert 0.0 <= float(value) <= 1.0
            if fields[name]["Text Validation Type OR Show Slider Number"] == "integer" and value:
                int(value)
    by_patient = {row["source_patient"]: row for row in rows}
    case1 = by_patient["Case 1"]
    assert (case1["age"], case1["sex"], case1["drug_1"], case1["max_grade"]) == ("64", "1", "teclistamab", "3")
    assert case1["first_crs"] == "1" and case1["first_crs_day"] == "2" and case1["first_crs_grade"] == "2"
    assert "grade 3" in case1["max_grade_evidence"] and "p.1" in case1["max_grade_evidence"]
    assert case1["treatment_impact"] == "4"  # discontinued
    assert by_patient["Case 5"]["first_crs"] in ("", "0")  # "None during step-up dose"
    assert by_patient["Case 2"]["recur_interval_min"] == "35" and by_patient["Case 2"]["recur_interval_max"] == "40"


def test_export_command(seed_output: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", str(seed_output), "--db", str(tmp_path / "s.duckdb"),
                                      "--format", "redcap", "--out", str(tmp_path / "redcap"), "-c", "probable"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "redcap" / "recurrent_crs_dictionary.csv").is_file()
    bad = CliRunner().invoke(app, ["export", str(seed_output), "--format", "pdf", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2
