"""``miner_abbreviations``: definitions of CRS found as scispaCy's detector finds them."""

from __future__ import annotations

import pytest

from miner.pipeline.abbreviations import defined_long_forms, parenthesis_pairs


def test_parenthesis_pairs_in_the_detector_order() -> None:
    # tokens: ( a ( b ) c ) with ids 1 = "(", 2 = ")"
    assert parenthesis_pairs([1, 9, 1, 9, 2, 9, 2], 1, 2) == [(2, 5), (0, 5), (2, 7), (0, 7)]
    # "( )" holds nothing; more than 8 tokens inside is never a definition
    assert parenthesis_pairs([1, 2], 1, 2) == []
    assert parenthesis_pairs([1] + [9] * 9 + [2], 1, 2) == []


@pytest.mark.parametrize(
    ("text", "forms"),
    [
        ("History of chronic rhinosinusitis (CRS). CRS symptoms improved.", {"chronic rhinosinusitis"}),
        ("She had cytokine release syndrome (CRS) after the first dose.", {"cytokine release syndrome"}),
        ("CRS (grade 2) resolved.", set()),  # "grade 2" is not an abbreviation of anything
        # a short form is defined once: the second definition does not count
        ("cytokine release syndrome (CRS); later chronic rhinosinusitis (CRS)", {"cytokine release syndrome"}),
    ],
)
def test_defined_long_forms(nlp, text: str, forms: set[str]) -> None:  # type: ignore[no-untyped-def]
    assert defined_long_forms(nlp.make_doc(text), "CRS") == forms
