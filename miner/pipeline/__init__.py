"""The spaCy pipeline: ``spacy.blank("en")`` with miner's rule components.

Only this package imports spaCy. :func:`build_nlp` builds the pipeline once;
:func:`doc_mentions` turns a processed Doc into plain :class:`~miner.episodes.model.Mention`
objects for the later stages.
"""

import bisect

from spacy.attrs import IDX, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

import miner.pipeline.abbreviations  # noqa: F401  (registers factories)
import miner.pipeline.concepts  # noqa: F401
import miner.pipeline.context  # noqa: F401
import miner.pipeline.drug_fuzzy  # noqa: F401
import miner.pipeline.measures  # noqa: F401
import miner.pipeline.sections  # noqa: F401
import miner.pipeline.sentences  # noqa: F401
import miner.pipeline.temporal  # noqa: F401
from miner.episodes.model import Mention, Sentence
from miner.pipeline.extensions import SPAN_KEY, doc_text, register_extensions, span_extension_values
from miner.pipeline.sections import Section, section_policy
from miner.pipeline.sentences import sentence_bounds
from miner.pipeline.tokenizer import customize_tokenizer


def build_nlp(day_first: bool = True, sections: bool = True) -> Language:
    """Build miner's pipeline on ``spacy.blank("en")`` (no statistical model).

    With ``sections``, ``miner_sections`` marks note sections (rules in
    ``patterns/sections/``) and :func:`doc_mentions` applies their policy.
    """
    import spacy

    register_extensions()
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    nlp.add_pipe("miner_sentences")
    nlp.add_pipe("miner_concepts")
    nlp.add_pipe("miner_drug_fuzzy")
    nlp.add_pipe("miner_measures")
    nlp.add_pipe("miner_temporal", config={"day_first": day_first})
    nlp.add_pipe("miner_abbreviations")
    nlp.add_pipe("miner_context")
    if sections:
        nlp.add_pipe("miner_sections")
    return nlp


def doc_sentences(doc: Doc, offset: int = 0) -> list[Sentence]:
    """The Doc's sentences as plain objects, offsets shifted by ``offset``."""
    if not len(doc):
        return []
    values = doc.to_array([SENT_START, IDX, LENGTH]).astype("int64")
    _, starts, ends = sentence_bounds(values[:, 0])
    text = doc_text(doc)
    sentences = []
    for index, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        start_char, end_char = int(values[start, 1]), int(values[end - 1, 1] + values[end - 1, 2])
        sentences.append(Sentence(index, start_char + offset, end_char + offset, text[start_char:end_char]))
    return sentences


def _section_scopes(doc: Doc, sections: list[Section]) -> dict[str | None, list[tuple[int, int]]]:
    """Character ranges where a section's policy applies. A section extends to the
    next header; a list section ends sooner: at the end of its header line when the header
    has content after it ("Allergies: penicillin"), else at the first blank line."""
    scopes: dict[str | None, list[tuple[int, int]]] = {}
    text = doc_text(doc)
    for section in sections:
        if section.category is None:
            continue
        title_end = doc[section.title_end - 1].idx + len(doc[section.title_end - 1]) if section.title_end else 0
        body_end = doc[section.body_end - 1].idx + len(doc[section.body_end - 1]) if section.body_end else len(text)
        header_alone = bool(section.title_end) and "\n" in doc[section.title_end - 1].text
        line_end = text.find("\n", title_end)
        line_end = len(text) if line_end < 0 else line_end
        if not header_alone and text[title_end:line_end].strip():
            end = line_end
        else:
            blank = text.find("\n\n", line_end + 1)
            end = len(text) if blank < 0 else blank
        start = doc[section.title_start].idx if section.title_end else 0
        scopes.setdefault(section.category, []).append((start, min(end, body_end)))
    return scopes


_MENTION_EXTENSIONS = ("norm", "value", "attrs", "rule_id", "is_negated", "asserts_absence", "is_hypothetical",
                       "is_historical", "is_family", "is_uncertain", "is_misspelled")


def doc_mentions(doc: Doc, offset: int = 0) -> list[Mention]:
    """The Doc's mentions as plain objects sorted by position, offsets shifted by ``offset``."""
    spans = doc.spans.get(SPAN_KEY, [])
    if not spans:
        return []
    sentence_of = sentence_bounds(doc.to_array(SENT_START))[0].tolist()
    sections: list[Section] = doc._.sections if Doc.has_extension("sections") and doc._.sections else []
    scopes = _section_scopes(doc, sections)
    section_starts = [s.title_start for s in sections]  # contiguous: each runs to the next
    text = doc_text(doc)
    mentions = []
    for span in spans:
        section = None
        if scopes:
            held = sections[bisect.bisect_right(section_starts, span.start) - 1]
            section = held.category if held.title_start <= span.start < held.body_end else None
        policy = section_policy(section)
        if policy != "keep" and not any(start <= span.start_char < end for start, end in scopes.get(section, [])):
            policy = "keep"  # past the list: "Allergies: NKDA" does not swallow the rest of the note
        if policy == "ignore":
            continue  # "Medications: tocilizumab 8 mg/kg PRN", "Family history: CRS in her brother"
        (norm, value, attrs, rule_id, is_negated, asserts_absence, is_hypothetical, is_historical, is_family,
         is_uncertain, is_misspelled) = span_extension_values(span, _MENTION_EXTENSIONS)
        mentions.append(
            Mention(
                label=span.label_,
                text=text[span.start_char:span.end_char],  # span.text, without joining its tokens
                start=span.start_char + offset,
                end=span.end_char + offset,
                norm=norm,
                value=dict(value) if value else None,
                attrs=dict(attrs) if attrs else {},
                rule_id=rule_id or "",
                sentence=sentence_of[span.start],
                is_negated=bool(is_negated) or bool(asserts_absence),
                is_hypothetical=bool(is_hypothetical),
                is_historical=bool(is_historical) or policy == "historical",
                is_family=bool(is_family),
                is_uncertain=bool(is_uncertain),
                is_misspelled=bool(is_misspelled),
                section=section,
            )
        )
    mentions.sort(key=lambda m: (m.start, -m.end, m.label))
    return mentions
