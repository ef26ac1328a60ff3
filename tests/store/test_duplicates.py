"""Duplicate scoring on plain records: no database, no spaCy."""

from __future__ import annotations

from typing import Any

import pytest

from miner.store.duplicates import PatientFacts, find_duplicates, normalize_impact, score_pair


def _record(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "doc_id": "doc", "patient_id": "Case 1", "age": 65, "sex": "M", "drugs": ["talquetamab"],
        "first_crs": {"cycle": 1, "day": 2, "grade": 2}, "max_grade": 2, "recurrence_interval_days": [35.0, 40.0],
        "hours_post_dose": [24.0, 48.0], "treatments": ["tocilizumab", "dexamethasone"], "episodes": [],
        "treatment_impact": None,
    }
    record.update(fields)
    return record


def _facts(key: str, origin: str, **fields: Any) -> PatientFacts:
    return PatientFacts.from_record(key, origin, _record(**fields))


def test_abstract_and_full_paper_of_one_patient_match() -> None:
    # The abstract states less (no treatments), the paper names prednisone where the abstract says steroids.
    abstract = _facts("a", "abstract", treatments=[], hours_post_dose=None)
    paper = _facts("b", "paper", treatments=["tocilizumab", "prednisone"])
    result = score_pair(abstract, paper)
    assert result.is_match, result
    assert any(reason.startswith("age 65 vs 65") for reason in result.reasons)


@pytest.mark.parametrize(("change", "veto"), [
    ({"sex": "F"}, "sex M vs F"),
    ({"age": 69}, "age 65 vs 69"),
    ({"drugs": ["teclistamab"]}, "no drug in common"),
])
def test_a_contradiction_rules_a_match_out(change: dict[str, Any], veto: str) -> None:
    result = score_pair(_facts("a", "x"), _facts("b", "y", **change))
    assert result.vetoed and not result.is_match
    assert result.reasons[0].startswith(veto)


def test_drug_sex_and_age_alone_are_not_enough() -> None:
    # Two 65-year-old men on talquetamab, nothing else stated: a common coincidence in a registry.
    bare = {"first_crs": None, "max_grade": None, "recurrence_interval_days": None, "hours_post_dose": None,
            "treatments": []}
    result = score_pair(_facts("a", "x", **bare), _facts("b", "y", **bare))
    assert result.score == 1.0
    assert not result.is_match


def test_a_different_course_is_another_patient() -> None:
    # Same age, sex and drug, but the first CRS and the recurrence differ.
    other = _facts("b", "y", first_crs={"cycle": 1, "day": 9, "grade": 1}, max_grade=1,
                   recurrence_interval_days=[14.0, 14.0], hours_post_dose=[72.0, 72.0])
    assert not score_pair(_facts("a", "x"), other).is_match


def test_without_age_dates_or_hospital_id_nothing_identifies_the_person() -> None:
    result = score_pair(_facts("a", "x", age=None), _facts("b", "y", age=None))
    assert result.score == 1.0 and not result.identified and not result.is_match


def test_short_onset_texts_are_not_compared() -> None:
    # "fever" is in every record of a fever clinic; it must not count as the same wording.
    episodes = [{"phase": "late", "onset_text": "fever"}]
    result = score_pair(_facts("a", "x", episodes=episodes), _facts("b", "y", episodes=episodes))
    assert not any("onset wording" in reason for reason in result.reasons)


def test_records_of_one_source_are_never_linked() -> None:
    links, groups = find_duplicates([_facts("a", "same"), _facts("b", "same")])
    assert links == {} and groups == {}


def test_the_record_that_states_most_is_kept_and_groups_are_transitive() -> None:
    abstract = _facts("a", "abstract", treatments=[], hours_post_dose=None, treatment_impact=None)
    paper = _facts("b", "paper", treatment_impact="Continued")
    follow_up = _facts("c", "follow-up", age=66, hours_post_dose=None, treatment_impact="continued")
    links, groups = find_duplicates([abstract, paper, follow_up])
    assert set(links) == {"a", "c"}
    assert {link.duplicate_of for link in links.values()} == {"b"}
    assert groups == {"a": "b", "b": "b", "c": "b"}


@pytest.mark.parametrize(("text", "expected"), [
    ("Continued", "continued"),
    ("Discontinued (renal toxicity)", "discontinued"),
    ("BsAb dose reduced to monthly administration", "dose reduced"),
    ("delayed", "delayed"),
    ("held for two weeks, then resumed", "delayed"),
    (None, None),
])
def test_normalize_impact(text: str | None, expected: str | None) -> None:
    assert normalize_impact(text) == expected
