"""A cheap first look: can this text be about a patient on T-cell-engaging therapy at all?

One compiled regular expression over the drug names and brands of
``patterns/concepts/drugs.jsonl`` (and the ``-tamab``, ``-momab`` and ``-tuzumab`` stems, so
that a misspelled "Tecelstamab" still passes), the CRS names of ``patterns/concepts/crs.jsonl`` and the words
for the drug class ("bispecific", "BiTE", "T-cell engager"). A patient of a note export
none of whose notes matches can only be "unlikely" under criteria that require a T-cell
engager, and is not output by ``miner screen`` (see its docs); the prefilter lets it skip
the full pipeline, which is most of the notes of a general hospital export.

Example:
    >>> Prefilter.from_patterns().matches("Pt on Tecvayli, febrile overnight")
    True
    >>> Prefilter.from_patterns().matches("Chest pain after a long walk; troponin normal.")
    False
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from miner.resources import pattern_file

# the drug class, and the stems of T-cell-engager names ("-tamab": teclistamab, epcoritamab,
# glofitamab, tarlatamab... and a misspelled "Tecelstamab"; "-momab": blinatumomab), so
# that a name the concept list lacks still gets through
_CLASS_WORDS = (r"bispecific", r"bi-specific", r"(?-i:BiTEs?)", r"T[- ]cell[- ]engag\w*", r"\w{3,}tamab",
                r"\w{3,}momab", r"\w{3,}tuzumab", r"(?-i:CAR[- ]?T)")


@dataclass(frozen=True)
class Prefilter:
    """One compiled scan for the words a relevant text must contain."""

    pattern: re.Pattern[str]
    # case-sensitive short names ("tec"), in a second, small scan: as an inline "(?-i:...)"
    # group in the big one they slowed every note's scan by a tenth
    exact: re.Pattern[str] | None = None

    @classmethod
    def from_patterns(cls) -> Prefilter:
        words: set[str] = set()
        exact: set[str] = set()
        for name in ("drugs.jsonl", "crs.jsonl"):
            for line in pattern_file("concepts", name).read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                rule = json.loads(line)
                for value in (rule.get("pattern"), rule.get("norm")):
                    if isinstance(value, str) and len(value) >= 3:
                        # a case-sensitive short name ("tec") is matched as written ("Ray-Tec" is a sponge)
                        sensitive = value == rule.get("pattern") and rule.get("case_sensitive")
                        (exact if sensitive else words).add(re.escape(value))
        alternation = "|".join(sorted(words, key=len, reverse=True) + list(_CLASS_WORDS))
        pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)  # whole words only
        exact_pattern = re.compile(rf"(?<!\w)(?:{'|'.join(sorted(exact))})(?!\w)") if exact else None
        return cls(pattern, exact_pattern)

    def matches(self, text: str) -> bool:
        return self.pattern.search(text) is not None or (
            self.exact is not None and self.exact.search(text) is not None)

    def any_matches(self, texts: Iterable[str]) -> bool:
        return any(self.matches(text) for text in texts)
