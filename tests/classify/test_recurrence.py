"""The recurrence classification rules, on hand-built records (pure, no spaCy)."""

from __future__ import annotations

from miner.classify.criteria import load_criteria
from miner.classify.recurrence import classify
from miner.episodes.model import Episode, PatientRecord

CRITERIA = load_criteria()


def _record(**kwargs) -> PatientRecord:  # type: ignore[no-untyped-def]
    record = PatientRecord(doc_id="d", patient_id="Case 1", drugs=["talquetamab"])
    for key, value in kwargs.items():
        setattr(record, key, value)
    return record


def test_no_drug_is_unlikely() -> None:
    record = classify(_record(drugs=[], episodes=[Episode("late", recurrent=True)]), CRITERIA)
    assert record.classification == "unlikely"
    assert "T-cell" in record.reasons[0]


def test_initial_only_is_unlikely() -> None:
    record = classify(_record(episodes=[Episode("initial", named_crs=True, grade=2)]), CRITERIA)
    assert record.classification == "unlikely"


def test_recurrent_named_crs_with_negative_workup_is_probable() -> None:
    record = classify(_record(episodes=[Episode("late", named_crs=True, recurrent=True)],
                              infection_workup_negative=True), CRITERIA)
    assert record.classification == "probable"
    assert record.criteria_version == CRITERIA.version


def test_recurrent_dose_linked_fever_without_workup_is_possible() -> None:
    record = classify(_record(episodes=[Episode("late", recurrent=True, hours_post_dose=[24, 24])]),
                      CRITERIA)
    assert record.classification == "possible"
    assert any("not excluded" in r for r in record.reasons)


def test_coexisting_infection_with_tocilizumab_response_stays_probable() -> None:
    record = classify(_record(episodes=[Episode("late", named_crs=True, recurrent=True)],
                              infection_workup_negative=False, documented_infection=True,
                              tocilizumab_response=True), CRITERIA)
    assert record.classification == "probable"
    assert any("Coexisting documented infection" in r for r in record.reasons)


def test_single_late_episode_is_possible() -> None:
    record = classify(_record(episodes=[Episode("late", named_crs=True)],
                              infection_workup_negative=True), CRITERIA)
    assert record.classification == "possible"
