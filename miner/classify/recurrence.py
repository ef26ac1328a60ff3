"""Probable / possible / unlikely recurrent late CRS, with reasons that cite evidence."""

from __future__ import annotations

from miner.classify.criteria import Criteria
from miner.episodes.model import Evidence, PatientRecord

PROBABLE = "probable"
POSSIBLE = "possible"
UNLIKELY = "unlikely"


def _cite(evidence: list[Evidence]) -> str:
    if not evidence:
        return ""
    e = evidence[0]
    page = f"p. {e.page}, " if e.page else ""
    snippet = e.text.strip().replace("\n", " ")
    if len(snippet) > 160:
        snippet = snippet[:157] + "..."
    return f' [{page}chars {e.start}-{e.end}: "{snippet}"]'


def classify(record: PatientRecord, criteria: Criteria) -> PatientRecord:
    """Set ``record.classification`` and ``record.reasons`` by the criteria in force.

    Example: the seed's Case 4 had COVID-19 pneumonia and bronchitis during therapy, yet
    "several febrile episodes lacked a clear infectious source and were attributed to
    CRS" and responded to tocilizumab: probable, with a coexisting-infection reason.
    """
    reasons: list[str] = []
    record.criteria_version = criteria.version
    late = [e for e in record.episodes if e.phase == "late"]
    initial = [e for e in record.episodes if e.phase == "initial"]
    if criteria.require_t_cell_engager and not record.drugs:
        record.classification = UNLIKELY
        record.reasons = ["No T-cell-engaging therapy received is named for this patient."]
        return record
    reasons.append(
        f"T-cell engager: {', '.join(record.drugs)}{_cite(record.evidence.get('drugs', []))}."
    )
    if not record.episodes:
        record.classification = UNLIKELY
        record.reasons = reasons + ["No CRS or fever episode is described."]
        return record
    if initial:
        grade = f" grade {initial[0].grade}" if initial[0].grade else ""
        reasons.append(f"Initial-phase CRS{grade}{_cite(initial[0].evidence)}.")
    if not late:
        record.classification = UNLIKELY
        record.reasons = reasons + ["CRS only in the initial (step-up / cycle 1) phase; "
                                    "no episode after it."]
        return record
    late_count = len([e for e in late if not e.summary])
    recurring = any(e.recurrent for e in late) or late_count >= criteria.min_late_episodes
    named = any(e.named_crs for e in late)
    stated_link = any(e.hours_post_dose and e.hours_post_dose[0] <= criteria.max_hours_after_dose for e in late)
    periodic = bool(record.periodicity and record.periodicity.get("periodic"))
    dose_linked = stated_link or bool(record.recurrence_interval_days) or (
        periodic and criteria.dose_locked_periodicity_links_fever)
    reasons.append(
        ("Recurrent late episodes" if recurring else "A single late episode")
        + (" named CRS" if named else " of fever")
        + (f" ({late_count} placed on the dose timeline)" if late_count >= 2 else "")
        + _cite(late[0].evidence) + "."
    )
    if record.recurrence_interval_days:
        low, high = record.recurrence_interval_days
        span = f"{low:g}" if low == high else f"{low:g}-{high:g}"
        reasons.append(f"Recurring every {span} days ({record.recurrence_interval_source})"
                       f"{_cite(record.evidence.get('recurrence_interval_days', []))}.")
    if record.hours_post_dose:
        low, high = record.hours_post_dose
        span = f"{low:g}" if low == high else f"{low:g}-{high:g}"
        limit = "" if low <= criteria.max_hours_after_dose else \
            f", later than the {criteria.max_hours_after_dose:g} h that links a fever to a dose"
        reasons.append(f"Onset {span} h after the dose{limit}{_cite(record.evidence.get('hours_post_dose', []))}.")
    if record.periodicity:
        p = record.periodicity
        evidence = [Evidence(**e) for e in p.get("evidence", [])]
        reasons.append(("Dose-locked periodicity: " if p.get("periodic") else "Not dose-locked: ")
                       + str(p.get("basis")) + _cite(evidence) + ".")
    excluded = False
    if record.infection_workup_negative:
        excluded = True
        reasons.append("Infectious work-up negative"
                       f"{_cite(record.evidence.get('infection_workup', []))}.")
    elif record.infection_workup_some_negative:
        excluded = True
        reasons.append("Infectious work-up found an infection for some episodes and was negative for others"
                       f"{_cite(record.evidence.get('infection_workup', []))}.")
    elif record.infection_workup_negative is False:
        reasons.append("Infectious work-up found an infection"
                       f"{_cite(record.evidence.get('infection_workup', []))}.")
    if record.tocilizumab_response and criteria.tocilizumab_response_excludes_infection:
        reasons.append("Episodes responded to IL-6 blockade (tocilizumab).")
        excluded = excluded or named
    if record.documented_infection:
        keeps = criteria.coexisting_infection_keeps_probable and (excluded or named)
        reasons.append("Coexisting documented infection during therapy"
                       f"{_cite(record.evidence.get('documented_infection', []))}; "
                       + ("other episodes had no infectious source." if keeps
                          else "it may explain the fevers."))
        if not criteria.coexisting_infection_keeps_probable:
            excluded = False
    if record.other_fevers:
        reasons.append(f"{len(record.other_fevers)} fever(s) explained by a documented infection are not counted"
                       + _cite([Evidence(**record.other_fevers[0]["evidence"][-1])]) + ".")
    alternatives = [a for a in record.alternatives if a["name"] in criteria.alternatives]
    for alternative in alternatives:
        reasons.append(f"Alternative explanation named: {alternative['name']}"
                       + _cite([Evidence(**alternative["evidence"])]) + ".")
    if recurring and (named or dose_linked) and excluded and not alternatives:
        record.classification = PROBABLE
    elif alternatives and not named:
        record.classification = UNLIKELY
        reasons.append("The late fevers are attributed to an alternative cause and never called CRS.")
    elif recurring and (named or dose_linked):
        record.classification = POSSIBLE
        reasons.append("At most possible: an alternative explanation is named." if alternatives else
                       "Infection is not excluded: no negative work-up or response to tocilizumab is reported.")
    elif named or dose_linked:
        record.classification = POSSIBLE
        reasons.append("Only one late episode; recurrence is not shown.")
    else:
        record.classification = UNLIKELY
        reasons.append("Late fevers are neither named CRS nor linked in time to doses.")
    record.reasons = reasons
    return record
