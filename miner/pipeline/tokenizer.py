"""Tokenizer tweaks for clinical text on ``spacy.blank("en")``."""


from typing import Any

from spacy.language import Language
from spacy.util import compile_infix_regex


def customize_tokenizer(nlp: Language) -> None:
    """Split "Tocilizumab±steroids" and "toci/dex" into their words.

    spaCy's English infixes already split "blood/urine"; "±" and a slash between a
    letter and a digit are added. Idempotent.
    """
    extra = [r"(?<=[A-Za-z])[±](?=[A-Za-z])", r"(?<=[A-Za-z])/(?=[A-Za-z0-9])"]
    infixes: list[Any] = list(nlp.Defaults.infixes or [])
    if extra[0] in infixes:
        return
    tokenizer: Any = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes + extra).finditer
