"""``miner_concepts``: dictionary and token-pattern concepts from ``patterns/concepts/``.

Finds DRUG, CRS, FEVER, TREATMENT, INFECTION_WORKUP and INFECTION mentions and writes
them to ``doc.spans["miner"]`` with ``span._.norm``, ``span._.rule_id`` and ``span._.attrs``.
"""


import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from miner.pipeline.extensions import SPAN_KEY, register_extensions, set_span_extension_values
from miner.pipeline.rules import ConceptRule, load_rules
from miner.resources import pattern_files

_MAX_EXPANSION = 64  # token patterns with more alternatives than this stay in the Matcher


def pattern_phrases(pattern: list[dict[str, Any]]) -> tuple[str, list[list[str]]] | None:
    """A token pattern that is only words, as ``(attribute, every word sequence it matches)``:
    ``[{"ORTH": {"IN": ["CRS", "CRs"]}}]`` -> ``("ORTH", [["CRS"], ["CRs"]])``. None when a
    token has an operator, another attribute, or (for ``LOWER``) a word that is not lower case."""
    attrs = {key for token in pattern for key in token}
    if len(attrs) != 1 or not attrs <= {"ORTH", "LOWER"}:
        return None
    (attr,) = attrs
    sequences: list[list[str]] = [[]]
    for token in pattern:
        value = token[attr]
        words = value["IN"] if isinstance(value, dict) and set(value) == {"IN"} else [value]
        if not words or not all(isinstance(w, str) and (attr == "ORTH" or w == w.lower()) for w in words):
            return None
        sequences = [sequence + [word] for sequence in sequences for word in words]
        if len(sequences) > _MAX_EXPANSION:
            return None
    return attr, sequences


class ConceptMatcher:
    """Matches concept rules once compiled; one pass of three matchers per document.

    Token patterns that are only words ("CRS" or "CRs", verbatim) are matched as phrases,
    which spaCy's PhraseMatcher does without a Python call per token; the Matcher holds
    them too and is used when any token pattern is more than words.
    """

    def __init__(self, nlp: Language, rules: Iterable[ConceptRule]) -> None:
        register_extensions()
        self.nlp = nlp
        self.rules: dict[str, ConceptRule] = {}
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.tokens = Matcher(nlp.vocab)
        self.token_phrases = {"ORTH": PhraseMatcher(nlp.vocab, attr="ORTH"),
                              "LOWER": PhraseMatcher(nlp.vocab, attr="LOWER")}
        self.tokens_as_phrases = True  # every token pattern is only words
        self.order: dict[str, int] = {}
        self.add_rules(list(rules))

    def add_rules(self, rules: list[ConceptRule]) -> None:
        """Compile rules with the tokenizer only (never the full pipeline)."""
        phrases = [r for r in rules if isinstance(r.pattern, str)]
        tokenizer: Any = self.nlp.tokenizer
        docs = list(tokenizer.pipe([str(r.pattern) for r in phrases]))
        for rule, phrase_doc in zip(phrases, docs, strict=True):
            target = self.orth if rule.case_sensitive else self.lower
            target.add(rule.id, [phrase_doc])
        for rule in rules:
            if isinstance(rule.pattern, list):
                self.tokens.add(rule.id, [rule.pattern])
                phrased = pattern_phrases(rule.pattern)
                if phrased is None:
                    self.tokens_as_phrases = False
                else:
                    attr, sequences = phrased
                    self.token_phrases[attr].add(rule.id, [Doc(self.nlp.vocab, words=words) for words in sequences])
            self.order.setdefault(rule.id, len(self.order))
            self.rules[rule.id] = rule

    def match_tokens(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Matches of the token patterns. As phrases, the matches of one span are put in rule
        order, the Matcher's order for patterns without operators."""
        if not self.tokens_as_phrases:
            return list(self.tokens(doc))
        strings = doc.vocab.strings
        found = [*self.token_phrases["ORTH"](doc), *self.token_phrases["LOWER"](doc)]
        return sorted(found, key=lambda m: (m[1], m[2], self.order[strings[m[0]]]))

    def __call__(self, doc: Doc) -> Doc:
        strings = doc.vocab.strings
        if SPAN_KEY not in doc.spans:
            doc.spans[SPAN_KEY] = []  # always present: ConText reads the group
        candidates: dict[str, list[Span]] = {}
        for matches in (self.lower(doc), self.orth(doc), self.match_tokens(doc)):
            for match_id, start, end in matches:
                rule = self.rules[strings[match_id]]
                if rule.not_before and end < len(doc) and (doc[end].lower_ in rule.not_before or (
                        "#percent" in rule.not_before and doc[end].like_num and end + 1 < len(doc)
                        and doc[end + 1].text == "%")):
                    continue  # "oxygen saturation", "oxygen 97%": readings, not oxygen given
                span = Span(doc, start, end, label=rule.label)
                set_span_extension_values(span, {"rule_id": rule.id, "norm": rule.norm, "attrs": rule.attrs,
                                                 "asserts_absence": bool(rule.attrs.get("asserts_absence", False))})
                candidates.setdefault(rule.label, []).append(span)
        # within a label, the longest match wins ("blood cultures" over "cultures")
        kept = [span for spans in candidates.values() for span in filter_spans(spans)]
        if kept:
            doc.spans[SPAN_KEY] = [*doc.spans[SPAN_KEY], *kept]
        return doc

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        """Save the rules as JSONL."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(r.to_dict()) for r in self.rules.values()]
        (folder / "rules.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> "ConceptMatcher":
        """Load rules saved by :meth:`to_disk`, replacing the current ones."""
        rules = load_rules([Path(path) / "rules.jsonl"])
        self.__init__(self.nlp, rules)  # type: ignore[misc]
        return self


@Language.factory(
    "miner_concepts",
    assigns=["doc.spans"],
    default_config={"component": "concepts"},
)
def make_concept_matcher(nlp: Language, name: str, component: str) -> "ConceptMatcher":
    """Build the matcher from every JSONL file in ``patterns/<component>/``."""
    return ConceptMatcher(nlp, load_rules(pattern_files(component)))
