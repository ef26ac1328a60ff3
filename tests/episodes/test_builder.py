"""Episodes and patient records from small texts (through the real pipeline)."""

from __future__ import annotations

import pytest

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


def test_a_sentence_that_heads_a_list_of_infections_is_not_an_episode(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 71-year-old woman started teclistamab in January 2025 (grade 1 CRS on C1D3, paracetamol only) "
            "and received weekly doses. She had two febrile presentations after doses, and each time the timing "
            "looked like late CRS:\n"
            "- 9 April, the day after a dose: 39.1 °C, pneumococcal urinary antigen positive: pneumonia.\n"
            "- 16 July, the day after a dose: 39.4 °C, Escherichia coli in blood cultures: pyelonephritis.\n")
    (patient,) = _patients(extractor, text)
    assert [e.phase for e in patient.episodes] == ["initial"]
    assert patient.classification == "unlikely"


def test_the_first_crs_grade_is_the_first_one_written(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 45-year-old man received blinatumomab. G1 CRS on C1D2, 16 h after the start of the infusion "
            "(38.4 °C), and G2 CRS on C1D9 (39.0 °C, 2 L/min NC); tocilizumab x1. Blood cultures negative.")
    (patient,) = _patients(extractor, text)
    assert patient.first_crs["grade"] == 1
    assert patient.max_grade == 2


def test_vague_weekly_fevers_after_the_injection(extractor) -> None:  # type: ignore[no-untyped-def]
    # "most weeks ... the following morning after her injection" on weekly dosing; "nothing grew" is negative
    text = ("The first is a 68-year-old woman on teclistamab, weekly since February 2025. She had grade 1 CRS "
            "after the second step-up dose and nothing more for the rest of the first cycle. By the summer she "
            "had fevers most weeks, nearly always the following morning after her injection, up to 38.9 °C. We "
            "took blood cultures and a urine sample on each occasion, and nothing grew. She was given "
            "tocilizumab on two occasions, with the fever gone within a few hours.")
    (patient,) = _patients(extractor, text)
    late = [e for e in patient.episodes if e.phase == "late"]
    assert late and late[0].hours_post_dose == [24, 24]
    assert patient.infection_workup_negative is True
    assert patient.recurrence_interval_days == [7, 7]
    assert patient.classification == "probable"


def test_a_dosing_schedule_does_not_make_a_single_fever_recurrent(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 59-year-old woman on elranatamab every other week had a single febrile evening in October, "
            "several months into treatment: 39.2 °C within 12 hours of an injection. Blood cultures were "
            "negative. She has had no further fever after her next six injections.")
    (patient,) = _patients(extractor, text)
    assert patient.classification == "possible"


@pytest.mark.parametrize(("sentence", "documented"), [
    ("A nasopharyngeal PCR for SARS-CoV-2, influenza and RSV was negative.", False),
    ("A respiratory nucleic acid test (including SARS-CoV-2 and influenza) was negative.", False),
    ("Nasopharyngeal PCR was positive for influenza A.", True),
])
def test_what_a_test_looked_for_is_not_a_documented_infection(extractor, sentence: str,  # type: ignore[no-untyped-def]
                                                                documented: bool) -> None:
    text = ("A 67-year-old woman on teclistamab had fever two days after each injection from March. "
            + sentence)
    (patient,) = _patients(extractor, text)
    assert bool(patient.documented_infection) is documented


def test_because_the_crs_recurred_we_added_premedication(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 63-year-old woman on glofitamab had fever about a day and a half after each dose from cycle 3, "
            "with negative blood cultures. Because the CRS happened after each cycle, from C7 we added "
            "dexamethasone 10 mg before the glofitamab infusion.")
    (patient,) = _patients(extractor, text)
    assert "dexamethasone" in patient.treatments
    assert patient.hours_post_dose == [36, 36]


def test_a_terse_abstract_sentence_is_read_clause_by_clause(extractor) -> None:  # type: ignore[no-untyped-def]
    # the initial CRS and the late fevers of one patient packed in one sentence, split at semicolons
    text = ("Results: Pt1 (72M, IgG-k MM, linvoseltamab): G1 CRS D+2 after the 5 mg SUD; from wk 14 (200 mg "
            "Q2W) fever 20-30 h after 5 consecutive doses, Tmax 39.0 °C, all G1; BCx neg x5, CXR clear; APAP, "
            "then TCZ x2 with defervescence <4 h.")
    (patient,) = _patients(extractor, text)
    assert patient.first_crs == {"cycle": 1, "day": 2, "grade": 1}
    assert [e.phase for e in patient.episodes] == ["initial", "late"]
    assert patient.hours_post_dose == [20, 30]
    assert "tocilizumab" in patient.treatments
    assert patient.classification == "probable"


def test_a_drug_the_sentence_proposes_is_not_received(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 59-year-old man had grade 2 CRS on day +3 after axicabtagene ciloleucel, treated with "
            "tocilizumab. Plan glofitamab (obinutuzumab pretreatment, inpatient step-up) or a clinical trial.")
    (patient,) = _patients(extractor, text)
    assert patient.drugs == ["axicabtagene ciloleucel"]


def test_episodes_so_many_weeks_apart(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Two late CRS episodes, three weeks apart, followed the C4D1 and C5D1 doses of glofitamab; blood "
            "cultures were negative and she received tocilizumab.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [21, 21]
    assert patient.classification == "probable"


def test_hours_stated_in_days_do_not_widen_the_hours_stated_in_hours(extractor) -> None:  # type: ignore[no-untyped-def]
    # "the second day after each dose" is 24-48 h; it holds the 30 and 34 h of the episodes
    text = ("A 66-year-old man started elranatamab on 2 January 2025. On 10 June 2025, 30 hours "
            "after his fortnightly dose, he had a fever of 38.7 °C; blood cultures were negative. "
            "On 24 June 2025, 34 hours after the next dose, he had a fever of 38.9 °C; cultures "
            "were again negative. The fevers came on the second day after each dose.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose == [30, 34]
    assert any(e.hours_source == "stated in days" for e in patient.episodes)


def test_hours_stated_in_days_alone_are_the_hours(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 58-year-old woman on weekly talquetamab had recurrent fevers on the second day "
            "after each injection from cycle 3; work-up was negative each time.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose == [24, 48]


def test_a_first_dose_month_places_later_dated_fevers_after_cycle_1(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 71-year-old woman started linvoseltamab in February 2025. On Monday, August 4, "
            "2025, she had a fever of 38.8 °C the day after her dose. On September 1, 2025, "
            "the day after the next dose, fever of 38.6 °C recurred. Cultures were negative.")
    (patient,) = _patients(extractor, text)
    assert [e.phase for e in patient.episodes] == ["late", "late"]
    assert patient.first_crs is None


def test_summaries_of_fevers_each_explained_by_an_infection_are_not_crs(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Recurrent fever on monthly mosunetuzumab: infection, not CRS\n\n"
            "A 62-year-old man received mosunetuzumab every 21 days. No CRS occurred in cycle 1.\n\n"
            "In cycle 4, he presented with fever of 38.9 °C and a productive cough. Sputum culture "
            "grew Streptococcus pneumoniae. He received amoxicillin and the fever resolved.\n\n"
            "In cycle 6, he had a fever of 38.4 °C with dysuria. Urine culture grew E. coli. "
            "Fever resolved with ciprofloxacin.\n\n"
            "Fevers occurring one to two days after a bispecific antibody dose may be CRS, but "
            "each of these episodes had a documented infection.")
    (patient,) = _patients(extractor, text)
    assert [e for e in patient.episodes if e.phase == "late"] == []
    assert patient.classification == "unlikely"
    assert len(patient.other_fevers) == 2


def test_an_infection_that_caused_a_hold_does_not_explain_the_fever_after_the_restart(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 67-year-old woman received weekly elranatamab. In cycle 5, after a three-week hold "
            "for pneumonia, she was restarted and had a fever of 38.9 °C 20 h after the dose; "
            "blood cultures were negative.")
    (patient,) = _patients(extractor, text)
    late = [e for e in patient.episodes if e.phase == "late"]
    assert len(late) == 1 and late[0].hours_post_dose == [20, 20]


def test_a_headed_patient_of_a_series_with_nothing_found_is_still_a_patient(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Case 1 - 64 M. Talquetamab every two weeks; fever 38.6 °C the day after each dose from "
            "cycle 4, cultures negative each time.\n\n"
            "Case 2 - 70 F. Pre-treatment review; teclistamab is planned next month.")
    assert [(p.patient_id, p.classification) for p in _patients(extractor, text)] == [
        ("Case 1", "probable"), ("Case 2", "unlikely")]


def test_a_dose_timed_in_the_sentence_before_on_the_same_line(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 63-year-old woman on glofitamab every 21 days had no CRS in cycle 1.\n"
            "- C5D1, infusion 11:00. Fever overnight after the infusion: T 38.6 at 05:00, BP 122/70, "
            "SpO2 97% RA. Cultures negative.\n"
            "- C6D1, infusion 09:00. Febrile overnight: T 38.4 at 02:00. Cultures negative.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose == [17, 18]


def test_weeks_between_doses_are_not_hours_after_a_dose(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old man on epcoritamab had fever 38.5 °C the day after his C4D1 dose; cultures "
            "negative. Dosing was held and resumed six weeks after the C4D1 dose, and he had fever "
            "38.4 °C the day after; cultures negative.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose == [24, 24]


def test_cycle_days_listed_for_the_fevers_give_the_interval(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 69-year-old man on talquetamab in 28-day cycles had grade 1 CRS on C1D3. From cycle 4, "
            "fever the day after each dose: C4D2, C4D16, C5D2 and C5D16, cultures negative each time. "
            "After the C6D1 and C7D1 doses (C6D2, C7D2) fever recurred; cultures negative.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [14, 28]


def test_a_drug_named_for_other_authors_patients_is_not_this_patients(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 61-year-old woman on elranatamab every two weeks had fever 38.7 °C the day after each "
            "dose from cycle 5, cultures negative each time, as described by Lee et al. in "
            "linvoseltamab-treated patients.")
    (patient,) = _patients(extractor, text)
    assert patient.drugs == ["elranatamab"]


def test_a_triage_call_after_a_dated_dose_months_into_therapy(extractor) -> None:  # type: ignore[no-untyped-def]
    # the start is "since" a date; the dose is dated in the sentence before the fever; the
    # day-unit note two sentences on is the same illness; ", so" ends the negation of the plan
    text = ("Patient B - 59 F, myeloma. Talquetamab since 2024/10/07, monthly from 2025/02.\n\n"
            "Talquetamab given 2025/04/22 at 14:00. Temp 38.9 at 08:00 today, aches. Sent to the "
            "day unit. Day unit note: T 38.7 °C, BP 118/70, SpO2 98% RA. Blood cultures negative.")
    (patient,) = _patients(extractor, text)
    assert [e.phase for e in patient.episodes] == ["late"]
    assert patient.hours_post_dose == [18, 18]
    assert patient.classification == "possible"


def test_the_second_night_after_a_timed_infusion(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 66-year-old man on tarlatamab every two weeks had no CRS in cycle 1.\n"
            "Infusion 2025/03/17 11:00 (C3D15). Fever the second night, 38.3 °C at 03:00. "
            "Cultures negative.\n"
            "Infusion 2025/03/31 11:00 (C4D1). Fever the second night, 38.4 °C at 02:00. "
            "Cultures negative.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose == [39, 40]


def test_a_summary_table_row_that_counts_one_late_fever_is_not_a_recurrence(extractor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from miner.ingest.text import read_text

    path = tmp_path / "series.md"
    path.write_text(
        "| Case | Age/sex | Regimen | Step-up CRS | Late fevers | Work-up |\n"
        "|---|---|---|---|---|---|\n"
        "| 1 | 70 M | teclistamab q2w | G1, C1D2 | 3, 24 h after each dose | negative x3 |\n"
        "| 2 | 61 F | elranatamab Q4W | G1, C1D2 | 1, ~30 h post dose | negative |\n",
        encoding="utf-8")
    patients = extractor.extract(read_text(path)).patients
    assert [p.classification for p in patients] == ["probable", "possible"]


def test_dose_dates_each_followed_by_a_fever_give_the_interval(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 65-year-old woman started elranatamab on 6.1.25. She had grade 1 CRS on day 2. "
            "She received elranatamab on 7.4.25, 21.4.25 and 5.5.25, and after each of these doses "
            "she had a fever of 38.6 °C the next day; cultures were negative. Dosing moved to every "
            "4 weeks: the doses of 2.6.25 and 30.6.25 were both followed by fever the day after both "
            "doses, cultures negative.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [14, 28]


def test_dates_before_the_fever_date_the_fevers_unless_the_words_before_give_doses(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old man started linvoseltamab on 2 September 2024, every 28 days from February "
            "2025. On 10 March and 7 April 2025 he presented febrile episodes within a day of the "
            "administrations; cultures were negative. Spaced to every five weeks, he again had fever "
            "within a day of each administration (38.3 °C on 12 May and 38.2 °C on 16 June 2025); "
            "cultures were negative.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [28, 35]


def test_fevers_the_authors_attribute_to_another_drug_are_not_crs_episodes(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 64-year-old man on isatuximab-pomalidomide-dexamethasone had fever of 38.5 °C a few hours "
            "after each isatuximab infusion in cycles 2 and 3; cultures were negative. His physician, who "
            "had read of late CRS with bispecific antibodies, asked about tocilizumab. We attributed the "
            "fevers to isatuximab infusion reactions; teclistamab is planned at progression.")
    (patient,) = _patients(extractor, text)
    assert patient.episodes == [] and patient.hours_post_dose is None
    assert patient.other_fevers and patient.other_fevers[0]["explained_by"] == "attributed to isatuximab"
    assert patient.classification == "unlikely"


def test_clock_times_with_their_dates_and_a_dose_named_by_its_drug(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 61-year-old man on glofitamab every 21 days had grade 1 CRS on C1D9.\n"
            "Visit 1: C3D1 given on Mar 3rd 2025, start 09:00. He felt well until 21:00 on Mar 4th 2025, "
            "when his temperature was 38.6 °C; cultures negative.\n"
            "Visit 2: C4D1 glofitamab on Mar 24th 2025 at 10:30. Febrile overnight: woke at 04:30 with "
            "a temperature of 38.9 °C; cultures negative.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose == [18, 36]


def test_a_dose_skipped_for_neutropenia_and_dates_of_doses_beside_the_fever(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old man on epcoritamab every two weeks since 2025.01.07 had no CRS in cycle 1. "
            "Fevers followed the doses: 2025.03.11 (38.4 °C), 2025.03.25 (38.7 °C) and 2025.04.08 "
            "(38.5 °C), with normal oxygen saturation; cultures were negative. The next dose was "
            "withheld for neutropenia (ANC 0.5); he resumed epcoritamab on 2025.05.05 and fever recurred "
            "on 2025.05.06 (38.9 °C). After the 2025.05.19 dose he was febrile on 2025.05.20; cultures "
            "were negative again.")
    (patient,) = _patients(extractor, text)
    late = [e for e in patient.episodes if e.phase == "late"]
    assert "2025-05-06" in {e.date for e in late} and "2025-05-20" in {e.date for e in late}
    assert patient.recurrence_interval_days == [14, 28]
    assert "oxygen" not in {t for e in patient.episodes for t in e.treatments}


def test_another_series_reported_pattern_is_not_this_patients(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 59-year-old woman on talquetamab had fever of 38.6 °C the day after each of her last three "
            "injections; blood cultures were negative. Late CRS has been described before: a recent series "
            "reported cyclic CRS every 7 to 40 days, 24-48 h after doses.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose == [24, 24]
    assert patient.recurrence_interval_days != [7, 40]


def test_cycle_days_each_with_its_reading_are_a_list(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 60-year-old man started teclistamab in 28-day cycles, weekly then every two weeks from "
            "cycle 5 (day 1 and day 15). CRS grade 1 on day 2 of cycle 1. Fever recurred on cycle 5, day 2 "
            "(38,6 °C) and on C5D16 (38,4 °C), each the day after the injection, cultures negative. On D2 of "
            "the 6th cycle the fever came back again (38,8 °C); cultures were negative.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [14, 14]


def test_a_fever_after_a_postponed_cycle_is_dated_from_its_dose(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old woman on glofitamab every 21 days had CRS grade 1 on C1D9. From cycle 4 she "
            "had fever the day after each infusion: on April 8, April 29 and May 20 2025, cultures "
            "negative. Cycle 7 was delayed a week for thrombocytopenia, so it was given on June 17, and "
            "the fever came back the next day; cultures were negative.")
    (patient,) = _patients(extractor, text)
    late = {e.date for e in patient.episodes if e.phase == "late"}
    assert "2025-06-18" in late and "2025-06-17" not in late
    assert patient.recurrence_interval_days == [21, 29]


def test_fever_dates_with_their_readings_beside_the_dose_dates(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 66-year-old man started epcoritamab on 6 January 2025; grade 1 CRS on day 2. On 5 May 2025 "
            "he had fever of 38.6 °C the day after his dose; cultures negative. The same followed the "
            "doses of 19 May and 2 June, each the next morning (20th May, 38.4 °C; 3rd June, 38.9 °C); "
            "cultures were negative. Dosing moved to every 4 weeks, and after the dose of 30 June he "
            "had fever on 1 July 2025.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [14, 28]


def test_a_positive_test_told_with_the_fever_explains_it(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 59-year-old woman on mosunetuzumab had grade 1 CRS on C1D16. Later she had two fevers:\n"
            "- April 2, two days after the cycle 4 infusion: fever of 38.8 °C with cough; the Legionella "
            "urinary antigen was positive.\n"
            "- May 14, the day after the cycle 6 infusion: fever of 39.0 °C; blood cultures grew "
            "Escherichia coli.\n")
    (patient,) = _patients(extractor, text)
    assert not [e for e in patient.episodes if e.phase == "late"]
    assert patient.classification == "unlikely"


def test_a_treatment_on_a_condition_is_a_plan(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 62-year-old man on talquetamab had fever of 38.7 °C the day after each of his last three "
            "doses; blood cultures were negative each time and he took paracetamol. Plan: if he is febrile "
            "again, cultures and review, tocilizumab 8 mg/kg only if hypotension or hypoxia, and consider "
            "dexamethasone premedication if the next fever is culture-negative.")
    (patient,) = _patients(extractor, text)
    treatments = set(patient.treatments) | {t for e in patient.episodes for t in e.treatments}
    assert "tocilizumab" not in treatments and "dexamethasone" not in treatments


def test_fevers_called_a_reaction_to_another_drug_and_a_planned_engager(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Pt 3 | 70F | DLBCL | R-GemOx C3\n"
            "Chills and T 38.7 about an hour into obinutuzumab on C2D1 and again on C3D1 = infusion-related "
            "reaction to obinutuzumab, not CRS; hydrocortisone, settled. Blood cultures negative.\n"
            "Plan per lymphoma MDT: epcoritamab after C4 if PET positive (not yet started).")
    (patient,) = _patients(extractor, text)
    assert patient.drugs == [] and patient.episodes == []
    assert patient.other_fevers[0]["explained_by"] == "attributed to obinutuzumab"
    assert patient.infection_workup_negative is True


def test_a_grade_before_a_cycle_day_and_a_dose_day_a_day_off_the_fevers(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Pt 2 | 66M | epcoritamab, 28-day cycles\n"
            "CRS gr 1 C1D16, APAP. Dosed every 2 weeks from C4. Late fevers ~20 h after the dose at C4D2, "
            "C4D16 and C5D2, BCx neg each time. Moved to q28d from C6: admitted with T 38.8 ~20 h after "
            "C6D1, BCx neg.")
    (patient,) = _patients(extractor, text)
    assert patient.first_crs is not None and patient.first_crs["grade"] == 1
    assert patient.recurrence_interval_days == [14, 28]


def test_no_tests_taken_is_not_a_negative_work_up(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 75-year-old woman on elranatamab every two weeks has had fever to 38.4 °C on the day after "
            "every injection since April, treated at home with paracetamol. No blood cultures and no "
            "imaging were performed at any episode, so an infection cannot be excluded.")
    (patient,) = _patients(extractor, text)
    assert patient.infection_workup_negative is None
    assert patient.classification == "possible"


def test_shots_named_by_date_and_the_fever_two_days_later(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("I started talquetamab in April, one shot every other Monday. The June 2 shot went fine. Two days "
            "later, on Wednesday June 4, I started shaking: 101.4 °F. Cultures were negative. Shot on Monday "
            "June 16, and two days later, Wednesday June 18, 102.0 °F; they gave me tocilizumab. Cultures "
            "negative again.")
    document_date = "Posted July 1, 2025.\n"
    (patient,) = _patients(extractor, document_date + text)
    late = sorted(e.date for e in patient.episodes if e.phase == "late" and e.date)
    assert late == ["2025-06-04", "2025-06-18"]
    assert patient.recurrence_interval_days == [14, 14]
    assert "tocilizumab" in {t for e in patient.episodes for t in e.treatments}


def test_a_text_table_with_a_dose_date_column_and_hours_after_the_dose(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 69-year-old woman started teclistamab on 7 January 2025; grade 1 CRS on day 3. From March she "
            "was dosed every two weeks and had fever after each dose.\n\n"
            "Injection date   Fever onset    Time from injection   Tmax\n"
            "04/03/2025       05/03/2025     30 h                  38,4 °C\n"
            "18/03/2025       19/03/2025     33 h                  38,7 °C\n"
            "15/04/2025       16/04/2025     28 h                  38,5 °C\n\n"
            "Blood cultures were negative every time.")
    (patient,) = _patients(extractor, text)
    assert sorted(e.date for e in patient.episodes if e.phase == "late" and e.date) == [
        "2025-03-05", "2025-03-19", "2025-04-16"]
    assert patient.recurrence_interval_days == [14, 28]
    assert patient.hours_post_dose == [28, 33]


def test_dose_positions_listed_after_each_dose_fevers(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("ITEM 2 - Patient B\n70M, epcoritamab in 28-day cycles from 02/09/2024. G1 CRS on C1D16.\n"
            "Since C6 he has been febrile the day after each injection - after C6D1, C6D15 and C7D1 (Q14D) "
            "and again after C8D1 (every 4th week); cultures negative each time.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [14, 28]


def test_a_schedule_change_date_and_the_last_dose_before_the_fever(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Mr K., aged 70, began elranatamab on 2 September 2024, weekly and then every 14 days. After the "
            "injections of 3 March and 17 March 2025 he had fever the next morning (4 March, 38.5 °C; 18 March, "
            "38.7 °C), cultures negative. From 31 March the interval was lengthened to every 4 weeks, but the "
            "next injection, on 28 April, was again followed, 20 hours later, by 38.4 °C; cultures negative.")
    (patient,) = _patients(extractor, text)
    late = sorted(e.date for e in patient.episodes if e.phase == "late" and e.date)
    assert "2025-03-31" not in late and "2025-04-29" in late
    assert patient.recurrence_interval_days == [14, 42]


def test_an_infusion_log_with_clock_times_reviews_and_abbreviations(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Date       | Time  | Event\n"
            "02/04/2025 | 09:00 | C1D1 mosunetuzumab 1 mg IV started.\n"
            "03/11/2025 | 09:30 | C4D1 mosunetuzumab 30 mg IV started.\n"
            "03/12/2025 | 22:10 | Phone call. Reports T 101.4 °F at 21:30 with chills. Declined ED.\n"
            "04/01/2025 | 09:30 | C5D1 mosunetuzumab 30 mg IV started.\n"
            "04/02/2025 | 08:00 | MD review: fever 03/12 after C4, never evaluated.\n"
            "04/03/2025 | 02:00 | On-call RN: pt reports T 101.8 °F at 01:30, rigors.\n"
            "04/22/2025 | 09:00 | MD review: two post-infusion fevers, after C4 and C5, none evaluated.\n\n"
            "Abbreviations: ED, emergency department; CRS, cytokine release syndrome.")
    (patient,) = _patients(extractor, text)
    late = sorted((e.date or "", tuple(e.hours_post_dose or ())) for e in patient.episodes if e.phase == "late")
    assert [x for x in late if x[0]] == [("2025-03-12", (36.0, 36.0)), ("2025-04-03", (40.0, 40.0))]
    assert patient.recurrence_interval_days == [22, 22]


def test_weekly_doses_listed_by_week_and_a_first_grade_in_a_clause(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Patient 1\nA 41-year-old man started weekly tebentafusp. After the first infusions he had CRS: on "
            "day 1, 9 hours after the infusion, 38.6 °C (grade 1); and on day 8, 38.9 °C with blood pressure "
            "84/50 mm Hg (grade 2). From week 9 the fever returned, 8-12 hours after the weekly dose. It "
            "followed the infusions of weeks 9, 10, 12 and 13; cultures were negative.\n\n"
            "Patient 2\nA 58-year-old woman on weekly tebentafusp had grade 1 CRS on day 1. In week 11 she had a "
            "single fever of 38.4 °C about 9 hours after the infusion; cultures were negative. This was a late "
            "grade 1 CRS episode; it did not recur over the next 12 weekly infusions.")
    one, two = _patients(extractor, text)
    assert one.first_crs is not None and one.first_crs["grade"] == 1
    assert one.recurrence_interval_days == [7, 14]
    assert two.classification == "possible"


def test_a_general_truth_about_crs_and_a_window_of_weeks_are_not_this_patients(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 57-year-old man received axicabtagene ciloleucel (day 0); grade 2 CRS on day +2, tocilizumab. On "
            "day +60 he had fever with a positive influenza A PCR. CAR-T CRS is an early event, within two weeks "
            "of the infusion; it does not recur months later.")
    (patient,) = _patients(extractor, text)
    assert patient.hours_post_dose is None
    assert not [e for e in patient.episodes if e.phase == "late"]


def test_a_stated_rhythm_and_a_held_dose_in_the_dates(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 73-year-old woman on epcoritamab since 9 January 2025, fortnightly from cycle 4, has been "
            "pyrexial on the evening after each dose: 6/3, 20/3, 3/4 and 1/5, the last after a dose held for two "
            "weeks for a chest infection. Cultures were negative each time. Recurrent late CRS at 14-day intervals.")
    (patient,) = _patients(extractor, text)
    assert patient.recurrence_interval_days == [14, 28]


def test_a_space_aligned_table_gives_each_patients_hours_unless_not_crs(extractor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from miner.extract import read_document

    text = ("We report two patients on bispecific antibodies with fevers after cycle 1 (Table 1).\n\n"
            "Table 1. Febrile events after cycle 1\n"
            "Pt    Age/sex  BsAb (schedule)     CRS in C1   Late events, n  Onset after dose  Recurrence    "
            "Interpretation\n"
            "Pt 1  64/F     Talquetamab (Q2W)   G1, C1D3    4               24-36 h           every 14 d    "
            "late CRS\n"
            "Pt 2  70/M     Teclistamab (QW)    G1, C1D2    2               48 h              -             "
            "infections, not CRS\n")
    path = tmp_path / "series.txt"
    path.write_text(text, encoding="utf-8")
    one, two = extractor.extract(read_document(path)).patients
    assert one.hours_post_dose == [24, 36] and one.recurrence_interval_days == [14, 14]
    assert two.hours_post_dose is None and two.classification != "probable"


def test_a_handover_email_with_abbreviated_drugs_and_weekday_dates(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Sent: Fri 21/03/2025 17:42\n"
            "Pt 1 - 70F, RRMM. Started tec in Nov 2024, weekly, then q2wk since Jan.\n"
            "- Spiking the day after each dose:\n"
            "  * Mon 3/3 dose -> T 38.4 Tue 4/3 ~07:30, ~20 h post dose. BCx neg.\n"
            "  * Mon 17/3 dose -> T 38.6 Tue 18/3 ~08:00, ~21 h post dose. BCx neg.\n")
    (patient,) = _patients(extractor, text)
    assert patient.drugs == ["teclistamab"]
    assert patient.recurrence_interval_days == [14, 14] and patient.hours_post_dose == [20, 21]


def test_a_form_export_field_by_field(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("Record ID: 201-0004\nT-cell engager received: Teclistamab\nDate of first dose: 10/1/24\n"
            "CRS during cycle 1: No\nLate CRS (after cycle 1): Yes\n"
            "Late CRS episodes (dates): 3/4/25; 3/18/25; 4/1/25\n"
            "Hours post-dose: 26 h; 30 h; 28 h\n"
            "Infection work-up: BCx x2, CXR at each episode; all negative\n"
            "Treatment of late CRS (choice=Tocilizumab): Unchecked\n"
            "Treatment of late CRS (choice=Acetaminophen): Checked\n")
    (patient,) = _patients(extractor, text)
    assert patient.first_crs is None and patient.recurrence_interval_days == [14, 14]
    assert "tocilizumab" not in {t for e in patient.episodes for t in e.treatments} | set(patient.treatments)


def test_an_initial_crs_is_not_blamed_on_a_later_pneumonia(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 70-year-old man started linvoseltamab. At 10 h after the first 5 mg infusion, he had 39.1 ℃ and "
            "blood pressure 86/50 mmHg that recovered with fluids. It was grade 2 CRS, and tocilizumab was given. "
            "In week 9, two days after the weekly injection, he had fever of 38.9 ℃ with cough; sputum culture "
            "grew Klebsiella pneumoniae and it was treated as pneumonia.")
    (patient,) = _patients(extractor, text)
    assert patient.first_crs is not None and patient.first_crs["grade"] == 2
    assert patient.hours_post_dose == [10, 10]
    assert not [e for e in patient.episodes if e.phase == "late"]


def test_a_single_late_fever_that_did_not_recur_after_the_next_doses(extractor) -> None:  # type: ignore[no-untyped-def]
    text = ("A 71-year-old woman started teclistamab in October 2024, weekly. CRS was not observed during "
            "step-up dosing. On 2025/4/8, the day after the dose of 2025/4/7, she had fever of 38.3℃; blood and "
            "urine cultures were negative. The fever settled within a day, and fever did not recur after the next "
            "five weekly administrations.")
    (patient,) = _patients(extractor, text)
    assert patient.first_crs is None
    assert patient.classification == "possible"
