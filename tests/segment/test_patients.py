"""Patient segmentation on small texts (pure, no spaCy)."""

from __future__ import annotations

import pytest

from miner.segment.patients import segment_patients


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("Case 1\nA 64-year-old woman.\n\nCase 2\nA 65-year-old man.\n\nDiscussion\nCRS is common.",
         ["Case 1", "Case 2"]),
        ("## Patient 1\nA man.\n## Patient 2\nA woman.", ["Patient 1", "Patient 2"]),
        # headings in capitals, and a trial's subject numbers in the order they come
        ("CASE 1 - 61 F on talquetamab.\n\nCASE 2 - 58 M on teclistamab.", ["Case 1", "Case 2"]),
        ("Subject 2201-0034\nA 66-year-old man.\n\nSubject 1107-0002\nA 59-year-old woman.\n\n"
         "Subject 2201-0034 later had a second event.",
         ["Subject 2201-0034", "Subject 1107-0002"]),
        ("Pt #1 - 70 M on epcoritamab.\nPt #2 - 66 F on glofitamab.", ["Pt #1", "Pt #2"]),
        # a board's minutes: "ITEM 1 - Patient A"
        ("ITEM 1 - Patient A\n68F, epcoritamab.\n\nITEM 2 - Patient B\n61M, talquetamab.",
         ["Patient A", "Patient B"]),
        # a registry export's records, numbered in the order they come
        ("Record ID: 031-0012\nAge 70, male.\n\nRecord ID: 031-0007\nAge 64, female.",
         ["Record 031-0012", "Record 031-0007"]),
        ("Patient ID 12\nAge 70.\n\nPatient ID 13\nAge 64.", ["Patient 12", "Patient 13"]),
        ("Results: Pt 1 (68F) had CRS. Pt 2 (74M) had fever.", ["Pt 1", "Pt 2"]),
        ("The first patient, a 60-year-old man, had CRS. The second patient, a 71-year-old "
         "woman, had fever.", ["Patient 1", "Patient 2"]),
        ("1. A 64-year-old woman with myeloma.\n2. A 70-year-old man with lymphoma.",
         ["Patient 1", "Patient 2"]),
        ("Patient A, a 58-year-old man, had CRS. Patient B, a 61-year-old woman, had none.",
         ["Patient A", "Patient B"]),
        ("Observation 1\n\nMrs D., 67 years old, began teclistamab.\n\nObservation 2\n\nMr R., 72 years old.",
         ["Observation 1", "Observation 2"]),
        ("Case one\nA 64-year-old woman.\n\nCase two\nA 65-year-old man.", ["Case one", "Case two"]),
        ("First patient: a 60-year-old man had CRS. Second patient: a 71-year-old woman had fever.",
         ["Patient 1", "Patient 2"]),
        ("In the first case, a 60-year-old man had CRS. In the second case, a woman had fever.",
         ["Patient 1", "Patient 2"]),
        ("The 1st patient, a 61-year-old man, started teclistamab. The 2nd patient, a 74-year-old woman, "
         "receives elranatamab.", ["Patient 1", "Patient 2"]),
        ("We describe three patients. The first is a 68-year-old woman on teclistamab. The second, a "
         "74-year-old man, has received talquetamab. The third, a 59-year-old woman on elranatamab, had "
         "one fever.", ["Patient 1", "Patient 2", "Patient 3"]),
    ],
)
def test_series_are_split(text: str, labels: list[str]) -> None:
    assert [s.label for s in segment_patients(text)] == labels


def test_discussion_ends_the_last_patient() -> None:
    text = "Case 1\nA woman had CRS.\n\nCase 2\nA man had fever.\n\nDiscussion\nCRS in general."
    last = segment_patients(text)[-1]
    assert "general" not in text[last.start : last.end]


def test_single_report_is_one_patient_from_its_case_section() -> None:
    text = ("Introduction\nBispecifics cause CRS in most patients during step-up.\n\n"
            "Case presentation\nA 58-year-old man on epcoritamab developed fever after each dose."
            "\n\nDiscussion\nCRS usually occurs early.")
    (segment,) = segment_patients(text)
    assert segment.label == "Case 1" and segment.how == "single"
    assert text[segment.start : segment.end].startswith("Case presentation")
    assert "usually occurs early" not in text[segment.start : segment.end]


def test_a_later_cross_reference_does_not_start_a_patient() -> None:
    text = "Case 1\nA woman.\nCase 2\nA man.\n\nDiscussion\nAs in Case 1, fever recurred."
    assert [s.label for s in segment_patients(text)] == ["Case 1", "Case 2"]


def test_table_region_ends_a_narrative() -> None:
    text = "Case 1\nA woman had CRS.\nCase 2\nA man had CRS.\nCase\tAge\tDrug\n1\t64\ttec\n"
    table_start = text.index("Case\tAge")
    segments = segment_patients(text, [(table_start, len(text))])
    assert segments[-1].end == table_start


def test_an_enumeration_is_not_a_series() -> None:
    assert [x.label for x in segment_patients("First, we thank the team. Second, we note the limits.")] == ["Case 1"]


def test_a_log_goes_on_through_its_dated_entries_and_ends_at_a_review_of_another_patient() -> None:
    text = ("Patient A - 60 F, teclistamab.\n\n2025/03/01 10:00 | RN | call\nFever 38.5.\n\n"
            "Patient B - 70 M, talquetamab since 2024/10/07.\n\n2025/04/23 08:20 | RN | call\nTemp 38.9.\n\n"
            "2025/04/25 14:05 | RN | call\nCultures negative.\n\n"
            "Weekly review: Patient A - fevers after doses; Patient B - one episode.")
    a, b = segment_patients(text)
    assert (a.label, b.label) == ("Patient A", "Patient B")
    assert "Cultures negative" in text[b.start:b.end]
    assert "Weekly review" in text[b.start:b.end] and "fevers after doses" not in text[b.start:b.end]


def test_boxed_cases_end_where_the_article_goes_on() -> None:
    text = ("Introduction\nLate CRS is rare.\n\nBox 1. Illustrative case A\nA 64-year-old woman had fever.\n\n"
            "Box 2. Illustrative case B\nA 23-year-old man had one fever.\nHe recovered.\n\n"
            "Recognising late CRS\nCase A shows the features we find persuasive.")
    a, b = segment_patients(text)
    assert (a.label, b.label) == ("Case A", "Case B")
    assert "He recovered." in text[b.start:b.end] and "persuasive" not in text[b.start:b.end]


def test_patients_introduced_one_by_one_by_their_ages() -> None:
    text = ("THE QUESTION\nI would like advice about a 68-year-old woman with myeloma on teclistamab. "
            "She becomes febrile after each injection.\n\nTHE ANSWER\nThis is late CRS. A 68-year-old woman "
            "like yours should keep treatment.\n\nA contrasting case. Last year we treated a 61-year-old woman "
            "with tarlatamab; she had CRS on day 2 only.")
    one, two = segment_patients(text)
    assert (one.label, two.label, one.how) == ("Patient 1", "Patient 2", "introduction")
    assert "keep treatment" in text[one.start:one.end] and "tarlatamab" in text[two.start:two.end]


@pytest.mark.parametrize("text", [
    # the same patient introduced again (abstract, then case presentation)
    "Abstract\nA 64-year-old woman had late CRS.\n\nCase presentation\nA 64-year-old woman with myeloma.",
    # another's case, cited
    "A 64-year-old woman had late CRS.\n\nSmith et al. described a 70-year-old man with a similar course.",
    # a relative in the patient's own paragraph
    "A 64-year-old woman had late CRS; a 40-year-old man, her son, had influenza.",
])
def test_one_patient_introduced_once_is_one_patient(text: str) -> None:
    assert [s.label for s in segment_patients(text)] == ["Case 1"]


def test_a_paragraph_comparing_the_patients_ends_the_last_one() -> None:
    text = ("Observation 1\nMrs B. had fever after each dose.\n\nObservation 2\nMrs D. had CRS in cycle 1.\n\n"
            "She stayed afebrile later.\n\nIn Observation 1 the fever came back after every injection; in "
            "Observation 2 the CRS was limited to the step-up phase.")
    one, two = segment_patients(text)
    assert "stayed afebrile" in text[two.start:two.end] and "came back" not in text[two.start:two.end]


def test_an_unheaded_patient_goes_on_through_the_course_of_treatment() -> None:
    text = ("Patient 031-0042 is a 62-year-old man on tarlatamab. He had fever after the C3D15 dose.\n\n"
            "The C5D1 dose, due on Day 113, was delayed by one week and given on Day 120. About 30 hours "
            "later he developed T 38.8 C.\n\nReferences\n1. Smith J.")
    (only,) = segment_patients(text)
    assert "About 30 hours" in text[only.start:only.end]


def test_a_log_that_comes_back_to_its_patients_gathers_each_ones_entries() -> None:
    text = ("NIGHT 1\n\n21:10  Patient A (74M, tarlatamab)\nDose at 14:00.\n\n"
            "22:40  Patient B (58F, axi-cel day +1)\nT 38.3, CRS grade 1.\n\n"
            "08:30  Patient A\nT 38.6 at 08:30, 18.5 h post-dose.\n\n"
            "08:40  Handover to day team\nA: late CRS. B: stable.\n")
    a, b = segment_patients(text)
    assert (a.label, b.label) == ("Patient A", "Patient B")
    a_text = " ".join(text[s:e] for s, e in a.parts)
    assert "18.5 h" in a_text and "CRS grade 1" not in a_text and "Handover" not in a_text


def test_a_forum_thread_is_its_first_posters_story() -> None:
    text = ("Thread: fever after every shot\n"
            "#1  mm_jo (Member)  posted Apr 2, 2025\nI get a fever a day after each shot.\n\n"
            "#2  carer_k (Caregiver)  posted Apr 2, 2025\nMy husband had CAR-T and CRS on day 7.\n\n"
            "#3  mm_jo  posted Apr 17, 2025\nUpdate: fever again two days post-dose.\n")
    (only,) = segment_patients(text)
    joined = " ".join(text[s:e] for s, e in only.parts)
    assert "Update" in joined and "husband" not in joined
