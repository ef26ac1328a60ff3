"""Pure temperature and grade parsers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from miner.measures import fahrenheit_to_celsius, find_grades, find_temperatures


def test_fahrenheit_conversion() -> None:
    assert fahrenheit_to_celsius(100.4) == 38.0
    assert fahrenheit_to_celsius(104.0) == 40.0


def test_values_without_unit_or_trigger_are_not_temperatures() -> None:
    assert find_temperatures("SUVmax up to 35 on PET-CT; 39 lesions; CRP 38") == []


def test_unitless_value_after_trigger_is_read_by_range() -> None:
    assert [t.celsius for t in find_temperatures("Tmax 38.6, then temp 101.8")] == [38.6, 38.8]


def test_grade_forms_and_non_grades() -> None:
    found = find_grades("G2 CRS; Gr 3; low-grade fevers; G-CSF; G2P1; grade 3 or higher")
    assert [(g.text, g.low, g.high) for g in found] == [
        ("G2", 2, 2), ("Gr 3", 3, 3), ("low-grade", 1, 2), ("grade 3 or higher", 3, 4)]


_TEMPERATURE_PARTS = ["Tmax", "T", "t", "fever", "FEVERS", "temperature", "spiked", "ſpiked", "to", " ", "  ", "\n",
                      ";", ".", ",", "/", "38", "39.4", "101.3", "°C", "F", "x", "up", "of", "nearly", "1"]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_TEMPERATURE_PARTS), max_size=18))
def test_temperatures_are_searched_only_where_they_can_start(parts: list[str]) -> None:
    from miner.gates import finditer_at
    from miner.measures import _TEMPERATURE, _temperature_starts

    text = "".join(parts)
    found = [(m.span(), m.groups()) for m in finditer_at(_TEMPERATURE, text, _temperature_starts(text))]
    assert found == [(m.span(), m.groups()) for m in _TEMPERATURE.finditer(text)]


_GRADE_PARTS = ["grade", "Grade", "gr.", "G", "g", "2", "II", "1-2", "CTCAE", "v5.0", "Lee", "(2014)", "ASTCT", "low",
                "high", "-", " ", "   ", "\n", "x", "CRS", "≥", "or higher", "of"]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_GRADE_PARTS), max_size=14))
def test_grades_are_searched_only_where_they_can_start(parts: list[str]) -> None:
    from miner.gates import finditer_at
    from miner.measures import _GRADE, _grade_starts

    text = "".join(parts)
    found = [(m.span(), m.groups()) for m in finditer_at(_GRADE, text, _grade_starts(text))]
    assert found == [(m.span(), m.groups()) for m in _GRADE.finditer(text)]


def test_a_reading_told_by_its_thermometer_or_its_hour() -> None:
    found = find_temperatures("hot and shaky, 38.2 on the ear thermometer; later burning up, 38.6; then 38.3 at 1 am")
    assert [t.celsius for t in found] == [38.2, 38.6, 38.3]
    assert find_temperatures("room 38 at 1 am; dose 40 at 10:00; Hb 10.2 at 09:00") == []
