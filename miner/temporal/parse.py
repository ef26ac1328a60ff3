"""Find and normalize clinical time expressions in plain text.

The two entry points are :func:`find_time_expressions` (every expression in a
text, non-overlapping, longest match wins) and :func:`normalize` (one
expression, or ``None``). Both are pure: no spaCy, no I/O, regexes compiled at
import.

Readings chosen (see also the module README section):

* "biweekly" and "bi-weekly" mean every two weeks (14 days), as in oncology
  practice ("biweekly outpatient infusions" of talquetamab 0.8 mg/kg);
  "twice weekly" is 3.5 days.
* "monthly", "every month", "once a month" are 30 days; "Q4W" is 28 days.
* "POD 2" / "post-dose day 2" is day 2 after a dose (anchor ``dose``).
* "after every dose", "with each infusion", "soon after infusions" are
  ``post_dose`` values without hours, anchored to ``each_dose`` and periodic.
* "the next day" / "the day after the injection" are 24 h after a dose;
  "overnight after dosing" is 0-24 h, approximate.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from miner.temporal.dates import DATE_RULES
from miner.temporal.matching import MatchContext, Rule, compile_pattern, make_value
from miner.temporal.numbers import (
    NUMBER,
    NUMBER_NO_ARTICLE,
    ORDINAL,
    RANGE_SEPARATOR,
    UNIT,
    UNIT_GUARD,
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
    ANCHOR_STEP_UP,
    KIND_COUNT,
    KIND_CYCLE_DAY,
    KIND_ELAPSED,
    KIND_INTERVAL,
    KIND_POST_DOSE,
    TemporalSettings,
    TimeValue,
)

# --------------------------------------------------------------------------- fragments

# A number may not continue a word, a decimal, a ratio or a hyphenated name
# ("COVID-19", "IL-6", "C1D2", "mg/24 h").
_NUM_START = r"(?<![\w.,/+\-–—:#])"

_QUALIFIER = (
    r"(?:\b(?P<qual>within|after|before|at|up\s+to|for|over|since|until|by|less\s+than|under|"
    r"(?:within|in|during)\s+the\s+first|the\s+first)\s+)?"
)
_APPROX = (
    r"(?:(?P<approx>[~≈∼]|\b(?:approximately|approx\.?|about|roughly|around|nearly|almost|"
    r"circa|ca\.))\s*)?"
)
_QUANTITY = (
    rf"(?:\bbetween\s+(?P<blo>{NUMBER})\s*(?:{UNIT}\s*)?and\s+(?P<bhi>{NUMBER})"
    rf"|{_NUM_START}(?P<lo>{NUMBER})(?:(?:\s*-?\s*(?P<u1>{UNIT}))?{RANGE_SEPARATOR}(?P<hi>{NUMBER}))?)"
)
_AMOUNT = rf"{_QUALIFIER}{_APPROX}{_QUANTITY}\s*-?\s*(?P<unit>{UNIT}){UNIT_GUARD}"

_DOSE_WORDS = r"doses?|dosing|infusions?|injections?|administrations?|inj\.?|admin"
_DOSE_NOUN = rf"(?P<noun>{_DOSE_WORDS})\b"
_POST_MODIFIER = (
    r"(?:the|each|every|all|first|1st|initial|second|2nd|third|3rd|last|final|previous|prior|"
    r"step[\s-]*up|priming|full|treatment|maintenance|weekly|biweekly|drug|sc|iv|bsab)"
)
# "post-infusion", "post first dose", "post-step-up dose"
_POST_TAIL = rf"post[\s-]*(?P<pmods>(?:{_POST_MODIFIER}[\s-]+){{0,3}})(?P<pnoun>{_DOSE_WORDS})\b"
# "after the second dose", "of each infusion", "following each weekly injection"
_AFTER_TAIL = (
    r"(?P<conn>after|following|from|of|since)\s+(?P<amods>(?:[\w./%-]+\s+){0,3}?)"
    rf"(?P<anoun>{_DOSE_WORDS})\b"
)
# "after C2D1"
_CD_TAIL = r"(?:after|following|post[\s-]*)\s*(?:the\s+)?(?P<tc_text>C(?P<tc>\d{1,2})\s*D(?P<td>\d{1,2}))\b"
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
_NUMBERISH = re.compile(
    rf"^(?:\d|{NUMBER_NO_ARTICLE}|{ORDINAL}|two|three|several|few|some|many|multiple)",
    re.IGNORECASE,
)
_INIT_WORDS = re.compile(
    r"\b(?:start\w*|initiat\w*|commenc\w*|beginning|discontinu\w*|cessation|stop\w*|end)\b",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- helpers


def _number(text: str | None) -> float | None:
    return None if text is None else parse_number(text)


def _quantity(match: re.Match[str]) -> tuple[float, float, str, str] | None:
    """Return ``(low, high, low_unit, high_unit)`` of a matched amount, or ``None``."""
    unit = canonical_unit(match.group("unit"))
    if unit is None:
        return None
    low_text = match.group("lo") or match.group("blo")
    high_text = match.group("hi") or match.group("bhi")
    low = _number(low_text)
    high = _number(high_text) if high_text else low
    if low is None or high is None or high < low:
        return None
    low_unit = canonical_unit(match.group("u1")) if match.group("u1") else unit
    if low_unit is None:
        return None
    unit_text = match.group("unit")
    if len(unit_text) == 1 and not (low_text or "")[:1].isdigit():
        return None  # "two d", "a h": words go with spelled-out units
    return low, high, low_unit, unit


def _approximate(match: re.Match[str]) -> bool:
    return match.group("approx") is not None


def _qualifier(match: re.Match[str]) -> str | None:
    qualifier = match.group("qual")
    if qualifier is None:
        return None
    qualifier = re.sub(r"\s+", " ", qualifier.lower())
    return {
        "over": "for",
        "less than": "within",
        "under": "within",
        "within the first": "within",
        "in the first": "within",
        "during the first": "within",
        "the first": "within",
    }.get(qualifier, qualifier)


def _dose_anchor(mods: str, noun: str) -> str:
    """Classify what a dose phrase points to.

    "the first step-up dose" -> ``step_up``; "post-first dose" -> ``first_dose``;
    "each weekly injection", "infusions" -> ``each_dose``; "the second dose" -> ``dose``.
    """
    words = set(re.findall(r"[a-z0-9]+", mods.lower().replace("step-up", "stepup")))
    compact = re.sub(r"[\s-]+", "", mods.lower())
    if "stepup" in compact or "priming" in words:
        return ANCHOR_STEP_UP
    if words & {"first", "1st", "initial"}:
        return ANCHOR_FIRST_DOSE
    if words & _EACH_WORDS or (noun.lower().endswith("s") and noun.lower() != "dos"):
        return ANCHOR_EACH_DOSE
    return ANCHOR_DOSE


def _preceded_by(ctx: MatchContext, start: int, pattern: re.Pattern[str]) -> bool:
    return pattern.search(ctx.text, max(0, start - 24), start) is not None


_EVERY_BEFORE = re.compile(r"\b(?:every|each|q)\s*$", re.IGNORECASE)
# "occurred consistently 48 h post-infusion": a recurrence although no "each" is written.
_HABITUAL_BEFORE = re.compile(
    r"\b(?:consistently|regularly|repeatedly|invariably|always|typically|reliably)\s*$",
    re.IGNORECASE,
)
_GRADE_BEFORE = re.compile(r"\b(?:grade|gr\.?|g|stage|type|phase)\s*$", re.IGNORECASE)
_AGE_BEFORE = re.compile(r"\b(?:aged?|age\s+of)\s*$", re.IGNORECASE)

# --------------------------------------------------------------------------- cycle and day

_CD_SUFFIX = (
    rf"(?:\s*(?:post|after|following)[\s-]*(?P<smods>(?:{_POST_MODIFIER}[\s-]+){{0,3}})"
    r"(?P<snoun>doses?|dosing|infusions?|injections?|administrations?)\b"
    r"|\s+of\s+(?P<sinit>treatment|therapy|[a-z]+mab)\b)?"
)
_CYCLE_DAY_C = compile_pattern(r"\bC(?P<c>\d{1,2})\s*,?\s*D\s*(?P<d>\d{1,2})\b")
_CYCLE_DAY_WORDS = compile_pattern(
    r"\bcycle\s*(?P<c>\d{1,2})\s*,?\s*(?:day|D)\s*(?P<d>\d{1,2})\b"
)
_DAY_OF_CYCLE = compile_pattern(
    r"\b(?:day|D)\s*(?P<d>\d{1,2})\s*(?:of\s+|,\s*)?(?:cycle\s*|C)(?P<c>\d{1,2})\b"
)
_DAY_PLUS = compile_pattern(rf"\b(?:day|D)\s*\+\s*(?P<d>\d{{1,3}})\b{_CD_SUFFIX}")
_DAY_N = compile_pattern(rf"\bday\s*#?\s*(?P<d>\d{{1,3}})\b(?![.,]\d){_CD_SUFFIX}")
_D_N = compile_pattern(
    r"(?:\b(?P<prep>on|at|by|from|until|till|through|since|before|after|around)\s+)?"
    rf"(?P<v>\bD(?P<d>\d{{1,2}})\b(?![.,]\d){_CD_SUFFIX})"
)
_POST_DOSE_DAY = compile_pattern(
    r"\b(?:POD\s*#?\s*|post[\s-]*(?:dose|infusion|injection)\s+day\s*)(?P<d>\d{1,2})\b"
)
_CYCLE_ONLY = compile_pattern(
    rf"\b(?:cycle\s*#?\s*(?P<c>\d{{1,2}})\b(?!\s*[-–]\s*\d)|(?P<ord>{ORDINAL})\s+cycle\b)"
)


def _cd_anchor(match: re.Match[str]) -> tuple[str | None, str | None]:
    noun = match.group("snoun")
    if noun is not None:
        suffix_start = match.start("smods") if match.group("smods") else match.start("snoun")
        anchor_text = match.string[suffix_start : match.end("snoun")]
        return _dose_anchor(match.group("smods") or "", noun), anchor_text
    if match.group("sinit"):
        return ANCHOR_INITIATION, match.group("sinit")
    return None, None


def _build_cycle_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    cycle = int(match.group("c"))
    day = int(match.group("d"))
    if cycle == 0 or cycle > 60 or day > 60:
        return None
    return make_value(KIND_CYCLE_DAY, match, ctx, cycle=cycle, day=day)


def _build_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    anchor, anchor_text = _cd_anchor(match)
    return make_value(
        KIND_CYCLE_DAY, match, ctx, day=int(match.group("d")), anchor=anchor, anchor_text=anchor_text
    )


def _build_d_n(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    anchor, anchor_text = _cd_anchor(match)
    if not (ctx.whole or match.group("prep") or anchor):
        return None  # a bare "D3" in running text may be vitamin D3
    return make_value(
        KIND_CYCLE_DAY, match, ctx, day=int(match.group("d")), anchor=anchor, anchor_text=anchor_text
    )


def _build_post_dose_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    return make_value(KIND_CYCLE_DAY, match, ctx, day=int(match.group("d")), anchor=ANCHOR_DOSE)


def _build_cycle_only(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    cycle = int(match.group("c")) if match.group("c") else parse_ordinal(match.group("ord"))
    if cycle is None or cycle == 0 or cycle > 60:
        return None
    return make_value(KIND_CYCLE_DAY, match, ctx, cycle=cycle)


# --------------------------------------------------------------------------- after a dose

_POST_DOSE = compile_pattern(rf"{_AMOUNT}\s*,?\s*{_DOSE_TAIL}")
_DAY_AFTER_DOSE = compile_pattern(
    rf"\bthe\s+day\s+(?P<conn>after|following)\s+(?P<amods>(?:[\w./%-]+\s+){{0,3}}?){_DOSE_NOUN}"
)
_NEXT_DAY = compile_pattern(r"\b(?:the\s+)?(?:next|following|subsequent)\s+day\b")
_OVERNIGHT = compile_pattern(
    rf"\bovernight\s+(?:after|following|post)[\s-]*(?P<amods>(?:[\w./%-]+\s+){{0,3}}?){_DOSE_NOUN}"
)
_SOON_AFTER = compile_pattern(
    r"\b(?P<adv>soon|shortly|immediately|right|directly|promptly)\s+(?:after|following|post)[\s-]*"
    rf"(?P<amods>(?:[\w./%-]+\s+){{0,3}}?){_DOSE_NOUN}"
)
_AFTER_EACH = compile_pattern(
    r"\b(?P<conn>after|following|with|post|followed|follows|follow)[\s-]+"
    rf"(?P<amods>(?:[\w./%-]+\s+){{0,2}}?){_DOSE_NOUN}"
)


def _dose_tail_fields(match: re.Match[str]) -> dict[str, object]:
    """Anchor, anchor text and cycle/day of the dose phrase of a ``post_dose`` match."""
    if match.group("tc") is not None:
        return {
            "anchor": ANCHOR_DOSE,
            "anchor_text": match.group("tc_text"),
            "cycle": int(match.group("tc")),
            "day": int(match.group("td")),
        }
    noun_group = "pnoun" if match.group("pnoun") is not None else "anoun"
    mods_group = "pmods" if noun_group == "pnoun" else "amods"
    mods = match.group(mods_group) or ""
    start = match.start(mods_group) if mods else match.start(noun_group)
    return {
        "anchor": _dose_anchor(mods, match.group(noun_group)),
        "anchor_text": match.string[start : match.end(noun_group)],
    }


def _build_post_dose(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    quantity = _quantity(match)
    if quantity is None or _preceded_by(ctx, match.start(), _EVERY_BEFORE):
        return None
    if match.group("amods") and _INIT_WORDS.search(match.group("amods")):
        return None  # "2 weeks after starting dosing" is measured from initiation
    low, high, low_unit, unit = quantity
    qualifier = _qualifier(match)
    hours = (to_hours(low, low_unit), to_hours(high, unit))
    if qualifier in {"within", "up to"}:
        hours = (0.0, hours[1])
    fields = _dose_tail_fields(match)
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        hours=hours,
        **_durations(low, high, low_unit, unit),
        unit=unit,
        approximate=_approximate(match),
        periodic=fields["anchor"] == ANCHOR_EACH_DOSE
        or _preceded_by(ctx, match.start(), _HABITUAL_BEFORE),
        qualifier=qualifier,
        **fields,  # type: ignore[arg-type]
    )


def _build_day_after_dose(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    anchor = _dose_anchor(match.group("amods") or "", match.group("noun"))
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
        anchor_text=match.string[match.start("amods") : match.end("noun")],
        periodic=anchor == ANCHOR_EACH_DOSE,
        qualifier="after",
    )


def _build_next_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        hours=(24.0, 24.0),
        duration="P1D",
        duration_min="P1D",
        duration_max="P1D",
        unit="day",
        qualifier="after",
    )


def _build_overnight(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    anchor = _dose_anchor(match.group("amods") or "", match.group("noun"))
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        hours=(0.0, 24.0),
        anchor=anchor,
        anchor_text=match.string[match.start("amods") : match.end("noun")],
        approximate=True,
        periodic=anchor == ANCHOR_EACH_DOSE,
        qualifier="within",
    )


def _build_soon_after(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    anchor = _dose_anchor(match.group("amods") or "", match.group("noun"))
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        anchor=anchor,
        anchor_text=match.string[match.start("amods") : match.end("noun")],
        periodic=anchor == ANCHOR_EACH_DOSE,
        qualifier="soon",
    )


def _build_after_each(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    mods = match.group("amods") or ""
    first_word = mods.split()[0].lower() if mods.split() else ""
    if _NUMBERISH.match(first_word) or _INIT_WORDS.search(mods):
        return None  # "after two doses" is a count; "after starting dosing" is initiation
    anchor = _dose_anchor(mods, match.group("noun"))
    if anchor != ANCHOR_EACH_DOSE:
        return None  # "after the infusion" alone says nothing about timing
    conn = match.group("conn").lower()
    return make_value(
        KIND_POST_DOSE,
        match,
        ctx,
        anchor=anchor,
        anchor_text=match.string[match.start("amods") : match.end("noun")],
        periodic=True,
        qualifier="after" if conn != "with" else "at",
    )


def _durations(low: float, high: float, low_unit: str, unit: str) -> dict[str, str | None]:
    minimum = iso_duration(low, low_unit)
    maximum = iso_duration(high, unit)
    return {
        "duration": minimum if minimum == maximum else None,
        "duration_min": minimum,
        "duration_max": maximum,
    }


# --------------------------------------------------------------------------- intervals

_EVERY_AMOUNT = compile_pattern(
    rf"(?:(?P<approx0>approximately|roughly|about|around|nearly)\s+)?"
    rf"\b(?:once\s+)?(?:every|each|q\.?)\s+{_APPROX}{_QUANTITY}\s*-?\s*(?P<unit>{UNIT})"
    rf"(?:\s*(?P<cyc>cycles?)\b)?(?:\s*,?\s*{_DOSE_TAIL})?"
)
_EVERY_OTHER = compile_pattern(
    r"\bevery\s+(?P<ord>other|second|alternate|third|fourth)\s+(?P<unit>day|week|month)\b"
)
_EVERY_UNIT = compile_pattern(
    r"\b(?:every|each|once\s+a|once\s+per|once\s+every|per)\s+"
    r"(?P<unit>day|week|fortnight|month|year|cycle|treatment\s+cycle)\b"
)
_ADVERB = compile_pattern(
    r"\b(?:(?P<times>once|twice|thrice|two\s+times|three\s+times)[\s-]+(?:a\s+|per\s+)?)?"
    r"(?P<word>bi-?weekly|fortnightly|weekly|week|semi-?weekly|monthly|month|"
    r"(?P<nweek>two|three|four|2|3|4|six|6)[\s-]+weekly)\b"
)
_Q_NOTATION = compile_pattern(
    r"(?<![\w./-])q\.?\s?(?P<n>\d{1,2})?\s?(?P<unit>weeks?|wks?|w|days?|d|months?|mo|m|hours?|hrs?|h)"
    r"(?![\w/])"
)
_AT_INTERVALS = compile_pattern(
    r"\b(?:at|in)\s+(?:(?:regular|predictable|fixed|similar|periodic|repeated|consistent|"
    r"roughly\s+regular|recurring|cyclic|cyclical)\s+)+intervals\b"
)
_N_DAY_CYCLES = compile_pattern(
    rf"{_NUM_START}(?P<n>\d{{1,2}})[\s-]*(?P<unit>day|week)s?\s+(?:treatment\s+)?cycles?\b"
)

_TIMES = {"once": 1.0, "twice": 2.0, "thrice": 3.0, "two times": 2.0, "three times": 3.0}
_N_WEEKLY = {"two": 2, "three": 3, "four": 4, "six": 6}


def _interval(
    match: re.Match[str],
    ctx: MatchContext,
    low: float,
    high: float,
    time_unit: str,
    **fields: object,
) -> TimeValue:
    minimum = iso_duration(low, time_unit)
    maximum = iso_duration(high, time_unit)
    return make_value(
        KIND_INTERVAL,
        match,
        ctx,
        interval_days=(to_days(low, time_unit), to_days(high, time_unit)),
        duration=minimum if minimum == maximum else None,
        duration_min=minimum,
        duration_max=maximum,
        periodic=True,
        **fields,  # type: ignore[arg-type]
    )


def _build_every_amount(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    quantity = _quantity(match)
    if quantity is None:
        return None
    low, high, low_unit, unit = quantity
    if low_unit != unit:
        return None
    fields: dict[str, object] = {
        "approximate": _approximate(match) or match.group("approx0") is not None
    }
    if match.group("cyc"):
        fields["unit"] = "cycle"
    else:
        fields["unit"] = unit
    if match.group("pnoun") or match.group("anoun") or match.group("tc"):
        fields.update(_dose_tail_fields(match))
        if fields["anchor"] == ANCHOR_DOSE:
            fields["anchor"] = ANCHOR_EACH_DOSE  # "every 30 days post-infusion"
    return _interval(match, ctx, low, high, unit, **fields)


def _build_every_other(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    multiple = {"other": 2, "second": 2, "alternate": 2, "third": 3, "fourth": 4}[
        match.group("ord").lower()
    ]
    unit = match.group("unit").lower()
    return _interval(match, ctx, multiple, multiple, unit, unit=unit)


def _build_every_unit(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    unit = match.group("unit").lower()
    if "cycle" in unit:
        return make_value(KIND_INTERVAL, match, ctx, unit="cycle", periodic=True)
    if unit == "fortnight":
        return _interval(match, ctx, 2, 2, "week", unit="week")
    if unit == "day" and match.group(0).lower().startswith("per"):
        return None  # "16 mg per day" is a dose rate, not a recurrence
    if match.group(0).lower().startswith("per"):
        return None
    return _interval(match, ctx, 1, 1, unit, unit=unit)


def _build_adverb(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    word = match.group("word").lower().replace("-", "")
    times_text = match.group("times")
    times = _TIMES[re.sub(r"\s+", " ", times_text.lower())] if times_text else 1.0
    if word in {"week", "month"} and not times_text:
        return None  # "week" alone is not a frequency
    if word in {"biweekly", "fortnightly"}:
        if times_text and times != 1.0:
            return None
        return _interval(match, ctx, 2, 2, "week", unit="week")
    if word == "semiweekly":
        return _interval(match, ctx, 3.5, 3.5, "day", unit="day")
    if match.group("nweek"):
        number = match.group("nweek").lower()
        weeks = float(_N_WEEKLY.get(number, 0) or int(number))
        return _interval(match, ctx, weeks, weeks, "week", unit="week")
    if word in {"weekly", "week"}:
        if times == 1.0:
            return _interval(match, ctx, 1, 1, "week", unit="week")
        days = 7.0 / times
        return _interval(match, ctx, days, days, "day", unit="day")
    if times == 1.0:
        return _interval(match, ctx, 1, 1, "month", unit="month")
    days = 30.0 / times
    return _interval(match, ctx, days, days, "day", unit="day")


def _build_q_notation(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    unit = canonical_unit(match.group("unit"))
    if unit is None:
        return None
    number = float(match.group("n")) if match.group("n") else 1.0
    if number == 0:
        return None
    return _interval(match, ctx, number, number, unit, unit=unit)


def _build_at_intervals(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    return make_value(KIND_INTERVAL, match, ctx, periodic=True)


def _build_n_day_cycles(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    number = float(match.group("n"))
    unit = match.group("unit").lower()
    if number == 0:
        return None
    return _interval(match, ctx, number, number, unit, unit="cycle")


# --------------------------------------------------------------------------- counts

_COUNT = compile_pattern(
    rf"{_NUM_START}(?P<n>{NUMBER_NO_ARTICLE})\s+"
    r"(?:(?:consecutive|successive|subsequent|further|additional|more|separate|recurrent|"
    r"repeated|similar|distinct|febrile|crs|prior|previous|weekly|biweekly|monthly|full|"
    r"treatment|step[\s-]*up|documented|discrete)\s+){0,2}"
    r"(?P<u>cycles?|doses?|infusions?|injections?|administrations?|episodes?|courses?)\b"
)
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
    plural = match.group("u").lower().endswith("s")
    if plural != (number > 1) or _preceded_by(ctx, match.start(), _GRADE_BEFORE):
        return None  # "grade 3 CRS episode"
    unit = _COUNT_UNITS[match.group("u").lower().rstrip("s")]
    return make_value(KIND_COUNT, match, ctx, count=int(number), unit=unit)


# --------------------------------------------------------------------------- elapsed time

_ELAPSED = compile_pattern(
    rf"{_AMOUNT}"
    r"(?:\s+(?P<rel>later|ago|earlier|previously|prior|thereafter|afterwards?|after\s+that)\b"
    rf"|\s+(?P<iconn>after|from|since|following|post)\s+{_INIT_PHRASE}"
    rf"|\s+(?P<iconn2>into|of|on)\s+{_INTO_THERAPY})?"
)

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
    quantity = _quantity(match)
    if quantity is None or _preceded_by(ctx, match.start(), _AGE_BEFORE):
        return None
    if _preceded_by(ctx, match.start(), _EVERY_BEFORE):
        return None
    low, high, low_unit, unit = quantity
    unit_text = match.group("unit")
    qualifier = _qualifier(match)
    relation = match.group("rel")
    anchor: str | None = None
    anchor_text: str | None = None
    if relation:
        relation = re.sub(r"\s+", " ", relation.lower())
        qualifier = _RELATIVE[relation]
        if relation == "ago":
            anchor = ANCHOR_DOCUMENT_DATE
    init = match.group("init") or match.group("init2")
    if init:
        anchor = ANCHOR_INITIATION
        anchor_text = re.sub(r"^the\s+", "", init, flags=re.IGNORECASE)
        qualifier = qualifier or "after"
    bare = qualifier is None and anchor is None
    low_text = (match.group("lo") or match.group("blo") or "").lower()
    if bare and low_text in {"a", "an", "single"}:
        return None  # "twice a day", "a day": not a measured interval
    if len(unit_text) == 1 and (unit_text.isupper() or unit_text.lower() == "y") and bare:
        return None  # "2D echo", "3D", "64 y"
    return make_value(
        KIND_ELAPSED,
        match,
        ctx,
        **_durations(low, high, low_unit, unit),
        unit=unit,
        anchor=anchor,
        anchor_text=anchor_text,
        approximate=_approximate(match),
        qualifier=qualifier,
    )


# --------------------------------------------------------------------------- the rule set

#: All rules; on equal spans the earlier rule wins.
RULES: tuple[Rule, ...] = (
    *DATE_RULES,
    Rule("cycle_day.c_d", _CYCLE_DAY_C, _build_cycle_day),
    Rule("cycle_day.cycle_day", _CYCLE_DAY_WORDS, _build_cycle_day),
    Rule("cycle_day.day_of_cycle", _DAY_OF_CYCLE, _build_cycle_day),
    Rule("cycle_day.day_plus", _DAY_PLUS, _build_day),
    Rule("cycle_day.day_n", _DAY_N, _build_day),
    Rule("cycle_day.d_n", _D_N, _build_d_n),
    Rule("cycle_day.post_dose_day", _POST_DOSE_DAY, _build_post_dose_day),
    Rule("cycle_day.cycle", _CYCLE_ONLY, _build_cycle_only),
    Rule("interval.every_amount", _EVERY_AMOUNT, _build_every_amount),
    Rule("interval.every_other", _EVERY_OTHER, _build_every_other),
    Rule("interval.every_unit", _EVERY_UNIT, _build_every_unit),
    Rule("interval.adverb", _ADVERB, _build_adverb),
    Rule("interval.q", _Q_NOTATION, _build_q_notation),
    Rule("interval.at_intervals", _AT_INTERVALS, _build_at_intervals),
    Rule("interval.n_day_cycles", _N_DAY_CYCLES, _build_n_day_cycles),
    Rule("elapsed.amount", _ELAPSED, _build_elapsed),
    Rule("post_dose.amount", _POST_DOSE, _build_post_dose),
    Rule("post_dose.day_after", _DAY_AFTER_DOSE, _build_day_after_dose),
    Rule("post_dose.next_day", _NEXT_DAY, _build_next_day),
    Rule("post_dose.overnight", _OVERNIGHT, _build_overnight),
    Rule("post_dose.soon_after", _SOON_AFTER, _build_soon_after),
    Rule("post_dose.after_each", _AFTER_EACH, _build_after_each),
    Rule("count.n_units", _COUNT, _build_count),
)

#: Text with none of these cannot hold an expression: skip it at once.
_QUICK_SCAN = re.compile(
    r"\d|hour|hr|min|day|week|wk|fortnight|month|mo|year|yr|night|interval|cycle|dose|dosing|"
    r"infusion|injection|administration|episode|course|inj|admin",
    re.IGNORECASE,
)


def _candidates(text: str, ctx: MatchContext) -> list[tuple[int, int, int, TimeValue]]:
    found: list[tuple[int, int, int, TimeValue]] = []
    for priority, rule in enumerate(RULES):
        for match in rule.pattern.finditer(text):
            value = rule.build(match, ctx)
            if value is not None and value.end > value.start:
                found.append((value.start, value.end, priority, value))
    return found


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


def find_time_expressions(
    text: str, settings: TemporalSettings | None = None
) -> list[TimeValue]:
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
        >>> [v.kind for v in find_time_expressions(
        ...     "febrile episodes occur 24-48 h post-administration every 35-40 days")]
        ['post_dose', 'interval']
    """
    if not text or _QUICK_SCAN.search(text) is None:
        return []
    ctx = MatchContext(text=text, settings=settings or TemporalSettings())
    return _select(_candidates(text, ctx))


_STRIP = " \t\r\n.,;:()[]{}\"'"
_IGNORABLE_PREFIX = re.compile(r"^(?:(?:in|on|during|with|of|from|the)\s+)*$", re.IGNORECASE)


def normalize(expression: str, settings: TemporalSettings | None = None) -> TimeValue | None:
    """Parse one time expression, or return ``None``.

    Surrounding whitespace and punctuation are ignored, and so are leading "in",
    "on", "during", "with" ("in July 2023", "on D4"). The whole expression must
    be read: "grade 2", "8 mg/kg", "39 °C", "IgG kappa" return ``None``.

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
    ctx = MatchContext(text=stripped, settings=settings or TemporalSettings(), whole=True)
    values = _select(_candidates(stripped, ctx))
    if len(values) != 1:
        return None
    value = values[0]
    if value.end != len(stripped) or not _IGNORABLE_PREFIX.match(stripped[: value.start]):
        return None
    return replace(value, start=value.start + offset, end=value.end + offset)


__all__ = ["find_time_expressions", "normalize"]
