"""Episode matching by phase, order and onset (pure)."""

from __future__ import annotations

from typing import Any

from miner.evaluate.episodes import match_episodes, score_episodes


def _ep(phase: str, day: int | None = None, hours: list[float] | None = None, grade: int | None = None,
        treatments: list[str] | None = None) -> dict[str, Any]:
    return {"phase": phase, "day_after_first_dose": day, "hours_post_dose": hours, "grade": grade,
            "treatments": treatments or []}


def test_phase_names_of_the_seed_map_to_initial_and_late() -> None:
    gold = [_ep("step-up", day=2), _ep("recurrent", hours=[48, 48]), _ep("maintenance")]
    predicted = [_ep("initial", day=3), _ep("late", hours=[40.0, 44.0]), _ep("late")]
    assert match_episodes(gold, predicted) == [(0, 0), (1, 1), (2, 2)]


def test_onset_tolerances() -> None:
    gold = [_ep("initial", day=16), _ep("late", hours=[24, 24])]
    assert match_episodes(gold, [_ep("initial", day=18), _ep("late", hours=[31.0, 40.0])]) == []
    assert match_episodes(gold, [_ep("initial", day=15), _ep("late", hours=[30.0, 40.0])]) == [(0, 0), (1, 1)]


def test_order_is_kept_within_a_phase() -> None:
    gold = [_ep("late", hours=[30, 30]), _ep("late", hours=[26, 26])]
    predicted = [_ep("late", hours=[26.0, 26.0]), _ep("late", hours=[30.0, 30.0])]
    # the first gold takes the first agreeing prediction (26 h is within 6 h of 30 h)
    assert match_episodes(gold, predicted) == [(0, 0), (1, 1)]
    far = [_ep("late", hours=[60.0, 60.0]), _ep("late", hours=[30.0, 30.0])]
    assert match_episodes(gold, far) == [(0, 1)]


def test_score_episodes_counts_grades_and_treatment_sets() -> None:
    gold = {"doc_id": "d", "patients": [
        {"patient": "Case 1", "crs_episodes": [_ep("initial", day=2, grade=2, treatments=["tocilizumab"]),
                                               _ep("late", hours=[24, 24], grade=None,
                                                   treatments=["paracetamol"])]},
        {"patient": "Case 2", "crs_episodes": [_ep("initial", day=4, grade=1)]},
    ]}
    predicted = [
        {"patient_id": "Case 1", "episodes": [_ep("initial", day=2, grade=2, treatments=["Tocilizumab"]),
                                              _ep("late", hours=[24.0, 24.0], grade=1,
                                                  treatments=["paracetamol", "oxygen"])]},
        {"patient_id": "Case 3", "episodes": [_ep("late", hours=[12.0, 12.0])]},
    ]
    score = score_episodes(gold, predicted)
    assert (score.gold, score.predicted, score.matched) == (3, 3, 2)
    assert score.grade_correct == 1          # null gold grade, miner said 1
    assert score.treatments_correct == 1     # oxygen is not in the gold set
    assert score.by_phase == {"initial": [2, 1, 1], "late": [1, 2, 1]}
    assert score.to_dict()["recall"]["value"] == round(2 / 3, 4)
