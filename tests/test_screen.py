"""``miner screen``: note exports, sections, note dates, copy-forward, cross-note merging,
and every kind of malformed input. The notes are written here; expected values are worked
out by hand from them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.ingest.document import IngestError
from miner.ingest.notes import Note, RowProblem, parse_datetime, read_note_export
from miner.screen import PatientResult, Screener

REPO = Path(__file__).resolve().parents[1]
HEADER = ["patient_id", "note_id", "note_datetime", "note_type", "text"]

# One patient on teclistamab: step-up CRS, then fever the day after C3D1 (told in the ED
# note and again in the discharge summary) and ~30 h after C3D15 (phone note, which also
# copies the discharge summary's sentence forward).
COURSE = [
    ("P001", "n1", "2025-01-06T09:00", "infusion",
     "C1D1 teclistamab 0.06 mg/kg SC step-up dose given. Premedicated with dexamethasone 16 mg, "
     "acetaminophen and diphenhydramine per protocol. Tolerated well."),
    ("P001", "n2", "2025-01-08T10:00", "infusion",
     "C1D3 teclistamab 0.3 mg/kg step-up dose administered. Pt febrile overnight T 38.3, grade 1 CRS, "
     "resolved with acetaminophen."),
    ("P001", "n3", "2025-03-03T09:00", "infusion", "C3D1 teclistamab 1.5 mg/kg SC given. No complaints."),
    ("P001", "n4", "2025-03-04T14:00", "ed",
     "ED note. 67M on teclistamab, last dose yesterday. Presents with fever Tmax 38.9, chills. BP 118/70, "
     "HR 104, SpO2 97% RA. BCx x2, UA, CXR negative. Likely CRS; tocilizumab 8 mg/kg given with "
     "defervescence.\nMedications:\ndexamethasone 4 mg PRN, tocilizumab PRN\n"
     "Family History: brother with cytokine release syndrome after CAR-T."),
    ("P001", "n5", "2025-03-06T11:00", "discharge",
     "HOSPITAL COURSE:\nAdmitted on 3/4 with fever to 38.9 the day after his C3D1 teclistamab dose. Cultures "
     "negative. Treated as CRS with tocilizumab, afebrile since.\nDISCHARGE MEDICATIONS:\nacyclovir, "
     "dexamethasone"),
    ("P001", "n6", "2025-03-17T09:00", "infusion", "C3D15 teclistamab 1.5 mg/kg SC given. No complaints."),
    ("P001", "n7", "2025-03-18T16:00", "phone",
     "Phone note: pt reports T 38.6 at home this morning, ~30h after infusion. Blood cultures drawn at clinic "
     "were negative. Admitted on 3/4 with fever to 38.9 the day after his C3D1 teclistamab dose."),
]
# A hard negative: a late fever with a positive culture; and CRS only as history and risk.
OTHERS = [
    ("P002", "m1", "2025-02-03T09:00", "infusion", "C2D1 talquetamab 0.4 mg/kg SC given. Tolerated."),
    ("P002", "m2", "2025-02-05T20:00", "ed",
     "Fever 39.2 and productive cough 2 days after talquetamab dose. CXR RLL consolidation; sputum culture "
     "grew Streptococcus pneumoniae. Treated for pneumonia with ceftriaxone."),
    ("P003", "k1", "2025-04-01T10:00", "clinic",
     "PAST MEDICAL HISTORY:\nCRS grade 2 in 2023 after CAR-T.\nASSESSMENT AND PLAN:\nStarting elranatamab "
     "next week; CRS precautions reviewed with patient and wife."),
]


def _write_csv(path: Path, rows: list[tuple[str, ...]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _notes(rows: list[tuple[str, ...]]) -> list[Note]:
    return [Note(r[0], r[1], parse_datetime(r[2]), r[4], r[3]) for r in rows]  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def screener(nlp):  # type: ignore[no-untyped-def]
    return Screener(nlp=nlp)


@pytest.fixture(scope="module")
def course(screener):  # type: ignore[no-untyped-def]
    return screener.screen_patient("P001", _notes(COURSE), "export")


# ------------------------------------------------------------------ one patient across notes

def test_doses_come_from_infusion_notes(course) -> None:  # type: ignore[no-untyped-def]
    events = [(e["kind"], e["date"], e["cycle"], e["cycle_day"]) for e in course.record.timeline["events"]]
    assert ("step_up", "2025-01-06", 1, 1) in events and ("step_up", "2025-01-08", 1, 3) in events
    assert ("dose", "2025-03-03", 3, 1) in events and ("dose", "2025-03-17", 3, 15) in events
    assert course.record.timeline["first_dose_date"] == "2025-01-06"
    assert len([e for e in events if e[1] == "2025-03-03"]) == 1  # "last dose yesterday" is the same dose


def test_same_illness_in_three_notes_is_one_episode(course) -> None:  # type: ignore[no-untyped-def]
    late = [e for e in course.record.episodes if e.phase == "late"]
    assert [e.date for e in late] == ["2025-03-04", "2025-03-18"]
    first = late[0]
    assert {ev.doc_id for ev in first.evidence} >= {"n4", "n5"}
    assert first.day_after_first_dose == 58
    assert course.record.recurrence_interval_days == [14, 14]
    assert course.record.recurrence_interval_source == "dates"


def test_note_dates_anchor_relative_words(course) -> None:  # type: ignore[no-untyped-def]
    late = [e for e in course.record.episodes if e.phase == "late"]
    assert late[1].hours_post_dose == [30, 30]  # "~30h after infusion" in the 18 March note
    initial = course.record.episodes[0]
    assert (initial.phase, initial.date, initial.day_after_first_dose) == ("initial", "2025-01-08", 3)
    assert course.record.first_crs == {"cycle": 1, "day": 3, "grade": 1}


def test_copy_forward_is_counted_once(course) -> None:  # type: ignore[no-untyped-def]
    phone = next(n for n in course.notes if n.note.note_id == "n7")
    assert phone.copied_sentences == 1
    assert 1 not in phone.episodes or len([e for e in course.record.episodes if e.phase == "late"]) == 2


def test_medication_lists_and_family_history_create_nothing(course) -> None:  # type: ignore[no-untyped-def]
    ed = next(n for n in course.notes if n.note.note_id == "n4")
    assert {"medications", "family_history"} <= set(ed.sections)
    located = [(note_id, m) for note_id, m in course.mentions if note_id == "n4"]
    sections = {m.section for _, m in located}
    assert not sections & {"medications", "family_history"}
    assert course.record.classification == "probable"
    assert "dexamethasone" not in course.record.treatments  # premedication and a PRN list only


def test_evidence_points_at_the_note(course) -> None:  # type: ignore[no-untyped-def]
    notes = {n[1]: n[4] for n in COURSE}
    for episode in course.record.episodes:
        for evidence in episode.evidence:
            assert notes[evidence.doc_id][evidence.start:evidence.end] == evidence.text


def test_hard_negatives(screener) -> None:  # type: ignore[no-untyped-def]
    infection = screener.screen_patient("P002", _notes(OTHERS[:2]), "export").record
    assert infection.classification == "unlikely" and len(infection.other_fevers) == 1
    history = screener.screen_patient("P003", _notes(OTHERS[2:]), "export").record
    assert history is None or history.classification == "unlikely"
    if history is not None:
        assert not history.episodes


# ------------------------------------------------------------------ malformed input

def test_each_kind_of_bad_row_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    _write_csv(path, [
        ("P1", "a", "2025-03-14T09:30", "ed", "fever 38.9 after the dose"),
        ("P1", "b", "2025-03-15", "ed", ""),
        ("P1", "c", "14th of Smarch", "ed", "text"),
        ("", "d", "2025-03-16", "ed", "text"),
        ("P2", "e", "16/03/2025 10:00", "ed", "x, y"),
    ])
    with path.open("ab") as handle:
        handle.write(b'P3,f,2025-03-17,ed,"caf\xe9 au lait"\n')  # cp1252 bytes in a UTF-8 export
        handle.write(b'P3,g,2025-03-18,ed,"a "broken" quote"\n')
        handle.write(b"P3,h,2025-03-19,ed\n")  # a missing field
    items = list(read_note_export(path))
    notes = [i for i in items if isinstance(i, Note)]
    problems = {p.row: p.reason for p in items if isinstance(p, RowProblem)}
    assert [n.note_id for n in notes] == ["a", "e"]
    assert notes[1].note_datetime.month == 3 and notes[1].note_datetime.day == 16
    assert "no note text" in problems[2]
    assert "unreadable note_datetime" in problems[3]
    assert "no patient_id" in problems[4]
    assert "UTF-8" in problems[6]
    assert "quoting" in problems[7]
    assert "4 fields where the header has 5" in problems[8]


def test_missing_columns_and_mapping(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "x.csv", [("P1", "a", "2025-03-14", "note text")],
                      header=["mrn", "id", "written", "note_text"])
    with pytest.raises(IngestError, match="missing column"):
        list(read_note_export(path))
    mapping = {"patient_id": "mrn", "note_id": "id", "note_datetime": "written", "text": "note_text"}
    (note,) = read_note_export(path, mapping)
    assert isinstance(note, Note) and note.patient_id == "P1"


def test_jsonl_parquet_and_folder_exports(tmp_path: Path) -> None:
    rows = [dict(zip(HEADER, r, strict=True)) for r in OTHERS[:2]]
    jsonl = tmp_path / "n.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n", encoding="utf-8")
    items = list(read_note_export(jsonl))
    assert [type(i).__name__ for i in items] == ["Note", "Note", "RowProblem"]
    assert "not valid JSON" in items[2].reason  # type: ignore[union-attr]

    import pandas as pd

    parquet = tmp_path / "n.parquet"
    pd.DataFrame(rows).to_parquet(parquet)
    assert [n.note_id for n in read_note_export(parquet) if isinstance(n, Note)] == ["m1", "m2"]

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "m1.txt").write_text(rows[0]["text"], encoding="utf-8")
    _write_csv(folder / "meta.csv", [("P002", "m1", "2025-02-03T09:00", "infusion"),
                                     ("P002", "zz", "2025-02-04T09:00", "ed")],
               header=["patient_id", "note_id", "note_datetime", "note_type"])
    items = list(read_note_export(folder))
    assert isinstance(items[0], Note) and items[0].text.startswith("C2D1")
    assert isinstance(items[1], RowProblem) and "not found" in items[1].reason


def test_cli_screen_writes_every_output_and_lists_bad_rows(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "export.csv", [*COURSE, *OTHERS, ("P9", "bad", "never", "ed", "text")])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["screen", str(path), "--out", str(out)])
    assert result.exit_code == 1, result.output  # one row could not be read
    for name in ("patients.jsonl", "patients.csv", "episodes.csv", "timeline.csv", "mentions.csv",
                 "notes.csv", "manifest.csv"):
        assert (out / name).is_file(), name
    records = {json.loads(line)["patient_id"]: json.loads(line) for line in
               (out / "patients.jsonl").read_text(encoding="utf-8").splitlines()}
    assert records["P001"]["classification"] == "probable"
    manifest = list(csv.DictReader((out / "manifest.csv").open(encoding="utf-8")))
    assert sum(1 for r in manifest if r["status"] == "ok") == len(COURSE) + len(OTHERS)
    failed = [r for r in manifest if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["row"] == str(len(COURSE) + len(OTHERS) + 1)
    assert "notes/s" in result.output


def test_a_one_line_list_section_does_not_swallow_the_note(nlp) -> None:  # type: ignore[no-untyped-def]
    from miner.pipeline import doc_mentions

    text = ("Allergies: NKDA\n03/02 09:40 C4D1 epcoritamab 48 mg SC given. T 38.9 at 21:00.\n\n"
            "Medications:\ndexamethasone 4 mg\ntocilizumab PRN\n\nFamily History: brother with CRS.\nHe had CRS.")
    kept = [(m.label, m.text) for m in doc_mentions(nlp(text))]
    assert ("DRUG", "epcoritamab") in kept and ("FEVER", "38.9") in kept  # after the allergy line
    assert ("TREATMENT", "tocilizumab") not in kept  # the medication list, to its blank line
    assert kept.count(("CRS", "CRS")) == 1  # the brother's CRS is dropped, the patient's is kept


def test_the_prefilter_does_not_change_the_patients(nlp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from miner.ingest.by_patient import NotesByPatient

    sample = REPO / "corpora" / "notes" / "sample" / "notes.csv"
    with NotesByPatient(tmp_path / "sort") as reader:
        reader.read(sample)
        groups = [group.notes for group in reader.groups()]
    general = [  # the rest of a hospital: fevers and infections, no T-cell engager, no CRS
        "Fever 38.9 C with dysuria; urine culture grew E. coli. Started ceftriaxone.",
        "Post-op day 2 after cholecystectomy, low-grade fever 38.1, incentive spirometry encouraged.",
        "Chest pain at rest, troponin normal, ECG without ischemic changes. Discharged home.",
        "Cellulitis of the left leg, T 101.4F, started cefazolin; blood cultures pending.",
    ]
    for index, text in enumerate(general):
        groups.append([Note(f"G{index}", f"g{index}", parse_datetime("2024-05-01"), text, "ed")])  # type: ignore[arg-type]
    fast, full = Screener(nlp=nlp), Screener(nlp=nlp, prefilter=False)
    skipped = 0
    for notes in groups:
        a = fast.screen_patient(notes[0].patient_id, notes, "x")
        b = full.screen_patient(notes[0].patient_id, notes, "x")
        skipped += not a.mentions
        assert (a.record.to_dict() if a.record else None) == (b.record.to_dict() if b.record else None)
    assert skipped > 0  # the prefilter did skip some patients


def test_two_workers_give_the_same_outputs(tmp_path: Path) -> None:
    export = REPO / "corpora" / "notes" / "sample" / "notes.csv"
    for workers in (1, 2):
        result = CliRunner().invoke(app, ["screen", str(export), "--out", str(tmp_path / str(workers)),
                                          "--workers", str(workers)])
        assert result.exit_code == 0, result.output
    for name in ("patients.jsonl", "episodes.csv", "timeline.csv", "mentions.csv", "notes.csv", "manifest.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


# ------------------------------------------------------------------ streaming: any row order, bounded memory

def test_an_export_in_any_row_order_gives_the_outputs_of_the_sorted_one(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    from miner.ingest import external_sort

    with (REPO / "corpora" / "notes" / "sample" / "notes.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.reader(handle)]
    header, body = rows[0], [r for r in rows[1:] if r[0] <= "P000015"]  # 15 patients
    shuffled = body[:]
    random.Random(8).shuffle(shuffled)
    assert shuffled != body
    monkeypatch.setattr(external_sort, "MAX_RUN_BYTES", 60_000)  # a few dozen notes a run: the sort spills
    spills: list[int] = []
    spill = external_sort.ExternalSorter._spill
    monkeypatch.setattr(external_sort.ExternalSorter, "_spill", lambda self: spills.append(1) or spill(self))
    outputs = {}
    for name, ordered in (("sorted", body), ("shuffled", shuffled)):
        (tmp_path / name).mkdir()
        export = _write_csv(tmp_path / name / "notes.csv", ordered, header=header)  # type: ignore[arg-type]
        out = tmp_path / name / "out"
        result = CliRunner().invoke(app, ["screen", str(export), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []  # no sort runs, no journal
        outputs[name] = out
    assert len(spills) > 4
    for name in ("patients.jsonl", "patients.csv", "episodes.csv", "timeline.csv", "mentions.csv"):
        assert (outputs["sorted"] / name).read_bytes() == (outputs["shuffled"] / name).read_bytes(), name

    def without_row_and_path(path: Path) -> list[dict[str, str]]:  # the row numbers are the file's
        with path.open(encoding="utf-8", newline="") as handle:
            return [{k: v for k, v in r.items() if k not in ("row", "path", "source")} for r in csv.DictReader(handle)]

    for name in ("notes.csv", "manifest.csv"):
        first = without_row_and_path(outputs["sorted"] / name)
        assert first == without_row_and_path(outputs["shuffled"] / name), name
        assert len(first) == len(body)
    records = (outputs["sorted"] / "patients.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["patient_id"] for line in records] == sorted(json.loads(line)["patient_id"]
                                                                         for line in records)


class _Echo:
    """Stands in for the Screener: one empty result per patient, no pipeline."""

    def screen_patient(self, patient_id: str, notes: list[Note], export_id: str) -> PatientResult:
        return PatientResult(patient_id, None, [], [])


class _Refuse:
    def screen_patient(self, patient_id: str, notes: list[Note], export_id: str) -> PatientResult:
        raise AssertionError(f"{patient_id} was screened again")


@pytest.mark.parametrize("workers", [1, 2])
def test_patients_are_read_as_they_are_screened_and_journaled(tmp_path: Path, workers: int) -> None:
    from functools import partial

    from miner.ingest.by_patient import PatientNotes
    from miner.journal import Journal
    from miner.screen import screen_groups, screen_in_parallel

    pulled = 0

    def groups():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for number in range(300):
            pulled += 1
            note = Note(f"P{number:03d}", f"n{number}", parse_datetime("2025-01-01"), "Afebrile.", "progress")  # type: ignore[arg-type]
            yield PatientNotes(Path("export.csv"), note.patient_id, [note])

    journal = Journal(tmp_path, "test")
    ahead, order = [], []
    for result in screen_groups(groups(), partial(screen_in_parallel, _Echo(), workers=workers), journal):  # type: ignore[arg-type]
        order.append(result.patient_id)
        ahead.append(pulled - len(order))
    assert order == [f"P{n:03d}" for n in range(300)]
    # one worker reads a patient, screens it, hands it on; two read a few chunks ahead, not the export
    if workers == 1:
        assert max(ahead) == 0
    else:
        assert 0 < max(ahead) <= 100
    assert len(journal) == 300
    pulled = 0
    again = [r.patient_id for r in screen_groups(groups(), partial(screen_in_parallel, _Refuse(), workers=workers),  # type: ignore[arg-type]
                                                journal)]
    assert again == order  # a resumed run takes every patient from the journal, in order


def test_a_pipeline_built_afresh_gives_the_same_records(nlp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from miner.ingest.by_patient import NotesByPatient

    with NotesByPatient(tmp_path / "sort") as reader:
        reader.read(REPO / "corpora" / "notes" / "sample" / "notes.csv")
        groups = [g for g in reader.groups() if g.patient_id <= "P000008"]
    renewing = Screener(max_new_strings=50)  # its own pipeline, rebuilt once it has read 50 new strings
    kept = Screener(nlp=nlp, max_new_strings=0)
    for group in groups:
        a = renewing.screen_patient(group.patient_id, group.notes, "x")
        b = kept.screen_patient(group.patient_id, group.notes, "x")
        assert (a.record.to_dict() if a.record else None) == (b.record.to_dict() if b.record else None)
        assert a.mentions == b.mentions and a.notes == b.notes
    assert renewing.rebuilds >= 3
    assert kept.nlp is nlp and kept.rebuilds == 0  # a pipeline passed in is never replaced


def test_a_truncated_gzip_export_is_listed_not_a_crash(tmp_path: Path) -> None:
    import gzip

    export = _write_csv(tmp_path / "export.csv", [*COURSE, *OTHERS] * 40)
    packed = gzip.compress(export.read_bytes())
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(packed[: len(packed) // 2])  # the copy stopped half-way
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["screen", str(truncated), "--out", str(out)])
    assert result.exit_code == 1, result.output
    (row,) = csv.DictReader((out / "manifest.csv").open(encoding="utf-8"))
    assert row["status"] == "failed" and "cannot be read to its end" in row["reason"]
