"""Assertion with medspaCy's ConText (Harkema et al., J Biomed Inform 2009).

Rules come from ``patterns/context/*.jsonl``: medspaCy's default English rules, minus
those that misfire on this domain ("return" and "because" as hypothetical would make
"the fever returned after each dose" hypothetical; "resolved" as a forward negation
would negate "resolved with tocilizumab"), plus rules for how case reports and notes
speak of CRS that did not happen: "risk of CRS", "monitored for CRS", "no further CRS".
"""

from pathlib import Path

from medspacy.context import ConText, ConTextRule
from spacy.language import Language

from miner.pipeline.extensions import SPAN_KEY
from miner.pipeline.rules import read_rule_lines
from miner.resources import pattern_files

_KEYS = {"id", "literal", "category", "direction", "pattern", "source", "max_scope"}


def load_context_rules(paths: list[Path]) -> list[ConTextRule]:
    """Load ConText rules from JSONL (one rule a line; unknown keys rejected)."""
    return [
        ConTextRule(
            literal=data["literal"],
            category=data["category"],
            pattern=data.get("pattern"),
            direction=data.get("direction", "BIDIRECTIONAL"),
            max_scope=data.get("max_scope"),
            metadata={"id": data.get("id"), "source": data.get("source")},
        )
        for _, data in read_rule_lines(paths, "ConText", _KEYS, {"literal", "category"})
    ]


def add_context(nlp: Language) -> ConText:
    """Add medspaCy's ConText over the miner span group, with miner's rules."""
    context: ConText = nlp.add_pipe(
        "medspacy_context",
        config={
            "rules": None,
            "input_span_type": "group",
            "span_group_name": SPAN_KEY,
        },
    )
    context.add(load_context_rules(pattern_files("context")))
    return context
