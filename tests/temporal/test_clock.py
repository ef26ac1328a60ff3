"""Clock times and the hours between them (pure, no spaCy); values worked out by hand."""

from __future__ import annotations

import pytest

from miner.temporal.clock import find_clock_times, hours_between, hours_in_sentence


@pytest.mark.parametrize(("text", "times"), [
    ("03/02 09:40 C4D1 epcoritamab given", ["09:40"]),
    ("01/21/2025 | 06:15 | Phone: pt reports T 101.1°F", ["06:15"]),
    ("febrile at 4 am", ["04:00"]),
    ("fever began at 9 p.m.", ["21:00"]),
    ("dose at 12 pm, fever at 12 am", ["12:00", "00:00"]),
    ("infusion started at 21h30", ["21:30"]),
    ("seen at noon and again at midnight", ["12:00", "00:00"]),
    ("7:05 pm T 38.9", ["19:05"]),
    # not clock times
    ("ANA titre 1:40", []),
    ("diluted 1:10 in saline", []),
    ("BP 120/80, HR 88", []),
    ("IgG 5.1 g/L, 24 h urine", []),
    ("score of 2:1", []),
    ("a ratio 3:1 was used", []),
    ("C1D2 at 10 mg", []),
])
def test_find_clock_times(text: str, times: list[str]) -> None:
    assert [c.text for c in find_clock_times(text)] == times


def test_clock_offsets_point_at_the_text() -> None:
    text = "dosed at 10:00, febrile at 04:00"
    assert [text[c.start:c.end] for c in find_clock_times(text)] == ["10:00", "04:00"]


@pytest.mark.parametrize(("args", "hours"), [
    (("2025-03-03", 600, "2025-03-04", 240), 18.0),  # 10:00 -> 04:00 next day
    (("2025-03-24", 810, "2025-03-25", 570), 20.0),  # 13:30 -> 09:30
    (("2025-04-14", 525, "2025-04-15", 405), 22.0),  # 08:45 -> 06:45
    (("2025-04-14", 525, "2025-04-14", 525), None),  # not later
    (("2025-04", 525, "2025-04-15", 405), None),  # month only
])
def test_hours_between(args: tuple[str, int, str, int], hours: float | None) -> None:
    assert hours_between(*args) == hours


def test_hours_in_sentence() -> None:
    assert hours_in_sentence(600, 240, next_day=False) == 18  # 10:00 then 04:00
    assert hours_in_sentence(540, 1260, next_day=False) == 12  # 09:00 then 21:00 the same day
    assert hours_in_sentence(540, 1260, next_day=True) == 36  # 09:00 then 21:00 the next day
