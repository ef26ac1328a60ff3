"""Clock times of day ("09:40", "21h30", "4 pm", "noon") and the hours between two of them
(pure, no spaCy).

Flowsheets and nursing notes time each entry ("03/03/2025 | 04:00 | Phone: T 101.3°F"), and
narratives write "dosed at 10:00, febrile at 04:00 the next morning": the hours from a dose
to the onset follow from the two clock times. Clock times are not TIMING mentions (the
annotation guidelines leave them out); they serve only this reckoning.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

_CLOCK = re.compile(
    r"(?<![\d:/.,])(?P<h>[01]?\d|2[0-3])(?::|h(?=\d\d))(?P<m>[0-5]\d)(?![\d:])"
    r"(?:\s?(?P<ampm>[ap]\.?m\.?)(?![a-z]))?"
    r"|(?<![\d:/.,])(?P<h12>1[0-2]|0?[1-9])\s?(?P<ampm12>[ap]\.?m\.?)(?![a-z])"
    r"|\b(?P<word>noon|midday|midnight)\b",
    re.IGNORECASE,
)
_CLOCK_HINT = re.compile(r"\d[:h]\d|\d\s?[ap]\.?m|noon|midday|midnight", re.IGNORECASE)
# "a titre of 1:40", "diluted 1:10", "ratio 2:1": not clock times
_NOT_CLOCK_BEFORE = re.compile(r"(?:titre|titer|ratio|dilution|diluted|score|scale)\s*(?:of\s*)?$", re.IGNORECASE)
# "... at 04:00 the next day", "the following morning at 6 am": the onset is a day later
NEXT_DAY = re.compile(r"\b(?:next|following|subsequent)\s+(?:day|morning|evening|night)\b|\bovernight\b|"
                      r"\bthe\s+(?:day|morning)\s+after\b", re.IGNORECASE)


@dataclass(frozen=True)
class ClockTime:
    """A time of day written in the text: ``minutes`` after midnight."""

    start: int
    end: int
    minutes: int

    @property
    def text(self) -> str:
        return clock_text(self.minutes)


def clock_text(minutes: int) -> str:
    """Minutes after midnight as "HH:MM" (the form episodes and doses keep): 240 -> "04:00"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock_minutes(text: str) -> int:
    """"HH:MM" back to minutes after midnight: "04:00" -> 240."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def find_clock_times(text: str) -> list[ClockTime]:
    """Every clock time in ``text``, in order.

    Example:
        >>> [c.text for c in find_clock_times("dosed at 10:00, T 38.4 at 4 am, seen at noon")]
        ['10:00', '04:00', '12:00']
        >>> find_clock_times("ANA titre 1:40; BP 120/80")
        []
    """
    if not _CLOCK_HINT.search(text):
        return []  # most sentences: no clock time at all
    found: list[ClockTime] = []
    for match in _CLOCK.finditer(text):
        if _NOT_CLOCK_BEFORE.search(text, max(0, match.start() - 20), match.start()):
            continue
        if match.group("word"):
            minutes = 0 if match.group("word").lower() == "midnight" else 12 * 60
        else:
            hour = int(match.group("h") or match.group("h12"))
            minute = int(match.group("m") or 0)
            ampm = (match.group("ampm") or match.group("ampm12") or "").lower()
            if ampm and hour > 12:
                continue  # "14:00 pm" is not a time anyone writes; skip rather than guess
            if ampm.startswith("p") and hour < 12:
                hour += 12
            elif ampm.startswith("a") and hour == 12:
                hour = 0
            minutes = hour * 60 + minute
        found.append(ClockTime(match.start(), match.end(), minutes))
    return found


def hours_between(first_date: str, first_minutes: int, second_date: str, second_minutes: int) -> float | None:
    """Hours from one dated clock time to a later one, or None when a date is not a full
    ISO date or the second is not later.

    Example:
        >>> hours_between("2025-03-03", 10 * 60, "2025-03-04", 4 * 60)
        18.0
    """
    try:
        start = datetime.datetime.fromisoformat(first_date) + datetime.timedelta(minutes=first_minutes)
        end = datetime.datetime.fromisoformat(second_date) + datetime.timedelta(minutes=second_minutes)
    except ValueError:
        return None
    if len(first_date) != 10 or len(second_date) != 10 or end <= start:
        return None
    return (end - start).total_seconds() / 3600


def hours_in_sentence(earlier: int, later: int, next_day: bool) -> float:
    """Hours from a clock time to a later one told in the same sentence: a day later when the
    sentence says so ("the next morning") or the clock went round ("10:00 ... 04:00").

    Example:
        >>> hours_in_sentence(10 * 60, 4 * 60, next_day=False)
        18.0
        >>> hours_in_sentence(9 * 60, 21 * 60, next_day=True)
        36.0
    """
    minutes = later - earlier
    if next_day or minutes <= 0:
        minutes += 24 * 60
    return minutes / 60
