"""``miner export``: the cohort store written as CSV, Parquet, Excel, FHIR R4 bundles or a REDCap
form. One writer per format, same signature (see ``miner.export.store_data``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from miner.export.fhir import write_fhir
from miner.export.redcap import write_redcap
from miner.export.store_data import ExportData, ExportOptions, read_export_data
from miner.export.tables import write_csv, write_parquet, write_xlsx

Writer = Callable[[ExportData, Path, ExportOptions], list[Path]]
WRITERS: dict[str, Writer] = {
    "csv": write_csv,
    "parquet": write_parquet,
    "xlsx": write_xlsx,
    "fhir": write_fhir,
    "redcap": write_redcap,
}


def export_store(db_path: Path, fmt: str, out: Path, options: ExportOptions | None = None,
                 include_duplicates: bool = False, classifications: Sequence[str] | None = None) -> list[Path]:
    """Write the patients of the store in ``fmt`` to ``out``; return the files written.

    Raises:
        ValueError: for an unknown format.
    """
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(WRITERS)}")
    data = read_export_data(db_path, include_duplicates=include_duplicates, classifications=classifications)
    return WRITERS[fmt](data, Path(out), options or ExportOptions())
