"""Facts from mentions -> CRS episodes and a patient record (no spaCy here).

The builder reads one patient's stretch of text sentence by sentence:

1. an *event sentence* holds an asserted CRS mention or an asserted fever (the word or
   a temperature of at least 38.0 °C) that the sentence does not attribute to an
   infection ("fever and diarrhoea due to Salmonella infection");
2. each event is placed in a *phase*, initial (step-up doses, cycle 1) or late, from
   the cues around it and its timing (``C1D2``/``day+2`` is initial, ``every 35-40 days``
   late);
3. initial events merge into the first-CRS episode; late events merge into one
   recurring-pattern episode unless they carry a grade of their own ("an intense grade 3
   CRS episode during maintenance dosing");
4. treatments are taken from event sentences and from the management sentences that
   follow them, never from premedication given per protocol.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from miner.classify.criteria import Criteria, load_criteria
from miner.episodes import cues
from miner.episodes.model import Episode, Evidence, Mention, PatientRecord, Sentence
from miner.episodes.timeline import (
    TimedSentence,
    Timeline,
    build_timeline,
    duration_days,
    find_periodicity,
    hours_from_dose_dates,
    merge_same_illness,
    place_episode,
    successive_gaps,
)
from miner.episodes.timeline import (
    parse_date as parse_iso,
)
from miner.grading import derive_from_text, grade_disagreement
from miner.grading.findings import vitals_reported
from miner.labels import CRS, DRUG, FEVER, GRADE, INFECTION, INFECTION_WORKUP, TIMING, TREATMENT
from miner.measures import FEVER_THRESHOLD_C, find_temperatures
from miner.temporal import find_time_expressions
from miner.temporal.clock import NEXT_DAY, clock_minutes, clock_text, find_clock_times, hours_between, hours_in_sentence
from miner.temporal.columns import DOSE_COLUMN, column_header
from miner.temporal.numbers import WEEKDAY

_AGE_SEX = re.compile(
    r"(?P<age>\d{1,3})[- ](?:year|yr)s?[- ]old\s+(?:\w+\s+){0,2}?(?P<sex>woman|man|female|male|"
    r"lady|gentleman|girl|boy|patient)\b"
    r"|(?P<age2>\d{1,3})\s?(?:yo|y/o|y\.o\.|yr)\s?(?P<sex2>[MF]|male|female|man|woman)\b"
    r"|(?P<age3>\d{1,3})\s?/\s?(?P<sex3>[MF])\b"
    r"|\((?P<age4>\d{1,3})\s?,?\s?(?P<sex4>[MF])\)"
    r"|aged (?P<age5>\d{1,3})",
    re.IGNORECASE,
)
_SEX_WORDS = {
    "woman": "F", "female": "F", "lady": "F", "girl": "F", "f": "F",
    "man": "M", "male": "M", "gentleman": "M", "boy": "M", "m": "M",
}
_NEUTROPENIC = re.compile(
    r"\bneutropeni\w*|\bfebrile neutropenia\b|\b(?:neutrophil|count|blood count) nadir|"
    r"\bnadir\b|\bagranulocyt\w*|\bANC\s*(?:of\s*|was\s*|:\s*)?0?[.,][0-4]\d*\b|"
    r"\bneutrophils?(?: count)? (?:below|under|<|of) 0?[.,][0-4]", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z-]*")
_TEST_NAME_AFTER = re.compile(
    r"\s*(?:testing|test|tests|PCR|RT-PCR|swabs?|serology|antigen|screen)", re.IGNORECASE
)
# "nasopharyngeal PCR for SARS-CoV-2, influenza and RSV", "nucleic acid test (including influenza)":
# what a test looked for, not an infection found
_TEST_TARGET_BEFORE = re.compile(
    r"\b(?:tests?|testing|panels?|PCR|swabs?|assays?|screen(?:ing)?|serology|antigens?|cultures?)\b"
    r"(?:(?!positive|pos\b|detected|grew|isolated)[^.;:()]){0,12}\(?\s*(?:for|including|incl\.?|covering)\b"
    r"(?:(?!positive|detected|grew|isolated)[^.;:)])*$", re.IGNORECASE)

_ABOUT_OTHERS = re.compile(
    r"\b(?:patients|et al|trials?|studies|study|series|literature|reported|cohort|MajesTEC|"
    r"MonumenTAL|MagnetisMM|EPCORE|DeLLphi|label|labell?ing|incidence|median)\b|\[\d",
    re.IGNORECASE,
)

# a sentence about trials or the literature, not about the patient
_LITERATURE = re.compile(
    r"\b(?:et al|trials?|studies|literature|incidence|median|MajesTEC\S*|MonumenTAL\S*|MagnetisMM\S*|"
    r"EPCORE\S*|DeLLphi\S*|LINKER\S*|of patients|patients (?:treated|receiving|who)|"
    # "a recent series reported cyclic CRS every 7 to 40 days", "late CRS has been described"
    r"(?:series|reports?|cohorts?|reviews?|analys[ie]s)\s+(?:\w+\s+)?(?:reported|described|found|showed|observed)|"
    r"(?:has|have|had)\s+(?:also\s+)?been\s+(?:reported|described|observed)|"
    # a general truth: "CAR-T CRS is an early event", "CRS is usually confined to cycle 1"
    r"(?:CRS|cytokine release syndrome)\b[^.;,]{0,40}?\s(?:is|are)\s+(?:an?\s+|usually\s+|typically\s+|generally\s+)?"
    r"(?:early|late|common|rare|uncommon|typical|usual|expected|confined))\b|\[\d",
    re.IGNORECASE)
# a drug named for other people's patients: "reported by Della Pepa et al. in teclistamab-
# treated patients", "the series of X and colleagues, in patients treated with talquetamab"
_OTHERS_TREATED = re.compile(
    r"\b(?:et al\b\.?|(?:and colleagues|(?:reported|described|published)\s+(?:by|in|with)|series of|"
    r"(?:in|among)\s+(?:\w+\s+){0,3}patients)\b)[^.;]{0,120}$", re.IGNORECASE)
_THIS_PATIENT = re.compile(r"\b(?:he|she|his|her|our patient|the patient|this patient|him)\b", re.IGNORECASE)
_BEYOND = re.compile(r"\b(?:beyond|after|past|following|since)\s+$", re.IGNORECASE)
_ANTICYTOKINE = frozenset({"tocilizumab", "siltuximab", "anakinra", "dexamethasone", "methylprednisolone",
                           "prednisone", "prednisolone", "hydrocortisone", "corticosteroids"})
_DOSE_DATE_LEAD = re.compile(
    r"\b(?:(?:last|previous|most recent|received|got|had)\s+(?:\w+\s+){0,2}(?:dose|infusion|injection|shot)|"
    r"(?:dose|dosing|infusion|injection|administration|shot)s?,?\s+(?:\w+\s+)?(?:of|on|given on)"
    rf"(?:\s+{WEEKDAY},?)?|"  # "Shot on Monday June 16"
    # "she restarted on 2025.04.29", "resumed teclistamab on 3 June"
    r"(?:re-?started|resumed|re-?challenged|re-?dosed|dosed|injected|infused)\s+(?:\w+\s+){0,2}?on|"
    # "Received teclistamab 1.5 mg/kg on 08/12"
    r"(?:received|was given|were given|administered)\s+(?:[\w./-]+\s+){1,4}?on|"
    r"(?:it|which|they|dose|cycle\s*\d*|infusion|injection)\s+(?:was|were)\s+(?:given|administered|infused)\s+on)"
    r"\s*(?:was\s+)?$",
    re.IGNORECASE)
# weekly doses listed by week of therapy: "the infusions of weeks 13, 14, 15, 17 and 18"
_WEEKS_WORD = re.compile(r"\bweeks\s+\d", re.IGNORECASE)
_DOSE_WEEKS = re.compile(r"\b(?:doses?|infusions?|injections?|administrations?|treatments?)\s+(?:of|in|on|during)\s+"
                         r"weeks\s+(?P<weeks>\d{1,3}(?:\s*(?:,|and|&)\s*\d{1,3})+)\b", re.IGNORECASE)
_FIELD_NO = re.compile(r"\s*(?:no|none|n/?a|absent|unchecked|not done|negative|nil)\b", re.IGNORECASE)
_WEEKDAY_HEAD = re.compile(rf"^\s*{WEEKDAY}\b", re.IGNORECASE)
_ENTRY_STAMP = re.compile(r"\s*\|?\s*\d{1,2}:\d{2}\b")  # "04/01/2025 | 08:50 |", "2025/03/05 01:20"
_ON_ONLY = re.compile(r"\s*(?:on|of)?\s*")
# episodes counted, a retelling of several: "three post-infusion fevers, after C4, C5 and C6"
_COUNTED = re.compile(r"\b(?:two|three|four|five|six|seven|eight|nine|ten|[2-9])\s+(?:[\w-]+\s+){0,2}?"
                      r"(?:fevers|febrile episodes|episodes|events|recurrences|reactions)\b", re.IGNORECASE)
# a list of abbreviations defines words; it tells no event
_ABBREVIATIONS = re.compile(r"\s*(?:Abbreviations?|Glossary|Key)\s*[:.]", re.IGNORECASE)
_AT_CLOCK = re.compile(r"\s*(?:°?\s?[CF]\b)?\s*(?:at|@)\s*\d{1,2}[:h.]?\d{2}\b")
# "From 17 April the interval was lengthened": the date a schedule changed
_FROM_BEFORE = re.compile(r"\b(?:from|since|starting|as of|beginning)\s+(?:the\s+)?$", re.IGNORECASE)
_SCHEDULE_AFTER = re.compile(r"\s*,?\s*(?:the\s+|her\s+|his\s+)?(?:interval|dosing|schedule|rhythm|frequency|"
                             r"injections?|doses?|infusions?|administrations?|\w+mab)\b", re.IGNORECASE)
# "On 3 March 2025 she was dosed at 10:00 and ...", "3/3: teclistamab given": the date of a dose
_DOSE_DATE_TRAIL = re.compile(
    r"\s*,?\s*(?:(?:she|he|the patient|pt)\s+)?(?:was|were)\s+(?:re-?)?(?:dosed|given|infused|injected)\b|"
    r"\s+(?:dose|infusion|injection|administration|shot)\b",  # "After the 2025.05.13 dose she had 39.2 °C"
    re.IGNORECASE)
_PAST_SECTIONS = frozenset({"past_medical_history"})  # past history gives historical mentions only
_CYCLE_DAY = re.compile(r"\bC(\d{1,2})\s?D(\d{1,2})\b")
_NAMES_DOSE = re.compile(r"\b(?:dose|dosing|infusion|injection|administration|shot)s?\b|\bC\d{1,2}\s?D\d{1,2}\b|"
                         r"\b(?:each|every|his|her|the)\s+(?:treatment|cycle)\b|"
                         r"\b(?:cycle|block|course|infusion)\s*\d*\s+(?:was\s+)?(?:began|begun|started|restarted)\b|"
                         # "Cycle 7 was postponed one week, so it was given on June 30"
                         r"\b(?:cycle\s*\d{1,2}|C\d{1,2})\b[^.;]{0,80}\b(?:given|administered|infused)\b",
                         re.IGNORECASE)
_RECOVERY = re.compile(r"\b(?:afebrile|discharged|resolved|defervesc\w*|settled|recovered|improved|"
                       r"normali[sz]ed|subsided|abated)\b", re.IGNORECASE)

# between two dates of a list: "4 July, 1 August and 29 August", "2024-07-04; 2024-08-01"
_ATTRIBUTED_TO = re.compile(
    r"\b(?:attribut\w+|ascrib\w+)\s+(?:the|these|her|his|all|both)?\s*(?:recurrent\s+|late\s+|post-?\w+\s+)?"
    r"(?:fevers?|febrile\s+(?:episodes?|reactions?)|episodes?|reactions?)\s+to\s+(?:the\s+)?(?P<cause>[\w-]+)",
    re.IGNORECASE)
# a treatment on a condition: "tocilizumab if hypotension or hypoxia", "toci ... only if hypotension"
_ON_CONDITION = re.compile(r"(?:\s+(?:\d+\s*mg(?:/kg)?|x\s*\d|per\s+[\w-]+(?:\s+[\w-]+)?|premedication|premed|"
                           r"prophylaxis))?\s+(?:only\s+)?if\b",
                           re.IGNORECASE)
_REACTION_TO = re.compile(
    r"\b(?:infusion[- ]related\s+reactions?|IRRs?|infusion\s+reactions?|hypersensitivity\s+reactions?)\s+"
    r"(?:to|from)\s+(?:the\s+)?(?:(?:first|second|third|\d{1,2}(?:st|nd|rd|th))\s+)?(?P<cause>[\w-]+)", re.IGNORECASE)
_NOT_A_CAUSE = re.compile(r"(?:cytokine|crs|the|a|an|infections?|an?|it|this|that|each|every)$", re.IGNORECASE)
_SPAN_JOINER = re.compile(r"^\s*(?:(?:up\s+)?(?:to|until|till|through)|[-–—])\s*$", re.IGNORECASE)
# (each item may carry its reading: "on cycle 7, day 16 (38,5 °C) and on C8D2 (38,9 °C)")
_LIST_JOINER = re.compile(r"\s*(?:\([^()]{1,60}\)\s*)?(?:,|;|,?\s+and|,?\s+as well as)\s+"
                          r"(?:(?:again\s+)?(?:on|after|following)\s+)?",
                          re.IGNORECASE)

# "dexamethasone was reintroduced before each injection because of the repeated episodes",
# "added dex premed from C5D1 due to 2 post-dose fevers"
_ADDED_BECAUSE = re.compile(
    r"\b(?:add(?:ed|ing)?|re-?introduc\w+|introduc\w+|instituted|prescribed|started|restarted|resumed)\b"
    r"[^.;]{0,120}?\b(?:because of|due to|owing to|in view of|given|for|following|after)\s+"
    r"(?:the\s+|these\s+|this\s+|his\s+|her\s+|their\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:episodes?|fevers?|recurrences?|CRS|events?|reactions?)\b"
    # "Because the CRS happened after each cycle, from C7 we added dexamethasone"
    r"|\b(?:because|as|since|given that)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:episodes?|fevers?|recurrences?|CRS)\b"
    r"[^.;]{0,120}?\b(?:we\s+|was\s+|were\s+)?(?:add(?:ed)?|re-?introduc\w+|introduc\w+|instituted|started)\b",
    re.IGNORECASE,
)

_TREATMENT_NOT_GIVEN = re.compile(
    r"\b(?:not|never)\s+(?:\w+\s+)?(?:used|given|administered|required|needed|dispensed)\b|"
    r"\b(?:stocked|available|on hand|at hand|PRN|if needed|as needed|should remain)\b", re.IGNORECASE)

# "dosed at 10:00", "the infusion (started 09:15)", "given at 9 am": a clock time that dates a dose
_SECOND_NIGHT = re.compile(r"\b(?:second|2nd)\s+(?:night|evening|morning)\b", re.IGNORECASE)
# an onset later than a week after the dose is not an onset after that dose
_MAX_ONSET_HOURS = 7 * 24
# ("C4D1 glofitamab on Mar 24th at 10:30": a drug or a cycle day names the dose too)
_DOSE_BEFORE_CLOCK = re.compile(r"\b(?:dos(?:e|ed|ing)|infus\w*|inject\w*|given|administered|received|"
                                r"started|start|[a-z]+mab|[a-z]+tafusp|C\d{1,2}\s?D\d{1,2})\b[^.;]{0,25}$",
                                re.IGNORECASE)

# "From cycle 15 we reintroduced prednisolone on the day of injection" (after the late episodes)
_REINTRODUCED = re.compile(r"(?<!suggest )(?<!would be )(?<!should be )(?<!could be )(?<!consider )"
                           r"\b(?:re-?introduced|re-?added|reinstated|re-?started)\b", re.IGNORECASE)
_ADDING_VERBS = ("add", "introduc", "instituted", "prescribed", "start", "resum", "reinstat")
_PROPOSED = re.compile(r"\b(?:suggest\w*|recommend\w*|propos\w*|consider\w*|would|could|should|may|might|"
                       r"plan\w*|if)\b", re.IGNORECASE)
# "He remained pyrexial for four days": the same fever as the sentence before
_CONTINUES = re.compile(r"\b(?:remained|remains|persisted|continued|stayed)\b", re.IGNORECASE)
# "after a 6-wk hold for COVID-19, she was restarted ... and had a fever 18 h after": the
# infection is why the doses stopped, not what caused the fever after the restart
# a test's own result: "... urinary antigen was positive", "blood cultures grew E. coli"
_POSITIVE_AFTER = re.compile(r"[^.;,]{0,25}?\b(?:(?:was|were|came back|returned)\s+positive|grew|\+ve)\b",
                             re.IGNORECASE)
_HOLD_REASON = re.compile(
    r"\b(?:hold|held|holding|interrupt\w*|pause[ds]?|delay(?:ed)?|postponed?|withheld|suspended|"
    r"suspension|break|skipped|omitted|missed|deferred)\b"
    r"[^.;]{0,30}?\b(?:for|because of|due to|owing to)\s+(?:\w+[\s-]+){0,2}$",
    re.IGNORECASE)
# "He received oseltamivir, and fever resolved in 72 hours": the end of the fever just told
_RESOLVED = re.compile(r"\b(?:fever|pyrexia|temperature)s?\s+(?:had\s+|was\s+)?(?:resolved|subsided|settled|"
                       r"abated|defervesced|disappeared|normali[sz]ed|improved)\b", re.IGNORECASE)
_NOT_AN_INFECTION_NAME = frozenset(
    "but and or of no any that the a an for with to from whether exclude excluded excluding than as was "
    "were is are be been had has have if not nor ongoing suspected possible presumed".split())
_AFTER_BEFORE = re.compile(r"\b(?:after|following|post)\s*(?:the\s+)?$", re.IGNORECASE)
_DOSING_LEAD = re.compile(r"\b(?:received|receiving|given|got|administered|dosed|doses?|infusions?|"
                          r"injections?|administrations?)\b", re.IGNORECASE)
_DOSES_AFTER = re.compile(r"\s+(?:doses?|infusions?|injections?|administrations?)\b", re.IGNORECASE)
_DOSE_AFTER_CYCLE_DAY = re.compile(r"\s+(?:dose|infusion|injection|administration)\b", re.IGNORECASE)
# a sentence that opens by proposing the drug: "Plan glofitamab ...", "Recommend: talquetamab"
_PLAN_BEFORE = re.compile(r"\s*(?:Plan|Planned|Proposed|Recommend(?:ed|ation)?|Consider)"
                          # "Plan per lymphoma team: glofitamab after C3 if not in CR"
                          r"(?:\s+(?:per|from|of|by)\s+[^:.\n]{1,40})?\s*:?\s*(?:next\s+)?",
                          re.IGNORECASE)
_SINGLE = re.compile(r"\b(?:a single|single|one|an isolated|only one)\s+(?:\w+\s+){0,2}?(?:episode|fever|event|"
                     r"evening|night|spike|temperature)\b", re.IGNORECASE)
_LIST_ITEM = re.compile(r"\s*(?:[-•*–]\s|\(?\d{1,2}[.)]\s|\(?[a-h]\)\s|(?:Episode|Event|Admission|Visit)\s+\d)",
                        re.IGNORECASE)

PageLookup = Callable[[int], "int | None"]
DateLookup = Callable[[int], "str | None"]


def _time_order(episode: Episode) -> tuple[int, int, float, str]:
    """Initial first; then late episodes by cycle-day or date; pattern summaries last."""
    if episode.phase == "initial":
        return (0, 0, 0.0, "")
    if episode.summary:
        return (2, 0, 0.0, "")
    cycle_day = (episode.cycle or 0) * 100 + (episode.day or 0) if episode.cycle else 0
    study_day = float(episode.day_after_first_dose) if episode.day_after_first_dose is not None else 0.0
    return (1, cycle_day if not episode.date else 0, study_day, episode.date or "")


STATED_IN_DAYS = "stated in days"


def _stated_source(m: Mention, current: str | None) -> str:
    """``hours_source`` of an episode whose hours a TIMING mention states: "stated", or
    "stated in days" when the text gives only days ("the second day after", "1-2 days
    after": 24-48 h) and nothing finer was stated for the episode before."""
    if m.value and m.value.get("unit") == "day" and current in (None, STATED_IN_DAYS):
        return STATED_IN_DAYS
    return "stated"


def _widened(current: list[float] | None, low: float, high: float) -> list[float]:
    """An hours range stretched to hold ``low``-``high`` (the range itself when there was none)."""
    return [min(low, current[0]), max(high, current[1])] if current else [low, high]


def _day_numbers(dates: list[str]) -> list[int]:
    """Ordinal day numbers of full ISO dates (for gaps between them)."""
    return [datetime.date.fromisoformat(d).toordinal() for d in dates]


@dataclass
class _Event:
    sentence: Sentence
    phase: str
    named_crs: bool
    mentions: list[Mention]


def find_age_sex(text: str) -> tuple[int | None, str | None]:
    """Age and sex from the first "64-year-old woman" / "64 yo M" / "64/F" in ``text``."""
    for match in _AGE_SEX.finditer(text):
        age_text = next((g for g in match.group("age", "age2", "age3", "age4", "age5") if g), None)
        sex_text = next((g for g in match.group("sex", "sex2", "sex3", "sex4") if g), None)
        age = int(age_text) if age_text else None
        if age is not None and not 0 < age < 110:
            continue
        sex = _SEX_WORDS.get(sex_text.lower()) if sex_text else None
        return age, sex
    return None, None


def _words_around(text: str, start: int, end: int, masked: list[tuple[int, int]]) -> tuple[
    list[str], list[str]
]:
    """Up to three words after and before a span, skipping other time expressions.

    Only the 60 characters before and 40 after are read (and masked), not the document.
    """
    low, high = max(0, start - 60), min(len(text), end + 40)
    chars = list(text[low:high])
    for s, e in masked:
        for i in range(max(s, low), min(e, high)):
            chars[i - low] = " "
    window = "".join(chars)
    # the words after stop at the clause's end: "on glofitamab every 21 days, developed CRS"
    after = _WORD.findall(re.split(r"[,;.:]\s", window[end - low :], maxsplit=1)[0])[:3]
    before = _WORD.findall(window[: start - low])[-4:]
    return after, list(reversed(before))


_CLAUSE_BREAK = re.compile(r";\s+")


def split_event_clauses(sentences: list[Sentence], mentions: list[Mention]) -> list[Sentence]:
    """Split a sentence at its semicolons when more than one of its clauses tells a CRS or
    fever: a terse abstract packs a patient's course into one sentence ("G1 CRS D+2 after the
    5 mg SUD; from wk 14 (200 mg Q2W) fever 20-30 h after 5 consecutive doses; BCx neg x5;
    APAP, then TCZ x2"), and each clause is then read as a sentence of its own. Mentions are
    re-indexed to the new sentences (their ``sentence`` field is updated in place)."""
    events = sorted(m.start for m in mentions if m.label in (CRS, FEVER) and m.is_asserted)
    result: list[Sentence] = []
    for sentence in sentences:
        first, last = bisect.bisect_left(events, sentence.start), bisect.bisect_left(events, sentence.end)
        if last - first < 2 or ";" not in sentence.text:  # most sentences: kept as they are
            keep = sentence if sentence.index == len(result) else \
                Sentence(len(result), sentence.start, sentence.end, sentence.text)
            result.append(keep)
            continue
        cuts = [sentence.start + b.end() for b in _CLAUSE_BREAK.finditer(sentence.text)
                if sentence.text.count("(", 0, b.start()) == sentence.text.count(")", 0, b.start())]
        bounds = [sentence.start, *cuts, sentence.end]
        clauses = list(zip(bounds, bounds[1:], strict=False))
        with_events = sum(1 for a, b in clauses
                          if bisect.bisect_left(events, a) < bisect.bisect_left(events, b))
        if with_events < 2:
            result.append(Sentence(len(result), sentence.start, sentence.end, sentence.text))
            continue
        for a, b in clauses:
            result.append(Sentence(len(result), a, b, sentence.text[a - sentence.start : b - sentence.start]))
    if [s.index for s in result] != [s.index for s in sentences]:
        starts = [s.start for s in result]
        for m in mentions:
            if m.sentence >= 0:
                m.sentence = max(0, bisect.bisect_right(starts, m.start) - 1)
    return result


def interval_role(text: str, timing: Mention, others: list[Mention]) -> str | None:
    """Whether an interval expression describes dosing or recurrence of episodes.

    "biweekly outpatient infusions" -> "dosing"; "recurrent febrile episodes monthly" ->
    "recurrence"; "monthly IVIG supplementation" -> None (about something else).
    """
    masked = [(m.start, m.end) for m in others if m is not timing and m.label == TIMING]
    after, before = _words_around(text, timing.start, timing.end, masked)
    if after:
        for word in after[:2]:
            if cues.DOSING_WORDS.match(word):
                return "dosing"
            if cues.EPISODE_WORDS.match(word):
                return "recurrence"
    immediate = text[timing.end : timing.end + 25]
    if re.match(r"\s+(?:of\s+)?[A-Za-z]", immediate):
        words = _WORD.findall(immediate)
        word = words[0] if words else ""
        if word and not cues.DOSING_WORDS.match(word) and not cues.EPISODE_WORDS.match(word) and \
                word.lower() not in {"consistently", "after", "following", "post", "with", "and",
                                     "thereafter", "until", "since", "for", "in", "at", "from",
                                     "during", "despite", "apart", "each", "every", "then"}:
            return None
    for word in before:
        if cues.DOSING_WORDS.match(word):
            return "dosing"
        if cues.EPISODE_WORDS.match(word):
            return "recurrence"
        if word.lower() in {"drug", "talquetamab", "teclistamab"} or word.lower().endswith("mab"):
            return "dosing"
        if word.lower() in _SCHEDULE_CHANGE_WORDS:
            return "dosing"  # "ever since the switch to every two weeks I get a fever"
    return None


_SCHEDULE_CHANGE_WORDS = frozenset({"switch", "switched", "changed", "change", "moved", "spaced", "went",
                                    "reduced", "extended", "transitioned", "lengthened", "de-escalated"})


class EpisodeBuilder:
    """Builds one patient's record from the document's sentences and mentions."""

    def __init__(self, text: str, sentences: list[Sentence], mentions: list[Mention],
                 page_at: PageLookup | None = None, doc_id: str = "",
                 criteria: Criteria | None = None, date_at: DateLookup | None = None,
                 note_at: Callable[[int], int] | None = None) -> None:
        self.criteria = criteria or load_criteria()
        # the date of the note an offset is in (note exports); None for case reports
        self.date_at = date_at
        self.note_at = note_at  # which note an offset is in (note exports)
        self.text = text
        self.sentences = split_event_clauses(sentences, mentions)
        self._sentence_starts = [s.start for s in self.sentences]
        self.mentions = mentions
        self._mark_dose_dates()
        self._stamps: dict[int, int | None] = {}
        self._line_before: dict[int, Sentence] | None = None
        self.page_at = page_at or (lambda offset: None)
        self.doc_id = doc_id

    def _paragraph_break(self, before: Sentence, after: Sentence) -> bool:
        """Whether a blank line separates two sentences (they are in different paragraphs)."""
        return "\n\n" in self.text[before.end - 1 : after.start + 1]

    def evidence(self, start: int, end: int) -> Evidence:
        return Evidence(self.text[start:end], start, end, self.page_at(start), self.doc_id)

    def sentence_evidence(self, sentence: Sentence) -> Evidence:
        return self.evidence(sentence.start, sentence.end)

    def build(self, patient_id: str, start: int, end: int, *, summaries: bool = False,
              parts: tuple[tuple[int, int], ...] = ()) -> PatientRecord:
        """Build the record of the patient whose narrative is ``text[start:end]``.

        With ``summaries`` (a single-patient report), the sentences outside the narrative
        -- the abstract, the discussion -- may add the stated pattern of the episodes
        ("four febrile episodes 24-36 h after each dose") when they talk about this
        patient and not about the literature.
        """
        record = PatientRecord(doc_id=self.doc_id, patient_id=patient_id)
        record.segment = {"start": start, "end": end, "page": self.page_at(start)}
        # sentences that overlap the segment ("Results: Pt 1 (68F) received ..." starts
        # before the patient's label); only mentions inside the segment count
        # (a log's interleaved entries: the patient's own stretches only)
        if parts:
            sentences = [s for s in self.sentences if any(s.end > a and s.start < b for a, b in parts)]
        else:
            sentences = [s for s in self.sentences if s.end > start and s.start < end]
        by_sentence: dict[int, list[Mention]] = {s.index: [] for s in sentences}
        for mention in self.mentions:
            if mention.sentence in by_sentence and (start <= mention.start < end if not parts else
                                                    any(a <= mention.start < b for a, b in parts)):
                by_sentence[mention.sentence].append(mention)
        record.age, record.sex = find_age_sex(self.text[start:end])
        self._drugs(record, sentences, by_sentence)
        dosing = self._dosing_intervals(sentences, by_sentence)
        timeline = build_timeline(self._timed(sentences, by_sentence, dosing), self.evidence)
        events = self._events(sentences, by_sentence, record, timeline)
        self._episodes(record, events, sentences, by_sentence)
        if any(e.phase == "late" for e in record.episodes):
            self._preventive_treatments(record, sentences, by_sentence)
        self._place(record, timeline, events, by_sentence)
        self._intervals(record, sentences, by_sentence, events, dosing, timeline)
        if summaries:
            self._summaries(record, start, end)
        self._periodicity(record, events, by_sentence, dosing)
        if timeline.events:
            record.timeline = timeline.to_dict()
        self._infection(record, sentences, by_sentence)
        self._alternatives(record, sentences)
        self._impact(record, sentences, by_sentence)
        return record

    def _alternatives(self, record: PatientRecord, sentences: list[Sentence]) -> None:
        """Alternative explanations the text gives for the fevers ("the fever was attributed
        to a tumour flare"), not those it denies ("did not meet criteria for HLH")."""
        for sentence in sentences:
            listed: bool | None = None
            for name, pattern in cues.ALTERNATIVES:
                for match in pattern.finditer(sentence.text):
                    if listed is None:
                        listed = bool(cues.ALTERNATIVES_LISTED.search(sentence.text))
                    if listed:
                        break  # "Alternative causes considered: ..., drug fever (no temporal relationship)"
                    before, after = sentence.text[: match.start()], sentence.text[match.end():]
                    if cues.ALTERNATIVE_DENIED.search(before) or cues.ALTERNATIVE_DENIED_AFTER.search(after):
                        continue
                    if not (cues.CRS_ATTRIBUTION.search(sentence.text) or cues.OTHER_EVENT.search(sentence.text)):
                        continue
                    start = sentence.start + match.start()
                    record.alternatives.append({"name": name, "evidence": self.sentence_evidence(sentence).to_dict(),
                                                "start": start, "end": sentence.start + match.end()})
                    break

    # -- timeline ------------------------------------------------------------------------
    def _dosing_intervals(self, sentences: list[Sentence],
                          by_sentence: dict[int, list[Mention]]) -> dict[int, list[Mention]]:
        """Interval mentions that describe dosing ("weekly injections"), by sentence."""
        dosing: dict[int, list[Mention]] = {}
        for sentence in sentences:
            mentions = by_sentence[sentence.index]
            for m in mentions:
                if m.label == TIMING and m.value and m.value.get("kind") == "interval" and \
                        m.value.get("interval_days") and m.value["interval_days"][0] >= 3 and \
                        interval_role(self.text, m, mentions) == "dosing":  # not "acyclovir BID"
                    dosing.setdefault(sentence.index, []).append(m)
                elif m.label == TIMING and m.value and m.value.get("kind") == "post_dose":
                    dosing.setdefault(sentence.index, []).extend(self._schedule_in_anchor(m))
        return dosing

    def _schedule_in_anchor(self, m: Mention) -> list[Mention]:
        """The dosing schedule named inside a post-dose expression: "the day after each
        weekly dose", "24-48 h after every Q2W dose"."""
        anchor = (m.value or {}).get("anchor_text") or ""
        offset = m.text.find(anchor) if anchor else -1
        if offset < 0:
            return []
        found = []
        for value in find_time_expressions(anchor):
            if value.kind == "interval" and value.interval_days:
                start = m.start + offset + value.start
                data = {**dataclasses.asdict(value), "start": start, "end": start + len(value.text)}
                found.append(Mention(TIMING, value.text, start, start + len(value.text), norm=value.kind,
                                     value=data, sentence=m.sentence))
        return found

    @staticmethod
    def _times(mentions: list[Mention]) -> list[dict[str, Any]]:
        return [{**m.value, "start": m.start, "end": m.end} for m in mentions
                if m.label == TIMING and m.value]

    def _mark_dose_dates(self) -> None:
        """A date that dates a dose ("last dose yesterday", "the dose of 10 June", a table's
        "Dose date" column) is not the date of the episode told in the same sentence."""
        for m in self.mentions:
            if m.label == TIMING and m.value and m.value.get("kind") == "date" and (
                    _DOSE_DATE_LEAD.search(self.text[max(0, m.start - 40) : m.start])
                    or _DOSE_DATE_TRAIL.match(self.text, m.end, m.end + 60)
                    or DOSE_COLUMN.search(column_header(self.text, m.start))
                    or (_FROM_BEFORE.search(self.text, max(0, m.start - 20), m.start)
                        and _SCHEDULE_AFTER.match(self.text, m.end))):
                m.value["is_dose_date"] = True  # ("From 17 April the interval was lengthened")

    def _timed(self, sentences: list[Sentence], by_sentence: dict[int, list[Mention]],
               dosing: dict[int, list[Mention]]) -> list[TimedSentence]:
        timed = []
        for s in sentences:
            mentions = by_sentence[s.index]
            events = [m.start for m in mentions if m.label in (CRS, FEVER) and m.is_asserted]
            timed.append(TimedSentence(s.start, s.end, s.text, tuple(self._times(mentions)),
                                       tuple((m.start, m.end) for m in mentions
                                             if m.label == DRUG and m.is_asserted),
                                       tuple(self._times(dosing.get(s.index, []))),
                                       min(events) if events else None,
                                       self.date_at(s.start) if self.date_at else None,
                                       self._stamp(s)))
        return timed

    def _reading_time(self, mentions: list[Mention]) -> int | None:
        """The clock time written with a temperature: "T 101.3 °F at 21:15", "38.6 @ 02:30"."""
        for m in mentions:
            if m.label == FEVER and m.is_asserted and m.value and m.value.get("temp_c"):
                after = self.text[m.end : m.end + 16]
                found = find_clock_times(after) if _AT_CLOCK.match(after) else []
                if found:
                    return found[0].minutes
        return None

    def _stamp(self, sentence: Sentence) -> int | None:
        """The clock time of a timed entry, written at its head: "03/02 09:40 C4D1 ... given",
        "01/21/2025 | 06:15 | Phone: T 101.1°F", "2115: T 38.5"."""
        if sentence.index not in self._stamps:
            head = sentence.text[:30]
            # (a weekday may head the entry: "Wednesday, 3:00 AM - call from wife")
            clocks = [c for c in find_clock_times(head)
                      if not re.search(r"[A-Za-z]{3,}", _WEEKDAY_HEAD.sub("", head[: c.start]))]
            self._stamps[sentence.index] = clocks[0].minutes if clocks else None
        return self._stamps[sentence.index]

    def _place(self, record: PatientRecord, timeline: Timeline, events: list[_Event],
               by_sentence: dict[int, list[Mention]]) -> None:
        """Study day of each episode, and hours after the dose from dates when not stated;
        the same illness told on neighbouring dates is one episode."""
        for episode in record.episodes:
            sentences = {e.start for e in episode.evidence}
            times = [t for event in events if event.sentence.start in sentences
                     for t in self._times(by_sentence[event.sentence.index])]
            if episode.date is None and episode.cycle is not None:
                # "the day after his C3D1 dose", and the C3D1 dose is dated on the timeline
                episode.date = timeline.date_of(episode.cycle, episode.day, episode.hours_post_dose)
            if episode.date is None and episode.after_dose and len(episode.after_dose) == 10:
                # "after the dose of 24 March ... 20 hours later": 25 March
                days = round(episode.hours_post_dose[0] / 24) if episode.hours_post_dose else 0
                episode.date = (datetime.date.fromisoformat(episode.after_dose)
                                + datetime.timedelta(days=days)).isoformat()
            place_episode(episode, timeline, times)
        record.episodes = merge_same_illness(sorted(record.episodes, key=_time_order), timeline.dose_dates())
        initial = next((e for e in record.episodes if e.phase == "initial"), None)
        linked = initial is not None and bool(initial.hours_post_dose) and \
            initial.hours_post_dose[0] <= self.criteria.max_hours_after_dose  # type: ignore[index]
        if initial is not None and (initial.named_crs or linked):
            day = initial.day if initial.day is not None else initial.day_after_first_dose
            record.first_crs = {"cycle": initial.cycle or (1 if day else None), "day": day,
                                "grade": self._first_grade(initial)}
        timed_doses = timeline.timed_doses()
        for episode in record.episodes:
            if episode.hours_post_dose is None and episode.date and episode.time and timed_doses:
                # a flowsheet: the dose at 10:15 on 20 Jan, the fever at 06:15 on 21 Jan (20 h)
                clock = clock_minutes(episode.time)
                gaps = [hours_between(day, minutes, episode.date, clock) for day, minutes in timed_doses]
                after = [g for g in gaps if g is not None and g <= 7 * 24]
                if after:
                    episode.hours_post_dose = [float(round(min(after)))] * 2
                    episode.hours_source = "clock times"
            if episode.hours_post_dose is None and episode.phase == "late":
                hours = hours_from_dose_dates(episode, timeline)
                if hours is not None:
                    episode.hours_post_dose = hours
                    episode.hours_source = "dates"
        # the record keeps the hours the text states, or reckons from clock times
        # (patient-record.md); hours counted from whole dates stay on the late episodes
        # (patient-record.md); a range stated in days ("on the second day after each
        # infusion", 24-48 h) that only holds the hours stated or clocked for the episodes
        # ("40 h", "38 h", "42 h") adds nothing and is left out
        precise = [h for e in record.episodes if e.hours_source in ("stated", "clock times")
                   for h in e.hours_post_dose or []]
        hours = list(precise)
        for e in record.episodes:
            if e.hours_source == STATED_IN_DAYS and e.hours_post_dose and not (
                    precise and e.hours_post_dose[0] <= min(precise) and max(precise) <= e.hours_post_dose[1]):
                hours.extend(e.hours_post_dose)
        if hours:
            record.hours_post_dose = [min(hours), max(hours)]
            record.sources["hours_post_dose"] = "stated" if all(
                e.hours_source != "clock times" for e in record.episodes if e.hours_post_dose) else "clock times"

    # -- drugs ---------------------------------------------------------------------------
    def _drugs(self, record: PatientRecord, sentences: list[Sentence],
               by_sentence: dict[int, list[Mention]]) -> None:
        for sentence in sentences:
            for m in by_sentence[sentence.index]:
                if m.label == DRUG and m.is_asserted and not m.is_uncertain and m.norm:
                    if _PLAN_BEFORE.fullmatch(self.text, sentence.start, m.start):
                        continue  # "Plan glofitamab (obinutuzumab pretreatment) or a trial slot"
                    # ("et al." may have ended the sentence before: look a little further back)
                    if _OTHERS_TREATED.search(self.text, max(0, sentence.start - 40), m.start) \
                            and not _THIS_PATIENT.search(self.text, sentence.start, m.start):
                        continue  # "the series of Della Pepa et al., in patients treated with talquetamab"
                    if m.norm not in record.drugs:
                        record.drugs.append(m.norm)
                        target = m.attrs.get("target")
                        if target and target not in record.drug_targets:
                            record.drug_targets.append(target)
                        record.evidence.setdefault("drugs", []).append(
                            self.evidence(m.start, m.end))

    # -- events --------------------------------------------------------------------------
    def _events(self, sentences: list[Sentence], by_sentence: dict[int, list[Mention]],
                record: PatientRecord, timeline: Timeline) -> list[_Event]:
        events: list[_Event] = []
        explained_until = -1
        explained_at: set[int] = set()  # positions of fever sentences explained by an infection
        explained_dates: set[datetime.date | None] = set()
        for position, sentence in enumerate(sentences):
            mentions = by_sentence[sentence.index]
            crs = self._named_crs(mentions)
            crs = [m for m in crs if m.section not in _PAST_SECTIONS]
            fever = [m for m in mentions if m.label == FEVER and m.is_asserted and m.section not in _PAST_SECTIONS
                     and not (m.value and m.value.get("temp_c") is not None
                              and float(m.value["temp_c"]) < self.criteria.fever_threshold_c)]
            if not fever and self.criteria.fever_threshold_c < FEVER_THRESHOLD_C:
                fever = self._low_fevers(sentence)
                mentions = mentions + fever
            if not crs and not fever:
                continue
            if _LITERATURE.search(sentence.text) and not _THIS_PATIENT.search(sentence.text):
                continue  # "CRS occurred in about half of patients in DeLLphi-301"
            if sentence.text.rstrip().endswith("?"):
                continue  # a question ("what caused the fever after C5D1?") asserts nothing
            if _ABBREVIATIONS.match(sentence.text):
                continue  # "Abbreviations: ... CRS, cytokine release syndrome."
            if sentence.text.rstrip().endswith(":") and position + 1 < len(sentences) and \
                    _LIST_ITEM.match(sentences[position + 1].text):
                continue  # "She had three febrile presentations after doses:" heads the list that tells them
            added = _ADDED_BECAUSE.search(sentence.text)
            if added and all(sentence.start + added.start() <= m.start < sentence.start + added.end()
                             for m in crs + fever):
                continue  # "dexamethasone was added because of the recurrent CRS": prevention, not an event
            continued = (position - 1 in explained_at and _CONTINUES.search(sentence.text)) or (
                _RESOLVED.search(sentence.text) and any(p in explained_at for p in (position - 1, position - 2))
                and not self._paragraph_break(sentences[position - 1], sentence))
            if not crs and (self._fever_explained(sentence, mentions) or position <= explained_until or continued):
                explained_at.add(position)
                explained_dates.add(self._event_date(sentence, mentions))
                if position > explained_until and not continued:
                    record.other_fevers.append({
                        "explained_by": "neutropenia" if _NEUTROPENIC.search(sentence.text)
                        else "documented infection",
                        "evidence": [self.sentence_evidence(sentence).to_dict()]})
                continue
            if not crs and self.criteria.exclude_infection_explained:
                blamed = self._blamed_on_infection(sentences, position, by_sentence)
                if blamed is not None:
                    # "fever of 38.9 °C two days after a weekly dose. SARS-CoV-2 PCR was
                    # positive": an infection, kept on the record but not a CRS episode
                    record.other_fevers.append({
                        "explained_by": "documented infection",
                        "evidence": [self.sentence_evidence(sentence).to_dict(),
                                     self.sentence_evidence(sentences[blamed]).to_dict()]})
                    explained_until = blamed
                    explained_at.update(range(position, blamed + 1))
                    explained_dates.add(self._event_date(sentence, mentions))
                    continue
            lead = [m for back in (2, 1) if position - back >= 0
                    and not self._paragraph_break(sentences[position - back], sentence)
                    for m in by_sentence[sentences[position - back].index]]
            phase = self._phase(sentence, mentions, events, timeline, lead)
            events.append(_Event(sentence, phase, bool(crs), mentions))
        cause = self._other_cause(sentences, by_sentence)
        if cause is not None:
            # "we considered CRS unlikely and attributed the fevers to carfilzomib": the fevers
            # the text does not call CRS are that drug's, not CRS episodes
            kept = []
            for event in events:
                if event.named_crs or event.phase != "late" or (
                        cause[2] is not None and event.sentence.index != cause[2]):
                    kept.append(event)
                    continue
                record.other_fevers.append({"explained_by": f"attributed to {cause[0]}",
                                            "evidence": [self.sentence_evidence(event.sentence).to_dict(),
                                                         cause[1].to_dict()]})
            events = kept
        told = [f for f in record.other_fevers if f["explained_by"] == "documented infection"]
        # (one retelling may hold several dated infections: "On 12.5.25 ... influenza A. On 23.6.25")
        explained = max(len(told), len({d for d in explained_dates if d is not None}))
        late = [e for e in events if e.phase == "late"]
        if explained >= 2 and late and not any(
                _THIS_PATIENT.search(e.sentence.text) or any(
                    m.label == TIMING and m.value and (m.value.get("kind") in ("date", "cycle_day") or (
                        m.value.get("kind") == "post_dose" and m.value.get("unit") in ("hour", "minute")))
                    for m in e.mentions) for e in late):
            # each late fever told one by one had a documented infection ("influenza A ...
            # Pneumocystis ... C. difficile"); the title, key message and discussion that sum
            # up "these three episodes" speak of the same fevers, not of other, CRS episodes
            # (an episode of its own has a date, a cycle day, hours or "he"/"she")
            events = [e for e in events if e.phase != "late"]
        if self.date_at is not None:
            # in a note export, the same day's fever told in another note (the nursing note
            # of the admission whose discharge summary names the pneumonia) is that infection
            known = {d for d in explained_dates if d is not None}
            events = [e for e in events if e.named_crs or not any(
                abs((d - when).days) <= 1 for d in known
                for when in [self._event_date(e.sentence, e.mentions)] if when is not None)]
        return events

    def _other_cause(self, sentences: list[Sentence],
                     by_sentence: dict[int, list[Mention]]) -> tuple[str, Evidence, int | None] | None:
        """The agent a sentence blames the fevers on when it is not a T-cell engager or CRS:
        "attributed the fevers to carfilzomib", "ascribed these reactions to isatuximab" (all the
        late fevers not called CRS), or the fevers of one sentence called an infusion reaction
        to another drug ("T 38.6 about 2 h into rituximab on C1D1 and C2D1 = infusion-related
        reaction to rituximab"): the cause, its evidence and that one sentence (None: all)."""
        for pattern, only in ((_ATTRIBUTED_TO, False), (_REACTION_TO, True)):
            for sentence in sentences:
                for match in pattern.finditer(sentence.text):
                    at = sentence.start + match.start("cause")
                    if any(m.label in (DRUG, CRS) and m.start <= at < m.end for m in by_sentence[sentence.index]):
                        continue  # "attributed the fevers to talquetamab", "... to late CRS"
                    if _NOT_A_CAUSE.match(match.group("cause")):
                        continue
                    return match.group("cause"), self.sentence_evidence(sentence), sentence.index if only else None
        return None

    @staticmethod
    def _own_dates(mentions: list[Mention]) -> list[datetime.date]:
        """The full dates a sentence gives itself, not those of a dose ("the dose of 10 June")."""
        return [when for m in mentions
                if m.label == TIMING and m.value and m.value.get("kind") == "date" and not m.value.get("is_dose_date")
                and (when := parse_iso(m.value.get("date"))) is not None]

    def _event_date(self, sentence: Sentence, mentions: list[Mention]) -> datetime.date | None:
        """The date of an event sentence: its own date, else its note's date (exports)."""
        own = self._own_dates(mentions)
        if own:
            return own[0]
        return parse_iso(self.date_at(sentence.start)) if self.date_at is not None else None

    def _low_fevers(self, sentence: Sentence) -> list[Mention]:
        """Temperatures between the criteria's lower fever threshold and 38.0 °C (which the
        pipeline does not tag as FEVER), as fever mentions of this sentence."""
        return [Mention(FEVER, t.text, sentence.start + t.start, sentence.start + t.end, norm="fever",
                        value={"temp_c": t.celsius, "scale": t.scale}, sentence=sentence.index,
                        rule_id="fever.criteria_threshold")
                for t in find_temperatures(sentence.text)
                if self.criteria.fever_threshold_c <= t.celsius < FEVER_THRESHOLD_C]

    def _named_crs(self, mentions: list[Mention]) -> list[Mention]:
        # "Prior lines: ... teclistamab (grade 1 CRS during step-up only)": an earlier therapy's CRS
        return [m for m in mentions if m.label == CRS and m.is_asserted and not m.is_uncertain
                and not m.is_historical and not cues.NOT_AN_EPISODE.match(self.text, m.end)
                and not self._field_says_no(m)]

    def _field_says_no(self, m: Mention) -> bool:
        """A form's field whose label names the mention and whose value denies it: "Late CRS
        (after cycle 1): No", "Treatment of late CRS (choice=Corticosteroids): Unchecked"."""
        if ":" in self.text[self.text.rfind("\n", 0, m.start) + 1 : m.start]:
            return False  # the mention is in the value, not in the label
        end = self.text.find("\n", m.end)
        rest = self.text[m.end : end if end >= 0 else len(self.text)]
        label_end = rest.find(":")
        # (the label runs from the line's start through the mention to its colon, in one breath)
        return 0 <= label_end <= 60 and not re.search(r"[.;!?]\s", rest[:label_end]) \
            and _FIELD_NO.match(rest[label_end + 1 :]) is not None

    def _blamed_on_infection(self, sentences: list[Sentence], position: int,
                             by_sentence: dict[int, list[Mention]]) -> int | None:
        """Position of a following sentence of the same paragraph that documents an
        infection as the cause of this fever (positive culture, PCR, imaging), unless
        the paragraph attributes the fever to CRS instead."""
        in_note = self.date_at is not None and self.note_at is not None
        reach = 25 if in_note else 5  # a note is one visit: its assessment may come much later
        blamed = self._blamed_in(sentences, position, by_sentence, in_note, reach)
        if blamed is None:
            return None
        if self._states_pattern(by_sentence[sentences[position].index]) and \
                cues.WORKUP_NEGATIVE.search(sentences[blamed].text):
            # "fever every two weeks, 36-48 h after each injection. ... negative at five episodes;
            # at the third the SARS-CoV-2 PCR was positive": one infection among CRS episodes
            return None
        for later in range(position + 1, blamed + 1):
            # "... identified two documented infections. However, several febrile episodes lacked
            # a clear infectious source and were attributed to CRS": not all infection
            mentions = by_sentence[sentences[later].index]
            if self._named_crs(mentions) and cues.CRS_ATTRIBUTION.search(sentences[later].text):
                return None
        for later in range(blamed + 1, min(position + reach, len(sentences))):
            if not self._same_unit(sentences, position, later, in_note):
                break
            mentions = by_sentence[sentences[later].index]
            if self._named_crs(mentions) and cues.CRS_ATTRIBUTION.search(sentences[later].text):
                return None
        return blamed

    def _same_unit(self, sentences: list[Sentence], position: int, later: int, in_note: bool) -> bool:
        """Whether a later sentence is in the same note (exports) or paragraph (reports)."""
        if in_note:
            return self.note_at(sentences[later].start) == self.note_at(sentences[position].start)  # type: ignore[misc]
        return not any(self._paragraph_break(sentences[k - 1], sentences[k]) for k in range(position + 1, later + 1))

    def _blamed_in(self, sentences: list[Sentence], position: int, by_sentence: dict[int, list[Mention]],
                   in_note: bool, reach: int) -> int | None:
        for later in range(position + 1, min(position + reach, len(sentences))):
            follower = sentences[later]
            if in_note:
                if self.note_at(follower.start) != self.note_at(sentences[position].start):  # type: ignore[misc]
                    return None
            elif self._paragraph_break(sentences[later - 1], follower):
                return None
            mentions = by_sentence[follower.index]
            if self._named_crs(mentions) and cues.CRS_ATTRIBUTION.search(follower.text):
                return None
            workups = [m for m in mentions if m.label == INFECTION_WORKUP]
            infections = [m for m in mentions if self._documents_infection(m, workups)]
            if infections and (in_note or cues.WORKUP_POSITIVE.search(follower.text)
                               or cues.INFECTION_CAUSE.search(follower.text)
                               or cues.INFECTION_CONFIRMED.search(follower.text)):
                return later  # in a note, the visit's diagnosis: "A/P: Klebsiella bacteremia"
            if workups and cues.WORKUP_POSITIVE.search(follower.text) and \
                    not cues.WORKUP_NEGATIVE.search(follower.text):
                return later  # "the pneumococcal urinary antigen was positive"
            if in_note and self.criteria.exclude_neutropenic_fever and _NEUTROPENIC.search(follower.text):
                return later  # the same visit: "Labs: WBC 0.6, ANC 0.2" -> neutropenic fever
        return None

    def _fever_explained(self, sentence: Sentence, mentions: list[Mention]) -> bool:
        """A fever the same sentence blames on an infection or neutropenia."""
        if self.criteria.exclude_neutropenic_fever and any(
                not _HOLD_REASON.search(self.text, max(sentence.start, sentence.start + n.start() - 60),
                                        sentence.start + n.start())
                for n in _NEUTROPENIC.finditer(sentence.text)):
            return True  # (a dose "skipped for neutropenia (ANC 0.6)" does not explain a later fever)
        if not self.criteria.exclude_infection_explained:
            return False
        infections = [m for m in mentions if m.label == INFECTION and m.is_asserted
                      and not _HOLD_REASON.search(self.text, max(sentence.start, m.start - 60), m.start)]
        if not infections:
            # "fever of 38.9 °C with cough; the pneumococcal urinary antigen was positive": a
            # positive test told with the fever (and nothing negative beside it) explains it
            return not cues.WORKUP_NEGATIVE.search(sentence.text) and any(
                m.label == INFECTION_WORKUP and m.is_asserted and not m.is_hypothetical
                and _POSITIVE_AFTER.match(self.text, m.end, min(sentence.end, m.end + 40))
                for m in mentions)
        if cues.INFECTION_CAUSE.search(sentence.text):
            return True
        # "10/26: febrile 103.5 °F, Klebsiella bacteremia (BCx 2/2 bottles), treated with cefepime"
        workups = [m for m in mentions if m.label == INFECTION_WORKUP]
        # a named infection diagnosed beside the fever is its explanation, in a retelling too
        # ("Interval history: 09/02: febrile 100.9 °F, community-acquired pneumonia")
        documented = [m for m in infections if m.norm != "infection"
                      and self._documents_infection(dataclasses.replace(m, is_historical=False), workups)]
        return bool(documented)

    def _phase(self, sentence: Sentence, mentions: list[Mention], events: list[_Event],
               timeline: Timeline | None = None, lead: list[Mention] | None = None) -> str:
        text = sentence.text
        initial = len(cues.INITIAL_PHASE.findall(text))
        late = len(cues.LATE_PHASE.findall(text))
        events_at = [m for m in mentions if m.label in (CRS, FEVER) and m.is_asserted]
        for m in mentions:
            if m.label != TIMING or not m.value:
                continue
            kind = m.value.get("kind")
            if kind == "cycle_day":
                cycle = m.value.get("cycle")
                day = m.value.get("day")
                # the cycle day written beside the CRS ("(grade 1 CRS on C1D3, paracetamol only)")
                # outweighs the schedule told in the rest of the sentence
                near = [abs(m.start - e.end) <= 12 or abs(e.start - m.end) <= 12 for e in events_at]
                weight = 4 if near and all(near) else 2
                if day is None and _BEYOND.search(self.text[max(0, m.start - 12) : m.start]):
                    late += 1  # "beyond cycle 1", "after C1" (but "following C1D8" is in cycle 1)
                elif cycle == 1 or (cycle is None and day is not None and day <= self.criteria.initial_phase_max_day):
                    initial += weight
                elif cycle is not None and cycle >= 2:
                    late += weight
            elif kind == "interval" and m.value.get("interval_days"):
                late += 1
            elif kind in ("date", "date_list") and timeline is not None:
                # a dated event: its study day against the first-dose date (cycle 1 = 28 days);
                # a list ("On 10 March and 7 April 2025 he presented febrile episodes") by its first
                days = timeline.study_days_of_date(m.value.get("date") or next(iter(m.value.get("dates") or ()), None))
                if days is not None and days[1] <= self.criteria.initial_phase_max_day:
                    initial += 2
                elif days is not None and days[0] > self.criteria.initial_phase_max_day:
                    late += 2  # ("started in March 2024" ... "On Saturday, September 14")
                elif days is not None:
                    pass  # a first-dose month that leaves the phase open
                else:
                    # no first-dose date: the cycle of the dated dose it follows ("03/03 C3D1
                    # given ... 03/04 fever")
                    cycle = timeline.cycle_before(m.value.get("date"))
                    if cycle is not None:
                        initial, late = (initial + 2, late) if cycle == 1 else (initial, late + 2)
        if self.date_at is not None and timeline is not None and not any(
                m.label == TIMING and m.value and m.value.get("kind") in ("date", "cycle_day") for m in mentions):
            day = timeline.day_of_date(self.date_at(sentence.start))
            if day is not None:
                initial, late = (initial + 2, late) if day <= self.criteria.initial_phase_max_day else \
                    (initial, late + 2)
        if initial == late == 0 and timeline is not None and lead:
            # "Talquetamab given 2025/04/22 at 14:00. Temp 38.9 at 08:00 today": the dose
            # dated just before, months after the first dose
            dated = [timeline.study_days_of_date(m.value.get("date")) for m in lead
                     if m.label == TIMING and m.value and m.value.get("kind") == "date"]
            days = next((d for d in reversed(dated) if d is not None), None)
            if days is not None and days[0] > self.criteria.initial_phase_max_day:
                return "late"
            if days is not None and days[1] <= self.criteria.initial_phase_max_day:
                return "initial"
        if initial > late:
            return "initial"
        if late > initial:
            return "late"
        if events and self.note_at is not None and self.note_at(events[-1].sentence.start) == \
                self.note_at(sentence.start):
            return events[-1].phase  # one note is one visit: "Assessed as CRS grade 2."
        if events and sentence.index - events[-1].sentence.index <= 2 and \
                not self._paragraph_break(events[-1].sentence, sentence):
            return events[-1].phase  # "This was graded as grade 1 CRS": the same episode
        return "late" if events else "initial"

    # -- episodes ------------------------------------------------------------------------
    def _episodes(self, record: PatientRecord, events: list[_Event], sentences: list[Sentence],
                  by_sentence: dict[int, list[Mention]]) -> None:
        initial: Episode | None = None
        pattern: Episode | None = None
        episodes: list[Episode] = []
        placed: dict[tuple[Any, ...], Episode] = {}
        last_late: tuple[int, Episode] | None = None
        last_event_index = -10
        position = {s.index: i for i, s in enumerate(sentences)}
        passages: dict[int, list[Sentence]] = {}  # the sentences of each episode, for its ASTCT grade
        for event in events:
            grade, scale = self._grade(event.mentions)
            counted = _COUNTED.search(event.sentence.text) is not None  # a retelling of several
            where = None if counted else self._onset_position(event.mentions)
            lead: Sentence | None = None
            if where is None and event.phase == "late" and not self._states_pattern(event.mentions) and not counted:
                where, lead = self._position_before(sentences, position[event.sentence.index], by_sentence,
                                                    events)
            if where is None and event.phase == "late" and self.date_at is not None:
                note_date = self.date_at(event.sentence.start)
                where = ("date", note_date) if note_date else None  # a note: the episode is on its date
            if event.phase == "initial":
                if initial is None:
                    initial = Episode(phase="initial")
                    episodes.append(initial)
                episode = initial
            elif where is not None:
                # a late episode placed on its own dose ("30 hours after C4D1", "On 12
                # June, the day after the dose"): one episode per place
                if where not in placed:
                    placed[where] = Episode(phase="late")
                    episodes.append(placed[where])
                episode = placed[where]
            elif last_late is not None and not self._recurring(event) and (
                    position[event.sentence.index] - last_late[0] <= 1 or (
                        (position[event.sentence.index] - last_late[0] <= 3 or _SINGLE.search(event.sentence.text))
                        and not self._paragraph_break(sentences[last_late[0]], event.sentence))):
                # ("Dr. L by video: fever in the night after the dose, single episode": the same one)
                # "He was admitted ... The episode was attributed to CRS."; "Temp 38.9 at 08:00
                # today. Sent to the Day Unit. Day Unit note: T 38.7 °C, BP 118/70"
                episode = last_late[1]
            elif grade is not None and pattern is not None and (
                    (pattern.grade is not None and grade != pattern.grade)
                    or not self._recurring(event)):
                # a late episode with a grade of its own ("an intense grade 3 CRS episode
                # during maintenance dosing") is told apart from the recurring pattern
                episode = Episode(phase="late")
                episodes.append(episode)
            else:
                if pattern is None:
                    pattern = Episode(phase="late")
                    episodes.append(pattern)
                episode = pattern
            if event.phase == "late":
                last_late = (position[event.sentence.index], episode)
                if where is not None and where[0] == "cycle_day" and episode.cycle is None:
                    episode.cycle, episode.day = where[1], where[2]
                elif where is not None and where[0] == "date" and episode.date is None:
                    episode.date = where[1]
                elif where is not None and where[0] == "dose" and episode.after_dose is None:
                    episode.after_dose = where[1]
            if lead is not None:
                # "Twenty-eight hours after the C3D15 dose he returned to the ED. Vitals: T 102.6°F"
                for m in by_sentence[lead.index]:
                    hours = self._onset_hours(lead, m) if m.label == TIMING else None
                    if hours is not None and episode.hours_post_dose is None:
                        episode.hours_post_dose = [hours[0], hours[1]]
                        episode.hours_source = _stated_source(m, episode.hours_source)
                        episode.evidence.append(self.evidence(m.start, m.end))
            self._fill(episode, event, grade, scale)
            passage = passages.setdefault(id(episode), [])
            passage.extend(s for s in (lead, event.sentence) if s is not None)
            last_event_index = position[event.sentence.index]
            # management sentences that follow the event
            for follower in sentences[last_event_index + 1 : last_event_index + 9]:  # to the paragraph end
                if any(e.sentence.index == follower.index for e in events):
                    break
                if self._paragraph_break(sentences[position[follower.index] - 1], follower):
                    break
                mentions = by_sentence[follower.index]
                if cues.OTHER_EVENT.search(follower.text) and not any(
                        m.label in (CRS, FEVER) for m in mentions):
                    break
                passage.append(follower)
                if not cues.MANAGEMENT.search(follower.text) and not self._opens_with_treatment(follower, mentions):
                    continue
                self._add_treatments(episode, follower, mentions)
        for episode in episodes:
            self._derive_grade(episode, passages.get(id(episode), []))
        placed_late = [e for e in placed.values()]
        if pattern is not None and len(placed_late) >= 2:
            pattern.summary = True
        if self.date_at is not None:
            for episode in placed_late:
                # in a note export one dated visit is one occurrence, whatever it is called
                # ("23/05: fever after C5D1 (recurrent CRS)"); recurrence is counted over visits
                episode.recurrent = False
        record.episodes = sorted(episodes, key=_time_order)
        for episode in episodes:
            for name in episode.treatments:
                if name not in record.treatments:
                    record.treatments.append(name)
        grades = [e.grade for e in episodes if e.grade is not None]
        record.max_grade = max(grades) if grades else None

    def _preventive_treatments(self, record: PatientRecord, sentences: list[Sentence],
                               by_sentence: dict[int, list[Mention]]) -> None:
        """Premedication added because of the episodes is a CRS treatment: "dexamethasone
        8 mg was reintroduced before each injection because of the repeated episodes";
        routine per-protocol premedication is not."""
        first_late = min((e.start for episode in record.episodes if episode.phase == "late"
                          for e in episode.evidence[:1]), default=None)
        for sentence in sentences:
            lowered = sentence.text.lower()
            if not any(verb in lowered for verb in _ADDING_VERBS):
                continue  # neither "added", "introduced", "started", ... nor "reinstated"
            reintroduced = first_late is not None and sentence.start > first_late and \
                _REINTRODUCED.search(sentence.text) and not _PROPOSED.search(sentence.text)
            if not _ADDED_BECAUSE.search(sentence.text) and not reintroduced:
                continue
            for m in by_sentence[sentence.index]:
                if m.label != TREATMENT or not m.norm or m.is_negated or m.is_hypothetical \
                        or m.attrs.get("treatment_class") == "antihistamine":
                    continue
                if m.norm not in record.treatments:
                    record.treatments.append(m.norm)
                    record.evidence.setdefault("treatments", []).append(self.evidence(m.start, m.end))

    def _opens_with_treatment(self, sentence: Sentence, mentions: list[Mention]) -> bool:
        """A verbless management line after an event: "Paracetamol.", "One injection of
        tocilizumab 8 mg/kg, apyrexia in 4 hours.", "Tocilizumab x1, dexamethasone 10 mg"."""
        first = next((m for m in mentions if m.label == TREATMENT), None)
        if first is None:
            return False
        lead = self.text[sentence.start : first.start]
        if _TREATMENT_NOT_GIVEN.search(sentence.text):
            return False  # "TCZ was stocked at all 4 sites but was not used"
        return len(_WORD.findall(lead)) <= 3 and not re.search(r"[.;:]", lead.strip(" -•*\t\n"))

    def _derive_grade(self, episode: Episode, passage: list[Sentence]) -> None:
        """The ASTCT 2019 grade from the episode's sentences, beside the stated one.

        The stated grade wins; the derived one fills in when none is stated. A disagreement
        with a stated ASTCT (or unnamed) grade is recorded, not resolved.
        """
        if not passage:
            return
        ordered = sorted({s.start: s for s in passage}.values(), key=lambda s: s.start)
        text = " ".join(s.text.strip() for s in ordered)
        anticytokine = any(t in _ANTICYTOKINE for t in episode.treatments)
        fever = episode.max_temp_c is not None or episode.named_crs or None
        derived = derive_from_text(text, fever=fever, anticytokine_given=anticytokine)
        episode.derived_grade = derived.grade
        episode.derived_reasons = list(derived.reasons)
        if derived.grade == 1 and not vitals_reported(text):
            # a temperature alone does not show that blood pressure and oxygen were normal:
            # no grade (the annotation guidelines, as in the seed's gold)
            episode.derived_grade = None
            episode.derived_reasons.append("blood pressure and oxygenation are not reported -> no grade")
        if episode.grade is not None:
            episode.stated_grade = episode.grade
            episode.grade_scale = episode.grade_scale or "unstated"
            if episode.grade_scale in ("ASTCT", "unstated"):
                episode.grade_disagreement = grade_disagreement(episode.grade, derived.grade)
        elif episode.derived_grade is not None:
            episode.grade = episode.derived_grade
            episode.grade_source = "derived"
            episode.grade_scale = "ASTCT"

    def _position_before(self, sentences: list[Sentence], at: int, by_sentence: dict[int, list[Mention]],
                         events: list[_Event]) -> tuple[tuple[Any, ...] | None, Sentence | None]:
        """The dose a late event belongs to when a sentence just before it, in the same
        paragraph and not itself an event, names it ("Third late episode (C4D1). Before
        C4D1 the team added dexamethasone ... Thirty-two hours after the dose he had ...")."""
        event_starts = {e.sentence.start for e in events}
        for back in range(at - 1, max(at - 3, -1), -1):
            sentence = sentences[back]
            if sentence.start in event_starts or self._paragraph_break(sentence, sentences[back + 1]):
                return None, None
            where = self._onset_position(by_sentence[sentence.index])
            if where is not None:
                return where, sentence
        return None, None

    def _first_grade(self, initial: Episode) -> int | None:
        """The grade of the first CRS of the initial phase: the first grade stated in the
        episode's first sentence, else the episode's grade."""
        if initial.stated_grade is not None and initial.evidence:
            first = initial.evidence[0]
            grade, _ = self._grade([m for m in self.mentions if first.start <= m.start < first.end], first=True)
            if grade is not None:
                return grade
        if initial.stated_grade is None:
            # the grades written clause by clause of a list ("she had CRS: on day 1, ..., 38.7 °C
            # (grade 1); on day 8, ... (grade 1); and on day 15, ... (grade 2)"): the first one
            for evidence in sorted(initial.evidence, key=lambda e: e.start):
                grades = [m for m in self.mentions if m.label == GRADE and m.is_asserted and m.value
                          and not m.value.get("qualitative") and evidence.start <= m.start < evidence.end]
                if grades and grades[0].value:
                    return grades[0].value.get("high")
        return initial.grade

    def _states_pattern(self, mentions: list[Mention]) -> bool:
        """"fever after every dose", "24-48 h after each infusion": a pattern, not one episode
        (but not "fever did not recur after the next five weekly administrations")."""
        return any(m.label == TIMING and m.value and m.value.get("periodic") and m.value.get("kind") == "post_dose"
                   and not cues.DENIED_BEFORE.search(self.text, max(0, m.start - 40), m.start)
                   for m in mentions)

    def _onset_position(self, mentions: list[Mention]) -> tuple[Any, ...] | None:
        """Where a late event sits when its sentence names one dose or one day: a full
        date, or a cycle-day past cycle 1; None for a pattern ("after each dose")."""
        if self._states_pattern(mentions):
            return None  # "the day after each of the four weekly injections (C3D1, C3D8, ...)"
        dose_date: tuple[Any, ...] | None = None
        fevers = [m for m in mentions if m.label in (FEVER, CRS) and m.is_asserted]
        onset = min((f.start for f in fevers), default=-1)

        def day_named_after(position: int) -> bool:
            """A cycle day later in the sentence: the episode's own, not its dose's."""
            return any(later.label == TIMING and later.start >= position and later.value
                       and later.value.get("kind") == "cycle_day" and later.value.get("day") for later in mentions)

        for m in mentions:
            # the date written with the fever ("MD review 04/01: fever 03/12 after C4") is the
            # episode's, whatever date the line opens with
            full_date = m.label == TIMING and m.value is not None and m.value.get("kind") == "date" \
                and len(m.value.get("date") or "") == 10 and not m.value.get("is_dose_date")
            if full_date and m.value is not None and any(
                    0 <= m.start - f.end <= 8 and _ON_ONLY.fullmatch(self.text, f.end, m.start) for f in fevers):
                return ("date", m.value["date"])
        for m in mentions:
            if m.label != TIMING or not m.value or m.value.get("periodic"):
                continue
            value = m.value
            if value.get("kind") == "date" and value.get("date") and len(value["date"]) == 10:
                if value.get("is_dose_date"):
                    # "after the dose of 24 March": the episode of that dose, unless dated itself;
                    # of several, the last before the fever ("From 17 April the interval was
                    # lengthened, but the next injection, on 15 May, was followed by 38,4 °C")
                    if dose_date is None or m.start < onset:
                        dose_date = ("dose", value["date"])
                    continue
                return ("date", value["date"])
            if value.get("kind") == "cycle_day" and value.get("cycle") and value["cycle"] >= 2 \
                    and value.get("day"):
                if _DOSE_AFTER_CYCLE_DAY.match(self.text, m.end) and day_named_after(m.end + 1):
                    continue  # "followed the C4D1 dose: on C4D2 he ...": the episode is on C4D2
                return ("cycle_day", value["cycle"], value["day"])
            # "30 hours after his C3D1 dose": the dose is named inside the expression
            anchor = _CYCLE_DAY.search(value.get("anchor_text") or "")
            if value.get("kind") == "post_dose" and anchor and int(anchor.group(1)) >= 2:
                if day_named_after(m.end):
                    continue  # "After the C5D1 dose a fourth episode occurred on C5D2"
                return ("cycle_day", int(anchor.group(1)), int(anchor.group(2)))
        return dose_date

    def _grade(self, mentions: list[Mention], first: bool = False) -> tuple[int | None, str | None]:
        """The CRS grade of a sentence: a grade written next to a CRS mention (the highest,
        or with ``first`` the first written: "G1 CRS on C1D2 ... and G2 CRS on C1D9" -> 1)."""
        crs = [m for m in mentions if m.label == CRS and m.is_asserted]
        best: tuple[int | None, str | None] = (None, None)
        for g in (m for m in mentions if m.label == GRADE and m.value):
            if g.value is None or g.value.get("qualitative"):
                continue
            for c in crs:
                gap = c.start - g.end if c.start >= g.end else g.start - c.end
                between = self.text[min(g.end, c.end): max(g.start, c.start)]
                limit = 4 if c.start >= g.end else 32
                if 0 <= gap <= limit and not re.search(r"[.;]", between):
                    high = g.value.get("high")
                    if first:
                        return high, g.value.get("scale")
                    if best[0] is None or (high is not None and high > best[0]):
                        best = (high, g.value.get("scale"))
        return best

    def _fill(self, episode: Episode, event: _Event, grade: int | None,
              scale: str | None) -> None:
        sentence = event.sentence
        clock_hours = self._clock_hours(sentence, event.mentions)
        pattern = self._states_pattern(event.mentions)
        episode.named_crs = episode.named_crs or event.named_crs
        if grade is not None and (episode.grade is None or grade > episode.grade):
            episode.grade = grade
            episode.grade_source = "stated"
            episode.grade_scale = scale
        if episode.onset_text is None:
            episode.onset_text = sentence.text.strip()[:200]
        if episode.date is None and self.date_at is not None and self._onset_position(event.mentions) is None \
                and not any(m.label == TIMING and m.value and m.value.get("kind") in ("date", "cycle_day")
                            for m in event.mentions):
            episode.date = self.date_at(sentence.start)  # a note: the episode is on the note's date
        episode.evidence.append(self.sentence_evidence(sentence))
        if episode.phase == "late" and not _SINGLE.search(sentence.text) and (
                pattern  # "fever 20-30 h after 5 consecutive doses"
                or self._recurring(event)):
            episode.recurrent = True
        for m in event.mentions:
            if m.label == FEVER and m.value and m.value.get("temp_c") and m.is_asserted:
                temp = float(m.value["temp_c"])
                if episode.max_temp_c is None or temp > episode.max_temp_c:
                    episode.max_temp_c = temp
            if m.label == TIMING and m.value:
                kind = m.value.get("kind")
                if kind == "cycle_day" and episode.day is None and m.value.get("day") is not None:
                    episode.day = m.value.get("day")
                    episode.cycle = m.value.get("cycle")
                    if episode.cycle in (None, 1):
                        episode.day_after_first_dose = episode.day
                elif kind in ("post_dose", "elapsed"):
                    hours = self._onset_hours(sentence, m)
                    if hours is None or (clock_hours is not None and NEXT_DAY.search(m.text)):
                        continue  # "at 04:00 the next day" after a 10:00 dose is 18 h, not 24
                    episode.hours_post_dose = _widened(episode.hours_post_dose, *hours)
                    episode.hours_source = _stated_source(m, episode.hours_source)
                elif kind == "date" and m.value.get("date") and episode.date is None \
                        and not m.value.get("is_dose_date") and not pattern and not _COUNTED.search(sentence.text):
                    episode.date = m.value["date"]  # ("from 9 December, fever after every dose": a start)
        # the reading's own clock time ("Reports T 101.3 °F at 21:15"), else the entry's stamp,
        # written at the head of its line ("03/12/2025 | 21:40 | Reached pt by phone. Reports ...")
        stamp = self._reading_time(event.mentions)
        line: Sentence | None = sentence
        while stamp is None and line is not None:
            stamp = self._stamp(line)
            line = self._previous_on_line(line)
        if episode.time is None and stamp is not None:
            episode.time = clock_text(stamp)
        if clock_hours is not None:
            episode.hours_post_dose = _widened(episode.hours_post_dose, clock_hours, clock_hours)
            episode.hours_source = episode.hours_source or "clock times"
        self._add_treatments(episode, sentence, event.mentions)

    def _recurring(self, event: _Event) -> bool:
        """Whether an event sentence tells a recurrence, its dosing schedules blanked and a
        denied one dropped ("it did not recur over the next 14 weekly infusions": no)."""
        text = cues.NOT_RECURRING.sub(" ", self._without_dosing(event.sentence, event.mentions))
        return cues.RECURRING.search(text) is not None

    def _without_dosing(self, sentence: Sentence, mentions: list[Mention]) -> str:
        """The sentence with its dosing schedules blanked: "on elranatamab every other week, had
        a single febrile evening" says nothing of recurrence."""
        text = sentence.text
        for m in mentions:
            if m.label == TIMING and m.value and m.value.get("kind") == "interval" and \
                    interval_role(self.text, m, mentions) == "dosing":
                start, end = m.start - sentence.start, m.end - sentence.start
                text = text[:start] + " " * (end - start) + text[end:]
        return text

    def _clock_hours(self, sentence: Sentence, mentions: list[Mention]) -> float | None:
        """Hours from a dose to the onset told by two clock times of one sentence: "dosed at
        10:00, she was febrile at 04:00 the next day" (18 h)."""
        at = min((m.start for m in mentions if m.label in (CRS, FEVER) and m.is_asserted), default=None)
        if at is None:
            return None
        # the dose may be timed in the sentence before, on the same line: "- C4D1, Mon 31 Mar,
        # injection 10:00. Fever overnight after the injection: T 38.4 at 04:00" (18 h)
        before = self._previous_on_line(sentence)
        lead = before.text + " " * (sentence.start - before.end) if before is not None else ""
        text = lead + sentence.text
        clocks = find_clock_times(text)
        if len(clocks) < 2:
            return None
        local = at - sentence.start + len(lead)
        dose = [c for c in clocks if c.start < local and _DOSE_BEFORE_CLOCK.search(text[max(0, c.start - 40):
                                                                                         c.start])]
        onset = [c for c in clocks if dose and c.start > dose[-1].end and c.start >= len(lead) and
                 (c.start > local or abs(c.start - local) <= 60)]
        if not dose or not onset:
            return None
        between = text[dose[-1].end : onset[0].end + 30]
        # both clock times dated: "given on Mar 3rd, start 09:00 ... until 21:00 on Mar 4th" (36 h)
        base = sentence.start - len(lead)
        dose_date = self._date_near(base, text, dose[-1], before=True)
        onset_date = self._date_near(base, text, onset[0], before=False)
        if dose_date and onset_date:
            dated = hours_between(dose_date, dose[-1].minutes, onset_date, onset[0].minutes)
            if dated is not None and dated <= _MAX_ONSET_HOURS:
                return float(round(dated))
        hours = hours_in_sentence(dose[-1].minutes, onset[0].minutes, bool(NEXT_DAY.search(between)))
        if _SECOND_NIGHT.search(between) and hours < 24:
            hours += 24  # "infusion 11:00 ... fever again the second night, 38.3 °C at 03:00" (40 h)
        return float(round(hours))

    def _date_near(self, base: int, text: str, clock: Any, before: bool) -> str | None:
        """The full date written with a clock time: the last one of its clause before it (a
        dose: "on Mar 3rd, start 09:00"), or the one right after it (an onset: "21:00 on Mar
        4th")."""
        start, end = base + clock.start, base + clock.end
        dates = [m for m in self.mentions if m.label == TIMING and m.value and m.value.get("kind") == "date"
                 and len(m.value.get("date") or "") == 10 and base <= m.start < base + len(text)]
        if before:
            near = [m for m in dates if m.end <= start and not re.search(r"[.;]", self.text[m.end:start])]
            return near[-1].value["date"] if near and near[-1].value else None
        after = [m for m in dates if m.start >= end and m.start - end <= 6]
        return after[0].value["date"] if after and after[0].value else None

    def _previous_on_line(self, sentence: Sentence) -> Sentence | None:
        """The sentence before this one when both are on one line of the text."""
        if self._line_before is None:
            self._line_before = {id(b): a for a, b in zip(self.sentences, self.sentences[1:], strict=False)
                                 if a.end <= b.start and "\n" not in self.text[a.start : b.start]}
        return self._line_before.get(id(sentence))

    def _onset_hours(self, sentence: Sentence, m: Mention) -> tuple[float, float] | None:
        """Hours from the dose to the onset that a time expression states.

        "24-48 h after each dose" and "the day after the injection" name the dose. A bare
        "30 hours later" or "the next day" counts only after the sentence has named a dose
        ("On C4D1, the first every-two-week dose, ... presented 30 hours later") and not
        when it dates a recovery ("afebrile within six hours and discharged the following day").
        """
        value = m.value or {}
        hours = value.get("hours")
        if hours and (float(hours[0]) > _MAX_ONSET_HOURS or float(hours[1]) > _MAX_ONSET_HOURS):
            return None  # "resumed on 2 Jun, five weeks after the C5D1 dose", "within two weeks of the infusion"
        if value.get("kind") == "post_dose" and value.get("anchor"):
            return (float(hours[0]), float(hours[1])) if hours else None
        if value.get("kind") == "post_dose":
            hours = value.get("hours")
        elif value.get("qualifier") == "after" and value.get("unit") in ("hour", "day") \
                and "later" in m.text.lower():
            days = duration_days(value.get("duration"))
            hours = (days * 24, days * 24) if days is not None and days <= 4 else None
        else:
            return None
        if not hours:
            return None
        before = self.text[sentence.start : m.start]
        if not (_NAMES_DOSE.search(before) and not _RECOVERY.search(before[-30:])):
            return None
        return float(hours[0]), float(hours[1])

    def _add_treatments(self, episode: Episode, sentence: Sentence,
                        mentions: list[Mention]) -> None:
        premed = [(m.start(), m.end()) for m in cues.PREMEDICATION.finditer(sentence.text)]
        for m in mentions:
            if m.label != TREATMENT or not m.norm or m.is_negated or m.is_hypothetical:
                continue
            if m.attrs.get("treatment_class") in {"antihistamine"} or self._field_says_no(m):
                continue
            if _ON_CONDITION.match(self.text, m.end):
                continue  # "toci per CRS algorithm only if hypotension or O2 need": a plan
            local = m.start - sentence.start
            if any(self._premed_scope(sentence.text, s, e, local) for s, e in premed):
                continue
            if m.norm not in episode.treatments:
                episode.treatments.append(m.norm)
                episode.evidence.append(self.evidence(m.start, m.end))

    @staticmethod
    def _premed_scope(text: str, start: int, end: int, position: int) -> bool:
        """Whether a treatment at ``position`` is inside a premedication phrase's scope:
        after the cue up to the close of its parenthesis or clause."""
        if position < start:
            return False
        scope = text[end:position]
        opened = scope.count("(") - scope.count(")")
        if "(" in scope and opened <= 0:
            return False
        return not re.search(r"[;.]|\b(?:but|however|then|and was|was|were|managed)\b", scope) or opened > 0

    # -- intervals ----------------------------------------------------------------------
    def _intervals(self, record: PatientRecord, sentences: list[Sentence],
                   by_sentence: dict[int, list[Mention]], events: list[_Event],
                   dosing_by_sentence: dict[int, list[Mention]], timeline: Timeline) -> None:
        """The recurrence interval: as stated, else from the dates or study days of the
        placed late episodes, else the dosing schedule when the fevers follow the doses."""
        stated: list[Mention] = []
        late_sentences = {e.sentence.index for e in events if e.phase == "late"}
        for sentence in sentences:
            if sentence.index not in late_sentences:
                continue
            mentions = by_sentence[sentence.index]
            stated.extend(m for m in mentions if m.label == TIMING and m.value
                          and m.value.get("kind") == "interval" and m.value.get("interval_days")
                          and interval_role(self.text, m, mentions) == "recurrence")
        dosing = [m for s in sentences for m in dosing_by_sentence.get(s.index, [])]
        if dosing:
            # the schedule in force when the late episodes began ("weekly, then every two weeks
            # from cycle 3; fevers in April"), else the first one stated
            first_late = min((e.sentence for e in events if e.phase == "late"), key=lambda s: s.start, default=None)
            in_force = [m for m in dosing if first_late is not None and m.start < first_late.end]
            current = in_force[-1] if in_force else dosing[0]
            record.dosing_interval_days = list(current.value["interval_days"])  # type: ignore[index]
            record.evidence["dosing_interval_days"] = [self.evidence(current.start, current.end)]
        if stated:
            ranges = [m.value["interval_days"] for m in stated if m.value]
            evidence = [self.evidence(m.start, m.end) for m in stated]
            # the dated episodes may show what the stated rhythm leaves out: "at 14-day intervals
            # and once after 28 days", dates 3/4, 17/4, 1/5, 29/5 after a two-week hold; a gap a
            # whole number of stated intervals (a held or skipped dose) widens the range
            dated = self._late_dates(record, events)
            # (a day or two apart is one illness told twice: "On 29/5 ... apyrexial from 30/5")
            gaps = [g for g in successive_gaps(_day_numbers(dated)) if 2 < g <= 120]
            positions = sorted(set(self._listed_event_days(events, timeline, doses=True)
                                   + self._listed_event_days(events, timeline)))
            if len(gaps) < 2:
                gaps = [g for g in successive_gaps(positions) if 2 < g <= 120]  # "after C6D1, C6D15 and C9D1"
            step = min(float(r[0]) for r in ranges)
            source = "stated"
            if len(gaps) >= 2 and step >= 7 and all(1 <= round(g / step) <= 4 and abs(g - step * round(g / step)) <= 1
                                                    for g in gaps):
                ranges = [*ranges, (min(gaps), max(gaps))]
                source = "stated; dates"
            self._set_interval(record, ranges, source, evidence)
            return
        late = [e for e in record.episodes if e.phase == "late" and e.day_after_first_dose is not None]
        listed = self._listed_event_days(events, timeline)
        listed += [d for d in map(timeline.day_of_date, self._listed_event_dates(events)) if d is not None]
        dosed = [d for d in map(timeline.day_of_date, self._listed_event_dates(events, doses=True)) if d is not None]
        positions = self._listed_event_days(events, timeline, doses=True) + self._listed_dose_weeks(events)
        dosed += positions
        # the dose dates a fever followed each time ("talquetamab the 3.3.25, 17.3.25 and 31.3.25,
        # and after every of these doses ...") are the pattern itself; the fevers' own dates, a
        # day or two later, would mix two anchors
        # (unless the fevers' own dates are listed too: "the doses of 16th and 30th June, each on
        # the following evening (17th June, 38.5 °C; 1st July, 39.0 °C)")
        from_doses = len(dosed) >= 2 and len(listed) < 2
        days = sorted(set(dosed) if from_doses else
                      {e.day_after_first_dose for e in late if e.day_after_first_dose} | set(listed))
        # (a day or two apart is one illness told twice: the dose day "C5D1" and the fever's "C5D2")
        gaps = [g for g in successive_gaps(days) if 2 < g <= 120]
        if gaps:
            source = "study days" if (from_doses and positions) or not all(
                e.day_source == "dates" for e in late) else "dates"
            if source == "study days":
                # cycle-day positions mix the dose's day ("~20 h after C8D1") with the fever's
                # ("at C5D2, C5D16, C6D2"): a gap a day off whole weeks is whole weeks of doses
                gaps = [7 * round(g / 7) if g >= 6 and g % 7 in (1, 6) else g for g in gaps]
            self._set_interval(record, [(min(gaps), max(gaps))], source,
                               [e.evidence[0] for e in late if e.evidence])
            return
        dated = self._late_dates(record, events)
        if len(dated) >= 2:
            gaps = [g for g in successive_gaps(_day_numbers(dated)) if 0 < g <= 120]
            if gaps:
                self._set_interval(record, [(min(gaps), max(gaps))], "dates",
                                   [e.evidence[0] for e in record.episodes if e.date in dated and e.evidence])
                return
        dose_linked = [e for e in events if e.phase == "late" and (
            cues.DOSE_LINKED.search(e.sentence.text) or self._states_pattern(e.mentions))]
        late_episodes = [e for e in record.episodes if e.phase == "late" and not e.summary]
        if not any(e.recurrent for e in late_episodes) and len(late_episodes) < 2:
            dose_linked = []  # one late fever after a Q2W dose has no recurrence interval
        for event in dose_linked:
            # "after each of 4 Q4W doses": the schedule the fevers follow is named with them
            named = [a for m in event.mentions if m.label == TIMING and m.value and m.value.get("kind") == "post_dose"
                     for a in self._schedule_in_anchor(m)]
            if named and named[0].value:
                self._set_interval(record, [named[0].value["interval_days"]], "dosing schedule",
                                   [self.evidence(named[0].start, named[0].end)])
                return
        if dose_linked and dosing:
            # the dosing schedule in force at the dose-linked fevers: the last one stated before
            # them or in their own sentence ("From cycle 10, when dosing became four-weekly, she
            # was pyrexial within 24 hours of every injection")
            told = dose_linked[0].sentence
            in_force = [d for d in dosing if d.start < told.end]
            m = in_force[-1] if in_force else dosing[-1]
            if m.value:
                self._set_interval(record, [m.value["interval_days"]], "dosing schedule",
                                   [self.evidence(m.start, m.end)])

    def _late_dates(self, record: PatientRecord, events: list[_Event]) -> list[str]:
        """The full dates of the late episodes and of the fevers their events list, in order."""
        return sorted({e.date for e in record.episodes if e.phase == "late" and e.date and len(e.date) == 10}
                      | set(self._listed_event_dates(events)))

    def _sentence_after(self, sentence: Sentence) -> Sentence | None:
        position = bisect.bisect_right(self._sentence_starts, sentence.start)
        return self.sentences[position] if position < len(self.sentences) else None

    def _paragraph_of(self, sentence: Sentence) -> str:
        """The sentence and what follows it to the paragraph's end (at most 400 characters)."""
        end = self.text.find("\n\n", sentence.end, sentence.end + 400)
        return self.text[sentence.start : end if end >= 0 else sentence.end + 400]

    def _listed_dose_weeks(self, events: list[_Event]) -> list[int]:
        """Days of the weekly doses a late event lists by week of therapy, each followed by the
        fever: "It followed the infusions of weeks 13, 14, 15, 17 and 18" (gaps 7, 7, 14, 7)."""
        found: list[int] = []
        for event in events:
            if event.phase != "late" or not _WEEKS_WORD.search(self._paragraph_of(event.sentence)):
                continue
            text = event.sentence.text
            after = self._sentence_after(event.sentence)
            if after is not None and not self._paragraph_break(event.sentence, after):
                # "From week 13 the fever returned ... It followed the infusions of weeks 13, ..."
                text += " " + after.text
            for match in _DOSE_WEEKS.finditer(text):
                weeks = [int(w) for w in re.findall(r"\d{1,3}", match.group("weeks"))]
                if len(weeks) >= 2 and weeks == sorted(weeks):
                    found.extend(7 * (w - 1) + 1 for w in weeks)
        return found

    def _listed_event_days(self, events: list[_Event], timeline: Timeline, doses: bool = False) -> list[int]:
        """Study days of cycle days listed in a late event: "fever after every dose: C5D2,
        C5D16, C6D2 and C6D16" (28-day cycles: days 114, 128, 142, 156); a list that names
        doses ("after the C7D1 and C8D1 doses", "following C4D1, C4D15 and C5D1") is not one
        of episodes. With ``doses``, those dose lists instead, where the event says a fever
        followed each dose ("febrile the day after each injection - after C8D1, C8D15 and C9D1")."""
        found: list[int] = []
        for event in events:
            if event.phase != "late" or (doses and not self._states_pattern(event.mentions)):
                continue
            run: list[Mention] = []
            for m in [*event.mentions, None]:
                if m is not None and (m.label != TIMING or not m.value):
                    continue
                is_day = m is not None and m.value is not None and m.value.get("kind") == "cycle_day" \
                    and m.value.get("cycle") and m.value.get("day")
                if is_day and m is not None and run and _LIST_JOINER.fullmatch(self.text[run[-1].end:m.start]):
                    run.append(m)
                    continue
                if not is_day and m is not None and run and self.text[run[-1].end:m.start].strip() == "(":
                    continue  # an item's parenthesis: "C7D1 (Q14D) and again after C9D1"
                names_doses = len(run) >= 2 and (_DOSES_AFTER.match(self.text, run[-1].end) is not None or
                                                  _AFTER_BEFORE.search(self.text, max(0, run[0].start - 16),
                                                                       run[0].start) is not None)
                if len(run) >= 2 and names_doses == doses:
                    found.extend(d for r in run if r.value
                                 for d in [timeline.study_day(r.value["cycle"], r.value["day"])] if d)
                run = [m] if is_day and m is not None else []
        return found

    def _listed_event_dates(self, events: list[_Event], doses: bool = False) -> list[str]:
        """Dates listed after the fever or CRS of a late event: "fevers on 4 July, 1 August
        and 29 August" dates three episodes (a list before it dates doses; "5 August to 30
        September" is a span, not a list). Dose dates listed with a fever after each of them
        count too: "She got talquetamab the 3.3.25, 17.3.25 and 31.3.25, and after every of
        these doses the temperature was 38,4 to 38,9 °C" (gaps 14, 14)."""
        found = []
        for event in events:
            if event.phase != "late":
                continue
            at = min((m.start for m in event.mentions if m.label in (CRS, FEVER) and m.is_asserted), default=None)
            each_dose = self._states_pattern(event.mentions)
            if doses and not each_dose:
                continue
            listed: list[str] = []
            previous_end: int | None = None
            # dates before the fever date doses when the words before it give doses ("She got
            # talquetamab the 3.3.25, 17.3.25 and 31.3.25, and after every of these doses ..."),
            # else they date the fevers ("on 3 and 31 March he presented febrile episodes")
            dosing_lead = at is not None and bool(_DOSING_LEAD.search(self.text, event.sentence.start, at))
            readings = [f.start for f in event.mentions if f.label == FEVER and f.is_asserted]
            for m in event.mentions:
                if at is None or m.label != TIMING or not m.value:
                    continue
                # a date with its reading is the fever's: "(17th June, 38.5 °C; 1st July, 39.0 °C)"
                read = any(0 <= r - m.end <= 4 and not self.text[m.end:r].strip(" ,:(") for r in readings)
                if ((m.start < at and dosing_lead and not read) or bool(m.value.get("is_dose_date"))) != doses:
                    continue
                if _ENTRY_STAMP.match(self.text, m.end) and not self.text[
                        self.text.rfind("\n", 0, m.start) + 1 : m.start].strip():
                    continue  # the date an entry of a log opens with: "04/01/2025 | 08:50 | MD review: fever 03/12"
                if _FROM_BEFORE.search(self.text, max(0, m.start - 20), m.start) or \
                        m.value.get("qualifier") in ("since", "from", "until", "before"):
                    continue  # "on epcoritamab since 9 January 2025, ...: 6/3, 20/3, 3/4": a start, not an episode
                if m.value.get("kind") == "date_list":
                    listed.extend(d for d in m.value.get("dates") or () if len(d) == 10)
                elif m.value.get("kind") == "date" and len(m.value.get("date") or "") == 10:
                    between = self.text[previous_end:m.start] if previous_end is not None else ""
                    if _SPAN_JOINER.search(between):
                        listed = []  # "from 5 August to 30 September": a span
                        break
                    if not _LIST_JOINER.fullmatch(between) and _DOSING_LEAD.search(between):
                        continue  # "on 05-Jun-2025, the day after her injection (C8D1, 04-Jun-2025)"
                    # (a list, or dates each with their reading: "38,3 ºC on 5 May and 38,1 ºC on 9 June")
                    listed.append(m.value["date"])
                    previous_end = m.end
            if len(listed) >= 2:
                found.extend(listed)
        return found

    @staticmethod
    def _set_interval(record: PatientRecord, ranges: list[Any], source: str,
                      evidence: list[Evidence]) -> None:
        record.recurrence_interval_days = [float(min(r[0] for r in ranges)), float(max(r[1] for r in ranges))]
        record.recurrence_interval_source = source
        record.evidence["recurrence_interval_days"] = evidence

    def _summaries(self, record: PatientRecord, start: int, end: int) -> None:
        """Add the stated onset pattern from the abstract or discussion of a single-patient
        report ("four febrile episodes 24-36 h after each dose"); sentences about other
        patients or the literature ("in MajesTEC-1, ...", "patients", citations) are skipped."""
        if not any(e.phase == "late" for e in record.episodes):
            return
        for sentence in self.sentences:
            if start <= sentence.start < end or _ABOUT_OTHERS.search(sentence.text):
                continue
            mentions = [m for m in self.mentions if m.sentence == sentence.index]
            if not self._named_crs(mentions) and not any(
                    m.label == FEVER and m.is_asserted for m in mentions):
                continue
            for m in mentions:
                if m.label == TIMING and m.value and m.value.get("kind") == "post_dose" \
                        and m.value.get("periodic") and m.value.get("hours"):
                    low, high = m.value["hours"]
                    current = record.hours_post_dose or [low, high]
                    if m.value.get("unit") == "day" and low <= current[0] and current[1] <= high \
                            and record.hours_post_dose:
                        continue  # "1 to 2 days after each dose" beside the stated 38-42 h
                    record.hours_post_dose = [min(low, current[0]), max(high, current[1])]
                    record.sources.setdefault("hours_post_dose", "stated")
                    record.evidence.setdefault("hours_post_dose", []).append(self.evidence(m.start, m.end))

    def _periodicity(self, record: PatientRecord, events: list[_Event],
                     by_sentence: dict[int, list[Mention]], dosing: dict[int, list[Mention]]) -> None:
        late = [e for e in record.episodes if e.phase == "late"]
        stated = [self.evidence(m.start, m.end) for event in events if event.phase == "late"
                  for m in by_sentence[event.sentence.index]
                  if m.label == TIMING and m.value and m.value.get("periodic")
                  and m.value.get("kind") == "post_dose"]
        dosing_mentions = [m for ms in dosing.values() for m in ms]
        found = find_periodicity(late, stated_each_dose=stated,
                                 recurrence=record.recurrence_interval_days,
                                 dosing=record.dosing_interval_days,
                                 dosing_evidence=[self.evidence(m.start, m.end) for m in dosing_mentions[:1]])
        if found is not None:
            record.periodicity = found.to_dict()

    # -- infection -----------------------------------------------------------------------
    def _infection(self, record: PatientRecord, sentences: list[Sentence],
                   by_sentence: dict[int, list[Mention]]) -> None:
        # (the drugs the patient received: "Plan: glofitamab after C3" starts nothing)
        drug_start = min((e.start for e in record.evidence.get("drugs", [])), default=None)
        negative = positive = False
        about_late = self._late_workup_filter(record, by_sentence)
        for sentence in sentences:
            mentions = by_sentence[sentence.index]
            # "... if the next episode is culture-negative": a planned test reports nothing
            workups = [m for m in mentions if m.label == INFECTION_WORKUP and not m.is_hypothetical]
            if drug_start is not None and sentence.end < drug_start:
                continue
            infections = [m for m in mentions if self._documents_infection(m, workups)]
            if infections:
                record.documented_infection = True
                record.evidence.setdefault("documented_infection", []).extend(
                    self.evidence(m.start, m.end) for m in infections)
            if not about_late(sentence):
                continue  # the work-up of a step-up CRS says nothing about the late fevers
            if workups or re.search(r"\binfectious (?:source|cause|focus)\b", sentence.text, re.I):
                if cues.WORKUP_NOT_DONE.search(sentence.text) and not cues.WORKUP_POSITIVE.search(sentence.text):
                    continue  # "no cultures were taken": nothing was found negative
                if cues.WORKUP_POSITIVE.search(sentence.text):
                    positive = True
                    record.evidence.setdefault("infection_workup", []).append(
                        self.sentence_evidence(sentence))
                elif cues.WORKUP_NEGATIVE.search(sentence.text):
                    negative = True
                    record.evidence.setdefault("infection_workup", []).append(
                        self.sentence_evidence(sentence))
            if any(m.label == INFECTION and m.is_negated for m in mentions) and workups:
                negative = True
        if positive:
            record.infection_workup_negative = False
            if negative:
                record.infection_workup_some_negative = True
        elif negative:
            record.infection_workup_negative = True
        if record.documented_infection is None and (negative or positive):
            record.documented_infection = positive
        # the response of the late episodes (an initial-phase response says nothing about them)
        late = {e.start for episode in record.episodes if episode.phase == "late" for e in episode.evidence}
        tocilizumab = [s for s in sentences if any(
            m.label == TREATMENT and m.norm == "tocilizumab" and m.is_asserted
            for m in by_sentence[s.index]) and (s.start in late or self._after_late(record, s))]
        if any(cues.TOCILIZUMAB_RESPONSE.search(s.text) for s in tocilizumab):
            record.tocilizumab_response = True

    def _late_workup_filter(self, record: PatientRecord,
                            by_sentence: dict[int, list[Mention]]) -> Callable[[Sentence], bool]:
        """Which sentences can report the work-up of the late episodes (patient-record.md:
        infection_workup_negative is about the episodes after the initial phase, or the only
        ones there are): in a note export, the notes that tell a late episode; in a report,
        from the paragraph of the first late episode on."""
        late = [e for episode in record.episodes if episode.phase == "late" and not episode.summary
                for e in episode.evidence]
        if not late:
            return lambda sentence: True
        late_dates = {parse_iso(e.date) for e in record.episodes if e.phase == "late" and e.date}
        if self.note_at is not None:
            notes = {self.note_at(e.start) for e in late}

            def in_late_note(sentence: Sentence) -> bool:
                if self.note_at(sentence.start) not in notes:  # type: ignore[misc]
                    return False
                # "26/02: fever ..., cultures negative" retells the episode of 26 February
                own = self._own_dates(by_sentence[sentence.index])
                known = [late for late in late_dates if late is not None]
                return not own or any(abs((d - late).days) <= 1 for d in own for late in known)

            return in_late_note
        first = min(e.start for e in late)
        paragraph = self.text.rfind("\n\n", 0, first)
        return lambda sentence: sentence.end > paragraph

    def _after_late(self, record: PatientRecord, sentence: Sentence) -> bool:
        """A sentence within the management that follows a late episode (the same note)."""
        return any(e.start <= sentence.start <= e.end + 600 and (
            self.note_at is None or self.note_at(e.start) == self.note_at(sentence.start))
            for episode in record.episodes if episode.phase == "late" for e in episode.evidence[:1])

    def _documents_infection(self, m: Mention, workups: list[Mention]) -> bool:
        """An asserted infection that is not the name of a test ("COVID-19 RT-PCR").

        A named infection must not be historical; the bare word "infection" counts only
        with a word before it ("SARS-CoV-2 infection", "bloodstream infection").
        """
        if m.label != INFECTION or not m.is_asserted or m.is_uncertain or m.norm == "neutropenic fever":
            return False  # febrile neutropenia names no infection (criteria: exclude_neutropenic_fever)
        if any(w.end >= m.start and w.start <= m.end + 2 and not self.text[m.end : w.start].strip()
               for w in workups):
            return False  # "COVID-19 PCR": the name of a test (but not "pneumonia (CXR ...")
        if m.norm == "infection":
            # "SARS-CoV-2 infection", "bloodstream infection"; not "but infection has not been excluded"
            before = re.search(r"([\w-]+)\s+infections?$", self.text[max(0, m.start - 30) : m.end])
            if not before or before.group(1).lower() in _NOT_AN_INFECTION_NAME:
                return False
        elif m.is_historical:
            return False
        if _TEST_TARGET_BEFORE.search(self.text, max(0, m.start - 100), m.start):
            return False
        return not _TEST_NAME_AFTER.match(self.text, m.end, m.end + 12)

    def _impact(self, record: PatientRecord, sentences: list[Sentence],
                by_sentence: dict[int, list[Mention]]) -> None:
        for name, pattern in cues.IMPACT:
            for sentence in sentences:
                if any(m.label == DRUG for m in by_sentence[sentence.index]) and \
                        pattern.search(sentence.text):
                    record.treatment_impact = name
                    return

