"""A patient record's evidence, gathered, linked to the reasons and cut down for sharing (pure).

Evidence in ``patients.jsonl`` is any object ``{text, start, end, page, doc_id}``; it sits under
episodes, the dose timeline, periodicity, other fevers and the record's ``evidence`` map. The
reasons cite it inline: ``Initial-phase CRS grade 2 [p. 1, chars 3421-3600: "During step-up
dosing, ..."]`` (``[chars 25-36: ...]`` for notes, whose evidence ``doc_id`` is the note_id).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ELLIPSIS = "\u2026"
CITATION = re.compile(r'\[(?:p\. (?P<page>\d+), )?chars (?P<start>-?\d+)-(?P<end>-?\d+): "(?P<quote>.*?)"\]')


@dataclass
class EvidenceItem:
    """One distinct piece of evidence of a patient, with where it is used (``roles``)."""

    id: int
    doc_id: str | None
    page: int | None
    start: int
    end: int
    text: str
    roles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Citation:
    """A ``[p. N, chars S-E: "quote"]`` of a reason and the evidence it was matched to."""

    label: str  # "p. 1, chars 3421-3600", "chars 25-36" or "table, p. 4"
    quote: str
    evidence: int | None


@dataclass(frozen=True)
class LinkedReason:
    """A reason split into text and citations; ``related`` are evidence of an uncited reason."""

    parts: tuple[str | Citation, ...]
    related: tuple[int, ...] = ()


def is_evidence(value: Any) -> bool:
    """True for an evidence object: a dict with ``text``, ``start`` and ``end``."""
    return isinstance(value, dict) and isinstance(value.get("text"), str) and "start" in value and "end" in value


def _walk(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    if is_evidence(value):
        yield path, value
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def _role(record: dict[str, Any], path: tuple[str | int, ...]) -> str:
    head = path[0] if path else ""
    if head == "episodes" and len(path) > 1 and isinstance(path[1], int):
        return f"episode {path[1] + 1}"
    if head == "timeline" and len(path) > 2 and isinstance(path[2], int):
        event = record["timeline"]["events"][path[2]]
        return f"dose timeline: {str(event.get('kind', 'event')).replace('_', ' ')}"
    if head == "other_fevers" and len(path) > 1 and isinstance(path[1], int):
        because = record["other_fevers"][path[1]].get("explained_by")
        return f"other fever ({because})" if because else "other fever"
    if head == "evidence" and len(path) > 1:
        return str(path[1]).replace("_", " ")
    return str(head).replace("_", " ")


def collect_evidence(record: dict[str, Any]) -> list[EvidenceItem]:
    """Every distinct evidence object of a record, in the record's order, with its uses.

    Two objects are the same evidence when they cite the same span of the same text (table
    cells, which have no span in the body text, when they have the same text).
    """
    items: dict[tuple[Any, ...], EvidenceItem] = {}
    for path, ev in _walk(record, ()):
        start, end = _int(ev.get("start")), _int(ev.get("end"))
        doc_id = ev.get("doc_id") or record.get("doc_id")
        key: tuple[Any, ...] = (doc_id, start, end) if start >= 0 else (doc_id, "text", ev["text"])
        item = items.get(key)
        if item is None:
            page = ev.get("page")
            item = items[key] = EvidenceItem(id=len(items), doc_id=doc_id, page=page if isinstance(page, int) else None,
                                             start=start, end=end, text=ev["text"])
        role = _role(record, path)
        if role not in item.roles:
            item.roles.append(role)
    return list(items.values())


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _same_start(quote: str, text: str) -> bool:
    """The quote (cut with "..." in the reasons) begins the evidence text."""
    quote = " ".join(quote.removesuffix("...").removesuffix(ELLIPSIS).split())
    return " ".join(text.split()).startswith(quote)


def match_citation(page: int | None, start: int, end: int, quote: str,
                   evidence: list[EvidenceItem]) -> int | None:
    """The evidence a citation refers to: same span (and page, when both say), same opening words."""
    if start >= 0:
        candidates = [e for e in evidence if e.start == start and e.end == end
                      and (page is None or e.page is None or e.page == page)]
    else:
        candidates = [e for e in evidence if e.start < 0]
    fitting = [e for e in candidates if _same_start(quote, e.text)]
    if fitting:
        return fitting[0].id
    return candidates[0].id if candidates and start >= 0 else None


# Reasons written without a citation, and the evidence that bears them out.
_IL6 = re.compile(r"IL-6|tocilizumab|siltuximab", re.I)


def _related(reason: str, record: dict[str, Any], evidence: list[EvidenceItem]) -> tuple[int, ...]:
    roles: set[str] = set()
    words: re.Pattern[str] | None = None
    episodes = record.get("episodes") or []
    if _IL6.search(reason):
        roles = {f"episode {i + 1}" for i, _ in enumerate(episodes)}
        words = _IL6
    elif reason.startswith("Onset "):
        roles = {f"episode {i + 1}" for i, e in enumerate(episodes) if e.get("hours_post_dose")}
    elif "initial" in reason and "phase" in reason:
        roles = {f"episode {i + 1}" for i, e in enumerate(episodes) if e.get("phase") == "initial"}
    elif "late episode" in reason:
        roles = {f"episode {i + 1}" for i, e in enumerate(episodes) if e.get("phase") == "late"}
    found: list[int] = []
    for item in evidence:
        if roles.intersection(item.roles) and (words is None or words.search(item.text)):
            found.append(item.id)
    return tuple(found[:6])


def link_reasons(record: dict[str, Any], evidence: list[EvidenceItem]) -> list[LinkedReason]:
    """Split each reason into text and citations matched to ``evidence``.

    A reason without a citation ("Episodes responded to IL-6 blockade (tocilizumab).") gets
    the evidence that bears it out as ``related`` when one can be told (here: the episode
    sentences naming tocilizumab).
    """
    linked: list[LinkedReason] = []
    for reason in record.get("reasons") or []:
        parts: list[str | Citation] = []
        cursor = 0
        for match in CITATION.finditer(reason):
            if match.start() > cursor:
                parts.append(reason[cursor:match.start()])
            page = int(match["page"]) if match["page"] else None
            start, end = int(match["start"]), int(match["end"])
            if start >= 0:
                label = f"p. {page}, chars {start}-{end}" if page else f"chars {start}-{end}"
            else:
                label = f"table, p. {page}" if page else "table"
            parts.append(Citation(label, match["quote"], match_citation(page, start, end, match["quote"], evidence)))
            cursor = match.end()
        if cursor < len(reason):
            parts.append(reason[cursor:])
        related = () if any(isinstance(p, Citation) for p in parts) else _related(reason, record, evidence)
        linked.append(LinkedReason(tuple(parts), related))
    return linked


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis marking a cut."""
    if len(text) <= limit:
        return text
    return text[:max(limit - 1, 0)] + ELLIPSIS


def redact_record(record: dict[str, Any], limit: int) -> dict[str, Any]:
    """A copy of the record that carries no source text beyond snippets of ``limit`` characters.

    Every string is cut to ``limit`` characters (evidence texts, ``onset_text``, table cells);
    a reason keeps its own words and has only its quoted evidence cut. Meant for a report
    shared outside the care team (``miner report --evidence-only``).
    """
    def cut(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: cut(v, k) for k, v in value.items()}
        if isinstance(value, list):
            if key == "reasons":
                return [redact_reason(v, limit) if isinstance(v, str) else cut(v, None) for v in value]
            return [cut(v, None) for v in value]
        if isinstance(value, str):
            return truncate(value, limit)
        return value

    return cut(copy.deepcopy(record), None)  # type: ignore[no-any-return]


def redact_reason(reason: str, limit: int) -> str:
    """The reason with each quoted evidence cut to ``limit`` characters."""
    def cut(match: re.Match[str]) -> str:
        whole, offset = match.group(0), match.start()
        return (whole[:match.start("quote") - offset] + truncate(match["quote"], limit)
                + whole[match.end("quote") - offset:])

    return CITATION.sub(cut, reason)
