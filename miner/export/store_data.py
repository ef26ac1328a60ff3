"""What the registry exports read from the cohort store, and their options.

Every writer of ``miner export`` has the same signature,
``write_<format>(data: ExportData, out: Path, options: ExportOptions) -> list[Path]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from miner.store.duckdb_store import StoredPatient, read_patients, read_table


@dataclass(frozen=True)
class ExportOptions:
    """Options shared by the writers.

    ``salt`` keys the pseudonymous ids (FHIR Patient.id, REDCap record_id): without one, a
    hospital number can be recovered by hashing candidates, so note exports should pass a
    secret salt and keep it.
    """

    salt: str = ""


@dataclass(frozen=True)
class ExportData:
    """The patients to export (in a stable order) and the store's other tables for them."""

    patients: list[StoredPatient]
    episodes: pd.DataFrame
    documents: pd.DataFrame
    runs: pd.DataFrame
    all_patients: list[StoredPatient]  # duplicates included, to name where a patient is also reported

    def duplicates_of(self, patient: StoredPatient) -> list[StoredPatient]:
        """The records linked to ``patient`` as duplicates of it."""
        return [p for p in self.all_patients if p.duplicate_of == patient.patient_key]


def read_export_data(db_path: Path, include_duplicates: bool = False,
                     classifications: Sequence[str] | None = None) -> ExportData:
    """Read the store for an export.

    Args:
        db_path: the DuckDB store.
        include_duplicates: also export records linked as duplicates (each names its kept record).
        classifications: only patients so classified (probable, possible, unlikely); None for all.
    """
    every = read_patients(db_path, include_duplicates=True)
    patients = [p for p in every if (include_duplicates or not p.is_duplicate)
                and (classifications is None or p.record.get("classification") in classifications)]
    keys = {p.patient_key for p in patients}
    episodes = read_table(db_path, "episodes")
    episodes = episodes[episodes["patient_key"].isin(keys)].reset_index(drop=True)
    return ExportData(patients, episodes, read_table(db_path, "documents"), read_table(db_path, "runs"), every)
