"""Table-driven tests of the ASTCT 2019 CRS grade derived from text (pure, no spaCy).

Every expected grade below was written by hand from the ASTCT 2019 table (Lee et al., Biol Blood
Marrow Transplant 2019): fever >= 38.0 °C; hypotension not needing vasopressors 2, one vasopressor
(with or without vasopressin) 3, several (vasopressin excluded) 4; low-flow nasal cannula
(<= 6 L/min) or blow-by 2, high-flow nasal cannula (> 6 L/min) or a mask 3, positive pressure 4;
the worse decides; death due to CRS 5. Where the consensus is open, the choice documented in
miner.grading.astct is what is expected.
"""

from __future__ import annotations

import pytest

from miner.grading import derive_from_text, derive_grade, find_findings, grade_disagreement
from miner.grading.findings import FEVER, OXYGEN, VASOPRESSOR, Finding

# (text, grade, hypotension level, hypoxia level); fever read from the text.
BOUNDARIES: list[tuple[str, int | None, int, int]] = [
    # nasal cannula: 6 L/min is low-flow (2), above 6 L/min is high-flow (3)
    ("Fever 38.6 °C; oxygen via nasal cannula at 6 L/min.", 2, 0, 2),
    ("Fever 38.6 °C; oxygen via nasal cannula at 7 L/min.", 3, 0, 3),
    ("Fever 39 °C; nasal cannula at 6.5 L/min.", 3, 0, 3),
    # a named high-flow device is grade 3 whatever the flow written
    ("Febrile to 39 °C, started on high-flow nasal cannula at 5 L/min.", 3, 0, 3),
    # one vasopressor 3, two 4, vasopressin not counted
    ("Fever to 39 °C with hypotension requiring norepinephrine.", 3, 3, 0),
    ("Fever 39.5 °C; hypotension requiring norepinephrine and phenylephrine.", 4, 4, 0),
    ("Fever 39 °C; hypotension requiring norepinephrine and vasopressin.", 3, 3, 0),
    ("Fever 39 °C; required two vasopressors (norepinephrine and vasopressin).", 3, 3, 0),
    ("Fever 39 °C; three pressors including vasopressin.", 4, 4, 0),
    # fluids only 2
    ("Fever 38.9 °C; hypotension responded to a 1 L fluid bolus.", 2, 2, 0),
    # systolic 90 is not hypotension, 89 is; 38.0 °C is fever, 37.9 °C is not
    ("Fever of 101.5 F and BP 90/60.", 1, 0, 0),
    ("Temperature 38.0 °C; BP 89/60.", 2, 2, 0),
    ("Temperature 37.9 °C, BP 85/50.", None, 2, 0),
    # MAP 64 is hypotension, 65 is not
    ("Fever 39 °C; MAP 64.", 2, 2, 0),
    ("Fever 39 °C; MAP 65.", 1, 0, 0),
    # Fahrenheit: 101.2 °F is 38.4 °C
    ("Temperature 101.2 °F, hypotensive to 85/50, responded to fluids.", 2, 2, 0),
    ("Temperature 101.2 °F, no other findings.", 1, 0, 0),
    # room air and negations
    ("Fever 38.5 °C, saturating 96% on room air.", 1, 0, 0),
    ("Febrile to 38.7 °C, with no hypotension or hypoxia.", 1, 0, 0),
    ("Fever 39 °C, no hypotension, hypoxia or need for vasopressors.", 1, 0, 0),
    # positive pressure 4
    ("Fever 39 °C; placed on CPAP.", 4, 0, 4),
    ("Fever 40 °C, hypoxic respiratory failure requiring intubation.", 4, 0, 4),
    # death due to CRS 5, from another cause not
    ("She died of refractory CRS on day 9.", 5, 0, 0),
    ("Fever 39 °C; she died of disease progression on day 40.", 1, 0, 0),
    ("Fever 39 °C; died of sepsis in the setting of CRS.", 1, 0, 0),
]

# Real-world phrasing (case reports, nursing notes, discharge summaries).
PHRASINGS: list[tuple[str, int | None, int, int]] = [
    ("T 38.4, BP 84/50, started on levophed.", 3, 3, 0),
    ("Febrile to 39.1, placed on 2L NC.", 2, 0, 2),
    ("Fever 38.8 °C; required 4 L O2 via nasal prongs.", 2, 0, 2),
    ("Tmax 39.2, satting 89% on RA, placed on NRB.", 3, 0, 3),
    ("Fever 38.5 °C; MAP in the 50s despite 2 L of crystalloid, norepinephrine started.", 3, 3, 0),
    ("Fever 39 °C; started on neo for BP 78/40.", 3, 3, 0),
    ("Febrile 39.4 °C; on levophed and neosynephrine drips.", 4, 4, 0),
    ("Fever 38.6 °C; on norepinephrine and vasopressin, MAP 58.", 3, 3, 0),
    ("Fever 39 °C; required two vasopressors.", 4, 4, 0),
    ("Fever 39 °C; required multiple pressors.", 4, 4, 0),
    ("Fever 39 °C; required vasopressors.", 3, 3, 0),
    ("Fever 38.9 °C; low-dose norepinephrine for 12 hours.", 3, 3, 0),
    ("Fever 38.3 °C; BP 88/52, given 500 mL normal saline bolus.", 2, 2, 0),
    ("Fever 38.3 °C; SBP 78, volume resuscitation with good response.", 2, 2, 0),
    ("Fever 39 °C; systolic 80s, improved with IV fluids.", 2, 2, 0),
    ("Fever 39 °C; SBP in the 90s.", 1, 0, 0),
    ("Fever 39 °C; BP 112/68, SpO2 97% on room air.", 1, 0, 0),
    ("Fever 38.5 °C; hemodynamically stable, no oxygen requirement.", 1, 0, 0),
    ("Fever 38.5 °C; did not require vasopressors or supplemental oxygen.", 1, 0, 0),
    ("Fever 38.7 °C; hypotension not requiring vasopressors.", 2, 2, 0),
    ("Fever 39 °C; supplemental oxygen was required.", 2, 0, 2),
    ("Fever 39 °C with SpO2 88%.", 1, 0, 0),
    ("Fever 39 °C, hypoxaemia noted.", 1, 0, 0),
    ("Fever 38.5 °C; blow-by oxygen.", 2, 0, 2),
    ("Fever 39 °C; simple facemask at 6 L/min.", 3, 0, 3),
    ("Fever 39 °C; Venturi mask 40%.", 3, 0, 3),
    ("Fever 39 °C; placed on a non-rebreather.", 3, 0, 3),
    ("Fever 39 °C; HFNC 40 L/min, FiO2 50%.", 3, 0, 3),
    ("Fever 39 °C; escalated to BiPAP.", 4, 0, 4),
    ("Fever 39 °C; non-invasive ventilation overnight.", 4, 0, 4),
    ("Fever 39 °C; intubated and mechanically ventilated.", 4, 0, 4),
    ("Fever 39 °C; nasal cannula 2 L, increased to 8 L.", 3, 0, 3),
    ("Fever 39 °C; required 10 L O2.", 3, 0, 3),
    ("Fever 39 °C; NC 3L.", 2, 0, 2),
    ("Fever 39 °C; low-flow oxygen.", 2, 0, 2),
    ("Fever 39 °C; HFNO.", 3, 0, 3),
    ("Fever 39 °C; oxygen 2 L/min for comfort.", 1, 0, 0),
    ("Fever 38.4 °C; home CPAP for obstructive sleep apnoea.", 1, 0, 0),
    ("Fever 39 °C, intubated for airway protection due to seizures.", 1, 0, 0),
    ("Afebrile; BP 120/80 on room air.", None, 0, 0),
    ("No fever, hypotension or hypoxia.", None, 0, 0),
    ("Fever 39 °C; norepinephrine if needed.", 1, 0, 0),
    ("Fever 39 °C; at risk of intubation, on 5 L nasal cannula.", 2, 0, 2),
    ("Fever 39 °C; avoided intubation with high-flow nasal cannula.", 3, 0, 3),
    ("Fever 38.2 °C; no need for oxygen or vasopressors.", 1, 0, 0),
    ("Fever 39 °C; vasopressors were not needed.", 1, 0, 0),
    ("Fever 39 °C; hypotension resolved with fluids; oxygen saturation 95%.", 2, 2, 0),
    ("Fever 39 °C; required dopamine.", 3, 3, 0),
    ("Fever 39 °C; dobutamine started for cardiomyopathy.", 1, 0, 0),
    ("Fever 39 °C; epinephrine and norepinephrine infusions.", 4, 4, 0),
    ("Fever 39 °C; noradrenaline and adrenaline.", 4, 4, 0),
    ("Fever 39 °C; died of multiorgan failure due to CRS.", 5, 0, 0),
    ("Fatal cytokine release syndrome occurred on day 6.", 5, 0, 0),
    ("There were no CRS-related deaths; fever 38.5 °C.", 1, 0, 0),
    ("Fever 39 °C; she was not hypotensive.", 1, 0, 0),
    ("Fever 39 °C; denies shortness of breath; BP 82/50.", 2, 2, 0),
    ("Fever 39 °C; on pressors and 2L NC.", 3, 3, 2),
    ("Fever 39 °C; BiPAP and norepinephrine.", 4, 3, 4),
    ("Fever 39 °C; extubated on day 5.", 4, 0, 4),
    ("Fever 39.0 °C; weaned to room air after 2 days on 2 L NC.", 2, 0, 2),
    ("Fever 39 °C; no longer required oxygen.", 2, 0, 2),
    ("Pyrexia to 39.3 °C with low blood pressure, fluid-responsive.", 2, 2, 0),
    ("Spiked a temperature of 102.4 F overnight and required 3 L nasal cannula.", 2, 0, 2),
    ("Fever 38.5 °C; desaturated to 85% on room air, placed on face mask.", 3, 0, 3),
    ("Fever 38.5 °C; BP dropped, responded to IV fluids.", 2, 2, 0),
    ("Febrile, hypotensive (SBP 82) requiring phenylephrine, then norepinephrine added.", 4, 4, 0),
    ("Fever 39 °C; she remained normotensive throughout.", 1, 0, 0),
    ("Fever 38.6 °C and sats in the 80s on 4 liters per minute nasal cannula.", 2, 0, 2),
    ("Vitals: T 38.7, HR 118, BP 86/48, RR 22, SpO2 91% on 3L NC.", 2, 2, 2),
    ("Fever 38.9, HR 120, BP 95/60, SpO2 93% on 2L.", 2, 0, 2),
    ("Tocilizumab was administered for persistent fever; hypotension did not develop.", 1, 0, 0),
    ("She was started on 2 L oxygen via nasal cannula, later escalated to a non-rebreather at 15 L/min; fever 39 °C.",
     3, 0, 3),
    ("Admitted with fever 40.1 and rigors; given paracetamol and IV fluids; no hypotension or oxygen requirement.",
     1, 0, 0),
    ("The patient was started on norepinephrine, and subsequently vasopressin and phenylephrine were added; T 38.9.",
     4, 4, 0),
    ("Fever 38.5 °C; requires 2-3L NC at baseline (home O2).", 1, 0, 0),
]

# No fever in the text, but tocilizumab or steroids given: fever is no longer required.
AFTER_ANTICYTOKINE: list[tuple[str, int | None, int, int]] = [
    ("After tocilizumab she became hypotensive to 82/40 and received IV fluids.", 2, 2, 0),
    ("Hypotension requiring norepinephrine, phenylephrine and vasopressin despite tocilizumab and dexamethasone.",
     4, 4, 0),
    ("After two doses of tocilizumab, desaturated to 85% and was placed on 4 L nasal cannula.", 2, 0, 2),
    ("Following methylprednisolone, hypotensive requiring norepinephrine.", 3, 3, 0),
    # therapy given but nothing else qualifies: no grade
    ("Tocilizumab 8 mg/kg was given; afebrile since.", None, 0, 0),
    # premedication does not lift the fever requirement
    ("Premedicated with dexamethasone and acetaminophen; BP 86/50.", None, 2, 0),
    # no fever and no therapy: no grade, whatever the hypotension
    ("BP 80/40 requiring norepinephrine.", None, 3, 0),
]


@pytest.mark.parametrize(("text", "grade", "hypotension", "hypoxia"), BOUNDARIES + PHRASINGS + AFTER_ANTICYTOKINE)
def test_grade_from_text(text: str, grade: int | None, hypotension: int, hypoxia: int) -> None:
    derived = derive_from_text(text)
    assert (derived.grade, derived.hypotension_level, derived.hypoxia_level) == (grade, hypotension, hypoxia), (
        derived.reasons
    )


def test_enough_phrasings() -> None:
    assert len(PHRASINGS) >= 60


def test_fever_passed_by_caller_overrides_text() -> None:
    text = "Hypotension requiring norepinephrine."
    assert derive_from_text(text, fever=True).grade == 3
    assert derive_from_text(text, fever=False).grade is None
    assert derive_from_text(text, fever=False, anticytokine_given=True).grade == 3
    assert derive_from_text("Fever 39.5 °C, norepinephrine started.", fever=False).grade is None


def test_fever_alone_is_grade_1_and_nothing_is_none() -> None:
    assert derive_grade([], fever=True).grade == 1
    assert derive_grade([], fever=False).grade is None
    assert derive_grade([], fever=False, anticytokine_given=True).grade is None


def test_reasons_name_the_vasopressor_and_the_grade() -> None:
    derived = derive_from_text("Fever 39 °C; hypotension requiring norepinephrine.")
    assert "hypotension needing one vasopressor (norepinephrine) -> grade 3" in derived.reasons


def test_reasons_for_vasopressin_and_several_agents() -> None:
    with_vasopressin = derive_from_text("Fever 39 °C; norepinephrine and vasopressin.")
    assert any("vasopressin is not counted" in reason for reason in with_vasopressin.reasons)
    several = derive_from_text("Fever 39 °C; norepinephrine and phenylephrine.")
    assert "hypotension needing several vasopressors (norepinephrine, phenylephrine) -> grade 4" in several.reasons


def test_reasons_for_nasal_cannula_flow() -> None:
    low = derive_from_text("Fever 39 °C; nasal cannula at 6 L/min.")
    assert "nasal cannula at 6 L/min (low-flow, at most 6 L/min) -> grade 2" in low.reasons
    high = derive_from_text("Fever 39 °C; nasal cannula at 7 L/min.")
    assert "nasal cannula at 7 L/min (above 6 L/min is high-flow) -> grade 3" in high.reasons


def test_hypoxia_without_device_is_explained_not_graded() -> None:
    derived = derive_from_text("Fever 39 °C; SpO2 86%.")
    assert derived.hypoxia_level == 0
    assert any("hypoxia level not derived" in reason for reason in derived.reasons)


def test_worse_axis_decides_and_is_explained() -> None:
    derived = derive_from_text("Fever 39 °C; norepinephrine started; on CPAP.")
    assert derived.grade == 4
    assert "the worse of hypotension (grade 3) and hypoxia (grade 4) decides -> grade 4" in derived.reasons


def test_deciding_findings_are_returned() -> None:
    text = "Fever 39 °C; 2 L NC; later norepinephrine."
    derived = derive_from_text(text)
    kinds = {f.kind for f in derived.findings}
    assert kinds == {FEVER, OXYGEN, VASOPRESSOR}
    vasopressor = next(f for f in derived.findings if f.kind == VASOPRESSOR)
    assert text[vasopressor.start : vasopressor.end] == "norepinephrine"


def test_death_from_crs_is_5_even_without_fever() -> None:
    derived = derive_grade(
        [Finding("death", "fatal CRS", 0, 9, {"attributed_to_crs": True, "cause": "CRS"})], fever=False
    )
    assert derived.grade == 5


def test_death_from_other_cause_is_explained() -> None:
    derived = derive_from_text("Fever 39 °C; died of sepsis on day 20.")
    assert derived.grade == 1
    assert any("death not attributed to CRS" in reason for reason in derived.reasons)


def test_derive_grade_uses_therapy_among_findings() -> None:
    findings = find_findings("Tocilizumab given; later hypotension requiring norepinephrine.")
    assert derive_grade(findings, fever=False).grade == 3


@pytest.mark.parametrize(
    ("stated", "derived", "expected"),
    [
        (2, 3, "stated grade 2, but the ASTCT 2019 criteria in the text give grade 3 (higher than stated)"),
        (3, 1, "stated grade 3, but the ASTCT 2019 criteria in the text give grade 1 (lower than stated)"),
        (2, 2, None),
        (None, 3, None),
        (2, None, None),
    ],
)
def test_grade_disagreement(stated: int | None, derived: int | None, expected: str | None) -> None:
    assert grade_disagreement(stated, derived) == expected
