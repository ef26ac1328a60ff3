"""A patient's dose timeline and the placement of CRS episodes on it (pure, no spaCy).

The timeline is read from the sentences of one patient's narrative that talk about
dosing: when therapy started ("started talquetamab on 4 March 2024"), step-up and
cycle-day doses ("12 mg and 32 mg on C1D1 and C1D4"), the schedule and its changes
("reduced to monthly", "extended to every two weeks", "changed to Q2W in month 6"),
holds, resumptions and discontinuation. Days are *study days*: the first dose is day 1,
so ``C1D2`` is day 2 and, in 28-day cycles, ``C4D1`` is day 85 -- the numbering the
seed's Table 1 uses ("C1 D2" and "day+2" are the same day).

Each CRS episode is then placed: its study day (from cycle and day, from its date
against the first-dose date, or from "two months after initiation"), and the hours
after the nearest preceding dose (as stated, or from dose and episode dates). From the
placed episodes come the recurrence interval (from dates or study days) and the
periodicity: episodes that keep the same offset after each dose, or recur at the
dosing interval or a multiple of it, are *dose-locked*.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from miner.episodes.model import Episode, Evidence
from miner.temporal.clock import clock_minutes, clock_text
from miner.temporal.numbers import WEEKDAY

#: Dose-event kinds, in the order a course usually runs.
FIRST_DOSE = "first_dose"
STEP_UP = "step_up"
DOSE = "dose"
SCHEDULE = "schedule"
SCHEDULE_CHANGE = "schedule_change"
HELD = "held"
RESUMED = "resumed"
DISCONTINUED = "discontinued"

_STARTED = re.compile(
    r"\b(?:start(?:ed|ing)|initiat(?:ed|ing|ion)|began|begun|commenc(?:ed|ing)|"
    r"first (?:full |treatment )?dose|(?:first|1st) (?:infusion|injection|administration))\b"
    # "Talquetamab since 2024/10/07", "on teclistamab therapy since 4 March", "on epcoritamab
    # every two weeks since 2025.01.07"
    r"|(?:mab|cel|tafusp)\)?(?:\s+(?!(?:fever|febrile|afebrile|pyrexi|CRS|no\b|not\b))[\w-]+){0,4}?\s+since\b",
    re.IGNORECASE,
)
_STEP_UP = re.compile(r"\b(?:step[- ]?up|priming|ramp[- ]?up|escalating) dos", re.IGNORECASE)
_CHANGE = re.compile(
    r"\b(?:reduc(?:ed|tion)|extend(?:ed)?|spac(?:ed|ing)|switch(?:ed)?|transition(?:ed)?|"
    r"chang(?:ed|e)|mov(?:ed|e)|de-?escalat(?:ed|ion)|decreas(?:ed|e)|lengthen(?:ed)?|"
    r"widen(?:ed)?|increas(?:ed|e)|stretch(?:ed)?)\b(?:\s+\w+){0,6}?\s+(?:to|into)\b",
    re.IGNORECASE,
)
_HELD = re.compile(
    r"\b(?:held|withheld|withhold|interrupt(?:ed|ion)|paus(?:ed|e)|postpon(?:ed|ement)|"
    r"delay(?:ed)?|omitted|skipped|suspend(?:ed)?|temporarily (?:stopped|discontinued))\b",
    re.IGNORECASE,
)
_RESUMED = re.compile(
    r"\b(?:resum(?:ed|ption|ing)|restart(?:ed|ing)?|re-?(?:challenged|challenge|introduced|"
    r"initiated|started))\b",
    re.IGNORECASE,
)
_DISCONTINUED = re.compile(
    r"\b(?:permanently (?:discontinued|stopped|held)|discontinu(?:ed|ation)|stopped|ceased|"
    r"withdrawn)\b",
    re.IGNORECASE,
)
_CYCLE_LENGTH = re.compile(r"\b(\d{1,2})[- ]day(?:s)?[- ](?:treatment )?cycles?\b|"
                           r"\bcycles? (?:of|lasting) (\d{1,2}) days\b", re.IGNORECASE)
# where a sentence stops talking about doses and starts on the event they were followed by
_EVENT_VERB = re.compile(r"\b(?:followed|develop\w*|complicated|presented|experienced|had|"
                         r"occurred|reported)\b", re.IGNORECASE)
# ("C4D1 glofitamab 30 mg IV started." in an infusion log: the infusion began)
# "Tuesday 03/04/2025, 9:30 AM - Home visit ... Teclistamab given 9:30 AM": a weekday before the entry's date
_WEEKDAY_LEAD = re.compile(rf"\s*{WEEKDAY},?\s*", re.IGNORECASE)
_GIVEN = re.compile(r"\b(?:given|administered|infused|injected|received|tolerated|dosed|completed|"
                    r"(?:IV|SC|infusion|injection)\s+(?:started|begun|commenced|hung))\b",
                    re.IGNORECASE)
_NOT_GIVEN = re.compile(r"\b(?:not (?:given|administered)|held|deferred|postponed|delayed|withheld|cancel\w*|"
                        r"will (?:receive|be given)|plan(?:ned)? to|scheduled)\b", re.IGNORECASE)
_LAST_DOSE = re.compile(r"\b(?:last|previous|most recent|received|got|had)\s+(?:\w+\s+){0,2}"
                        r"(?:dose|infusion|injection|shot)\s*(?:was\s+|on\s+|of\s+)?$", re.IGNORECASE)
# "the dose of 13 May", "infusion on 3 July", "dosed on 2024-03-05"
_DOSE_ON = re.compile(r"\b(?:dose|dosing|infusion|injection|administration|dosed|given|administered)\s+"
                      r"(?:\w+\s+)?(?:of|on)\s+(?:\w+day,?\s+)?$", re.IGNORECASE)
_DOSE_NOUN = re.compile(r"\b(?:dos(?:e|es|ing|ed)|infusions?|injections?|administ\w+|given|"
                        r"received|cycles?|treatment|therapy|regimen|schedule)\b", re.IGNORECASE)

_DURATION = re.compile(r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
                       r"(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?)?$")


def duration_days(iso: str | None) -> float | None:
    """Days in an ISO 8601 duration (``P2M`` -> 60, ``PT36H`` -> 1.5); months count 30 days."""
    if not iso:
        return None
    match = _DURATION.match(iso)
    if not match or iso in ("P", "PT"):
        return None
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return (parts.get("y", 0) * 365 + parts.get("mo", 0) * 30 + parts.get("w", 0) * 7
            + parts.get("d", 0) + parts.get("h", 0) / 24)


def parse_date(value: str | None) -> datetime.date | None:
    """A full ISO date (``2024-03-05``); month-only or year-only dates give None."""
    if not value or len(value) != 10:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class DoseEvent:
    """One event of the dosing course, with the text that states it."""

    kind: str
    day: int | None = None  # study day: first dose = day 1
    date: str | None = None
    cycle: int | None = None
    cycle_day: int | None = None
    interval_days: list[float] | None = None
    evidence: Evidence | None = None
    time: str | None = None  # clock time of the dose ("09:40") when the text times it

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = self.evidence.to_dict() if self.evidence else None
        return data


@dataclass
class Timeline:
    """The dosing course of one patient."""

    first_dose_date: str | None = None
    cycle_length_days: int | None = None
    events: list[DoseEvent] = field(default_factory=list)
    first_dose_month: str | None = None  # "started teclistamab in March 2024": 2024-03

    def study_days_of_date(self, value: str | None) -> tuple[int, int] | None:
        """The study days a calendar date can be: one day from the first-dose date, or the
        range a first-dose month allows (5 September after a start in March: days 159-189)."""
        day = self.day_of_date(value)
        if day is not None:
            return day, day
        when = parse_date(value)
        if when is None or self.first_dose_date is not None or not self.first_dose_month:
            return None
        try:
            first = datetime.date.fromisoformat(self.first_dose_month + "-01")
        except ValueError:
            return None
        last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        if when < first:
            return None
        return max(1, (when - last).days + 1), (when - first).days + 1

    def study_day(self, cycle: int | None, day: int | None) -> int | None:
        """``C1D2`` -> 2; ``C4D1`` -> 85 in 28-day cycles; None when the cycle length is unknown."""
        if day is None:
            return None
        if cycle in (None, 1):
            return day
        if self.cycle_length_days and cycle:
            return (cycle - 1) * self.cycle_length_days + day
        return None

    def day_of_date(self, value: str | None) -> int | None:
        """Study day of a calendar date, from the first-dose date."""
        first, when = parse_date(self.first_dose_date), parse_date(value)
        if first is None or when is None or when < first:
            return None
        return (when - first).days + 1

    def date_of(self, cycle: int | None, day: int | None, hours: list[float] | None = None) -> str | None:
        """The date of an event at a dated cycle-day dose (plus whole days of ``hours``)."""
        dose = next((e for e in self.events if e.cycle == cycle and e.cycle_day == (day or 1)
                     and parse_date(e.date)), None)
        when = parse_date(dose.date) if dose else None
        if when is None:
            return None
        return (when + datetime.timedelta(days=int((hours[0] if hours else 0) // 24))).isoformat()

    def cycle_before(self, value: str | None) -> int | None:
        """The cycle of the last dated dose on or before a date, when the text names it."""
        when = parse_date(value)
        if when is None:
            return None
        doses = [(parse_date(e.date), e.cycle) for e in self.events
                 if e.kind in (FIRST_DOSE, STEP_UP, DOSE, RESUMED) and e.cycle and parse_date(e.date)]
        before = sorted((d, c) for d, c in doses if d is not None and d <= when)
        return before[-1][1] if before else None

    def timed_doses(self) -> list[tuple[str, int]]:
        """(date, minutes after midnight) of the doses whose clock time the text gives."""
        timed = {(e.date, clock_minutes(e.time)) for e in self.events
                 if e.kind in (FIRST_DOSE, STEP_UP, DOSE, RESUMED) and e.time and parse_date(e.date)}
        return sorted(timed)  # type: ignore[arg-type]

    def dose_dates(self) -> list[datetime.date]:
        dates = {parse_date(e.date) for e in self.events if e.kind in (FIRST_DOSE, STEP_UP, DOSE, RESUMED)}
        return sorted(d for d in dates if d is not None)

    def schedules(self) -> list[DoseEvent]:
        return [e for e in self.events if e.kind in (SCHEDULE, SCHEDULE_CHANGE) and e.interval_days]

    def to_dict(self) -> dict[str, Any]:
        return {"first_dose_date": self.first_dose_date, "first_dose_month": self.first_dose_month,
                "cycle_length_days": self.cycle_length_days,
                "events": [e.to_dict() for e in self.events]}


@dataclass(frozen=True)
class TimedSentence:
    """A sentence of the patient's narrative with its time values (dicts of TimeValue fields)."""

    start: int
    end: int
    text: str
    times: tuple[dict[str, Any], ...]
    drug_spans: tuple[tuple[int, int], ...]
    dosing_intervals: tuple[dict[str, Any], ...] = ()
    event_at: int | None = None  # offset of the first CRS or fever mention, if any
    default_date: str | None = None  # the date of the note the sentence is in (note exports)
    stamp: int | None = None  # clock time (minutes) of a timed entry: "03/02 09:40 C4D1 ... given"


def build_timeline(sentences: list[TimedSentence], evidence_of: Any) -> Timeline:
    """Read the dose events of one patient from their timed sentences.

    Args:
        sentences: The patient's sentences in order, each with its time values and
            the intervals already judged to describe dosing.
        evidence_of: ``(start, end) -> Evidence`` for the document.
    """
    timeline = Timeline()
    for sentence in sentences:
        match = _CYCLE_LENGTH.search(sentence.text)
        if match and timeline.cycle_length_days is None:
            timeline.cycle_length_days = int(match.group(1) or match.group(2))
    for sentence in sentences:
        text = sentence.text
        ev = evidence_of(sentence.start, sentence.end)
        dosing = bool(sentence.drug_spans or _DOSE_NOUN.search(text))
        dates = [t for t in sentence.times if t.get("kind") == "date" and parse_date(t.get("date"))]
        cut = _EVENT_VERB.search(text)
        event_at = min(x for x in (sentence.event_at, sentence.start + cut.start() if cut else None,
                                   sentence.end) if x is not None)
        before_event = [t for t in sentence.times if t["start"] < event_at]
        if dosing and _STARTED.search(text) and timeline.first_dose_date is None and dates \
                and not _HELD.search(text):
            timeline.first_dose_date = dates[0]["date"]
            timeline.events.append(DoseEvent(FIRST_DOSE, day=1, date=dates[0]["date"], evidence=ev))
        elif dosing and _STARTED.search(text) and timeline.first_dose_month is None and not _HELD.search(text):
            months = [t["date"] for t in sentence.times if t.get("kind") == "date" and len(t.get("date") or "") == 7]
            if months:
                timeline.first_dose_month = months[0]
        if _STEP_UP.search(text):
            for t in before_event:
                if t.get("kind") == "cycle_day" and t.get("day"):
                    timeline.events.append(DoseEvent(STEP_UP, day=timeline.study_day(t.get("cycle"), t["day"]),
                                                     cycle=t.get("cycle") or 1, cycle_day=t["day"], evidence=ev))
        for t in sentence.dosing_intervals:
            current = timeline.schedules()
            if current and current[-1].interval_days == list(t["interval_days"]):
                continue  # "the third fortnightly dose": the schedule again, not a change
            kind = SCHEDULE_CHANGE if current or _CHANGE.search(text) else SCHEDULE
            timeline.events.append(DoseEvent(kind, interval_days=list(t["interval_days"]),
                                             date=dates[0]["date"] if dates else None, evidence=ev))
        for t in sentence.times:
            if t.get("kind") == "date_list" and dosing and t in before_event:
                for value in t.get("dates") or ():
                    if parse_date(value):
                        timeline.events.append(DoseEvent(DOSE, date=value, evidence=ev))
        for t in dates:
            lead = text[max(0, t["start"] - sentence.start - 40): t["start"] - sentence.start]
            if _DOSE_ON.search(lead) and not (timeline.first_dose_date == t["date"]):
                timeline.events.append(DoseEvent(DOSE, date=t["date"], evidence=ev))
        cycle_days = [t for t in sentence.times if t.get("kind") == "cycle_day" and t.get("cycle")]
        # an infusion note: "C3D1 talquetamab 0.8 mg/kg SC given" on the note's date; a dated
        # entry of a flowsheet: "01/20/2025 | 10:15 | Mosunetuzumab 60 mg IV given (C1D15)"
        entry_date = sentence.default_date if not dates else (
            dates[0]["date"] if dates[0]["start"] - sentence.start <= 3
            or _WEEKDAY_LEAD.fullmatch(text[: dates[0]["start"] - sentence.start]) else None)
        if entry_date and sentence.drug_spans and _GIVEN.search(text) and not _NOT_GIVEN.search(text) \
                and (not dates or not sentence.default_date) and sentence.event_at is None:
            cycle_day = cycle_days[0] if cycle_days else None
            kind = STEP_UP if _STEP_UP.search(text) else DOSE
            timeline.events.append(DoseEvent(kind, date=entry_date,
                                             cycle=cycle_day.get("cycle") if cycle_day else None,
                                             cycle_day=cycle_day.get("day") if cycle_day else None, evidence=ev,
                                             time=None if sentence.stamp is None else clock_text(sentence.stamp)))
        for t in dates:
            # "last dose yesterday", "received dose 3/14": a dose dated relative to the note
            lead = text[max(0, t["start"] - sentence.start - 30): t["start"] - sentence.start]
            if _LAST_DOSE.search(lead):
                timeline.events.append(DoseEvent(DOSE, date=t["date"], evidence=ev))
        if sentence.drug_spans:
            # "held for two weeks and resumed on 27 May": a hold, then a resumption dated 27 May
            found = [(m.start(), kind) for pattern, kind in ((_DISCONTINUED, DISCONTINUED), (_HELD, HELD),
                                                             (_RESUMED, RESUMED))
                     for m in [pattern.search(text)] if m]
            found.sort()
            if any(kind == DISCONTINUED for _, kind in found) and any(kind == HELD for _, kind in found):
                found = [f for f in found if f[1] != HELD]  # "temporarily held, then discontinued"
            for index, (at, kind) in enumerate(found):
                if not _about_drug(sentence, sentence.start + at) and not (index and kind == RESUMED):
                    continue
                until = found[index + 1][0] if index + 1 < len(found) else len(text)
                when = next((t["date"] for t in dates
                             if sentence.start + at <= t["start"] < sentence.start + until), None)
                if when is None and len(found) == 1 and dates:
                    when = dates[0]["date"]  # "On 27 May elranatamab was resumed"
                timeline.events.append(DoseEvent(kind, date=when, evidence=ev))
    if timeline.first_dose_date is None:
        # no stated start: the first dated step-up or cycle 1 day 1 dose is the first dose
        firsts = sorted(e.date for e in timeline.events if e.date and parse_date(e.date)
                        and (e.kind == STEP_UP or (e.cycle == 1 and e.cycle_day == 1)))
        if firsts:
            timeline.first_dose_date = firsts[0]
    unique: dict[tuple[Any, ...], DoseEvent] = {}
    dated_cycle_days = {(e.cycle, e.cycle_day) for e in timeline.events if e.date and e.cycle}
    dose_days: dict[str, DoseEvent] = {}
    for event in timeline.events:
        if event.day is None and event.date:
            event.day = timeline.day_of_date(event.date)
        if event.kind in (STEP_UP, DOSE) and event.date is None and (event.cycle, event.cycle_day) in dated_cycle_days:
            continue  # the same dose is dated in its infusion note
        if event.kind in (STEP_UP, DOSE) and event.date:
            kept = dose_days.get(event.date)
            if kept is not None:
                if kept.cycle is None and event.cycle is not None:  # keep the one that names the cycle
                    kept.cycle, kept.cycle_day, kept.kind = event.cycle, event.cycle_day, event.kind
                kept.time = kept.time or event.time
                continue  # "last dose yesterday" and "C3D1 given": one dose
            dose_days[event.date] = event
        key = (event.kind, event.cycle, event.cycle_day, event.date, event.evidence.start if event.evidence
               and event.kind in (SCHEDULE, SCHEDULE_CHANGE, HELD, RESUMED, DISCONTINUED) else None)
        unique.setdefault(key, event)  # "cycle 1 day 1 (C1D1)" is one dose
    timeline.events = sorted(unique.values(), key=lambda e: (e.day if e.day is not None else 10**6))
    return timeline


def _about_drug(sentence: TimedSentence, verb_at: int) -> bool:
    """A hold/resume/stop verb is about the T-cell engager when the drug is named just
    before it ("talquetamab was held") or just after it ("we resumed teclistamab")."""
    for start, end in sentence.drug_spans:
        between = sentence.text[min(end, verb_at) - sentence.start: max(start, verb_at) - sentence.start]
        if len(between) <= 40 and not re.search(r"[;,]|\band\b", between):
            return True
    return False


def place_episode(episode: Episode, timeline: Timeline, times: list[dict[str, Any]]) -> None:
    """Set the episode's study day (and its source) from its cycle-day, date or elapsed time.

    ``times`` are the time values of the episode's own sentences.
    """
    if episode.day_after_first_dose is not None:
        episode.day_source = episode.day_source or "cycle day"
        return
    day = timeline.study_day(episode.cycle, episode.day)
    if day is not None:
        episode.day_after_first_dose = day
        episode.day_source = f"cycle {episode.cycle} day {episode.day} in {timeline.cycle_length_days}-day cycles"
        return
    day = timeline.day_of_date(episode.date)
    if day is not None:
        episode.day_after_first_dose = day
        episode.day_source = "dates"
        return
    for t in times:
        if t.get("kind") == "elapsed" and t.get("anchor") in ("initiation", "first_dose"):
            days = duration_days(t.get("duration"))
            if days is not None and t.get("qualifier") not in ("within", "for", "up to"):
                episode.day_after_first_dose = int(round(days)) + 1
                episode.day_source = "elapsed time (approximate)"
                return


def hours_from_dose_dates(episode: Episode, timeline: Timeline) -> list[float] | None:
    """Hours from the nearest preceding dose date to the episode's date (whole days)."""
    when = parse_date(episode.date)
    doses = [d for d in timeline.dose_dates() if when and d <= when]
    if when is None or not doses:
        return None
    gap = (when - doses[-1]).days
    if not 0 < gap <= 7:
        return None
    return [gap * 24.0, gap * 24.0]


def successive_gaps(days: list[int]) -> list[int]:
    ordered = sorted(set(days))
    return [b - a for a, b in zip(ordered, ordered[1:], strict=False)]


@dataclass
class Periodicity:
    """Whether the late episodes are locked to the doses, and why."""

    periodic: bool
    basis: str
    offset_hours: list[float] | None = None
    recurrence_interval_days: list[float] | None = None
    dosing_interval_days: list[float] | None = None
    multiple: int | None = None
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = [e.to_dict() for e in self.evidence]
        return data


def interval_multiple(recurrence: list[float], dosing: list[float], tolerance: float = 0.2) -> int | None:
    """``k`` when the recurrence interval is ``k`` times the dosing interval (k = 1..4).

    Example: fevers every 28-35 days on 4-weekly (28) dosing -> 1; every 14 days on weekly
    dosing -> 2; every 10 days on weekly dosing -> None.
    """
    rec = (recurrence[0] + recurrence[1]) / 2
    dose = (dosing[0] + dosing[1]) / 2
    if dose <= 0:
        return None
    for k in range(1, 5):
        expected = k * dose
        if abs(rec - expected) <= max(tolerance * expected, 2.0) or dosing[0] * k <= rec <= dosing[1] * k:
            return k
    return None


def find_periodicity(late: list[Episode], *, stated_each_dose: list[Evidence],
                     recurrence: list[float] | None, dosing: list[float] | None,
                     dosing_evidence: list[Evidence]) -> Periodicity | None:
    """Dose-locked periodicity of the late episodes, from the strongest basis available.

    1. the text states the pattern ("24-48 h after each dose", "the day after every
       infusion") for recurring late episodes;
    2. two or more late episodes each have an onset stated in hours after a dose, and the
       offsets agree within 24 hours ("30 h after C3D1", "28 h after C3D15");
    3. the recurrence interval is the dosing interval or a multiple of it.
    """
    if not late:
        return None
    offsets = [e.hours_post_dose for e in late if e.hours_post_dose]
    if stated_each_dose:
        hours = [h for o in offsets for h in o]
        return Periodicity(True, "stated: onset after each dose",
                           offset_hours=[min(hours), max(hours)] if hours else None,
                           recurrence_interval_days=recurrence, dosing_interval_days=dosing,
                           evidence=list(stated_each_dose))
    if len(offsets) >= 2:
        low, high = min(o[0] for o in offsets), max(o[1] for o in offsets)
        if high - low <= 24:
            evidence = [e.evidence[0] for e in late if e.hours_post_dose and e.evidence]
            return Periodicity(True, "same offset after each dose", offset_hours=[low, high],
                               recurrence_interval_days=recurrence, dosing_interval_days=dosing,
                               evidence=evidence)
    if recurrence and dosing:
        k = interval_multiple(recurrence, dosing)
        if k is not None:
            return Periodicity(True, "recurrence interval is the dosing interval"
                               + ("" if k == 1 else f" x {k}"),
                               recurrence_interval_days=recurrence, dosing_interval_days=dosing,
                               multiple=k, evidence=list(dosing_evidence))
        return Periodicity(False, "recurrence interval is not a multiple of the dosing interval",
                           recurrence_interval_days=recurrence, dosing_interval_days=dosing,
                           evidence=list(dosing_evidence))
    return None


def merge_same_illness(episodes: list[Episode], dose_dates: list[datetime.date],
                       max_gap_days: int = 3) -> list[Episode]:
    """One episode for one illness told several times: late episodes dated within
    ``max_gap_days`` of each other with no dose between them are merged (the emergency
    note, the progress note and the discharge summary of the same admission).

    The earliest date is kept; treatments, evidence and temperatures are pooled, and the
    higher grade wins.
    """
    merged: list[Episode] = []
    last: Episode | None = None
    initial = next((e for e in episodes if e.phase == "initial" and parse_date(e.date)), None)
    for episode in episodes:
        when = parse_date(episode.date) if episode.phase == "late" else None
        start = parse_date(initial.date) if initial is not None else None
        if when is not None and start is not None and abs((when - start).days) <= max_gap_days and \
                not any(min(start, when) < dose <= max(start, when) for dose in dose_dates):
            _absorb(initial, episode)  # type: ignore[arg-type]  # the step-up CRS told again in a later note
            continue
        when = parse_date(episode.date) if episode.phase == "late" and not episode.summary else None
        previous = parse_date(last.date) if last is not None else None
        if when is not None and last is not None and previous is not None and \
                0 <= (when - previous).days <= max_gap_days and \
                not any(previous < dose <= when for dose in dose_dates):
            _absorb(last, episode)
            continue
        merged.append(episode)
        last = episode if when is not None else last
    return merged


def _absorb(into: Episode, other: Episode) -> None:
    into.evidence.extend(other.evidence)
    into.treatments.extend(t for t in other.treatments if t not in into.treatments)
    into.named_crs = into.named_crs or other.named_crs
    into.recurrent = into.recurrent or other.recurrent
    if other.max_temp_c is not None and (into.max_temp_c is None or other.max_temp_c > into.max_temp_c):
        into.max_temp_c = other.max_temp_c
    if other.grade is not None and (into.grade is None or other.grade > into.grade):
        into.grade, into.grade_source, into.grade_scale = other.grade, other.grade_source, other.grade_scale
    for name in ("stated_grade", "derived_grade"):
        mine, theirs = getattr(into, name), getattr(other, name)
        if theirs is not None and (mine is None or theirs > mine):
            setattr(into, name, theirs)
    if other.hours_post_dose and into.hours_post_dose is None:
        into.hours_post_dose, into.hours_source = other.hours_post_dose, other.hours_source
