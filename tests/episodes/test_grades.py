"""Stated and ASTCT-derived grades side by side on episodes (through the real pipeline).

Expected grades are read off the ASTCT 2019 table (shared/reference/crs-facts.md) by hand.
"""

from __future__ import annotations

import pytest

from miner.extract import Extractor
from miner.ingest.document import Page, SourceDocument


def _patient(extractor: Extractor, text: str):  # type: ignore[no-untyped-def]
    document = SourceDocument("inline", "inline.txt", text, [Page(1, 0, len(text))])
    (patient,) = extractor.extract(document).patients
    return patient


_LATE = ("A 63-year-old man received teclistamab; step-up dosing was uneventful.\n\n"
         "In cycle 4, 24 hours after a dose, he developed a temperature of 39.0 °C {finding}. "
         "Blood cultures were negative.")


@pytest.mark.parametrize(("finding", "grade"), [
    ("with normal blood pressure on room air", 1),
    ("and needed 6 L/min oxygen by nasal cannula", 2),
    ("and needed 7 L/min oxygen by nasal cannula", 3),
    ("with BP 82/48 that responded to a fluid bolus", 2),
    ("with hypotension requiring norepinephrine", 3),
    ("with hypotension requiring norepinephrine and phenylephrine", 4),
    ("with hypotension requiring norepinephrine and vasopressin", 3),
    ("and was placed on BiPAP", 4),
])
def test_derived_grade_at_each_boundary(extractor, finding: str, grade: int) -> None:  # type: ignore[no-untyped-def]
    patient = _patient(extractor, _LATE.format(finding=finding))
    (late,) = [e for e in patient.episodes if e.phase == "late"]
    assert (late.grade, late.grade_source, late.derived_grade) == (grade, "derived", grade)
    assert late.derived_reasons
    assert patient.max_grade == grade


def test_stated_grade_wins_and_a_disagreement_is_flagged(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old woman on talquetamab had grade 1 CRS on C1D2.\n\n"
            "In cycle 3 she had grade 1 CRS with fever of 38.9 °C and hypotension requiring "
            "norepinephrine, the day after the dose; cultures were negative.")
    patient = _patient(extractor, text)
    (late,) = [e for e in patient.episodes if e.phase == "late"]
    assert (late.grade, late.grade_source, late.stated_grade, late.derived_grade) == (1, "stated", 1, 3)
    assert late.grade_disagreement and "3" in late.grade_disagreement
    assert patient.max_grade == 1  # the stated grade; the derived one stays beside it


def test_fever_is_not_required_after_tocilizumab(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 66-year-old man on elranatamab had CRS on C1D2 with fever of 38.6 °C, treated with "
            "tocilizumab. He became afebrile but two hours later was hypotensive (BP 78/40) and was "
            "started on norepinephrine.")
    patient = _patient(extractor, text)
    (initial,) = patient.episodes
    assert initial.derived_grade == 3
    assert patient.first_crs == {"cycle": 1, "day": 2, "grade": 3}


def test_a_temperature_alone_gives_no_derived_grade(extractor) -> None:  # type: ignore[no-untyped-def]
    # the annotation guidelines: fever with nothing said of blood pressure or oxygen has no grade
    from miner.extract import Extractor  # noqa: F401
    from miner.ingest.document import Page, SourceDocument

    def grade_of(text: str) -> int | None:
        document = SourceDocument("inline", "inline.txt", text, [Page(1, 0, len(text))])
        (patient,) = extractor.extract(document).patients
        return patient.max_grade

    base = "A 63-year-old man on tebentafusp had fever of 38.6 °C the day after every weekly infusion"
    assert grade_of(base + ", treated at home with paracetamol.") is None
    assert grade_of(base + "; blood pressure 124/76 mmHg and SpO2 97% on room air.") == 1
