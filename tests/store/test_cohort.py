"""Aggregating the seed article gives back the article's Table 1.

The expected rows below were typed from Table 1 of Della Pepa et al. 2026
(corpora/seed/della-pepa-2026-recurrent-crs.txt, "Table 1 Summary of patients with recurrent
CRS during bispecific antibody therapy"), never from miner's output. They are compared on the
fields miner extracts.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.resources import pattern_file
from miner.store.cohort import Table1Row, build_cohort, write_cohort
from miner.store.duckdb_store import load_output
from miner.store.targets import DRUG_TARGETS, targets_of

STEROIDS = {"corticosteroids", "steroids", "dexamethasone", "prednisone", "prednisolone", "methylprednisolone"}


class SeedRow(NamedTuple):
    case: str
    age_sex: str  # as printed: "64/F"
    drug: str
    first_crs: str | None  # as printed: "C1 D2, G2"; None for "None during step-up dose"
    interval_days: tuple[float, float]  # "Every 35–40 days"
    hours: tuple[float, float] | None  # "24–48 h post-infusion"; None when only "post-infusion"
    management: frozenset[str]  # "Tocilizumab±steroids"
    impact: str


SEED_TABLE1 = (
    # The table spells Case 1's drug "Tecelstamab"; the case description says teclistamab.
    SeedRow("Case 1", "64/F", "teclistamab", "C1 D2, G2", (7, 7), (48, 48), frozenset({"tocilizumab", "steroids"}),
            "discontinued"),
    SeedRow("Case 2", "65/M", "talquetamab", "C1 D2, G2", (35, 40), (24, 48), frozenset({"tocilizumab", "steroids"}),
            "continued"),
    SeedRow("Case 3", "71/F", "talquetamab", "C1 D3, G2", (30, 35), None, frozenset({"tocilizumab", "steroids"}),
            "continued"),
    SeedRow("Case 4", "75/F", "talquetamab", "C1 D2, G2", (30, 30), None, frozenset({"tocilizumab"}), "continued"),
    SeedRow("Case 5", "69/F", "talquetamab", None, (15, 15), (24, 24), frozenset({"steroids"}), "dose reduced"),
)


@pytest.fixture(scope="module")
def seed_cohort(seed_output: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    db = tmp_path_factory.mktemp("cohort") / "store.duckdb"
    load_output(seed_output, db)
    return build_cohort(db)


def _row(rows: list[Table1Row], case: str) -> Table1Row:
    return next(r for r in rows if r.patient_id == case)


@pytest.mark.parametrize("expected", SEED_TABLE1, ids=[r.case for r in SEED_TABLE1])
def test_seed_table1_row(seed_cohort, expected: SeedRow) -> None:  # type: ignore[no-untyped-def]
    row = _row(seed_cohort.table1, expected.case)
    age, sex = expected.age_sex.split("/")
    assert (row.age, row.sex) == (int(age), sex)
    assert row.drugs == (expected.drug,)
    cells = row.cells()
    assert cells["Age/Sex"] == expected.age_sex
    if expected.first_crs is None:
        assert not row.has_first_crs
    else:
        assert cells["First CRS (timing, grade)"] == expected.first_crs
    assert row.recurrence_interval_days == expected.interval_days
    assert row.hours_post_dose == expected.hours
    treatments = {"steroids" if t in STEROIDS else t for t in row.treatments}
    assert expected.management <= treatments
    assert row.treatment_impact == expected.impact


def test_seed_aggregate(seed_cohort) -> None:  # type: ignore[no-untyped-def]
    # The abstract: "n=1 teclistamab; n=4 talquetamab"; ages 64, 65, 71, 75, 69.
    assert seed_cohort.patients == 5 and seed_cohort.duplicates == 0
    assert seed_cohort.by_drug == {"talquetamab": 4, "teclistamab": 1}
    assert seed_cohort.by_target == {"GPRC5D": 4, "BCMA": 1}
    assert (seed_cohort.age.median, seed_cohort.age.minimum, seed_cohort.age.maximum) == (69, 64, 75)
    assert seed_cohort.sex == {"F": 4, "M": 1}
    assert seed_cohort.first_crs_grade == {"G2": 4, "none in the initial phase": 1}
    assert seed_cohort.treatment_impact == {"continued": 3, "discontinued": 1, "dose reduced": 1}
    assert (seed_cohort.recurrence_interval_days.minimum, seed_cohort.recurrence_interval_days.maximum) == (7, 40)


def test_table1_files_agree(seed_cohort, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = {p.name: p for p in write_cohort(seed_cohort, tmp_path)}
    with paths["table1.csv"].open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Age/Sex"] for r in rows] == [r.age_sex for r in SEED_TABLE1]
    excel = pd.read_excel(paths["table1.xlsx"], sheet_name="Table 1")
    assert list(excel["Age/Sex"]) == [r.age_sex for r in SEED_TABLE1]
    markdown = paths["table1.md"].read_text(encoding="utf-8")
    assert markdown.count("\n| della-pepa-2026-recurrent-crs / Case") == 5
    counts = pd.read_excel(paths["table1.xlsx"], sheet_name="Counts")
    assert int(counts[(counts["section"] == "drug") & (counts["value"] == "talquetamab")]["n"].iloc[0]) == 4
    data = json.loads(paths["cohort.json"].read_text(encoding="utf-8"))
    assert data["patients"] == 5


def test_cohort_command(seed_output: Path, tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    result = CliRunner().invoke(app, ["cohort", str(seed_output), "--db", str(tmp_path / "s.duckdb"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "teclistamab" in result.output and "Table 1" in result.output
    assert {p.name for p in out.iterdir()} == {"cohort.json", "cohort_counts.csv", "table1.csv", "table1.md",
                                               "table1.xlsx"}


def test_cohort_command_without_input_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["cohort"])
    assert result.exit_code == 2


def test_target_table_agrees_with_the_drug_rules() -> None:
    rules = [json.loads(line) for line in pattern_file("concepts", "drugs.jsonl").read_text().splitlines() if line]
    targets = {r["norm"]: r["attrs"]["target"] for r in rules if r.get("attrs", {}).get("target")}
    assert targets == DRUG_TARGETS


def test_targets_from_drug_names_when_the_record_has_none() -> None:
    assert targets_of(["glofitamab", "teclistamab"], []) == ["CD20", "BCMA"]
    assert targets_of(["glofitamab"], ["CD20"]) == ["CD20"]
    assert targets_of(["an unknown antibody"]) == []
