"""Import mention gold from annotation tools into miner's gold mention format (pure).

* brat standoff: ``NAME.ann`` beside ``NAME.txt``. ``T`` lines are mentions
  (``T1<TAB>DRUG 10 25<TAB>teclistamab``; a discontinuous ``10 15;20 25`` becomes one
  span from the first start to the last end, with a warning); ``A`` lines are assertion
  attributes (``A1<TAB>Negated T1`` or ``A1<TAB>Assertion T1 negated``). Relations (``R``),
  events (``E``), notes (``#``) and other lines are counted and ignored.
* span JSONL, one document a line: Prodigy ``{"text", "spans": [{"start", "end", "label"}]}``;
  Doccano ``{"text", "label": [[start, end, "LABEL"]]}`` or
  ``{"text", "entities": [{"start_offset", "end_offset", "label"}]}``. The doc id is
  ``meta.doc_id``, else ``id``, else ``<file stem>-<line>``.

A label map (``{"their label": "OUR_LABEL"}``, or ``null`` to drop a label) translates
label names; without an entry a label is used when it is one of ours (any case).
Every error names the file, the line and the problem.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from miner.evaluate.mentions import (
    FAMILY,
    GUIDELINES_VERSION,
    HISTORICAL,
    HYPOTHETICAL,
    NEGATED,
    PRESENT,
    UNCERTAIN,
    GoldDocument,
    GoldMention,
    gold_to_dict,
    text_sha256,
)
from miner.labels import MENTION_LABELS

logger = logging.getLogger(__name__)

#: brat attribute names (and multi-valued attribute values) read as assertions, lower case
ATTRIBUTE_ASSERTIONS = {
    "negated": NEGATED, "negation": NEGATED, "negative": NEGATED, "absent": NEGATED,
    "hypothetical": HYPOTHETICAL, "conditional": HYPOTHETICAL, "future": HYPOTHETICAL,
    "historical": HISTORICAL, "history": HISTORICAL, "past": HISTORICAL,
    "family": FAMILY, "experiencer": FAMILY, "familyhistory": FAMILY, "other_person": FAMILY,
    "uncertain": UNCERTAIN, "uncertainty": UNCERTAIN, "speculated": UNCERTAIN,
    "speculation": UNCERTAIN, "possible": UNCERTAIN, "hedged": UNCERTAIN,
    "present": PRESENT, "affirmed": PRESENT, "positive": PRESENT,
}
#: the names of a multi-valued brat attribute whose value is the assertion
ASSERTION_ATTRIBUTES = frozenset({"assertion", "status", "certainty", "polarity", "context"})

_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
_A_LINE = re.compile(r"^([AM]\d+)\t(\S+) (T\d+)(?: (\S+))?\s*$")


class GoldImportError(ValueError):
    """A source file that cannot be imported; the message names the file and line."""


@dataclass
class ImportResult:
    """Gold documents made from a source, with what was ignored and why."""

    documents: list[GoldDocument] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.ignored[kind] = self.ignored.get(kind, 0) + 1


def load_label_map(path: Path) -> dict[str, str | None]:
    """A JSON object mapping source label names to miner labels (or ``null`` to drop).

    Raises:
        GoldImportError: bad JSON, or a target that is not a miner label.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise GoldImportError(f"{path}: line {err.lineno}: invalid JSON ({err.msg})") from err
    if not isinstance(data, dict):
        raise GoldImportError(f"{path}: a label map is a JSON object {{\"their label\": \"OUR_LABEL\"}}")
    for key, target in data.items():
        if target is not None and target not in MENTION_LABELS:
            raise GoldImportError(f"{path}: {key!r} maps to {target!r}, which is not one of "
                               f"{', '.join(MENTION_LABELS)} (use null to drop a label)")
    return data


def map_label(label: str, label_map: dict[str, str | None] | None, where: str) -> str | None:
    """Our label for a source label; ``None`` when the map drops it.

    Raises:
        GoldImportError: a label that is neither mapped nor one of ours.
    """
    if label_map and label in label_map:
        return label_map[label]
    if label.upper() in MENTION_LABELS:
        return label.upper()
    raise GoldImportError(f"{where}: label {label!r} is not one of {', '.join(MENTION_LABELS)}; "
                       "add it to a label map (--label-map) or map it to null to drop it")


def _document(doc_id: str, text: str, mentions: list[GoldMention], annotator: str) -> GoldDocument:
    mentions = sorted(mentions, key=lambda m: (m.start, m.end, m.label))
    return GoldDocument(doc_id, text_sha256(text), annotator, GUIDELINES_VERSION, mentions)


def _check_span(start: int, end: int, text: str, where: str) -> None:
    if not 0 <= start < end <= len(text):
        raise GoldImportError(f"{where}: span {start}-{end} is not inside the text "
                           f"({len(text)} characters)")


# ------------------------------------------------------------------------------ brat


def read_brat(ann_path: Path, label_map: dict[str, str | None] | None = None,
              result: ImportResult | None = None, annotator: str = "import:brat") -> GoldDocument:
    """One brat ``.ann`` file (its text is the ``.txt`` of the same name).

    Raises:
        GoldImportError: a missing ``.txt``, a malformed line, an attribute of an unknown
            entity, or a span outside the text.
    """
    result = result if result is not None else ImportResult()
    txt_path = ann_path.with_suffix(".txt")
    if not txt_path.is_file():
        raise GoldImportError(f"{ann_path}: no text file {txt_path.name} beside it")
    text = txt_path.read_text(encoding="utf-8")
    entities: dict[str, tuple[int, int, str]] = {}
    dropped: set[str] = set()
    assertions: dict[str, tuple[str, int]] = {}
    lines = ann_path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        where = f"{ann_path}: line {number}"
        if not line.strip():
            continue
        kind = line[0]
        if kind == "T":
            match = _T_LINE.match(line)
            if not match:
                raise GoldImportError(f"{where}: a T line is 'T1<TAB>LABEL START END<TAB>text', got {line!r}")
            ident, label, spans_text, _ = match.groups()
            pieces = [tuple(int(x) for x in piece.split()) for piece in spans_text.split(";")]
            start, end = min(p[0] for p in pieces), max(p[1] for p in pieces)
            if len(pieces) > 1:
                result.warnings.append(f"{where}: discontinuous span {spans_text} of {ident} taken as "
                                       f"{start}-{end}")
            _check_span(start, end, text, where)
            target = map_label(label, label_map, where)
            if target is None:
                result.count(f"dropped label {label}")
                dropped.add(ident)
                continue
            entities[ident] = (start, end, target)
        elif kind in "AM":
            match = _A_LINE.match(line)
            if not match:
                raise GoldImportError(f"{where}: an attribute line is 'A1<TAB>Name T1 [value]', got {line!r}")
            _, name, target_id, value = match.groups()
            key = (value or "").lower() if name.lower() in ASSERTION_ATTRIBUTES and value \
                else name.lower()
            assertion = ATTRIBUTE_ASSERTIONS.get(key)
            if assertion is None:
                result.warnings.append(f"{where}: attribute {name} {value or ''} is not an assertion; ignored")
                result.count("attributes")
                continue
            assertions[target_id] = (assertion, number)
        elif kind == "R":
            result.count("relations")
        elif kind == "E":
            result.count("events")
        elif kind == "#":
            result.count("notes")
        else:
            result.count("other lines")
    for ident, (_, number) in assertions.items():
        if ident not in entities and ident not in dropped:
            raise GoldImportError(f"{ann_path}: line {number}: the attribute refers to {ident}, which is "
                                  "no text-bound entity (T line) of this file")
    mentions = [GoldMention(start, end, label, text[start:end], assertions.get(ident, (PRESENT, 0))[0])
                for ident, (start, end, label) in entities.items()]
    return _document(ann_path.stem, text, mentions, annotator)


def import_brat(source: Path, label_map: dict[str, str | None] | None = None) -> ImportResult:
    """Every ``.ann`` file of a folder (recursively), or one ``.ann`` file."""
    result = ImportResult()
    files = sorted(source.rglob("*.ann")) if source.is_dir() else [source]
    if not files:
        raise GoldImportError(f"{source}: no .ann files found")
    for path in files:
        result.documents.append(read_brat(path, label_map, result))
    return result


# ----------------------------------------------------------------------------- JSONL


def _spans_of(record: dict[str, Any], where: str) -> list[tuple[int, int, str]]:
    if "spans" in record:  # Prodigy
        raw = record["spans"] or []
        if not isinstance(raw, list):
            raise GoldImportError(f"{where}: 'spans' must be a list")
        out = []
        for i, span in enumerate(raw):
            if not isinstance(span, dict) or not {"start", "end", "label"} <= set(span):
                raise GoldImportError(f"{where}: spans[{i}] needs 'start', 'end' and 'label'")
            out.append((span["start"], span["end"], span["label"]))
        return out
    if "entities" in record:  # Doccano (newer)
        raw = record["entities"] or []
        if not isinstance(raw, list):
            raise GoldImportError(f"{where}: 'entities' must be a list")
        out = []
        for i, span in enumerate(raw):
            if not isinstance(span, dict) or not {"start_offset", "end_offset", "label"} <= set(span):
                raise GoldImportError(f"{where}: entities[{i}] needs 'start_offset', 'end_offset' and 'label'")
            out.append((span["start_offset"], span["end_offset"], span["label"]))
        return out
    if "label" in record:  # Doccano (older)
        raw = record["label"] or []
        if not isinstance(raw, list):
            raise GoldImportError(f"{where}: 'label' must be a list of [start, end, label]")
        out = []
        for i, span in enumerate(raw):
            if not isinstance(span, list) or len(span) != 3:
                raise GoldImportError(f"{where}: label[{i}] must be [start, end, \"LABEL\"]")
            out.append((span[0], span[1], span[2]))
        return out
    raise GoldImportError(f"{where}: no spans: expected 'spans' (Prodigy), 'label' or 'entities' (Doccano)")


def read_span_record(record: Any, where: str, default_id: str,
                     label_map: dict[str, str | None] | None = None,
                     result: ImportResult | None = None, annotator: str = "import:jsonl") -> GoldDocument:
    """One parsed JSONL record (Prodigy or Doccano) as a gold document."""
    result = result if result is not None else ImportResult()
    if not isinstance(record, dict):
        raise GoldImportError(f"{where}: each line must be a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text:
        raise GoldImportError(f"{where}: 'text' must be a non-empty string")
    meta: dict[str, Any] = record["meta"] if isinstance(record.get("meta"), dict) else {}
    doc_id = meta.get("doc_id") or record.get("id") or default_id
    mentions = []
    for start, end, label in _spans_of(record, where):
        if not isinstance(start, int) or not isinstance(end, int) or not isinstance(label, str):
            raise GoldImportError(f"{where}: span {[start, end, label]!r}: start and end must be integers, "
                               "the label a string")
        _check_span(start, end, text, where)
        target = map_label(label, label_map, where)
        if target is None:
            result.count(f"dropped label {label}")
            continue
        mentions.append(GoldMention(start, end, target, text[start:end]))
    return _document(str(doc_id), text, mentions, annotator)


def import_jsonl(source: Path, label_map: dict[str, str | None] | None = None) -> ImportResult:
    """A Prodigy or Doccano JSONL export, one document a line.

    Raises:
        GoldImportError: invalid JSON, a line without text or spans, a span outside the text,
            an unknown label, or two lines with the same doc id.
    """
    result = ImportResult()
    seen: dict[str, int] = {}
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}: line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise GoldImportError(f"{where}: invalid JSON ({err.msg} at column {err.colno})") from err
        document = read_span_record(record, where, f"{source.stem}-{number}", label_map, result)
        if document.doc_id in seen:
            raise GoldImportError(f"{where}: doc id {document.doc_id!r} already used on line {seen[document.doc_id]}")
        seen[document.doc_id] = number
        result.documents.append(document)
    if not result.documents:
        raise GoldImportError(f"{source}: no documents (empty file)")
    return result


def write_gold_documents(documents: list[GoldDocument], out_dir: Path) -> list[Path]:
    """Write each document as ``out_dir/<doc_id>.mentions.json``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for document in documents:
        safe = re.sub(r"[^\w.-]+", "_", document.doc_id)
        path = out_dir / f"{safe}.mentions.json"
        path.write_text(json.dumps(gold_to_dict(document), ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


__all__ = ["GoldImportError", "ImportResult", "import_brat", "import_jsonl", "load_label_map",
           "map_label", "read_brat", "read_span_record", "write_gold_documents"]
