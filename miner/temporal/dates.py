"""Calendar dates: "July 2023", "3 March 2024", "14/09/2023", "on 19 June, 3 July and 31 July".

Day/month order follows :class:`~miner.temporal.values.TemporalSettings`: a part above
12 is the day whatever the setting, otherwise ``day_first`` decides. A date
written without a year takes it from ``reference_date``; without one, the date
is not produced (no guessed year).
"""

from __future__ import annotations

import datetime
import re

from miner.temporal.matching import MatchContext, Rule, compile_pattern, make_value
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

MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d(?!\d)"
#: Qualifiers kept in the span; "in", "on", "during" are dropped from it.
_DATE_QUALIFIERS = {"since": "since", "until": "until", "till": "until", "before": "before",
                    "after": "after", "by": "by"}
_PREP = r"(?:\b(?P<prep>since|until|till|before|after|by|from|on|in|during|dated|of)\s+)?"
_NOT_COUNT_AFTER = re.compile(
    r"\s*(?:patients?|pts|subjects?|cases?|participants?|individuals?|people|mg|mcg|µg|ug|g|ml|"
    r"units?|iu|cells?|copies|/|%|[-–]\s*\d)\b",
    re.IGNORECASE,
)


def month_number(name: str) -> int | None:
    """Month number of an English month name or abbreviation ("Sept." -> 9)."""
    return _MONTHS.get(name.strip().rstrip(".").lower()[:3])


def _is_lowercase_may(name: str) -> bool:
    # "symptoms may 3..." is the verb; only "May" names the month.
    return name.rstrip(".") in {"may", "mar"}


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
    return int(re.match(r"\d+", text).group(0))  # type: ignore[union-attr]


def _qualified(match: re.Match[str], ctx: MatchContext, **fields: object) -> TimeValue:
    prep = (match.group("prep") or "").lower()
    qualifier = _DATE_QUALIFIERS.get(prep)
    start = match.start("prep") if qualifier else None
    return make_value(KIND_DATE, match, ctx, start=start, qualifier=qualifier, **fields)


def _reference_year(ctx: MatchContext) -> int | None:
    reference = ctx.settings.reference_date
    return reference.year if reference is not None else None


def _order_day_month(first: int, second: int, day_first: bool) -> tuple[int, int] | None:
    """Return ``(day, month)`` from two numeric parts, by the day/month rule."""
    if first > 12 and second > 12:
        return None
    if first > 12:
        return first, second
    if second > 12:
        return second, first
    return (first, second) if day_first else (second, first)


# "3 March 2024", "4th of March, 2024"
_DAY_MONTH_YEAR = compile_pattern(
    _PREP + rf"(?P<v>(?P<day>{_DAY})\s+(?:of\s+)?(?P<mon>{MONTH_NAME}),?\s+(?P<year>{_YEAR}))"
)
# "March 3, 2024", "March 4th 2024"
_MONTH_DAY_YEAR = compile_pattern(
    _PREP + rf"(?P<v>(?P<mon>{MONTH_NAME})\s+(?P<day>{_DAY})(?!\d),?\s+(?P<year>{_YEAR}))"
)
# "July 2023", "Jan. 2025", "mid-July 2023"
_MONTH_YEAR = compile_pattern(
    _PREP + rf"(?:(?:early|mid|late|end\s+of|beginning\s+of)[\s-]+)?"
    rf"(?P<v>(?P<mon>{MONTH_NAME}),?\s+(?P<year>{_YEAR}))"
)
# "19 June", "June 19" (year from the reference date)
_DAY_MONTH = compile_pattern(
    _PREP + rf"(?P<v>(?P<day>{_DAY})\s+(?:of\s+)?(?P<mon>{MONTH_NAME}))(?![\s,]*\d)"
)
_MONTH_DAY = compile_pattern(
    _PREP + rf"(?P<v>(?P<mon>{MONTH_NAME})\s+(?P<day>{_DAY})\b)(?!\s*[-–:/.]?\s*\d)"
)
# "2024-03-05", "2024/03/05"
_ISO_DATE = compile_pattern(
    _PREP + r"(?<![\w./-])(?P<v>(?P<year>(?:19|20)\d\d)(?P<sep>[-/.])(?P<month>\d{1,2})"
    r"(?P=sep)(?P<day>\d{1,2}))(?![\w/-]|\.\d)"
)
# "14/09/2023", "09-14-2023", "14.09.2023", "14/09/23"
_NUMERIC_DATE = compile_pattern(
    _PREP + r"(?<![\w./-])(?P<v>(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)"
    r"(?P<year>\d{4}|\d{2}))(?![\w/-]|\.\d)"
)
# "03/2024"
_MONTH_SLASH_YEAR = compile_pattern(
    _PREP + r"(?<![\w./-])(?P<v>(?P<month>\d{1,2})/(?P<year>(?:19|20)\d\d))(?![\w/-]|\.\d)"
)
# "04/15" (needs a reference date, and "on"/"from"... in running text)
_DAY_MONTH_NUMERIC = compile_pattern(
    _PREP + r"(?<![\w./-])(?P<v>(?P<a>\d{1,2})/(?P<b>\d{1,2}))(?![\w/-]|\.\d)"
)
# "in 2019", "since 2017", "early 2022" (a bare "(2025)" is a citation, not a date)
_YEAR_ONLY = compile_pattern(
    r"\b(?P<prep>in|since|during|from|until|till|by|before|after|early|late|mid|throughout)"
    rf"[\s-]+(?P<v>(?P<year>{_YEAR}))\b"
)

_LIST_ITEM = rf"(?:{_DAY}\s+(?:of\s+)?{MONTH_NAME}|{MONTH_NAME}\s+{_DAY}(?!\d))(?:,?\s+{_YEAR})?"
# "on 19 June, 3 July, 17 July and 31 July"
_DATE_LIST = compile_pattern(
    rf"(?P<v>{_LIST_ITEM}(?:\s*,\s*(?:and\s+)?{_LIST_ITEM}|\s+and\s+{_LIST_ITEM})+)"
)
_ITEM = compile_pattern(
    rf"(?:(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{MONTH_NAME})|(?P<m2>{MONTH_NAME})\s+(?P<d2>{_DAY}))"
    rf"(?:,?\s+(?P<year>{_YEAR}))?"
)


def _build_day_month_year(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    if _is_lowercase_may(match.group("mon")):
        return None
    iso = _iso(
        int(match.group("year")), month_number(match.group("mon")), _day_number(match.group("day"))
    )
    return _qualified(match, ctx, date=iso) if iso else None


def _build_month_year(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    if _is_lowercase_may(match.group("mon")):
        return None
    iso = _iso(int(match.group("year")), month_number(match.group("mon")))
    return _qualified(match, ctx, date=iso) if iso else None


def _build_day_month(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    year = _reference_year(ctx)
    if year is None or _is_lowercase_may(match.group("mon")):
        return None
    iso = _iso(year, month_number(match.group("mon")), _day_number(match.group("day")))
    return _qualified(match, ctx, date=iso) if iso else None


def _build_iso(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    iso = _iso(int(match.group("year")), int(match.group("month")), int(match.group("day")))
    return _qualified(match, ctx, date=iso) if iso else None


def _build_numeric(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    year_text = match.group("year")
    year = int(year_text)
    if len(year_text) == 2:
        if match.group("sep") != "/":
            return None
        year += 2000 if year < 70 else 1900
    ordered = _order_day_month(int(match.group("a")), int(match.group("b")), ctx.settings.day_first)
    if ordered is None:
        return None
    iso = _iso(year, ordered[1], ordered[0])
    return _qualified(match, ctx, date=iso) if iso else None


def _build_month_slash_year(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    iso = _iso(int(match.group("year")), int(match.group("month")))
    return _qualified(match, ctx, date=iso) if iso else None


def _build_day_month_numeric(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    year = _reference_year(ctx)
    prep = (match.group("prep") or "").lower()
    if year is None or not (ctx.whole or prep in {"on", "since", "until", "till", "from",
                                                  "before", "after", "by", "dated"}):
        return None
    ordered = _order_day_month(int(match.group("a")), int(match.group("b")), ctx.settings.day_first)
    if ordered is None:
        return None
    iso = _iso(year, ordered[1], ordered[0])
    return _qualified(match, ctx, date=iso) if iso else None


def _build_year(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    if _NOT_COUNT_AFTER.match(ctx.text, match.end()):
        return None
    return _qualified(match, ctx, date=_iso(int(match.group("year"))))


def _build_date_list(match: re.Match[str], ctx: MatchContext) -> TimeValue | None:
    items = list(_ITEM.finditer(match.group("v")))
    years = [int(item.group("year")) if item.group("year") else None for item in items]
    dates: list[str] = []
    for index, item in enumerate(items):
        month_text = item.group("m1") or item.group("m2")
        if _is_lowercase_may(month_text):
            return None
        later_years = [y for y in years[index:] if y is not None]
        year = later_years[0] if later_years else _reference_year(ctx)
        if year is None:
            return None
        iso = _iso(year, month_number(month_text), _day_number(item.group("d1") or item.group("d2")))
        if iso is None:
            return None
        dates.append(iso)
    if len(dates) < 2:
        return None
    return make_value(KIND_DATE_LIST, match, ctx, dates=tuple(dates))


#: Date rules, most specific first (earlier rules win ties of equal length).
DATE_RULES: tuple[Rule, ...] = (
    Rule("date.list", _DATE_LIST, _build_date_list),
    Rule("date.day_month_year", _DAY_MONTH_YEAR, _build_day_month_year),
    Rule("date.month_day_year", _MONTH_DAY_YEAR, _build_day_month_year),
    Rule("date.iso", _ISO_DATE, _build_iso),
    Rule("date.numeric", _NUMERIC_DATE, _build_numeric),
    Rule("date.month_year", _MONTH_YEAR, _build_month_year),
    Rule("date.month_slash_year", _MONTH_SLASH_YEAR, _build_month_slash_year),
    Rule("date.day_month", _DAY_MONTH, _build_day_month),
    Rule("date.month_day", _MONTH_DAY, _build_day_month),
    Rule("date.day_month_numeric", _DAY_MONTH_NUMERIC, _build_day_month_numeric),
    Rule("date.year", _YEAR_ONLY, _build_year),
)
