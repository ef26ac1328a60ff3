"""The CRS grade by the ASTCT 2019 consensus, derived from findings in text (pure, no spaCy).

ASTCT 2019 (Lee et al., Biol Blood Marrow Transplant 2019;25:625-638): fever >= 38.0 °C with

=====  ==========================================  ==============================================
grade  hypotension                                 hypoxia
=====  ==========================================  ==============================================
1      none                                        none
2      not requiring vasopressors                  low-flow nasal cannula (<= 6 L/min) or blow-by
3      one vasopressor, with or without            high-flow nasal cannula (> 6 L/min), facemask,
       vasopressin                                 non-rebreather or Venturi mask
4      several vasopressors (vasopressin excluded)  positive pressure: CPAP, BiPAP, intubation and
                                                   mechanical ventilation
5      death due to CRS
=====  ==========================================  ==============================================

The worse of hypotension and hypoxia decides. Once antipyretic or anti-cytokine therapy
(tocilizumab, corticosteroids) was given, fever is no longer required.

Choices where the consensus leaves room (each stated again in the reasons it produces):
    - Hypoxia with no oxygen support stated ("SpO2 88%", "hypoxic") sets no hypoxia level: the
      grade is set by the support the hypoxia needed, and none is stated. "Supplemental oxygen" or
      "oxygen required" without a device is level 2 (the least support there is).
    - A named high-flow nasal cannula is level 3 whatever the flow written; a nasal cannula with no
      flow stated is low-flow (level 2); oxygen above 6 L/min with no device stated is level 3.
    - Vasopressors are counted as distinct agents over the passage, vasopressin excluded; "two
      vasopressors" counts two; a bare plural ("required vasopressors") counts one. Agents given one
      after another are counted as if concurrent (the text rarely says).
    - Fluids alone set no level: they qualify a stated hypotension (level 2), they are not one.
    - Hypotension with no vasopressor stated is level 2 ("not requiring vasopressors").
    - Antipyretics and steroids given as premedication do not lift the fever requirement.
    - Without fever and without antipyretic/anti-cytokine therapy there is no grade (None), except
      death due to CRS (grade 5).

Example:
    >>> derive_from_text("Febrile to 39.2 °C; BP 84/50, started on levophed; 2 L NC").grade
    3
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from miner.grading.findings import (
    ANTICYTOKINE,
    DEATH,
    FEVER,
    FLUIDS,
    HYPOTENSION,
    HYPOXIA,
    INOTROPE,
    LOW_FLOW_MAX_L_MIN,
    NO_HYPOTENSION,
    NO_OXYGEN,
    OXYGEN,
    POSITIVE_PRESSURE,
    VASOPRESSIN,
    VASOPRESSOR,
    Finding,
    find_findings,
)


@dataclass(frozen=True)
class DerivedGrade:
    """A CRS grade derived by the ASTCT 2019 rules, with the reasons and the findings that decided.

    ``grade`` is None when fever is absent (and no antipyretic or anti-cytokine therapy was given)
    and nothing else qualifies. ``hypotension_level`` and ``hypoxia_level`` are 0 (none or unknown),
    2, 3 or 4, whatever the fever.
    """

    grade: int | None
    hypotension_level: int
    hypoxia_level: int
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class _Axis:
    """The level of one ASTCT axis (hypotension or hypoxia) with its reasons and findings."""

    level: int
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...]


def _quote(finding: Finding) -> str:
    return f"'{finding.text}'"


def _of_kind(findings: Sequence[Finding], *kinds: str) -> list[Finding]:
    return [f for f in findings if f.kind in kinds]


def _count_vasopressors(vasopressors: Sequence[Finding]) -> tuple[int, list[str], bool]:
    """Distinct vasopressors by ASTCT (vasopressin excluded), the agents named, and whether vasopressin was.

    "two vasopressors (norepinephrine and vasopressin)" counts one: the stated two are explained by
    vasopressin.
    """
    agents: list[str] = []
    for finding in vasopressors:
        agent = finding.value.get("agent")
        if agent and agent not in agents:
            agents.append(agent)
    with_vasopressin = VASOPRESSIN in agents
    named = len([a for a in agents if a != VASOPRESSIN])
    generic = max((int(f.value.get("count", 1)) for f in vasopressors if not f.value.get("agent")), default=0)
    return max(named, generic - (1 if with_vasopressin else 0)), agents, with_vasopressin


def _hypotension_axis(findings: Sequence[Finding]) -> _Axis:
    """ASTCT hypotension level: vasopressors 3 (one) or 4 (several), hypotension otherwise 2."""
    vasopressors = _of_kind(findings, VASOPRESSOR)
    hypotension = _of_kind(findings, HYPOTENSION)
    fluids = _of_kind(findings, FLUIDS)
    notes = [
        f"{f.value.get('agent')} is an inotrope, not counted as a vasopressor" for f in _of_kind(findings, INOTROPE)
    ]
    if vasopressors:
        count, agents, with_vasopressin = _count_vasopressors(vasopressors)
        named = ", ".join(agents) if agents else ", ".join(_quote(f) for f in vasopressors)
        if count >= 2:
            reason = f"hypotension needing several vasopressors ({named}) -> grade 4"
            level = 4
        elif count == 0:
            reason = "hypotension needing vasopressin, counted as one vasopressor -> grade 3"
            level = 3
        else:
            extra = "; vasopressin is not counted" if with_vasopressin else ""
            reason = f"hypotension needing one vasopressor ({named}{extra}) -> grade 3"
            level = 3
        return _Axis(level, (reason, *notes), tuple(vasopressors + hypotension))
    if hypotension:
        evidence = "; ".join(_quote(f) for f in hypotension + fluids)
        treated = " (responsive to fluids)" if fluids else ""
        reason = f"hypotension not needing vasopressors{treated}: {evidence} -> grade 2"
        return _Axis(2, (reason, *notes), tuple(hypotension + fluids))
    if fluids:
        notes.append(f"fluids given ({_quote(fluids[0])}) but no hypotension stated: fluids alone set no grade")
    absent = _of_kind(findings, NO_HYPOTENSION)
    if absent:
        notes.append(f"no hypotension stated ({_quote(absent[0])})")
    return _Axis(0, tuple(notes), ())


def _describe_oxygen(finding: Finding) -> str:
    device = str(finding.value.get("device", "oxygen"))
    flow = finding.value.get("flow_l_min")
    level = int(finding.value.get("level", 0))
    at = f" at {flow:g} L/min" if flow is not None else ""
    if finding.kind == POSITIVE_PRESSURE:
        return f"positive pressure ({device}) -> grade 4"
    if device == "high-flow nasal cannula":
        return f"high-flow nasal cannula{at} (a named high-flow device counts as > 6 L/min) -> grade 3"
    if device in ("nasal cannula", "low-flow oxygen", "supplemental oxygen", "oxygen"):
        where = "" if device in ("nasal cannula", "low-flow oxygen") else ", device not stated"
        if flow is None:
            return f"{device}{where}, flow not stated (read as low-flow) -> grade 2"
        if level == 3:
            return f"{device}{at}{where} (above {LOW_FLOW_MAX_L_MIN:g} L/min is high-flow) -> grade 3"
        return f"{device}{at}{where} (low-flow, at most {LOW_FLOW_MAX_L_MIN:g} L/min) -> grade 2"
    return f"{device}{at} -> grade {level}"


def _not_counted(finding: Finding) -> str | None:
    for key, why in (("comfort", "for comfort"), ("airway_protection", "for airway protection or a procedure"),
                     ("chronic", "chronic use (sleep apnoea / home device)")):
        if finding.value.get(key):
            return f"{_quote(finding)} not counted as hypoxia support ({why})"
    return None


def _hypoxia_axis(findings: Sequence[Finding]) -> _Axis:
    """ASTCT hypoxia level from the oxygen support stated: 2 low-flow, 3 high-flow or mask, 4 positive pressure."""
    support = _of_kind(findings, OXYGEN, POSITIVE_PRESSURE)
    notes = [note for note in map(_not_counted, support) if note]
    counted = [f for f in support if int(f.value.get("level", 0)) > 0]
    if counted:
        level = max(int(f.value["level"]) for f in counted)
        deciding = [f for f in counted if int(f.value["level"]) == level]
        return _Axis(level, (_describe_oxygen(deciding[0]), *notes), tuple(deciding))
    hypoxia = _of_kind(findings, HYPOXIA)
    if hypoxia:
        notes.append(
            f"hypoxia stated ({_quote(hypoxia[0])}) but no oxygen device or requirement: hypoxia level not derived"
        )
    elif absent := _of_kind(findings, NO_OXYGEN):
        notes.append(f"no oxygen needed ({_quote(absent[0])})")
    return _Axis(0, tuple(notes), ())


def _deaths(findings: Sequence[Finding]) -> tuple[list[Finding], list[str]]:
    crs_deaths = [f for f in findings if f.kind == DEATH and f.value.get("attributed_to_crs")]
    notes = [
        f"death not attributed to CRS ({f.value.get('cause') or _quote(f)}): not grade 5"
        for f in findings
        if f.kind == DEATH and not f.value.get("attributed_to_crs")
    ]
    return crs_deaths, notes


def derive_grade(findings: Sequence[Finding], *, fever: bool, anticytokine_given: bool = False) -> DerivedGrade:
    """Derive the ASTCT 2019 CRS grade from findings.

    Args:
        findings: from :func:`miner.grading.findings.find_findings` over one episode's text.
        fever: whether fever (>= 38.0 °C) is part of the episode; the caller decides (see
            :func:`derive_from_text` for reading it from the text).
        anticytokine_given: antipyretic or anti-cytokine therapy (tocilizumab, steroids) was given,
            so fever is no longer required. Such therapy among ``findings`` counts too, unless it
            was premedication.

    Returns:
        The grade (None when there is no fever, no such therapy and no death due to CRS), both axis
        levels, the reasons as sentences and the findings that decided.

    Example:
        "hypotension after tocilizumab, norepinephrine and vasopressin" with no fever is still
        graded: one vasopressor (vasopressin is not counted) -> grade 3.
    """
    hypotension = _hypotension_axis(findings)
    hypoxia = _hypoxia_axis(findings)
    crs_deaths, death_notes = _deaths(findings)
    therapy = [f for f in findings if f.kind == ANTICYTOKINE and not f.value.get("premedication")]
    fever_findings = tuple(_of_kind(findings, FEVER)) if fever else ()
    level = max(hypotension.level, hypoxia.level)
    reasons: list[str] = []
    if fever:
        reasons.append("fever (>= 38.0 °C) -> at least grade 1")
    elif anticytokine_given or therapy:
        given = therapy[0].value.get("agent", therapy[0].text) if therapy else "anti-cytokine therapy"
        reasons.append(f"no fever stated, but {given} was given: fever is no longer required")
    else:
        reasons.append("no fever stated and no antipyretic or anti-cytokine therapy given")
    reasons += [*hypotension.reasons, *hypoxia.reasons, *death_notes]
    deciding = fever_findings + hypotension.findings + hypoxia.findings
    if crs_deaths:
        reasons.append(f"death attributed to CRS ({_quote(crs_deaths[0])}) -> grade 5")
        return DerivedGrade(5, hypotension.level, hypoxia.level, tuple(reasons), deciding + tuple(crs_deaths))
    if fever or ((anticytokine_given or therapy) and level > 0):
        grade = max(1, level)
        if hypotension.level and hypoxia.level:
            reasons.append(
                f"the worse of hypotension (grade {hypotension.level}) and hypoxia (grade {hypoxia.level})"
                f" decides -> grade {grade}"
            )
        elif not level:
            reasons.append("fever without hypotension or hypoxia -> grade 1")
        return DerivedGrade(grade, hypotension.level, hypoxia.level, tuple(reasons), deciding + tuple(therapy[:1]))
    if level:
        reasons.append("hypotension or hypoxia without fever or antipyretic/anti-cytokine therapy: no ASTCT grade")
    return DerivedGrade(None, hypotension.level, hypoxia.level, tuple(reasons), ())


def fever_stated(findings: Sequence[Finding]) -> bool:
    """True when any finding is a (non-negated) fever: "febrile to 39 °C", "101.2 °F", "pyrexia"."""
    return any(f.kind == FEVER for f in findings)


def derive_from_text(text: str, *, fever: bool | None = None, anticytokine_given: bool = False) -> DerivedGrade:
    """Find the grading criteria in ``text`` and derive the ASTCT 2019 grade.

    Args:
        text: one episode's text (a paragraph of a case report, a note).
        fever: None reads fever from the text (a temperature >= 38.0 °C / 100.4 °F, or "fever",
            "febrile", "pyrexia" not negated; "afebrile" is no fever).
        anticytokine_given: as for :func:`derive_grade`; tocilizumab or steroids named in the text
            count as well.

    Example:
        >>> derive_from_text("T 101.2 F, satting 89% on RA, placed on NRB").grade
        3
    """
    findings = find_findings(text)
    has_fever = fever_stated(findings) if fever is None else fever
    return derive_grade(findings, fever=has_fever, anticytokine_given=anticytokine_given)


def grade_disagreement(stated: int | None, derived: int | None) -> str | None:
    """A readable sentence when a stated grade and the derived grade are both known and differ.

    >>> grade_disagreement(2, 3)
    'stated grade 2, but the ASTCT 2019 criteria in the text give grade 3 (higher than stated)'
    >>> grade_disagreement(2, 2) is None
    True
    """
    if stated is None or derived is None or stated == derived:
        return None
    direction = "higher" if derived > stated else "lower"
    return (
        f"stated grade {stated}, but the ASTCT 2019 criteria in the text give grade {derived} ({direction} than stated)"
    )
