"""The cohort: the patients of the store counted once, aggregated, and a Table 1.

``summarize_cohort`` is a pure function of the stored patients: records linked as duplicates
of another are left out (they are listed beside the kept record as "also reported in"), the
classification is counted over every distinct patient, and the rest over the cohort (by
default probable and possible recurrent late CRS). ``write_cohort`` writes the counts and a
Table 1 in the layout of the case-series tables (one row per patient: age/sex, drug, first
CRS timing and grade, recurrence timing, management, impact on treatment) as CSV, Markdown and
Excel.

A patient on two T-cell engagers counts under each drug and each target.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table

from miner.store.duckdb_store import StoredPatient, read_patients
from miner.store.duplicates import normalize_impact

COHORT_CLASSES: tuple[str, ...] = ("probable", "possible")
CLASSIFICATIONS: tuple[str, ...] = ("probable", "possible", "unlikely")
NOT_STATED = "not stated"
TABLE1_COLUMNS: tuple[str, ...] = (
    "Patient", "Age/Sex", "T-cell engager", "Target", "First CRS (timing, grade)", "Recurrent CRS (timing)",
    "Max grade", "CRS management", "Infection work-up", "Impact on treatment", "Classification", "Also reported in",
)


@dataclass(frozen=True)
class Table1Row:
    """One patient of Table 1, as values (the display cells come from ``cells``)."""

    doc_id: str
    patient_id: str
    age: int | None
    sex: str | None
    drugs: tuple[str, ...]
    targets: tuple[str, ...]
    first_crs_cycle: int | None
    first_crs_day: int | None
    first_crs_grade: int | None
    has_first_crs: bool
    recurrence_interval_days: tuple[float, float] | None
    hours_post_dose: tuple[float, float] | None
    max_grade: int | None
    treatments: tuple[str, ...]
    infection_workup: str  # negative, infection found, not reported
    treatment_impact: str | None  # continued, delayed, dose reduced, discontinued (normalized)
    classification: str
    also_reported_in: tuple[str, ...] = ()

    @classmethod
    def from_patient(cls, patient: StoredPatient, duplicates: Sequence[StoredPatient] = ()) -> Table1Row:
        """The row of a stored patient; ``duplicates`` are the records linked to it."""
        record = patient.record
        first = record.get("first_crs") if isinstance(record.get("first_crs"), dict) else None
        workup = record.get("infection_workup_negative")
        return cls(
            doc_id=patient.doc_id,
            patient_id=patient.patient_id,
            age=record.get("age"),
            sex=record.get("sex"),
            drugs=tuple(record.get("drugs") or ()),
            targets=tuple(patient.targets),
            first_crs_cycle=first.get("cycle") if first else None,
            first_crs_day=first.get("day") if first else None,
            first_crs_grade=first.get("grade") if first else None,
            has_first_crs=first is not None,
            recurrence_interval_days=_pair(record.get("recurrence_interval_days")),
            hours_post_dose=_pair(record.get("hours_post_dose")),
            max_grade=record.get("max_grade"),
            treatments=tuple(record.get("treatments") or ()),
            infection_workup=_workup(workup),
            treatment_impact=normalize_impact(record.get("treatment_impact")),
            classification=str(record.get("classification") or ""),
            also_reported_in=tuple(f"{d.doc_id} / {d.patient_id} (score {d.duplicate_score:g})"
                                   if d.duplicate_score is not None else f"{d.doc_id} / {d.patient_id}"
                                   for d in duplicates),
        )

    def cells(self) -> dict[str, str]:
        """The row as printed: "64/F", "C1 D2, G2", "Every 35-40 days, 24-48 h post-dose", ..."""
        age = "" if self.age is None else str(self.age)
        if self.has_first_crs:
            timing = " ".join(p for p in (f"C{self.first_crs_cycle}" if self.first_crs_cycle is not None else "",
                                          f"D{self.first_crs_day}" if self.first_crs_day is not None else "") if p)
            grade = f"G{self.first_crs_grade}" if self.first_crs_grade is not None else "grade not stated"
            first = ", ".join(p for p in (timing, grade) if p)
        else:
            first = "None in the initial phase"
        recurrent = []
        if self.recurrence_interval_days:
            recurrent.append(f"Every {_span(self.recurrence_interval_days)} days")
        if self.hours_post_dose:
            recurrent.append(f"{_span(self.hours_post_dose)} h post-dose")
        return {
            "Patient": f"{self.doc_id} / {self.patient_id}",
            "Age/Sex": f"{age}/{self.sex or ''}" if age or self.sex else "",
            "T-cell engager": ", ".join(self.drugs),
            "Target": ", ".join(self.targets),
            "First CRS (timing, grade)": first,
            "Recurrent CRS (timing)": ", ".join(recurrent),
            "Max grade": "" if self.max_grade is None else f"G{self.max_grade}",
            "CRS management": ", ".join(self.treatments),
            "Infection work-up": self.infection_workup,
            "Impact on treatment": self.treatment_impact or "",
            "Classification": self.classification,
            "Also reported in": "; ".join(self.also_reported_in),
        }


@dataclass(frozen=True)
class NumberSummary:
    """Median and range of a number over the patients that state it."""

    n: int
    median: float | None
    minimum: float | None
    maximum: float | None

    @classmethod
    def of_ranges(cls, ranges: Iterable[tuple[float, float] | None]) -> NumberSummary:
        """Summary of [min, max] ranges: median of their midpoints, from the lowest min to the highest max."""
        given = [r for r in ranges if r]
        if not given:
            return cls(0, None, None, None)
        return cls(len(given), statistics.median((lo + hi) / 2 for lo, hi in given), min(lo for lo, _ in given),
                   max(hi for _, hi in given))

    @classmethod
    def of(cls, values: Iterable[float | None]) -> NumberSummary:
        """Summary of the non-null values."""
        xs = [float(v) for v in values if v is not None]
        if not xs:
            return cls(0, None, None, None)
        return cls(len(xs), statistics.median(xs), min(xs), max(xs))

    def text(self, unit: str = "") -> str:
        """"69 (64-75), n=5" or "-"."""
        if not self.n:
            return "-"
        return f"{self.median:g}{unit} ({self.minimum:g}-{self.maximum:g}), n={self.n}"


@dataclass
class CohortSummary:
    """The aggregate of the store: counts, medians and Table 1."""

    classes: tuple[str, ...]
    records: int  # rows in the store
    duplicates: int  # rows linked as duplicates of another (not counted)
    patients: int  # distinct patients in the cohort
    classification: dict[str, int]  # over every distinct patient
    by_drug: dict[str, int]
    by_target: dict[str, int]
    sex: dict[str, int]
    age: NumberSummary
    first_crs_grade: dict[str, int]
    max_grade: dict[str, int]
    recurrence_interval: dict[str, int]
    recurrence_interval_days: NumberSummary  # median of the ranges' midpoints; lowest min to highest max
    hours_post_dose: dict[str, int]
    hours_post_dose_summary: NumberSummary
    treatments: dict[str, int]
    treatment_impact: dict[str, int]
    infection_workup: dict[str, int]
    table1: list[Table1Row] = field(default_factory=list)

    def count_rows(self) -> list[dict[str, Any]]:
        """Every count as rows ``{section, value, n, percent}``; percent of the cohort (of all
        distinct patients for the classification)."""
        rows: list[dict[str, Any]] = []
        distinct = sum(self.classification.values())
        sections: list[tuple[str, dict[str, int]]] = [
            ("classification", self.classification), ("drug", self.by_drug), ("target", self.by_target),
            ("sex", self.sex), ("first CRS grade", self.first_crs_grade), ("max grade", self.max_grade),
            ("recurrence interval (days)", self.recurrence_interval), ("hours after the dose", self.hours_post_dose),
            ("treatment", self.treatments), ("impact on treatment", self.treatment_impact),
            ("infection work-up", self.infection_workup)]
        for section, counts in sections:
            base = distinct if section == "classification" else self.patients
            for value, n in counts.items():
                rows.append({"section": section, "value": value, "n": n,
                             "percent": round(100.0 * n / base, 1) if base else None})
        numbers = (("age (years)", self.age), ("recurrence interval (days)", self.recurrence_interval_days),
                   ("hours after the dose", self.hours_post_dose_summary))
        for section, number in numbers:
            rows.append({"section": section, "value": f"median (range): {number.text()}", "n": number.n,
                         "percent": None})
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``cohort.json``)."""
        data = asdict(self)
        data["table1"] = [row.cells() for row in self.table1]
        return data


def summarize_cohort(patients: Sequence[StoredPatient], classes: Sequence[str] | None = COHORT_CLASSES
                     ) -> CohortSummary:
    """Aggregate the stored patients; duplicates are counted once (as their kept record).

    Args:
        patients: every row of the store, duplicates included (they name their kept record).
        classes: the classifications that make the cohort; None for every patient.
    """
    distinct = [p for p in patients if not p.is_duplicate]
    cohort = [p for p in distinct if classes is None or p.record.get("classification") in classes]
    linked: dict[str, list[StoredPatient]] = {}
    for p in patients:
        if p.duplicate_of:
            linked.setdefault(p.duplicate_of, []).append(p)
    records = [p.record for p in cohort]
    classification = Counter(str(p.record.get("classification") or NOT_STATED) for p in distinct)
    intervals = [_pair(r.get("recurrence_interval_days")) for r in records]
    hours = [_pair(r.get("hours_post_dose")) for r in records]
    return CohortSummary(
        classes=tuple(classes) if classes is not None else CLASSIFICATIONS,
        records=len(patients),
        duplicates=len(patients) - len(distinct),
        patients=len(cohort),
        classification={c: classification.get(c, 0) for c in (*CLASSIFICATIONS, *sorted(set(classification)
                                                                                        - set(CLASSIFICATIONS)))},
        by_drug=_ranked(d for r in records for d in (r.get("drugs") or [NOT_STATED])),
        by_target=_ranked(t for p in cohort for t in (p.targets or ["unknown"])),
        sex=_ranked(str(r.get("sex") or NOT_STATED) for r in records),
        age=NumberSummary.of(r.get("age") for r in records),
        first_crs_grade=_ranked_keys(_first_grade(r) for r in records),
        max_grade=_ranked_keys(f"G{r['max_grade']}" if r.get("max_grade") is not None else NOT_STATED
                               for r in records),
        recurrence_interval=_ranked(_span(i) if i else NOT_STATED for i in intervals),
        recurrence_interval_days=NumberSummary.of_ranges(intervals),
        hours_post_dose=_ranked(_span(h) if h else NOT_STATED for h in hours),
        hours_post_dose_summary=NumberSummary.of_ranges(hours),
        treatments=_ranked(t for r in records for t in (r.get("treatments") or [])),
        treatment_impact=_ranked(normalize_impact(r.get("treatment_impact")) or NOT_STATED for r in records),
        infection_workup=_ranked(_workup(r.get("infection_workup_negative")) for r in records),
        table1=[Table1Row.from_patient(p, linked.get(p.patient_key, ())) for p in cohort],
    )


def build_cohort(db_path: Path, classes: Sequence[str] | None = COHORT_CLASSES) -> CohortSummary:
    """Read the store and aggregate it (see ``summarize_cohort``)."""
    return summarize_cohort(read_patients(db_path, include_duplicates=True), classes)


def write_cohort(summary: CohortSummary, out_dir: Path) -> list[Path]:
    """Write cohort.json, cohort_counts.csv and Table 1 as table1.csv, table1.md and table1.xlsx."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / n for n in ("cohort.json", "cohort_counts.csv", "table1.csv", "table1.md", "table1.xlsx")]
    paths[0].write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    counts = summary.count_rows()
    with paths[1].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["section", "value", "n", "percent"])
        writer.writeheader()
        writer.writerows(counts)
    cells = [row.cells() for row in summary.table1]
    with paths[2].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(TABLE1_COLUMNS))
        writer.writeheader()
        writer.writerows(cells)
    paths[3].write_text(table1_markdown(summary), encoding="utf-8")
    with pd.ExcelWriter(paths[4], engine="openpyxl") as excel:
        pd.DataFrame(cells, columns=list(TABLE1_COLUMNS)).to_excel(excel, sheet_name="Table 1", index=False)
        pd.DataFrame(counts, columns=["section", "value", "n", "percent"]).to_excel(excel, sheet_name="Counts",
                                                                                    index=False)
    return paths


def table1_markdown(summary: CohortSummary) -> str:
    """Table 1 as a Markdown table with a title line."""
    title = (f"Table 1. {summary.patients} patients with {' or '.join(summary.classes)} recurrent late CRS"
             + (f" ({summary.duplicates} duplicate reports counted once)" if summary.duplicates else ""))
    lines = [title, "", "| " + " | ".join(TABLE1_COLUMNS) + " |", "|" + "---|" * len(TABLE1_COLUMNS)]
    for row in summary.table1:
        cells = row.cells()
        lines.append("| " + " | ".join(cells[c].replace("|", "\\|") for c in TABLE1_COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def render_cohort(summary: CohortSummary) -> list[Table]:
    """Rich tables for the terminal: the counts, then Table 1."""
    counts = Table(title=f"miner cohort: {summary.patients} patients ({', '.join(summary.classes)}); "
                   f"{summary.records} records, {summary.duplicates} duplicates counted once")
    for column in ("section", "value", "n", "%"):
        counts.add_column(column, justify="right" if column in ("n", "%") else "left")
    previous = None
    for row in summary.count_rows():
        counts.add_row(row["section"] if row["section"] != previous else "", str(row["value"]), str(row["n"]),
                       "" if row["percent"] is None else f"{row['percent']:g}",
                       end_section=False)
        previous = row["section"]
    table1 = Table(title="Table 1", show_lines=True)
    shown: tuple[str, ...] = ("Patient", "Age/Sex", "T-cell engager", "First CRS (timing, grade)",
                              "Recurrent CRS (timing)", "CRS management", "Impact on treatment", "Classification")
    if any(row.also_reported_in for row in summary.table1):
        shown += ("Also reported in",)
    for column in shown:
        table1.add_column(column, overflow="fold")
    for patient in summary.table1:
        shown_cells = patient.cells()
        table1.add_row(*(shown_cells[c] for c in shown))
    return [counts, table1]


def _workup(value: object) -> str:
    """infection_workup_negative as words: negative, infection found, not reported."""
    if value is True:
        return "negative"
    return "infection found" if value is False else "not reported"


def _first_grade(record: dict[str, Any]) -> str:
    first = record.get("first_crs")
    if not isinstance(first, dict):
        return "none in the initial phase"
    return f"G{first['grade']}" if first.get("grade") is not None else NOT_STATED


def _ranked(values: Iterable[str]) -> dict[str, int]:
    """Counts, most frequent first, ties by name."""
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _ranked_keys(values: Iterable[str]) -> dict[str, int]:
    """Counts in key order (G1, G2, ... then the rest)."""
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda kv: (not kv[0].startswith("G"), kv[0])))


def _pair(value: object) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        return float(value[0]), float(value[1])
    return None


def _span(r: tuple[float, float]) -> str:
    return f"{r[0]:g}" if r[0] == r[1] else f"{r[0]:g}-{r[1]:g}"
