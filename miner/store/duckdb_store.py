"""An embedded DuckDB file that accumulates the outputs of ``miner extract`` and ``miner screen``.

``load_output(out_dir, db_path)`` reads the files a run wrote (``patients.jsonl``,
``episodes.csv``, ``mentions.csv``, ``manifest.csv``; ``notes.csv`` marks a note export) into
five tables:

- ``runs``: one row per loaded output (run_id is a hash of its patients.jsonl and manifest.csv,
  so loading the same output again gives the same run; ``started`` is when the output was
  written, patients.jsonl's time, as the outputs do not record the start; ``loaded`` is when
  it was loaded; ``command`` is ``miner extract`` or ``miner screen``; ``inputs`` the paths);
- ``documents``: the manifest rows (path, sha256, status, reason);
- ``patients``: one row per patient record, its key fields and the full JSON, plus the
  duplicate link (``duplicate_of``, ``duplicate_group``, ``duplicate_score``, ``duplicate_reasons``);
- ``episodes`` and ``mentions``: the rows of episodes.csv and mentions.csv.

Loading replaces what an earlier load said about the same source: a case report is keyed by
its content hash (manifest ``sha256``), so the same PDF extracted again, by another run or a
newer miner, replaces its rows instead of adding a second copy; a patient of a note export is
keyed by the export's name and the patient_id. After each load every record is compared with
every other (``miner.store.duplicates``) and probable duplicates are linked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from miner.store.duplicates import PatientFacts, as_int, find_duplicates
from miner.store.targets import targets_of

logger = logging.getLogger(__name__)

DEFAULT_DB_NAME = "miner.duckdb"
EXTRACT, SCREEN = "extract", "screen"

EPISODE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("doc_id", "VARCHAR"), ("patient_id", "VARCHAR"), ("episode", "INTEGER"), ("phase", "VARCHAR"),
    ("onset_text", "VARCHAR"), ("cycle", "INTEGER"), ("day", "INTEGER"), ("day_after_first_dose", "INTEGER"),
    ("hours_post_dose_min", "DOUBLE"), ("hours_post_dose_max", "DOUBLE"), ("grade", "INTEGER"),
    ("grade_source", "VARCHAR"), ("max_temp_c", "DOUBLE"), ("treatments", "VARCHAR"), ("named_crs", "BOOLEAN"),
    ("recurrent", "BOOLEAN"), ("evidence_page", "INTEGER"), ("evidence_start", "INTEGER"),
    ("evidence_end", "INTEGER"), ("date", "VARCHAR"), ("day_source", "VARCHAR"), ("hours_source", "VARCHAR"),
    ("summary", "BOOLEAN"),
)
MENTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("doc_id", "VARCHAR"), ("patient_id", "VARCHAR"), ("label", "VARCHAR"), ("text", "VARCHAR"),
    ("start", "INTEGER"), ("end", "INTEGER"), ("page", "INTEGER"), ("norm", "VARCHAR"), ("value", "VARCHAR"),
    ("is_negated", "BOOLEAN"), ("is_hypothetical", "BOOLEAN"), ("is_historical", "BOOLEAN"),
    ("is_family", "BOOLEAN"), ("is_uncertain", "BOOLEAN"), ("is_misspelled", "BOOLEAN"), ("rule_id", "VARCHAR"),
    ("note_id", "VARCHAR"), ("section", "VARCHAR"),
)
DOCUMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("doc_id", "VARCHAR"), ("path", "VARCHAR"), ("sha256", "VARCHAR"), ("status", "VARCHAR"), ("reason", "VARCHAR"),
    ("patients", "INTEGER"), ("pages", "INTEGER"), ("row", "INTEGER"),
)
PATIENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("patient_key", "VARCHAR"), ("source_key", "VARCHAR"), ("origin", "VARCHAR"), ("run_id", "VARCHAR"),
    ("doc_id", "VARCHAR"), ("patient_id", "VARCHAR"), ("age", "INTEGER"), ("sex", "VARCHAR"),
    ("drugs", "VARCHAR[]"), ("drug_targets", "VARCHAR[]"), ("classification", "VARCHAR"),
    ("first_crs_cycle", "INTEGER"), ("first_crs_day", "INTEGER"), ("first_crs_grade", "INTEGER"),
    ("max_grade", "INTEGER"), ("recurrence_interval_min", "DOUBLE"), ("recurrence_interval_max", "DOUBLE"),
    ("recurrence_interval_source", "VARCHAR"), ("hours_post_dose_min", "DOUBLE"), ("hours_post_dose_max", "DOUBLE"),
    ("treatments", "VARCHAR[]"), ("treatment_impact", "VARCHAR"), ("infection_workup_negative", "BOOLEAN"),
    ("documented_infection", "BOOLEAN"), ("n_episodes", "INTEGER"), ("criteria_version", "VARCHAR"),
    ("miner_version", "VARCHAR"), ("record", "VARCHAR"),
    ("duplicate_of", "VARCHAR"), ("duplicate_group", "VARCHAR"), ("duplicate_score", "DOUBLE"),
    ("duplicate_reasons", "VARCHAR[]"),
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR, started TIMESTAMP, loaded TIMESTAMP, miner_version VARCHAR, criteria_version VARCHAR,
    command VARCHAR, inputs VARCHAR[], out_dir VARCHAR, documents INTEGER, patients INTEGER);
CREATE TABLE IF NOT EXISTS documents (
    doc_key VARCHAR, source_key VARCHAR, run_id VARCHAR, {", ".join(f'"{n}" {t}' for n, t in DOCUMENT_COLUMNS)});
CREATE TABLE IF NOT EXISTS patients ({", ".join(f'"{n}" {t}' for n, t in PATIENT_COLUMNS)});
CREATE TABLE IF NOT EXISTS episodes (
    patient_key VARCHAR, source_key VARCHAR, run_id VARCHAR, {", ".join(f'"{n}" {t}' for n, t in EPISODE_COLUMNS)});
CREATE TABLE IF NOT EXISTS mentions (
    patient_key VARCHAR, source_key VARCHAR, run_id VARCHAR, {", ".join(f'"{n}" {t}' for n, t in MENTION_COLUMNS)});
"""


@dataclass(frozen=True)
class LoadSummary:
    """What one ``load_output`` did."""

    db_path: Path
    run_id: str
    command: str
    documents: int
    patients: int
    episodes: int
    mentions: int
    replaced_patients: int  # rows of earlier loads that this load replaced
    duplicates: int  # records of the whole store linked as duplicates after this load


@dataclass(frozen=True)
class StoredPatient:
    """A patient row of the store: its keys, the record of ``patients.jsonl`` and its duplicate link."""

    patient_key: str
    source_key: str
    run_id: str
    doc_id: str
    patient_id: str
    record: dict[str, Any]
    duplicate_of: str | None = None
    duplicate_group: str | None = None
    duplicate_score: float | None = None
    duplicate_reasons: tuple[str, ...] = ()

    @property
    def is_duplicate(self) -> bool:
        """True for a record that repeats a patient kept elsewhere in the store (not counted)."""
        return self.duplicate_of is not None

    @property
    def targets(self) -> list[str]:
        """The record's drug targets, from the drug names when the record has none."""
        return targets_of(self.record.get("drugs") or [], self.record.get("drug_targets"))


@contextmanager
def connect(db_path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open (and create, with its tables) the store at ``db_path``."""
    db_path = Path(db_path)
    if read_only and not db_path.is_file():
        raise FileNotFoundError(f"no miner store at {db_path}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path), read_only=read_only)
    try:
        if not read_only:
            con.execute(_SCHEMA)
        yield con
    finally:
        con.close()


def default_db_path(out_dir: Path) -> Path:
    """``<out_dir>/miner.duckdb``."""
    return Path(out_dir) / DEFAULT_DB_NAME


def load_output(out_dir: Path, db_path: Path | None = None) -> LoadSummary:
    """Load one output folder of ``miner extract`` or ``miner screen`` into the store.

    Args:
        out_dir: the folder holding patients.jsonl (required), manifest.csv, episodes.csv and
            mentions.csv (each optional; a missing file loads nothing).
        db_path: the DuckDB file; default ``<out_dir>/miner.duckdb``.

    Returns:
        Counts of what was loaded and replaced, and of duplicates linked in the whole store.

    Raises:
        FileNotFoundError: when ``out_dir`` has no patients.jsonl.
    """
    out_dir = Path(out_dir)
    db_path = Path(db_path) if db_path else default_db_path(out_dir)
    patients_path = out_dir / "patients.jsonl"
    if not patients_path.is_file():
        raise FileNotFoundError(f"{patients_path} not found: run `miner extract ... --out {out_dir}` first")
    records = [json.loads(line) for line in patients_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    manifest = _read_csv(out_dir / "manifest.csv", [n for n, _ in DOCUMENT_COLUMNS])
    command = SCREEN if (out_dir / "notes.csv").is_file() else EXTRACT
    run_id = _run_id(patients_path, out_dir / "manifest.csv")
    doc_sha = {row["doc_id"]: row["sha256"] for _, row in manifest.iterrows() if row["sha256"]}

    def source_of(doc_id: str, patient_id: str) -> str:
        if command == SCREEN:
            return f"export:{doc_id}#{patient_id}"
        sha = doc_sha.get(doc_id)
        return f"sha256:{sha}" if sha else f"doc:{doc_id}"

    patient_rows = [_patient_row(rec, source_of, command, run_id) for rec in records]
    keys = {(r["doc_id"], r["patient_id"]): r["patient_key"] for r in patient_rows}
    episodes = _read_csv(out_dir / "episodes.csv", [n for n, _ in EPISODE_COLUMNS])
    mentions = _read_csv(out_dir / "mentions.csv", [n for n, _ in MENTION_COLUMNS])
    for frame in (episodes, mentions):
        frame.insert(0, "source_key", [source_of(d, p) for d, p in zip(frame["doc_id"], frame["patient_id"],
                                                                       strict=True)])
        frame.insert(0, "patient_key", [keys.get((d, p)) for d, p in zip(frame["doc_id"], frame["patient_id"],
                                                                         strict=True)])
        frame.insert(2, "run_id", run_id)
    documents = manifest.copy()
    documents.insert(0, "doc_key", [_doc_key(command, row) for _, row in manifest.iterrows()])
    documents.insert(1, "source_key", [source_of(d, "") if command == EXTRACT else None for d in manifest["doc_id"]])
    documents.insert(2, "run_id", run_id)
    sources = sorted({r["source_key"] for r in patient_rows} | set(episodes["source_key"]) | set(mentions["source_key"])
                     | {s for s in documents["source_key"] if s})

    with connect(db_path) as con:
        con.begin()
        try:
            replaced = _count_in(con, "patients", "source_key", sources)
            for table in ("patients", "episodes", "mentions", "documents"):
                _delete_in(con, table, "source_key", sources)
            _delete_in(con, "documents", "doc_key", list(documents["doc_key"]))
            con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
            _insert_frame(con, "documents", documents, (("doc_key", "VARCHAR"), ("source_key", "VARCHAR"),
                                                          ("run_id", "VARCHAR"), *DOCUMENT_COLUMNS))
            _insert_frame(con, "episodes", episodes, (("patient_key", "VARCHAR"), ("source_key", "VARCHAR"),
                                                        ("run_id", "VARCHAR"), *EPISODE_COLUMNS))
            _insert_frame(con, "mentions", mentions, (("patient_key", "VARCHAR"), ("source_key", "VARCHAR"),
                                                        ("run_id", "VARCHAR"), *MENTION_COLUMNS))
            names = [n for n, _ in PATIENT_COLUMNS]
            con.executemany(f"INSERT INTO patients ({', '.join(_q(n) for n in names)}) VALUES "
                            f"({', '.join('?' for _ in names)})", [[r.get(n) for n in names] for r in patient_rows])
            con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                run_id, datetime.fromtimestamp(patients_path.stat().st_mtime), datetime.now(),
                _first(r.get("miner_version") for r in records), _first(r.get("criteria_version") for r in records),
                f"miner {command}", sorted(set(manifest["path"])), str(out_dir.resolve()), len(manifest),
                len(records)])
            duplicates = link_duplicates(con)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    logger.info("loaded %s (%s): %d documents, %d patients, %d replaced", out_dir, command, len(manifest),
                len(records), replaced)
    return LoadSummary(db_path, run_id, command, len(manifest), len(records), len(episodes), len(mentions),
                       replaced, duplicates)


def load_outputs(paths: Sequence[Path], db_path: Path | None = None) -> tuple[Path, list[LoadSummary]]:
    """Load several output folders into one store.

    A path that is itself a ``.duckdb`` file is the store to use (nothing is loaded from it).
    Without ``db_path`` the store is ``<first folder>/miner.duckdb``.

    Raises:
        ValueError: when neither a folder nor a store is given.
    """
    folders = [Path(p) for p in paths if not str(p).endswith(".duckdb")]
    stores = [Path(p) for p in paths if str(p).endswith(".duckdb")]
    if db_path is None:
        if stores:
            db_path = stores[0]
        elif folders:
            db_path = default_db_path(folders[0])
        else:
            raise ValueError("give an output folder of `miner extract`/`miner screen`, a .duckdb store, or --db")
    return Path(db_path), [load_output(folder, db_path) for folder in folders]


def link_duplicates(con: duckdb.DuckDBPyConnection) -> int:
    """Score every pair of records in the store and write the duplicate columns; return the links."""
    rows = con.execute("SELECT patient_key, origin, record FROM patients").fetchall()
    facts = [PatientFacts.from_record(key, origin, json.loads(record)) for key, origin, record in rows]
    links, groups = find_duplicates(facts)
    con.execute("UPDATE patients SET duplicate_of = NULL, duplicate_group = NULL, duplicate_score = NULL, "
                "duplicate_reasons = NULL")
    for key, group in groups.items():
        link = links.get(key)
        con.execute("UPDATE patients SET duplicate_group = ?, duplicate_of = ?, duplicate_score = ?, "
                    "duplicate_reasons = ? WHERE patient_key = ?",
                    [group, link.duplicate_of if link else None, link.score if link else None,
                     list(link.reasons) if link else None, key])
    return len(links)


def read_patients(db_path: Path, include_duplicates: bool = True,
                  classifications: Sequence[str] | None = None) -> list[StoredPatient]:
    """The patients of the store in a stable order (document, then case label in natural order).

    Args:
        db_path: the store.
        include_duplicates: False leaves out records linked as duplicates of another.
        classifications: only these classifications (probable, possible, unlikely); None for all.
    """
    with connect(db_path, read_only=True) as con:
        rows = con.execute("SELECT patient_key, source_key, run_id, doc_id, patient_id, record, duplicate_of, "
                           "duplicate_group, duplicate_score, duplicate_reasons, classification FROM patients"
                           ).fetchall()
    patients = [StoredPatient(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8], tuple(r[9] or ()))
                for r in rows
                if (include_duplicates or r[6] is None) and (classifications is None or r[10] in classifications)]
    return sorted(patients, key=lambda p: (_natural(p.doc_id), _natural(p.patient_id), p.patient_key))


def read_table(db_path: Path, table: str) -> pd.DataFrame:
    """One table of the store (runs, documents, patients, episodes, mentions) as a DataFrame."""
    if table not in ("runs", "documents", "patients", "episodes", "mentions"):
        raise ValueError(f"no table {table!r} in the miner store")
    with connect(db_path, read_only=True) as con:
        return con.execute(f"SELECT * FROM {table}").df()


def count_rows(db_path: Path) -> dict[str, int]:
    """Row counts of every table, e.g. ``{"runs": 1, "documents": 16, "patients": 30, ...}``."""
    with connect(db_path, read_only=True) as con:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
                for t in ("runs", "documents", "patients", "episodes", "mentions")}


def pseudonym(doc_id: str, patient_id: str, salt: str = "") -> str:
    """A pseudonymous patient id: 16 hex digits of SHA-256 over salt, doc_id and patient_id.

    Without a salt a patient_id from a small space (a hospital number) can be recovered by
    hashing every candidate; exports of clinical notes should pass a secret salt.
    """
    return hashlib.sha256("\0".join((salt, doc_id, patient_id)).encode("utf-8")).hexdigest()[:16]


def _patient_row(record: dict[str, Any], source_of: Any, command: str, run_id: str) -> dict[str, Any]:
    doc_id, patient_id = str(record.get("doc_id") or ""), str(record.get("patient_id") or "")
    source = source_of(doc_id, patient_id)
    first = _dict(record.get("first_crs"))
    interval = record.get("recurrence_interval_days") or [None, None]
    hours = record.get("hours_post_dose") or [None, None]
    return {
        "patient_key": hashlib.sha256(f"{source}\0{patient_id}".encode()).hexdigest()[:16],
        "source_key": source,
        "origin": source if command == EXTRACT else f"run:{run_id}:{doc_id}",
        "run_id": run_id,
        "doc_id": doc_id,
        "patient_id": patient_id,
        "age": as_int(record.get("age")),
        "sex": record.get("sex"),
        "drugs": [str(d) for d in record.get("drugs") or []],
        "drug_targets": targets_of(record.get("drugs") or [], record.get("drug_targets")),
        "classification": record.get("classification"),
        "first_crs_cycle": as_int(first.get("cycle")),
        "first_crs_day": as_int(first.get("day")),
        "first_crs_grade": as_int(first.get("grade")),
        "max_grade": as_int(record.get("max_grade")),
        "recurrence_interval_min": interval[0],
        "recurrence_interval_max": interval[1],
        "recurrence_interval_source": record.get("recurrence_interval_source"),
        "hours_post_dose_min": hours[0],
        "hours_post_dose_max": hours[1],
        "treatments": [str(t) for t in record.get("treatments") or []],
        "treatment_impact": record.get("treatment_impact"),
        "infection_workup_negative": record.get("infection_workup_negative"),
        "documented_infection": record.get("documented_infection"),
        "n_episodes": len(record.get("episodes") or []),
        "criteria_version": record.get("criteria_version"),
        "miner_version": record.get("miner_version"),
        "record": json.dumps(record, ensure_ascii=False, sort_keys=True),
    }


def _doc_key(command: str, row: pd.Series) -> str:
    sha, doc_id = row["sha256"], row["doc_id"]
    if command == EXTRACT:
        return f"sha256:{sha}" if sha else f"path:{row['path']}#{doc_id}"
    return f"note:{sha}:{doc_id}" if sha else f"row:{row['path']}#{row['row']}"


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """A CSV of the output as strings ("" for empty cells), with exactly ``columns``."""
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
    return frame[columns].astype(object)


def _insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame,
                  columns: Sequence[tuple[str, str]]) -> None:
    if frame.empty:
        return
    view = frame[[n for n, _ in columns]].astype(object).where(frame.notna(), None)
    con.register("miner_load_frame", view)
    try:
        selects = ", ".join(f"TRY_CAST(NULLIF(CAST({_q(n)} AS VARCHAR), '') AS {t})" for n, t in columns)
        con.execute(f"INSERT INTO {table} ({', '.join(_q(n) for n, _ in columns)}) "
                    f"SELECT {selects} FROM miner_load_frame")
    finally:
        con.unregister("miner_load_frame")


def _delete_in(con: duckdb.DuckDBPyConnection, table: str, column: str, values: Sequence[str]) -> None:
    for chunk in _chunks(values, 500):
        con.execute(f"DELETE FROM {table} WHERE {_q(column)} IN ({', '.join('?' for _ in chunk)})", chunk)


def _count_in(con: duckdb.DuckDBPyConnection, table: str, column: str, values: Sequence[str]) -> int:
    total = 0
    for chunk in _chunks(values, 500):
        row = con.execute(f"SELECT count(*) FROM {table} WHERE {_q(column)} IN ({', '.join('?' for _ in chunk)})",
                          chunk).fetchone()
        total += int(row[0]) if row else 0
    return total


def _chunks(values: Sequence[str], size: int) -> Iterator[list[str]]:
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _run_id(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first(values: Any) -> Any:
    return next((v for v in values if v), None)


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text or ""))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
