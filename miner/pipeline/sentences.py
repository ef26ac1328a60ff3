"""A fast rule-based sentence splitter for case reports and clinical notes."""


import re
from typing import Any

import numpy
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from miner.pipeline.extensions import doc_text

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
_ENDS = numpy.array([ord(mark) for mark in ".!?"], dtype="<u4")


class SentenceSplitter:
    """Sets sentence starts after . ! ? and at line breaks that end a unit.

    A blank line always ends a sentence. A single line break ends one when the line
    before it is short (notes, lists, vitals lines) or ends with ``:`` - hard-wrapped
    prose lines are long, so they are joined.
    """

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        starts = numpy.full(len(doc), -1, dtype="int64")  # 1 starts a sentence, -1 does not
        starts[0] = 1
        text = doc_text(doc)
        line_start = 0
        for i in _candidates(doc, text):
            token, prev = doc[i], doc[i - 1]
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
            if start:
                starts[i] = 1
        # set in one call: each token-by-token set re-checks the Doc. spaCy reads the array as
        # uint64: -1 (not a start) must be cast, not written as int32
        doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))  # type: ignore[arg-type]
        return doc


def _candidates(doc: Doc, text: str) -> list[int]:
    """Tokens that can start a sentence: after a whitespace token (a line break), or after a
    token ending in ".", "!" or "?"; every other token continues its sentence."""
    values = doc.to_array([IS_SPACE, IDX, LENGTH]).astype("int64")
    codes = numpy.frombuffer(text.encode("utf-32-le"), dtype="<u4")  # one code point per offset
    last_char = codes[values[:, 1] + numpy.maximum(values[:, 2], 1) - 1]
    after = (values[:-1, 0] == 1) | numpy.isin(last_char[:-1], _ENDS)
    return (numpy.flatnonzero(after) + 1).tolist()


def sentence_bounds(sent_starts: Any) -> tuple[Any, Any, Any]:
    """``(sentence of each token, start of each sentence, end of each sentence)`` from a
    SENT_START array, as ``doc.sents`` and ``Span.sent`` read it (the first token always
    starts a sentence)."""
    is_start = numpy.asarray(sent_starts) == 1
    if len(is_start):
        is_start[0] = True
    sentence_of = numpy.cumsum(is_start) - 1
    starts = numpy.flatnonzero(is_start)
    ends = numpy.append(starts[1:], len(is_start))
    return sentence_of, starts, ends


@Language.factory("miner_sentences", assigns=["token.is_sent_start"])
def make_sentence_splitter(nlp: Language, name: str) -> SentenceSplitter:
    """Build the sentence splitter (no configuration)."""
    return SentenceSplitter()
