"""Which regexes can match a text at all: the words every match must contain.

A rule such as ``\\bhypotens(?:ion|ive)\\b|\\blow\\s+(?:blood\\s+pressures?|BP)\\b`` can only
match a text holding "hypotens" or "low"; a note without either is not scanned with it.
Scanning a 400-character episode with thirty such rules costs more than looking the few
words up, and the matches are the same: a gate only ever skips a regex that cannot match.

The words are read from the regex's parse tree (``re._parser``, CPython 3.11): a run of
literal characters, a group, an alternation whose every branch requires a word, a
repetition of at least one. Anything else (classes, lookarounds, optional parts) requires
nothing. Texts are compared in lower case, with the characters that Python's case-insensitive
matching takes for ASCII letters ("ı", "ſ", the dot of "İ") folded, so ``re.IGNORECASE``
rules are gated correctly.
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
