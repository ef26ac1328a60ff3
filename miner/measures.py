"""Pure parsers for measured values in clinical text: temperatures and CRS grades.

No spaCy here: the pipeline component in :mod:`miner.pipeline.measures` wraps these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from miner.gates import finditer_at

FEVER_THRESHOLD_C = 38.0  # ASTCT 2019: fever is a temperature of at least 38.0 °C

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}

# "39 °C", "102.4 °F", "38,5 °C", "Tmax 38.9", "temperature of 39.2", "febrile to 101.5F"
_TEMPERATURE = re.compile(
    r"""
    (?P<trigger>\b(?:t\s?max|temp(?:erature)?s?|febrile|fever(?:s)?|pyrexia|spiked|burning\s+up|t)\b
        [^\d\n.;]{0,24}?)?
    (?<![\d.,/])(?P<value>\d{2,3}(?:[.,]\d{1,2})?)
    (?P<unit>\s?(?:°|º|˚)\s?[CF]\b|\s?[℃℉]|\s?(?:°|º|˚)|\s?deg(?:rees?)?\.?\s?(?:C|F|Celsius|Fahrenheit|centigrade)\b
        |\s?[CF]\b(?!\s*-?\s*(?:reactive|[a-z])))?
    # a reading told by its instrument or its hour: "38.2 on the ear thermometer", "38.3 at 1 am"
    (?P<after>(?<=\d)\s+(?:(?:on|by|with)\s+(?:the|her|his|my|a)\s+(?:\w+\s+)?thermometer
        |at\s+\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|at\s+\d{1,2}:\d{2}))?
    """,
    re.IGNORECASE | re.VERBOSE,
)


_THRESHOLD_BEFORE = re.compile(r"(?:>=?|≥|=>|<=?|≤|\b(?:above|over|exceeding|greater than|less than|under|below|"
                               r"at least|of at least))\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Temperature:
    """A body temperature found in text, converted to Celsius."""

    start: int
    end: int
    text: str
    celsius: float
    scale: str  # "C" or "F" as written or inferred from the value

    @property
    def is_fever(self) -> bool:
        """ASTCT fever: at least 38.0 °C."""
        return self.celsius >= FEVER_THRESHOLD_C


def fahrenheit_to_celsius(value: float) -> float:
    """Convert °F to °C, rounded to one decimal (101.3 °F -> 38.5 °C)."""
    return round((value - 32.0) * 5.0 / 9.0, 1)


# Where a temperature can start, found without trying _TEMPERATURE at every character: at
# a number (its value) or at a trigger word that starts within 36 characters before one
# (the longest trigger, "temperatures", is 12 characters, then at most 24 between).
_VALUE_START = re.compile(r"\d(?<![\d.,/]\d)")  # _TEMPERATURE's value and its lookbehind
_TRIGGER_START = re.compile(r"(?:[tfps]|b(?=urning))(?<!\w[tfpsb])", re.IGNORECASE)  # a word starting like a trigger
_TRIGGER_REACH = 12 + 24


def _temperature_starts(text: str) -> list[int]:
    """Every offset where a match of _TEMPERATURE can start (more, never fewer), ascending."""
    values = [m.start() for m in _VALUE_START.finditer(text)]
    starts = set(values)
    reached = 0  # trigger words before this offset were already looked at
    for value in values:
        begin = max(reached, value - _TRIGGER_REACH)
        starts.update(m.start() for m in _TRIGGER_START.finditer(text, begin, value))
        reached = value
    return sorted(starts)


def find_temperatures(text: str) -> list[Temperature]:
    """Find body temperatures: a value with a unit, or after a trigger such as "Tmax".

    A value without a unit is read as Celsius between 34 and 43.5, Fahrenheit between
    93 and 110; anything else is no temperature. Decimal commas ("38,5 °C") need a unit.

    >>> [t.celsius for t in find_temperatures("Tmax 101.3F overnight; fever up to 39 °C, then 38.4 ℃")]
    [38.5, 39.0, 38.4]
    """
    found: list[Temperature] = []
    for match in finditer_at(_TEMPERATURE, text, _temperature_starts(text)):
        raw_value = match.group("value")
        unit_text = (match.group("unit") or "").strip()
        trigger = (match.group("trigger") or "").strip().lower()
        if not unit_text and not trigger and not (match.group("after") and re.fullmatch(r"3[7-9][.,]\d|4[0-2][.,]\d",
                                                                                       raw_value)):
            continue  # (a reading by its thermometer or hour needs a decimal in the febrile range)
        if "," in raw_value and not unit_text:
            continue
        if trigger == "t" and not unit_text and "." not in raw_value:
            continue
        value = float(raw_value.replace(",", "."))
        unit_text = unit_text.replace("℃", "°C").replace("℉", "°F")  # the one-character signs
        unit = unit_text[-1:].upper() if unit_text and unit_text[-1:].upper() in "CF" else ""
        if unit_text.lower().endswith(("celsius", "centigrade")):
            unit = "C"
        elif unit_text.lower().endswith("fahrenheit"):
            unit = "F"
        if not unit:
            if 34.0 <= value <= 43.5:
                unit = "C"
            elif 93.0 <= value <= 110.0:
                unit = "F"
            else:
                continue
        celsius = value if unit == "C" else fahrenheit_to_celsius(value)
        if not 34.0 <= celsius <= 43.5:
            continue
        start = match.start("value")
        if _THRESHOLD_BEFORE.search(text, max(0, start - 14), start):
            continue  # "call for T >= 38.0", "fever above 38.5 °C": a threshold, not a reading
        end = match.end("unit") if unit_text else match.end("value")
        found.append(Temperature(start, end, text[start:end], round(celsius, 1), unit))
    return found


_GRADE_NUM = r"(?:[0-5]|IV|V|I{1,3})"
_GRADE = re.compile(
    rf"""
    (?P<scale>\b(?:ASTCT|ASBMT|CTCAE(?:\s?v?\d(?:\.\d)?)?|Lee(?:\s\(?2014\)?)?|NCI|Penn|MSKCC)\s+)?
    (?:
      \b(?:grade|gr\.?)\s*(?:≥|>=|>|of\s)?\s*(?P<a>{_GRADE_NUM})\b
        (?:\s*(?:-|–|—|to|/|or)\s*(?:grade\s*)?(?P<b>{_GRADE_NUM})\b)?
        (?P<plus>\s*(?:or\s(?:higher|greater|above)|\+))?
      |\bG(?P<g>[0-5])(?:\s*[-–]\s*(?P<g2>[0-5])\b)?\b(?![-/]?\s?(?:CSF|P\d))
      |\b(?P<lowhigh>low|high)[-\s]grade\b
    )
    """,
    re.VERBOSE | re.IGNORECASE,  # "G2" is held case-sensitive in find_grades
)


@dataclass(frozen=True)
class Grade:
    """A grade expression: ``low``/``high`` are the grade range it spans (1-4 scale)."""

    start: int
    end: int
    text: str
    low: int | None
    high: int | None
    scale: str | None  # as written before the grade, e.g. "ASTCT", "CTCAE v5"
    qualitative: str | None = None  # "low" or "high" for "low-grade"/"high-grade"


def _grade_value(token: str | None) -> int | None:
    if token is None:
        return None
    token = token.upper()
    return int(token) if token.isdigit() else _ROMAN.get(token)


# what a CRS grade may be followed by; any other word names another toxicity or a disease
# ("grade 2 dysgeusia", "grade 1 fatigue", "grade 2 follicular lymphoma", "grade 3A FL")
_CRS_GRADE_FOLLOWERS = re.compile(
    r"[ ]*(?:[\t|\n]|$)|\s*(?:$|[),.;:/\]]|\(|\s[-–—]\s|"
    r"(?:crs|cytokine|cyto|fevers?|febrile|episodes?|events?|reactions?|"
    r"toxicity|by|per|"
    r"according|and|or|in|on|at|after|with|during|that|which|was|were|is|despite|requir\w*|treated|managed|"
    r"resolv\w*|astct|lee|ctcae|asbmt|only|each|all|both|no|not|without|twice|again|recurr\w*|"
    r"occurr\w*|then|but|due|symptoms?|syndrome|case|patients?|pts?|"
    # a time point: "CRS gr 1 C1D16", "grade 2 D+7", "grade 1 day 2"
    r"c\d{1,2}(?:\s?d\d{1,2})?|d\s?\+?\s?\d{1,3}|days?|cycles?|weeks?|wk)\b)",
    re.IGNORECASE,
)


def is_crs_grade(text: str, grade: Grade) -> bool:
    """Whether a grade expression can be a CRS grade (annotation guidelines, GRADE): not
    "low grade"/"high-grade", and not followed by another toxicity or a disease.

    >>> [is_crs_grade(t, g) for t in ("grade 2 CRS", "grade 1 fatigue", "mostly G1-2 and", "CRS gr 1 C1D16")
    ...  for g in find_grades(t)]
    [True, False, True, True]
    """
    if grade.qualitative:
        return False
    return bool(_CRS_GRADE_FOLLOWERS.match(text, grade.end))


# Where a grade can start, found without trying _GRADE at every character: at a word that
# begins the grade itself ("grade", "gr", "G2", "low-grade", "high grade"), or at a scale
# written before it ("CTCAE v5.0 grade 2": at most 10 characters, then whitespace).
_GRADE_WORD_START = re.compile(r"[glh](?<!\w[glh])", re.IGNORECASE)
_GRADE_WORD = re.compile(r"gr|g[0-5]|low[-\s]grade|high[-\s]grade", re.IGNORECASE)
_SCALE_LENGTH = 10  # the longest scale: "CTCAE v5.0", "Lee (2014)"


def _grade_starts(text: str) -> list[int]:
    """Every offset where a match of _GRADE can start (more, never fewer), ascending."""
    starts = set()
    for word in _GRADE_WORD_START.finditer(text):
        start = word.start()
        if not _GRADE_WORD.match(text, start):
            continue
        starts.add(start)
        space = start
        while space > 0 and text[space - 1].isspace():
            space -= 1
        if space < start:  # a scale may end where this whitespace begins
            starts.update(range(max(0, space - _SCALE_LENGTH), space))
    return sorted(starts)


def find_grades(text: str) -> list[Grade]:
    """Find grade expressions: "grade 2", "Grade II", "gr 1", "G2", "grade 1-2", "low-grade".

    "G2" is matched case-sensitively (so "g2" in free text is not a grade), the words
    case-insensitively.

    >>> [(g.low, g.high) for g in find_grades("grade 1–2 CRS; ASTCT grade 3")]
    [(1, 2), (3, 3)]
    """
    found: list[Grade] = []
    for match in finditer_at(_GRADE, text, _grade_starts(text)):
        if match.group("g") is not None and not match.group(0).lstrip().startswith("G"):
            continue
        scale = (match.group("scale") or "").strip() or None
        if match.group("lowhigh"):
            kind = match.group("lowhigh").lower()
            bounds = (1, 2) if kind == "low" else (3, 4)
            found.append(
                Grade(match.start(), match.end(), match.group(0), bounds[0], bounds[1], scale, kind)
            )
            continue
        low = _grade_value(match.group("a") or match.group("g"))
        high = _grade_value(match.group("b") or match.group("g2")) or low
        if match.group("plus") and low is not None:
            high = 4
        if low is None or high is None:
            continue
        low, high = min(low, high), max(low, high)
        start = match.start("scale") if scale else match.start()
        found.append(Grade(start, match.end(), text[start : match.end()], low, high, scale))
    return found
