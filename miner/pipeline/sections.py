"""Note sections with medspaCy's Sectionizer, rules from ``patterns/sections/*.jsonl``.

A header is one of the rule's ``headers`` at the start of a line, followed by ":" or
by the end of the line ("HOSPITAL COURSE", "Medications:", "A/P:"). What a section means
for the episodes is decided in :func:`section_policy`: medication and allergy lists and
family history never create episodes; past history gives historical mentions only.
"""

from pathlib import Path

from medspacy.section_detection import Sectionizer, SectionRule
from spacy.language import Language

from miner.pipeline.rules import read_rule_lines
from miner.resources import pattern_files

_KEYS = {"id", "category", "headers"}

#: Sections whose mentions are dropped (lists and other people), and those whose mentions
#: are about the past.
IGNORED_SECTIONS = frozenset({"medications", "discharge_medications", "allergies", "family_history"})
HISTORICAL_SECTIONS = frozenset({"past_medical_history"})


def load_section_rules(nlp: Language, paths: list[Path]) -> list[SectionRule]:
    """Section rules from JSONL: each header becomes a line-start pattern ending in ":" or
    a line break (unknown keys are an error naming the file and line)."""
    rules: list[SectionRule] = []
    for _, data in read_rule_lines(paths, "section", _KEYS, _KEYS):
        for header in data["headers"]:
            words = [{"LOWER": token.lower_} for token in nlp.make_doc(header)]
            for ending in ({"TEXT": {"IN": [":", "-"]}}, {"IS_SPACE": True, "TEXT": {"REGEX": "\n"}}):
                rules.append(SectionRule(literal=header, category=data["category"],
                                         pattern=[*words, ending], metadata={"id": data["id"]}))
    return rules


def add_sections(nlp: Language) -> Sectionizer:
    """Add medspaCy's Sectionizer with miner's rules; headers must start a line."""
    sectionizer: Sectionizer = nlp.add_pipe(
        "medspacy_sectionizer", config={"rules": None, "require_start_line": True}
    )
    sectionizer.add(load_section_rules(nlp, pattern_files("sections")))
    return sectionizer


def section_policy(category: str | None) -> str:
    """"ignore", "historical" or "keep" for mentions in a section of this category."""
    if category in IGNORED_SECTIONS:
        return "ignore"
    if category in HISTORICAL_SECTIONS:
        return "historical"
    return "keep"
