"""From note exports to one record per patient: the flow that ``miner screen`` runs.

Each note goes through the pipeline with its own date as the reference for "yesterday"
and "04/15", and with its sections (medication and allergy lists, family history do not
count; past history is historical). A patient's notes are then read as one timeline, in
date order:

- a sentence repeated from an earlier note of the same patient (copy-forward) is not
  counted again;
- a fever or CRS sentence without its own date is dated by its note, and the same
  illness told in the emergency note, the progress note and the discharge summary (dates
  within three days, no dose between) is one episode;
- infusion notes give the doses ("C3D1 talquetamab given", "last dose yesterday").

Evidence in the records points at the note (``doc_id`` is the note_id, offsets are into
the note's text).

Patients arrive one at a time from :class:`~miner.ingest.by_patient.NotesByPatient` (the
export sorted by patient on disk) and :func:`screen_groups` screens them in order, here or
in worker processes or on a Dask cluster, a few chunks ahead at most: memory holds the
patients in flight, not the export.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.classify.criteria import Criteria, load_criteria
from miner.classify.recurrence import classify
from miner.episodes.builder import EpisodeBuilder
from miner.episodes.model import Evidence, Mention, PatientRecord, Sentence
from miner.ingest.by_patient import PatientNotes
from miner.ingest.notes import Note
from miner.journal import Journal
from miner.prefilter import Prefilter
from miner.temporal.order import infer_day_first

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

_NOTE_GAP = "\n\n"
_WORDS = re.compile(r"[a-z0-9]+")
MIN_COPY_WORDS = 8  # shorter sentences ("Afebrile.", "Plan: continue.") repeat by chance


@dataclass
class NoteSummary:
    """What one note contributed (a row of ``notes.csv``)."""

    note: Note
    sections: list[str] = field(default_factory=list)
    mentions: int = 0
    copied_sentences: int = 0
    dose_events: int = 0
    episodes: list[int] = field(default_factory=list)


@dataclass
class PatientResult:
    """One patient of an export: the record, its mentions (note offsets), its notes."""

    patient_id: str
    record: PatientRecord | None
    mentions: list[tuple[str, Mention]]
    notes: list[NoteSummary]


def _fingerprint(text: str) -> str | None:
    words = _WORDS.findall(text.lower())
    if len(words) < MIN_COPY_WORDS:
        return None
    return hashlib.blake2b(" ".join(words).encode(), digest_size=12).hexdigest()


_ADMISSION = re.compile(r"\b(?:admission date|date of admission|admit date|admitted(?: on)?)\s*:?\s*",
                        re.IGNORECASE)


def admission_date(note: Note, day_first: bool) -> str | None:
    """The admission date a discharge summary states ("Admission date: 10/26/2022"): the
    date of the illness it tells, which the note's own date (the discharge) is not."""
    if note.note_datetime is None:
        return None
    from miner.temporal import TemporalSettings, find_time_expressions

    settings = TemporalSettings(day_first=day_first, reference_date=note.note_datetime.date())
    for match in _ADMISSION.finditer(note.text[:2000]):
        head = note.text[match.end() : match.end() + 30]
        for value in find_time_expressions(head, settings):
            if value.kind == "date" and value.start == 0 and value.date and len(value.date) == 10 \
                    and value.date <= note.date:  # type: ignore[operator]
                return value.date
    return None


MAX_NEW_STRINGS = 100_000  # distinct token strings a pipeline may learn before it is built afresh (~100 MB)


class Screener:
    """Screens note exports; the spaCy pipeline is built once, and again when it has grown.

    spaCy keeps every distinct token string it has read (its string store, lexemes and
    tokenizer cache), so over millions of real notes (names, numbers, misspellings) the
    pipeline itself would grow with the export. A Screener that built its own pipeline
    builds it afresh once it has learnt ``max_new_strings`` strings; the results do not
    depend on what a pipeline has read before (tested). A pipeline passed in is kept.
    """

    def __init__(self, nlp: Language | None = None, criteria: Criteria | None = None,
                 day_first: bool = True, prefilter: bool = True, max_new_strings: int = MAX_NEW_STRINGS) -> None:
        self._builds_own = nlp is None
        self.nlp = self._build() if nlp is None else nlp
        self.max_new_strings = max_new_strings
        self._fresh_strings = len(self.nlp.vocab.strings)
        self.rebuilds = 0
        self.criteria = criteria or load_criteria()
        self.day_first = day_first
        # a patient whose notes never name a T-cell engager, a -mab drug or CRS cannot be
        # output (see screen_patient): skip the pipeline for them
        self.prefilter = Prefilter.from_patterns() if prefilter and self.criteria.require_t_cell_engager else None

    @staticmethod
    def _build() -> Language:
        from miner.pipeline import build_nlp

        return build_nlp()

    def _renew_grown_pipeline(self) -> None:
        if self._builds_own and len(self.nlp.vocab.strings) - self._fresh_strings > self.max_new_strings:
            self.nlp = self._build()
            self._fresh_strings = len(self.nlp.vocab.strings)
            self.rebuilds += 1

    def screen_patient(self, patient_id: str, notes: list[Note], export_id: str) -> PatientResult:
        """One record from all the notes of one patient."""
        from miner.pipeline import doc_mentions, doc_sentences
        from miner.pipeline.extensions import make_doc

        notes = sorted(notes, key=lambda n: n.sort_key)
        if self.prefilter is not None and not self.prefilter.any_matches(n.text for n in notes):
            return PatientResult(patient_id, None, [], [NoteSummary(n) for n in notes])
        self._renew_grown_pipeline()
        day_first = infer_day_first((n.text for n in notes), self.day_first)
        docs = []
        for note in notes:
            doc = make_doc(self.nlp, note.text)
            doc.user_data["day_first"] = day_first
            if note.date:
                doc.user_data["reference_date"] = note.date
            docs.append(doc)
        text_parts: list[str] = []
        starts: list[int] = []
        sentences: list[Sentence] = []
        mentions: list[Mention] = []
        summaries: list[NoteSummary] = []
        seen: set[str] = set()
        offset = 0
        for note, doc in zip(notes, self.nlp.pipe(docs), strict=True):
            summary = NoteSummary(note)
            starts.append(offset)
            text_parts.append(note.text + _NOTE_GAP)
            base = len(sentences)
            note_sentences = doc_sentences(doc, offset)
            copied: set[int] = set()
            for sentence in note_sentences:
                key = _fingerprint(sentence.text)
                if key is not None and key in seen:
                    copied.add(sentence.index)  # copy-forward: told in an earlier note
                elif key is not None:
                    seen.add(key)
            summary.copied_sentences = len(copied)
            sentences.extend(replace(s, index=s.index + base) for s in note_sentences)
            for mention in doc_mentions(doc, offset):
                if mention.sentence in copied:
                    continue
                mention.sentence += base
                mentions.append(mention)
                summary.mentions += 1
            if doc.has_extension("sections"):
                summary.sections = sorted({s.category for s in doc._.sections if s.category})
            summaries.append(summary)
            offset += len(note.text) + len(_NOTE_GAP)
        text = "".join(text_parts)

        def note_index(position: int) -> int:
            return max(0, bisect.bisect_right(starts, position) - 1)

        event_dates = [admission_date(note, day_first) or note.date for note in notes]
        builder = EpisodeBuilder(text, sentences, mentions, doc_id=export_id, criteria=self.criteria,
                                 date_at=lambda position: event_dates[note_index(position)],
                                 note_at=note_index)
        record = builder.build(patient_id, 0, len(text))
        record.doc_id = export_id
        _relocate(record, notes, starts, note_index)
        by_note = {s.note.note_id: s for s in summaries}
        for number, episode in enumerate(record.episodes, start=1):
            for item in episode.evidence:
                contributor = by_note.get(item.doc_id or "")
                if contributor is not None and number not in contributor.episodes:
                    contributor.episodes.append(number)
        for event in (record.timeline or {}).get("events", []):
            contributor = by_note.get((event.get("evidence") or {}).get("doc_id") or "")
            if contributor is not None:
                contributor.dose_events += 1
        located = []
        for mention in mentions:
            index = note_index(mention.start)
            located.append((notes[index].note_id, replace(mention, start=mention.start - starts[index],
                                                          end=mention.end - starts[index])))
        if not (record.drugs or any(e.named_crs for e in record.episodes)):
            # a patient of an export is output when a T-cell engager or CRS is named for them;
            # fevers alone, without either, are the rest of the hospital
            return PatientResult(patient_id, None, located, summaries)
        classify(record, self.criteria)
        return PatientResult(patient_id, record, located, summaries)


def _relocate(record: PatientRecord, notes: list[Note], starts: list[int],
              note_index: Callable[[int], int]) -> None:
    """Point every piece of evidence at its note: ``doc_id`` = note_id, note offsets."""

    def move(evidence: Evidence) -> Evidence:
        if evidence.start < 0:
            return evidence
        index = note_index(evidence.start)
        return Evidence(evidence.text, evidence.start - starts[index], evidence.end - starts[index], None,
                        notes[index].note_id)

    for episode in record.episodes:
        episode.evidence = [move(e) for e in episode.evidence]
    record.evidence = {name: [move(e) for e in items] for name, items in record.evidence.items()}
    if record.timeline:
        for event in record.timeline.get("events", []):
            if event.get("evidence"):
                event["evidence"] = move(Evidence(**event["evidence"])).to_dict()
    for fever in record.other_fevers:
        fever["evidence"] = [move(Evidence(**e)).to_dict() for e in fever["evidence"]]
    for alternative in record.alternatives:
        alternative["evidence"] = move(Evidence(**alternative["evidence"])).to_dict()
    if record.periodicity:
        record.periodicity["evidence"] = [move(Evidence(**e)).to_dict() for e in record.periodicity["evidence"]]
    record.segment = {"notes": [n.note_id for n in notes], "first_note": notes[0].date if notes else None,
                      "last_note": notes[-1].date if notes else None}


Task = tuple[str, list[Note], str]  # patient_id, the patient's notes, export id: screen_patient's arguments

_WORKER_SCREENER: Screener | None = None


def _screen_chunk(tasks: list[Task]) -> list[PatientResult]:
    assert _WORKER_SCREENER is not None
    return [_WORKER_SCREENER.screen_patient(*task) for task in tasks]


def _known(result: PatientResult) -> Callable[[], list[PatientResult]]:
    return lambda: [result]


def _in_order(items: Iterable[Task | PatientResult], submit: Callable[[list[Task]], Callable[[], list[PatientResult]]],
              *, chunk: int, window: int) -> Iterator[PatientResult]:
    """Results in the order of ``items``: tasks go to ``submit`` in chunks of ``chunk``
    patients (it returns a call that waits for the chunk's results), results already known
    are passed through in their place. At most ``window`` chunks are in flight, so only they
    are held, however long ``items`` is."""
    pending: deque[Callable[[], list[PatientResult]]] = deque()
    batch: list[Task] = []
    for item in items:
        if isinstance(item, PatientResult):
            if batch:
                pending.append(submit(batch))
                batch = []
            pending.append(_known(item))
        else:
            batch.append(item)
            if len(batch) >= chunk:
                pending.append(submit(batch))
                batch = []
        while len(pending) > window:
            yield from pending.popleft()()
    if batch:
        pending.append(submit(batch))
    while pending:
        yield from pending.popleft()()


def screen_in_parallel(screener: Screener, items: Iterable[Task | PatientResult], workers: int = 1, *,
                       chunk: int = 8) -> Iterator[PatientResult]:
    """Screen patients in order, in ``workers`` forked processes that share the built
    pipeline (copy-on-write); with one worker, in this process. ``items`` is read as the
    workers need it (a few chunks of ``chunk`` patients ahead), and an item that is already a
    result (from the journal) is passed through in its place. Results come back in the order
    of ``items``, so the outputs do not depend on the number of workers."""
    global _WORKER_SCREENER
    if workers <= 1:
        for item in items:
            yield item if isinstance(item, PatientResult) else screener.screen_patient(*item)
        return
    import multiprocessing

    _WORKER_SCREENER = screener
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        yield from _in_order(items, lambda batch: pool.apply_async(_screen_chunk, (batch,)).get,
                             chunk=chunk, window=4 * workers)


_DASK_SCREENER: Screener | None = None


def _dask_screen_chunk(tasks: list[Task], criteria_path: str | None, day_first: bool) -> list[PatientResult]:
    """Runs on a Dask worker: the pipeline is built once per worker process."""
    global _DASK_SCREENER
    if _DASK_SCREENER is None:
        criteria = load_criteria(Path(criteria_path)) if criteria_path else None
        _DASK_SCREENER = Screener(criteria=criteria, day_first=day_first)
    return [_DASK_SCREENER.screen_patient(*task) for task in tasks]


def screen_with_dask(items: Iterable[Task | PatientResult], *, scheduler: str | None = None, workers: int = 2,
                     criteria_path: str | None = None, day_first: bool = True,
                     chunk: int = 25) -> Iterator[PatientResult]:
    """Screen patients on a Dask cluster, in the order of ``items`` (so the outputs equal a
    local run's). ``scheduler`` is the address of a running scheduler
    ("tcp://10.0.0.5:8786"); without one, a LocalCluster of ``workers`` processes is started
    on this machine and closed at the end. Chunks of ``chunk`` patients are submitted as the
    cluster takes them, at most 4 per worker in flight, so the export is never all in the
    scheduler's memory; the cluster is started at the first patient that is not already a
    result (from the journal)."""
    from dask.distributed import Client, Future, LocalCluster

    clients: list[Client] = []
    clusters: list[LocalCluster] = []

    def submit(batch: list[Task]) -> Callable[[], list[PatientResult]]:
        if not clients:
            if scheduler:
                clients.append(Client(scheduler))
            else:
                clusters.append(LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                             dashboard_address=None))
                clients.append(Client(clusters[0]))
        future: Future = clients[0].submit(_dask_screen_chunk, batch, criteria_path=criteria_path,
                                           day_first=day_first, pure=False)
        return future.result  # type: ignore[no-any-return]

    try:
        yield from _in_order(items, submit, chunk=chunk, window=4 * max(1, workers))
    finally:
        for client in clients:
            client.close()
        for cluster in clusters:
            cluster.close()


def screen_groups(groups: Iterable[PatientNotes], run: Callable[[Iterable[Task | PatientResult]],
                                                                Iterator[PatientResult]],
                  journal: Journal | None = None) -> Iterator[PatientResult]:
    """Screen patient groups with ``run`` (:func:`screen_in_parallel` or
    :func:`screen_with_dask` with their settings bound), in order. With a ``journal``, a
    patient it already holds (same export, patient_id and notes) is not screened again, and
    each newly screened patient is written to it as soon as it is done, so a killed run
    resumes where it stopped."""
    keys: deque[tuple[str, str, str] | None] = deque()  # of the items handed to run, not yet returned

    def items() -> Iterator[Task | PatientResult]:
        for group in groups:
            key = (str(group.export), group.patient_id, notes_digest(group.notes))
            done = journal.get(*key) if journal is not None else None
            if isinstance(done, PatientResult):
                keys.append(None)
                yield done
            else:
                keys.append(key)
                yield group.patient_id, group.notes, group.export_id

    for result in run(items()):
        key = keys.popleft()
        if key is not None and journal is not None:
            journal.put(result, *key)
        yield result


def notes_digest(notes: list[Note]) -> str:
    """A content hash of one patient's notes (ids, dates, types, texts) for the journal."""
    digest = hashlib.sha256()
    for note in sorted(notes, key=lambda n: n.sort_key):
        for part in (note.note_id, note.date or "", note.note_type, note.text):
            digest.update(part.encode("utf-8", errors="surrogatepass"))
            digest.update(b"\0")
    return digest.hexdigest()


def note_row(summary: NoteSummary) -> dict[str, Any]:
    note = summary.note
    return {"patient_id": note.patient_id, "note_id": note.note_id,
            "note_datetime": note.note_datetime.isoformat(timespec="minutes") if note.note_datetime else "",
            "note_type": note.note_type,
            "row": note.row, "source": note.source, "sections": ";".join(summary.sections),
            "mentions": summary.mentions, "copied_sentences": summary.copied_sentences,
            "dose_events": summary.dose_events, "episodes": ";".join(str(e) for e in summary.episodes)}
