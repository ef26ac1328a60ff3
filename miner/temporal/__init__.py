"""Pure finding and normalization of clinical time expressions (no spaCy).

Example:
    >>> from miner.temporal import normalize
    >>> normalize("24–48 h post-administration").hours
    (24.0, 48.0)
"""

from miner.temporal.parse import find_time_expressions, find_time_expressions_in_narrative, normalize
from miner.temporal.values import TemporalSettings, TimeValue

__all__ = [
    "TemporalSettings",
    "TimeValue",
    "find_time_expressions",
    "find_time_expressions_in_narrative",
    "normalize",
]
