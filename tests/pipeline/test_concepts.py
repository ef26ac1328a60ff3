"""Concept, measure and assertion components on small inline texts."""

from __future__ import annotations

import pytest

from miner.labels import CRS, DRUG, FEVER, GRADE, INFECTION, INFECTION_WORKUP, TREATMENT


def _by_label(mentions, label):  # type: ignore[no-untyped-def]
    return [m for m in mentions if m.label == label]


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("She started Tecvayli in 2023.", "teclistamab"),
        ("C3D1 talquetamab given.", "talquetamab"),
        ("after cilta-cel infusion", "ciltacabtagene autoleucel"),
        ("epcor 48 mg SC on C2D1", "epcoritamab"),
        ("Blincyto continuous infusion", "blinatumomab"),
        ("Imdelltra for small-cell lung cancer", "tarlatamab"),
    ],
)
def test_drug_names_normalise_to_generic(mentions_of, text: str, norm: str) -> None:
    drugs = _by_label(mentions_of(text), DRUG)
    assert [d.norm for d in drugs] == [norm]
    assert drugs[0].attrs.get("target")


def test_misspelled_drug_is_recognised_and_marked(mentions_of) -> None:  # type: ignore[no-untyped-def]
    drugs = _by_label(mentions_of("Bispecific antibody: Tecelstamab"), DRUG)
    assert [(d.text, d.norm, d.is_misspelled) for d in drugs] == [
        ("Tecelstamab", "teclistamab", True)]


def test_other_antibodies_are_not_fuzzy_matched(mentions_of) -> None:  # type: ignore[no-untyped-def]
    text = "prior daratumumab, belantamab mafodotin and elotuzumab"
    assert _by_label(mentions_of(text), DRUG) == []


def test_crs_full_and_abbreviation(mentions_of) -> None:  # type: ignore[no-untyped-def]
    crs = _by_label(mentions_of("cytokine release syndrome (CRS) grade 2; CRS recurred"), CRS)
    assert [m.text for m in crs] == ["cytokine release syndrome", "CRS", "CRS"]


def test_crs_defined_as_something_else_is_dropped(mentions_of) -> None:  # type: ignore[no-untyped-def]
    text = "History of chronic rhinosinusitis (CRS). CRS symptoms improved with saline."
    assert _by_label(mentions_of(text), CRS) == []


@pytest.mark.parametrize(
    ("text", "celsius"),
    [
        ("fever up to 39 °C", 39.0),
        ("Tmax 101.3F overnight", 38.5),
        ("temperature of 38,5 °C", 38.5),
        ("T 102.2 F", 39.0),
    ],
)
def test_temperatures_become_fever_in_celsius(mentions_of, text: str, celsius: float) -> None:
    temps = [m for m in _by_label(mentions_of(text), FEVER) if m.value]
    assert [m.value["temp_c"] for m in temps] == [celsius]


def test_normal_temperature_is_not_fever(mentions_of) -> None:  # type: ignore[no-untyped-def]
    assert [m for m in _by_label(mentions_of("T 37.2 °C, afebrile"), FEVER) if m.value] == []


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("grade 2 CRS", 2, 2), ("G1 CRS", 1, 1), ("Grade II", 2, 2), ("grade 1–2 CRS", 1, 2),
     ("ASTCT grade 3", 3, 3)],
)
def test_grades(mentions_of, text: str, low: int, high: int) -> None:
    grades = _by_label(mentions_of(text), GRADE)
    assert [(g.value["low"], g.value["high"]) for g in grades] == [(low, high)]


def test_treatments_with_class(mentions_of) -> None:  # type: ignore[no-untyped-def]
    text = "managed with tocilizumab 8 mg/kg, dexamethasone and acetaminophen; norepinephrine"
    treatments = _by_label(mentions_of(text), TREATMENT)
    assert [t.norm for t in treatments] == [
        "tocilizumab", "dexamethasone", "paracetamol", "norepinephrine"]


def test_an_oxygen_reading_is_not_oxygen_given(mentions_of) -> None:  # type: ignore[no-untyped-def]
    text = "normal oxygen saturation, O2 sat 97%, oxygen 97%; later oxygen 2 L/min and O2 by mask"
    assert [t.text for t in _by_label(mentions_of(text), TREATMENT)] == ["oxygen", "O2"]


def test_tocilizumab_plus_minus_steroids_splits(mentions_of) -> None:  # type: ignore[no-untyped-def]
    treatments = _by_label(mentions_of("Tocilizumab±steroids"), TREATMENT)
    assert [t.norm for t in treatments] == ["tocilizumab", "corticosteroids"]


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("No CRS was observed after cycle 2.", "is_negated"),
        ("She was monitored for CRS after each dose.", "is_hypothetical"),
        ("the risk of CRS is highest during step-up", "is_hypothetical"),
        ("Her brother had CRS after CAR-T.", "is_family"),
        ("She denied fever.", "is_negated"),
    ],
)
def test_assertion(mentions_of, text: str, flag: str) -> None:
    targets = [m for m in mentions_of(text) if m.label in (CRS, FEVER)]
    assert targets and all(getattr(m, flag) for m in targets)


def test_recurrence_words_do_not_make_fever_hypothetical(mentions_of) -> None:  # type: ignore[no-untyped-def]
    fevers = _by_label(mentions_of("The fever returned 36 hours after each dose."), FEVER)
    assert fevers and not fevers[0].is_hypothetical and not fevers[0].is_negated


def test_negative_workup_does_not_negate_the_fever(mentions_of) -> None:  # type: ignore[no-untyped-def]
    text = "She developed fever 24 h after the dose; blood cultures and chest CT were negative."
    fevers = _by_label(mentions_of(text), FEVER)
    workups = _by_label(mentions_of(text), INFECTION_WORKUP)
    assert fevers and not fevers[0].is_negated
    assert [w.norm for w in workups] == ["culture", "imaging"]


def test_afebrile_asserts_absence(mentions_of) -> None:  # type: ignore[no-untyped-def]
    fevers = _by_label(mentions_of("Patient afebrile since yesterday."), FEVER)
    assert fevers and fevers[0].is_negated


def test_named_infection(mentions_of) -> None:  # type: ignore[no-untyped-def]
    infections = _by_label(mentions_of("COVID-19 pneumonia in December 2023"), INFECTION)
    assert [i.norm for i in infections] == ["covid-19 pneumonia"]


@pytest.mark.parametrize(("text", "drug_is_hypothetical"), [
    ("The CRS risk with glofitamab after CAR-T was discussed with the patient.", True),
    ("He received glofitamab and had CRS.", False),
])
def test_planned_and_discussed_drugs_are_hypothetical(nlp, text: str, drug_is_hypothetical: bool) -> None:  # type: ignore[no-untyped-def]
    from miner.pipeline import doc_mentions

    drugs = [m for m in doc_mentions(nlp(text)) if m.label == "DRUG"]
    assert drugs and all(m.is_hypothetical == drug_is_hypothetical for m in drugs)


@pytest.mark.parametrize(
    ("pattern", "phrases"),
    [
        ([{"ORTH": {"IN": ["CRS", "CRs"]}}], ("ORTH", [["CRS"], ["CRs"]])),
        ([{"LOWER": "grade"}, {"LOWER": {"IN": ["2", "ii"]}}], ("LOWER", [["grade", "2"], ["grade", "ii"]])),
        ([{"ORTH": "CRS", "OP": "?"}], None),  # an operator
        ([{"LOWER": "CRS"}], None),  # a LOWER word in upper case never matches: left to the Matcher
        ([{"ORTH": "CRS"}, {"LOWER": "grade"}], None),  # two attributes
        ([{"IS_DIGIT": True}], None),
    ],
)
def test_token_patterns_that_are_only_words_become_phrases(pattern, phrases) -> None:  # type: ignore[no-untyped-def]
    from miner.pipeline.concepts import pattern_phrases

    assert pattern_phrases(pattern) == phrases


def test_token_patterns_match_the_same_as_phrases_or_with_the_matcher(nlp) -> None:  # type: ignore[no-untyped-def]
    concepts = nlp.get_pipe("miner_concepts")
    text = "CRS, CRs and crs; not Crs."
    found = []
    for as_phrases in (True, False):
        concepts.tokens_as_phrases = as_phrases
        try:
            doc = concepts(nlp.make_doc(text))
        finally:
            concepts.tokens_as_phrases = True
        found.append([(s.text, s._.rule_id) for s in doc.spans["miner"] if s.label_ == CRS])
    assert found[0] == found[1] == [("CRS", "crs.abbrev"), ("CRs", "crs.abbrev"), ("crs", "crs.abbrev_lower")]


def test_work_up_as_other_clinics_write_it(mentions_of) -> None:  # type: ignore[no-untyped-def]
    text = ("Uroculture, urine MCS, thorax CT, a CT pulmonary angiogram, the pneumococcal urinary antigen, "
            "a respiratory pathogen panel and bronchoalveolar lavage were all negative.")
    found = [m.text for m in mentions_of(text) if m.label == "INFECTION_WORKUP"]
    assert found == ["Uroculture", "urine MCS", "thorax CT", "CT pulmonary angiogram",
                     "pneumococcal urinary antigen", "respiratory pathogen panel", "bronchoalveolar lavage"]


def test_a_short_drug_name_is_read_as_written(mentions_of) -> None:  # type: ignore[no-untyped-def]
    from miner.prefilter import Prefilter

    assert [m.norm for m in mentions_of("on tec q2wk since January") if m.label == DRUG] == ["teclistamab"]
    assert [m for m in mentions_of("a moist Ray-Tec sponge") if m.label == DRUG] == []
    assert not Prefilter.from_patterns().matches("The Ray-Tec was left in place.")
