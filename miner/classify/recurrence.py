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
    late_count = len(late)
    recurring = any(e.recurrent for e in late) or late_count >= criteria.min_late_episodes
    named = any(e.named_crs for e in late)
    dose_linked = any(e.hours_post_dose for e in late) or record.recurrence_interval_days
    reasons.append(
        ("Recurrent late episodes" if recurring else "A single late episode")
        + (" named CRS" if named else " of fever")
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
        reasons.append(f"Onset {span} h after the dose.")
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
        reasons.append("Coexisting documented infection during therapy"
                       f"{_cite(record.evidence.get('documented_infection', []))}; "
                       + ("other episodes had no infectious source." if excluded or named
                          else "it may explain the fevers."))
    if recurring and (named or dose_linked) and (excluded or (named and not record.documented_infection)):
        record.classification = PROBABLE
    elif recurring and (named or dose_linked):
        record.classification = POSSIBLE
        reasons.append("Infection is not excluded: no negative work-up or response to "
                       "tocilizumab is reported.")
    elif named or dose_linked:
        record.classification = POSSIBLE
        reasons.append("Only one late episode; recurrence is not shown.")
    else:
        record.classification = UNLIKELY
        reasons.append("Late fevers are neither named CRS nor linked in time to doses.")
    record.reasons = reasons
    return record
