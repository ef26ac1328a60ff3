"""Tabular exports of the cohort store: CSV files, Parquet files or one Excel workbook.

Four tables: ``patients`` (one row per patient: key fields, drug targets, the duplicate link),
``episodes`` (the episodes of those patients), ``documents`` and ``runs`` (provenance).
Lists are joined with ``;`` as in ``patients.csv`` of ``miner extract``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from miner.export.store_data import ExportData, ExportOptions
from miner.store.duckdb_store import StoredPatient, pseudonym

PATIENT_TABLE_COLUMNS: tuple[str, ...] = (
    "pseudonym", "patient_key", "doc_id", "patient_id", "age", "sex", "drugs", "drug_targets", "first_crs_cycle",
    "first_crs_day", "first_crs_grade", "max_grade", "recurrence_interval_days_min", "recurrence_interval_days_max",
    "recurrence_interval_source", "hours_post_dose_min", "hours_post_dose_max", "treatments",
    "infection_workup_negative", "documented_infection", "tocilizumab_response", "treatment_impact",
    "classification", "n_episodes", "criteria_version", "miner_version", "reasons", "duplicate_of",
    "duplicate_group", "duplicate_score", "duplicate_reasons", "also_reported_in", "run_id", "source_key",
)


def patient_frame(data: ExportData, options: ExportOptions) -> pd.DataFrame:
    """One row per exported patient (columns ``PATIENT_TABLE_COLUMNS``)."""
    rows = [_patient_row(p, data, options) for p in data.patients]
    frame = pd.DataFrame(rows, columns=list(PATIENT_TABLE_COLUMNS))
    for column in ("age", "first_crs_cycle", "first_crs_day", "first_crs_grade", "max_grade", "n_episodes"):
        frame[column] = frame[column].astype("Int64")
    for column in ("recurrence_interval_days_min", "recurrence_interval_days_max", "hours_post_dose_min",
                   "hours_post_dose_max", "duplicate_score"):
        frame[column] = frame[column].astype("Float64")
    for column in ("infection_workup_negative", "documented_infection", "tocilizumab_response"):
        frame[column] = frame[column].astype("boolean")
    return frame


def frames(data: ExportData, options: ExportOptions) -> dict[str, pd.DataFrame]:
    """The four tables, by name."""
    return {"patients": patient_frame(data, options), "episodes": data.episodes, "documents": data.documents,
            "runs": _runs(data.runs)}


def write_csv(data: ExportData, out: Path, options: ExportOptions) -> list[Path]:
    """patients.csv, episodes.csv, documents.csv and runs.csv in the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames(data, options).items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def write_parquet(data: ExportData, out: Path, options: ExportOptions) -> list[Path]:
    """patients.parquet, episodes.parquet, documents.parquet and runs.parquet in the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames(data, options).items():
        path = out / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        paths.append(path)
    return paths


def write_xlsx(data: ExportData, out: Path, options: ExportOptions) -> list[Path]:
    """One workbook with a sheet per table: ``out`` itself when it ends in .xlsx, else ``out/miner_cohort.xlsx``."""
    path = out if out.suffix.lower() == ".xlsx" else out / "miner_cohort.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as excel:
        for name, frame in frames(data, options).items():
            frame.to_excel(excel, sheet_name=name, index=False)
    return [path]


def _patient_row(patient: StoredPatient, data: ExportData, options: ExportOptions) -> dict[str, Any]:
    r = patient.record
    first = _dict(r.get("first_crs"))
    interval = r.get("recurrence_interval_days") or [None, None]
    hours = r.get("hours_post_dose") or [None, None]
    return {
        "pseudonym": pseudonym(patient.doc_id, patient.patient_id, options.salt),
        "patient_key": patient.patient_key,
        "doc_id": patient.doc_id,
        "patient_id": patient.patient_id,
        "age": r.get("age"),
        "sex": r.get("sex"),
        "drugs": _join(r.get("drugs")),
        "drug_targets": _join(patient.targets),
        "first_crs_cycle": first.get("cycle"),
        "first_crs_day": first.get("day"),
        "first_crs_grade": first.get("grade"),
        "max_grade": r.get("max_grade"),
        "recurrence_interval_days_min": interval[0],
        "recurrence_interval_days_max": interval[1],
        "recurrence_interval_source": r.get("recurrence_interval_source"),
        "hours_post_dose_min": hours[0],
        "hours_post_dose_max": hours[1],
        "treatments": _join(r.get("treatments")),
        "infection_workup_negative": r.get("infection_workup_negative"),
        "documented_infection": r.get("documented_infection"),
        "tocilizumab_response": r.get("tocilizumab_response"),
        "treatment_impact": r.get("treatment_impact"),
        "classification": r.get("classification"),
        "n_episodes": len(r.get("episodes") or []),
        "criteria_version": r.get("criteria_version"),
        "miner_version": r.get("miner_version"),
        "reasons": " | ".join(str(x) for x in r.get("reasons") or []),
        "duplicate_of": patient.duplicate_of,
        "duplicate_group": patient.duplicate_group,
        "duplicate_score": patient.duplicate_score,
        "duplicate_reasons": _join(patient.duplicate_reasons),
        "also_reported_in": _join(f"{d.doc_id} / {d.patient_id}" for d in data.duplicates_of(patient)),
        "run_id": patient.run_id,
        "source_key": patient.source_key,
    }


def _runs(runs: pd.DataFrame) -> pd.DataFrame:
    runs = runs.copy()
    if "inputs" in runs.columns:
        runs["inputs"] = [_join(v) for v in runs["inputs"]]
    return runs


def _join(values: Any) -> str | None:
    items = [str(v) for v in (list(values) if values is not None else [])]
    return ";".join(items) if items else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
