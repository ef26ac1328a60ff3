"""A fast rule-based sentence splitter for case reports and clinical notes."""


import re

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

# Abbreviations whose trailing period does not end a sentence.
_NO_BREAK = frozenset(
    "al e.g i.e vs approx dr mr mrs ms fig figs ref refs nos inc dept univ vol pp ca cf "
    "etc resp approx".split()
)
_DATED_ITEM = re.compile(r"^\d{1,2}/\d{1,2}(?:/\d{2,4})?$")  # "... x1. 7/3: fever 38.4"
# a line that starts a new unit whatever the length of the line before it: a header
# ("VITAL SIGNS:", "A/P:"), a bullet, a table row ("| 21 Jan 2025 | C1D16 | CRS G2 |"), or a
# dated or timed entry ("03/02 09:40 ...", "2115: T 38.5")
_NEW_ITEM = re.compile(r"[ \t]*(?:[A-Z][A-Za-z/&() -]{0,30}:|[-•*][ \t]|\||\d{1,2}/\d{1,2}\b|\d{3,4}:|\d{1,2}:\d{2}\b)")
_LINE_BREAK_MAX_LEN = 60  # a line shorter than this ends its sentence (lists, vitals)


class SentenceSplitter:
    """Sets sentence starts after . ! ? and at line breaks that end a unit.

    A blank line always ends a sentence. A single line break ends one when the line
    before it is short (notes, lists, vitals lines) or ends with ``:`` - hard-wrapped
    prose lines are long, so they are joined.
    """

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        starts = [False] * len(doc)  # set in one call at the end: each token-by-token set re-checks the Doc
        starts[0] = True
        text = doc.text  # built once: Doc.text joins every token on each access
        line_start = 0
        for i, token in enumerate(doc[1:], start=1):
            prev = doc[i - 1]
            start = False
            if prev.is_space or "\n" in prev.whitespace_:
                newline_text = prev.text if prev.is_space else prev.whitespace_
                if newline_text.count("\n") >= 2:
                    start = True
                elif "\n" in newline_text:
                    line_len = prev.idx + len(prev.text) - line_start
                    start = line_len < _LINE_BREAK_MAX_LEN or doc[i - 1].text.endswith(":")
                    if prev.is_space and i >= 2:
                        line_len = doc[i - 2].idx + len(doc[i - 2].text) - line_start
                        start = line_len < _LINE_BREAK_MAX_LEN or doc[i - 2].text in {
                            ":",
                            ".",
                        }
                    # a header, bullet or timed entry starts a unit after a line of any length
                    start = start or (not token.is_space and bool(_NEW_ITEM.match(text, token.idx)))
                if "\n" in newline_text:
                    line_start = token.idx
            if not start and not token.is_space:
                last = prev if not prev.is_space else (doc[i - 2] if i >= 2 else prev)
                if last.text in {".", "!", "?"} and (token.is_title or token.is_digit or _DATED_ITEM.match(token.text)
                                                      or token.is_upper or token.text in {"(", "["}):
                    before = doc[last.i - 1].lower_ if last.i > 0 else ""
                    # "J. Smith" is an initial, but "38.8 °C. On 30 May" ends a sentence
                    degree = last.i > 1 and doc[last.i - 2].text.endswith(("°", "º"))
                    start = before not in _NO_BREAK and (degree or not (len(before) == 1 and before.isalpha()))
                elif last.text.endswith(".") and len(last.text) > 1 and token.is_title:
                    start = last.lower_.rstrip(".") not in _NO_BREAK and not last.like_num and not (
                        len(last.text) == 2 and last.text[0].isupper())  # "J. Smith"
            starts[i] = start
        # spaCy reads the array as uint64: -1 (not a start) must be cast, not written as int32
        values = numpy.array([[1 if s else -1] for s in starts], dtype="int64").astype("uint64")
        doc.from_array([SENT_START], values)  # type: ignore[arg-type]
        return doc


@Language.factory("miner_sentences", assigns=["token.is_sent_start"])
def make_sentence_splitter(nlp: Language, name: str) -> SentenceSplitter:
    """Build the sentence splitter (no configuration)."""
    return SentenceSplitter()
