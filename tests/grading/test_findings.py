"""Table-driven tests of the grading finders (pure, no spaCy).

Every expected kind, value and span below was written by hand from reading the phrase.
"""

from __future__ import annotations

from typing import Any

import pytest

from miner.grading.findings import (
    ANTICYTOKINE,
    DEATH,
    FEVER,
    FLUIDS,
    HYPOTENSION,
    HYPOXIA,
    INOTROPE,
    KINDS,
    NO_FEVER,
    NO_HYPOTENSION,
    NO_OXYGEN,
    OXYGEN,
    POSITIVE_PRESSURE,
    VASOPRESSOR,
    Finding,
    find_findings,
    vitals_reported,
)


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_findings(text)]


def only(text: str, kind: str) -> Finding:
    found = [f for f in find_findings(text) if f.kind == kind]
    assert len(found) == 1, found
    return found[0]


# (text, kind, expected value) where the text holds exactly one finding of that kind.
VALUES: list[tuple[str, str, dict[str, Any]]] = [
    # blood pressure
    ("BP 82/45", HYPOTENSION, {"systolic": 82, "diastolic": 45}),
    ("blood pressure 85/50 mmHg", HYPOTENSION, {"systolic": 85, "diastolic": 50}),
    ("SBP 78", HYPOTENSION, {"systolic": 78}),
    ("systolic 80s", HYPOTENSION, {"systolic": 80}),
    ("MAP 60", HYPOTENSION, {"map": 60}),
    ("SBP < 90 mmHg", HYPOTENSION, {"systolic": 90, "comparator": "<"}),
    ("blood pressure dropped overnight", HYPOTENSION, {"drop": True}),
    # vasopressors and inotropes
    ("started on levophed", VASOPRESSOR, {"agent": "norepinephrine"}),
    ("noradrenaline infusion", VASOPRESSOR, {"agent": "norepinephrine"}),
    ("nor-adrenaline infusion", VASOPRESSOR, {"agent": "norepinephrine"}),
    ("low-dose norepinephrine", VASOPRESSOR, {"agent": "norepinephrine", "dose": "low"}),
    ("started on neo", VASOPRESSOR, {"agent": "phenylephrine"}),
    ("Neo-Synephrine drip", VASOPRESSOR, {"agent": "phenylephrine"}),
    ("adrenaline infusion", VASOPRESSOR, {"agent": "epinephrine"}),
    ("epi drip titrated", VASOPRESSOR, {"agent": "epinephrine"}),
    ("vasopressin 0.04 U/min", VASOPRESSOR, {"agent": "vasopressin"}),
    ("angiotensin II was added", VASOPRESSOR, {"agent": "angiotensin II"}),
    ("required vasopressor support", VASOPRESSOR, {"agent": None, "count": 1}),
    ("two vasopressors", VASOPRESSOR, {"agent": None, "count": 2}),
    ("multiple pressors", VASOPRESSOR, {"agent": None, "count": 2}),
    ("dual pressors", VASOPRESSOR, {"agent": None, "count": 2}),
    ("dobutamine for low output", INOTROPE, {"agent": "dobutamine"}),
    # oxygen
    ("2 L/min nasal cannula", OXYGEN, {"device": "nasal cannula", "flow_l_min": 2.0, "level": 2}),
    ("nasal cannula at 4 L", OXYGEN, {"device": "nasal cannula", "flow_l_min": 4.0, "level": 2}),
    ("NC 3L", OXYGEN, {"device": "nasal cannula", "flow_l_min": 3.0, "level": 2}),
    ("placed on 2LNC", OXYGEN, {"device": "nasal cannula", "flow_l_min": 2.0, "level": 2}),
    ("nasal cannula at 6 L/min", OXYGEN, {"device": "nasal cannula", "flow_l_min": 6.0, "level": 2}),
    ("nasal cannula at 7 L/min", OXYGEN, {"device": "nasal cannula", "flow_l_min": 7.0, "level": 3}),
    ("NC 2-4 L", OXYGEN, {"device": "nasal cannula", "flow_l_min": 4.0, "level": 2}),
    ("low-flow oxygen", OXYGEN, {"device": "low-flow oxygen", "level": 2}),
    ("supplemental oxygen", OXYGEN, {"device": "supplemental oxygen", "level": 2}),
    ("blow-by", OXYGEN, {"device": "blow-by", "level": 2}),
    ("high-flow nasal cannula (HFNC) 40 L/min 50% FiO2", OXYGEN,
     {"device": "high-flow nasal cannula", "flow_l_min": 40.0, "fio2": 50, "level": 3}),
    ("HFNO", OXYGEN, {"device": "high-flow nasal cannula", "level": 3}),
    ("face mask", OXYGEN, {"device": "face mask", "level": 3}),
    ("simple facemask", OXYGEN, {"device": "face mask", "level": 3}),
    ("Venturi mask", OXYGEN, {"device": "Venturi mask", "level": 3}),
    ("non-rebreather", OXYGEN, {"device": "non-rebreather mask", "level": 3}),
    ("NRB", OXYGEN, {"device": "non-rebreather mask", "level": 3}),
    ("required 4 L O2", OXYGEN, {"device": "oxygen", "flow_l_min": 4.0, "level": 2}),
    ("O2 at 12 L", OXYGEN, {"device": "oxygen", "flow_l_min": 12.0, "level": 3}),
    ("2 L NC for comfort", OXYGEN, {"device": "nasal cannula", "flow_l_min": 2.0, "level": 0, "comfort": True}),
    ("2-3L NC at baseline (home O2)", OXYGEN,
     {"device": "nasal cannula", "flow_l_min": 3.0, "level": 0, "chronic": True}),
    ("home O2 2L NC", OXYGEN, {"device": "nasal cannula", "flow_l_min": 2.0, "level": 0, "chronic": True}),
    ("placed on 2 L NC; baseline SpO2 98%", OXYGEN, {"device": "nasal cannula", "flow_l_min": 2.0, "level": 2}),
    ("SpO2 94% on 3 L", OXYGEN, {"device": "oxygen", "flow_l_min": 3.0, "level": 2}),
    ("CPAP", POSITIVE_PRESSURE, {"device": "CPAP", "level": 4}),
    ("BiPAP", POSITIVE_PRESSURE, {"device": "BiPAP", "level": 4}),
    ("NIV", POSITIVE_PRESSURE, {"device": "non-invasive ventilation", "level": 4}),
    ("non-invasive ventilation", POSITIVE_PRESSURE, {"device": "non-invasive ventilation", "level": 4}),
    ("intubated", POSITIVE_PRESSURE, {"device": "intubation", "level": 4}),
    ("mechanical ventilation", POSITIVE_PRESSURE, {"device": "mechanical ventilation", "level": 4}),
    ("room air", NO_OXYGEN, {"room_air": True}),
    ("94% on RA", NO_OXYGEN, {"room_air": True}),
    # saturation
    ("SpO2 88%", HYPOXIA, {"spo2": 88}),
    ("O2 sat 86%", HYPOXIA, {"spo2": 86}),
    ("oxygen saturation of 87%", HYPOXIA, {"spo2": 87}),
    ("desaturated to 84%", HYPOXIA, {"spo2": 84}),
    # fever
    ("101.2 °F", FEVER, {"celsius": 38.4, "scale": "F"}),
    ("Tmax 38.0 °C", FEVER, {"celsius": 38.0, "scale": "C"}),
    ("afebrile", NO_FEVER, {}),
    # therapy
    ("tocilizumab 8 mg/kg", ANTICYTOKINE, {"agent": "tocilizumab", "drug_class": "anticytokine"}),
    ("premedicated with dexamethasone", ANTICYTOKINE,
     {"agent": "dexamethasone", "drug_class": "corticosteroid", "premedication": True}),
    # death
    ("died of refractory CRS", DEATH, {"attributed_to_crs": True, "cause": "CRS"}),
    ("fatal cytokine release syndrome", DEATH, {"attributed_to_crs": True, "cause": "CRS"}),
    ("CRS-related death", DEATH, {"attributed_to_crs": True, "cause": "CRS"}),
    ("died of disease progression", DEATH, {"attributed_to_crs": False, "cause": "disease progression"}),
    ("died from sepsis and CRS", DEATH, {"attributed_to_crs": False, "cause": "sepsis and CRS"}),
    # negation turns a finding into its no_* kind
    ("did not require vasopressors", NO_HYPOTENSION, {"negated": "vasopressor"}),
    ("no vasopressor support", NO_HYPOTENSION, {"negated": "vasopressor"}),
    ("vasopressors were not required", NO_HYPOTENSION, {"negated": "vasopressor"}),
    ("no hypotension", NO_HYPOTENSION, {"negated": "hypotension"}),
    ("normotensive", NO_HYPOTENSION, {}),
    ("haemodynamically stable", NO_HYPOTENSION, {}),
    ("normal blood pressure", NO_HYPOTENSION, {}),
    ("without hypoxia", NO_OXYGEN, {"negated": "hypoxia"}),
    ("no oxygen requirement", NO_OXYGEN, {"negated": "supplemental oxygen"}),
    ("did not require intubation", NO_OXYGEN, {"negated": "intubation"}),
    ("denied fever", NO_FEVER, {}),
]


@pytest.mark.parametrize(("text", "kind", "value"), VALUES)
def test_finding_value(text: str, kind: str, value: dict[str, Any]) -> None:
    assert only(text, kind).value == value


# (text, expected kinds in text order)
KIND_SEQUENCES: list[tuple[str, list[str]]] = [
    ("without hypotension or hypoxia", [NO_HYPOTENSION, NO_OXYGEN]),
    ("no fever, hypotension or hypoxia", [NO_FEVER, NO_HYPOTENSION, NO_OXYGEN]),
    ("no hypotension, hypoxia or need for vasopressors", [NO_HYPOTENSION, NO_OXYGEN, NO_HYPOTENSION]),
    ("neither hypotension nor hypoxia", [NO_HYPOTENSION, NO_OXYGEN]),
    ("hypotension not responsive to fluids", [HYPOTENSION, FLUIDS]),
    ("hypotension not requiring vasopressors", [HYPOTENSION, NO_HYPOTENSION]),
    ("no fever but hypotensive", [NO_FEVER, HYPOTENSION]),
    ("absence of hypoxia; BP 80/40", [NO_OXYGEN, HYPOTENSION]),
    ("not hypoxic", [NO_OXYGEN]),
    ("never required oxygen", [NO_OXYGEN]),
    ("no longer required oxygen", [OXYGEN]),
    ("MAP in the 50s despite 2 L of crystalloid, norepinephrine started", [HYPOTENSION, FLUIDS, VASOPRESSOR]),
    ("satting 89% on RA, placed on NRB", [HYPOXIA, NO_OXYGEN, OXYGEN]),
    ("2 L NC, then HFNC 40 L/min", [OXYGEN, OXYGEN]),
    ("risk of intubation", []),
    ("monitor for hypotension", []),
    ("norepinephrine if needed", []),
    ("BP 120/80, SpO2 97%", []),
    ("MAP goal > 60", []),
    ("oxygen saturation 95%", []),
    ("grade 5 CRS", []),
    ("neoadjuvant chemotherapy", []),
    ("history of RA", []),
    ("2 L of crystalloid", [FLUIDS]),
    ("no CRS-related deaths", []),
    ("no patient died of CRS", []),
    ("fever-free", [NO_FEVER]),
    ("temperature 37.2 °C", []),
    ("no fever above 38.5 °C", [NO_FEVER]),
    ("hypotension did not develop", [NO_HYPOTENSION]),
    ("Hypotension and hypoxia were not observed", [NO_HYPOTENSION, NO_OXYGEN]),
    ("Hypotension resolved and oxygen was not required", [HYPOTENSION]),
    ("Not on pressors, on 2L NC", [NO_HYPOTENSION, OXYGEN]),
    ("No significant hypotension", [NO_HYPOTENSION]),
    ("No response to fluids, norepinephrine started", [FLUIDS, VASOPRESSOR]),
    ("No oxygen", [NO_OXYGEN]),
    ("Death due to CRS was not reported", []),
    ("The patient died 3 days later", [DEATH]),
    ("SpO2 93% on 2L", [OXYGEN]),
]


@pytest.mark.parametrize(("text", "expected"), KIND_SEQUENCES)
def test_kinds_in_order(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


def test_spans_are_offsets_into_the_text() -> None:
    text = "Febrile to 39.1 °C; BP 84/50, started on levophed; placed on 2L NC."
    found = find_findings(text)
    assert [(f.kind, f.text) for f in found] == [
        (FEVER, "Febrile"),
        (FEVER, "39.1 °C"),
        (HYPOTENSION, "BP 84/50"),
        (VASOPRESSOR, "levophed"),
        (OXYGEN, "2L NC"),
    ]
    for finding in found:
        assert text[finding.start : finding.end] == finding.text


def test_distinct_agents_per_passage() -> None:
    found = find_findings("norepinephrine, then phenylephrine and vasopressin; norepinephrine weaned")
    agents = [f.value["agent"] for f in found if f.kind == VASOPRESSOR]
    assert agents == ["norepinephrine", "phenylephrine", "vasopressin", "norepinephrine"]


def test_adrenaline_is_not_read_inside_noradrenaline() -> None:
    agents = [f.value["agent"] for f in find_findings("noradrenaline") if f.kind == VASOPRESSOR]
    assert agents == ["norepinephrine"]


def test_every_kind_is_declared() -> None:
    text = (
        "Fever 39 °C, afebrile later; BP 80/40, no hypotension after 1 L fluid bolus; norepinephrine; dobutamine; "
        "2 L NC; room air; SpO2 85%; CPAP; tocilizumab; died of CRS."
    )
    assert {f.kind for f in find_findings(text)} <= set(KINDS)
    assert set(KINDS) - {f.kind for f in find_findings(text)} == set()


def test_findings_are_hashable_and_frozen() -> None:
    finding = only("SBP 78", HYPOTENSION)
    assert finding in {finding}
    with pytest.raises(AttributeError):
        finding.kind = "fever"  # type: ignore[misc]


@pytest.mark.parametrize(("text", "reported"), [
    ("T 38.3, blood pressure 126/78 mmHg, SpO2 98% in room air", True),
    ("temperature 38.5, BP 118/72, sats 97%", True),
    ("38.4 °C, haemodynamics normal", True),
    ("fever 38.9 °C, normotensive", True),
    ("Tmax 38.9, normal vital signs", True),
    ("home BP and pulse oximetry normal", True),
    ("pressure 92/60 mmHg", True),
    ("fever of 38.6 °C with rigors", False),
    ("he runs a fever after every treatment", False),
])
def test_vitals_reported(text: str, reported: bool) -> None:
    assert vitals_reported(text) is reported
