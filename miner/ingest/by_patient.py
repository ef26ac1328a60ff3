"""Note exports read patient by patient, in patient_id order, in memory that does not grow
with the export.

An export need not be sorted or grouped by patient: its rows are read once, in file order,
and go through an :class:`~miner.ingest.external_sort.ExternalSorter` keyed by
(patient_id, export), which keeps at most ``max_run_bytes`` of notes in memory and spills
sorted runs to disk beyond that. The groups then come back one patient at a time, in the
order ``miner screen`` has always written its outputs (by patient_id; a patient_id found in
two exports, in the order the exports were given), each patient's notes in row order.

Duplicate note_ids are found within each group as it is read back (the row read first is
kept, the others become :class:`RowProblem` rows), and the unreadable rows go through a
second sorter, so that the manifest lists them by source and row however many there are.
"""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from miner.ingest import external_sort
from miner.ingest.document import IngestError
from miner.ingest.external_sort import ExternalSorter
from miner.ingest.notes import Note, RowProblem, read_note_export

_NOTE_OVERHEAD = 512  # the Note object, its ids, source, date and the sort entry, besides the text


@dataclass(frozen=True)
class PatientNotes:
    """The notes of one patient of one export, in row order."""

    export: Path
    patient_id: str
    notes: list[Note]

    @property
    def export_id(self) -> str:
        """The export's name without suffixes (``notes`` for ``notes.csv.gz``)."""
        return self.export.name.split(".")[0]


def _note_size(item: tuple[int, Note]) -> int:
    return sys.getsizeof(item[1].text) + _NOTE_OVERHEAD


def _problem_size(item: tuple[int, bool, RowProblem]) -> int:
    return sys.getsizeof(item[2].reason) + sys.getsizeof(item[2].source) + _NOTE_OVERHEAD


class NotesByPatient:
    """Reads exports, then gives their notes back one patient at a time.

    Usage::

        with NotesByPatient(out / ".miner-sort") as reader:
            for export in exports:
                reader.read(export, mapping)
            for group in reader.groups():   # PatientNotes, by patient_id
                ...
            problems = list(reader.problems())  # after groups(): duplicates are found there

    Args:
        folder: where sorted runs are written when the notes outgrow ``max_run_bytes``;
            emptied first (a killed run may have left runs there) and removed by :meth:`close`.
        max_run_bytes: notes held in memory before a sorted run goes to disk (default
            :data:`miner.ingest.external_sort.MAX_RUN_BYTES`, 32 MB).
    """

    def __init__(self, folder: Path, *, max_run_bytes: int | None = None) -> None:
        max_run_bytes = max_run_bytes or external_sort.MAX_RUN_BYTES
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        self.exports: list[Path] = []
        self.notes = 0  # notes read from the exports that could be read (duplicates included)
        self._notes: ExternalSorter[tuple[int, Note]] = ExternalSorter(
            lambda item: (item[1].patient_id, item[0]), folder / "notes", size=_note_size,
            max_run_bytes=max_run_bytes)
        # (export index, is about the whole export, problem), by source and row
        self._problems: ExternalSorter[tuple[int, bool, RowProblem]] = ExternalSorter(
            lambda item: (item[2].source, item[2].row, item[0]), folder / "problems", size=_problem_size,
            max_run_bytes=max(1, max_run_bytes // 4))
        self._unreadable: set[int] = set()

    def read(self, export: Path, mapping: dict[str, str] | None = None, *, day_first: bool = True,
             undated: bool = False) -> IngestError | None:
        """Read one export's rows into the sort. Returns the error when the export as a whole
        cannot be read (missing file or columns): it is then listed as row 0 and none of its
        rows are kept, as if it had not been given."""
        index = len(self.exports)
        self.exports.append(export)
        rows = notes = 0
        try:
            for item in read_note_export(export, mapping, day_first=day_first, undated=undated):
                rows += 1
                if isinstance(item, RowProblem):
                    self._problems.add((index, False, item))
                else:
                    notes += 1
                    self._notes.add((index, item))
        except IngestError as err:
            self._unreadable.add(index)
            self._problems.add((index, True, RowProblem(str(export), 0, err.reason)))
            return err
        if not rows:
            self._problems.add((index, True, RowProblem(str(export), 0,
                                                        "no notes: the export has a header and no rows")))
        self.notes += notes
        return None

    def groups(self) -> Iterator[PatientNotes]:
        """Each patient's notes, by patient_id, then export; a second row with a note_id
        already seen for the patient in that export is set aside as a duplicate."""
        kept = ((index, note) for index, note in self._notes if index not in self._unreadable)
        for (patient_id, index), items in itertools.groupby(kept, key=lambda item: (item[1].patient_id, item[0])):
            notes: list[Note] = []
            seen: set[str] = set()
            for _, note in items:
                if note.note_id in seen:
                    self._problems.add((index, False, RowProblem(
                        note.source, note.row, f"duplicate note_id {note.note_id!r} for patient {patient_id!r}; "
                        "the first one is kept", note.note_id)))
                    continue
                seen.add(note.note_id)
                notes.append(note)
            yield PatientNotes(self.exports[index], patient_id, notes)

    def problems(self) -> Iterator[RowProblem]:
        """The rows that could not be read, by source and row; iterate after :meth:`groups`."""
        for index, whole_export, problem in self._problems:
            if whole_export or index not in self._unreadable:
                yield problem

    def close(self) -> None:
        self._notes.close()
        self._problems.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> NotesByPatient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
