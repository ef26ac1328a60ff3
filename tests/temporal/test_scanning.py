"""The temporal rules' faster scans find what a plain scan of each rule finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from miner.gates import candidate_starts, finditer_at
from miner.temporal import TemporalSettings
from miner.temporal.parse import _NUMBER_WORD_START, _STARTS, RULES, MatchContext, _matches, _number_word_starts

_PARTS = ["one", "twenty", "-", " ", "\n", "a", "an", "single", "hour", "week", "few", "days", "x", "_", "2",
          "24", "h", "q2w", "c3", "13/05", "2024", "may", "after", "each", "dose", ",", "."]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(_PARTS), max_size=16))
def test_number_word_starts_are_the_patterns_matches(parts: list[str]) -> None:
    text = "".join(parts)
    assert _number_word_starts(text) == [m.start() for m in _NUMBER_WORD_START.finditer(text)]


@settings(max_examples=200)
@given(st.lists(st.sampled_from(_PARTS), max_size=16))
def test_rules_tried_where_they_can_start_find_their_matches(parts: list[str]) -> None:
    text = "".join(parts)
    for rule, finder in zip(RULES, _STARTS, strict=True):
        if finder is None or rule.at_number_words:
            continue
        starts = candidate_starts(finder, text)
        if starts is not None:
            found = [(m.span(), m.groups()) for m in finditer_at(rule.pattern, text, starts)]
            assert found == [(m.span(), m.groups()) for m in rule.pattern.finditer(text)], rule.name


def test_a_note_gets_every_rule_it_can_match() -> None:
    text = "fever 24 h after each dose (C3D1, 13/05/2024), two weeks later; q2w dosing"
    names = {rule.name for _, rule, _ in _matches(MatchContext.for_text(text, TemporalSettings()))}
    assert {"post_dose.digits", "cycle_day.c_d", "date.numeric", "elapsed.words", "interval.q"} <= names
