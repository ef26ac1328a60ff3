"""``miner_temporal``: TIMING spans with their normalized value from :mod:`miner.temporal`."""

import dataclasses
import datetime

from spacy.language import Language
from spacy.tokens import Doc

from miner.labels import TIMING
from miner.pipeline.extensions import add_span, doc_text, register_extensions, set_span_extension_values
from miner.temporal import TemporalSettings, TimeValue, find_time_expressions_in_narrative
from miner.temporal.columns import in_post_dose_column

_STATE_QUALIFIERS = frozenset({"within", "for", "up to", "until", "since"})
_VALUE_FIELDS = tuple(f.name for f in dataclasses.fields(TimeValue))


def is_timing_mention(value: TimeValue) -> bool:
    """Whether a parsed expression is a TIMING mention by the annotation guidelines
    (corpora/GUIDELINES.md 2.6): counts ("six cycles", "four consecutive doses") and
    durations of a state ("defervescence within 10 hours", "held for two weeks", "lasting
    12-24 h") are not; "30 hours later", "after 12 months", "month 7" are."""
    if value.kind == "count":
        return False
    if value.kind == "elapsed" and value.anchor is None:
        return value.qualifier not in _STATE_QUALIFIERS and value.qualifier is not None
    return True


class TimingTagger:
    """Tags every time expression the pure parser finds; ``span._.value`` is its dict.

    The document date, when known, is read from ``doc.user_data["reference_date"]``
    (an ISO date string) so that "04/15" gets its year, and ``doc.user_data["day_first"]``
    overrides the day/month order for one document; without it, a date written
    without a year takes the year of the nearest dated expression before it.
    """

    def __init__(self, day_first: bool = True) -> None:
        register_extensions()
        self.day_first = day_first

    def __call__(self, doc: Doc) -> Doc:
        reference = doc.user_data.get("reference_date") if doc.user_data else None
        ref_date = datetime.date.fromisoformat(reference[:10]) if reference else None
        day_first = doc.user_data.get("day_first", self.day_first) if doc.user_data else self.day_first
        settings = TemporalSettings(day_first=bool(day_first), reference_date=ref_date)
        text = doc_text(doc)
        for value in find_time_expressions_in_narrative(text, settings):
            value = in_post_dose_column(value, text)
            if not is_timing_mention(value):
                continue
            span = doc.char_span(value.start, value.end, label=TIMING, alignment_mode="expand")
            if span is None:
                continue
            # value: the fields as dataclasses.asdict gives them (all plain), without its deep copy
            set_span_extension_values(span, {"norm": value.kind, "rule_id": f"timing.{value.kind}",
                                             "value": {name: getattr(value, name) for name in _VALUE_FIELDS}})
            add_span(doc, span)
        return doc


@Language.factory(
    "miner_temporal", assigns=["doc.spans"], default_config={"day_first": True}
)
def make_timing_tagger(nlp: Language, name: str, day_first: bool) -> TimingTagger:
    """Build the TIMING tagger; ``day_first`` reads 05/06/2023 as 5 June."""
    return TimingTagger(day_first=day_first)
