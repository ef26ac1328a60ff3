"""Proportions with Wilson score intervals, and the "probable" flag as a diagnostic test (pure).

Wilson EB. Probable inference, the law of succession, and statistical inference.
J Am Stat Assoc 1927;22:209-212. Preferred to the Wald interval for the small counts of
case-report corpora (Newcombe RG, Stat Med 1998;17:857-872): it stays inside [0, 1] and
is not degenerate at 0/n or n/n.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of ``successes / total``; ``(0.0, 1.0)`` when ``total`` is 0.

    >>> tuple(round(x, 3) for x in wilson_interval(8, 10))
    (0.49, 0.943)
    """
    if total < 0 or not 0 <= successes <= total:
        raise ValueError(f"need 0 <= successes <= total, got {successes}/{total}")
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z / (1 + z2 / total) * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Proportion:
    """``successes / total`` with its Wilson 95% interval; ``value`` is None for 0/0."""

    successes: int
    total: int

    @property
    def value(self) -> float | None:
        return self.successes / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.successes, self.total)

    def to_dict(self) -> dict[str, Any]:
        low, high = self.interval
        return {"successes": self.successes, "total": self.total,
                "value": None if self.value is None else round(self.value, 4),
                "ci95": [round(low, 4), round(high, 4)]}


@dataclass(frozen=True)
class FlagStats:
    """A binary flag (predicted "probable") against gold: the 2x2 table and its rates."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def sensitivity(self) -> Proportion:
        return Proportion(self.tp, self.tp + self.fn)

    @property
    def specificity(self) -> Proportion:
        return Proportion(self.tn, self.tn + self.fp)

    @property
    def ppv(self) -> Proportion:
        return Proportion(self.tp, self.tp + self.fp)

    @property
    def npv(self) -> Proportion:
        return Proportion(self.tn, self.tn + self.fn)

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "sensitivity": self.sensitivity.to_dict(), "specificity": self.specificity.to_dict(),
                "ppv": self.ppv.to_dict(), "npv": self.npv.to_dict()}


def flag_stats(pairs: Iterable[tuple[bool, bool]]) -> FlagStats:
    """Count ``(gold, predicted)`` pairs into a :class:`FlagStats`.

    >>> flag_stats([(True, True), (True, False), (False, False)]).sensitivity.value
    0.5
    """
    tp = fp = fn = tn = 0
    for gold, predicted in pairs:
        if gold and predicted:
            tp += 1
        elif predicted:
            fp += 1
        elif gold:
            fn += 1
        else:
            tn += 1
    return FlagStats(tp, fp, fn, tn)
