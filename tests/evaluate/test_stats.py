"""Wilson intervals and the 2x2 table of the "probable" flag (pure)."""

from __future__ import annotations

import pytest

from miner.evaluate.stats import Proportion, flag_stats, wilson_interval


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (8, 10, 0.4902, 0.9433),    # Newcombe 1998 style worked values
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (1, 2, 0.0945, 0.9055),
    (45, 50, 0.7862, 0.9565),
])
def test_wilson_interval_known_values(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-4)
    assert hi == pytest.approx(high, abs=5e-4)


def test_wilson_interval_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    assert Proportion(0, 0).value is None


def test_flag_stats_by_hand() -> None:
    pairs = [(True, True)] * 7 + [(True, False)] + [(False, False)] * 8 + [(False, True)] * 2
    stats = flag_stats(pairs)
    assert (stats.tp, stats.fn, stats.tn, stats.fp) == (7, 1, 8, 2)
    assert stats.sensitivity.value == pytest.approx(7 / 8)
    assert stats.specificity.value == pytest.approx(8 / 10)
    assert stats.ppv.value == pytest.approx(7 / 9)
    assert stats.to_dict()["specificity"]["ci95"] == [0.4902, 0.9433]
