"""Find and normalize clinical time expressions in plain text.

The two entry points are :func:`find_time_expressions` (every expression in a
text, non-overlapping, longest match wins) and :func:`normalize` (one
expression, or ``None``). Both are pure: no spaCy, no I/O, regexes compiled at
import.

Readings chosen:

* "biweekly" and "bi-weekly" mean every two weeks (14 days), as in oncology
  practice ("biweekly outpatient infusions" of talquetamab 0.8 mg/kg, a drug
  given every two weeks); "twice weekly" is written as such and is 3.5 days.
* "monthly", "every month", "once a month" are 30 days; "Q4W" is 28 days; a
  year is 365 days.
* "POD 2" / "post-dose day 2" is day 2 after a dose (``cycle_day``, anchor ``dose``).
* "after every dose", "with each infusion", "soon after infusions" are
  ``post_dose`` values without hours, anchored to ``each_dose`` and periodic.
* "the next day" and "the day after the injection" are 24 h after a dose;
  "overnight after dosing" is 0-24 h, approximate.
* "within 12 hours of each infusion", "up to 72 h after each dose" and "for 48
  hours after each dose" span from 0 h; ``duration_min``/``duration_max`` keep
  the figure as written.
* Ranges: "24-48", "24–48", "24 to 48", "between 24 and 48", "two or three".

Speed: patterns start with a digit or a fixed word so the regex engine can skip
ahead; the words before a number ("within", "~", "between") are read by looking
back from the match, and patterns that start with a number word run only where
a number word occurs.
"""

from __future__ import annotations

import bisect
import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, cast

from miner.gates import Gate, candidate_starts, finditer_at, fold, start_finder
from miner.temporal.dates import DATE_RULES
from miner.temporal.matching import (
    MatchContext,
    Rule,
    compile_pattern,
    make_value,
    source,
    word_rule,
)
from miner.temporal.numbers import (
    DIGITS,
    NUMBER,
    NUMBER_NO_ARTICLE,
    NUMBER_WORDS,
    ORDINAL,
    RANGE_SEPARATOR,
    UNIT,
    UNIT_GUARD,
    WEEKDAY,
    WEEKDAY_STEMS,
    WORD_VALUES,
    canonical_unit,
    iso_duration,
    parse_number,
    parse_ordinal,
    to_days,
    to_hours,
)
from miner.temporal.values import (
    ANCHOR_DOCUMENT_DATE,
    ANCHOR_DOSE,
    ANCHOR_EACH_DOSE,
    ANCHOR_FIRST_DOSE,
    ANCHOR_INITIATION,
    ANCHOR_NAMED_DATE,
    ANCHOR_STEP_UP,
    KIND_COUNT,
    KIND_CYCLE_DAY,
    KIND_DATE,
    KIND_ELAPSED,
    KIND_INTERVAL,
    KIND_POST_DOSE,
    TemporalSettings,
    TimeValue,
)

# =========================================================================== fragments

# A number may not continue a word, a decimal, a ratio or a hyphenated name
# ("COVID-19", "IL-6", "C1D2", "mg/24 h").
_NUM_START = r"(?<![\w.,/+\-–—:#])"


def _quantity(low: str, start: str = _NUM_START) -> str:
    """A number or a range ("24", "24–48", "24 h to 48 h", "two to three")."""
    return (
        rf"{start}(?P<lo>{low}(?:\s+and\s+a\s+half\b|\s?½)?)"
        rf"(?:(?:\s*-?\s*(?P<u1>{UNIT}))?(?P<sep>{RANGE_SEPARATOR})(?P<hi>{NUMBER}))?"
    )


def _amount(low: str) -> str:
    """A quantity with its unit ("48 h", "24-48 hrs", "3-day")."""
    return (rf"{_quantity(low)}\s*-?\s*(?P<unit>{UNIT}){UNIT_GUARD}"
            r"(?P<half>\s+and\s+a\s+half\b)?(?:\s+or\s+(?P<hi2>two|three|2|3)\b)?")  # "a day or two"


# Read backwards from a number: "within", "up to", "~", "approximately", "between".
_PREFIX = compile_pattern(
    r"(?:(?P<sym>[<≤])\s*|\b(?P<qual>within|after|before|at|up\s+to|for|over|since|until|by|less\s+than|under|"
    r"(?:within|in|during)\s+the\s+first|the\s+first|in\s+the)\s+)?"
    r"(?:(?P<approx>[~≈∼]|\b(?:approximately|approx\.?|about|roughly|around|nearly|almost|"
    r"circa|ca\.))\s*)?"
    r"(?:\b(?P<between>between)\s+)?\Z"
)
_QUALIFIER_NAMES = {
    "over": "for",
    "less than": "within",
    "under": "within",
    "within the first": "within",
    "in the first": "within",
    "during the first": "within",
    "the first": "within",
    "in the": "within",  # "in the 24 h after each dose"
}

# "20 h after the increase to 28 µg/day": a change to a stated dose level is a dose
_DOSE_WORDS = (r"doses?|dosing|infusions?|injections?|administrations?|inj\.?|admin|shots?|"
               r"(?:increase|escalation|step[\s-]?up|up-?titration)(?=\s+to\s+\d)")
_DOSE_NOUN = rf"(?P<noun>{_DOSE_WORDS})\b"
_POST_MODIFIER = (
    r"(?:the|each|every|all|first|1st|initial|second|2nd|third|3rd|last|final|previous|prior|"
    r"step[\s-]*up|priming|full|treatment|maintenance|weekly|biweekly|drug|sc|iv|bsab)"
)
# "post-infusion", "post first dose", "post-step-up dose"
_POST_TAIL = rf"post[\s-]*(?P<pmods>(?:{_POST_MODIFIER}[\s-]+){{0,3}})(?P<pnoun>{_DOSE_WORDS})\b"
# "after the second dose", "of each infusion", "following each weekly injection"
_AFTER_TAIL = (
    r"(?P<conn>after|following|from|of|since|into)\s+(?P<amods>(?:[\w./%-]+,?\s+){0,7}?)"
    rf"(?P<anoun>{_DOSE_WORDS})\b"
)
# "after C2D1"
_CD_TAIL = (
    r"(?:after|following|post[\s-]*)\s*(?:the\s+)?"
    r"(?P<tc_text>c(?P<tc>\d{1,2})\s*d(?P<td>\d{1,2}))\b"
)
_DOSE_TAIL = rf"(?:{_POST_TAIL}|{_AFTER_TAIL}|{_CD_TAIL})"

_INIT_PHRASE = (
    r"(?P<init>(?:the\s+)?(?:start|initiation|commencement|beginning|introduction)\s+of\s+"
    r"(?:the\s+)?[\w-]+(?:\s+(?:therapy|treatment))?"
    r"|(?:starting|initiating|commencing|beginning)\s+(?:on\s+)?(?:the\s+)?[\w-]+"
    r"(?:\s+(?:therapy|treatment))?"
    r"|(?:the\s+)?(?:[\w-]+\s+)?(?:initiation|start)\b)"
)
_INTO_THERAPY = r"(?P<init2>(?:the\s+)?(?:treatment|therapy|[a-z]+mab(?:\s+(?:therapy|treatment))?))\b"

_EACH_WORDS = {"each", "every", "all"}
_COUNT_WORD = re.compile(NUMBER_WORDS)  # "her first four infusions": several doses
# Hours after "the start of the infusion" are hours after a dose: a continuous infusion
# (blinatumomab) or a long one starts when the dose is given.
_SHORT_UNITS = frozenset({"minute", "hour"})
# "starting teclistamab", "initiation of therapy": the start of the course, i.e. the first dose
_THERAPY_START = compile_pattern(r"\b(?:therapy|treatment|[a-z]+mab|[a-z]+cel|[a-z]+tafusp)\b")
_START_OF = compile_pattern(r"(?:(?:the\s+)?(?:start|beginning|initiation|commencement)\s+of|starting|beginning|"
                            r"initiating|commencing)\s+(?:the\s+|each\s+|every\s+)?"
                            r"(?:[\w./%-]+\s+){0,2}")
_NUMBERISH = compile_pattern(rf"(?:\d|{NUMBER_NO_ARTICLE}|{ORDINAL}|several|few|some|many|multiple)")
_INIT_WORDS = compile_pattern(r"\b(?:start\w*|initiat\w*|commenc\w*|beginning|discontinu\w*|cessation|stop\w*|end)\b")
_EVERY_BEFORE = compile_pattern(r"\b(?:every|each|q)\s*\Z")
_EVERY_OR_Q_BEFORE = compile_pattern(r"\b(?:every|q)\s*\Z")
_AGE_BEFORE = compile_pattern(r"\b(?:aged?|age\s+of)\s*\Z")
_GRADE_BEFORE = compile_pattern(r"\b(?:grade|gr\.?|g|stage|type|phase)\s*\Z")
# "occurred consistently 48 h post-infusion": a recurrence although no "each" is written.
_HABITUAL_BEFORE = compile_pattern(r"\b(?:consistently|regularly|repeatedly|invariably|always|typically|reliably)\s*\Z")
_THE_BEFORE = compile_pattern(r"\bthe\s+\Z")
# "her first fever in 6 months on talquetamab", "the only episode in two years": a span
# without fever, not a time point
_FIRST_IN_BEFORE = compile_pattern(r"\b(?:first|only)\s+(?:[\w-]+\s+){1,2}in\s+(?:the\s+(?:last|past)\s+)?\Z")
_APPROX_BEFORE = compile_pattern(
    r"\b(?P<approx>approximately|roughly|about|around|nearly)\s+(?:(?P<once>once)\s+)?\Z"
    r"|\b(?P<once2>once)\s+\Z"
)
_D_PREP_BEFORE = compile_pattern(r"\b(?:on|at|by|from|until|till|through|since|before|after|around)\s+\Z")
_ORDINAL_BEFORE = compile_pattern(rf"\b(?:the\s+)?(?P<ord>{ORDINAL})\s+\Z")
_TIMES_BEFORE = compile_pattern(r"\b(?P<times>once|twice|thrice|two\s+times|three\s+times)[\s-]+(?:a\s+|per\s+)?\Z")
_N_WEEKLY_BEFORE = compile_pattern(r"(?<![\w.])(?P<n>two|three|four|six|2|3|4|6)[\s-]+\Z")


# =========================================================================== helpers


@dataclass(frozen=True)
class _Prefix:
    start: int
    qualifier: str | None
    approximate: bool
    between: bool


def _prefix(ctx: MatchContext, start: int) -> _Prefix:
    """Qualifier, approximation and "between" written just before a number."""
    found = _PREFIX.search(ctx.lowered, max(0, start - 40), start)
    if found is None:  # pragma: no cover - every group is optional
        return _Prefix(start, None, False, False)
    qualifier = "within" if found.group("sym") else found.group("qual")
    if qualifier is not None:
        qualifier = re.sub(r"\s+", " ", qualifier.lower())
        qualifier = _QUALIFIER_NAMES.get(qualifier, qualifier)
    return _Prefix(
        start=found.start() if found.group(0) else start,
        qualifier=qualifier,
        approximate=found.group("approx") is not None,
        between=found.group("between") is not None,
    )


def _looks_back(ctx: MatchContext, start: int, pattern: re.Pattern[str]) -> re.Match[str] | None:
    return pattern.search(ctx.lowered, max(0, start - 24), start)


@dataclass(frozen=True)
class _Amount:
    low: float
    high: float
    low_unit: str
    unit: str
    prefix: _Prefix

    @property
    def hours(self) -> tuple[float, float]:
        return to_hours(self.low, self.low_unit), to_hours(self.high, self.unit)

    def durations(self) -> dict[str, str | None]:
        minimum = iso_duration(self.low, self.low_unit)
        maximum = iso_duration(self.high, self.unit)
        return {
            "duration": minimum if minimum == maximum else None,
            "duration_min": minimum,
            "duration_max": maximum,
        }


def _read_amount(match: re.Match[str], ctx: MatchContext, *, with_prefix: bool = True) -> _Amount | None:
    """Numbers, units and prefix of an amount match, or ``None`` when they do not hold."""
    unit = canonical_unit(match.group("unit"))
    low_text = match.group("lo")
    low = parse_number(low_text)
    high = parse_number(match.group("hi")) if match.group("hi") else low
    low_unit = canonical_unit(match.group("u1")) if match.group("u1") else unit
    if unit is None or low_unit is None or low is None or high is None:
        return None
    if "hi2" in match.re.groupindex and match.group("hi2") and low == high:
        high = parse_number(match.group("hi2")) or high  # "a day or two": 1-2 days
    if "half" in match.re.groupindex and match.group("half"):
        # "a day and a half" (36 h); "2-3 days and a half" is read on its upper end only
        low, high = (low + 0.5, high + 0.5) if low == high else (low, high + 0.5)
    if to_hours(high, unit) < to_hours(low, low_unit):
        return None
    if len(match.group("unit")) == 1 and not low_text[:1].isdigit():
        return None  # "two d", "a h": spelled numbers go with spelled units
    prefix = _prefix(ctx, match.start()) if with_prefix else _Prefix(match.start(), None, False, False)
    separator = (match.group("sep") or "").strip().lower()
    if (separator == "and") != prefix.between:
        return None  # "between 24 and 48 h"; a bare "24 and 48 h" is two time points
    return _Amount(low, high, low_unit, unit, prefix)


def _dose_anchor(mods: str, noun: str) -> str:
    """Classify what a dose phrase points to.

    "the first step-up dose" -> ``step_up``; "post-first dose" -> ``first_dose``;
    "each weekly injection", "infusions" -> ``each_dose``; "the second dose" -> ``dose``.
    """
    lowered = mods.lower()
    words = set(re.findall(r"[a-z0-9]+", lowered))
    if re.search(r"step[\s-]*up", lowered) or "priming" in words:
        return ANCHOR_STEP_UP
    plural = noun.lower().endswith("s")
    counted = any(w.isdigit() or _COUNT_WORD.fullmatch(w) for w in words)
    if words & {"first", "1st", "initial"} and not (plural and (words & _EACH_WORDS or counted)):
        return ANCHOR_FIRST_DOSE  # but "each of her first four infusions" is each dose
    if words & _EACH_WORDS or plural:
        return ANCHOR_EACH_DOSE
    return ANCHOR_DOSE


def _dose_tail_fields(match: re.Match[str], ctx: MatchContext) -> dict[str, object]:
    """Anchor, anchor text and cycle/day of the dose phrase of a match."""
    if match.group("tc") is not None:
        return {
            "anchor": ANCHOR_DOSE,
            "anchor_text": source(ctx, match, "tc_text"),
            "cycle": int(match.group("tc")),
            "day": int(match.group("td")),
        }
    noun_group = "pnoun" if match.group("pnoun") is not None else "anoun"
    mods_group = "pmods" if noun_group == "pnoun" else "amods"
    mods = match.group(mods_group) or ""
    start = match.start(mods_group) if mods else match.start(noun_group)
    return {
        "anchor": _dose_anchor(mods, match.group(noun_group)),
        "anchor_text": ctx.text[start : match.end(noun_group)],
    }


def _phrase_anchor(match: re.Match[str], ctx: MatchContext) -> tuple[str, str]:
    """Anchor and anchor text of a ``(?P<amods>...)(?P<noun>...)`` dose phrase."""
    anchor = _dose_anchor(match.group("amods") or "", match.group("noun"))
    return anchor, ctx.text[match.start("amods") : match.end("noun")]


# =========================================================================== cycle and day

_CD_SUFFIX = (
    rf"(?:\s*(?:post|after|following)[\s-]*(?P<smods>(?:{_POST_MODIFIER}[\s-]+){{0,3}})"
    r"(?P<snoun>doses?|dosing|infusions?|injections?|administrations?)\b"
    r"|\s+of\s+(?P<sinit>treatment|therapy|[a-z]+mab)\b)?"
)
_CYCLE_DAY_C = r"\bc(?P<c>\d{1,2})\s*,?\s*d\s*(?P<d>\d{1,2})\b"
_CYCLE_DAY_WORDS = r"\bcycle\s*(?P<c>\d{1,2})\s*,?\s*(?:day|d)\s*(?P<d>\d{1,2})\b"
_DAY_OF_CYCLE = r"\b(?:day|d)\s*(?P<d>\d{1,2})\s*(?:of\s+|,\s*)?(?:cycle\s*|c)(?P<c>\d{1,2})\b"
# "D2 of the 9th cycle", "day 15 of her sixth cycle"
_DAY_OF_ORDINAL_CYCLE = rf"\b(?:day|d)\s*(?P<d>\d{{1,2}})\s+of\s+(?:the|her|his|their)\s+(?P<ord>{ORDINAL})\s+cycle\b"
_DAY_PLUS = rf"\b(?:day|d)\s*\+\s*(?P<d>\d{{1,3}})\b{_CD_SUFFIX}"
_DAY_N = rf"\bday\s*#?\s*(?P<d>\d{{1,3}})\b(?![.,]\d){_CD_SUFFIX}"
_D_N = rf"\bd(?P<d>\d{{1,2}})\b(?![.,]\d){_CD_SUFFIX}"
_POST_DOSE_DAY = r"\b(?:pod\s*#?\s*|post[\s-]*(?:dose|infusion|injection)\s+day\s*)(?P<d>\d{1,2})\b"
_CYCLE_N = r"\bcycle\s*#?\s*(?P<c>\d{1,2})\b(?!\s*[-–]\s*\d)"
_CYCLE_WORD = r"\bcycle\b"


def _cd_anchor(match: re.Match[str], ctx: MatchContext) -> tuple[str | None, str | None]:
    noun = match.group("snoun")
    if noun is not None:
        start = match.start("smods") if match.group("smods") else match.start("snoun")
        return _dose_anchor(match.group("smods") or "", noun), ctx.text[start : match.end()]
    if match.group("sinit"):
        return ANCHOR_INITIATION, source(ctx, match, "sinit")
    return None, None


def _build_cycle_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    cycle = int(match.group("c"))
    day = int(match.group("d"))
    if cycle == 0 or cycle > 60 or day > 60:
        return None
    return make_value(KIND_CYCLE_DAY, match, ctx, cycle=cycle, day=day)


def _build_day_of_ordinal_cycle(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    cycle = parse_ordinal(match.group("ord"))
    day = int(match.group("d"))
    if cycle is None or not 0 < cycle <= 60 or day > 60:
        return None
    return make_value(KIND_CYCLE_DAY, match, ctx, cycle=cycle, day=day)


def _build_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    anchor, anchor_text = _cd_anchor(match, ctx)
    return make_value(KIND_CYCLE_DAY, match, ctx, day=int(match.group("d")), anchor=anchor, anchor_text=anchor_text)


def _build_d_n(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    if not (ctx.whole or match.group("snoun") or match.group("sinit")):
        if _looks_back(ctx, match.start(), _D_PREP_BEFORE) is None:
            return None  # a bare "D3" in running text may be vitamin D3
    return _build_day(match, ctx)


def _build_post_dose_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    return make_value(KIND_CYCLE_DAY, match, ctx, day=int(match.group("d")), anchor=ANCHOR_DOSE)


def _build_cycle_n(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    cycle = int(match.group("c"))
    if cycle == 0 or cycle > 60:
        return None
    return make_value(KIND_CYCLE_DAY, match, ctx, cycle=cycle)


def _build_cycle_word(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    # "the third cycle", "2nd cycle"
    ordinal = _looks_back(ctx, match.start(), _ORDINAL_BEFORE)
    if ordinal is None:
        return None
    cycle = parse_ordinal(ordinal.group("ord"))
    if cycle is None or cycle == 0 or cycle > 60:
        return None
    return make_value(KIND_CYCLE_DAY, match, ctx, start=ordinal.start("ord"), cycle=cycle)


# =========================================================================== after a dose

# "about 10 hours after it": the dose the sentence has just named (the builder checks that)
_PRONOUN_TAIL = r"(?:after|following)\s+(?P<pron>it|this|that)(?=\s*[,;.)]|\s*$)"
_POST_DOSE_AMOUNT = rf"\s*,?\s*(?:{_DOSE_TAIL}|{_PRONOUN_TAIL})"
_POST_DOSE_DIGITS = compile_pattern(_amount(DIGITS) + _POST_DOSE_AMOUNT)
_POST_DOSE_WORDS = compile_pattern(_amount(NUMBER) + _POST_DOSE_AMOUNT)
# "the evening after the infusion" is the evening of its day; "the next evening after" is a day later
_DAY_AFTER_DOSE = (rf"\bthe\s+(?:(?:next|following)\s+(?:day|morning|afternoon|evening)|day|morning)\s+"
                   rf"(?:after|following)\s+"
                   rf"(?P<amods>(?:[\w./%-]+,?\s+){{0,7}}?){_DOSE_NOUN}")
_NEXT_DAY = r"\b(?:next|following|subsequent)\s+(?:day|morning|afternoon|evening)\b"  # the day after: 24 h
# "on the second day after the dose": [24, 48] h (the annotation guidelines)
_NTH_DAY_AFTER = (rf"\bthe\s+(?P<nth>second|third|fourth|2nd|3rd|4th)\s+day\s+(?:after|following)\s+"
                  rf"(?P<amods>(?:[\w./%-]+\s+){{0,5}}?){_DOSE_NOUN}")
# "on the evening of each infusion", "the night of the dose", "the same day as the injection":
# onset on the day of the dose, tied to it, but no hours are stated
_SAME_DAY = (
    r"\b(?:the\s+)?(?:(?:evening|night|afternoon)\s+of|same\s+(?:day|evening|night)\s+as)\s+"
    rf"(?P<amods>(?:[\w./%-]+\s+){{0,5}}?){_DOSE_NOUN}(?:\s+days?)?"
)
_OVERNIGHT = rf"\bovernight\s+(?:after|following|post)[\s-]*(?P<amods>(?:[\w./%-]+\s+){{0,3}}?){_DOSE_NOUN}"
_SOON_AFTER = (
    r"\b(?:soon|shortly|immediately|right|directly|promptly)\s+(?:after|following|post)[\s-]*"
    rf"(?P<amods>(?:[\w./%-]+\s+){{0,3}}?){_DOSE_NOUN}"
)
_AFTER_EACH = (
    r"\b(?P<conn>after|following|with|post|followed|follows|follow)[\s-]+"
    rf"(?P<amods>(?:[\w./%-]+\s+){{0,2}}?)(?:{_DOSE_NOUN}|(?P<noun2>treatments?|cycles?|sessions?)\b)"
)


def _build_post_dose(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    amount = _read_amount(match, ctx)
    if amount is None or _looks_back(ctx, amount.prefix.start, _EVERY_OR_Q_BEFORE):
        return None
    if match.group("amods") and _INIT_WORDS.search(match.group("amods")) and not (
            amount.unit in _SHORT_UNITS and _START_OF.fullmatch(match.group("amods"))):
        return None  # "2 weeks after starting dosing" is measured from initiation
    hours = amount.hours
    # "within 12 h" and "within two or three days" are [0, N]; "within 6-10 h of the dose"
    # states a window: [6, 10]
    window = (match.group("sep") or "").strip().lower() in {"-", "–", "—", "to"}
    if amount.prefix.qualifier in {"up to", "for"} or (amount.prefix.qualifier == "within" and not window):
        hours = (0.0, hours[1])
    if match.group("pron"):
        if amount.unit not in _SHORT_UNITS and amount.unit != "day":
            return None
        return make_value(KIND_POST_DOSE, match, ctx, start=amount.prefix.start, hours=hours, **amount.durations(),
                          unit=amount.unit, approximate=amount.prefix.approximate, qualifier="after")
    fields = _dose_tail_fields(match, ctx)
    periodic = fields["anchor"] == ANCHOR_EACH_DOSE or bool(_looks_back(ctx, amount.prefix.start, _HABITUAL_BEFORE))
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        start=amount.prefix.start,
        hours=hours,
        **amount.durations(),
        unit=amount.unit,
        approximate=amount.prefix.approximate,
        periodic=periodic,
        qualifier=amount.prefix.qualifier,
        **fields,  # type: ignore[arg-type]
    )


def _build_day_after_dose(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    anchor, anchor_text = _phrase_anchor(match, ctx)
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        hours=(24.0, 24.0),
        duration="P1D",
        duration_min="P1D",
        duration_max="P1D",
        unit="day",
        anchor=anchor,
        anchor_text=anchor_text,
        periodic=anchor == ANCHOR_EACH_DOSE,
        qualifier="after",
    )


def _build_nth_day_after(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    nth = parse_ordinal(match.group("nth"))
    if nth is None:  # pragma: no cover - the pattern admits only ordinals
        return None
    anchor, anchor_text = _phrase_anchor(match, ctx)
    return make_value(KIND_POST_DOSE, match, ctx, hours=(24.0 * (nth - 1), 24.0 * nth), unit="day",
                      anchor=anchor, anchor_text=anchor_text, periodic=anchor == ANCHOR_EACH_DOSE, qualifier="after")


def _build_next_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    the = _looks_back(ctx, match.start(), _THE_BEFORE)
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        start=the.start() if the else None,
        hours=(24.0, 24.0),
        duration="P1D",
        duration_min="P1D",
        duration_max="P1D",
        unit="day",
        qualifier="after",
    )


def _build_overnight(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    anchor, anchor_text = _phrase_anchor(match, ctx)
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        hours=(0.0, 24.0),
        anchor=anchor,
        anchor_text=anchor_text,
        approximate=True,
        periodic=anchor == ANCHOR_EACH_DOSE,
        qualifier="within",
    )


def _anchored(match: re.Match[str], ctx: MatchContext, qualifier: str) -> TimeValue:
    """A time tied to the dose phrase of the match, with no hours."""
    anchor, anchor_text = _phrase_anchor(match, ctx)
    return make_value(KIND_POST_DOSE, match, ctx, anchor=anchor, anchor_text=anchor_text,
                      periodic=anchor == ANCHOR_EACH_DOSE, qualifier=qualifier)


def _build_soon_after(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    return _anchored(match, ctx, "soon")  # "soon after infusions"


# "+28 h" in an onset column or a flowsheet: hours after the dose
_PLUS_HOURS = compile_pattern(r"\+\s?(?P<n>\d{1,3}(?:\.\d)?)\s?(?P<unit>h|hrs?|hours?)\b")


def _build_plus_hours(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    before = ctx.lowered[match.start() - 1 : match.start()] if match.start() else ""
    if before and (before.isalnum() or before in "_+."):
        return None  # "C1D1+2h" or "1+2 h" are not onsets
    hours = float(match.group("n"))
    return make_value(KIND_POST_DOSE, match, ctx, hours=(hours, hours), duration=iso_duration(hours, "hour"),
                      duration_min=iso_duration(hours, "hour"), duration_max=iso_duration(hours, "hour"),
                      unit="hour", anchor=ANCHOR_DOSE, qualifier="after")


def _build_same_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    return _anchored(match, ctx, "same day")  # "on the evening of each infusion"


def _build_after_each(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    mods = match.group("amods") or ""
    if _NUMBERISH.match(mods) or _INIT_WORDS.search(mods):
        return None  # "after two doses" is a count; "after starting dosing" is initiation
    if match.group("noun2"):
        # "after every treatment", "after each cycle": only with each/every ("after 6 cycles" is a count)
        if not set(mods.lower().split()) & _EACH_WORDS:
            return None
        return make_value(KIND_POST_DOSE, match, ctx, anchor=ANCHOR_EACH_DOSE,
                          anchor_text=ctx.text[match.start("amods"):match.end("noun2")], periodic=True,
                          qualifier="after")
    anchor, anchor_text = _phrase_anchor(match, ctx)
    if anchor != ANCHOR_EACH_DOSE:
        return None  # "after the infusion" alone says nothing about timing
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        anchor=anchor,
        anchor_text=anchor_text,
        periodic=True,
        qualifier="at" if match.group("conn").lower() == "with" else "after",
    )


# =========================================================================== intervals

_EVERY_AMOUNT = (
    rf"\b(?P<every>every|each|q\.?)(?:\s+|-(?=\w))(?:(?P<approx>[~≈∼]|about|approximately|roughly)\s*)?"
    rf"{_quantity(NUMBER, start='')}\s*-?\s*(?P<unit>{UNIT})"
    rf"(?:\s*(?P<cyc>cycles?)\b)?(?:\s*,?\s*{_DOSE_TAIL})?"
)
_EVERY_OTHER = (r"\bevery[\s-]+(?P<ord>other|second|alternate|third|fourth|fifth|sixth|[2-6](?:nd|rd|th))[\s-]+"
                r"(?P<unit>day|week|month)\b")
_EVERY_UNIT = (
    r"\b(?:every|each|once\s+a|once\s+per|once\s+every)\s+"
    r"(?P<unit>day|week|fortnight|month|year|cycle|treatment\s+cycle)\b"
)
_ADVERB = r"\b(?P<word>bi-?weekly|semi-?weekly|weekly|fortnightly|monthly|week|month)\b"
_Q_NOTATION = compile_pattern(
    r"(?<![\w./-])q\.?\s?(?P<n>\d{1,2})?\s?"
    r"(?P<unit>weeks?|wks?|w|days?|d|months?|mo|m|hours?|hrs?|h)(?![\w/])"
)
_AT_INTERVALS = (
    r"\b(?:at|in)\s+(?:(?:regular|predictable|fixed|similar|periodic|repeated|consistent|"
    r"roughly\s+regular|recurring|cyclic|cyclical)\s+)+intervals\b"
)
_N_DAY_CYCLES = compile_pattern(rf"{_NUM_START}(?P<n>\d{{1,2}})[\s-]*(?P<unit>day|week)s?\s+(?:treatment\s+)?cycles?\b")

_TIMES = {"once": 1.0, "twice": 2.0, "thrice": 3.0, "two times": 2.0, "three times": 3.0}
_N_WEEKLY = {"two": 2, "three": 3, "four": 4, "six": 6}


def _interval(
    match: re.Match[str],
    ctx: MatchContext,
    low: float,
    high: float,
    time_unit: str,
    start: int | None = None,
    **fields: object,
) -> TimeValue:
    minimum = iso_duration(low, time_unit)
    maximum = iso_duration(high, time_unit)
    return make_value(
        KIND_INTERVAL,
        match,
        ctx,
        start=start,
        interval_days=(to_days(low, time_unit), to_days(high, time_unit)),
        duration=minimum if minimum == maximum else None,
        duration_min=minimum,
        duration_max=maximum,
        periodic=True,
        **fields,  # type: ignore[arg-type]
    )


def _build_every_amount(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    amount = _read_amount(match, ctx, with_prefix=False)
    if amount is None or amount.low_unit != amount.unit:
        return None
    before = _looks_back(ctx, match.start(), _APPROX_BEFORE)
    approximate = match.group("approx") is not None or bool(before and before.group("approx"))
    fields: dict[str, object] = {
        "approximate": approximate,
        "unit": "cycle" if match.group("cyc") else amount.unit,
    }
    if match.group("pnoun") or match.group("anoun") or match.group("tc"):
        if match.group("every") == "each":
            return None  # "(episodes) each 36 h post-dose": a time after each dose, not a period
        fields.update(_dose_tail_fields(match, ctx))
        if fields["anchor"] == ANCHOR_DOSE:
            fields["anchor"] = ANCHOR_EACH_DOSE  # "every 30 days post-infusion"
    return _interval(
        match,
        ctx,
        amount.low,
        amount.high,
        amount.unit,
        start=before.start() if before else None,
        **fields,
    )


# "at 2-week intervals", "at intervals of 14 days", "three weeks apart", "separated by 21
# days", "an interval of 30 days", "a fortnight apart", "with each 21-day cycle"
_AMOUNT_INTERVALS = (
    # "at 2-week intervals"
    rf"\b(?:at|in)\s+(?:(?:regular|roughly|about|approximately|similar)\s+)?{_amount(NUMBER)}[\s-]*intervals?\b",
    # "at an interval of 30 days", "at intervals of 14 days"
    rf"\bintervals?\s+of\s+(?:about\s+|approximately\s+|roughly\s+)?"
    rf"{_amount(NUMBER).replace('?P<', '?P<i_')}",
    # "three weeks apart", "a fortnight apart"
    rf"{_amount(NUMBER).replace('?P<', '?P<a_')}\s+apart\b|\ba\s+(?P<fortnight>fortnight)\s+apart\b",
    # "separated by 21 days"
    rf"\bseparated\s+by\s+(?:about\s+|approximately\s+|roughly\s+)?{_amount(NUMBER).replace('?P<', '?P<s_')}",
    # "with each 21-day cycle"
    r"\b(?:with|after|following)\s+(?:each|every)\s+(?P<c_n>\d{1,2})[\s-]*(?P<c_unit>day|week)\s+cycles?\b",
)


class _Renamed:
    """A match seen through one prefix of its group names ("i_lo" read as "lo")."""

    def __init__(self, match: re.Match[str], prefix: str) -> None:
        self.match, self.prefix, self.re = match, prefix, _RenamedPattern(match, prefix)

    def group(self, name: str) -> str | None:
        return self.match.group(self.prefix + name)

    def start(self, name: str | int = 0) -> int:
        return self.match.start(self.prefix + name if isinstance(name, str) else name)


class _RenamedPattern:
    def __init__(self, match: re.Match[str], prefix: str) -> None:
        self.groupindex = {name[len(prefix):]: index for name, index in match.re.groupindex.items()
                           if name.startswith(prefix)}


# "at an interval of 30 days": the words before "interval" belong to the expression
_INTERVAL_LEAD = compile_pattern(r"\b(?:at\s+|with\s+)?(?:an?\s+)?(?:regular\s+)?\Z")


def _group(match: re.Match[str], name: str) -> str | None:
    return match.group(name) if name in match.re.groupindex else None


def _build_amount_interval(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    if _group(match, "fortnight"):
        return _interval(match, ctx, 2, 2, "week", unit="week")
    if _group(match, "c_n"):
        unit = match.group("c_unit").lower()
        n = float(match.group("c_n"))
        return _interval(match, ctx, n, n, unit, unit="cycle", anchor=ANCHOR_EACH_DOSE)
    prefix = next(p for p in ("", "i_", "a_", "s_") if _group(match, p + "lo") is not None)
    amount = _read_amount(_Renamed(match, prefix), ctx, with_prefix=False)  # type: ignore[arg-type]
    if amount is None or amount.unit not in ("day", "week", "month"):
        return None
    lead = _INTERVAL_LEAD.search(ctx.lowered, max(0, match.start() - 24), match.start()) if prefix == "i_" else None
    return _interval(match, ctx, amount.low, amount.high, amount.unit, start=lead.start() if lead else None,
                     unit=amount.unit)


def _build_every_other(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    word = match.group("ord").lower()
    times = 2 if word in ("other", "alternate") else parse_ordinal(word)
    if times is None:  # pragma: no cover - the pattern admits only ordinals
        return None
    unit = match.group("unit").lower()
    return _interval(match, ctx, times, times, unit, unit=unit)


def _build_every_unit(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    unit = match.group("unit").lower()
    if "cycle" in unit:
        return make_value(KIND_INTERVAL, match, ctx, unit="cycle", periodic=True)
    if unit == "fortnight":
        return _interval(match, ctx, 2, 2, "week", unit="week")
    return _interval(match, ctx, 1, 1, unit, unit=unit)


def _build_adverb(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    word = match.group("word").lower().replace("-", "")
    times_match = _looks_back(ctx, match.start(), _TIMES_BEFORE)
    start = times_match.start() if times_match else None
    times = _TIMES[re.sub(r"\s+", " ", times_match.group("times").lower())] if times_match else 1.0
    if word in {"week", "month"} and times_match is None:
        return None  # "week" alone is not a frequency
    if word in {"biweekly", "fortnightly"}:
        if times != 1.0:
            return None
        return _interval(match, ctx, 2, 2, "week", start=start, unit="week")
    if word == "semiweekly":
        return _interval(match, ctx, 3.5, 3.5, "day", start=start, unit="day")
    if word == "weekly" and times_match is None:
        n_weekly = _looks_back(ctx, match.start(), _N_WEEKLY_BEFORE)
        if n_weekly is not None:  # "three-weekly"
            text = n_weekly.group("n").lower()
            weeks = float(_N_WEEKLY[text] if text in _N_WEEKLY else int(text))
            return _interval(match, ctx, weeks, weeks, "week", start=n_weekly.start(), unit="week")
    base_unit, base_days = ("week", 7.0) if word in {"weekly", "week"} else ("month", 30.0)
    if times == 1.0:
        return _interval(match, ctx, 1, 1, base_unit, start=start, unit=base_unit)
    days = base_days / times
    return _interval(match, ctx, days, days, "day", start=start, unit="day")


def _build_q_notation(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    unit = canonical_unit(match.group("unit"))
    number = float(match.group("n")) if match.group("n") else 1.0
    if unit is None or number == 0:
        return None
    return _interval(match, ctx, number, number, unit, unit=unit)


def _build_at_intervals(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    return make_value(KIND_INTERVAL, match, ctx, periodic=True)


def _build_n_day_cycles(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    number = float(match.group("n"))
    if number == 0:
        return None
    return _interval(match, ctx, number, number, match.group("unit").lower(), unit="cycle")


# =========================================================================== counts

_COUNT_TAIL = (
    r"\s+(?:(?:consecutive|successive|subsequent|further|additional|more|separate|recurrent|"
    r"repeated|similar|distinct|febrile|crs|prior|previous|weekly|biweekly|monthly|full|"
    r"treatment|step[\s-]*up|documented|discrete)\s+){0,2}"
    r"(?P<u>cycles?|doses?|infusions?|injections?|administrations?|episodes?|courses?)\b"
)
_COUNT_DIGITS = compile_pattern(rf"{_NUM_START}(?P<n>\d{{1,3}}){_COUNT_TAIL}")
_COUNT_WORDS = compile_pattern(rf"(?P<n>{NUMBER_WORDS}){_COUNT_TAIL}")
_COUNT_UNITS = {
    "cycle": "cycle",
    "dose": "dose",
    "infusion": "dose",
    "injection": "dose",
    "administration": "dose",
    "episode": "episode",
    "course": "course",
}


def _build_count(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    number = parse_number(match.group("n"))
    if number is None or not number.is_integer() or number == 0 or number > 100:
        return None
    noun = match.group("u").lower()
    if noun.endswith("s") != (number > 1) or _looks_back(ctx, match.start(), _GRADE_BEFORE):
        return None  # "grade 3 CRS episode"
    unit = _COUNT_UNITS[noun.rstrip("s")]
    return make_value(KIND_COUNT, match, ctx, count=int(number), unit=unit)


# =========================================================================== elapsed time

_ELAPSED_TAIL = (
    r"(?:\s+(?P<rel>later|ago|earlier|previously|prior|thereafter|afterwards?|after\s+that)\b"
    rf"|\s+(?:after|from|since|following|post)\s+{_INIT_PHRASE}"
    rf"|\s+(?:into|of|on)\s+{_INTO_THERAPY})?"
)
_ELAPSED_DIGITS = compile_pattern(_amount(DIGITS) + _ELAPSED_TAIL)
_ELAPSED_WORDS = compile_pattern(_amount(NUMBER) + _ELAPSED_TAIL)

_RELATIVE = {
    "later": "after",
    "thereafter": "after",
    "afterward": "after",
    "afterwards": "after",
    "after that": "after",
    "ago": "before",
    "earlier": "before",
    "previously": "before",
    "prior": "before",
}


def _build_elapsed(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    amount = _read_amount(match, ctx)
    if amount is None:
        return None
    start = amount.prefix.start
    if _looks_back(ctx, start, _AGE_BEFORE) or _looks_back(ctx, start, _EVERY_BEFORE) \
            or _looks_back(ctx, start, _FIRST_IN_BEFORE):
        return None
    qualifier = amount.prefix.qualifier
    anchor: str | None = None
    anchor_text: str | None = None
    ago_date: str | None = None
    relation = match.group("rel")
    if relation:
        relation = re.sub(r"\s+", " ", relation.lower())
        qualifier = _RELATIVE[relation]
        anchor = ANCHOR_DOCUMENT_DATE if relation == "ago" else None
        low_hours, high_hours = amount.hours
        if relation == "ago" and ctx.settings.reference_date is not None and amount.unit in ("day", "week") \
                and low_hours == high_hours:
            # "2 days ago" in a note dated 15 March is 13 March
            ago_date = (ctx.settings.reference_date - datetime.timedelta(days=round(high_hours / 24))).isoformat()
    init_group = "init" if match.group("init") else "init2" if match.group("init2") else None
    if init_group:
        anchor = ANCHOR_INITIATION
        anchor_text = re.sub(r"^the\s+", "", source(ctx, match, init_group), flags=re.IGNORECASE)
        qualifier = qualifier or "after"
    if anchor == ANCHOR_INITIATION and amount.unit in _SHORT_UNITS and qualifier in ("after", "within"):
        # "36 hours after starting teclistamab", "16 h after the start": hours after a dose
        hours = amount.hours if qualifier == "after" else (0.0, amount.hours[1])
        named = anchor_text is not None and _THERAPY_START.search(anchor_text)
        return make_value(
            KIND_POST_DOSE,
            match,
            ctx,
            start=start,
            hours=hours,
            **amount.durations(),
            unit=amount.unit,
            anchor=ANCHOR_FIRST_DOSE if named else ANCHOR_DOSE,
            anchor_text=anchor_text,
            approximate=amount.prefix.approximate,
            qualifier=qualifier,
        )
    bare = qualifier is None and anchor is None
    unit_text = source(ctx, match, "unit")
    if bare and match.group("lo").lower() in {"a", "an", "single"}:
        return None  # "twice a day": not a measured time
    if bare and len(unit_text) == 1 and (unit_text.isupper() or unit_text.lower() == "y"):
        return None  # "2D echo", "3D", "64 y"
    return make_value(
        KIND_ELAPSED,
        match,
        ctx,
        start=start,
        **amount.durations(),
        unit=amount.unit,
        anchor=anchor,
        anchor_text=anchor_text,
        approximate=amount.prefix.approximate,
        qualifier=qualifier,
        date=ago_date,
    )


# =========================================================================== anchors without a figure

# "before each dose", "after the first full dose", "around dosing", "prior to every infusion":
# the dose anchor of an event with no hours stated
_ABOUT_DOSE = (
    r"\b(?P<conn>before|prior\s+to|ahead\s+of|around|after|following)\s+"
    rf"(?P<amods>(?:[\w./%-]+\s+){{0,5}}?){_DOSE_NOUN}"
)
# "post-dose", "peri-dose", "pre-infusion" used as adjectives
_DOSE_ADJECTIVE = r"\b(?P<conn>post|peri|pre)[\s-]?(?:dose|dosing|infusion|injection)\b(?![\s-]+day)"
# "month 7", "in month 5": a month of therapy
_MONTH_N = r"\bmonth\s+(?P<n>\d{1,2})\b(?!\s*(?:-|–|to)\s*\d)"
# "cycles 2-3", "cycles 4 to 9", "cycles 2 and 3", "days 1, 3 and 5", "days 15 and 22"
_CYCLE_RANGE = (
    r"\b(?P<what>cycles|days|weeks)\s+\d{1,2}(?:\s*(?:,|-|–|to|through|and|&)\s*\d{1,2})*"
    r"\s*(?:-|–|to|through|and|&)\s*\d{1,2}\b"
)
# "from C3", "during C2", "after C6": a cycle written as C and a number, after a preposition
_BARE_CYCLE = (
    r"\b(?:from|in|during|after|before|by|until|through|since|at|of|into)\s+(?:the\s+)?"
    r"(?P<v>c(?P<c>\d{1,2}))\b(?![\s-]*(?:d\s?\d|complement|level|esterase|vertebra\w*|spine|spinal|"
    r"nerve|root|radiculopathy|\d))"
)
# "C6", "C1-3", "C2-C3": a cycle written as an upper-case C and a number (checked in the
# original case), not complement C3, a C5 vertebra or a C1 inhibitor
_UPPER_CYCLE = (
    r"(?<![\w/.-])c(?P<c>\d{1,2})(?:\s*[-–]\s*c?(?P<c2>\d{1,2}))?(?![\w/.])"
    r"(?!\s*(?:complement|level|esterase|inhibitor|vertebra\w*|spine|spinal|nerve|root|radiculopathy|"
    r"fraction|deficiency))"
)


def _build_upper_cycle(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    if ctx.text[match.start()] != "C":
        return None
    cycle = int(match.group("c"))
    if not 0 < cycle <= 40:
        return None
    if match.group("c2"):
        return make_value(KIND_CYCLE_DAY, match, ctx, unit="cycle")
    return make_value(KIND_CYCLE_DAY, match, ctx, cycle=cycle)


# "week 25", "wk 14": a week of therapy (annotation guidelines: cycle_day)
_WEEK_N = r"\b(?:week|wk)\s*#?\s*(?P<n>\d{1,3})\b(?!\s*(?:-|–|to)\s*\d)"
# medication frequencies: "BID", "daily", "q6h", "twice-daily", "MWF"
_FREQUENCY = (
    r"(?<![\w/-])(?P<word>bid|b\.i\.d\.|tid|t\.i\.d\.|qid|q\.i\.d\.|qd|qhs|once[\s-]daily|twice[\s-]daily|"
    r"three times daily|daily|nightly|mwf|q(?P<h>\d{1,2})h)(?![\w/-])"
)
_PER_DAY = {"bid": 2.0, "b.i.d.": 2.0, "tid": 3.0, "t.i.d.": 3.0, "qid": 4.0, "q.i.d.": 4.0, "qd": 1.0, "qhs": 1.0,
            "once daily": 1.0, "once-daily": 1.0, "twice daily": 2.0, "twice-daily": 2.0, "three times daily": 3.0,
            "daily": 1.0, "nightly": 1.0}


def _build_week_n(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    n = int(match.group("n"))
    if not 0 < n <= 520:
        return None
    return make_value(KIND_CYCLE_DAY, match, ctx, unit="week", count=n)


def _build_frequency(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    word = match.group("word").lower()
    if match.group("h"):
        days = int(match.group("h")) / 24
    elif word == "mwf":
        days = 7 / 3
    else:
        days = 1 / _PER_DAY.get(re.sub(r"\s+", " ", word), 1.0)
    return make_value(KIND_INTERVAL, match, ctx, interval_days=(days, days), periodic=True, unit="day")


# "on Mondays", "every Tuesday": weekly
# "every Saturday", "on Fridays", "every other Saturday", "on alternate Mondays" ("on Monday 3
# March" is a date, not a rhythm)
_WEEKDAY = WEEKDAY
_WEEKDAYS = (
    rf"\b(?:(?:every|each)\s+(?P<other>(?:other|second|alternate)\s+)?(?P<v2>{_WEEKDAY}s?)"
    rf"|on\s+(?P<other2>(?:other|alternate|every\s+other|every\s+second)\s+)?(?P<v3>{_WEEKDAY}s)"
    rf"|on\s+(?P<other3>(?:every\s+other|every\s+second|alternate)\s+)(?P<v4>{_WEEKDAY}))\b"
)


def _build_about_dose(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    mods = match.group("amods") or ""
    if _NUMBERISH.match(mods) or _INIT_WORDS.search(mods):
        return None  # "after two doses" is a count; "after starting dosing" is initiation
    conn = match.group("conn").lower().split()[0]
    anchor, anchor_text = _phrase_anchor(match, ctx)
    return make_value(KIND_POST_DOSE, match, ctx, anchor=anchor, anchor_text=anchor_text,
                      periodic=anchor == ANCHOR_EACH_DOSE,
                      qualifier={"prior": "before", "ahead": "before", "following": "after"}.get(conn, conn))


def _build_dose_adjective(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    conn = match.group("conn").lower()
    return make_value(KIND_POST_DOSE, match, ctx, anchor=ANCHOR_DOSE,
                      qualifier={"post": "after", "pre": "before", "peri": "around"}[conn])


def _build_month_n(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    n = int(match.group("n"))
    if not 0 < n <= 120:
        return None
    return make_value(KIND_ELAPSED, match, ctx, duration=f"P{n}M", duration_min=f"P{n}M", duration_max=f"P{n}M",
                      unit="month", qualifier="at")


def _build_cycle_range(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    unit = {"cycles": "cycle", "weeks": "week"}.get(match.group("what").lower(), "day")
    return make_value(KIND_CYCLE_DAY, match, ctx, unit=unit)


def _build_weekdays(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    end = match.end()
    start = match.start()
    if ctx.lowered.startswith("on", start):
        start += 3  # "on Fridays": the value is "Fridays"
    weeks = 2 if any(match.group(g) for g in ("other", "other2", "other3")) else 1
    return TimeValue(kind=KIND_INTERVAL, text=ctx.text[start:end], start=start, end=end,
                     interval_days=(7.0 * weeks, 7.0 * weeks), duration=f"P{weeks}W", duration_min=f"P{weeks}W",
                     duration_max=f"P{weeks}W", unit="week", periodic=True)


# =========================================================================== days relative to the note

_RELATIVE_DAY = (
    r"\b(?P<word>the\s+day\s+before\s+yesterday|yesterday|today|this\s+(?:morning|afternoon|evening)|"
    r"tonight|last\s+night|earlier\s+today)\b"
)
_RELATIVE_DAY_OFFSETS = {"yesterday": 1, "last": 1, "the": 2}


def _build_relative_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    """"yesterday" in a note dated 15 March 2025 is 2025-03-14; without a note date, nothing."""
    reference = ctx.settings.reference_date
    if reference is None:
        return None
    first = match.group("word").lower().split()[0]
    when = reference - datetime.timedelta(days=_RELATIVE_DAY_OFFSETS.get(first, 0))
    return make_value(KIND_DATE, match, ctx, date=when.isoformat(), anchor=ANCHOR_DOCUMENT_DATE)


# =========================================================================== the rule set

#: All rules; on equal spans the earlier rule wins.
RULES: tuple[Rule, ...] = (
    *DATE_RULES,
    word_rule("cycle_day.c_d", _CYCLE_DAY_C, _build_cycle_day),
    word_rule("cycle_day.cycle_day", _CYCLE_DAY_WORDS, _build_cycle_day),
    word_rule("cycle_day.day_of_cycle", _DAY_OF_CYCLE, _build_cycle_day),
    word_rule("cycle_day.day_of_ordinal_cycle", _DAY_OF_ORDINAL_CYCLE, _build_day_of_ordinal_cycle),
    word_rule("cycle_day.day_plus", _DAY_PLUS, _build_day),
    word_rule("cycle_day.day_n", _DAY_N, _build_day),
    word_rule("cycle_day.d_n", _D_N, _build_d_n),
    word_rule("cycle_day.post_dose_day", _POST_DOSE_DAY, _build_post_dose_day),
    word_rule("cycle_day.cycle_n", _CYCLE_N, _build_cycle_n),
    word_rule("cycle_day.ordinal_cycle", _CYCLE_WORD, _build_cycle_word),
    word_rule("interval.every_amount", _EVERY_AMOUNT, _build_every_amount),
    word_rule("interval.every_other", _EVERY_OTHER, _build_every_other),
    *(word_rule(f"interval.amount_interval_{i}", pattern, _build_amount_interval)
      for i, pattern in enumerate(_AMOUNT_INTERVALS)),
    word_rule("interval.every_unit", _EVERY_UNIT, _build_every_unit),
    word_rule("interval.adverb", _ADVERB, _build_adverb),
    Rule("interval.q", _Q_NOTATION, _build_q_notation),
    word_rule("interval.at_intervals", _AT_INTERVALS, _build_at_intervals),
    Rule("interval.n_day_cycles", _N_DAY_CYCLES, _build_n_day_cycles),
    Rule("elapsed.digits", _ELAPSED_DIGITS, _build_elapsed),
    Rule("elapsed.words", _ELAPSED_WORDS, _build_elapsed, at_number_words=True),
    Rule("post_dose.digits", _POST_DOSE_DIGITS, _build_post_dose),
    Rule("post_dose.words", _POST_DOSE_WORDS, _build_post_dose, at_number_words=True),
    word_rule("post_dose.day_after", _DAY_AFTER_DOSE, _build_day_after_dose),
    word_rule("post_dose.next_day", _NEXT_DAY, _build_next_day),
    word_rule("post_dose.nth_day_after", _NTH_DAY_AFTER, _build_nth_day_after),
    word_rule("post_dose.overnight", _OVERNIGHT, _build_overnight),
    word_rule("post_dose.soon_after", _SOON_AFTER, _build_soon_after),
    word_rule("post_dose.same_day", _SAME_DAY, _build_same_day),
    Rule("post_dose.plus_hours", _PLUS_HOURS, _build_plus_hours),
    word_rule("post_dose.after_each", _AFTER_EACH, _build_after_each),
    word_rule("post_dose.about_dose", _ABOUT_DOSE, _build_about_dose),
    word_rule("post_dose.adjective", _DOSE_ADJECTIVE, _build_dose_adjective),
    word_rule("elapsed.month_n", _MONTH_N, _build_month_n),
    word_rule("cycle_day.range", _CYCLE_RANGE, _build_cycle_range),
    word_rule("cycle_day.bare_cycle", _BARE_CYCLE, _build_cycle_n),
    word_rule("interval.weekdays", _WEEKDAYS, _build_weekdays),
    word_rule("date.relative_day", _RELATIVE_DAY, _build_relative_day),
    word_rule("cycle_day.week_n", _WEEK_N, _build_week_n),
    Rule("cycle_day.upper_cycle", compile_pattern(_UPPER_CYCLE), _build_upper_cycle),
    Rule("interval.frequency", compile_pattern(_FREQUENCY), _build_frequency),
    Rule("count.digits", _COUNT_DIGITS, _build_count),
    Rule("count.words", _COUNT_WORDS, _build_count, at_number_words=True),
)

# Where a spelled-out number starts ("three days", "an hour"; not "a few days").
_NUMBER_WORD_START = compile_pattern(
    rf"{NUMBER_WORDS}|\b(?:an?|single)(?=\s+(?:min|hour|hr|day|week|wk|fortnight|month|year))"
)
# Found fast where a number word may start: its first three letters ("twe" of "twenty-one"),
# or an article and a space; _number_word_starts keeps those where _NUMBER_WORD_START matches.
_NUMBER_WORD_FINDER = compile_pattern(
    "|".join(sorted({word[:3] for word in WORD_VALUES if word not in ("a", "an")}) + [r"an?\s"])
)


def _number_word_starts(text: str) -> list[int]:
    """Starts of ``_NUMBER_WORD_START.finditer(text)``, trying the pattern only where the
    finder matches at the start of a word (the pattern's own ``\b``)."""
    starts: list[int] = []
    position = 0
    for found in _NUMBER_WORD_FINDER.finditer(text):
        start = found.start()
        if start < position or (start and (text[start - 1].isalnum() or text[start - 1] == "_")):
            continue
        match = _NUMBER_WORD_START.match(text, start)
        if match is not None:
            starts.append(start)
            position = match.end()
    return starts
# Text without a digit and without any of these cannot hold an expression.
_TIME_WORDS = (
    "hour", "hr", "min", "day", "week", "wk", "fortnight", "month", "mo", "year", "yr",
    "night", "morning", "evening", "afternoon", "interval", "cycle", "dose", "dosing", "infusion",
    "injection", "admin",
    "inj", "episode", "course",
)  # fmt: skip
_DIGIT = re.compile(r"\d")


def _may_hold_expressions(text: str) -> bool:
    if _DIGIT.search(text):
        return True
    lowered = text.lower()
    return any(word in lowered for word in _TIME_WORDS)


_GATES = tuple(Gate.of(rule.pattern) for rule in RULES)
_STARTS = tuple(start_finder(rule.pattern) for rule in RULES)  # "24 h", "13/05", "2024", "q2w"


def _matches(ctx: MatchContext) -> list[tuple[int, Rule, re.Match[str]]]:
    """Every rule's regex matches in the text, with the rule's priority. They depend on the
    text only, so a second reading with other settings reuses them."""
    text = ctx.lowered
    folded = fold(text)
    found: list[tuple[int, Rule, re.Match[str]]] = []
    word_starts: list[int] | None = None
    starts: dict[str, list[int] | None] = {}  # candidate starts by finder, shared by rules
    for priority, rule in enumerate(RULES):
        if not _GATES[priority].admits(folded):
            continue  # the words every match of the rule holds are not in the text
        matches: Iterable[re.Match[str] | None]
        if rule.at_number_words:
            if word_starts is None:
                word_starts = _number_word_starts(text)
            matches = (rule.pattern.match(text, position) for position in word_starts)
        else:
            finder = _STARTS[priority]
            if finder is not None and finder.pattern not in starts:
                starts[finder.pattern] = candidate_starts(finder, text)
            candidates = starts[finder.pattern] if finder is not None else None
            if candidates is not None:  # tried only where a match can start: the same matches
                matches = finditer_at(rule.pattern, text, candidates)
            else:
                matches = rule.pattern.finditer(text)
        for match in matches:
            if match is None:
                continue
            start = match.start()
            if rule.word_start and start and (text[start - 1].isalnum() or text[start - 1] == "_"):
                continue
            found.append((priority, rule, match))
    return found


def _candidates(ctx: MatchContext,
                matches: list[tuple[int, Rule, re.Match[str]]] | None = None) -> list[tuple[int, int, int, TimeValue]]:
    found: list[tuple[int, int, int, TimeValue]] = []
    for priority, rule, match in _matches(ctx) if matches is None else matches:
        value = rule.build(match, ctx)
        if value is not None and value.end > value.start:
            found.append((value.start, value.end, priority, value))
    return found


class _ReferenceReads:
    """Settings that note whether a builder read the reference date: a value built without it
    is the same under another reference date, so a second reading keeps it."""

    def __init__(self, settings: TemporalSettings) -> None:
        self._settings = settings
        self.read = False

    def __getattr__(self, name: str) -> Any:
        if name in ("reference_date", "reference_is_written_date"):
            self.read = True
        return getattr(self._settings, name)


_Built = list[tuple["TimeValue | None", bool]]  # each match's value, and whether it read the reference


def _build(ctx: MatchContext, matches: list[tuple[int, Rule, re.Match[str]]], earlier: _Built | None = None) -> _Built:
    """Each match's value; with ``earlier`` (the same matches built under other settings), only
    those that read the reference date are built again."""
    watched = _ReferenceReads(ctx.settings)
    watched_ctx = replace(ctx, settings=cast(TemporalSettings, watched))
    built: _Built = []
    for index, (_, rule, match) in enumerate(matches):
        if earlier is not None and not earlier[index][1]:
            built.append(earlier[index])
            continue
        watched.read = False
        built.append((rule.build(match, watched_ctx), watched.read))
    return built


def _found(matches: list[tuple[int, Rule, re.Match[str]]], built: _Built) -> list[tuple[int, int, int, TimeValue]]:
    return [(value.start, value.end, priority, value)
            for (priority, _, _), (value, _) in zip(matches, built, strict=True)
            if value is not None and value.end > value.start]


def _select(candidates: list[tuple[int, int, int, TimeValue]]) -> list[TimeValue]:
    """Keep the longest candidates that do not overlap; ties go to the earlier rule."""
    ordered = sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0], c[2]))
    starts: list[int] = []
    ends: list[int] = []
    kept: list[TimeValue] = []
    for start, end, _, value in ordered:
        index = bisect.bisect_left(starts, start)
        if index > 0 and ends[index - 1] > start:
            continue
        if index < len(starts) and starts[index] < end:
            continue
        starts.insert(index, start)
        ends.insert(index, end)
        kept.insert(index, value)
    return kept


def find_time_expressions(text: str, settings: TemporalSettings | None = None) -> list[TimeValue]:
    """Find every time expression in a text.

    Matches never overlap: the longest wins ("every 35-40 days" over "35-40
    days"; "2d after C2D1" over "C2D1"). Values are sorted by start and
    ``text[v.start:v.end] == v.text`` holds for each.

    Args:
        text: A case report paragraph or a clinical note.
        settings: Day/month order and the reference date for dates without a
            year; defaults to ``TemporalSettings()``.

    Returns:
        The values found, possibly empty.

    Example:
        >>> [v.text for v in find_time_expressions(
        ...     "febrile episodes occur 24-48 h post-administration every 35-40 days")]
        ['24-48 h post-administration', 'every 35-40 days']
    """
    if not text or not _may_hold_expressions(text):
        return []
    ctx = MatchContext.for_text(text, settings or TemporalSettings())
    return _select(_candidates(ctx))


def find_time_expressions_in_narrative(text: str, settings: TemporalSettings | None = None) -> list[TimeValue]:
    """Like :func:`find_time_expressions`, but a date written without a year takes the
    year of the nearest dated expression before it in the same text.

    Case reports write "started elranatamab on 4 March 2024 ... two days after the dose
    of 13 May": 13 May is 2024-05-13. Without any dated expression before it, the first
    one after it gives the year; with no year anywhere, no date is produced (never a
    guess). A ``reference_date`` in ``settings`` (the document date) takes precedence.

    Example:
        >>> [v.date for v in find_time_expressions_in_narrative(
        ...     "started on 4 March 2024; fever on 13 May") if v.kind == "date"]
        ['2024-03-04', '2024-05-13']
    """
    settings = settings or TemporalSettings()
    if not text or not _may_hold_expressions(text):
        return []
    ctx = MatchContext.for_text(text, settings)
    matches = _matches(ctx)  # the regexes run once; the second reading only rebuilds values
    built = _build(ctx, matches)  # that read the reference date
    first = _select(_found(matches, built))
    if settings.reference_date is not None:
        return _with_days_of_month(text, first)
    years = [(v.start, v.date[:4]) for v in first if v.kind in ("date", "date_list") and v.date]
    years += [(v.start, v.dates[0][:4]) for v in first if v.kind == "date_list" and v.dates]
    years.sort()
    if not years:
        return _with_days_of_month(text, first)
    dated_months = sorted((v.start, v.date) for v in first if v.kind == "date" and v.date and len(v.date) >= 7)
    reference = datetime.date(int(years[0][1]), 1, 1)
    second_ctx = replace(ctx, settings=replace(settings, reference_date=reference, reference_is_written_date=False))
    second = _select(_found(matches, _build(second_ctx, matches, built)))
    known = {(v.start, v.end): v for v in first}
    result: list[TimeValue] = []
    for value in second:
        if (value.start, value.end) in known:
            result.append(known[(value.start, value.end)])
            continue
        if value.anchor == ANCHOR_DOCUMENT_DATE:
            continue  # "yesterday" needs the document's own date, not a year from the text
        before = [year for start, year in years if start < value.start]
        year = before[-1] if before else years[0][1]
        # a month well before the last dated month is in the next year: "started in Nov 2024 ...
        # fever after the 3/3 dose" is 3 March 2025
        months = [(start, date) for start, date in dated_months if start < value.start]
        if before and months and value.date and len(value.date) >= 7 and months[-1][1][:4] == year \
                and int(value.date[5:7]) < int(months[-1][1][5:7]) - 2:
            year = str(int(year) + 1)
        year = _year_of_weekday(text, value, year)
        result.append(replace(value, date=_with_year(value.date, year),
                              dates=tuple(_with_year(d, year) or d for d in value.dates)))
    return _with_days_of_month(text, result)


_WEEKDAY_BEFORE = re.compile(r"\b(?P<wd>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+(?:the\s+)?\Z", re.IGNORECASE)


def _year_of_weekday(text: str, value: TimeValue, year: str) -> str:
    """The year, near the one the narrative gives, in which a year-less date written with its
    weekday falls on that weekday ("Fri 6th December" in a diary that names no year of
    treatment: 2024, not the 2023 of an aunt's CAR-T two paragraphs up)."""
    weekday = _WEEKDAY_BEFORE.search(text, max(0, value.start - 14), value.start)
    if weekday is None or not value.date or len(value.date) != 10:
        return year
    wanted = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(weekday.group("wd").lower())
    month, day = int(value.date[5:7]), int(value.date[8:10])
    for shift in (0, 1, -1, 2, -2, 3, -3):
        try:
            if datetime.date(int(year) + shift, month, day).weekday() == wanted:
                return str(int(year) + shift)
        except ValueError:
            continue  # 29 February
    return year


# "the dose on the 17th was followed by fever on the 18th": a day of the month, read in the
# month of the last full date before it (the next month when the day has already passed)
_DAY_OF_MONTH = re.compile(
    r"the\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)\b"
    r"(?!\s+(?:of\s+(?:the\s+)?)?(?:dose|doses|cycle|cycles|infusion|infusions|injection|injections|day|days|"
    r"week|weeks|month|months|line|lines|episode|episodes|administration|time|percentile|floor|"
    r"course|session|treatment|hour|hours)\b)",
    re.IGNORECASE)


# "the Saturday after (19th)": a day of the month in brackets
_DAY_IN_PARENS = re.compile(r"(?<=\()(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)(?=\))", re.IGNORECASE)
_DAY_PREP_BEFORE = re.compile(r"\b(?:on|of|from|until|by)\s+\Z", re.IGNORECASE)


def _with_days_of_month(text: str, found: list[TimeValue]) -> list[TimeValue]:
    found = found + _days_of_month(text, found)
    return sorted(found + _weekday_entries(text, found), key=lambda v: v.start)


# an entry of a log dated by its weekday only: "Wednesday, 3:00 AM - After-hours call from wife"
_WEEKDAY_ENTRY = re.compile(rf"^[ \t]*(?P<wd>{'|'.join(WEEKDAY_STEMS)})day,?[ \t]+"
                            r"(?=\d{1,2}[:.]\d{2}|\d{1,2}\s*[ap]m)", re.IGNORECASE | re.MULTILINE)


def _weekday_entries(text: str, found: list[TimeValue]) -> list[TimeValue]:
    """Log entries headed by a weekday alone, each the first such weekday after the last full
    date before it (within 600 characters): "Tuesday 03/04/2025, 9:30 AM - dose ... Wednesday,
    3:00 AM - call: T 101.4 °F" is 5 March."""
    full = sorted((v.start, v.date) for v in found if v.kind == KIND_DATE and v.date and len(v.date) == 10)
    added: list[TimeValue] = []
    for match in _WEEKDAY_ENTRY.finditer(text):
        before = [d for s, d in full if s < match.start() and match.start() - s <= 600]
        if not before:
            continue
        anchor = datetime.date.fromisoformat(before[-1])  # type: ignore[arg-type]
        wanted = WEEKDAY_STEMS.index(match.group("wd").lower())
        ahead = (wanted - anchor.weekday()) % 7 or 7
        when = anchor + datetime.timedelta(days=ahead)
        start = match.start("wd")
        end = match.end("wd") + 3
        added.append(TimeValue(kind=KIND_DATE, text=text[start:end], start=start, end=end, date=when.isoformat(),
                               anchor=ANCHOR_NAMED_DATE, anchor_text=before[-1]))
    return added


def _days_of_month(text: str, found: list[TimeValue]) -> list[TimeValue]:
    """Dates written as a bare day of the month, each resolved against the nearest full date
    before it (within 600 characters); none without such a date."""
    full = sorted((v.start, v.date) for v in found if v.kind == KIND_DATE and v.date and len(v.date) == 10)
    taken = [(v.start, v.end) for v in found]
    added: list[TimeValue] = []
    matches = [(m, True) for m in _DAY_OF_MONTH.finditer(text)] + [(m, False) for m in _DAY_IN_PARENS.finditer(text)]
    for match, needs_prep in matches:
        if needs_prep and not _DAY_PREP_BEFORE.search(text, max(0, match.start() - 7), match.start()):
            continue  # "on the 4th", "of the 17th"; not "the 2nd dose"
        start, end = match.start(), match.end()
        if any(s < end and start < e for s, e in taken):
            continue
        before = [d for s, d in full if s < start and start - s <= 600]
        if not before:
            continue
        anchor = datetime.date.fromisoformat(before[-1])  # type: ignore[arg-type]
        day = int(match.group("d"))
        year, month = anchor.year, anchor.month
        if day < anchor.day:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        try:
            when = datetime.date(year, month, day)
        except ValueError:
            continue
        added.append(TimeValue(kind=KIND_DATE, text=text[start:end], start=start, end=end, date=when.isoformat(),
                               anchor=ANCHOR_NAMED_DATE, anchor_text=before[-1]))
    return added


def _with_year(date: str | None, year: str) -> str | None:
    return f"{year}{date[4:]}" if date else date


_STRIP = " \t\r\n.,;:()[]{}\"'"
_IGNORABLE_PREFIX = compile_pattern(r"(?:(?:in|on|during|with|of|from|the)\s+)*")


def normalize(expression: str, settings: TemporalSettings | None = None) -> TimeValue | None:
    """Parse one time expression, or return ``None``.

    Surrounding whitespace and punctuation are ignored, and so are leading "in",
    "on", "during", "with" ("in July 2023", "on D4"). The whole expression must
    be read, or nothing is returned: "grade 2", "8 mg/kg", "39 °C", "IgG kappa"
    give ``None``, never a guess.

    Args:
        expression: A single expression ("24–48 h post-administration").
        settings: Day/month order and reference date.

    Returns:
        The value, with offsets into ``expression``, or ``None``.

    Example:
        >>> normalize("every 35–40 days").interval_days
        (35.0, 40.0)
        >>> normalize("grade 1-2") is None
        True
    """
    stripped = expression.strip(_STRIP)
    if not stripped:
        return None
    offset = expression.find(stripped)
    ctx = MatchContext.for_text(stripped, settings or TemporalSettings(), whole=True)
    values = _select(_candidates(ctx))
    if len(values) != 1:
        return None
    value = values[0]
    if value.end != len(stripped) or not _IGNORABLE_PREFIX.fullmatch(ctx.lowered[: value.start]):
        return None
    return replace(value, start=value.start + offset, end=value.end + offset)


__all__ = ["RULES", "find_time_expressions", "find_time_expressions_in_narrative", "normalize"]
