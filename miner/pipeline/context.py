"""Assertion with medspaCy's ConText (Harkema et al., J Biomed Inform 2009).

Rules come from ``patterns/context/*.jsonl``: medspaCy's default English rules, minus
those that misfire on this domain ("return" and "because" as hypothetical would make
"the fever returned after each dose" hypothetical; "resolved" as a forward negation
would negate "resolved with tocilizumab"), plus rules for how case reports and notes
speak of CRS that did not happen: "risk of CRS", "monitored for CRS", "no further CRS".
"""

import json
from pathlib import Path
from typing import Any

from medspacy.context import ConText, ConTextRule
from spacy.language import Language

from miner.pipeline.extensions import SPAN_KEY
from miner.pipeline.rules import RuleError
from miner.resources import pattern_files

_KEYS = {"id", "literal", "category", "direction", "pattern", "source", "max_scope"}


def load_context_rules(paths: list[Path]) -> list[ConTextRule]:
    """Load ConText rules from JSONL (one rule a line; unknown keys rejected)."""
    rules: list[ConTextRule] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            data: dict[str, Any] = json.loads(line)
            unknown = set(data) - _KEYS
            if unknown or "literal" not in data or "category" not in data:
                raise RuleError(f"{path}:{number}: bad ConText rule (unknown keys {sorted(unknown)})")
            rules.append(
                ConTextRule(
                    literal=data["literal"],
                    category=data["category"],
                    pattern=data.get("pattern"),
                    direction=data.get("direction", "BIDIRECTIONAL"),
                    max_scope=data.get("max_scope"),
                    metadata={"id": data.get("id"), "source": data.get("source")},
                )
            )
    return rules


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
