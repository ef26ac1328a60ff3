"""Note exports read back one patient at a time: an export in any row order gives the groups
of the sorted one, duplicates are found however far apart their rows are, and the notes are
not all held in memory at once."""

from __future__ import annotations

import csv
import gc
import random
from pathlib import Path

from miner.ingest.by_patient import NotesByPatient
from miner.ingest.notes import Note

HEADER = ["patient_id", "note_id", "note_datetime", "note_type", "text"]
FILLER = "Afebrile overnight, vitals stable, tolerating diet, ambulating in the hallway. " * 12


def _rows(patients: int, notes: int) -> list[list[str]]:
    return [[f"P{p:03d}", f"P{p:03d}-N{n:02d}", f"2025-03-{n + 1:02d}T09:00", "progress", f"Day {n}. {FILLER}"]
            for p in range(patients) for n in range(notes)]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _groups(reader: NotesByPatient) -> list[tuple[str, list[str]]]:
    return [(g.patient_id, sorted(n.note_id for n in g.notes)) for g in reader.groups()]


def test_a_shuffled_export_gives_the_groups_of_the_sorted_one(tmp_path: Path) -> None:
    rows = _rows(30, 8)
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    sorted_export = _write(tmp_path / "sorted.csv", rows)
    shuffled_export = _write(tmp_path / "shuffled.csv", shuffled)
    with NotesByPatient(tmp_path / "a") as reader:
        reader.read(sorted_export)
        expected = _groups(reader)
    with NotesByPatient(tmp_path / "b", max_run_bytes=20_000) as reader:
        reader.read(shuffled_export)
        assert reader._notes.runs_written > 5  # the shuffled export did go to disk
        assert _groups(reader) == expected
        assert not list(reader.problems())
    assert [p for p, _ in expected] == [f"P{p:03d}" for p in range(30)]
    assert not (tmp_path / "b").exists()  # the runs are removed


def test_duplicates_are_found_across_runs_and_the_first_row_is_kept(tmp_path: Path) -> None:
    rows = _rows(20, 5)
    rows.append(["P004", "P004-N02", "2025-04-01T09:00", "ed", "A later text under the same note id."])
    export = _write(tmp_path / "export.csv", rows)
    with NotesByPatient(tmp_path / "sort", max_run_bytes=5_000) as reader:
        reader.read(export)
        groups = {g.patient_id: g.notes for g in reader.groups()}
        (problem,) = reader.problems()
    assert problem.row == len(rows) and "duplicate note_id 'P004-N02'" in problem.reason
    kept = next(n for n in groups["P004"] if n.note_id == "P004-N02")
    assert kept.row == 4 * 5 + 3 and kept.text.startswith("Day 2")


def test_an_unreadable_export_keeps_none_of_its_rows(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.csv", _rows(2, 2))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{not json\n{"patient_id": "P9", "note_id": "x"}\n', encoding="utf-8")
    with NotesByPatient(tmp_path / "sort") as reader:
        assert reader.read(good) is None
        assert reader.read(bad) is not None  # a missing text column, found after a bad line
        assert [g.patient_id for g in reader.groups()] == ["P000", "P001"]
        problems = list(reader.problems())
    assert [(p.source, p.row) for p in problems] == [(str(bad), 0)] and "missing column" in problems[0].reason


def _notes_in_memory() -> int:
    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, Note))


def test_the_notes_are_not_all_in_memory_at_once(tmp_path: Path) -> None:
    rows = _rows(60, 10)
    random.Random(4).shuffle(rows)
    export = _write(tmp_path / "export.csv", rows)
    before = _notes_in_memory()
    with NotesByPatient(tmp_path / "sort", max_run_bytes=40_000) as reader:  # about 25 notes a run
        reader.read(export)
        held = [_notes_in_memory() - before]
        patients = 0
        for group in reader.groups():
            patients += 1
            assert len(group.notes) == 10
            if patients % 10 == 0:
                held.append(_notes_in_memory() - before)
            del group
    assert patients == 60
    # 600 notes read: in memory only the last run, one note at the head of each run on disk
    # and the patient being read
    assert max(held) < 100, held
