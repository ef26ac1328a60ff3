"""``miner_abbreviations``: drop "CRS" mentions that the document defines as something else.

"CRS" is also chronic rhinosinusitis, the Cardiac Risk Score, ... . scispaCy's
abbreviation algorithm (Schwartz & Hearst 2003) finds definitions such as
"chronic rhinosinusitis (CRS)"; when a document defines CRS and no definition is a
cytokine release syndrome, its bare "CRS" mentions are removed.

The definitions are those scispaCy's ``AbbreviationDetector`` finds, in its order, but
its Matcher (every "(" with every later ")", quadratic in the parentheses of a document)
is replaced by the pairs it can keep: at most 8 tokens between the parentheses.
"""

import bisect
from typing import Any

import numpy
from scispacy.abbreviation import filter_matches, find_abbreviation
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span

from miner.labels import CRS
from miner.pipeline.extensions import SPAN_KEY, doc_text

_MAX_INSIDE = 8  # scispaCy ignores parentheses holding more than 8 tokens


def parenthesis_pairs(orths: Any, open_id: int, close_id: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each "( ... )" with 1 to 8 tokens inside, brackets included, in the
    order of scispaCy's Matcher: by closing bracket, the nearest opening bracket first."""
    orths = numpy.asarray(orths, dtype="uint64")
    opens = numpy.flatnonzero(orths == open_id).tolist()
    pairs = []
    for index in numpy.flatnonzero(orths == close_id).tolist():
        for start in reversed(opens[:bisect.bisect_left(opens, index)]):
            if index - start - 1 > _MAX_INSIDE:
                break
            if index - start >= 2:
                pairs.append((start, index + 1))
    return pairs


def defined_long_forms(doc: Doc, short_form: str) -> set[str]:
    """Lower-cased long forms the document defines for ``short_form`` (compared in upper
    case), as scispaCy's detector would give them: "chronic rhinosinusitis (CRS)" ->
    {"chronic rhinosinusitis"}. A long or short form already defined earlier is not defined
    again (the detector's first-definition rule)."""
    strings = doc.vocab.strings
    ids = doc.to_array(ORTH)
    pairs = parenthesis_pairs(ids, strings.add("("), strings.add(")"))
    orths = ids.tolist()
    # pairs after the last that can define the short form change nothing: drop them (all, in
    # most documents); those before it stay, as an earlier definition can block a later one
    wanted = "".join(short_form.split()).upper()
    last = max((i for i, (start, end) in enumerate(pairs) if _may_define(strings, orths, start, end, wanted)),
               default=-1)
    candidates = filter_matches([(0, start + 1, end - 1) for start, end in pairs[:last + 1]], doc)
    seen_long: set[str] = set()
    seen_short: set[str] = set()
    forms = set()
    for long_candidate, short_candidate in candidates:
        short, long = find_abbreviation(long_candidate, short_candidate)
        new_long = long.text not in seen_long if long else False
        if long is None or not new_long or short.text in seen_short:
            continue
        seen_long.add(long.text)
        seen_short.add(short.text)
        if any(text.upper() == short_form.upper() for text in _occurrences(doc, orths, short)):
            forms.add(long.text.lower())
    return forms


def _may_define(strings: Any, orths: list[int], start: int, end: int, wanted: str) -> bool:
    """Whether the parentheses ``start:end`` can give a short form reading ``wanted`` (upper
    case, no whitespace): the words inside (up to 3), or the word before when a long form is
    inside (as filter_matches takes them)."""
    inside = range(start + 1, end - 1)
    words = inside if len(inside) <= 3 else range(start - 1, start)
    return "".join("".join(strings[orths[i]] for i in words if i >= 0).split()).upper() == wanted


def _occurrences(doc: Doc, orths: list[int], short: Span) -> set[str]:
    """Texts of the short form's occurrences (its tokens, verbatim, anywhere in the Doc)."""
    if len(short) == 1:
        return {short.text}
    wanted = orths[short.start:short.end]
    return {doc[i:i + len(wanted)].text for i in range(len(orths) - len(wanted) + 1)
            if orths[i] == wanted[0] and orths[i:i + len(wanted)] == wanted}


class CrsAbbreviationFilter:
    """Looks for definitions only in documents with a bare "CRS" mention and a "("."""

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans.get(SPAN_KEY)
        if spans is None or "(" not in doc_text(doc):
            return doc
        bare = [s for s in spans if s.label_ == CRS and (s._.attrs or {}).get("abbreviation")]
        if not bare:
            return doc
        long_forms = defined_long_forms(doc, CRS)
        if long_forms and not any("cytokine" in form for form in long_forms):
            drop = {(s.start, s.end) for s in bare}
            doc.spans[SPAN_KEY] = [
                s for s in spans if not (s.label_ == CRS and (s.start, s.end) in drop)
            ]
        return doc


@Language.factory("miner_abbreviations", assigns=["doc.spans"], requires=["doc.spans"])
def make_abbreviation_filter(nlp: Language, name: str) -> CrsAbbreviationFilter:
    """Build the filter around scispaCy's model-free abbreviation algorithm."""
    return CrsAbbreviationFilter()
