"""Episodes and patient records from small texts (through the real pipeline)."""

from __future__ import annotations

from miner.extract import Extractor
from miner.ingest.document import Page, SourceDocument


def _patients(extractor: Extractor, text: str):  # type: ignore[no-untyped-def]
    document = SourceDocument("inline", "inline.txt", text, [Page(1, 0, len(text))])
    return extractor.extract(document).patients


def test_step_up_crs_then_recurrent_fever(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 64-year-old woman with myeloma started teclistamab. During step-up dosing she "
            "developed grade 2 CRS (day+2), managed with tocilizumab. Subsequently, recurrent "
            "fevers (up to 39.2 °C) occurred 24-48 h after each infusion every 14 days. Blood "
            "cultures and chest imaging were repeatedly negative.")
    (patient,) = _patients(extractor, text)
    assert (patient.age, patient.sex, patient.drugs) == (64, "F", ["teclistamab"])
    assert patient.first_crs == {"cycle": 1, "day": 2, "grade": 2}
    assert patient.hours_post_dose == [24, 48]
    assert patient.recurrence_interval_days == [14, 14]
    assert patient.infection_workup_negative is True
    late = [e for e in patient.episodes if e.phase == "late"]
    assert late and late[0].max_temp_c == 39.2
    assert patient.classification == "probable"


def test_premedication_is_not_a_crs_treatment(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old man received talquetamab with premedication (dexamethasone, "
            "paracetamol and cetirizine). On C1D2 he developed grade 1 CRS treated with "
            "tocilizumab.")
    (patient,) = _patients(extractor, text)
    assert patient.treatments == ["tocilizumab"]


def test_crs_only_in_step_up_is_unlikely(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 59-year-old woman started elranatamab. She developed grade 1 CRS on C1D2 that "
            "resolved with paracetamol. All later doses were uneventful and she remained afebrile.")
    (patient,) = _patients(extractor, text)
    assert patient.classification == "unlikely"
    assert patient.first_crs == {"cycle": 1, "day": 2, "grade": 1}


def test_fever_due_to_infection_is_not_an_episode(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 72-year-old man on epcoritamab had fever due to E. coli bacteremia after cycle 3; "
            "blood cultures were positive.")
    (patient,) = _patients(extractor, text)
    assert all(e.phase != "late" for e in patient.episodes)
    assert patient.classification == "unlikely"
    assert patient.documented_infection is True


def test_grade_of_another_adverse_event_is_not_a_crs_grade(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 69-year-old woman on talquetamab had grade 2 dysgeusia and recurrent fevers after "
            "each infusion attributed to late-onset grade 1 CRS.")
    (patient,) = _patients(extractor, text)
    assert patient.max_grade == 1


def test_review_text_without_patients_gives_no_record(extractor) -> None:  # type: ignore[no-untyped-def]
    text = "Heart failure management relies on ACE inhibitors and beta blockers in most trials."
    assert _patients(extractor, text) == []


def test_verbless_management_lines_after_an_episode(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 67-year-old woman on weekly teclistamab had late fevers:\n"
            "- 16/03/2025: 38.5 °C, chills, BP 132/74 mmHg. Paracetamol.\n"
            "- 06/04/2025: 39.1 °C, BP 86/50 mmHg corrected by saline: grade 2 CRS. One injection of "
            "tocilizumab 8 mg/kg, apyrexia in 4 hours.\n"
            "Blood cultures were negative each time.")
    (patient,) = _patients(extractor, text)
    assert {"paracetamol", "tocilizumab"} <= set(patient.treatments)


def test_a_treatment_kept_in_stock_is_not_given(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 79-year-old man on elranatamab had fever the day after each of 4 Q4W doses, managed with "
            "paracetamol. Tocilizumab was stocked at the site but was not used.")
    (patient,) = _patients(extractor, text)
    assert "tocilizumab" not in patient.treatments


def test_premedication_added_because_of_the_episodes_is_a_treatment(extractor) -> None:  # type: ignore[no-untyped-def]
    # routine premedication is not a CRS treatment; premedication added for the recurrences is
    text = ("A 67-year-old woman on teclistamab with the usual premedication (dexamethasone 16 mg, "
            "paracetamol) had fever two days after each injection from March, with negative blood "
            "cultures. After the episode of 18 May, prednisolone 20 mg was added before each injection "
            "because of the repeated episodes.")
    (patient,) = _patients(extractor, text)
    assert "prednisolone" in patient.treatments
    assert "dexamethasone" not in patient.treatments
