"""The review report: one self-contained HTML file for an output folder of ``miner``.

The page holds its data as inline JSON blocks and a small inline script renders them: the
cohort table (sorted, filtered and paged in the browser) and, when a patient is opened, the
patient's timeline, reasons, episodes, evidence and source text. Each patient and each source
text is a separate ``<script type="application/json">`` block, parsed only when the patient
is opened, so 1,000 patients open as fast as ten. Nothing is fetched: no CDN, fonts or
scripts from elsewhere; the file works from a USB stick.

With ``evidence_only`` the file carries no source text beyond the evidence snippets, each cut
to ``max_snippet`` characters, and every string of the downloadable record is cut the same
way (for sharing outside the care team).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from miner import labels as L
from miner.report.assets import REPORT_CSS, REPORT_JS
from miner.report.evidence import Citation, EvidenceItem, collect_evidence, link_reasons, redact_record, truncate
from miner.report.load import (
    FLAG_FAMILY,
    FLAG_HISTORICAL,
    FLAG_HYPOTHETICAL,
    FLAG_NEGATED,
    FLAG_UNCERTAIN,
    NOTES_MODE,
    MentionMark,
    ReportInputs,
    Source,
    load_outputs,
)
from miner.report.timeline_svg import GRADE_COLOURS, UNGRADED_COLOUR, render_timeline

DEFAULT_MAX_SNIPPET = 300
DEFAULT_NAME = "report.html"

# displaCy's palette where it has the kind of thing, distinct light colours otherwise.
LABEL_COLOURS: dict[str, str] = {
    L.DRUG: "#aa9cfc", L.CRS: "#ff9561", L.FEVER: "#feca74", L.GRADE: "#7aecec",
    L.TREATMENT: "#bfe1d9", L.TIMING: "#bfeeb7", L.INFECTION_WORKUP: "#9cc9f5", L.INFECTION: "#ff8197",
}
OTHER_LABEL_COLOUR = "#dddddd"
ASSERTIONS: tuple[tuple[int, str, str], ...] = (
    (FLAG_NEGATED, "neg", "negated (struck through)"),
    (FLAG_HYPOTHETICAL, "hyp", "hypothetical (dashed)"),
    (FLAG_UNCERTAIN, "unc", "uncertain (dashed)"),
    (FLAG_HISTORICAL, "hist", "historical (dotted, faded)"),
    (FLAG_FAMILY, "fam", "family member (dotted, faded)"),
)
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass
class ReportSummary:
    """What was written."""

    path: Path
    patients: int
    size_bytes: int
    evidence_only: bool
    sources_shown: int
    notices: list[str] = field(default_factory=list)


def _json(value: Any) -> str:
    """JSON safe inside ``<script>``: no ``<``, ``>`` or ``&`` can end the block."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _clean(text: str) -> str:
    """Undecodable bytes kept as lone surrogates become U+FFFD (one for one: offsets stay)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _range_text(values: Any) -> str:
    if isinstance(values, list) and len(values) == 2 and all(isinstance(v, (int, float)) for v in values):
        low, high = values
        return f"{low:g}" if low == high else f"{low:g}-{high:g}"
    return ""


def _range_low(values: Any) -> float | None:
    if isinstance(values, list) and values and isinstance(values[0], (int, float)):
        return float(values[0])
    return None


def cohort_row(index: int, record: dict[str, Any]) -> dict[str, Any]:
    """The cohort table's row of a patient (short keys: the table holds up to thousands)."""
    episodes = record.get("episodes") or []
    return {
        "i": index, "p": str(record.get("patient_id") or ""), "d": str(record.get("doc_id") or ""),
        "c": record.get("classification") or "", "dr": list(record.get("drugs") or []),
        "g": record.get("max_grade"),
        "l": sum(1 for e in episodes if e.get("phase") == "late" and not e.get("summary")),
        "iv": _range_text(record.get("recurrence_interval_days")),
        "ivn": _range_low(record.get("recurrence_interval_days")),
        "h": _range_text(record.get("hours_post_dose")), "hn": _range_low(record.get("hours_post_dose")),
    }


def snippet_marks(mentions: list[MentionMark], start: int, text: str) -> list[list[int]]:
    """Mentions inside a snippet that begins at ``start`` of its source, relative to the snippet.

    A mention is kept only when its recorded text is the snippet's text at that place, so a
    snippet that is not a verbatim slice of the source never gets a misplaced highlight.
    """
    if start < 0 or not mentions:
        return []
    starts = [m.start for m in mentions]
    marks: list[list[int]] = []
    for m in mentions[bisect.bisect_left(starts, start):]:
        if m.start >= start + len(text):
            break
        rel_start, rel_end = m.start - start, m.end - start
        if rel_end <= len(text) and text[rel_start:rel_end] == m.text:
            marks.append([rel_start, rel_end, m.label, m.flags])
    return marks


def _located(source: Source, item: EvidenceItem) -> bool:
    return 0 <= item.start < item.end <= len(source.text) and source.text[item.start:item.end] == item.text


class _SourceTable:
    """Numbers the source texts as they are first used (their JSON blocks are ``src-N``)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.index: dict[str, int] = {}

    def number(self, key: str) -> int:
        if key not in self.index:
            self.index[key] = len(self.keys)
            self.keys.append(key)
        return self.index[key]


def patient_data(index: int, record: dict[str, Any], inputs: ReportInputs, sources: _SourceTable, *,
                 evidence_only: bool, max_snippet: int) -> dict[str, Any]:
    """The JSON block of one patient: record, timeline SVG, linked reasons, evidence, sources."""
    evidence = collect_evidence(record)
    reasons = link_reasons(record, evidence)
    items: list[dict[str, Any]] = []
    used_keys: list[str] = []
    for item in evidence:
        text = truncate(item.text, max_snippet) if evidence_only else item.text
        key = item.doc_id or ""
        source = None if evidence_only else inputs.sources.get(key)
        src = sources.number(key) if source is not None and _located(source, item) else None
        if src is not None and key not in used_keys:
            used_keys.append(key)
        entry: dict[str, Any] = {"id": item.id, "doc": key, "page": item.page, "start": item.start, "end": item.end,
                                 "roles": item.roles, "src": src,
                                 "marks": snippet_marks(inputs.mentions.get(key, []), item.start, text)}
        if src is None:  # else the script takes the snippet from the source text (one copy in the file)
            entry["text"] = _clean(text)
        items.append(entry)
    if inputs.mode == NOTES_MODE:
        patient_keys = inputs.notes_by_patient.get(str(record.get("patient_id")), [])
    else:
        patient_keys = [str(record.get("doc_id") or "")]
    shown: list[int] = []
    missing: list[str] = []
    if not evidence_only:
        for key in [*patient_keys, *used_keys]:
            if key in inputs.sources:
                number = sources.number(key)
                if number not in shown:
                    shown.append(number)
            elif key in inputs.missing and key not in missing:
                missing.append(key)
    notice = ""
    if evidence_only:
        notice = (f"Evidence-only report: no source text beyond the evidence snippets (each at most "
                  f"{max_snippet} characters).")
    elif missing:
        why = "; ".join(f"{key}: {inputs.missing[key]}" for key in missing[:3])
        notice = (f"The source text of {len(missing)} {'notes' if inputs.mode == NOTES_MODE else 'document(s)'} "
                  f"could not be read again ({why}); their evidence is shown as snippets only.")
    elif not shown:
        notice = "The source text could not be read again; only the evidence snippets are shown."
    segment: dict[str, Any] = record["segment"] if isinstance(record.get("segment"), dict) else {}
    return {
        "i": index,
        "record": redact_record(record, max_snippet) if evidence_only else record,
        "svg": render_timeline(record),
        "reasons": [{"parts": [{"c": p.label, "q": truncate(p.quote, max_snippet) if evidence_only else p.quote,
                                "e": p.evidence} if isinstance(p, Citation) else {"t": p} for p in r.parts],
                     "related": list(r.related)} for r in reasons],
        "evidence": items,
        "sources": shown,
        "segment": [segment.get("start"), segment.get("end")] if isinstance(segment.get("start"), int) else None,
        "notice": notice,
    }


def source_data(source: Source, mentions: list[MentionMark]) -> dict[str, Any]:
    """The JSON block of one source text, with its mentions as ``[start, end, label, flags]``."""
    return {"key": source.key, "kind": source.kind, "title": source.title, "date": source.date,
            "type": source.note_type, "text": _clean(source.text), "pages": [list(p) for p in source.pages],
            "marks": [[m.start, m.end, m.label, m.flags] for m in mentions if m.end <= len(source.text)]}


def _legend(labels: list[str]) -> str:
    chips = "".join(f'<span class="chip"><mark class="ent l{i}">{escape(name.lower())}'
                    f'<span class="tag">{escape(name)}</span></mark></span>' for i, name in enumerate(labels))
    styles = "".join(f'<span class="chip"><mark class="ent l{labels.index(L.FEVER) if L.FEVER in labels else 0} '
                     f'{css}">fever<span class="tag">{escape(text.split(" (")[0])}</span></mark> '
                     f'{escape(text[text.find("("):])}</span>' for _, css, text in ASSERTIONS)
    grades = "".join(f'<span class="chip"><svg viewBox="0 0 16 16" class="key"><circle cx="8" cy="8" r="6" '
                     f'fill="{colour}" stroke="#333"/></svg>grade {grade}</span>'
                     for grade, colour in GRADE_COLOURS.items())
    grades += (f'<span class="chip"><svg viewBox="0 0 16 16" class="key"><circle cx="8" cy="8" r="6" '
               f'fill="{UNGRADED_COLOUR}" stroke="#333"/></svg>grade unknown</span>')
    shapes = ('<span class="chip"><svg viewBox="0 0 16 16" class="key"><circle cx="8" cy="8" r="6" fill="#ccc" '
              'stroke="#333"/></svg>named CRS</span>'
              '<span class="chip"><svg viewBox="0 0 16 16" class="key"><path d="M8 1L15 8L8 15L1 8Z" fill="#ccc" '
              'stroke="#333"/></svg>fever not named CRS</span>'
              '<span class="chip"><svg viewBox="0 0 16 16" class="key"><circle cx="8" cy="8" r="5" fill="none" '
              'stroke="#888" stroke-width="3" stroke-dasharray="3 2"/></svg>statement of a pattern</span>'
              '<span class="chip"><svg viewBox="0 0 16 16" class="key"><line x1="8" x2="8" y1="1" y2="15" '
              'stroke="#333" stroke-width="2"/></svg>dose</span>'
              '<span class="chip"><svg viewBox="0 0 16 16" class="key"><line x1="8" x2="8" y1="6" y2="15" '
              'stroke="#7b4fd6" stroke-width="2"/><text x="8" y="6" font-size="6" text-anchor="middle" '
              'fill="#7b4fd6">S</text></svg>step-up dose</span>'
              '<span class="chip"><svg viewBox="0 0 16 16" class="key"><rect x="2" y="2" width="12" height="12" '
              'rx="2" fill="#2f6fde"/><text x="8" y="11.5" font-size="9" text-anchor="middle" fill="#fff">T'
              '</text></svg>tocilizumab</span>'
              '<span class="chip"><svg viewBox="0 0 16 16" class="key"><path d="M8 2L15 14H1Z" fill="#2e9e5b"/>'
              '</svg>corticosteroids</span>'
              '<span class="chip"><svg viewBox="0 0 16 16" class="key"><circle cx="8" cy="8" r="4" fill="#7d7d7d"/>'
              '</svg>other treatment</span>')
    return (f'<div class="legend" id="legend"><div><b>Mentions</b> {chips}</div><div><b>Assertions</b> {styles}'
            f'</div><div><b>Timeline</b> {grades}{shapes}</div></div>')


def _label_css(labels: list[str]) -> str:
    return "".join(f".l{i}{{background:{LABEL_COLOURS.get(name, OTHER_LABEL_COLOUR)}}}"
                   for i, name in enumerate(labels))


def build_report(inputs: ReportInputs, *, evidence_only: bool = False,
                 max_snippet: int = DEFAULT_MAX_SNIPPET, title: str | None = None) -> str:
    """The whole HTML page for ``inputs`` (see the module docstring)."""
    if max_snippet < 1:
        raise ValueError("max_snippet must be at least 1")
    sources = _SourceTable()
    rows: list[dict[str, Any]] = []
    blocks: list[str] = []
    for index, record in enumerate(inputs.records):
        rows.append(cohort_row(index, record))
        data = patient_data(index, record, inputs, sources, evidence_only=evidence_only, max_snippet=max_snippet)
        blocks.append(f'<script type="application/json" id="pd-{index}">{_json(data)}</script>')
    for number, key in enumerate(sources.keys):
        data = source_data(inputs.sources[key], inputs.mentions.get(key, []))
        blocks.append(f'<script type="application/json" id="src-{number}">{_json(data)}</script>')
    counts = {name: sum(1 for r in rows if r["c"] == name) for name in ("probable", "possible", "unlikely")}
    notices = [] if evidence_only else list(inputs.notices)
    title = title or f"miner report: {inputs.out_dir.resolve().name}"
    criteria = sorted({str(r.get("criteria_version")) for r in inputs.records if r.get("criteria_version")})
    meta = {
        "title": title, "mode": inputs.mode, "evidence_only": evidence_only, "max_snippet": max_snippet,
        "labels": [[name, LABEL_COLOURS.get(name, OTHER_LABEL_COLOUR)] for name in inputs.labels],
        "counts": counts, "patients": len(rows),
        "criteria_versions": criteria,
        "miner_versions": sorted({str(r.get("miner_version")) for r in inputs.records if r.get("miner_version")}),
    }
    banner = ""
    if evidence_only:
        banner = (f'<p class="banner">Evidence only: this file carries no source text beyond the evidence '
                  f'snippets, each at most {max_snippet} characters.</p>')
    notice_html = "".join(f'<p class="notice">{escape(n)}</p>' for n in notices)
    summary = (f"{len(rows)} patients ({counts['probable']} probable, {counts['possible']} possible, "
               f"{counts['unlikely']} unlikely) from {'note exports' if inputs.mode == NOTES_MODE else 'documents'}"
               + (f"; criteria {', '.join(criteria)}" if criteria else ""))
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No network at all: nothing but this file and data: / blob: URLs it makes itself.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'\">",
        f"<title>{escape(title)}</title><style>{REPORT_CSS}{_label_css(inputs.labels)}</style></head><body>",
        f'<header><h1>{escape(title)}</h1><p class="summary">{escape(summary)}</p>{banner}{notice_html}</header>',
        "<noscript><p class=\"notice\">The cohort table and the patient pages are drawn by the script in this "
        "file: allow JavaScript for it.</p></noscript>",
        '<main><section id="cohort"><h2>Cohort</h2>',
        '<div class="filters no-print"><label>Classification <select id="f-cls"></select></label>'
        '<label>Drug <select id="f-drug"></select></label><label>Max grade <select id="f-grade"></select></label>'
        '<label>Search <input id="f-q" type="search" placeholder="patient or document"></label>'
        '<label>Rows <select id="f-size"><option>25</option><option selected>50</option><option>100</option>'
        "<option>250</option></select></label></div>",
        '<table id="cohort-table"><thead><tr>'
        '<th data-key="i" aria-sort="ascending">#</th><th data-key="p">Patient</th><th data-key="d">Document</th>'
        '<th data-key="c">Classification</th><th data-key="dr">Drugs</th><th data-key="g">Max grade</th>'
        '<th data-key="l">Late episodes</th><th data-key="ivn">Interval (d)</th><th data-key="hn">h post-dose</th>'
        "</tr></thead><tbody></tbody></table>",
        '<div class="pager no-print"><button type="button" id="prev">&larr; previous</button>'
        '<span id="page-info"></span><button type="button" id="next">next &rarr;</button></div></section>',
        '<section id="detail" hidden></section>',
        _legend(inputs.labels),
        "</main>",
        f'<script type="application/json" id="meta-data">{_json(meta)}</script>',
        f'<script type="application/json" id="cohort-data">{_json(rows)}</script>',
        *blocks,
        f"<script>{REPORT_JS}</script></body></html>\n",
    ]
    return "\n".join(parts)


def default_report_path(out_dir: Path) -> Path:
    """Where ``miner report DIR`` writes without ``--out``."""
    return out_dir / DEFAULT_NAME


def write_report(out_dir: Path, out_file: Path | None = None, *, evidence_only: bool = False,
                 max_snippet: int = DEFAULT_MAX_SNIPPET, mapping: dict[str, str] | None = None) -> ReportSummary:
    """Build the report of an output folder and write it (default ``OUT_DIR/report.html``).

    Raises:
        ReportInputError: OUT_DIR is not an output folder of miner.
    """
    inputs = load_outputs(out_dir, with_sources=not evidence_only, mapping=mapping)
    page = build_report(inputs, evidence_only=evidence_only, max_snippet=max_snippet)
    path = out_file or default_report_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = page.encode("utf-8", errors="replace")
    path.write_bytes(data)
    return ReportSummary(path=path, patients=len(inputs.records), size_bytes=len(data), evidence_only=evidence_only,
                         sources_shown=0 if evidence_only else len(inputs.sources),
                         notices=[] if evidence_only else list(inputs.notices))
