"""From input files to patient records: ingestion, pipeline, segmentation, episodes, criteria.

This module holds the flow that ``miner extract`` runs; the CLI only parses arguments.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from miner.classify.criteria import Criteria, load_criteria
from miner.classify.recurrence import classify
from miner.episodes.builder import EpisodeBuilder
from miner.episodes.model import Mention, PatientRecord, Sentence
from miner.episodes.tables import (
    TableRow,
    is_patient_table,
    is_timeline_table,
    merge_table_row,
    read_patient_table,
)
from miner.ingest.document import IngestError, SourceDocument
from miner.journal import Journal
from miner.labels import DRUG
from miner.segment.patients import segment_patients
from miner.temporal.order import infer_day_first

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".text", ".markdown")


_CELL_BREAK = "\n\n\n"

@dataclass
class DocumentResult:
    """What one input document gave: its patients and mentions, or why it failed."""

    path: str
    doc_id: str
    status: str  # "ok", "failed" or "skipped"
    reason: str = ""
    patients: list[PatientRecord] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    pages: int = 0
    sha256: str = ""


def discover_inputs(paths: Iterable[str | Path]) -> tuple[list[Path], list[DocumentResult]]:
    """Expand files and folders into input files, sorted for a stable order.

    Returns the files to read and results for paths that cannot be read at all
    (missing paths, unsupported file types given explicitly).
    """
    files: list[Path] = []
    problems: list[DocumentResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file()):
                if _is_companion(found):
                    continue  # gold annotations, licences, hidden files and journals of the corpus
                if found.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(found)
                else:  # nothing is lost: an unreadable type is listed with its reason
                    problems.append(DocumentResult(str(found), found.stem, "skipped",
                                                   f"unsupported file type {found.suffix or '(none)'!r}; miner "
                                                   f"extract reads {', '.join(SUPPORTED_SUFFIXES)}; note exports "
                                                   "(.csv, .jsonl, .parquet) go to miner screen"))
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(path)
            else:
                problems.append(DocumentResult(str(path), path.stem, "skipped",
                                               f"unsupported file type {path.suffix!r}; "
                                               f"miner reads {', '.join(SUPPORTED_SUFFIXES)}"))
        else:
            problems.append(DocumentResult(str(path), path.stem, "failed",
                                           "no such file or folder"))
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique, problems


@dataclass(frozen=True)
class Limits:
    """Sizes above which a document is recorded as failed (never silently truncated)."""

    max_pages: int = 500  # a case report or series is tens of pages; thousands is a book or a dump
    max_megabytes: float = 200.0  # file size, PDF or text


DEFAULT_LIMITS = Limits()


_COMPANIONS = (".gold.json", ".mentions.json", ".source.txt", ".ann")


def _is_companion(path: Path) -> bool:
    return (path.name.endswith(_COMPANIONS) or path.name in ("README.md", "LICENSE", "gold.json", "gold.jsonl",
                                                             "settings.json")
            or any(part.startswith(".") for part in path.parts[-3:]))


def read_document(path: Path, password: str | None = None, limits: Limits = DEFAULT_LIMITS) -> SourceDocument:
    """Ingest one file by its type (PDF or text), within ``limits``."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise IngestError(str(path), f"cannot read the file ({err.strerror})") from err
    if size > limits.max_megabytes * 1_000_000:
        raise IngestError(str(path), f"{size / 1_000_000:.0f} MB, above the limit of {limits.max_megabytes:g} MB "
                          "(raise it with --max-mb)")
    if path.suffix.lower() == ".pdf":
        from miner.ingest.pdf import read_pdf

        return read_pdf(path, password=password, page_limit=limits.max_pages)
    from miner.ingest.text import read_text

    return read_text(path, max_bytes=int(limits.max_megabytes * 1_000_000))


class Extractor:
    """Runs the whole flow for documents; the spaCy pipeline is built once."""

    def __init__(self, nlp: Language | None = None, criteria: Criteria | None = None) -> None:
        if nlp is None:
            from miner.pipeline import build_nlp

            nlp = build_nlp()
        self.nlp = nlp
        self.criteria = criteria or load_criteria()

    def find_mentions(self, texts: list[str]) -> list[list[Mention]]:
        """Mentions of short texts (table cells), one list per text.

        The texts go through the pipeline as one Doc, a blank line apart (a sentence break,
        so no ConText scope crosses from one cell to the next), instead of one Doc each:
        a table's fifty cells cost about what their words cost.
        """
        import dataclasses

        from miner.pipeline import doc_mentions

        starts, parts, at = [], [], 0
        for text in texts:
            cell = text.replace("\n\n", "\n")
            starts.append(at)
            parts.append(cell)
            at += len(cell) + len(_CELL_BREAK)
        mentions = doc_mentions(self.nlp(_CELL_BREAK.join(parts)))
        found: list[list[Mention]] = [[] for _ in texts]
        for mention in mentions:
            index = bisect.bisect_right(starts, mention.start) - 1
            offset = starts[index]
            value = mention.value
            if value and "start" in value and "end" in value:
                value = {**value, "start": value["start"] - offset, "end": value["end"] - offset}
            found[index].append(dataclasses.replace(mention, start=mention.start - offset,
                                                    end=mention.end - offset, value=value))
        return found

    def analyse(self, document: SourceDocument) -> tuple[list[Sentence], list[Mention]]:
        """Run the pipeline on the document's body text."""
        from miner.pipeline import doc_mentions, doc_sentences
        from miner.pipeline.extensions import make_doc

        doc = make_doc(self.nlp, document.text)
        # a US case report's "03/04/2025" is 4 March when it also writes "01/21/2025"
        doc.user_data["day_first"] = infer_day_first([document.text], default=True)
        doc = self.nlp(doc)
        mentions = doc_mentions(doc)
        for mention in mentions:
            mention.page = document.page_at(mention.start)
        return doc_sentences(doc), mentions

    def extract(self, document: SourceDocument) -> DocumentResult:
        """Patients of one ingested document."""
        sentences, mentions = self.analyse(document)
        result = DocumentResult(document.path, document.doc_id, "ok", mentions=mentions,
                                pages=len(document.pages))
        builder = EpisodeBuilder(document.text, sentences, mentions, document.page_at,
                                 document.doc_id, self.criteria)
        excluded = [(t.start, t.end) for t in document.tables if t.start is not None
                    and t.end is not None and not is_timeline_table(t)]
        segments = segment_patients(document.text, excluded)
        table_rows: list[TableRow] = []
        for table in document.tables:
            if is_patient_table(table):
                table_rows.extend(read_patient_table(table, self.find_mentions, document.text))
        records: list[PatientRecord] = []
        single = len(segments) == 1 and segments[0].how == "single"
        if single and len(table_rows) >= 2:
            # a table-only summary: the rows are the patients
            for row in table_rows:
                record = PatientRecord(doc_id=document.doc_id,
                                       patient_id=_row_label(row))
                merge_table_row(record, row)
                record.sources.setdefault("record", "table")
                records.append(record)
        else:
            for segment in segments:
                record = builder.build(segment.label, segment.start, segment.end, summaries=single,
                                       parts=segment.parts)
                match = [r for r in table_rows if r.number == segment.number] if table_rows else []
                if single and len(table_rows) == 1:
                    match = table_rows
                if match:
                    merge_table_row(record, match[0])
                records.append(record)
        _inherit_document_drug(records, mentions)
        series = len(records) > 1
        named = series and not single and all(s.how in ("heading", "opener") for s in segments)
        for record in records:
            attributed = any(str(f.get("explained_by", "")).startswith("attributed to") for f in record.other_fevers)
            if not _mentions_anything(record) and not (series and (record.other_fevers or record.alternatives)) \
                    and not named and not attributed:
                continue  # a review with no patient gives none; a series' "Patient B" with
                # only infection-explained fevers is still a patient (unlikely), and so is a
                # patient the text heads by name ("PATIENT 2 - 72 F ... elranatamab is planned"), and
                # so is one whose fevers the authors attribute to another drug (carfilzomib)
            classify(record, self.criteria)
            result.patients.append(record)
        return result


def _inherit_document_drug(records: list[PatientRecord], mentions: list[Mention]) -> None:
    """A series that names one T-cell engager for all its patients ("31 pts treated with
    talquetamab") gives it to each patient whose own narrative names none."""
    names = {m.norm for m in mentions if m.label == DRUG and m.norm and m.is_asserted
             and not m.is_uncertain}
    if len(names) != 1:
        return
    (name,) = names
    for record in records:
        start, end = record.segment.get("start"), record.segment.get("end")
        own = [m for m in mentions if m.label == DRUG and start is not None and end is not None
               and start <= m.start < end]
        if own:
            continue  # the patient's own text names an engager only as planned or declined
        if not record.drugs and record.episodes:
            record.drugs.append(name)
            record.sources["drugs"] = "document"


def _row_label(row: TableRow) -> str:
    label = row.label.strip()
    if label.isdigit():
        return f"Case {label}"
    return label or f"Case {row.number}"


def _mentions_anything(record: PatientRecord) -> bool:
    """A patient exists for the output when the text names a T-cell engager or a CRS/fever
    episode for them (a review article with no patients yields no records)."""
    return bool(record.drugs or record.episodes)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_extract(
    paths: Iterable[str | Path],
    extractor: Extractor | None = None,
    password: str | None = None,
    on_progress: Callable[[DocumentResult], None] | None = None,
    fail_fast: bool = False,
) -> Iterator[DocumentResult]:
    """Yield one result per input document, failures included (nothing is lost)."""
    files, problems = discover_inputs(paths)
    yield from problems
    yield from extract_files(files, extractor, password, on_progress, fail_fast)


def extract_files(
    files: Iterable[Path],
    extractor: Extractor | None = None,
    password: str | None = None,
    on_progress: Callable[[DocumentResult], None] | None = None,
    fail_fast: bool = False,
    journal: Journal | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[DocumentResult]:
    """Yield one result per file found by :func:`discover_inputs`.

    With a ``journal``, a document already finished by an earlier, interrupted run of the
    same command is taken from it instead of being read again.
    """
    extractor = extractor or Extractor()
    for path in files:
        try:
            digest = file_sha256(path)
        except OSError:
            digest = ""
        if journal is not None and digest:
            done = journal.get(str(path), digest)
            if isinstance(done, DocumentResult):
                if on_progress:
                    on_progress(done)
                yield done
                continue
        try:
            document = read_document(path, password, limits)
            result = extractor.extract(document)
        except IngestError as err:
            logger.warning("failed: %s", err)
            result = DocumentResult(str(path), path.stem, "failed", err.reason)
            if fail_fast:
                raise
        except Exception as err:  # a bug must not lose the rest of the run
            logger.exception("internal error on %s", path)
            result = DocumentResult(str(path), path.stem, "failed",
                                    f"internal error ({type(err).__name__}); please report it")
            if fail_fast:
                raise
        result.sha256 = digest
        if journal is not None and digest:
            journal.put(result, str(path), digest)
        if on_progress:
            on_progress(result)
        yield result
