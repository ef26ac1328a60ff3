"""The spaCy pipeline: ``spacy.blank("en")`` with miner's rule components.

Only this package imports spaCy. :func:`build_nlp` builds the pipeline once;
:func:`doc_mentions` turns a processed Doc into plain :class:`~miner.episodes.model.Mention`
objects for the later stages.
"""

from spacy.language import Language
from spacy.tokens import Doc

import miner.pipeline.abbreviations  # noqa: F401  (registers factories)
import miner.pipeline.concepts  # noqa: F401
import miner.pipeline.context  # noqa: F401
import miner.pipeline.drug_fuzzy  # noqa: F401
import miner.pipeline.measures  # noqa: F401
import miner.pipeline.sentences  # noqa: F401
import miner.pipeline.temporal  # noqa: F401
from miner.episodes.model import Mention, Sentence
from miner.pipeline.extensions import SPAN_KEY, register_extensions
from miner.pipeline.sections import add_sections, section_policy
from miner.pipeline.tokenizer import customize_tokenizer


def build_nlp(day_first: bool = True, sections: bool = True) -> Language:
    """Build miner's pipeline on ``spacy.blank("en")`` (no statistical model).

    With ``sections``, medspaCy's Sectionizer marks note sections (rules in
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
        add_sections(nlp)
    return nlp


def doc_sentences(doc: Doc, offset: int = 0) -> list[Sentence]:
    """The Doc's sentences as plain objects, offsets shifted by ``offset``."""
    return [
        Sentence(index, s.start_char + offset, s.end_char + offset, s.text)
        for index, s in enumerate(doc.sents)
    ]


def _section_scopes(doc: Doc) -> dict[str | None, list[tuple[int, int]]]:
    """Character ranges where a section's policy applies. medspaCy extends a section to the
    next header; a list section ends sooner: at the end of its header line when the header
    has content after it ("Allergies: penicillin"), else at the first blank line."""
    if not Doc.has_extension("sections") or not doc._.sections:
        return {}
    scopes: dict[str | None, list[tuple[int, int]]] = {}
    text = doc.text
    for section in doc._.sections:
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


def doc_mentions(doc: Doc, offset: int = 0) -> list[Mention]:
    """The Doc's mentions as plain objects sorted by position, offsets shifted by ``offset``."""
    spans = doc.spans.get(SPAN_KEY, [])
    sent_index = {}
    for index, sent in enumerate(doc.sents):
        for i in range(sent.start, sent.end):
            sent_index[i] = index
    mentions = []
    scopes = _section_scopes(doc)
    for span in spans:
        section = span[0]._.section_category if scopes else None
        policy = section_policy(section)
        if policy != "keep" and not any(start <= span.start_char < end for start, end in scopes.get(section, [])):
            policy = "keep"  # past the list: "Allergies: NKDA" does not swallow the rest of the note
        if policy == "ignore":
            continue  # "Medications: tocilizumab 8 mg/kg PRN", "Family history: CRS in her brother"
        mentions.append(
            Mention(
                label=span.label_,
                text=span.text,
                start=span.start_char + offset,
                end=span.end_char + offset,
                norm=span._.norm,
                value=dict(span._.value) if span._.value else None,
                attrs=dict(span._.attrs) if span._.attrs else {},
                rule_id=span._.rule_id or "",
                sentence=sent_index.get(span.start, -1),
                is_negated=bool(span._.is_negated) or bool(span._.asserts_absence),
                is_hypothetical=bool(span._.is_hypothetical),
                is_historical=bool(span._.is_historical) or policy == "historical",
                is_family=bool(span._.is_family),
                is_uncertain=bool(span._.is_uncertain),
                is_misspelled=bool(span._.is_misspelled),
                section=section,
            )
        )
    mentions.sort(key=lambda m: (m.start, -m.end, m.label))
    return mentions
