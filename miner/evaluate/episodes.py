"""Episode-level matching of miner's patients against gold patients (pure).

Gold patients list ``crs_episodes``, miner's records ``episodes``; both carry ``phase``,
``day_after_first_dose``, ``hours_post_dose``, ``grade`` and ``treatments``. Within a
patient, episodes are matched by phase and then in order: a gold episode takes the first
unused predicted episode of the same phase, after the last one matched, whose onset agrees:
``day_after_first_dose`` within ±1 day when both give it, else ``hours_post_dose`` ranges
overlapping within ±6 h when both give them, else order alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from miner.evaluate.patients import _number, same
from miner.evaluate.stats import Proportion

DAY_TOLERANCE = 1
HOURS_TOLERANCE = 6.0

#: gold phase names (the seed says "step-up", "recurrent", "maintenance") -> miner's two phases
PHASES = {"initial": "initial", "step-up": "initial", "step_up": "initial", "cycle 1": "initial",
          "late": "late", "recurrent": "late", "maintenance": "late"}


def phase_of(episode: dict[str, Any]) -> str:
    """``initial`` or ``late`` (unknown names are kept as written, lower case)."""
    raw = str(episode.get("phase") or "").strip().lower()
    return PHASES.get(raw, raw)


def onsets_agree(gold: dict[str, Any], predicted: dict[str, Any]) -> bool:
    """Day after first dose within ±1, else hours after the dose within ±6 h, else True.

    >>> onsets_agree({"day_after_first_dose": 16}, {"day_after_first_dose": 15})
    True
    >>> onsets_agree({"hours_post_dose": [24, 24]}, {"hours_post_dose": [36.0, 40.0]})
    False
    """
    g_day, p_day = gold.get("day_after_first_dose"), predicted.get("day_after_first_dose")
    if g_day is not None and p_day is not None:
        return abs(float(g_day) - float(p_day)) <= DAY_TOLERANCE
    g_hours, p_hours = gold.get("hours_post_dose"), predicted.get("hours_post_dose")
    if g_hours and p_hours:
        return (float(g_hours[0]) - HOURS_TOLERANCE <= float(p_hours[1])
                and float(p_hours[0]) - HOURS_TOLERANCE <= float(g_hours[1]))
    return True


def match_episodes(gold: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """``(gold_index, predicted_index)`` pairs of one patient's episodes."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    last: dict[str, int] = {}
    for gi, g in enumerate(gold):
        phase = phase_of(g)
        for pi in range(last.get(phase, -1) + 1, len(predicted)):
            p = predicted[pi]
            if pi in used or phase_of(p) != phase or not onsets_agree(g, p):
                continue
            pairs.append((gi, pi))
            used.add(pi)
            last[phase] = pi
            break
    return pairs


def _treatments(episode: dict[str, Any]) -> set[str]:
    return {str(t).lower() for t in episode.get("treatments") or []}


@dataclass
class EpisodeScore:
    """Matched episodes over gold and predicted ones; grade and treatment agreement on matches."""

    gold: int = 0
    predicted: int = 0
    matched: int = 0
    grade_correct: int = 0
    treatments_correct: int = 0
    by_phase: dict[str, list[int]] = field(default_factory=dict)  # phase -> [gold, predicted, matched]
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: EpisodeScore) -> None:
        self.gold += other.gold
        self.predicted += other.predicted
        self.matched += other.matched
        self.grade_correct += other.grade_correct
        self.treatments_correct += other.treatments_correct
        for phase, counts in other.by_phase.items():
            mine = self.by_phase.setdefault(phase, [0, 0, 0])
            for i in range(3):
                mine[i] += counts[i]
        self.mismatches.extend(other.mismatches)

    @property
    def precision(self) -> Proportion:
        return Proportion(self.matched, self.predicted)

    @property
    def recall(self) -> Proportion:
        return Proportion(self.matched, self.gold)

    def to_dict(self) -> dict[str, Any]:
        p, r = self.precision.value or 0.0, self.recall.value or 0.0
        return {"gold": self.gold, "predicted": self.predicted, "matched": self.matched,
                "precision": self.precision.to_dict(), "recall": self.recall.to_dict(),
                "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                "grade_accuracy": Proportion(self.grade_correct, self.matched).to_dict(),
                "treatment_set_accuracy": Proportion(self.treatments_correct, self.matched).to_dict(),
                "by_phase": {phase: {"gold": c[0], "predicted": c[1], "matched": c[2]}
                             for phase, c in sorted(self.by_phase.items())},
                "mismatches": self.mismatches}


def match_patients(gold: dict[str, Any],
                   predicted: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each gold patient with its predicted record (by case number, as the patient scoring
    does; a one-patient document matches its one record), or None."""
    by_number = {_number(p["patient_id"]): p for p in predicted}
    out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for g in gold["patients"]:
        record = by_number.get(_number(g["patient"]))
        if record is None and len(gold["patients"]) == 1 and len(predicted) == 1:
            record = predicted[0]
        out.append((g, record))
    return out


def score_episodes(gold: dict[str, Any], predicted: list[dict[str, Any]]) -> EpisodeScore:
    """Score the episodes of one document's patients (gold file dict, ``patients.jsonl`` records).

    Predicted patients with no gold patient add their episodes as unmatched predictions.
    Grade agreement counts a gold null grade as correct only when miner gives none either.
    """
    score = EpisodeScore()
    matched_records: set[int] = set()
    for g, record in match_patients(gold, predicted):
        g_eps = list(g.get("crs_episodes") or [])
        p_eps = list(record.get("episodes") or []) if record is not None else []
        if record is not None:
            matched_records.add(id(record))
        pairs = match_episodes(g_eps, p_eps)
        score.gold += len(g_eps)
        score.predicted += len(p_eps)
        score.matched += len(pairs)
        for e in g_eps:
            score.by_phase.setdefault(phase_of(e), [0, 0, 0])[0] += 1
        for e in p_eps:
            score.by_phase.setdefault(phase_of(e), [0, 0, 0])[1] += 1
        for gi, pi in pairs:
            ge, pe = g_eps[gi], p_eps[pi]
            score.by_phase[phase_of(ge)][2] += 1
            grade_ok = same(ge.get("grade"), pe.get("grade"))
            treatments_ok = _treatments(ge) == _treatments(pe)
            score.grade_correct += int(grade_ok)
            score.treatments_correct += int(treatments_ok)
            if not (grade_ok and treatments_ok):
                score.mismatches.append({"doc_id": gold["doc_id"], "patient": g["patient"], "gold_episode": gi,
                                         "predicted_episode": pi, "phase": phase_of(ge),
                                         "gold_grade": ge.get("grade"), "predicted_grade": pe.get("grade"),
                                         "gold_treatments": sorted(_treatments(ge)),
                                         "predicted_treatments": sorted(_treatments(pe))})
        matched_gold = {gi for gi, _ in pairs}
        for gi, ge in enumerate(g_eps):
            if gi not in matched_gold:
                score.mismatches.append({"doc_id": gold["doc_id"], "patient": g["patient"], "gold_episode": gi,
                                         "phase": phase_of(ge), "missed": True,
                                         "timing_text": ge.get("timing_text")})
    for record in predicted:
        if id(record) not in matched_records:
            episodes = record.get("episodes") or []
            score.predicted += len(episodes)
            for e in episodes:
                score.by_phase.setdefault(phase_of(e), [0, 0, 0])[1] += 1
    return score
