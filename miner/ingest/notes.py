"""Clinical note exports -> :class:`Note` records, with every malformed row reported.

Reads CSV, JSONL, Parquet, or a folder of ``.txt`` notes with a metadata CSV. Columns:
``patient_id``, ``note_id``, ``note_datetime``, ``text`` and optionally ``note_type``;
other column names are mapped with ``{"text": "note_text", ...}``. A row without text or
patient, with an unreadable date, undecodable bytes or broken quoting is returned as a
:class:`RowProblem` naming its row (1-based data rows, the header is row 0) and the rest
of the export is read.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from miner.ingest.document import IngestError

REQUIRED = ("patient_id", "note_id", "note_datetime", "text")
OPTIONAL = ("note_type",)
NOTE_SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".ndjson", ".parquet", ".pq")
MAX_NOTE_CHARS = 2_000_000  # one note above this is a broken export, not a note

_BAD_BYTES = re.compile(r"[\udc80-\udcff]")
_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y/%m/%d %H:%M", "%Y/%m/%d", "%d %b %Y %H:%M", "%d %b %Y", "%b %d, %Y", "%d %B %Y",
)
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass(frozen=True)
class Note:
    """One clinical note of an export."""

    patient_id: str
    note_id: str
    note_datetime: datetime.datetime | None  # None only when the export is read as undated
    text: str
    note_type: str = ""
    row: int = 0
    source: str = ""

    @property
    def date(self) -> str | None:
        return self.note_datetime.date().isoformat() if self.note_datetime else None

    @property
    def sort_key(self) -> tuple[datetime.datetime, str]:
        return (self.note_datetime or datetime.datetime.min, self.note_id)


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read, and why (for the manifest)."""

    source: str
    row: int
    reason: str
    note_id: str = ""


def parse_datetime(value: Any, *, day_first: bool = True) -> datetime.datetime | None:
    """A note timestamp: ISO 8601 and common export formats; ``05/06/2025`` follows
    ``day_first`` unless one part is above 12. None when unreadable."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.lower() in ("nan", "nat", "none", "null"):
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    match = _DMY.match(text)
    if match:
        a, b, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        day, month = (a, b) if (day_first and a <= 31 and b <= 12) or b > 12 else (b, a)
        if a > 12 and b <= 12:
            day, month = a, b
        try:
            return datetime.datetime(year, month, day, int(match.group(4) or 0), int(match.group(5) or 0),
                                     int(match.group(6) or 0))
        except ValueError:
            return None
    return None


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """``["text=note_text", "patient_id=mrn"]`` -> ``{"text": "note_text", ...}``."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        ours, _, theirs = pair.partition("=")
        if ours not in REQUIRED + OPTIONAL or not theirs:
            raise ValueError(f"bad --map {pair!r}: use FIELD=COLUMN with FIELD one of {', '.join(REQUIRED + OPTIONAL)}")
        mapping[ours] = theirs
    return mapping


def _note_from_row(row: dict[str, Any], number: int, source: str, mapping: dict[str, str],
                   day_first: bool, undated: bool = False) -> Note | RowProblem:
    def get(field: str) -> Any:
        return row.get(mapping.get(field, field))

    note_id = str(get("note_id") or "").strip() or f"row{number}"
    text = get("text")
    if text is None or (isinstance(text, float)) or not str(text).strip():
        return RowProblem(source, number, "no note text", note_id)
    text = str(text)
    if _BAD_BYTES.search(text):
        return RowProblem(source, number, "the text has bytes that are not valid UTF-8; re-export as UTF-8", note_id)
    if len(text) > MAX_NOTE_CHARS:
        return RowProblem(source, number, f"the text is {len(text):,} characters long; probably broken quoting "
                          "that swallowed the rows after it", note_id)
    patient = str(get("patient_id") or "").strip()
    if not patient or patient.lower() == "nan":
        return RowProblem(source, number, "no patient_id", note_id)
    when = parse_datetime(get("note_datetime"), day_first=day_first)
    if when is None and not (undated and not str(get("note_datetime") or "").strip()):
        return RowProblem(source, number, f"unreadable note_datetime {get('note_datetime')!r}", note_id)
    if when is not None and when > datetime.datetime.now() + datetime.timedelta(days=1):
        return RowProblem(source, number, f"note_datetime {when.isoformat(timespec='minutes')} is in the future; "
                          "check the export's date column and format", note_id)
    return Note(patient, note_id, when, text, str(get("note_type") or "").strip(), number, source)


def _check_columns(columns: list[str], mapping: dict[str, str], source: str, undated: bool = False) -> None:
    missing = [f for f in REQUIRED if mapping.get(f, f) not in columns and not (undated and f == "note_datetime")]
    if missing:
        raise IngestError(source, f"missing column(s) {', '.join(mapping.get(f, f) for f in missing)}; found "
                          f"{', '.join(columns) or 'none'}. Map other names with --map FIELD=COLUMN")


def _read_csv(path: Path, mapping: dict[str, str], day_first: bool,
              undated: bool = False) -> Iterator[Note | RowProblem]:
    """Rows as they are read from the file (a ``.gz`` decompressed as it is read), so that
    memory holds one row, not the export."""
    gzipped = path.name.lower().endswith(".gz")
    with (gzip.open(path, "rb") if gzipped else path.open("rb")) as raw, \
            io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
        try:
            yield from _read_csv_rows(text, str(path), mapping, day_first, undated)
        except (OSError, EOFError, zlib.error) as err:  # a truncated or corrupt .gz, found part-way
            raise IngestError(str(path), f"the file cannot be read to its end ({err})") from err


def _read_csv_rows(text: IO[str], source: str, mapping: dict[str, str], day_first: bool,
                   undated: bool) -> Iterator[Note | RowProblem]:
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader)
    except StopIteration as err:
        raise IngestError(source, "empty file: no header row") from err
    except csv.Error as err:
        raise IngestError(source, f"the header row cannot be read ({err})") from err
    _check_columns(header, mapping, source, undated)
    number = 0
    while True:
        number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield RowProblem(source, number, f"broken quoting near line {reader.line_num}: {err}")
            continue
        if not any(v.strip() for v in values):
            number -= 1
            continue
        if len(values) != len(header):
            yield RowProblem(source, number, f"{len(values)} fields where the header has {len(header)} "
                             f"(broken quoting or a stray delimiter) near line {reader.line_num}")
            continue
        yield _note_from_row(dict(zip(header, values, strict=True)), number, source, mapping, day_first, undated)


def _read_jsonl(path: Path, mapping: dict[str, str], day_first: bool,
                undated: bool = False) -> Iterator[Note | RowProblem]:
    checked = False
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.decode("utf-8", errors="surrogateescape").strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                yield RowProblem(str(path), number, f"not valid JSON: {err.msg} at column {err.colno}")
                continue
            if not isinstance(row, dict):
                yield RowProblem(str(path), number, "a JSON line must be an object")
                continue
            if not checked:
                _check_columns(list(row), mapping, str(path), undated)
                checked = True
            yield _note_from_row(row, number, str(path), mapping, day_first, undated)


def _read_parquet(path: Path, mapping: dict[str, str], day_first: bool,
                  undated: bool = False) -> Iterator[Note | RowProblem]:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover - pyarrow ships with the project
        raise IngestError(str(path), "reading Parquet needs pyarrow (pip install 'pyarrow<26')") from err
    try:
        # a buffered stream, no pre-buffering: row groups are read as they are needed
        table = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
    except Exception as err:
        raise IngestError(str(path), f"not a readable Parquet file: {err}") from err
    names = table.schema_arrow.names
    _check_columns(names, mapping, str(path), undated)
    columns = [c for c in dict.fromkeys(mapping.get(f, f) for f in REQUIRED + OPTIONAL) if c in names]
    number = 0
    for batch in table.iter_batches(batch_size=1000, columns=columns, use_threads=False):
        for row in batch.to_pylist():
            number += 1
            yield _note_from_row(row, number, str(path), mapping, day_first, undated)


def _read_folder(path: Path, mapping: dict[str, str], day_first: bool,
                 undated: bool = False) -> Iterator[Note | RowProblem]:
    metadata = [p for p in sorted(path.glob("*.csv"))]
    if len(metadata) != 1:
        raise IngestError(str(path), "a folder of notes needs exactly one metadata .csv (patient_id, note_id, "
                          f"note_datetime[, note_type][, file]) beside the .txt files; found {len(metadata)}")
    with metadata[0].open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        _check_columns(columns + ["text"], mapping, str(metadata[0]), undated)
        for number, row in enumerate(reader, start=1):
            name = row.get("file") or f"{row.get(mapping.get('note_id', 'note_id'), '')}.txt"
            file = path / name
            if not file.is_file():
                yield RowProblem(str(metadata[0]), number, f"note file {name!r} not found in {path}")
                continue
            row[mapping.get("text", "text")] = file.read_bytes().decode("utf-8", errors="surrogateescape")
            yield _note_from_row(row, number, str(file), mapping, day_first, undated)


def read_note_export(path: Path, mapping: dict[str, str] | None = None, *,
                     day_first: bool = True, undated: bool = False) -> Iterator[Note | RowProblem]:
    """Yield the notes of an export and a :class:`RowProblem` for each row that cannot be read.

    ``undated`` accepts notes without a date (a teaching corpus such as MTSamples): their
    relative expressions stay unresolved and nothing is placed by note date.

    Raises:
        IngestError: the export as a whole cannot be read (missing file or columns).
    """
    mapping = mapping or {}
    if path.is_dir():
        yield from _read_folder(path, mapping, day_first, undated)
        return
    if not path.is_file():
        raise IngestError(str(path), "no such file or folder")
    suffix = path.suffix.lower()
    if path.name.lower().endswith(".csv.gz"):
        suffix = ".csv"
    if suffix == ".csv":
        yield from _read_csv(path, mapping, day_first, undated)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _read_jsonl(path, mapping, day_first, undated)
    elif suffix in (".parquet", ".pq"):
        yield from _read_parquet(path, mapping, day_first, undated)
    else:
        raise IngestError(str(path), f"unsupported export type {suffix!r}; miner screen reads "
                          f"{', '.join(NOTE_SUFFIXES)} or a folder of .txt notes with a metadata .csv")
