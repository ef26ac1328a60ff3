"""Read an output folder of ``miner extract`` or ``miner screen`` back, with its source texts.

The report shows each patient's evidence inside the text it came from. That text is not in
the output folder: it is re-read from the inputs named in ``manifest.csv`` (``extract``) or
from the note export named there (``screen``, recognised by its ``notes.csv``). A source that
cannot be read any more, or whose bytes changed since the run (the manifest's sha256 differs),
is left out with a notice; the report then shows the evidence snippets only.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from miner.labels import MENTION_LABELS

log = logging.getLogger(__name__)

NOTES_MODE = "notes"
DOCUMENTS_MODE = "documents"

# Assertion flags of a mention, one bit each (kept in this order in the report's legend).
FLAG_NEGATED = 1
FLAG_HYPOTHETICAL = 2
FLAG_HISTORICAL = 4
FLAG_FAMILY = 8
FLAG_UNCERTAIN = 16
_FLAG_COLUMNS = (("is_negated", FLAG_NEGATED), ("is_hypothetical", FLAG_HYPOTHETICAL),
                 ("is_historical", FLAG_HISTORICAL), ("is_family", FLAG_FAMILY),
                 ("is_uncertain", FLAG_UNCERTAIN))


_RELATIVE_HINT = (" (a relative path is looked up from the working folder, the output folder and its parents: "
                  "run `miner report` where `miner extract` / `miner screen` was run)")


def _hint(path: str) -> str:
    return "" if Path(path).is_absolute() else _RELATIVE_HINT


class ReportInputError(Exception):
    """The folder is not an output folder of miner (no patients.jsonl)."""


@dataclass(frozen=True)
class MentionMark:
    """A mention as the report draws it: span, label index (into ``labels``), assertion flags."""

    start: int
    end: int
    label: int
    flags: int
    text: str


@dataclass(frozen=True)
class Source:
    """A text evidence can point into: a whole document (``extract``) or one note (``screen``)."""

    key: str  # doc_id for documents, note_id for notes: the evidence's ``doc_id``
    kind: str  # "document" or "note"
    title: str
    text: str
    pages: tuple[tuple[int, int, int], ...] = ()  # (number, start, end)
    date: str = ""
    note_type: str = ""


@dataclass
class NoteInfo:
    """One line of ``notes.csv``: which patient a note belongs to and when it was written."""

    note_id: str
    patient_id: str
    note_datetime: str
    note_type: str
    source: str


@dataclass
class ReportInputs:
    """Everything the report is built from."""

    out_dir: Path
    mode: str
    records: list[dict[str, Any]]
    labels: list[str]
    mentions: dict[str, list[MentionMark]]  # by doc_id (documents) or note_id (notes)
    sources: dict[str, Source] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # source key -> why it is not shown
    notes: dict[str, NoteInfo] = field(default_factory=dict)
    notes_by_patient: dict[str, list[str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def load_outputs(out_dir: Path, *, with_sources: bool = True,
                 mapping: dict[str, str] | None = None) -> ReportInputs:
    """Read ``patients.jsonl``, ``mentions.csv``, ``manifest.csv`` (and ``notes.csv``) of OUT_DIR.

    Args:
        out_dir: an output folder of ``miner extract`` or ``miner screen``.
        with_sources: re-read the inputs for their text (False for an evidence-only report,
            which must not carry it).
        mapping: column mapping of the note export, as given to ``miner screen --map``.

    Raises:
        ReportInputError: OUT_DIR has no ``patients.jsonl``.
    """
    path = out_dir / "patients.jsonl"
    if not path.is_file():
        raise ReportInputError(f"{path} not found: run `miner extract ... --out {out_dir}` "
                               f"or `miner screen ... --out {out_dir}` first")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    mode = NOTES_MODE if (out_dir / "notes.csv").is_file() else DOCUMENTS_MODE
    labels = list(MENTION_LABELS)
    inputs = ReportInputs(out_dir=out_dir, mode=mode, records=records, labels=labels,
                          mentions=_read_mentions(out_dir / "mentions.csv", labels, mode))
    manifest = _read_csv(out_dir / "manifest.csv")
    if mode == NOTES_MODE:
        _read_notes_csv(out_dir / "notes.csv", inputs)
    if not with_sources:
        return inputs
    if not manifest:
        inputs.notices.append("manifest.csv is missing or empty: the inputs cannot be found again, "
                              "so only evidence snippets are shown.")
        return inputs
    if mode == NOTES_MODE:
        _load_notes(manifest, inputs, mapping)
    else:
        _load_documents(manifest, inputs)
    return inputs


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _read_mentions(path: Path, labels: list[str], mode: str) -> dict[str, list[MentionMark]]:
    """Mentions by the text they index: note-relative offsets by note_id for note exports."""
    by_key: dict[str, list[MentionMark]] = defaultdict(list)
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row.get("note_id") if mode == NOTES_MODE else row.get("doc_id")) or ""
            try:
                start, end = int(row["start"]), int(row["end"])
            except (KeyError, ValueError):
                continue
            if not key or start < 0 or end <= start:
                continue
            label = row.get("label") or ""
            if label not in labels:
                labels.append(label)
            flags = sum(bit for column, bit in _FLAG_COLUMNS if (row.get(column) or "").lower() == "true")
            by_key[key].append(MentionMark(start, end, labels.index(label), flags, row.get("text") or ""))
    for marks in by_key.values():
        marks.sort(key=lambda m: (m.start, -m.end))
    return dict(by_key)


def _read_notes_csv(path: Path, inputs: ReportInputs) -> None:
    for row in _read_csv(path):
        info = NoteInfo(note_id=row.get("note_id", ""), patient_id=row.get("patient_id", ""),
                        note_datetime=row.get("note_datetime", ""), note_type=row.get("note_type", ""),
                        source=row.get("source", ""))
        if not info.note_id:
            continue
        inputs.notes[info.note_id] = info
        inputs.notes_by_patient.setdefault(info.patient_id, []).append(info.note_id)
    for note_ids in inputs.notes_by_patient.values():
        note_ids.sort(key=lambda n: (inputs.notes[n].note_datetime, n))


def resolve_input(path: str, out_dir: Path) -> Path | None:
    """Find an input named in the manifest: as written (relative to the working folder), else
    relative to the output folder or one of its parents (the folder ``miner`` was run from)."""
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate if candidate.exists() else None
    for base in (Path.cwd(), out_dir, *out_dir.resolve().parents):
        if (base / candidate).exists():
            return base / candidate
    return None


def _load_documents(manifest: list[dict[str, str]], inputs: ReportInputs) -> None:
    from miner.extract import file_sha256, read_document

    wanted = {r.get("doc_id") for r in inputs.records}
    for row in manifest:
        doc_id = row.get("doc_id", "")
        if row.get("status") != "ok" or doc_id not in wanted or doc_id in inputs.sources:
            continue
        resolved = resolve_input(row.get("path", ""), inputs.out_dir)
        if resolved is None:
            inputs.missing[doc_id] = f"{row.get('path')} was not found{_hint(row.get('path', ''))}"
            continue
        if row.get("sha256") and file_sha256(resolved) != row["sha256"]:
            inputs.missing[doc_id] = f"{resolved} changed since the run (sha256 differs)"
            continue
        try:
            document = read_document(resolved)
        except Exception as err:  # noqa: BLE001 - any unreadable input only loses its text view
            log.warning("cannot re-read %s: %s", resolved, type(err).__name__)
            inputs.missing[doc_id] = f"{resolved} could not be read again ({type(err).__name__})"
            continue
        inputs.sources[doc_id] = Source(
            key=doc_id, kind="document", title=str(row.get("path")), text=document.text,
            pages=tuple((p.number, p.start, p.end) for p in document.pages))
    for doc_id in sorted(d for d in wanted if d and d not in inputs.sources and d not in inputs.missing):
        inputs.missing[doc_id] = "not listed as read in manifest.csv"
    _notice_missing(inputs)


def _export_of(path: str) -> str:
    """The export a manifest path belongs to: a ``.txt`` note stands for its folder."""
    return str(Path(path).parent) if path.lower().endswith(".txt") else path


def _load_notes(manifest: list[dict[str, str]], inputs: ReportInputs,
                mapping: dict[str, str] | None) -> None:
    from miner.ingest.document import IngestError
    from miner.ingest.notes import Note, read_note_export

    digests = {r["doc_id"]: r.get("sha256", "") for r in manifest if r.get("status") == "ok" and r.get("doc_id")}
    exports = sorted({_export_of(r.get("path", "")) for r in manifest if r.get("status") == "ok" and r.get("path")})
    for export in exports:
        resolved = resolve_input(export, inputs.out_dir)
        if resolved is None:
            inputs.notices.append(f"The note export {export} was not found{_hint(export)}; its notes show "
                                  "evidence snippets only.")
            continue
        try:
            for item in read_note_export(resolved, mapping, undated=True):
                if not isinstance(item, Note) or item.note_id not in inputs.notes:
                    continue
                digest = hashlib.sha256(item.text.encode("utf-8", errors="surrogateescape")).hexdigest()
                if digests.get(item.note_id) and digests[item.note_id] != digest:
                    inputs.missing[item.note_id] = "the note's text changed since the run (sha256 differs)"
                    continue
                info = inputs.notes[item.note_id]
                inputs.sources[item.note_id] = Source(
                    key=item.note_id, kind="note", title=item.note_id, text=item.text,
                    date=info.note_datetime, note_type=info.note_type or item.note_type)
        except IngestError as err:
            inputs.notices.append(f"The note export {export} could not be read again ({err}); "
                                  "if `miner screen` was run with --map, give the same --map.")
    for note_id in inputs.notes:
        if note_id not in inputs.sources and note_id not in inputs.missing:
            inputs.missing[note_id] = "not found in the note export"
    _notice_missing(inputs)


def _notice_missing(inputs: ReportInputs) -> None:
    if not inputs.missing:
        return
    what = "notes" if inputs.mode == NOTES_MODE else "documents"
    examples = "; ".join(f"{key}: {why}" for key, why in sorted(inputs.missing.items())[:3])
    more = f" (and {len(inputs.missing) - 3} more)" if len(inputs.missing) > 3 else ""
    inputs.notices.append(f"The source text of {len(inputs.missing)} {what} could not be read again, so their "
                          f"evidence is shown as snippets only. {examples}{more}.")
