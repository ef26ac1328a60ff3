"""Calendar dates: "July 2023", "3 March 2024", "14/09/2023", "on 19 June, 3 July and 31 July".

Day/month order follows :class:`~miner.temporal.values.TemporalSettings`: a part above
12 is the day whatever the setting, otherwise ``day_first`` decides. A date
written without a year takes it from ``reference_date``; without one, the date
is not produced (no guessed year). A bare year is a date only after a word
that makes it one ("diagnosed in 2019", "since 2017"): "(2025)" in a citation
is not.

Patterns start with a digit or a month name; the words before a date ("since",
"on") are read by looking back from the match, which keeps the scan fast.
"""

from __future__ import annotations

import datetime
import re

from miner.temporal.matching import (
    MatchContext,
    Rule,
    compile_pattern,
    make_value,
    source,
    word_rule,
)
from miner.temporal.values import KIND_DATE, KIND_DATE_LIST, TimeValue

_MONTHS: dict[str, int] = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

#: English month names and abbreviations ("Sept.", "Jan").
MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d(?!\d)"

#: Words before a date kept as its qualifier (and in its span).
_QUALIFIERS = {
    "since": "since",
    "until": "until",
    "till": "until",
    "before": "before",
    "after": "after",
    "by": "by",
}
_PREP_BEFORE = compile_pattern(r"\b(?P<prep>since|until|till|before|after|by|from|on|in|during|dated|of|to)\s+\Z")
# "on 04/15", "since 04/15"; not "in 3/4 patients".
# what follows a dated entry's date: a colon, a clock time, or the end of a date range
_ENTRY_AFTER = compile_pattern(r"(?::|\s+\d{1,2}:\d{2}\b|\s*[-–]\s*\d{1,2}/\d{1,2}\b)")
# where a dated list item starts: a line start, a sentence end, or a heading's colon
_ITEM_START = compile_pattern(r"(?:^|\n|[.;:]\s|\.\s+)\s*\Z")
_DAY_MONTH_PREPS = {"on", "since", "until", "till", "from", "to", "before", "after", "by", "dated"}
_PERIOD_BEFORE = compile_pattern(r"\b(?:early|mid|late|end\s+of|beginning\s+of)[\s-]+\Z")
# A bare year is a date only after one of these ("diagnosed in 2019").
_YEAR_PREP_BEFORE = compile_pattern(
    r"\b(?P<prep>in|since|during|from|until|till|by|before|after|early|late|mid|throughout)"
    r"[\s-]+\Z"
)
# "in 2019 patients" is a count of patients.
_NOT_A_YEAR_AFTER = compile_pattern(
    r"\s*(?:patients?|pts|subjects?|cases?|participants?|individuals?|people|mg|mcg|µg|ug|g|ml|"
    r"units?|iu|cells?|copies|%)\b"
)
_NUMBER_AFTER = compile_pattern(r"\s*(?:[-–/.]\s*|:)?\d")  # ("April 22: 38.4 °C" is a date and its reading)

# "3 March 2024", "4th of March, 2024", "19 June" (year from the reference date)
_DAY_MONTH = compile_pattern(
    # (not the end of a span of days: "admitted 22-24 May" is no one day)
    rf"(?<![\w.])(?<!\d-)(?<!\d–)(?<!\d -)(?P<day>{_DAY})\s+(?:of\s+)?(?P<mon>{MONTH_NAME})"
    # (no year: then no number that could be one may follow, "19 June '24"; a reading may:
    # "(17th June, 38.5 °C; 1st July, 39.0 °C)")
    rf"(?:,?\s+(?P<year>{_YEAR}))?(?(year)|(?![\s,]*['’]?\d{{1,4}}(?![\d.,:])))"
)
# "06JAN2025" (SAS, trial listings), "08-May-2025", "15-APR-2025" (NHS letters, line listings)
_DAY_MON_YEAR = compile_pattern(
    r"(?<![\w-])(?P<day>[0-3]?\d)(?P<sep>-?)(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?P=sep)"
    # ("3-May-25": a two-digit year only with the dashes)
    r"(?P<year>(?:19|20)\d\d|\d\d)(?![\w-])"
)
# "Jun-03", "Apr-22" (a dated table's first column): month and day, the year from the reference
# date; when the number could as well be that year or the one before or after ("Jan-25" in a
# 2025 text: 25 January or January 2025?) there is no reading
_MON_DASH_DAY = r"\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)-(?P<day>[0-3]\d)(?![\w-]|[.,]\d)"
# "March 3, 2024", "July 2023", "Jan. 2025", "June 19" (year from the reference date)
_MONTH_FIRST = rf"\b(?P<mon>{MONTH_NAME})(?:\s+(?P<day>{_DAY})(?!\d|:\d))?(?:,?\s+(?P<year>{_YEAR}))?"
# "2024-03-05", "14/09/2023", "09-14-2023", "14.09.2023", "14/09/23", "03/2024", "04/15"
_NUMERIC = compile_pattern(
    r"(?<![\w./-])(?P<p1>\d{1,4})(?P<sep>[/.-])(?P<p2>\d{1,4})(?:(?P=sep)(?P<p3>\d{1,4}))?"
    r"(?![\w/-]|[.-]\d)"
)
# what may stand before a dotted date with a two-digit year ("On 14.4.25", "the 3.3.25, 17.3.25
# and 31.3.25", "given 28.4.25"): a word (not "version", "table", "grade" ...) or a comma
_SHORT_DOTTED_LEAD = re.compile(
    r"(?:\b(?!(?:version|v|release|figure|fig|table|section|chapter|step|grade|stage|level|no)\s)[a-z]+|,)\s+\Z")
# "in 2019", "since 2017"
_YEAR_ONLY = compile_pattern(r"(?<![\w./-])(?P<year>(?:19|20)\d\d)(?![\w/]|[.-]\d)")

_LIST_ITEM = rf"(?:{_DAY}\s+(?:of\s+)?{MONTH_NAME}|{MONTH_NAME}\s+{_DAY}(?!\d))(?:,?\s+{_YEAR})?"
# "19 June, 3 July, 17 July and 31 July"
_DATE_LIST = compile_pattern(rf"(?<![\w.]){_LIST_ITEM}(?:\s*,\s*(?:and\s+)?{_LIST_ITEM}|\s+and\s+{_LIST_ITEM})+")
# "the 4th and 18th of March", "4, 11 and 18 March 2025": days sharing a month
_SHARED_DAYS = rf"{_DAY}(?:\s*,\s*(?:the\s+)?{_DAY})*\s*,?\s+and\s+(?:the\s+)?{_DAY}"
_SHARED_TAIL = rf"\s+(?:of\s+)?(?P<month>{MONTH_NAME})(?:,?\s+(?P<year>{_YEAR}))?"
_SHARED_MONTH_LIST = compile_pattern(rf"(?<![\w.])(?P<days>{_SHARED_DAYS}){_SHARED_TAIL}")
_THE_SHARED_MONTH_LIST = rf"\bthe\s+(?P<days>{_SHARED_DAYS}){_SHARED_TAIL}"
_ITEM = compile_pattern(
    rf"(?:(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{MONTH_NAME})|(?P<m2>{MONTH_NAME})\s+(?P<d2>{_DAY}))"
    rf"(?:,?\s+(?P<year>{_YEAR}))?"
)


def month_number(name: str) -> int | None:
    """Month number of an English month name or abbreviation ("Sept." -> 9)."""
    return _MONTHS.get(name.strip().rstrip(".").lower()[:3])


def _is_verb(month_text: str) -> bool:
    # "symptoms may 3..." is the verb: only a capitalised "May" names the month.
    return month_text.rstrip(".") in {"may", "mar"}


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """ISO 8601 date as precise as given, or ``None`` for an impossible date."""
    if not 1900 <= year <= 2099:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _day_number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _reference_year(ctx: MatchContext) -> int | None:
    reference = ctx.settings.reference_date
    return reference.year if reference is not None else None


def _order_day_month(first: int, second: int, day_first: bool) -> tuple[int, int] | None:
    """Return ``(day, month)`` from two numeric parts by the day/month rule."""
    if first > 12 and second > 12:
        return None
    if first > 12:
        return first, second
    if second > 12:
        return second, first
    return (first, second) if day_first else (second, first)


def _preposition(ctx: MatchContext, start: int) -> re.Match[str] | None:
    return _PREP_BEFORE.search(ctx.lowered, max(0, start - 12), start)


def _date_value(match: re.Match[str], ctx: MatchContext, iso: str | None, start: int | None = None) -> TimeValue | None:
    """A ``date`` value; "since"/"until"/"before"/"after"/"by" join the span as qualifier."""
    if iso is None:
        return None
    start = match.start() if start is None else start
    prep = _preposition(ctx, start)
    qualifier = _QUALIFIERS.get(prep.group("prep").lower()) if prep else None
    if prep is not None and qualifier is not None:
        start = prep.start()
    return make_value(KIND_DATE, match, ctx, start=start, date=iso, qualifier=qualifier)


def _build_day_month(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    if _is_verb(source(ctx, match, "mon")):
        return None
    year = int(match.group("year")) if match.group("year") else _reference_year(ctx)
    if year is None:
        return None
    day = _day_number(match.group("day"))
    return _date_value(match, ctx, _iso(year, month_number(match.group("mon")), day))


def _build_day_mon_year(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    month = month_number(match.group("mon"))
    year = int(match.group("year"))
    if year < 100 and not match.group("sep"):
        return None  # "3May25" is no date; "3-May-25" is
    year += 2000 if year < 100 else 0
    return _date_value(match, ctx, _iso(year, month, int(match.group("day")))) if month else None


def _build_month_first(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    month_text = source(ctx, match, "mon")
    day_text = match.group("day")
    year_text = match.group("year")
    if _is_verb(month_text) or (day_text is None and year_text is None):
        return None
    if year_text is None and _NUMBER_AFTER.match(ctx.lowered, match.end()):
        return None  # "March 3-5", "June 19, 3 July"
    year = int(year_text) if year_text else _reference_year(ctx)
    if year is None:
        return None
    day = _day_number(day_text) if day_text else None
    period = _PERIOD_BEFORE.search(ctx.lowered, max(0, match.start() - 16), match.start())
    start = period.start() if period else None
    return _date_value(match, ctx, _iso(year, month_number(month_text), day), start)


# "F/u on febrile episode 5/31", "fever 5/31", "the dose 3/14": an event named just before
_EVENT_NOUN_BEFORE = re.compile(r"\b(?:episodes?|fevers?|febrile|admission|visit|infusions?|injections?|"
                                r"presentation|event|ed|er|admitted|presented|discharged|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|"
                                r"wednesday|thursday|friday|saturday|sunday)\s+(?:of\s+|on\s+)?\Z")
# "17/2 dose -> T 38.2": a date of a dose
_DOSE_NOUN_AFTER = re.compile(r"\s+(?:dose|infusion|injection|shot|administration)\b")


_NUMERIC_LIST = re.compile(r"(?<![\d/])(?:\d{1,2}/\d{1,2}\s*(?:,|;|and|&|,\s*and)\s*){2,}\d{1,2}/\d{1,2}(?![\d/])")


def _build_numeric(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    p1, p2, p3, sep = match.group("p1"), match.group("p2"), match.group("p3"), match.group("sep")
    if p3 is not None:
        if len(p1) == 4 and len(p2) <= 2 and len(p3) <= 2:  # 2024-03-05
            return _date_value(match, ctx, _iso(int(p1), int(p2), int(p3)))
        if len(p1) > 2 or len(p2) > 2 or len(p3) not in {2, 4}:
            return None
        year = int(p3)
        day_first = ctx.settings.day_first
        if len(p3) == 2:
            if sep == "." and (ctx.whole or _SHORT_DOTTED_LEAD.search(ctx.lowered, max(0, match.start() - 12),
                                                                     match.start())):
                day_first = True  # "on 14.4.25", "the 3.3.25, 17.3.25 and 31.3.25": day first
            elif sep != "/":
                return None  # "1-2-23" is not a date
            year += 2000 if year < 70 else 1900
        ordered = _order_day_month(int(p1), int(p2), day_first)
        if ordered is None:
            return None
        return _date_value(match, ctx, _iso(year, ordered[1], ordered[0]))
    if sep != "/" or len(p1) > 2:
        return None
    if len(p2) == 4:  # 03/2024
        return _date_value(match, ctx, _iso(int(p2), int(p1)))
    if len(p2) > 2:
        return None
    # 04/15: needs a reference year, and in running text a word that makes it a date
    reference_year = _reference_year(ctx)
    prep = _preposition(ctx, match.start())
    is_dated = ctx.whole or (prep is not None and prep.group("prep") in _DAY_MONTH_PREPS) or (
        _ITEM_START.search(ctx.lowered, max(0, match.start() - 40), match.start()) is not None
        and _ENTRY_AFTER.match(ctx.lowered, match.end()) is not None) or (
        _EVENT_NOUN_BEFORE.search(ctx.lowered, max(0, match.start() - 30), match.start()) is not None) or (
        _DOSE_NOUN_AFTER.match(ctx.lowered, match.end()) is not None)
    # "Interval history: 27/2: fever ...", "03/02 09:40 C4D1 given", "01/05-02/23: weekly doses"
    if not is_dated:
        # one of three or more listed: "pyrexial after each dose: 3/4, 17/4, 1/5 and 29/5"
        window_start = max(0, match.start() - 40)
        is_dated = any(m.start() + window_start <= match.start() and match.end() <= m.end() + window_start
                       for m in _NUMERIC_LIST.finditer(ctx.lowered[window_start : match.end() + 40]))
    if reference_year is None or not is_dated:
        return None
    ordered = _order_day_month(int(p1), int(p2), ctx.settings.day_first)
    if ordered is None:
        return None
    iso = _iso(reference_year, ordered[1], ordered[0])
    reference = ctx.settings.reference_date
    if iso and reference and ctx.settings.reference_is_written_date and iso > reference.isoformat():
        # "admitted on 3/4" in a note of 6 March: 4 March, not 3 April
        other = _order_day_month(int(p1), int(p2), not ctx.settings.day_first)
        other_iso = _iso(reference_year, other[1], other[0]) if other else None
        if other_iso and other_iso <= reference.isoformat():
            iso = other_iso
        else:  # "28/11" in a note of January 2025: 28 November 2024
            iso = _iso(reference_year - 1, ordered[1], ordered[0])
    return _date_value(match, ctx, iso)


def _build_year(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    prep = _YEAR_PREP_BEFORE.search(ctx.lowered, max(0, match.start() - 12), match.start())
    bracketed = ctx.lowered[max(0, match.start() - 1) : match.start()] == "(" and \
        ctx.lowered.startswith(")", match.end()) and \
        "et al" not in ctx.lowered[max(0, match.start() - 12) : match.start()]  # "s/p ASCT (2021)", not a citation
    if (prep is None and not bracketed) or _NOT_A_YEAR_AFTER.match(ctx.lowered, match.end()):
        return None
    return _date_value(match, ctx, _iso(int(match.group("year"))))


def _build_date_list(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    items = list(_ITEM.finditer(ctx.lowered, match.start(), match.end()))
    years = [int(item.group("year")) if item.group("year") else None for item in items]
    dates: list[str] = []
    for index, item in enumerate(items):
        month_group = "m1" if item.group("m1") else "m2"
        month_text = source(ctx, item, month_group)
        if _is_verb(month_text):
            return None
        later_years = [year for year in years[index:] if year is not None]
        year = later_years[0] if later_years else _reference_year(ctx)
        if year is None:
            return None
        day = _day_number(item.group("d1") or item.group("d2"))
        iso = _iso(year, month_number(month_text), day)
        if iso is None:
            return None
        dates.append(iso)
    if len(dates) < 2:
        return None
    return make_value(KIND_DATE_LIST, match, ctx, dates=tuple(dates))


_NOT_DAYS_BEFORE = re.compile(r"\b(?:grades?|g|cycles?|days?|doses?|weeks?|lines?|stages?|types?|levels?)\s*\Z")


def _build_shared_month_list(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    if _NOT_DAYS_BEFORE.search(ctx.lowered, max(0, match.start() - 12), match.start()):
        return None  # "grade 1 and 2 March": grades, then a date
    month_group = "month"
    month_text = source(ctx, match, month_group)
    if _is_verb(month_text):
        return None
    year_text = match.group("year")
    year = int(year_text) if year_text else _reference_year(ctx)
    if year is None:
        return None
    days = re.findall(r"\d+", match.group("days"))
    dates = [_iso(year, month_number(month_text), int(day)) for day in days]
    if len(dates) < 2 or any(d is None for d in dates):
        return None
    return make_value(KIND_DATE_LIST, match, ctx, dates=tuple(d for d in dates if d))


# "05-Jun", "22-Apr" (a listing without the year): the year from the reference date
_DAY_DASH_MON = compile_pattern(
    r"(?<![\w-])(?P<day>[0-3]?\d)-(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?![\w-])"
)


def _build_day_dash_mon(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    year = _reference_year(ctx)
    if year is None:
        return None
    return _date_value(match, ctx, _iso(year, month_number(match.group("mon")), int(match.group("day"))))


def _build_mon_dash_day(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    year = _reference_year(ctx)
    day = int(match.group("day"))
    if year is None or abs((2000 + day) - year) <= 1:
        return None
    return _date_value(match, ctx, _iso(year, month_number(match.group("mon")), day))


#: Date rules, most specific first (earlier rules win ties of equal length).
DATE_RULES: tuple[Rule, ...] = (
    Rule("date.list", _DATE_LIST, _build_date_list),
    Rule("date.shared_month_list", _SHARED_MONTH_LIST, _build_shared_month_list),
    word_rule("date.the_shared_month_list", _THE_SHARED_MONTH_LIST, _build_shared_month_list),
    Rule("date.day_mon_year", _DAY_MON_YEAR, _build_day_mon_year),
    Rule("date.day_month", _DAY_MONTH, _build_day_month),
    word_rule("date.mon_dash_day", _MON_DASH_DAY, _build_mon_dash_day),
    Rule("date.day_dash_mon", _DAY_DASH_MON, _build_day_dash_mon),
    word_rule("date.month_first", _MONTH_FIRST, _build_month_first),
    Rule("date.numeric", _NUMERIC, _build_numeric),
    Rule("date.year", _YEAR_ONLY, _build_year),
)
