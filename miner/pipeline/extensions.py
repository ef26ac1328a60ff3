"""Span extensions and the span group that miner's components write to."""
# No `from __future__ import annotations` in pipeline modules: spaCy 3.7 validates
# factory signatures with pydantic.v1, which cannot resolve string annotations.


from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.tokens.underscore import Underscore

SPAN_KEY = "miner"  # doc.spans[SPAN_KEY] holds every mention; overlaps are allowed


def register_extensions() -> None:
    """Register miner's Span/Doc extensions once (guarded, safe to call repeatedly)."""
    for name, default in (
        ("norm", None),  # normalised value: generic drug name, treatment name, ...
        ("rule_id", None),  # the id of the pattern that produced the span
        ("value", None),  # structured value: dict (temperature, grade, timing)
        ("attrs", None),  # the rule's attrs (target, class, ...)
        ("is_misspelled", False),  # fuzzy drug match
        ("asserts_absence", False),  # a term that itself says "absent" (afebrile)
        ("is_negated", False),  # ConText flags (miner_context)
        ("is_uncertain", False),
        ("is_historical", False),
        ("is_hypothetical", False),
        ("is_family", False),
    ):
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    if not Doc.has_extension("abbreviations"):
        Doc.set_extension("abbreviations", default=None)


def add_span(doc: Doc, span: Span | None) -> Span | None:
    """Append a span to the miner span group (creating it), return it."""
    if span is None:
        return None
    if SPAN_KEY not in doc.spans:
        doc.spans[SPAN_KEY] = []
    doc.spans[SPAN_KEY].append(span)
    return span


_TEXT_KEY = "miner.text"


def make_doc(nlp: Language, text: str) -> Doc:
    """The tokenized Doc of ``text``, with the text kept for :func:`doc_text` (run the
    pipeline on it with ``nlp(doc)``)."""
    doc = nlp.make_doc(text)
    doc.user_data[_TEXT_KEY] = text
    return doc


def doc_text(doc: Doc) -> str:
    """The Doc's text, joined once and kept in ``doc.user_data``: ``Doc.text`` joins every
    token on each access (about 1 ms for a 3,800-token case report, read by several components).
    A kept text of another length (a Doc built from others) is joined again."""
    text = doc.user_data.get(_TEXT_KEY)
    length = doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0
    if not isinstance(text, str) or len(text) != length:
        text = doc.text
        doc.user_data[_TEXT_KEY] = text
    return text


def span_extension_values(span: Span, names: tuple[str, ...]) -> list[Any]:
    """The values of several plain Span extensions (no getter or method) at once: one
    Underscore and dictionary reads, where ``span._.name`` builds an Underscore and resolves
    the name each time (about 2.5 µs a read; doc_mentions reads eleven per mention)."""
    underscore = span._
    user_data: dict[Any, Any] = span.doc.user_data
    values = []
    for name in names:
        default, method, getter, _ = Underscore.span_extensions[name]
        if method is not None or getter is not None:
            values.append(getattr(underscore, name))
        else:
            values.append(user_data.get(underscore._get_key(name), default))
    return values


def set_span_extension_values(span: Span, values: dict[str, Any]) -> None:
    """Set several plain Span extensions (no setter) at once, in order, as ``span._.name =
    value`` each would."""
    underscore = span._
    user_data: dict[Any, Any] = span.doc.user_data
    for name, value in values.items():
        if Underscore.span_extensions[name][3] is not None:
            setattr(underscore, name, value)
        else:
            user_data[underscore._get_key(name)] = value
