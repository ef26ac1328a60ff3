"""Where a regex can match: the words every match must contain, and where matches can start.

Both only ever spare the regex engine work it would do for nothing; the matches are the
same as a plain ``finditer``.

**Gates.** A rule such as ``\\bhypotens(?:ion|ive)\\b|\\blow\\s+(?:blood\\s+pressures?|BP)\\b`` can only
match a text holding "hypotens" or "low"; a note without either is not scanned with it.
Scanning a 400-character episode with thirty such rules costs more than looking the few
words up, and the matches are the same: a gate only ever skips a regex that cannot match.

The words are read from the regex's parse tree (``re._parser``, CPython 3.11): a run of
literal characters, a group, an alternation whose every branch requires a word, a
repetition of at least one. Anything else (classes, lookarounds, optional parts) requires
nothing. Texts are compared in lower case, with the characters that Python's case-insensitive
matching takes for ASCII letters ("ı", "ſ", the dot of "İ") folded, so ``re.IGNORECASE``
rules are gated correctly.

**Starts.** A pattern that opens with a lookbehind or with ``^`` is tried by the engine at
every character. When its parse tree shows that a match can only start a run of digits
(``(?<![\\w.])(?P<day>[0-3]?\\d)``) or a line (``^[ \\t]*Case 1``), :func:`finditer_at` tries it
only there, with finditer's own rule (the leftmost match after the previous one).
"""

from __future__ import annotations

import re
import re._casefix as sre_casefix
import re._constants as sre
import re._parser as sre_parse
from dataclasses import dataclass
from typing import Any

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}
# characters that case-insensitive matching takes as one ("ı" and "i", "ſ" and "s", "µ" and
# "μ") to one of them; the combining dot that lower-casing "İ" leaves after its "i" dropped
_FOLD: dict[int, int | None] = {code: min(code, *same) for code, same in sre_casefix._EXTRA_CASES.items()}
_FOLD[0x0307] = None
_FOLDED = re.compile("[" + "".join(re.escape(chr(code)) for code, to in _FOLD.items() if to != code) + "]")


def fold(text: str) -> str:
    """``text`` as gates compare it: lower case, with the characters case-insensitive
    matching takes as one made one ("ı" -> "i", "ſ" -> "s")."""
    lowered = text.lower()
    if lowered.isascii() or not _FOLDED.search(lowered):
        return lowered  # nothing to fold (str.translate costs 1 ms on a 20,000-character report)
    return lowered.translate(_FOLD)


def required_words(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Words of which every match of ``pattern`` contains at least one, folded; None when
    no such words can be read (the pattern may match without any fixed text).

    >>> sorted(required_words(r"\\bfevers?\\b|\\bpyrex(?:ia|ic)\\b", re.I))
    ['fever', 'pyrex']
    >>> required_words(r"\\d+\\s*(?:h|hours?)?") is None
    True
    """
    return _required(list(sre_parse.parse(pattern, flags)))


def _required(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    options: list[frozenset[str]] = []  # each: one of these words is in every match
    run: list[str] = []

    def end_run() -> None:
        if run:
            options.append(frozenset({fold("".join(run))}))
            run.clear()

    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        end_run()
        found: frozenset[str] | None = None
        if op is sre.SUBPATTERN:
            found = _required(list(av[3]))
        elif op is sre.ATOMIC_GROUP:
            found = _required(list(av))
        elif op is sre.BRANCH:
            branches = [_required(list(branch)) for branch in av[1]]
            if all(b is not None for b in branches):
                found = frozenset().union(*(b for b in branches if b is not None))
        elif op in _REPEATS and av[0] >= 1:
            found = _required(list(av[2]))
        if found:
            options.append(found)
    end_run()
    options = [o for o in options if all(o)]  # an empty word would be in every text
    if not options:
        return None
    # the most selective: the longest shortest word, then the fewest words
    return max(options, key=lambda o: (min(len(w) for w in o), -len(o)))


@dataclass(frozen=True)
class Gate:
    """Whether a compiled regex can match a folded text."""

    words: frozenset[str] | None

    @classmethod
    def of(cls, pattern: re.Pattern[str]) -> Gate:
        """The gate of a compiled pattern (its flags included)."""
        return cls(required_words(pattern.pattern, pattern.flags))

    def admits(self, folded: str) -> bool:
        """False only when the regex cannot match the text ``folded`` was made from."""
        return self.words is None or any(word in folded for word in self.words)


# --- where matches can start ------------------------------------------------------------

_ZERO_WIDTH = {sre.AT, sre.ASSERT, sre.ASSERT_NOT}
_DIGIT = "DIGIT"  # a first character that is any digit (\d)


def start_finder(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    r"""A fast regex for the places where a match of ``pattern`` can start, or None.

    A pattern that opens with a negative lookbehind (``(?<![\w.])``) is tried by the regex
    engine at every character. When the lookbehind excludes a word character before the match
    and the first character is a digit or one of a few letters, a match can only start a word
    at one of those characters: ``(?<![\w.])(?P<day>[0-3]?\d)`` -> ``\d(?<!\w\d)``, a class
    first, which the engine skips to (335 digits start a number in the seed's 21,000
    characters). Case-insensitive and ASCII-only patterns are left alone.
    """
    if pattern.flags & (re.ASCII | re.IGNORECASE):
        return None
    items = list(sre_parse.parse(pattern.pattern, pattern.flags))
    if not _word_before_excluded(items):
        return None
    first, empty = _first_characters(items)
    if first is None or empty or not first:
        return None
    letters = sorted(c for c in first if c != _DIGIT)
    if len(letters) > 2 or any(not (c.isalnum() and c.islower()) for c in letters):
        return None  # common first letters, punctuation or case: the plain scan is as fast
    cls = "[" + ("\\d" if _DIGIT in first else "") + "".join(letters) + "]"  # \d: the pattern's digits
    return re.compile(rf"{cls}(?<!\w{cls})")


_NEWLINE = re.compile("\n")


def starts_lines(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` starts a line: a multi-line pattern opening with ``^``
    ("^[ \\t]*Case 1"), which the regex engine nevertheless tries at every character."""
    if not pattern.flags & re.MULTILINE:
        return False
    items = list(sre_parse.parse(pattern.pattern, pattern.flags))
    return bool(items) and items[0] == (sre.AT, sre.AT_BEGINNING)


def line_starts(text: str) -> list[int]:
    """Where ``^`` matches in multi-line mode: the start and after each "\\n"."""
    return [0, *(match.end() for match in _NEWLINE.finditer(text))]


def candidate_starts(finder: re.Pattern[str], text: str) -> list[int] | None:
    """Offsets where the finder matches; None when there are so many that trying the pattern
    at each would be slower than its plain scan (more than one in 40 characters)."""
    starts = []
    limit = len(text) // 40
    for match in finder.finditer(text):
        starts.append(match.start())
        if len(starts) > limit:
            return None
    return starts


def finditer_at(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """``pattern.finditer(text)``, trying only ``starts`` (ascending; every match must start
    at one of them): the leftmost match from the end of the previous one, as finditer."""
    found = []
    position = 0
    for start in starts:
        if start < position:
            continue
        match = pattern.match(text, start)
        if match is not None:
            if match.end() == start:
                return list(pattern.finditer(text))  # an empty match: finditer's own rules
            found.append(match)
            position = match.end()
    return found


def _first_characters(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """(the characters a match can start with, or None when not a few known ones;
    whether the items can match nothing)."""
    first: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            return first | {_DIGIT if chr(av) in "0123456789" else chr(av)}, False
        if op is sre.IN:
            chars = _class_characters(av)
            return (None if chars is None else first | chars), False
        if op is sre.SUBPATTERN or op is sre.ATOMIC_GROUP:
            found, empty = _first_characters(list(av[3] if op is sre.SUBPATTERN else av))
        elif op is sre.BRANCH:
            results = [_first_characters(list(branch)) for branch in av[1]]
            if any(chars is None for chars, _ in results):
                return None, False
            found = set().union(*(chars for chars, _ in results if chars is not None))
            empty = any(e for _, e in results)
        elif op in _REPEATS:
            found, empty = _first_characters(list(av[2]))
            empty = empty or av[0] == 0
        else:
            return None, False
        if found is None:
            return None, False
        first |= found
        if not empty:
            return first, False
    return first, True


def _class_characters(items: list[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(_DIGIT if chr(av) in "0123456789" else chr(av))
        elif op is sre.RANGE and ord("0") <= av[0] <= av[1] <= ord("9"):
            chars.add(_DIGIT)
        elif op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:
            chars.add(_DIGIT)
        else:
            return None
    return chars or None


def _word_before_excluded(items: list[tuple[Any, Any]]) -> bool:
    r"""A leading negative lookbehind of one character class that holds \w."""
    for op, av in items:
        if op is sre.ASSERT_NOT and av[0] == -1:
            body = list(av[1])
            if len(body) == 1 and body[0][0] is sre.IN and (sre.NEGATE, None) not in body[0][1] \
                    and (sre.CATEGORY, sre.CATEGORY_WORD) in body[0][1]:
                return True
        elif op not in _ZERO_WIDTH:
            return False
    return False
