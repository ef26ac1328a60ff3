"""``miner_measures``: temperatures (as FEVER when at least 38.0 °C) and CRS GRADE spans."""


from spacy.language import Language
from spacy.tokens import Doc

from miner.labels import FEVER, GRADE
from miner.measures import find_grades, find_temperatures, is_crs_grade
from miner.pipeline.extensions import add_span, doc_text, register_extensions


class MeasureTagger:
    """Tags measured values found by the pure parsers in :mod:`miner.measures`."""

    def __init__(self) -> None:
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        if any(ch.isdigit() for ch in text) or "grade" in text.lower():
            for temp in find_temperatures(text):
                if not temp.is_fever:
                    continue
                span = doc.char_span(temp.start, temp.end, label=FEVER, alignment_mode="expand")
                if span is None:
                    continue
                span._.norm = "fever"
                span._.rule_id = "fever.temperature"
                span._.value = {"temp_c": temp.celsius, "scale": temp.scale}
                add_span(doc, span)
            for grade in find_grades(text):
                if not is_crs_grade(text, grade):
                    continue  # "grade 1 fatigue", "low-grade": not a CRS grade
                span = doc.char_span(grade.start, grade.end, label=GRADE, alignment_mode="expand")
                if span is None:
                    continue
                span._.norm = (
                    str(grade.low) if grade.low == grade.high else f"{grade.low}-{grade.high}"
                )
                span._.rule_id = f"grade.{grade.qualitative or 'numeric'}"
                span._.value = {
                    "low": grade.low,
                    "high": grade.high,
                    "scale": grade.scale,
                    "qualitative": grade.qualitative,
                }
                add_span(doc, span)
        return doc


@Language.factory("miner_measures", assigns=["doc.spans"])
def make_measure_tagger(nlp: Language, name: str) -> MeasureTagger:
    """Build the measure tagger (rules are the pure parsers' regexes)."""
    return MeasureTagger()
