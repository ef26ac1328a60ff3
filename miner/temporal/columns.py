"""Columns of a table written as text (pure, no spaCy).

A table in a text document is a block of lines whose cells are split by "|", tabs or runs of
spaces, under a header line without digits:

    Dose date    Onset of fever    Time from the dose    Tmax
    05/03/2025   06/03/2025        36 h                  38,6 °C

The header of the column a value sits in says what the value is: the dates under "Dose
date" date doses, not fevers, and "36 h" under "Time from the dose" is 36 hours after a dose.
"""

from __future__ import annotations

import dataclasses
import re

from miner.temporal.values import ANCHOR_DOSE, KIND_ELAPSED, KIND_POST_DOSE, TimeValue

# between the cells of a table written as text
_CELL_BREAK = re.compile(r"\s*\|\s*|\t+|[ ]{2,}")
#: a column of dose dates: "Dose date", "Date of infusion"; not "Onset of fever", "Fever date"
DOSE_COLUMN = re.compile(r"^(?!.*\b(?:onset|fever|febrile|episode|event|symptom))"
                         r".*\b(?:dose|dosing|infusion|injection|administration|shot)s?\b", re.IGNORECASE)
#: a column of hours after the dose: "Time from the dose", "Hours post-dose", "Onset after dose"
POST_DOSE_COLUMN = re.compile(r"\b(?:time|hours?|h|onset|latency)\b.*\b(?:from|after|post|since)[\s-]*(?:the\s+)?"
                              r"(?:last\s+)?(?:dose|dosing|infusion|injection|administration|shot)|"
                              r"\bpost[\s-]?(?:dose|infusion|injection)\b", re.IGNORECASE)
_MAX_HEADER_DISTANCE = 12  # rows between a cell and its header


def column_header(text: str, position: int) -> str:
    """The header of the text-table column that ``position`` is in; "" outside a table.

    >>> table = "Dose date   Onset      Time after dose\\n05/03/2025  06/03/2025  36 h\\n"
    >>> column_header(table, table.index("36 h")), column_header(table, table.index("05/03"))
    ('Time after dose', 'Dose date')
    """
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : end if end >= 0 else len(text)]
    if len(_CELL_BREAK.split(line.strip().strip("|"))) < 3:
        return ""
    column = len(_CELL_BREAK.findall(text[start:position].lstrip().lstrip("|").lstrip()))
    above = start - 1
    for _ in range(_MAX_HEADER_DISTANCE):
        if above <= 0:
            return ""
        previous = text.rfind("\n", 0, above) + 1
        header = text[previous:above]
        if not header.strip():
            return ""  # a blank line ends the table
        if not any(ch.isdigit() for ch in header):
            cells = [c for c in _CELL_BREAK.split(header.strip().strip("|")) if c.strip()]
            return cells[column] if column < len(cells) else ""
        above = previous - 1
    return ""


_HOURS_OR_DAYS = re.compile(r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?P<h>\d+(?:\.\d+)?)H)?$")


def _hours(iso: str | None) -> float | None:
    match = _HOURS_OR_DAYS.match(iso or "")
    if not match or not (match.group("d") or match.group("h")):
        return None
    return float(match.group("d") or 0) * 24 + float(match.group("h") or 0)


_FIELD = re.compile(r"[ \t]*(?P<label>[^:\n]{2,60}):[ \t]")


def field_label(text: str, position: int) -> str:
    """The label of a "Label: value" line that ``position`` is in the value of ("Hours
    post-dose: 24–36 h; ~30 h"), as a form or registry export writes; "" elsewhere.

    >>> line = "Hours post-dose: 24-36 h; ~30 h"
    >>> field_label(line, line.index("~30")), field_label(line, 0)
    ('Hours post-dose', '')
    """
    start = text.rfind("\n", 0, position) + 1
    match = _FIELD.match(text, start)
    return match.group("label").strip() if match and match.end() <= position else ""


def elapsed_hours(value: TimeValue) -> tuple[float, float] | None:
    """The hours of an elapsed value written in hours or days ("36 h", "24-48 h", "1 day"), as
    [min, max]; None for other values."""
    if value.kind != KIND_ELAPSED or value.unit not in ("hour", "day"):
        return None
    low, high = _hours(value.duration_min or value.duration), _hours(value.duration_max or value.duration)
    return (low, high) if low is not None and high is not None else None


def in_post_dose_column(value: TimeValue, text: str) -> TimeValue:
    """A bare "36 h" in a table's "Time from the dose" column, or in the value of a form's
    "Hours post-dose:" field, is 36 hours after a dose; any other value is returned as it is."""
    hours = elapsed_hours(value)
    if hours is None or hours[1] > 96 or value.anchor is not None or value.qualifier is not None:
        return value
    if not (POST_DOSE_COLUMN.search(column_header(text, value.start))
            or POST_DOSE_COLUMN.search(field_label(text, value.start))):
        return value
    return dataclasses.replace(value, kind=KIND_POST_DOSE, anchor=ANCHOR_DOSE, hours=hours)
