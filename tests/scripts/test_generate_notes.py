"""Tests of scripts/generate_notes.py: determinism, gold consistency, scenario mix, formats, memory."""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
import tracemalloc
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "generate_notes.py"
LATE_HOURS_WINDOW = (12, 72)  # a late episode counts as dose-linked 12-72 h after a dose
MIX_TOLERANCE = 3  # patients: the Weyl assignment keeps every scenario this close to its share


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_notes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_notes"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


gen = _load()


def _gold(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


def _notes(out: Path, fmt: str = "csv") -> pd.DataFrame:
    path = out / f"notes.{fmt}"
    if fmt == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if fmt == "jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_parquet(path)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    out = tmp_path_factory.mktemp("corpus")
    gen.generate(out, patients=360, seed=11, fmt="csv")
    return _gold(out), _notes(out)


# ---- determinism ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_same_seed_gives_identical_files(tmp_path: Path, fmt: str) -> None:
    for name in ("a", "b"):
        gen.generate(tmp_path / name, patients=15, seed=3, fmt=fmt)
    for file in (f"notes.{fmt}", "gold.jsonl", "settings.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_other_seed_gives_other_notes(tmp_path: Path) -> None:
    gen.generate(tmp_path / "a", patients=5, seed=3)
    gen.generate(tmp_path / "b", patients=5, seed=4)
    assert (tmp_path / "a" / "notes.csv").read_bytes() != (tmp_path / "b" / "notes.csv").read_bytes()


def test_patient_does_not_depend_on_number_of_patients(tmp_path: Path) -> None:
    gen.generate(tmp_path / "small", patients=6, seed=5)
    gen.generate(tmp_path / "large", patients=14, seed=5)
    assert _gold(tmp_path / "small") == _gold(tmp_path / "large")[:6]


# ---- gold consistency -------------------------------------------------------------------------------------------


def _late_dose_linked(patient: dict[str, Any]) -> list[dict[str, Any]]:
    """Late CRS episodes by the guide: not explained by infection, 12-72 h after a dose of the patient's drug."""
    lo, hi = LATE_HOURS_WINDOW
    return [e for e in patient["episodes"] if e["phase"] == "late" and e["is_crs"] and not e["explained_by_infection"]
            and lo <= e["hours_post_dose"] <= hi and e["dose_date"] in patient["dose_dates"]]


def classify_from_episodes(patient: dict[str, Any]) -> str:
    """The classification guide of corpora/case-reports/README.md, applied to the gold timeline alone."""
    if not patient["dose_dates"]:
        return "unlikely"
    late = _late_dose_linked(patient)
    if len(late) >= 2 and all(e["workup"] == "negative" or "tocilizumab" in e["treatments"] for e in late):
        return "probable"
    if late:
        return "possible"
    return "unlikely"


def test_classification_follows_the_guide(corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, _ = corpus
    for patient in gold:
        assert classify_from_episodes(patient) == patient["classification"], patient["patient_id"]
        assert patient["recurrent_late_crs"] is (patient["classification"] == "probable")


def test_probable_patients_have_two_consecutive_dose_linked_late_episodes(
        corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, _ = corpus
    probable = [p for p in gold if p["classification"] == "probable"]
    assert probable
    for patient in probable:
        late = _late_dose_linked(patient)
        assert len(late) >= 2, patient["patient_id"]
        assert all(e["workup"] == "negative" for e in late)
        late_doses = [d["date"] for d in patient["doses"] if d["is_tce"] and d["phase"] == "late"]
        positions = sorted(late_doses.index(e["dose_date"]) for e in late)
        assert any(b - a == 1 for a, b in zip(positions, positions[1:], strict=False)), patient["patient_id"]
        assert patient["recurrence_interval_days"] is not None
        assert patient["infection_workup_negative"] is (not any(e["explained_by_infection"]
                                                                 for e in patient["episodes"]))


def test_possible_and_unlikely_patients(corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, _ = corpus
    for patient in gold:
        late = _late_dose_linked(patient)
        if patient["scenario"] == "possible_no_workup":
            assert len(late) >= 2 and all(e["workup"] == "none" for e in late)
            assert patient["infection_workup_negative"] is None
        elif patient["scenario"] == "possible_single_late":
            assert len(late) == 1
        elif patient["classification"] == "unlikely":
            assert not late, patient["patient_id"]
        if patient["scenario"] == "unlikely_no_tce":
            assert patient["drug"] is None and patient["dose_dates"] == [] and patient["drugs"] == []
        if patient["scenario"] == "unlikely_infection":
            assert patient["documented_infection"] is True and patient["infection_workup_negative"] is False
            assert all(e["explained_by_infection"] for e in patient["episodes"] if e["phase"] == "late")


def test_episode_hours_match_dose_and_onset_times(corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, _ = corpus
    for patient in gold:
        times = {d["date"]: d["time"] for d in patient["doses"]}
        for e in patient["episodes"]:
            dose = datetime.fromisoformat(f"{e['dose_date']}T{times[e['dose_date']]}")
            onset = datetime.fromisoformat(e["onset"])
            assert onset - dose == timedelta(hours=e["hours_post_dose"])
            assert e["date"] == e["onset"][:10]
            assert e["max_temp_c"] >= 38.0
            if not e["is_crs"]:
                assert e["treatments"] == [] and e["grade"] is None
        crs_hours = [e["hours_post_dose"] for e in patient["episodes"] if e["is_crs"]]
        expected = [min(crs_hours), max(crs_hours)] if crs_hours else None
        assert patient["hours_post_dose"] == expected


def test_notes_lie_inside_the_course(corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, notes = corpus
    course = {p["patient_id"]: p["course"] for p in gold}
    assert set(notes["note_type"]) <= set(gen.NOTE_TYPES)
    assert notes["note_id"].is_unique
    assert notes["note_datetime"].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}").all()
    for row in notes.itertuples():
        start, end = course[row.patient_id]
        assert start <= row.note_datetime[:10] <= end, row.note_id
    counts = notes.groupby("patient_id").size()
    assert counts.max() <= gen.DEFAULT_NOTES_PER_PATIENT
    assert dict(counts) == {p["patient_id"]: p["n_notes"] for p in gold}


def test_every_dose_has_an_infusion_note_and_every_episode_a_note_that_day(
        corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, notes = corpus
    by_id = notes.set_index("note_id")
    infusion_days = {(r.patient_id, r.note_datetime[:10]) for r in notes.itertuples() if r.note_type == "infusion"}
    for patient in gold:
        for dose in patient["doses"]:
            assert (patient["patient_id"], dose["date"]) in infusion_days
        for e in patient["episodes"]:
            assert e["note_ids"], (patient["patient_id"], e["date"])
            first = by_id.loc[e["note_ids"][0]]
            assert first["note_datetime"][:10] == e["date"]
            assert first["note_datetime"] >= e["onset"]
            assert first["note_type"] in {"ed", "phone", "nursing", "progress"}


def _parse_text_date(text: str, style: str, note_day: date) -> date:
    parts = [int(x) for x in re.split(r"[/.]", text)]
    month, day = (parts[0], parts[1]) if style == "US" else (parts[1], parts[0])
    year = parts[2] if len(parts) == 3 else note_day.year - (month > note_day.month)
    return date(year, month, day)


def test_relative_and_dated_dose_references_are_true(corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, notes = corpus
    style = {p["patient_id"]: p["date_style"] for p in gold}
    doses = {p["patient_id"]: {d["date"] for d in p["doses"]} for p in gold}
    relative = re.compile(r"\b(?:dose|injection|infusion|C\d+D\d+)(?: given)? (yesterday|2 days ago)")
    dated = re.compile(r"received dose (\d{1,2}[/.]\d{1,2}(?:[/.]\d{4})?)")
    checked = 0
    for row in notes.itertuples():
        note_day = date.fromisoformat(row.note_datetime[:10])
        for m in relative.finditer(row.text):
            back = 1 if m.group(1) == "yesterday" else 2
            assert (note_day - timedelta(days=back)).isoformat() in doses[row.patient_id], (row.note_id, m.group())
            checked += 1
        for m in dated.finditer(row.text):
            day = _parse_text_date(m.group(1), style[row.patient_id], note_day)
            assert day.isoformat() in doses[row.patient_id], (row.note_id, m.group())
            checked += 1
    assert checked > 50


def test_temperature_units_follow_the_date_style(corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, notes = corpus
    style = {p["patient_id"]: p["date_style"] for p in gold}
    for row in notes.itertuples():
        if style[row.patient_id] == "US":
            assert "°C" not in row.text, row.note_id
        else:
            assert "°F" not in row.text, row.note_id


def test_unnamed_episodes_are_not_called_crs_in_their_first_note(
        corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, notes = corpus
    by_id = notes.set_index("note_id")
    seen = 0
    for patient in gold:
        for e in patient["episodes"]:
            text = by_id.loc[e["note_ids"][0]]["text"]
            if e["is_crs"] and not e["named_crs"]:
                assert "CRS" not in text and "cytokine release" not in text.lower(), e["note_ids"][0]
                seen += 1
            if patient["scenario"] == "possible_no_workup" and e["phase"] == "late":
                assert not re.search(r"BCx|[Cc]ultures?|CXR|w/u|work-up", text), e["note_ids"][0]
    assert seen


def test_copy_forward_repeats_an_earlier_paragraph_verbatim(
        corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    _, notes = corpus
    repeats = 0
    for _, group in notes.groupby("patient_id"):
        seen: set[str] = set()
        for text in group.sort_values("note_datetime")["text"]:
            paragraphs = {p for p in text.split("\n") if len(p) > 80 and re.match(r"\d{1,2}[/.]\d{1,2}", p)}
            repeats += len(paragraphs & seen)
            seen |= paragraphs
    assert repeats > 10


# ---- scenario mix -----------------------------------------------------------------------------------------------


def test_default_mix_is_followed_closely() -> None:
    mix = gen.normalise_mix(gen.default_mix())
    n = 2000
    counts = Counter(gen.assign_scenario(9, i, mix).name for i in range(n))
    for name, weight in mix.items():
        assert abs(counts[name] - n * weight) <= MIX_TOLERANCE, name
    by_class = Counter(gen.SCENARIO_BY_NAME[name].classification for name in counts.elements())
    assert by_class["probable"] == pytest.approx(0.35 * n, abs=MIX_TOLERANCE)


def test_custom_mix_and_settings_record_it(tmp_path: Path) -> None:
    mix = gen.parse_mix("probable_fever_only=3,unlikely_no_fever=1")
    gen.generate(tmp_path, patients=40, seed=2, mix=mix)
    gold = _gold(tmp_path)
    counts = Counter(p["scenario"] for p in gold)
    assert set(counts) == {"probable_fever_only", "unlikely_no_fever"}
    assert abs(counts["probable_fever_only"] - 30) <= MIX_TOLERANCE
    settings = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))
    assert settings["scenario_mix"]["probable_fever_only"] == 0.75
    assert {k: v for k, v in settings["realised"].items() if v} == dict(counts)
    assert settings["n_notes"] == sum(p["n_notes"] for p in gold)


@pytest.mark.parametrize("bad", ["nonsense=1", "probable_named_crs", "probable_named_crs=-1", "unlikely_no_fever=0"])
def test_bad_mix_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        gen.parse_mix(bad)


# ---- formats ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_formats_read_back_with_pandas(tmp_path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    gen.generate(tmp_path / "csv", patients=8, seed=1, fmt="csv")
    gen.generate(tmp_path / fmt, patients=8, seed=1, fmt=fmt)
    expected = _notes(tmp_path / "csv", "csv")
    frame = _notes(tmp_path / fmt, fmt)
    assert list(frame.columns) == list(gen.NOTE_COLUMNS)
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected, check_dtype=False)
    assert "\n" in frame["text"].iloc[0] or "\n" in "".join(frame["text"])


def test_parquet_writes_several_row_groups(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    writer = gen.ParquetNoteWriter(tmp_path / "n.parquet", batch_rows=7)
    for i in range(20):
        writer.write(("P1", f"P1-N{i:03d}", "2025-03-14T09:30", "infusion", f"text {i}"))
    writer.close()
    assert pq.ParquetFile(tmp_path / "n.parquet").num_row_groups == 3
    assert len(pd.read_parquet(tmp_path / "n.parquet")) == 20


# ---- scale and memory -------------------------------------------------------------------------------------------


def _peak_bytes(out: Path, patients: int) -> tuple[int, int]:
    tracemalloc.start()
    summary = gen.generate(out, patients=patients, seed=8, fmt="csv")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, summary.notes


def test_two_thousand_notes_with_flat_memory(tmp_path: Path) -> None:
    gen.generate(tmp_path / "warm", patients=3, seed=8)
    small_peak, _ = _peak_bytes(tmp_path / "small", 12)
    large_peak, notes = _peak_bytes(tmp_path / "large", 110)
    assert notes >= 2000
    assert large_peak < 2 * small_peak, (small_peak, large_peak)


def test_note_budget_is_respected(tmp_path: Path) -> None:
    gen.generate(tmp_path, patients=60, seed=4, notes_per_patient_max=gen.MIN_NOTES_PER_PATIENT)
    gold = _gold(tmp_path)
    assert max(p["n_notes"] for p in gold) <= gen.MIN_NOTES_PER_PATIENT
    for patient in gold:
        assert classify_from_episodes(patient) == patient["classification"]


# ---- command line and helpers -----------------------------------------------------------------------------------


def test_command_line(tmp_path: Path) -> None:
    assert gen.main(["--patients", "3", "--seed", "1", "--out", str(tmp_path), "--format", "jsonl",
                     "--typo-rate", "0"]) == 0
    settings = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))
    assert settings["arguments"]["format"] == "jsonl" and settings["argv"][:2] == ["--patients", "3"]
    assert len(_gold(tmp_path)) == 3
    with pytest.raises(SystemExit):
        gen.main(["--patients", "3", "--out", str(tmp_path), "--notes-per-patient-max", "10"])
    with pytest.raises(SystemExit):
        gen.main(["--patients", "3", "--out", str(tmp_path), "--mix", "bogus=1"])


@pytest.mark.parametrize(("onset", "note", "expected"), [
    ("2025-03-14T09:00", "2025-03-14T11:00", {"this morning"}),
    ("2025-03-14T03:10", "2025-03-14T05:00", {"overnight", "early this morning"}),
    ("2025-03-14T14:00", "2025-03-14T16:00", {"this afternoon"}),
    ("2025-03-14T20:30", "2025-03-14T22:00", {"this evening", "tonight"}),
    ("2025-03-13T21:00", "2025-03-14T09:00", {"last night"}),
    ("2025-03-11T10:00", "2025-03-14T09:00", {"3 days ago"}),
])
def test_onset_phrase(onset: str, note: str, expected: set[str]) -> None:
    rng = random.Random(0)
    phrases = {gen.onset_phrase(datetime.fromisoformat(onset), datetime.fromisoformat(note), rng) for _ in range(20)}
    assert phrases <= expected


def test_dose_reference_uses_yesterday_only_the_day_after() -> None:
    rng = random.Random(0)
    dose = gen.Dose(datetime(2025, 3, 14, 9, 30), "C3D1", 3, 1, "talquetamab", "0.8 mg/kg", "treatment", "late",
                    True)
    next_day = {gen.dose_reference(dose, datetime(2025, 3, 15, 10, 0), rng, "3/14") for _ in range(40)}
    later = {gen.dose_reference(dose, datetime(2025, 3, 17, 10, 0), rng, "3/14") for _ in range(40)}
    assert any("yesterday" in p for p in next_day)
    assert not any("yesterday" in p or "ago" in p for p in later)
    assert "received dose 3/14" in later


@pytest.mark.parametrize("celsius", [38.0, 38.3, 38.9, 39.4, 40.0])
def test_fahrenheit_round_trip(celsius: float) -> None:
    assert gen.f_to_c(gen.c_to_f(celsius)) == celsius


def test_typos_spare_protected_words_numbers_and_headers() -> None:
    text = ("HOSPITAL COURSE: talquetamab 0.8 mg/kg given yesterday; tocilizumab and dexamethasone for "
            "cytokine release syndrome, grade 2. T 101.8F, BCx negative. Patient reports persistent fatigue "
            "and intermittent headaches without nausea.")
    typist = gen.Typist(random.Random(1), 0.4)
    changed = 0
    for _ in range(200):
        out = typist(text)
        for word in ("HOSPITAL COURSE:", "talquetamab", "0.8 mg/kg", "yesterday", "tocilizumab", "dexamethasone",
                     "cytokine release syndrome", "grade 2", "101.8F", "BCx", "negative", "without"):
            assert word in out
        changed += out != text
    assert changed > 150
    assert gen.Typist(random.Random(1), 0.0)(text) == text


# ---- gold against the words of the notes ------------------------------------------------------------------------

TREATMENT_WORDS = {"paracetamol": r"APAP|acetaminophen|Tylenol|paracetamol", "tocilizumab": r"toci|Actemra",
                   "dexamethasone": r"\bdex"}
CULTURE_WORDS = r"BCx|UCx|[Cc]ultures?|CXR|w/u|work-up"


def _episode_notes(gold: list[dict[str, Any]], notes: pd.DataFrame) -> list[tuple[dict[str, Any], list[pd.Series]]]:
    """(episode, the notes that tell this episode and no other one, clinic notes excluded)."""
    by_id = notes.set_index("note_id")
    out = []
    for patient in gold:
        owners = Counter(i for e in patient["episodes"] for i in e["note_ids"])
        for e in patient["episodes"]:
            own = [by_id.loc[i] for i in e["note_ids"] if owners[i] == 1 and by_id.loc[i]["note_type"] != "clinic"]
            out.append((e, own))
    return out


def test_stated_hours_and_temperatures_are_in_the_first_note(
        corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, notes = corpus
    by_id = notes.set_index("note_id")
    for patient in gold:
        for e in patient["episodes"]:
            text = by_id.loc[e["note_ids"][0]]["text"]
            if e["hours_stated"] and e["explained_by"] != "neutropenic fever":
                assert re.search(rf"\b{e['hours_post_dose']} ?(?:h|hours|hrs)\b", text), e["note_ids"][0]
            if patient["temp_unit"] == "F":  # the convention: (F - 32) x 5/9, rounded to 0.1
                shown = [float(x) for x in re.findall(r"(\d{2,3}\.\d) ?°?F", text)]
                assert any(round((f - 32) * 5 / 9, 1) == e["max_temp_c"] for f in shown), e["note_ids"][0]
            else:
                assert re.search(str(e["max_temp_c"]).replace(".", "[.,]"), text), e["note_ids"][0]


def test_treatments_workups_and_infections_are_written(corpus: tuple[list[dict[str, Any]], pd.DataFrame]) -> None:
    gold, notes = corpus
    for e, own in _episode_notes(gold, notes):
        text = "\n".join(n["text"] for n in own)
        for treatment in e["treatments"]:
            assert re.search(TREATMENT_WORDS[treatment], text), (e["note_ids"], treatment)
        if e["workup"] == "negative":
            assert re.search(r"\bneg|NGTD|no growth|negative", text), e["note_ids"]
        if e["workup"] == "none":
            assert not re.search(CULTURE_WORDS, text), e["note_ids"]
        if e["infection"]:
            assert e["infection"] in text, e["note_ids"]
        if e["grade_source"] == "stated":
            assert re.search(rf"(?:grade|gr|G) ?{e['grade']}\b", text), e["note_ids"]
