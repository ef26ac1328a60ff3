"""The day/month order of a document or of one patient's notes (pure, no spaCy)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_FAHRENHEIT = re.compile(r"\b(?:9\d|10\d)(?:\.\d)?\s?°?\s?F\b")
_CELSIUS = re.compile(r"\b(?:3[5-9]|4[0-2])(?:[.,]\d)?\s?°?\s?C\b")
_NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/\d{2,4})?(?![\d/])")


def infer_day_first(texts: Iterable[str], default: bool) -> bool:
    """The day/month order of one patient's notes, from the dates that can only be read one
    way ("10/26/2022" is month-first, "27/2" day-first); without one, from the temperature
    unit (°F notes are US, month-first); ``default`` when nothing tells. The dates that tell
    decide by a clear majority (more than twice as many one way). One clinic writes one
    way: a US export's "2/6/2023" is 6 February."""
    day_first = month_first = 0
    texts_seen = list(texts)
    for text in texts_seen:
        for match in _NUMERIC_DATE.finditer(text):
            first, second = int(match.group(1)), int(match.group(2))
            if 12 < first <= 31 and 1 <= second <= 12:
                day_first += 1
            elif 12 < second <= 31 and 1 <= first <= 12:
                month_first += 1
    # one stray reading does not outvote many ("the 24/7 triage line" among ten US dates)
    if day_first > 2 * month_first:
        return True
    if month_first > 2 * day_first:
        return False
    # no telling date, or as many each way: °F notes are written month-first (US), °C notes day-first
    fahrenheit = celsius = 0
    for text in texts_seen:
        fahrenheit += len(_FAHRENHEIT.findall(text))
        celsius += len(_CELSIUS.findall(text))
    if fahrenheit and not celsius:
        return False
    if celsius and not fahrenheit:
        return True
    return default
