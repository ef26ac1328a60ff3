"""Regex gates: a regex is skipped only for texts it cannot match."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miner.gates import Gate, finditer_at, fold, line_starts, required_words, start_finder, starts_lines


@pytest.mark.parametrize(
    ("pattern", "flags", "words"),
    [
        (r"\bhypotens(?:ion|ive)\b|\blow\s+(?:blood\s+pressures?|BP)\b", re.I, {"hypotensi", "low"}),
        (r"\bnor[-\s]?epinephrine\b", re.I, {"epinephrine"}),
        (r"(?:every|per)\s+(?P<n>\d+)\s+d\b", 0, {"every", "per"}),
        (r"\b(?-i:CPAP)\b", re.I, {"cpap"}),
        (r"(?:q\d+h)+", 0, {"q"}),  # repeated at least once
        (r"\d+\s*(?:h|hours?)?", 0, None),  # a number alone: no word is required
        (r"(?:fever)?\s*\d+", 0, None),  # an optional word is not required
        (r"fever|\d+", 0, None),  # one branch requires nothing
    ],
)
def test_required_words(pattern: str, flags: int, words: set[str] | None) -> None:
    assert required_words(pattern, flags) == (None if words is None else frozenset(words))


def test_case_insensitive_equivalents_are_folded() -> None:
    # Python's re.IGNORECASE takes "ſ" for "s" and "ı" for "i": the gate must too
    pattern = re.compile(r"\bsepsis\b|\bhypotension\b", re.I)
    for text in ("SEPſIS", "hypotensıon", "HYPOTENSİON"):
        assert pattern.search(text) and Gate.of(pattern).admits(fold(text))
    assert not Gate.of(pattern).admits(fold("afebrile, normotensive"))


_WORDS = ["fever", "FEVER", "low", "blood", "pressure", "BP", "every", "3", "days", "ſ", "ı", "İ", "-", " ", "\n"]
_PATTERNS = [
    re.compile(r"\bfevers?\b(?![-\s]free)|\blow\s+(?:blood\s+pressures?|BP)\b", re.I),
    re.compile(r"every\s+(?P<n>\d+)\s+days?"),
    re.compile(r"\bpre(?:ssure)+\b|\bbp\b", re.I),
]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(_WORDS), max_size=12), st.sampled_from(_PATTERNS))
def test_a_gate_never_refuses_a_text_its_regex_matches(parts: list[str], pattern: re.Pattern[str]) -> None:
    text = "".join(parts)
    if pattern.search(text):
        assert Gate.of(pattern).admits(fold(text))


@pytest.mark.parametrize(
    ("pattern", "finder"),
    [
        (r"(?<![\w.])(?P<day>[0-3]?\d)\s+may", r"[\d](?<!\w[\d])"),
        (r"(?<![\w./-])(?P<year>(?:19|20)\d\d)", r"[\d](?<!\w[\d])"),
        (r"(?<![\w./-])q\.?\s?(?P<n>\d{1,2})", r"[q](?<!\w[q])"),
        (r"(?<![.])\d+", None),  # the lookbehind lets a letter come before
        (r"\d+\s*h", None),  # no lookbehind: the engine already skips to digits
        (r"(?<![\w.])(?:\d+|jan|feb|mar)", None),  # too many first letters
        (r"(?<![\w.])\d*", None),  # can match nothing
    ],
)
def test_start_finder(pattern: str, finder: str | None) -> None:
    found = start_finder(re.compile(pattern))
    assert (found.pattern if found else None) == finder


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["12", "3", "2024", "q2w", "c3", "ac3", "x", " ", "-", "/", ".", "may", "٣"]),
                max_size=14))
def test_matches_tried_at_candidate_starts_are_finditers(parts: list[str]) -> None:
    text = "".join(parts)
    for source in (r"(?<![\w./-])(?P<p1>\d{1,4})(?P<sep>[/.-])(?P<p2>\d{1,4})",
                   r"(?<![\w.])(?P<day>[0-3]?\d)\s*may", r"(?<![\w/.-])c(?P<c>\d{1,2})",
                   r"(?<![\w./-])q\.?\s?(?P<n>\d{1,2})?\s?w"):
        pattern = re.compile(source)
        finder = start_finder(pattern)
        assert finder is not None
        starts = [m.start() for m in finder.finditer(text)]
        assert [m.span() for m in finditer_at(pattern, text, starts)] == [m.span() for m in pattern.finditer(text)]


def test_patterns_opening_with_a_caret_are_tried_at_line_starts() -> None:
    pattern = re.compile(r"^[ \t]*(?:Case|Patient)\s+(?P<id>\d+)\b", re.MULTILINE)
    text = "Intro.\nCase 1\n  Patient 2 was seen\nNot a Case 3\n"
    assert starts_lines(pattern) and not starts_lines(re.compile(r"^Case"))  # not multi-line
    assert line_starts(text) == [0, 7, 14, 35, 48]
    assert [m.group("id") for m in finditer_at(pattern, text, line_starts(text))] == ["1", "2"]
