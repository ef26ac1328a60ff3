"""The rule object shared by the temporal finders: one compiled regex, one builder."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from miner.temporal.values import TemporalSettings, TimeValue


@dataclass(frozen=True)
class MatchContext:
    """What a builder may consult besides the match itself.

    Attributes:
        text: The whole input string.
        settings: Day/month order and reference date.
        lowered: ``text`` in lower case, offset for offset. Patterns are written in
            lower case and compiled without ``re.IGNORECASE``, which lets the
            regex engine skip ahead to possible first characters (several
            times faster on long texts).
        whole: ``True`` when :func:`miner.temporal.normalize` parses a single
            expression: rules that need surrounding words in running text
            ("on D4", "on 04/15") accept the bare form.
    """

    text: str
    settings: TemporalSettings
    whole: bool = False
    lowered: str = ""

    @classmethod
    def for_text(cls, text: str, settings: TemporalSettings, whole: bool = False) -> MatchContext:
        """Context with ``lowered``, the text the patterns scan (same offsets as ``text``)."""
        return cls(text=text, settings=settings, whole=whole, lowered=lower_keeping_offsets(text))


Builder = Callable[[re.Match[str], MatchContext], TimeValue | None]


@dataclass(frozen=True)
class Rule:
    """A named regex and the function that turns its matches into values.

    Attributes:
        name: Stable identifier, used in debugging and tests.
        pattern: Compiled once at import.
        build: Returns a :class:`TimeValue` or ``None`` to reject the match.
        at_number_words: Try the pattern only where a number word starts
            ("three days", "an hour") instead of scanning the whole text: a
            pattern that may start with any of thirty words is slow to scan.
        word_start: Matches must start a word. Checked by the finder instead of
            a leading ``\\b``, which would stop the regex engine from skipping
            ahead to the pattern's first characters.
    """

    name: str
    pattern: re.Pattern[str]
    build: Builder
    at_number_words: bool = False
    word_start: bool = False


def lower_keeping_offsets(text: str) -> str:
    """Lower-case ``text`` without changing its length ("İ" stays as it is)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char.lower() if len(char.lower()) == 1 else char for char in text)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a rule pattern, written in lower case, to scan lower-cased text."""
    return re.compile(pattern)


def word_rule(name: str, pattern: str, build: Builder) -> Rule:
    """A rule whose matches must start a word (the leading ``\\b`` is checked by the finder)."""
    if pattern.startswith(r"\b"):
        pattern = pattern[2:]
    return Rule(name, compile_pattern(pattern), build, word_start=True)


def source(ctx: MatchContext, match: re.Match[str], group: int | str = 0) -> str:
    """The original (not lower-cased) text of a match group."""
    return ctx.text[match.start(group) : match.end(group)]


def make_value(
    kind: str, match: re.Match[str], ctx: MatchContext, *, start: int | None = None, **fields: Any
) -> TimeValue:
    """Build a :class:`TimeValue` whose text is the source slice of the match.

    The span is the ``v`` group when the pattern has one that took part in the
    match (so "on" in "on D4" stays outside the value), else the whole match;
    ``start`` overrides the start offset.
    """
    span_start, span_end = match.span()
    if "v" in match.re.groupindex and match.group("v") is not None:
        span_start, span_end = match.span("v")
    if start is not None:
        span_start = start
    return TimeValue(
        kind=kind,
        text=ctx.text[span_start:span_end],
        start=span_start,
        end=span_end,
        **fields,
    )
