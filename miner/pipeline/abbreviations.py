"""``miner_abbreviations``: drop "CRS" mentions that the document defines as something else.

"CRS" is also chronic rhinosinusitis, the Cardiac Risk Score, ... . scispaCy's
abbreviation detector (Schwartz & Hearst 2003) finds definitions such as
"chronic rhinosinusitis (CRS)"; when a document defines CRS and no definition is a
cytokine release syndrome, its bare "CRS" mentions are removed.
"""

from scispacy.abbreviation import AbbreviationDetector
from spacy.language import Language
from spacy.tokens import Doc

from miner.labels import CRS
from miner.pipeline.extensions import SPAN_KEY


class CrsAbbreviationFilter:
    """Runs the abbreviation detector only on documents with a bare "CRS" mention."""

    def __init__(self, nlp: Language) -> None:
        self.detector = AbbreviationDetector(nlp)

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans.get(SPAN_KEY)
        if spans is None:
            return doc
        bare = [s for s in spans if s.label_ == CRS and (s._.attrs or {}).get("abbreviation")]
        if not bare or "(" not in doc.text:
            return doc
        self.detector(doc)
        long_forms = {
            a._.long_form.text.lower() for a in doc._.abbreviations if a.text.upper() == "CRS"
        }
        if long_forms and not any("cytokine" in form for form in long_forms):
            drop = {(s.start, s.end) for s in bare}
            doc.spans[SPAN_KEY] = [
                s for s in spans if not (s.label_ == CRS and (s.start, s.end) in drop)
            ]
        return doc


@Language.factory("miner_abbreviations", assigns=["doc.spans"], requires=["doc.spans"])
def make_abbreviation_filter(nlp: Language, name: str) -> CrsAbbreviationFilter:
    """Build the filter around scispaCy's model-free abbreviation detector."""
    return CrsAbbreviationFilter(nlp)
