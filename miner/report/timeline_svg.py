"""One patient's dose timeline as inline SVG (pure: a ``patients.jsonl`` record in, markup out).

Lanes, top to bottom: schedule notes (schedule, its changes, held / resumed / stopped), doses
as ticks (step-up doses marked "S"), CRS and fever episodes coloured by grade with the
maximum temperature, and the treatments of each episode (tocilizumab a square "T",
corticosteroids a triangle, anything else a dot). The x axis is, in order of preference:

- the study day (first dose = day 1), from ``day_after_first_dose`` / the event ``day``, or
  from a date against ``timeline.first_dose_date``;
- days since the earliest date, when there are dates but no first-dose date;
- the order of the narrative, when most episodes have neither (the seed's "recurrent febrile
  episodes ... every 7 days" has no day of its own): episodes in their order, dose events
  slotted between them by where the text tells them, each labelled with the day or date it
  has, if any.

Dose events, and statements of a pattern, that cannot be placed while the episodes can are
drawn apart at the right, "not placed".
The markup carries no source text (tooltips are built from the record's values), so an
evidence-only report can include it.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from html import escape
from typing import Any

GRADE_COLOURS: dict[int, str] = {1: "#f5c542", 2: "#f0882a", 3: "#d9381e", 4: "#8e1b1b", 5: "#3d0b0b"}
UNGRADED_COLOUR = "#9aa0a6"
IL6_AGENTS = frozenset({"tocilizumab", "siltuximab", "sarilumab"})
STEROIDS = frozenset({"corticosteroids", "corticosteroid", "steroids", "steroid", "dexamethasone",
                      "methylprednisolone", "prednisone", "prednisolone", "hydrocortisone", "budesonide"})
DOSE_KINDS = frozenset({"first_dose", "step_up", "dose"})
NOTE_LABELS = {"held": "held", "resumed": "resumed", "discontinued": "stopped"}

WIDTH = 960
HEIGHT = 196
LEFT = 92
RIGHT = 14
UNPLACED_WIDTH = 150
Y_NOTE = 14
Y_DOSE = 58
Y_EPISODE = 108
Y_TREATMENT = 146
Y_AXIS = 168


@dataclass(frozen=True)
class Placed:
    """An item of the timeline and its x in data units (None: cannot be placed in time)."""

    kind: str  # "episode", "dose" or "note" (a schedule event)
    index: int  # into record["episodes"] or record["timeline"]["events"]
    x: float | None
    when: str | None = None  # order mode: the study day or date the item has, if any


@dataclass(frozen=True)
class Placement:
    """Where everything goes: ``mode`` is "day", "date" or "order"."""

    mode: str
    items: tuple[Placed, ...]
    origin: datetime.date | None = None  # date mode: the date at x = 0


def _date(value: Any) -> datetime.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _events(record: dict[str, Any]) -> list[dict[str, Any]]:
    timeline = record.get("timeline") or {}
    return [e for e in timeline.get("events") or [] if isinstance(e, dict)]


def _kind_of_event(event: dict[str, Any]) -> str:
    return "dose" if event.get("kind") in DOSE_KINDS else "note"


def _anchor(evidence: Any) -> tuple[Any, int] | None:
    if isinstance(evidence, list):
        evidence = evidence[0] if evidence else None
    if isinstance(evidence, dict) and isinstance(evidence.get("start"), int) and evidence["start"] >= 0:
        return evidence.get("doc_id"), evidence["start"]
    return None


Key = tuple[str, int]
When = tuple[float | None, datetime.date | None]


def positions(record: dict[str, Any]) -> dict[Key, When]:
    """(study day, date) of each episode and dose event; the study day also from a date when
    the first-dose date is known (first dose = day 1)."""
    first = _date((record.get("timeline") or {}).get("first_dose_date"))
    found: dict[Key, When] = {}
    items = [("episode", i, e) for i, e in enumerate(record.get("episodes") or [])]
    items += [(_kind_of_event(e), j, e) for j, e in enumerate(_events(record))]
    for kind, index, item in items:
        day = _number(item.get("day_after_first_dose") if kind == "episode" else item.get("day"))
        date = _date(item.get("date"))
        if day is None and date is not None and first is not None:
            day = float((date - first).days + 1)
        found[(kind, index)] = (day, date)
    return found


def _before(a: When, b: When) -> bool | None:
    """Whether ``a`` is earlier than ``b`` (None: cannot tell)."""
    if a[0] is not None and b[0] is not None:
        return a[0] < b[0]
    if a[1] is not None and b[1] is not None:
        return a[1] < b[1]
    return None


def narrative_order(record: dict[str, Any]) -> list[Key]:
    """Episodes in their order, each dose event slotted before the first episode that is later:
    by day or date when both have one, else by where the same text tells them (an event told
    after every episode, or in another text, comes last)."""
    episodes = record.get("episodes") or []
    events = _events(record)
    when = positions(record)
    anchors = [_anchor(e.get("evidence")) for e in episodes]
    slots: dict[int, list[int]] = {}
    for j, event in enumerate(events):
        at = _anchor(event.get("evidence"))
        slot = len(episodes)
        timed = when[(_kind_of_event(event), j)] != (None, None)
        for i, anchor in enumerate(anchors):
            later = _before(when[(_kind_of_event(event), j)], when[("episode", i)])
            if later is None and not timed and at is not None and anchor is not None and anchor[0] == at[0]:
                later = anchor[1] > at[1]
            if later:
                slot = i
                break
        slots.setdefault(slot, []).append(j)
    order: list[Key] = []
    for i in range(len(episodes) + 1):
        order.extend((_kind_of_event(events[j]), j) for j in slots.get(i, []))
        if i < len(episodes):
            order.append(("episode", i))
    return order


def place_items(record: dict[str, Any], *, min_placed: float = 0.5) -> Placement:
    """Put the episodes and dose events of a record on one axis (see the module docstring).

    The time axis is used when more than ``min_placed`` of the episodes (statements of a
    pattern aside) have a study day (or, failing that, a date); else the narrative order.
    """
    episodes = record.get("episodes") or []
    order = narrative_order(record)
    found = positions(record)
    # a statement of the pattern ("fever 24-48 h after each dose") has no day of its own
    needed = [key for key in order if key[0] == "episode" and not episodes[key[1]].get("summary")]

    def enough(part: int) -> bool:
        return part / len(needed) > min_placed if needed else True

    if any(day is not None for day, _ in found.values()) and enough(sum(found[k][0] is not None for k in needed)):
        return Placement("day", tuple(Placed(k, i, found[(k, i)][0]) for k, i in order))
    dates = [date for _, date in found.values() if date is not None]
    if dates and enough(sum(found[k][1] is not None for k in needed)):
        origin = min(dates)
        return Placement("date", tuple(
            Placed(k, i, None if found[(k, i)][1] is None else float((found[(k, i)][1] - origin).days))  # type: ignore[operator]
            for k, i in order), origin)

    def label(day: float | None, date: datetime.date | None) -> str | None:
        return f"day {_fmt(day)}" if day is not None else date.isoformat() if date is not None else None

    return Placement("order", tuple(Placed(k, i, float(slot), label(*found[(k, i)]))
                                    for slot, (k, i) in enumerate(order)))


def grade_colour(grade: Any) -> str:
    """The fill of an episode of this grade (grey when ungraded)."""
    return GRADE_COLOURS.get(grade, UNGRADED_COLOUR) if isinstance(grade, int) else UNGRADED_COLOUR


def treatment_kind(agent: str) -> str:
    """"il6" for IL-6 blockade, "steroid" for corticosteroids, else "other"."""
    name = agent.lower()
    if name in IL6_AGENTS:
        return "il6"
    if name in STEROIDS or name.endswith("sone") or name.endswith("solone"):
        return "steroid"
    return "other"


def _fmt(value: float) -> str:
    return f"{value:g}"


def _range(values: Any) -> str | None:
    if isinstance(values, list) and len(values) == 2 and all(_number(v) is not None for v in values):
        low, high = float(values[0]), float(values[1])
        return _fmt(low) if low == high else f"{_fmt(low)}-{_fmt(high)}"
    return None


def _nice_step(span: float, most: int) -> float:
    for step in (1, 2, 5, 7, 14, 28, 56, 91, 182, 364, 728, 1456):
        if span / step <= most:
            return float(step)
    return float(10 ** math.ceil(math.log10(max(span, 1))))


def _episode_title(index: int, episode: dict[str, Any], x_text: str) -> str:
    bits = [f"Episode {index + 1} ({episode.get('phase') or 'phase unknown'}"
            + (", statement of the pattern)" if episode.get("summary") else ")")]
    if x_text:
        bits.append(x_text)
    grade = episode.get("grade")
    bits.append(f"grade {grade} ({episode.get('grade_source') or 'source unknown'})" if grade else "grade unknown")
    if _number(episode.get("max_temp_c")) is not None:
        bits.append(f"max {_fmt(float(episode['max_temp_c']))} \u00b0C")
    hours = _range(episode.get("hours_post_dose"))
    if hours:
        bits.append(f"{hours} h after the dose")
    bits.append("named CRS" if episode.get("named_crs") else "fever not named CRS")
    if episode.get("treatments"):
        bits.append("treated with " + ", ".join(str(t) for t in episode["treatments"]))
    return "; ".join(bits)


def _event_title(event: dict[str, Any], x_text: str) -> str:
    bits = [str(event.get("kind") or "event").replace("_", " ")]
    if event.get("cycle") is not None:
        bits.append(f"cycle {event['cycle']}" + (f" day {event['cycle_day']}" if event.get("cycle_day") else ""))
    interval = _range(event.get("interval_days"))
    if interval:
        bits.append(f"every {interval} days")
    if x_text:
        bits.append(x_text)
    return "; ".join(bits)


def _note_label(event: dict[str, Any]) -> str:
    kind = str(event.get("kind") or "")
    interval = _range(event.get("interval_days"))
    if kind == "schedule":
        return f"every {interval} d" if interval else "schedule"
    if kind == "schedule_change":
        return f"\u2192 every {interval} d" if interval else "schedule changed"
    return NOTE_LABELS.get(kind, kind.replace("_", " "))


def _symbol(kind: str, x: float, y: float, title: str) -> str:
    t = f"<title>{escape(title)}</title>"
    if kind == "il6":
        return (f'<g class="treatment il6">{t}<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" rx="2" '
                f'fill="#2f6fde"/><text x="{x:.1f}" y="{y + 3.5:.1f}" class="sym">T</text></g>')
    if kind == "steroid":
        return (f'<g class="treatment steroid">{t}<path d="M{x:.1f} {y - 7:.1f}L{x + 7:.1f} {y + 6:.1f}'
                f'H{x - 7:.1f}Z" fill="#2e9e5b"/></g>')
    return f'<g class="treatment other">{t}<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#7d7d7d"/></g>'


def _stacked_notes(events: list[dict[str, Any]], x: float) -> str:
    """Schedule notes without a place in time, one line each (repeats counted), at most three lines."""
    labels: dict[str, int] = {}
    for event in events:
        label = _note_label(event)
        labels[label] = labels.get(label, 0) + 1
    lines = [f"{label} \u00d7{n}" if n > 1 else label for label, n in labels.items()]
    if len(lines) > 3:
        lines = [*lines[:2], f"+{len(lines) - 2} more"]
    everything = escape("; ".join(_event_title(e, "not placed in time") for e in events))
    return "".join(f'<g class="schedule-note unplaced"><title>{everything}</title>'
                   f'<text x="{x:.1f}" y="{Y_NOTE + 12 * n}" class="note">{escape(line)}</text></g>'
                   for n, line in enumerate(lines))


def render_timeline(record: dict[str, Any]) -> str:
    """The record's timeline as an ``<svg class="timeline">`` element (no XML namespace needed
    inline in HTML). Episode marks are ``<g class="episode-mark" data-episode="N">``."""
    episodes = record.get("episodes") or []
    events = _events(record)
    placement = place_items(record)
    if not placement.items:
        return ('<svg class="timeline empty" viewBox="0 0 960 40" role="img" aria-label="no timeline">'
                '<text x="10" y="24" class="axis-title">No episodes or dose events to draw.</text></svg>')
    placed = [p for p in placement.items if p.x is not None]
    unplaced = [p for p in placement.items if p.x is None]
    right_edge = WIDTH - RIGHT - (UNPLACED_WIDTH if unplaced else 0)
    px: dict[tuple[str, int], float] = {}
    low = high = 0.0
    if placement.mode == "order":
        step = (right_edge - LEFT) / max(len(placed), 1)
        for p in placed:
            px[(p.kind, p.index)] = LEFT + (float(p.x or 0) + 0.5) * step
    elif placed:
        xs = [float(p.x) for p in placed if p.x is not None]
        low, high = min(xs), max(xs)
        if high - low < 2:
            low, high = low - 1, high + 1
        pad = (high - low) * 0.04
        low, high = low - pad, high + pad
        for p in placed:
            px[(p.kind, p.index)] = LEFT + (float(p.x or 0) - low) / (high - low) * (right_edge - LEFT)
    unplaced_marks = [p for p in unplaced if p.kind != "note"]
    if unplaced_marks:
        step = (WIDTH - RIGHT - right_edge - 10) / len(unplaced_marks)
        for n, p in enumerate(unplaced_marks):
            px[(p.kind, p.index)] = right_edge + 10 + (n + 0.5) * step

    def where(p: Placed) -> str:
        if placement.mode == "order":
            return p.when or ""
        if p.x is None:
            return "not placed in time"
        if placement.mode == "day":
            return f"study day {_fmt(p.x)}"
        assert placement.origin is not None
        return (placement.origin + datetime.timedelta(days=int(p.x))).isoformat()

    out: list[str] = []
    mode_text = {"day": "study day (first dose = day 1)", "date": "date",
                 "order": "order in the text (most episodes have no study day or date)"}[placement.mode]
    out.append(f'<svg class="timeline" data-mode="{placement.mode}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
               f'aria-label="Timeline of {len(episodes)} episodes and {len(events)} dose events by {mode_text}">')
    for y, name in ((Y_NOTE + 4, "schedule"), (Y_DOSE + 4, "doses"), (Y_EPISODE + 4, "episodes"),
                    (Y_TREATMENT + 4, "treatment")):
        out.append(f'<text x="6" y="{y}" class="lane">{name}</text>')
    for y in (Y_DOSE, Y_EPISODE):
        out.append(f'<line x1="{LEFT - 6}" x2="{right_edge}" y1="{y}" y2="{y}" class="lane-line"/>')
    # axis
    out.append(f'<line x1="{LEFT - 6}" x2="{right_edge}" y1="{Y_AXIS}" y2="{Y_AXIS}" class="axis"/>')
    out.append(f'<text x="{LEFT - 6}" y="{HEIGHT - 4}" class="axis-title">{escape(mode_text)}</text>')
    if placement.mode != "order" and placed:
        span = high - low
        most = 10 if placement.mode == "day" else 6
        tick = _nice_step(span, most)
        value = math.ceil(low / tick) * tick
        ticks = [1.0] if placement.mode == "day" and low <= 1 <= high else []
        while value <= high:
            if not ticks or all(abs(value - t) > tick / 3 for t in ticks):
                ticks.append(value)
            value += tick
        for value in sorted(ticks):
            x = LEFT + (value - low) / (high - low) * (right_edge - LEFT)
            if placement.mode == "day":
                label = f"day {_fmt(value)}" if value == 1 else _fmt(value)
            else:
                assert placement.origin is not None
                label = (placement.origin + datetime.timedelta(days=int(value))).isoformat()
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{Y_AXIS}" y2="{Y_AXIS + 4}" class="axis"/>'
                       f'<text x="{x:.1f}" y="{Y_AXIS + 14}" class="tick">{label}</text>')
    if placement.mode == "order":
        last_x = -1e9
        for p in placed:
            x = px[(p.kind, p.index)]
            if p.when and x - last_x > 44:
                last_x = x
                out.append(f'<text x="{x:.1f}" y="{Y_AXIS + 14}" class="tick">{escape(p.when)}</text>')
    if unplaced:
        out.append(f'<line x1="{right_edge + 4}" x2="{right_edge + 4}" y1="{Y_NOTE - 8}" y2="{Y_AXIS + 4}" '
                   f'class="separator"/><text x="{right_edge + 10}" y="{Y_AXIS + 14}" class="tick start">'
                   'not placed in time</text>')
        out.append(_stacked_notes([events[p.index] for p in unplaced if p.kind == "note"], right_edge + 10))
    # schedule notes and doses
    last_note_x = -1e9
    note_row = 0
    for p in placement.items:
        if p.kind == "episode" or (p.kind == "note" and p.x is None):
            continue
        event = events[p.index]
        x = px[(p.kind, p.index)]
        title = escape(_event_title(event, where(p)))
        if p.kind == "dose":
            kind = str(event.get("kind"))
            top, bottom = (Y_DOSE - 6, Y_DOSE + 6) if kind == "step_up" else (Y_DOSE - 11, Y_DOSE + 11)
            out.append(f'<g class="dose-tick {kind.replace("_", "-")}"><title>{title}</title>'
                       f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}"/>'
                       + (f'<text x="{x:.1f}" y="{Y_DOSE - 9}" class="step">S</text>' if kind == "step_up" else "")
                       + "</g>")
        else:
            note_row = note_row + 1 if x - last_note_x < 90 else 0
            last_note_x = x
            y = Y_NOTE + 12 * (note_row % 3)
            out.append(f'<g class="schedule-note {str(event.get("kind")).replace("_", "-")}"><title>{title}</title>'
                       f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 3}" y2="{Y_AXIS}" class="note-line"/>'
                       f'<text x="{x + 3:.1f}" y="{y}" class="note">{escape(_note_label(event))}</text></g>')
    # episodes and their treatments
    last_label_x = -1e9
    label_row = 0
    taken: list[float] = []
    for p in placement.items:
        if p.kind != "episode":
            continue
        episode = episodes[p.index]
        x = px[(p.kind, p.index)]
        while any(abs(x - t) < 9 for t in taken):
            x += 9
        taken.append(x)
        colour = grade_colour(episode.get("grade"))
        title = escape(_episode_title(p.index, episode, where(p)))
        grade = episode.get("grade")
        temp = _number(episode.get("max_temp_c"))
        label = f"E{p.index + 1}" + (f" G{grade}" if grade else "") + (f" {_fmt(temp)}\u00b0C" if temp else "")
        label_row = label_row + 1 if x - last_label_x < 80 else 0
        last_label_x = x
        label_y = Y_EPISODE - 13 - 11 * (label_row % 2)
        if episode.get("summary"):
            shape = (f'<circle cx="{x:.1f}" cy="{Y_EPISODE}" r="7" fill="none" stroke="{colour}" stroke-width="3" '
                     'stroke-dasharray="3 2"/>')
        elif episode.get("named_crs"):
            shape = f'<circle cx="{x:.1f}" cy="{Y_EPISODE}" r="7" fill="{colour}" stroke="#333"/>'
        else:  # a fever the text does not call CRS
            shape = (f'<path d="M{x:.1f} {Y_EPISODE - 8}L{x + 8:.1f} {Y_EPISODE}L{x:.1f} {Y_EPISODE + 8}'
                     f'L{x - 8:.1f} {Y_EPISODE}Z" fill="{colour}" stroke="#333"/>')
        out.append(f'<g class="episode-mark {episode.get("phase") or ""}" data-episode="{p.index}" '
                   f'data-grade="{grade if isinstance(grade, int) else ""}" tabindex="0"><title>{title}</title>{shape}'
                   f'<text x="{x:.1f}" y="{label_y}" class="ep-label">{escape(label)}</text></g>')
        kinds: dict[str, list[str]] = {}
        for agent in episode.get("treatments") or []:
            kinds.setdefault(treatment_kind(str(agent)), []).append(str(agent))
        ordered = [k for k in ("il6", "steroid", "other") if k in kinds]
        for n, kind in enumerate(ordered):
            sx = x + (n - (len(ordered) - 1) / 2) * 15
            out.append(_symbol(kind, sx, Y_TREATMENT, ", ".join(kinds[kind])))
    out.append("</svg>")
    return "".join(out)
