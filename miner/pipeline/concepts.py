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

from miner.pipeline.extensions import SPAN_KEY, add_span, register_extensions
from miner.pipeline.rules import ConceptRule, load_rules
from miner.resources import pattern_files


class ConceptMatcher:
    """Matches concept rules once compiled; one pass of three matchers per document."""

    def __init__(self, nlp: Language, rules: Iterable[ConceptRule]) -> None:
        register_extensions()
        self.nlp = nlp
        self.rules: dict[str, ConceptRule] = {}
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.tokens = Matcher(nlp.vocab)
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
            self.rules[rule.id] = rule

    def __call__(self, doc: Doc) -> Doc:
        strings = doc.vocab.strings
        if SPAN_KEY not in doc.spans:
            doc.spans[SPAN_KEY] = []  # always present: ConText reads the group
        candidates: dict[str, list[Span]] = {}
        for matcher in (self.lower, self.orth, self.tokens):
            for match_id, start, end in matcher(doc):
                rule = self.rules[strings[match_id]]
                span = Span(doc, start, end, label=rule.label)
                span._.rule_id = rule.id
                span._.norm = rule.norm
                span._.attrs = rule.attrs
                span._.asserts_absence = bool(rule.attrs.get("asserts_absence", False))
                candidates.setdefault(rule.label, []).append(span)
        for spans in candidates.values():
            # within a label, the longest match wins ("blood cultures" over "cultures")
            for span in filter_spans(spans):
                add_span(doc, span)
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
