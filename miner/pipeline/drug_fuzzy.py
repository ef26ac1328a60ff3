"""``miner_drug_fuzzy``: T-cell engager names misspelled within a small edit distance.

Case reports misspell drug names (the seed's Table 1 writes "Tecelstamab" for
teclistamab). A token that ends like an antibody or cell-therapy name (-mab, -cel,
-fusp), is not already a DRUG mention and is not a known other antibody is compared with
every known name; within the distance limit it becomes a DRUG mention marked
``span._.is_misspelled``.
"""


import numpy
from rapidfuzz.distance import Levenshtein
from spacy.attrs import IS_ALPHA, LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span

from miner.labels import DRUG
from miner.pipeline.extensions import SPAN_KEY, add_span, register_extensions
from miner.pipeline.rules import ConceptRule, load_rules
from miner.resources import pattern_file, pattern_files

_SUFFIXES = ("mab", "cel", "fusp", "mig")


def max_distance(length: int) -> int:
    """Edit distance allowed for a name of ``length`` letters: 1 up to 8, 2 above."""
    return 1 if length <= 8 else 2


def read_name_list(text: str) -> frozenset[str]:
    """Parse a one-name-a-line list with # comments."""
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


class FuzzyDrugMatcher:
    """Adds DRUG spans for near-miss spellings of known T-cell engager names."""

    def __init__(self, rules: list[ConceptRule], excluded: frozenset[str]) -> None:
        register_extensions()
        self.names: dict[str, ConceptRule] = {}
        for rule in rules:
            if rule.label == DRUG and isinstance(rule.pattern, str) and " " not in rule.pattern:
                if len(rule.pattern) >= 7 and rule.pattern.isalpha():
                    self.names.setdefault(rule.pattern.lower(), rule)
        self.excluded = excluded

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        values = doc.to_array([LOWER, IS_ALPHA])
        strings = doc.vocab.strings
        # each distinct alphabetic word is judged once: most words are short or end otherwise
        candidates = {word for word in numpy.unique(values[values[:, 1] == 1, 0]).tolist()
                      if self._may_be_misspelled(strings[word])}
        if not candidates:
            return doc
        taken = {i for s in doc.spans.get(SPAN_KEY, []) if s.label_ == DRUG for i in range(s.start, s.end)}
        for i in numpy.flatnonzero(numpy.isin(values[:, 0], list(candidates))).tolist():
            if i in taken:
                continue
            best = self._nearest(strings[int(values[i, 0])])
            if best is None:
                continue
            span = Span(doc, i, i + 1, label=DRUG)
            span._.norm = best.norm
            span._.rule_id = f"{best.id}.fuzzy"
            span._.attrs = best.attrs
            span._.is_misspelled = True
            add_span(doc, span)
        return doc

    def _may_be_misspelled(self, lower: str) -> bool:
        """Long enough, ending like an engager's name, and not a known name of either kind."""
        return (len(lower) >= 7 and lower.endswith(_SUFFIXES) and lower not in self.excluded
                and lower not in self.names)

    def _nearest(self, lower: str) -> ConceptRule | None:
        """The known name closest to ``lower`` within its distance limit (the first of equals)."""
        best: tuple[int, ConceptRule] | None = None
        for name, rule in self.names.items():
            limit = max_distance(len(name))
            if abs(len(name) - len(lower)) > limit:
                continue
            distance = Levenshtein.distance(lower, name, score_cutoff=limit)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, rule)
        return None if best is None else best[1]


@Language.factory("miner_drug_fuzzy", assigns=["doc.spans"], requires=["doc.spans"])
def make_fuzzy_drug_matcher(nlp: Language, name: str) -> FuzzyDrugMatcher:
    """Build from the DRUG rules in ``patterns/concepts/`` and the exclusion list."""
    excluded = read_name_list(
        pattern_file("fuzzy", "not_t_cell_engagers.txt").read_text(encoding="utf-8")
    )
    return FuzzyDrugMatcher(load_rules(pattern_files("concepts")), excluded)
