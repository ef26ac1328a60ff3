"""The dose timeline, episode placement, intervals from dates and periodicity.

Pure functions are tested directly; the rest through the real pipeline on small texts
written for these tests (expected values worked out by hand from the text).
"""

from __future__ import annotations

import pytest

from miner.episodes.model import Episode
from miner.episodes.timeline import (
    DISCONTINUED,
    FIRST_DOSE,
    HELD,
    RESUMED,
    SCHEDULE_CHANGE,
    Timeline,
    duration_days,
    find_periodicity,
    interval_multiple,
    successive_gaps,
)
from miner.extract import Extractor
from miner.ingest.document import Page, SourceDocument


def _patients(extractor: Extractor, text: str):  # type: ignore[no-untyped-def]
    document = SourceDocument("inline", "inline.txt", text, [Page(1, 0, len(text))])
    return extractor.extract(document).patients


@pytest.mark.parametrize(("iso", "days"), [
    ("P2M", 60), ("PT36H", 1.5), ("P2W", 14), ("P1Y", 365), ("P3D", 3), ("P", None), ("", None), (None, None),
])
def test_duration_days(iso: str | None, days: float | None) -> None:
    assert duration_days(iso) == days


def test_study_days_follow_the_cycle_length() -> None:
    timeline = Timeline(cycle_length_days=28)
    assert timeline.study_day(1, 2) == 2
    assert timeline.study_day(None, 5) == 5
    assert timeline.study_day(4, 1) == 85  # 3 x 28 + 1
    assert Timeline().study_day(4, 1) is None  # cycle length unknown: no guess


def test_day_of_date_counts_from_the_first_dose() -> None:
    timeline = Timeline(first_dose_date="2024-03-04")
    assert timeline.day_of_date("2024-03-04") == 1
    assert timeline.day_of_date("2024-03-06") == 3
    assert timeline.day_of_date("2024-03") is None  # month precision only
    assert timeline.day_of_date("2024-02-01") is None  # before therapy


@pytest.mark.parametrize(("recurrence", "dosing", "multiple"), [
    ([7, 7], [7, 7], 1),
    ([14, 14], [7, 7], 2),
    ([28, 35], [28, 28], 1),
    ([35, 40], [35, 35], 1),
    ([10, 10], [7, 7], None),
    ([21, 21], [7, 7], 3),
])
def test_interval_multiple(recurrence: list[float], dosing: list[float], multiple: int | None) -> None:
    assert interval_multiple(recurrence, dosing) == multiple


def test_successive_gaps() -> None:
    assert successive_gaps([57, 71, 85, 71]) == [14, 14]


def test_periodicity_from_the_same_offset_after_each_dose() -> None:
    late = [Episode("late", hours_post_dose=[30, 30]), Episode("late", hours_post_dose=[28, 28]),
            Episode("late", hours_post_dose=[32, 32])]
    found = find_periodicity(late, stated_each_dose=[], recurrence=None, dosing=None, dosing_evidence=[])
    assert found is not None and found.periodic and found.offset_hours == [28, 32]


def test_no_periodicity_when_offsets_scatter() -> None:
    late = [Episode("late", hours_post_dose=[6, 6]), Episode("late", hours_post_dose=[96, 96])]
    assert find_periodicity(late, stated_each_dose=[], recurrence=None, dosing=None, dosing_evidence=[]) is None


def test_interval_not_a_multiple_of_dosing_is_not_periodic() -> None:
    late = [Episode("late"), Episode("late")]
    found = find_periodicity(late, stated_each_dose=[], recurrence=[10, 10], dosing=[7, 7], dosing_evidence=[])
    assert found is not None and not found.periodic


# ------------------------------------------------------------------ through the pipeline

def test_cycle_day_episodes_in_stated_cycles(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 58-year-old man with small cell lung cancer received tarlatamab in 28-day cycles, "
            "every 2 weeks after the step-up phase. On C1D2 he had a temperature of 38.4 °C, "
            "grade 1 CRS. The doses of cycle 2 were uneventful.\n\n"
            "On C3D1 he developed fever of 38.9 °C about 20 hours after the dose. "
            "On C3D15 fever of 39.1 °C recurred 22 hours after dosing. "
            "On C4D1 he was again febrile (38.6 °C) 24 hours after the infusion. "
            "Blood cultures were negative each time and the episodes were attributed to CRS.")
    (patient,) = _patients(extractor, text)
    late = [e for e in patient.episodes if e.phase == "late" and not e.summary]
    assert [e.day_after_first_dose for e in late] == [57, 71, 85]
    assert patient.recurrence_interval_days == [14, 14]
    assert patient.hours_post_dose == [20, 24]
    assert patient.periodicity is not None and patient.periodicity["periodic"] is True


def test_dated_episodes_give_the_interval_and_dose_hours(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Mrs K, 71, started teclistamab on 2 January 2025 for myeloma. Weekly dosing continued "
            "without events until the schedule was changed to every two weeks in April.\n\n"
            "On 16 May 2025, the day after the dose of 15 May, she had fever to 38.8 °C. "
            "On 30 May 2025 she again had fever (38.6 °C), one day after the dose of 29 May. "
            "On 13 June 2025 the fever returned at 38.7 °C after the dose of 12 June. "
            "Cultures and a respiratory viral panel were negative each time; we diagnosed "
            "recurrent CRS.")
    (patient,) = _patients(extractor, text)
    assert patient.timeline is not None
    kinds = [e["kind"] for e in patient.timeline["events"]]
    assert kinds[0] == FIRST_DOSE and patient.timeline["first_dose_date"] == "2025-01-02"
    assert SCHEDULE_CHANGE in kinds
    late = [e for e in patient.episodes if e.phase == "late" and not e.summary]
    assert [e.date for e in late] == ["2025-05-16", "2025-05-30", "2025-06-13"]
    assert [e.day_after_first_dose for e in late] == [135, 149, 163]
    assert patient.recurrence_interval_days == [14, 14]
    assert patient.recurrence_interval_source == "dates"
    third = late[2]
    assert third.hours_post_dose == [24, 24] and third.hours_source == "dates"


def test_hold_resume_and_discontinuation(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 66-year-old woman received elranatamab from 5 February 2024. Elranatamab was held "
            "for pneumonia on 3 April 2024 and resumed on 24 April 2024. In July elranatamab was "
            "permanently discontinued for progression.")
    (patient,) = _patients(extractor, text)
    assert patient.timeline is not None
    events = [(e["kind"], e["date"]) for e in patient.timeline["events"]]
    assert (HELD, "2024-04-03") in events
    assert (RESUMED, "2024-04-24") in events
    assert any(kind == DISCONTINUED for kind, _ in events)


def test_fever_explained_by_a_later_positive_culture_is_not_crs(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 62-year-old man on weekly talquetamab had grade 1 CRS on C1D3.\n\n"
            "In month 4 he presented with fever of 39.0 °C the day after a dose. Blood cultures "
            "grew Klebsiella pneumoniae, and he was treated with meropenem.\n\n"
            "No other febrile episodes occurred.")
    (patient,) = _patients(extractor, text)
    assert [e.phase for e in patient.episodes] == ["initial"]
    assert len(patient.other_fevers) == 1
    assert patient.hours_post_dose is None
    assert patient.classification == "unlikely"


def test_year_of_a_date_comes_from_the_narrative(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old man started epcoritamab on 6 November 2023. On 20 December he had fever "
            "of 38.5 °C, 30 hours after the dose of 19 December; cultures were negative.")
    (patient,) = _patients(extractor, text)
    late = [e for e in patient.episodes if e.phase == "late"]
    assert late and late[0].date == "2023-12-20"
    assert late[0].hours_post_dose == [30, 30]


def test_episodes_listed_by_date_give_the_interval(extractor) -> None:  # type: ignore[no-untyped-def]
    # three fevers dated in one sentence, 28 days apart, on a two-weekly drug: the dates win
    text = ("A 66-year-old woman received talquetamab 0.8 mg/kg every two weeks after step-up dosing "
            "in May 2024. She then presented with fevers to 39.2 °C on 2024-07-04, 2024-08-01 and "
            "2024-08-29, each roughly 30 hours after her infusion. Blood cultures and chest CT were "
            "negative; tocilizumab was given each time.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [28, 28]
    assert patient.recurrence_interval_source == "dates"
    assert patient.hours_post_dose == [30, 30]
    assert patient.periodicity["multiple"] == 2  # every second two-weekly dose


def test_a_span_of_dates_is_not_a_list_of_episodes(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 61-year-old man on elranatamab every two weeks had fever the day after each of his five "
            "fortnightly doses (5 August to 30 September 2025). Blood cultures were negative.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [14, 14]
    assert patient.recurrence_interval_source != "dates"


def test_the_schedule_in_force_at_the_late_fevers_is_the_dosing_interval(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old man started teclistamab on 2 January 2025, weekly after step-up dosing. He had "
            "grade 1 CRS on day 2. From cycle 3 he was switched to every-two-week dosing. He was admitted "
            "with fever of 38.9 °C on 13 March, 27 March and 10 April 2025, each time the day after his dose; "
            "blood cultures were negative.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [14, 14]
    assert patient.dosing_interval_days == [14, 14]
    assert patient.periodicity["periodic"] is True
    assert patient.periodicity["multiple"] in (None, 1)


def test_fever_on_the_night_of_each_infusion_is_dose_linked(extractor) -> None:  # type: ignore[no-untyped-def]
    # no hours are stated, but the fevers follow the 21-day doses
    text = ("The patient, a 59-year-old man on glofitamab every 21 days, developed CRS grade 1 during "
            "cycle 1. Thereafter he was febrile on the night of each infusion from cycle 3 to cycle 6, "
            "with negative cultures, responding to tocilizumab.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose is None
    assert patient.recurrence_interval_days == [21, 21]
    assert patient.classification == "probable"


def test_a_timeline_table_is_read_row_by_row(extractor) -> None:  # type: ignore[no-untyped-def]
    # a markdown table of one patient's course (a row per dose or event) is part of the narrative
    text = ("## Case A - 66 M, DLBCL, epcoritamab\n\n"
            "Epcoritamab 48 mg SC started 6 Jan 2025.\n\n"
            "| Date | Cycle/day | Dose / event | Onset | Tmax | Work-up | Management |\n"
            "|---|---|---|---|---|---|---|\n"
            "| 6 Jan 2025 | C1D1 | 0.16 mg (step-up 1) | - | - | - | premeds |\n"
            "| 14 Apr 2025 | C4D15 | 48 mg | - | - | - | - |\n"
            "| 15 Apr 2025 | C4D16 | Fever, G1 | +22 h | 38.6 °C | BC x2, CXR neg | Paracetamol |\n"
            "| 12 May 2025 | C5D15 | 48 mg | - | - | - | - |\n"
            "| 13 May 2025 | C5D16 | Fever, G1 | +26 h | 38.9 °C | BC x2 neg | Tocilizumab x1 |\n\n"
            "## Case B - 59 M, no T-cell engager\n\nA 59-year-old man on R-CHOP.\n")
    patients = _patients(extractor, text)
    case_a = next(p for p in patients if p.patient_id == "Case A")
    late = [e for e in case_a.episodes if e.phase == "late"]
    assert [e.date for e in late] == ["2025-04-15", "2025-05-13"]
    assert case_a.recurrence_interval_days == [28, 28]
    assert case_a.hours_post_dose == [22, 26]
    assert "tocilizumab" in case_a.treatments


def test_hours_from_the_clock_times_of_a_flowsheet(extractor) -> None:  # type: ignore[no-untyped-def]
    # dose rows and phone-call rows, each timed: 10:00 -> 04:00 next day is 18 h; 13:30 -> 09:30 is 20 h
    text = ("INFUSION FLOWSHEET. Regimen: mosunetuzumab IV q3w.\n"
            "DATE | TIME | EVENT\n"
            "03/03/2025 | 10:00 | Mosunetuzumab 30 mg IV given (C3D1) | afebrile\n"
            "03/04/2025 | 04:00 | Phone: T 101.3°F, rigors | APAP. BCx x2 neg, CXR clear.\n"
            "03/24/2025 | 13:30 | Mosunetuzumab 30 mg IV given (C4D1) | afebrile\n"
            "03/25/2025 | 09:30 | Phone: T 100.9°F, aches | BCx x2 neg. APAP.\n")
    (patient,) = _patients(extractor, text)
    late = [e for e in patient.episodes if e.phase == "late"]
    assert [(e.date, e.time, e.hours_post_dose) for e in late] == [
        ("2025-03-04", "04:00", [18, 18]), ("2025-03-25", "09:30", [20, 20])]
    assert all(e.hours_source == "clock times" for e in late)
    assert patient.hours_post_dose == [18, 20]
    assert patient.recurrence_interval_days == [21, 21]


def test_hours_from_two_clock_times_in_one_sentence(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 66-year-old woman on mosunetuzumab every 3 weeks had CRS grade 1 in cycle 1. In cycle 4, on "
            "3 March 2025, she was dosed at 10:00 and was febrile (38.5 °C) at 04:00 the next day; cultures "
            "were negative. After the cycle 5 dose of 24 March (given at 13:30) she had a fever of 38.3 °C at "
            "09:30 the following morning, treated with tocilizumab.")
    (patient,) = _patients(extractor, text)
    late = [e for e in patient.episodes if e.phase == "late"]
    assert [e.hours_post_dose for e in late] == [[18, 18], [20, 20]]  # not the 24 h of "the next day"
    assert [e.date for e in late] == ["2025-03-04", "2025-03-25"]
    assert patient.recurrence_interval_days == [21, 21]


def test_month_first_dates_in_a_us_document(extractor) -> None:  # type: ignore[no-untyped-def]
    # "01/21/2025" can only be month-first, so "03/04/2025" is 4 March, not 3 April
    text = ("A 66-year-old woman started mosunetuzumab on 01/06/2025. On 01/21/2025 she had grade 1 CRS. "
            "She was febrile to 101.3°F on 03/04/2025 and on 03/25/2025, each the day after a dose; blood "
            "cultures were negative both times.")
    (patient,) = _patients(extractor, text)
    late = [e for e in patient.episodes if e.phase == "late"]
    assert patient.recurrence_interval_days == [21, 21]
    assert "2025-04-03" not in {e.date for e in late}


def test_days_of_the_month_and_a_hold_between_episodes(extractor) -> None:  # type: ignore[no-untyped-def]
    # "the 17th" is read in the month of the last full date; a pattern's start date is not an episode date
    text = ("A 58-year-old man received talquetamab every 2 weeks from 4 November 2024. From the start of "
            "cycle 2 (9 December 2024) he had a fever after every dose, between 18 and 30 hours after "
            "administration. Talquetamab was held in January and restarted on 3 March 2025. The dose of 3 March "
            "was followed by fever (38.4 °C) on the 4th, about 20 hours after the dose. The dose on the 17th was "
            "followed by fever on the 18th, about 26 hours after the dose; blood cultures were negative. "
            "Dexamethasone was added before each dose because of the recurrent post-dose CRS.")
    (patient,) = _patients(extractor, text)
    dated = [e.date for e in patient.episodes if e.phase == "late" and e.date]
    assert dated == ["2025-03-04", "2025-03-18"]
    assert patient.recurrence_interval_days == [14, 14]
    assert "dexamethasone" in patient.treatments


def test_a_listed_differential_is_not_an_alternative_explanation(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 58-year-old man on talquetamab had fever after every dose with negative blood cultures, "
            "attributed to CRS and treated with tocilizumab. Alternative causes considered: infection "
            "(negative cultures), drug fever from co-trimoxazole (no temporal relationship).")
    (patient,) = _patients(extractor, text)
    assert patient.alternatives == []
    assert patient.classification == "probable"


def test_hours_after_the_start_of_a_continuous_infusion(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 58-year-old woman with B-ALL received blinatumomab. Cycle 2 was started on 17 March 2025. "
            "Ten hours after the start of the infusion she developed a temperature of 39.6 °C; cultures "
            "were negative and she received tocilizumab. For cycle 3, started on 28 April 2025, sixteen "
            "hours after the start she had a temperature of 38.9 °C; blood cultures were negative.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose == [10, 16]
