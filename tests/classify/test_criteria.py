"""Each criterion of patterns/criteria/recurrent_late_crs.toml, on small texts and records.

Every test changes one setting (``dataclasses.replace``) or one phrase and checks that the
classification or the episode list moves the way the criterion says.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from miner.classify.criteria import Criteria, load_criteria
from miner.classify.recurrence import classify
from miner.episodes.model import Episode, PatientRecord
from miner.extract import Extractor
from miner.ingest.document import Page, SourceDocument

CRITERIA = load_criteria()


def _patients(extractor: Extractor, text: str, criteria: Criteria | None = None):  # type: ignore[no-untyped-def]
    run = Extractor(nlp=extractor.nlp, criteria=criteria or CRITERIA)
    document = SourceDocument("inline", "inline.txt", text, [Page(1, 0, len(text))])
    return run.extract(document).patients


def _record(**kwargs) -> PatientRecord:  # type: ignore[no-untyped-def]
    record = PatientRecord(doc_id="d", patient_id="Case 1", drugs=["teclistamab"])
    for key, value in kwargs.items():
        setattr(record, key, value)
    return record


# ------------------------------------------------------------------ the file itself

def test_default_file_has_a_version_and_every_section() -> None:
    assert CRITERIA.version == "2026.11-2"
    assert CRITERIA.initial_phase_max_day == 28
    assert CRITERIA.max_hours_after_dose == 72
    assert "HLH/MAS" in CRITERIA.alternatives


@pytest.mark.parametrize(("body", "message"), [
    ('version = "x"\n[late]\nfirst_cycle_only = true\n', "unknown keys"),
    ('version = "x"\n[lateness]\ninitial_phase_max_day = 10\n', "unknown criteria section"),
    ('version = "x"\n[late]\ninitial_phase_max_day = "ten"\n', "must be int"),
    ('version = "x"\n[classification]\nalternatives = ["sepsis"]\n', "unknown alternatives"),
    ('[late]\ninitial_phase_max_day = 10\n', "need a `version`"),
    ('version = \n', "cannot read"),
])
def test_bad_criteria_files_name_the_file_and_the_problem(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        load_criteria(path)
    assert "mine.toml" in str(err.value)


def test_every_record_carries_the_version(extractor) -> None:  # type: ignore[no-untyped-def]
    text = "A 60-year-old man on teclistamab had grade 1 CRS on C1D2."
    mine = dataclasses.replace(CRITERIA, version="local-7")
    (patient,) = _patients(extractor, text, mine)
    assert patient.criteria_version == "local-7"


# ------------------------------------------------------------------ [episode]

_FEVERS = ("A 66-year-old woman on weekly talquetamab had no CRS during step-up.\n\n"
           "From cycle 3 she had temperatures of {t} °C the day after each weekly dose; blood "
           "cultures were negative every time.")


def test_fever_threshold(extractor) -> None:  # type: ignore[no-untyped-def]
    (below,) = _patients(extractor, _FEVERS.format(t="37.8"))
    assert not below.episodes
    lowered = dataclasses.replace(CRITERIA, fever_threshold_c=37.5)
    (counted,) = _patients(extractor, _FEVERS.format(t="37.8"), lowered)
    assert [e.phase for e in counted.episodes] == ["late"]


def test_fever_linked_to_the_dose_within_the_hour_limit(extractor) -> None:  # type: ignore[no-untyped-def]
    (patient,) = _patients(extractor, _FEVERS.format(t="38.6"))
    assert patient.classification == "probable"
    strict = dataclasses.replace(CRITERIA, max_hours_after_dose=12, dose_locked_periodicity_links_fever=False)
    record = classify(_record(episodes=[Episode("late", recurrent=True, hours_post_dose=[24, 24])],
                              infection_workup_negative=True), strict)
    assert record.classification == "unlikely"
    assert any("neither named CRS nor linked" in r for r in record.reasons)


def test_neutropenic_fever_is_not_an_episode(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 71-year-old man on elranatamab had grade 1 CRS on C1D2.\n\n"
            "In cycle 4 he had febrile neutropenia (38.5 °C) and received cefepime.")
    (patient,) = _patients(extractor, text)
    assert [e.phase for e in patient.episodes] == ["initial"]
    keep = dataclasses.replace(CRITERIA, exclude_neutropenic_fever=False)
    (kept,) = _patients(extractor, text, keep)
    assert [e.phase for e in kept.episodes] == ["initial", "late"]


def test_fever_explained_by_infection_in_the_next_sentence(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 64-year-old woman on teclistamab had grade 1 CRS on C1D2.\n\n"
            "In month 3 she had fever of 39.1 °C the day after a dose. Urine culture grew "
            "Escherichia coli and she was treated for pyelonephritis.")
    (patient,) = _patients(extractor, text)
    assert [e.phase for e in patient.episodes] == ["initial"] and len(patient.other_fevers) == 1
    keep = dataclasses.replace(CRITERIA, exclude_infection_explained=False)
    (kept,) = _patients(extractor, text, keep)
    assert [e.phase for e in kept.episodes] == ["initial", "late"]


# ------------------------------------------------------------------ [late]

_DATED = ("A 59-year-old man started teclistamab on 1 March 2024. On 21 March 2024 he developed "
          "grade 1 CRS, 24 hours after a dose; cultures were negative.")


def test_initial_phase_window(extractor) -> None:  # type: ignore[no-untyped-def]
    (patient,) = _patients(extractor, _DATED)  # day 21 <= 28: initial
    assert [e.phase for e in patient.episodes] == ["initial"]
    short = dataclasses.replace(CRITERIA, initial_phase_max_day=14)
    (late,) = _patients(extractor, _DATED, short)  # day 21 > 14: late
    assert [e.phase for e in late.episodes] == ["late"]


# ------------------------------------------------------------------ [recurrent]

def test_how_many_late_episodes_make_recurrent() -> None:
    episodes = [Episode("late", named_crs=True), Episode("late", named_crs=True)]
    assert classify(_record(episodes=list(episodes), infection_workup_negative=True),
                    CRITERIA).classification == "probable"
    three = dataclasses.replace(CRITERIA, min_late_episodes=3)
    record = classify(_record(episodes=list(episodes), infection_workup_negative=True), three)
    assert record.classification == "possible"
    assert any("Only one late episode" in r or "single" in r.lower() for r in record.reasons)


# ------------------------------------------------------------------ [classification]

def test_t_cell_engager_required() -> None:
    record = _record(drugs=[], episodes=[Episode("late", named_crs=True, recurrent=True)],
                     infection_workup_negative=True)
    assert classify(record, CRITERIA).classification == "unlikely"
    relaxed = dataclasses.replace(CRITERIA, require_t_cell_engager=False)
    record = _record(drugs=[], episodes=[Episode("late", named_crs=True, recurrent=True)],
                     infection_workup_negative=True)
    assert classify(record, relaxed).classification == "probable"


def test_tocilizumab_response_excludes_infection() -> None:
    def case() -> PatientRecord:
        return _record(episodes=[Episode("late", named_crs=True, recurrent=True)],
                       documented_infection=True, tocilizumab_response=True)

    assert classify(case(), CRITERIA).classification == "probable"
    off = dataclasses.replace(CRITERIA, tocilizumab_response_excludes_infection=False)
    assert classify(case(), off).classification == "possible"


def test_coexisting_infection_keeps_probable_like_seed_case_4() -> None:
    def case() -> PatientRecord:
        return _record(episodes=[Episode("late", named_crs=True, recurrent=True)],
                       infection_workup_negative=False, infection_workup_some_negative=True,
                       documented_infection=True)

    record = classify(case(), CRITERIA)
    assert record.classification == "probable"
    assert any("Coexisting documented infection" in r and "no infectious source" in r for r in record.reasons)
    off = dataclasses.replace(CRITERIA, coexisting_infection_keeps_probable=False)
    assert classify(case(), off).classification == "possible"


def test_dose_locked_periodicity_links_unnamed_fevers() -> None:
    def case() -> PatientRecord:
        return _record(episodes=[Episode("late"), Episode("late")], infection_workup_negative=True,
                       periodicity={"periodic": True, "basis": "same offset after each dose", "evidence": []})

    record = classify(case(), CRITERIA)
    assert record.classification == "probable"
    assert any("Dose-locked periodicity" in r for r in record.reasons)
    off = dataclasses.replace(CRITERIA, dose_locked_periodicity_links_fever=False)
    assert classify(case(), off).classification == "unlikely"


@pytest.mark.parametrize(("sentence", "name"), [
    ("The recurrent fevers were attributed to a tumour flare.", "tumour flare"),
    ("These fevers were considered drug fever.", "drug fever"),
    ("Each episode was diagnosed as an infusion-related reaction.", "infusion reaction"),
    ("Ferritin rose to 12,000 and she was diagnosed with HLH.", "HLH/MAS"),
])
def test_a_named_alternative_explanation(extractor, sentence: str, name: str) -> None:  # type: ignore[no-untyped-def]
    text = ("A 68-year-old woman on talquetamab had grade 1 CRS on C1D2.\n\n"
            "From cycle 3 she had fever of 38.7 °C 24 hours after every dose, with negative "
            f"cultures. {sentence}")
    (patient,) = _patients(extractor, text)
    assert [a["name"] for a in patient.alternatives] == [name]
    assert patient.classification in ("possible", "unlikely")
    assert any(f"Alternative explanation named: {name}" in r for r in patient.reasons)
    ignore = dataclasses.replace(CRITERIA, alternatives=())
    (flagged,) = _patients(extractor, text, ignore)
    assert flagged.classification == "probable"


@pytest.mark.parametrize("sentence", [
    "She did not meet criteria for HLH.",
    "Drug fever was considered unlikely.",
    "Tumour flare was ruled out on imaging.",
    "We distinguished these episodes from infusion reactions by their timing.",
])
def test_a_denied_alternative_is_not_counted(extractor, sentence: str) -> None:  # type: ignore[no-untyped-def]
    text = ("A 68-year-old woman on talquetamab had grade 1 CRS on C1D2.\n\n"
            "From cycle 3 she had fever of 38.7 °C 24 hours after every dose, with negative "
            f"cultures. {sentence}")
    (patient,) = _patients(extractor, text)
    assert patient.alternatives == []
    assert patient.classification == "probable"
