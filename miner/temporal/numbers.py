"""Numbers, time units and ISO 8601 durations shared by the temporal rules.

Number words run from "one" to "ninety-nine" ("thirty-six", "forty eight"); "a"/"an"
count as one ("a week later", "within an hour") but "a few", "a couple of" and
"a number of" are vague and never parse.
"""

from __future__ import annotations

import re

_UNITS_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}

#: Number words to their value ("twenty-one" and "twenty one" both read 21).
WORD_VALUES: dict[str, int] = {word: index + 1 for index, word in enumerate(_UNITS_WORDS)}
for _tens_word, _tens_value in _TENS.items():
    for _unit_index, _unit_word in enumerate(_UNITS_WORDS[:9]):
        WORD_VALUES[f"{_tens_word}-{_unit_word}"] = _tens_value + _unit_index + 1
        WORD_VALUES[f"{_tens_word} {_unit_word}"] = _tens_value + _unit_index + 1
WORD_VALUES.update(_TENS)
WORD_VALUES["a"] = 1
WORD_VALUES["an"] = 1
WORD_VALUES["single"] = 1

#: Ordinals used for doses and cycles ("the second dose", "the third cycle").
ORDINAL_VALUES: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}

_VAGUE_AFTER_A = r"(?!\s+(?:few|couple|number|several|little|while|short|long|bit|handful)\b)"


def _words_alternation(include_article: bool) -> str:
    spelled = {
        word.replace(" ", "-").replace("-", r"[\s-]") for word in WORD_VALUES if word not in {"a", "an", "single"}
    }
    alternation = "|".join(sorted(spelled, key=len, reverse=True))
    if include_article:
        alternation += rf"|single|an?{_VAGUE_AFTER_A}"
    return rf"\b(?:{alternation})\b"


#: A number written in digits (``24``, ``0.5``) or words (``twenty-one``, ``an``).
NUMBER = rf"(?:\d+(?:\.\d+)?|{_words_alternation(include_article=True)})"
#: Number words without "a"/"an"/"single" ("a dose" is not a count of doses).
NUMBER_WORDS = _words_alternation(include_article=False)
#: A number that excludes "a"/"an".
NUMBER_NO_ARTICLE = rf"(?:\d+(?:\.\d+)?|{NUMBER_WORDS})"
#: Ordinals in words or digits ("second", "2nd").
ORDINAL = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
    r"twelfth|\d{1,2}(?:st|nd|rd|th))"
)

#: The weekdays by their stems ("wednes" + "day"), Monday first as ``date.weekday()`` counts.
WEEKDAY_STEMS = ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun")
#: A weekday written out ("Monday", "wednesday").
WEEKDAY = rf"(?:{'|'.join(WEEKDAY_STEMS)})day"

#: Time units as written; ``\b`` keeps "d" out of "dose" and "h" out of "hours".
UNIT = (
    r"(?:minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|months?|mths?|mos?|"
    r"years?|yrs?|y)\b"
)
#: Rejects ages ("64-year-old", "64 y/o", "64 years of age") and "24-hour urine".
UNIT_GUARD = r"(?![\s-]*old\b)(?!\s*/\s*o\b)(?!\s+of\s+age\b)(?![\s-]+urine\b)"

#: Between two numbers of a range: "24-48", "24 – 48", "24 to 48", "two or three"; "and"
#: only after "between" (the finder checks the word before the range).
RANGE_SEPARATOR = r"(?:\s*(?:-|–|—|to)\s*|\s+(?:and|or)\s+)"
#: A number written in digits only.
DIGITS = r"\d+(?:\.\d+)?"

_SPACES = re.compile(r"[\s-]+")

#: Canonical unit name -> hours in one unit (months are 30 days, years 365 days).
HOURS_PER_UNIT: dict[str, float] = {
    "minute": 1 / 60,
    "hour": 1.0,
    "day": 24.0,
    "week": 168.0,
    "month": 720.0,
    "year": 8760.0,
}

_ISO_DESIGNATOR: dict[str, tuple[str, str]] = {
    "minute": ("PT", "M"),
    "hour": ("PT", "H"),
    "day": ("P", "D"),
    "week": ("P", "W"),
    "month": ("P", "M"),
    "year": ("P", "Y"),
}


def parse_number(text: str) -> float | None:
    """Read a number in digits or words.

    Args:
        text: ``"24"``, ``"0.5"``, ``"three"``, ``"twenty-one"``, ``"an"``.

    Returns:
        The value, or ``None`` when the text is not a number ("few").

    Example:
        >>> parse_number("twenty one")
        21.0
    """
    cleaned = _SPACES.sub(" ", text.strip().lower())
    if not cleaned:
        return None
    half = re.fullmatch(r"(.+?)\s*(?: and a half|½)", cleaned)
    if half:  # "one and a half", "1½"
        whole = parse_number(half.group(1))
        return None if whole is None else whole + 0.5
    try:
        return float(cleaned)
    except ValueError:
        pass
    value = WORD_VALUES.get(cleaned)
    if value is None:
        value = WORD_VALUES.get(cleaned.replace(" ", "-"))
    return None if value is None else float(value)


def parse_ordinal(text: str) -> int | None:
    """Read an ordinal ("second" -> 2, "3rd" -> 3), or ``None``."""
    cleaned = text.strip().lower()
    if cleaned in ORDINAL_VALUES:
        return ORDINAL_VALUES[cleaned]
    match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", cleaned)
    return int(match.group(1)) if match else None


def canonical_unit(text: str) -> str | None:
    """Map a unit as written to ``minute``, ``hour``, ``day``, ``week``, ``month`` or ``year``.

    Example:
        >>> canonical_unit("hrs"), canonical_unit("mos"), canonical_unit("wks")
        ('hour', 'month', 'week')
    """
    unit = text.strip().lower().rstrip(".")
    if unit.startswith("min"):
        return "minute"
    if unit in {"h", "hr", "hrs"} or unit.startswith("hour"):
        return "hour"
    if unit in {"d"} or unit.startswith("day"):
        return "day"
    if unit in {"w", "wk", "wks"} or unit.startswith("week"):
        return "week"
    if unit in {"mo", "mos", "mth", "mths", "m"} or unit.startswith("month"):
        return "month"
    if unit in {"y", "yr", "yrs"} or unit.startswith("year"):
        return "year"
    return None


def format_number(value: float) -> str:
    """Format ``48.0`` as ``"48"``, ``1.5`` as ``"1.5"`` and 7/3 as ``"2.333"``."""
    if float(value).is_integer():
        return str(int(value))
    return f"{round(value, 3):g}"


def iso_duration(value: float, unit: str) -> str:
    """Write a quantity as an ISO 8601 duration in the unit it was written in.

    Args:
        value: The quantity (``48``).
        unit: A canonical unit from :func:`canonical_unit` (``hour``).

    Returns:
        ``PT48H`` for 48 hours, ``P12M`` for 12 months, ``PT30M`` for 30 minutes.
    """
    prefix, designator = _ISO_DESIGNATOR[unit]
    return f"{prefix}{format_number(value)}{designator}"


def to_hours(value: float, unit: str) -> float:
    """Convert a quantity to hours (a month is 30 days, a year 365 days)."""
    return value * HOURS_PER_UNIT[unit]


def to_days(value: float, unit: str) -> float:
    """Convert a quantity to days (a month is 30 days, a year 365 days)."""
    return value * HOURS_PER_UNIT[unit] / 24.0
