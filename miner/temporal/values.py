"""Plain value objects produced by :mod:`miner.temporal`.

Nothing here imports spaCy: the pipeline component wraps these values, the
episode builder reads them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

#: The kinds a :class:`TimeValue` can have.
KIND_CYCLE_DAY = "cycle_day"
KIND_POST_DOSE = "post_dose"
KIND_INTERVAL = "interval"
KIND_ELAPSED = "elapsed"
KIND_DATE = "date"
KIND_DATE_LIST = "date_list"
KIND_COUNT = "count"
KINDS = frozenset(
    {
        KIND_CYCLE_DAY,
        KIND_POST_DOSE,
        KIND_INTERVAL,
        KIND_ELAPSED,
        KIND_DATE,
        KIND_DATE_LIST,
        KIND_COUNT,
    }
)

#: What a relative expression is measured from.
ANCHOR_FIRST_DOSE = "first_dose"
ANCHOR_EACH_DOSE = "each_dose"
ANCHOR_DOSE = "dose"
ANCHOR_STEP_UP = "step_up"
ANCHOR_INITIATION = "initiation"
ANCHOR_DOCUMENT_DATE = "document_date"
ANCHOR_NAMED_DATE = "named_date"
ANCHORS = frozenset(
    {
        ANCHOR_FIRST_DOSE,
        ANCHOR_EACH_DOSE,
        ANCHOR_DOSE,
        ANCHOR_STEP_UP,
        ANCHOR_INITIATION,
        ANCHOR_DOCUMENT_DATE,
        ANCHOR_NAMED_DATE,
    }
)


@dataclass(frozen=True)
class TemporalSettings:
    """How ambiguous dates are read.

    Day/month rule for numeric dates such as ``14/09/2023``:

    * when one of the first two parts is above 12, it is the day, whatever the
      setting: ``14/09/2023`` and ``09/14/2023`` are both 14 September 2023;
    * when both parts are 12 or below, ``day_first`` decides: ``05/06/2023`` is
      5 June 2023 with ``day_first=True`` (European notes) and 6 May 2023 with
      ``day_first=False`` (US notes);
    * a date without a year (``04/15``, ``19 June``) takes its year from
      ``reference_date`` (usually the document date); without a reference date
      no date is produced at all, never a guessed year.

    Attributes:
        day_first: Read ``dd/mm`` when both parts could be a month.
        reference_date: Supplies the year of dates written without one.
    """

    day_first: bool = True
    reference_date: datetime.date | None = None
    #: The reference is the date the text was written (a note): an ambiguous "3/4" whose
    #: ``day_first`` reading falls after it is read the other way round.
    reference_is_written_date: bool = True


@dataclass(frozen=True)
class TimeValue:
    """One normalized clinical time expression.

    ``text == source[start:end]`` always holds for values returned by
    :func:`miner.temporal.find_time_expressions`.

    Attributes:
        kind: One of ``cycle_day``, ``post_dose``, ``interval``, ``elapsed``,
            ``date``, ``date_list``, ``count``.
        text: The matched source text.
        start: Character offset of the match in the input string.
        end: End offset (exclusive).
        cycle: Treatment cycle (``C3D15`` -> 3). ``None`` when not written
            (``day+2``): the caller decides whether that means cycle 1.
        day: Day within the cycle or after the anchor (``C3D15`` -> 15).
        hours: ``(min, max)`` hours after a dose for ``post_dose``
            (``24-48 h post-administration`` -> ``(24, 48)``; ``within 12 hours
            of each infusion`` -> ``(0, 12)``); ``None`` when no figure is given
            (``soon after infusions``).
        interval_days: ``(min, max)`` days between recurrences for ``interval``
            (``every 35-40 days`` -> ``(35, 40)``, ``biweekly`` -> ``(14, 14)``).
        duration: ISO 8601 duration when the quantity is a single value
            (``P12M``, ``PT48H``); ``None`` for ranges.
        duration_min: ISO 8601 duration of the lower bound as written
            (``24-48 h`` -> ``PT24H``); equal to ``duration_max`` for single values.
        duration_max: ISO 8601 duration of the upper bound as written.
        date: ISO 8601 date, as precise as the text (``2023-07``, ``2024-03-03``,
            ``2024``).
        dates: Every date of a ``date_list``.
        count: How many (``three consecutive cycles`` -> 3).
        unit: Unit of a count or of a cycle-based interval (``cycle``, ``dose``,
            ``episode``); the time unit as written otherwise (``hour``, ``day``...).
        anchor: What the expression is measured from: ``first_dose``,
            ``each_dose``, ``dose``, ``step_up``, ``initiation``,
            ``document_date``, ``named_date`` or ``None``.
        anchor_text: The anchor as written (``talquetamab initiation``).
        approximate: ``~``, about, approximately, roughly, around, nearly.
        periodic: The expression describes a recurrence (every, each, weekly,
            after infusions, at regular intervals).
        qualifier: ``within``, ``after``, ``before``, ``at``, ``up to``,
            ``soon``, ``for``, ``since``, ``until`` or ``None``.
    """

    kind: str
    text: str
    start: int
    end: int
    cycle: int | None = None
    day: int | None = None
    hours: tuple[float, float] | None = None
    interval_days: tuple[float, float] | None = None
    duration: str | None = None
    duration_min: str | None = None
    duration_max: str | None = None
    date: str | None = None
    dates: tuple[str, ...] = ()
    count: int | None = None
    unit: str | None = None
    anchor: str | None = None
    anchor_text: str | None = None
    approximate: bool = False
    periodic: bool = False
    qualifier: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown time value kind: {self.kind!r}")
        if self.anchor is not None and self.anchor not in ANCHORS:
            raise ValueError(f"unknown anchor: {self.anchor!r}")
        if self.end < self.start:
            raise ValueError("end before start")
