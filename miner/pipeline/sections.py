"""``miner_sections``: note sections, rules from ``patterns/sections/*.jsonl``.

A header is one of the rule's ``headers`` at the start of a line, followed by ":" or "-" or
by the end of the line ("HOSPITAL COURSE", "Medications:", "A/P:"). A section runs from its
header to the next header (the text before the first header is a section without category).
What a section means for the episodes is decided in :func:`section_policy`: medication and
allergy lists and family history never create episodes; past history gives historical
mentions only.

The sections are those medspaCy's Sectionizer (1.3, ``require_start_line``) finds with the
same rules: every header match is found, overlapping matches are pruned to the longest, and
only then are the matches that do not start a line dropped. Every header match ends with
":", "-" or a line break, so only the tokens before those are compared with the headers.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from spacy.attrs import IS_SPACE, LOWER, ORTH
from spacy.language import Language
from spacy.tokens import Doc

from miner.pipeline.pruning import prune_overlapping
from miner.pipeline.rules import RuleError, read_rule_lines
from miner.resources import pattern_files

#: Sections whose mentions are dropped (lists and other people), and those whose mentions
#: are about the past.
IGNORED_SECTIONS = frozenset({"medications", "discharge_medications", "allergies", "family_history"})
HISTORICAL_SECTIONS = frozenset({"past_medical_history"})

_HEADER_ENDS = (":", "-")  # or a whitespace token holding a line break
_LINE_END = re.compile(r"[\n\r]+[\s]*$")  # medspaCy's test that the previous token ends a line


@dataclass(frozen=True)
class SectionRule:
    """One section: its category and the headers that open it."""

    id: str
    category: str
    headers: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SectionRule":
        """Build a rule, rejecting unknown or missing keys and empty headers."""
        known = {f.name for f in fields(cls)}
        if set(data) != known:
            raise RuleError(f"section rule {data.get('id')!r}: keys must be {sorted(known)}, "
                            f"not {sorted(data)}")
        headers = data["headers"]
        if not isinstance(headers, list) or not headers or not all(isinstance(h, str) and h.strip()
                                                                   for h in headers):
            raise RuleError(f"section rule {data['id']!r}: headers must be a list of phrases")
        return cls(id=str(data["id"]), category=str(data["category"]), headers=tuple(headers))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return {"id": self.id, "category": self.category, "headers": list(self.headers)}


@dataclass(frozen=True)
class Section:
    """A section in token indices: the header ``title_start:title_end`` and the body
    ``body_start:body_end`` (ends exclusive); ``category`` is None before the first header."""

    category: str | None
    title_start: int
    title_end: int
    body_start: int
    body_end: int


def load_section_rules(paths: list[Path]) -> list[SectionRule]:
    """Section rules from JSONL files, a fresh list (unknown keys are an error naming the
    file and line)."""
    keys = {f.name for f in fields(SectionRule)}
    rules = []
    for where, data in read_rule_lines(paths, "section", keys, keys):
        try:
            rules.append(SectionRule.from_dict(data))
        except RuleError as err:
            raise RuleError(f"{where}: {err}") from err
    return rules


def split_sections(matches: list[tuple[int, int, int]], length: int,
                   categories: list[str]) -> list[Section]:
    """Sections of a Doc of ``length`` tokens from its line-start header matches
    ``(rule, start, end)`` in order: each runs to the next header."""
    if not matches:
        return [Section(None, 0, 0, 0, length)]
    sections = []
    if matches[0][1] != 0:
        sections.append(Section(None, 0, 0, 0, matches[0][1]))
    for i, (rule, start, end) in enumerate(matches):
        body_end = matches[i + 1][1] if i + 1 < len(matches) else length
        sections.append(Section(categories[rule], start, end, end, body_end))
    return sections


class SectionDetector:
    """Finds section headers and sets ``doc._.sections``.

    >>> [s.category for s in nlp("Medications:\\ntocilizumab PRN\\nHospital Course\\nFever.")._.sections]
    ['medications', 'hospital_course']
    """

    def __init__(self, nlp: Language, rules: Iterable[SectionRule]) -> None:
        if not Doc.has_extension("sections"):
            Doc.set_extension("sections", default=[])
        self.nlp = nlp
        self.rules: list[SectionRule] = []
        self.categories: list[str] = []  # of each header below
        self.headers: dict[tuple[int, ...], int] = {}  # lower-case token ids -> header index
        self.lengths: list[int] = []
        self.add_rules(list(rules))

    def add_rules(self, rules: list[SectionRule]) -> None:
        """Compile headers with the tokenizer only.

        Raises:
            RuleError: when a header is listed twice (which section it opens would be arbitrary).
        """
        strings = self.nlp.vocab.strings
        tokenizer: Any = self.nlp.tokenizer
        for rule in rules:
            for header, doc in zip(rule.headers, tokenizer.pipe(list(rule.headers)), strict=True):
                key = tuple(strings.add(token.lower_) for token in doc)
                if key in self.headers:
                    raise RuleError(f"section header {header!r} of {rule.id!r} is listed twice")
                self.headers[key] = len(self.categories)
                self.categories.append(rule.category)
            self.rules.append(rule)
        self.lengths = sorted({len(key) for key in self.headers})

    def find_headers(self, doc: Doc) -> list[tuple[int, int, int]]:
        """``(header, start, end)`` of every header match, ending included, before pruning."""
        if not len(doc):
            return []
        values = doc.to_array([LOWER, ORTH, IS_SPACE])
        lowers, orths, spaces = values[:, 0].tolist(), values[:, 1].tolist(), values[:, 2].tolist()
        strings = doc.vocab.strings
        ends = {strings.add(mark) for mark in _HEADER_ENDS}
        matches = []
        for position, orth in enumerate(orths):
            if orth not in ends and not (spaces[position] and "\n" in strings[orth]):
                continue
            for length in self.lengths:
                if length > position:
                    break
                header = self.headers.get(tuple(lowers[position - length:position]))
                if header is not None:
                    matches.append((header, position - length, position + 1))
        return matches

    def __call__(self, doc: Doc) -> Doc:
        matches = [m for m in prune_overlapping(self.find_headers(doc))
                   if m[1] == 0 or _LINE_END.search(doc[m[1] - 1].text_with_ws)]
        doc._.sections = split_sections(matches, len(doc), self.categories)
        return doc

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        """Save the rules as JSONL."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(r.to_dict()) for r in self.rules]
        (folder / "rules.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> "SectionDetector":
        """Load rules saved by :meth:`to_disk`, replacing the current ones."""
        self.__init__(self.nlp, load_section_rules([Path(path) / "rules.jsonl"]))  # type: ignore[misc]
        return self


@Language.factory(
    "miner_sections", assigns=["doc._.sections"], default_config={"component": "sections"}
)
def make_section_detector(nlp: Language, name: str, component: str) -> SectionDetector:
    """Build the detector from every JSONL file in ``patterns/<component>/``."""
    return SectionDetector(nlp, load_section_rules(pattern_files(component)))




def section_policy(category: str | None) -> str:
    """"ignore", "historical" or "keep" for mentions in a section of this category."""
    if category in IGNORED_SECTIONS:
        return "ignore"
    if category in HISTORICAL_SECTIONS:
        return "historical"
    return "keep"
