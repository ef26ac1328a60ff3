"""Pure finders for the ASTCT 2019 CRS grading criteria in clinical text (no spaCy).

:func:`find_findings` reads a passage (a case-report paragraph, a nursing note) and returns
:class:`Finding` objects for what the ASTCT 2019 consensus grade (Lee et al., Biol Blood Marrow
Transplant 2019;25:625-638) is built from: fever, hypotension and its treatment (fluids,
vasopressors), oxygen support (nasal cannula and its flow, masks, positive pressure), hypoxia,
anti-cytokine or antipyretic therapy and death attributed to CRS.

Negation is handled here, in the spirit of ConText (Harkema et al., J Biomed Inform 2009): a cue
("no", "without", "did not require", "denied", "absence of", ...) negates the concepts that follow
it within six words in the same clause, through lists ("no hypotension, hypoxia or need for
vasopressors"); "not" on its own and "avoided" reach one word only ("not significantly hypoxic");
post-cues ("vasopressors were not required") negate what precedes them. A negated concept
becomes its ``no_*`` kind where one exists ("no hypotension" -> ``no_hypotension``) and is
dropped otherwise. Hypothetical mentions ("risk of intubation", "monitor for hypotension",
"norepinephrine if needed") are dropped. Measured values (BP 82/45, SpO2 88%) are never negated.

Example:
    >>> [(f.kind, f.value) for f in find_findings("BP 84/50, started on levophed")]
    [('hypotension', {'systolic': 84, 'diastolic': 50}), ('vasopressor', {'agent': 'norepinephrine'})]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from miner.gates import Gate, fold
from miner.measures import find_temperatures

# Finding kinds: compare against these constants, never retyped strings.
FEVER = "fever"
NO_FEVER = "no_fever"
HYPOTENSION = "hypotension"
NO_HYPOTENSION = "no_hypotension"
FLUIDS = "fluids"
VASOPRESSOR = "vasopressor"
INOTROPE = "inotrope"  # dobutamine, milrinone: recorded, not counted as vasopressors
OXYGEN = "oxygen"
NO_OXYGEN = "no_oxygen"  # room air, or negated hypoxia / oxygen / device
HYPOXIA = "hypoxia"
POSITIVE_PRESSURE = "positive_pressure"
DEATH = "death"
ANTICYTOKINE = "antipyretic_or_anticytokine"

KINDS: tuple[str, ...] = (
    FEVER, NO_FEVER, HYPOTENSION, NO_HYPOTENSION, FLUIDS, VASOPRESSOR, INOTROPE,
    OXYGEN, NO_OXYGEN, HYPOXIA, POSITIVE_PRESSURE, DEATH, ANTICYTOKINE,
)

SYSTOLIC_HYPOTENSION = 90  # ASTCT tables: systolic blood pressure < 90 mmHg
MAP_HYPOTENSION = 65  # mean arterial pressure < 65 mmHg (common vasopressor target)
SPO2_HYPOXIA = 90  # SpO2 < 90 %
LOW_FLOW_MAX_L_MIN = 6.0  # ASTCT: low-flow nasal cannula is at most 6 L/min

VASOPRESSIN = "vasopressin"


@dataclass(frozen=True)
class Finding:
    """One grading criterion found in a text.

    ``start``/``end`` are offsets into the text given to :func:`find_findings` and ``text`` is
    ``text[start:end]``. ``value`` holds what was read, e.g. ``{"agent": "norepinephrine"}``,
    ``{"device": "nasal cannula", "flow_l_min": 6.0, "level": 2}``, ``{"systolic": 82}``,
    ``{"spo2": 88}``, ``{"negated": "hypoxia"}``.
    """

    kind: str
    text: str
    start: int
    end: int
    value: dict[str, Any] = field(default_factory=dict, hash=False)


# ---------------------------------------------------------------- context (negation, hypothesis)

_I = re.IGNORECASE | re.VERBOSE

# A clause ends at a full stop (not a decimal point), ; ! ? or a blank line / bullet.
_HARD_STOP = re.compile(r"(?<!\d)\.(?!\d)|[;!?]|\n\s*\n|\n\s*[-•*]")

_NOT_VERBS = (
    r"be|been|become|becoming|on|require[sd]?|requiring|need(?:s|ed|ing)?|receive[sd]?|receiving|"
    r"develop(?:s|ed)?|have|had|experience[sd]?|show(?:s|ed)?|exhibit(?:s|ed)?|demonstrate[sd]?|"
    r"given|undergo|started\s+on|placed\s+on|put\s+on|treated\s+with|use[ds]?|using|get|got"
)
_NEG_CUE = re.compile(
    rf"""
    (?:\bnot|n't)(?:\s+(?:any\s+)?(?P<verb>{_NOT_VERBS})\b)?
    | \bno(?:\s+(?:evidence|signs?|need|requirement|episodes?|further\s+need)\s+(?:of|for))?\b
    | \bwithout(?:\s+(?:any|requiring|needing|the\s+need\s+for|need\s+for|evidence\s+of|signs?\s+of))?\b
    | \bnever(?:\s+(?:required|needed|received|had|developed|became|was|been))?\b
    | \bden(?:y|ies|ied|ying)\b | \babsence\s+of\b | \bnegative\s+for\b | \bfree\s+of\b
    | \bneither\b | \bnor\b | \bnone\s+of\b | \bavoid(?:s|ed|ing)?\b | \bprevent(?:s|ed|ing)?\b
    """,
    _I,
)
# Cues that look negative but assert a past state ("no longer required oxygen").
_PSEUDO_NEG = re.compile(
    r"""no\s+(?:longer|change|improvement|response|further|increase|doubt)\b
    | no\s+significant\s+(?:change|improvement|response|increase|difference)\b
    | not\s+(?:only|just|improv\w*|respon\w*|resolv\w*)\b
    | without\s+(?:improvement|response|resolution|success)\b""",
    _I,
)
_HYPOTHETICAL = re.compile(
    r"""\b(?:if|unless|in\s+case\s+of|risk\s+(?:of|for)|at\s+risk|monitor(?:ed|ing)?\s+for|watch(?:ed|ing)?\s+for
    |consider(?:ed|ing)?|possible|possibly|potential(?:ly)?|plan(?:ned)?\s+(?:to|for)|ready\s+for
    |prepared?\s+for|in\s+preparation\s+for|evaluat(?:e|ed|ion)\s+for|rule\s+out|to\s+rule\s+out)\b
    |\b(?-i:should|may|might|could|would)\b""",
    _I,
)
_PREMEDICATION = re.compile(r"\b(?:pre-?medicat\w*|premed\w*|prophyla\w*|pre-?treat\w*)\b", re.IGNORECASE)
# Words that end a cue's scope inside a clause.
_SOFT_STOP = re.compile(
    r"""\b(?:but|however|although|though|yet|except|whereas|while|then|subsequently|later|until|despite
    |after|before|when|which|who|whom|requiring|required|requires|needing|needed|started|initiated
    |developed|received|treated|became|becomes|was|were|is|are|placed|put|given|because|now|on)\b""",
    _I,
)
_POST_NEG = re.compile(
    r"""\b(?:(?:was|were|is|are|has\s+been|have\s+been)\s+(?:not|never)\s+
        (?:required|needed|necessary|given|used|observed|noted|present|seen|documented|started|initiated
        |reported|administered|detected)
      | (?:was|were|is|are)\s+(?:absent|denied|ruled\s+out)
      | not\s+(?:required|needed|necessary|observed|noted|present|seen)
      | (?:did|does|has|have)\s+not\s+(?:develop|occur|recur|appear|return)\w*
    )\b
    | :\s*(?:none|no|negative|absent|denied)\b""",
    _I,
)
_WORD = re.compile(r"[A-Za-z0-9]+")
_ENDS_ED = re.compile(r"[a-z]{2,}ed\b", re.IGNORECASE)

_NEGATION_SCOPE_WORDS = 6
_WEAK_NOT_SCOPE_WORDS = 1
_AVOID_SCOPE_WORDS = 1  # "avoided intubation with high-flow nasal cannula": the cannula was used
_HYPOTHETICAL_SCOPE_WORDS = 4  # and never past a comma: "at risk of intubation, on 5 L nasal cannula"
_LOOK_BACK = 100
_LOOK_AHEAD = 70


def _clause_before(text: str, start: int) -> str:
    """The text of the clause before ``start`` (up to a hard stop, at most 100 characters)."""
    window = text[max(0, start - _LOOK_BACK) : start]
    stops = list(_HARD_STOP.finditer(window))
    return window[stops[-1].end() :] if stops else window


def _clause_after(text: str, end: int) -> str:
    """The text of the clause after ``end`` (up to a hard stop, at most 70 characters)."""
    window = text[end : end + _LOOK_AHEAD]
    stop = _HARD_STOP.search(window)
    return window[: stop.start()] if stop else window


def _in_scope(before: str, cue: re.Match[str], max_words: int) -> bool:
    """True when the concept right after ``before`` lies within the scope of ``cue``."""
    gap = before[cue.end() :]
    return len(_WORD.findall(gap)) <= max_words and not _SOFT_STOP.search(gap)


def _cue_scope(cue: re.Match[str]) -> int:
    """Words a cue reaches: six, but one for a bare "not" and for "avoided"/"prevented"."""
    word = cue.group(0).lower().lstrip()
    if word.startswith(("not", "n't")) and not cue.group("verb"):
        return _WEAK_NOT_SCOPE_WORDS
    if word.startswith(("avoid", "prevent")):
        return _AVOID_SCOPE_WORDS
    return _NEGATION_SCOPE_WORDS


def _is_negated(text: str, start: int, end: int) -> bool:
    """ConText-style negation of the concept at ``text[start:end]``.

    >>> _is_negated("no hypotension, hypoxia or need for vasopressors", 36, 48)
    True
    >>> _is_negated("hypotension not responsive to fluids", 30, 36)
    False
    """
    before = _clause_before(text, start)
    offset = start - len(before)
    for cue in reversed(list(_NEG_CUE.finditer(before))):
        if _PSEUDO_NEG.match(text, offset + cue.start()):
            continue  # "no longer required oxygen", "not responsive to fluids"
        if _in_scope(before, cue, _cue_scope(cue)):
            return True
    after = _clause_after(text, end)
    for post in _POST_NEG.finditer(after):
        gap = after[: post.start()]
        if len(_WORD.findall(gap)) <= 4 and not _SOFT_STOP.search(gap) and not _ENDS_ED.search(gap):
            return True
    return False


def _is_hypothetical(text: str, start: int, end: int) -> bool:
    """A mention under a hypothetical cue ("risk of intubation") or followed by "if needed"."""
    before = _clause_before(text, start)
    for cue in _HYPOTHETICAL.finditer(before):
        if _in_scope(before, cue, _HYPOTHETICAL_SCOPE_WORDS) and "," not in before[cue.end() :]:
            return True
    return re.match(r"\s*(?:if\s+(?:needed|necessary|required)|as\s+needed|prn)\b", text[end:], re.I) is not None


def _is_premedication(text: str, start: int) -> bool:
    before = _clause_before(text, start)
    return any(_in_scope(before, cue, 4) for cue in _PREMEDICATION.finditer(before))


# ---------------------------------------------------------------- word rules


ValueFn = Callable[[re.Match[str]], dict[str, Any]]


@dataclass(frozen=True)
class _Rule:
    """A phrase pattern for one finding kind; ``negated_kind`` is emitted when negated."""

    kind: str
    pattern: re.Pattern[str]
    value: ValueFn
    negated_kind: str | None = None
    negated_value: dict[str, Any] = field(default_factory=dict, hash=False)


def _const(**value: Any) -> ValueFn:
    def build(_match: re.Match[str]) -> dict[str, Any]:
        return dict(value)

    return build


def _rule(
    kind: str,
    pattern: str,
    value: ValueFn | None = None,
    *,
    negated_kind: str | None = None,
    negated: dict[str, Any] | None = None,
    flags: int = re.IGNORECASE,
) -> _Rule:
    return _Rule(kind, re.compile(pattern, flags), value or _const(), negated_kind, dict(negated or {}))


_CRS = r"(?:CRS|cytokine[\s-]+release[\s-]+syndrome|cytokine[\s-]+storm)"

_VASOPRESSOR_AGENTS: tuple[tuple[str, str], ...] = (
    ("norepinephrine", r"\bnor[-\s]?epinephrine\b|\bnor[-\s]?adrenalin(?:e)?\b|\blevophed\b|\bnorepi\b"),
    (VASOPRESSIN, r"\bvasopressin\b|\bpitressin\b|\bvasostrict\b"),
    ("phenylephrine", r"\bphenylephrine\b|\bneo[-\s]?synephrine\b|\bneo\b(?![-\w])"),
    ("epinephrine",
     r"(?<!nor)(?<!nor-)(?<!nor\s)\b(?:epinephrine|adrenalin(?:e)?)\b|\bepi\b(?=\s+(?:drip|infusion|gtt))"),
    ("dopamine", r"\bdopamine\b"),
    ("angiotensin II", r"\bangiotensin\s+(?:II|2)\b|\bgiapreza\b"),
)
_INOTROPES: tuple[tuple[str, str], ...] = (
    ("dobutamine", r"\bdobutamine\b"),
    ("milrinone", r"\bmilrinone\b"),
)
_COUNT_WORDS = {
    "two": 2, "2": 2, "dual": 2, "double": 2, "second": 2, "additional": 2, "another": 2,
    "multiple": 2, "several": 2, "three": 3, "3": 3, "third": 3, "triple": 3, "four": 4, "4": 4,
}
_GENERIC_PRESSOR = (
    r"\b(?:(?P<count>two|2|dual|double|second|additional|another|multiple|several|three|3|third|triple|four|4)"
    r"\s+(?:different\s+|concurrent\s+|simultaneous\s+)?)?"
    r"(?:(?:vaso)?pressors?|vasoactive\s+(?:agents?|drugs?|medications?|infusions?|support))\b"
)


def _pressor_count(match: re.Match[str]) -> dict[str, Any]:
    word = (match.group("count") or "").lower()
    return {"agent": None, "count": _COUNT_WORDS.get(word, 1)}


def _agent_value(agent: str) -> ValueFn:
    def build(match: re.Match[str]) -> dict[str, Any]:
        value: dict[str, Any] = {"agent": agent}
        before = match.string[max(0, match.start() - 12) : match.start()].lower()
        if re.search(r"low[-\s]?dose\s*$", before):
            value["dose"] = "low"
        elif re.search(r"high[-\s]?dose\s*$", before):
            value["dose"] = "high"
        return value

    return build


_ANTICYTOKINE_AGENTS: tuple[tuple[str, str, str], ...] = (
    ("tocilizumab", "anticytokine", r"\btocilizumab\b|\bactemra\b|\btoci\b"),
    ("siltuximab", "anticytokine", r"\bsiltuximab\b"),
    ("anakinra", "anticytokine", r"\banakinra\b|\bkineret\b"),
    ("dexamethasone", "corticosteroid", r"\bdexamethasone\b"),
    ("methylprednisolone", "corticosteroid", r"\bmethyl[-\s]?prednisolone\b|\bsolu[-\s]?medrol\b|\bmethylpred\b"),
    ("hydrocortisone", "corticosteroid", r"\bhydrocortisone\b"),
    ("prednisone", "corticosteroid", r"\bprednisol?one\b"),
    ("corticosteroids", "corticosteroid", r"\b(?:cortico)?steroids?\b|\bglucocorticoids?\b"),
    ("acetaminophen", "antipyretic", r"\bacetaminophen\b|\bparacetamol\b|\btylenol\b"),
    ("antipyretics", "antipyretic", r"\bantipyretics?\b|\bibuprofen\b|\bNSAIDs?\b|\bmetamizole\b|\bdipyrone\b"),
)

_WORD_RULES: tuple[_Rule, ...] = (
    # -- fever
    _rule(FEVER,
          r"\bfebrile\b|\bfevers?\b(?![-\s]free)|\bpyrex(?:ia|ial|ic)\b"
          r"|\bspiked\s+(?:a\s+)?(?:temp(?:erature)?|fever)\b",
          negated_kind=NO_FEVER),
    _rule(FEVER, r"\bdefervesc\w*", _const(resolved=True)),
    _rule(NO_FEVER, r"\bafebrile\b|\bapyrexial\b|\bfever[-\s]free\b"),
    # -- hypotension
    _rule(HYPOTENSION,
          r"\bhypotens(?:ion|ive)\b|\blow\s+(?:blood\s+pressures?|BP)\b"
          r"|\b(?:drop|fall|decrease|decline)\s+in\s+(?:(?:his|her|the)\s+)?(?:blood\s+pressure|BP)\b"
          r"|\b(?:haemo|hemo)dynamic(?:ally)?\s+(?:instability|unstable)\b"
          r"|\b(?:distributive|vasodilatory|vasoplegic|circulatory|septic|cardiogenic)\s+shock\b",
          negated_kind=NO_HYPOTENSION, negated={"negated": "hypotension"}),
    _rule(NO_HYPOTENSION,
          r"\bnormotensive\b|\bnormal\s+(?:blood\s+pressures?|BP)\b|\b(?:haemo|hemo)dynamic(?:ally)?\s+stab(?:le|ility)\b"
          r"|\bstable\s+(?:blood\s+pressures?|BP)\b|\b(?:blood\s+pressure|BP)\s+(?:remained\s+|was\s+)?stable\b"),
    # -- fluids
    _rule(FLUIDS,
          r"\bfluid\s+(?:bolus(?:es)?|resuscitation|challenge|loading)\b|\b(?:IV|intravenous)\s+(?:fluids?|hydration)\b"
          r"|\bIVF\b|\bvolume\s+(?:resuscitation|expansion|replacement|loading)\b|\bfluid[-\s]responsive\b"
          r"|\b(?:responded|responsive|response|responding)\s+to\s+(?:(?:IV|intravenous)\s+)?fluids?\b"
          r"|\b(?:\d[\d.,]*\s*(?:mL|ml|cc|L|liters?|litres?)\s+(?:of\s+)?)?"
          r"(?:normal\s+saline|NS|saline|crystalloids?|lactated\s+ringer'?s?|LR|plasma-?lyte|albumin)\s+bolus(?:es)?\b"
          r"|\b\d[\d.,]*\s*(?:mL|ml|cc|L|liters?|litres?)\s+(?:of\s+)?(?:normal\s+saline|NS|saline|crystalloids?"
          r"|lactated\s+ringer'?s?|LR|plasma-?lyte|fluids?|IV\s+fluids?)\b"
          r"|\bbolus(?:ed)?\s+(?:with\s+)?(?:normal\s+saline|NS|saline|crystalloids?|fluids?|LR)\b"),
    # -- vasopressors
    *(
        _rule(VASOPRESSOR, pattern, _agent_value(agent), negated_kind=NO_HYPOTENSION,
              negated={"negated": "vasopressor", "agent": agent})
        for agent, pattern in _VASOPRESSOR_AGENTS
    ),
    _rule(VASOPRESSOR, _GENERIC_PRESSOR, _pressor_count, negated_kind=NO_HYPOTENSION,
          negated={"negated": "vasopressor"}),
    *(_rule(INOTROPE, pattern, _const(agent=agent)) for agent, pattern in _INOTROPES),
    # -- hypoxia (words; numbers are read by _find_saturations)
    _rule(HYPOXIA,
          r"\bhypox(?:ia|aemia|emia|ic|aemic|emic)\b|\bdesat(?:uration|urations|urated|urating|s|ted|ting)?\b"
          r"|\blow\s+(?:oxygen\s+|O2\s+)?(?:saturations?|sats)\b",
          negated_kind=NO_OXYGEN, negated={"negated": "hypoxia"}),
    _rule(NO_OXYGEN, r"\broom\s+air\b|(?:\bon\s+|%\s*(?:on\s+)?)(?-i:RA)\b", _const(room_air=True)),
    _rule(NO_OXYGEN,
          r"\b(?:no|without|not\s+on)\s+(?:supplemental\s+)?(?:oxygen|O2)\b(?!\s*(?:sat|requirement|therapy))",
          _const(negated="oxygen")),
    # -- antipyretic / anti-cytokine therapy
    *(
        _rule(ANTICYTOKINE, pattern, _const(agent=agent, drug_class=drug_class))
        for agent, drug_class, pattern in _ANTICYTOKINE_AGENTS
    ),
)


_WORD_GATES = tuple(Gate.of(rule.pattern) for rule in _WORD_RULES)


def _find_words(text: str, folded: str | None = None) -> list[Finding]:
    folded = fold(text) if folded is None else folded
    found: list[Finding] = []
    for rule, gate in zip(_WORD_RULES, _WORD_GATES, strict=True):
        if not gate.admits(folded):
            continue  # the rule's words are not in the text: it cannot match
        for match in rule.pattern.finditer(text):
            start, end = match.start(), match.end()
            if _is_hypothetical(text, start, end):
                continue
            if _is_negated(text, start, end):
                if rule.negated_kind is not None:
                    found.append(Finding(rule.negated_kind, text[start:end], start, end, dict(rule.negated_value)))
                continue
            value = rule.value(match)
            if rule.kind == ANTICYTOKINE and _is_premedication(text, start):
                value["premedication"] = True
            found.append(Finding(rule.kind, text[start:end], start, end, value))
    return found


# ---------------------------------------------------------------- temperatures

_NEGATED_TEMPERATURE = re.compile(
    r"\b(?:no|without|never|denie[sd])\s+(?:\w+\s+){0,2}?(?:fevers?|temperatures?|temps?)\b[^\d.;]{0,20}$",
    re.IGNORECASE,
)


def _find_temperatures(text: str) -> list[Finding]:
    """Fever from measured temperatures (>= 38.0 °C; 101.2 °F -> 38.4 °C)."""
    found: list[Finding] = []
    for temperature in find_temperatures(text):
        if not temperature.is_fever or _NEGATED_TEMPERATURE.search(_clause_before(text, temperature.start)):
            continue
        value = {"celsius": temperature.celsius, "scale": temperature.scale}
        found.append(Finding(FEVER, temperature.text, temperature.start, temperature.end, value))
    return found


# ---------------------------------------------------------------- blood pressure

_BP_GAP = r"[^\d\n;.]{0,30}?"
_BP_PAIR = re.compile(
    rf"\b(?:BP|B/P|NIBP|ABP|blood\s+pressures?|hypotensive)\b(?P<gap>{_BP_GAP})(?<![\d.])"
    r"(?P<sys>\d{2,3})(?P<sdec>s)?\s*/\s*(?P<dia>\d{2,3})(?P<ddec>s)?",
    re.IGNORECASE,
)
_CMP = r"(?P<cmp>(?:<=?|≤|less\s+than|below|under)\s*)?"
_SYSTOLIC = re.compile(
    rf"(?:\b(?-i:SBPs?|sBP)|\bsystolic(?:\s+(?:blood\s+)?(?:pressures?|BP))?)\b(?P<gap>{_BP_GAP}){_CMP}"
    r"(?<![\d.])(?P<v>\d{2,3})(?P<dec>s)?\b",
    re.IGNORECASE,
)
_MAP = re.compile(
    rf"(?:\b(?-i:MAPs?)|\bmean\s+arterial\s+(?:blood\s+)?pressures?)\b(?P<gap>{_BP_GAP}){_CMP}"
    r"(?<![\d.])(?P<v>\d{2,3})(?P<dec>s)?\b",
    re.IGNORECASE,
)
_TARGET_WORDS = re.compile(r">|≥|\b(?:goal|target|above|over|greater|more\s+than|at\s+least|keep|maintain)\b", re.I)
_BP_DROP = re.compile(
    r"\b(?:blood\s+pressure|BP)\s+(?:dropped|fell|decreased|declined|plummeted|trended\s+down)\b", re.IGNORECASE
)


_VITALS_WORDS = re.compile(
    r"\b(?:normotensive|normoxi[ac]\w*|(?:haemo|hemo)dynamic\w*\s+(?:normal|stable|stability)|"
    r"(?:haemo|hemo)dynamically\s+stable|(?:normal|stable|unremarkable)\s+(?:vital\s+signs|vitals|observations|obs|"
    r"blood\s+pressures?|BP|saturations?|sats|oxygen\s+saturations?|haemodynamics|hemodynamics)|"
    r"(?:vital\s+signs|vitals|observations|haemodynamics|hemodynamics)\s+(?:were\s+|was\s+)?(?:normal|stable|"
    r"unremarkable)|(?:without|no)\s+(?:hypotension|hypoxi\w*|desaturation|oxygen\s+requirement))\b",
    re.IGNORECASE)


# "home BP and pulse oximetry normal", "oxygenation was fine"
_VITALS_NORMAL = re.compile(r"\b(?:BP|blood\s+pressures?|pulse\s+oximetry|oximetry|saturations?|sats|SpO2|"
                            r"oxygenation)\b[^.;]{0,30}?\b(?:normal|stable|unremarkable|fine)\b", re.IGNORECASE)
_ROOM_AIR = re.compile(r"\broom\s+air\b|(?-i:\bRA\b)", re.IGNORECASE)
_MMHG = re.compile(r"(?<![\d.])\d{2,3}\s*/\s*\d{2,3}\s*mm\s?Hg\b", re.IGNORECASE)


def vitals_reported(text: str) -> bool:
    """Whether the text says anything of blood pressure or oxygenation: a reading ("BP 118/72",
    "SpO2 97%", "88/50"), or words ("normotensive", "haemodynamics normal", "on room air",
    "without hypotension"). The annotation guidelines leave a fever's grade null when it does
    not: a temperature alone does not show that hypotension and hypoxia were absent.

    >>> vitals_reported("T 38.5, BP 118/72, sats 97%"), vitals_reported("fever of 38.6 °C, rigors")
    (True, False)
    """
    folded = fold(text)
    return any(gate.admits(folded) and pattern.search(text) for pattern, gate in _VITALS_READINGS)


def _decade_top(value: int, decade: str | None) -> int:
    """"80s" spans 80-89: read the top of the range so as not to overstate hypotension."""
    return value + 9 if decade else value


def _find_blood_pressures(text: str) -> list[Finding]:
    """Hypotension from values: systolic < 90 mmHg or MAP < 65 mmHg ("BP 82/45", "MAP in the 50s")."""
    found: list[Finding] = []
    for match in _BP_PAIR.finditer(text):
        systolic, diastolic = int(match.group("sys")), int(match.group("dia"))
        if _TARGET_WORDS.search(match.group("gap")) or not 40 <= systolic <= 260 or diastolic >= systolic:
            continue
        if _decade_top(systolic, match.group("sdec")) < SYSTOLIC_HYPOTENSION:
            start = match.start()
            value: dict[str, Any] = {"systolic": systolic, "diastolic": diastolic}
            found.append(Finding(HYPOTENSION, text[start : match.end()], start, match.end(), value))
    for pattern, key, threshold in ((_SYSTOLIC, "systolic", SYSTOLIC_HYPOTENSION), (_MAP, "map", MAP_HYPOTENSION)):
        for match in pattern.finditer(text):
            number = int(match.group("v"))
            if _TARGET_WORDS.search(match.group("gap")) or not 20 <= number <= 260:
                continue
            below = match.group("cmp") is not None
            if (below and number <= threshold) or (not below and _decade_top(number, match.group("dec")) < threshold):
                value = {key: number}
                if below:
                    value["comparator"] = "<"
                found.append(Finding(HYPOTENSION, text[match.start() : match.end()], match.start(), match.end(), value))
    for match in _BP_DROP.finditer(text):
        if re.match(r"[^\n;.]{0,25}?\d{2,3}\s*/", text[match.end() :]):
            continue  # "BP dropped to 100/60": the value decides
        if not _is_negated(text, match.start(), match.end()):
            found.append(Finding(HYPOTENSION, match.group(0), match.start(), match.end(), {"drop": True}))
    return found


# ---------------------------------------------------------------- oxygen saturation

_SATURATION = re.compile(
    r"(?:\b(?:Sp\s?O2|SaO2|(?:O2|oxygen)\s+sat(?:uration)?s?|sat(?:uration)?s|saturations?|saturating|satt?ing"
    r"|desat(?:uration|urated|urating|s|ted)?|pulse\s+ox(?:imetry)?)\b)"
    r"[^\d\n;.]{0,25}?(?P<cmp>(?:<=?|≤|less\s+than|below|under)\s*)?(?<![\d.])(?P<v>\d{2,3})(?P<dec>s)?\s*%?"
    r"|(?<![\d.])(?P<v2>\d{2})\s*%\s*(?:on\s+)?(?:room\s+air|(?-i:RA)\b)",
    re.IGNORECASE,
)
# the readings vitals_reported looks for, each with the words it needs (miner.gates)
_VITALS_READINGS = tuple((pattern, Gate.of(pattern)) for pattern in (
    _BP_PAIR, _MMHG, _SYSTOLIC, _MAP, _SATURATION, _VITALS_WORDS, _VITALS_NORMAL, _ROOM_AIR))


def _find_saturations(text: str) -> list[Finding]:
    """Hypoxia from SpO2 values below 90 % ("SpO2 88%", "satting 89% on RA", "sats in the 80s")."""
    found: list[Finding] = []
    for match in _SATURATION.finditer(text):
        raw = match.group("v") or match.group("v2")
        number = int(raw)
        if not 50 <= number <= 100:
            continue
        below = match.group("cmp") is not None
        top = number + 9 if match.group("dec") else number
        if (below and number <= SPO2_HYPOXIA) or (not below and top < SPO2_HYPOXIA):
            value: dict[str, Any] = {"spo2": number}
            end = match.start() + len(match.group(0).rstrip())
            found.append(Finding(HYPOXIA, text[match.start() : end], match.start(), end, value))
    return found


# ---------------------------------------------------------------- oxygen devices and flows


@dataclass(frozen=True)
class _Device:
    """An oxygen delivery device; ``level`` None means the level follows the flow (<= 6 L/min -> 2)."""

    name: str
    kind: str
    level: int | None
    pattern: re.Pattern[str]


def _device(name: str, kind: str, level: int | None, pattern: str) -> _Device:
    return _Device(name, kind, level, re.compile(pattern, re.IGNORECASE))


_DEVICES: tuple[_Device, ...] = (
    _device("high-flow nasal cannula", OXYGEN, 3,
            r"\bhigh[-\s]?flow\s+(?:nasal\s+(?:cannulae?|canula|prongs?|oxygen(?:\s+therapy)?)|oxygen(?:\s+therapy)?|O2|NC)"
            r"(?:\s*\((?-i:HFNC|HFNO|HFNOT|HFOT)\))?|\b(?-i:HFNC|HFNO|HFNOT|HFOT)\b|\b(?:optiflow|airvo)\b"
            r"|\bon\s+high[-\s]?flow\b(?!\s+(?:nasal|oxygen|O2|NC)\b)"),
    _device("low-flow oxygen", OXYGEN, None, r"\blow[-\s]?flow\s+(?:nasal\s+cannula|oxygen|O2|NC)\b"),
    _device("nasal cannula", OXYGEN, None,
            r"\bnasal\s+(?:cannulae?|canula|prongs?|specs|spectacles|catheter)\b|(?:\b|(?<=\dL))(?-i:NC)\b"),
    _device("blow-by", OXYGEN, 2, r"\bblow[-\s]?by\b"),
    _device("non-rebreather mask", OXYGEN, 3,
            r"\bnon[-\s]?re[-\s]?breath(?:er|ing)(?:\s+(?:face\s*)?mask)?|\b(?-i:NRBM?)\b|\bpartial\s+rebreather(?:\s+mask)?"),
    _device("Venturi mask", OXYGEN, 3, r"\bvent(?:uri|i)[-\s]?mask\b|\bventuri\b"),
    _device("face mask", OXYGEN, 3,
            r"\b(?:simple\s+)?face[-\s]?mask\b|\b(?:oxygen|O2)\s+(?:face\s*)?mask\b|\b(?:via|by|on)\s+(?:a\s+)?mask\b"
            r"|\breservoir\s+mask\b"),
    _device("supplemental oxygen", OXYGEN, None,
            r"\bsupplement(?:al|ary)\s+(?:oxygen|O2)\b|\b(?:oxygen|O2)\s+(?:therapy|supplementation|support|requirements?)\b"
            r"|\b(?:requir(?:ed|ing|es)|need(?:ed|ing|s)?|start(?:ed)?\s+on|placed\s+on|put\s+on|on|receiv(?:ed|ing)"
            r"|given|commenced\s+on|initiated\s+on)\s+(?:supplemental\s+)?(?:oxygen|O2)\b(?!\s*sat)"),
    _device("CPAP", POSITIVE_PRESSURE, 4, r"\b(?-i:CPAP)\b"),
    _device("BiPAP", POSITIVE_PRESSURE, 4, r"\bbi-?pap\b|\b(?-i:BPAP)\b"),
    _device("non-invasive ventilation", POSITIVE_PRESSURE, 4,
            r"\bnon[-\s]?invasive\s+(?:positive[-\s]pressure\s+)?(?:mechanical\s+)?ventilation\b|\b(?-i:NIV|NIPPV|NPPV)\b"),
    _device("positive pressure ventilation", POSITIVE_PRESSURE, 4, r"\bpositive[-\s]pressure\s+ventilat\w+"),
    _device("intubation", POSITIVE_PRESSURE, 4,
            r"\b(?:endotracheal(?:ly)?\s+)?(?:re-?)?intubat(?:ed|ion|e|ing)\b|\bextubat(?:ed|ion)\b"),
    _device("mechanical ventilation", POSITIVE_PRESSURE, 4,
            r"\bmechanical(?:ly)?\s+ventilat(?:ed|ion)\b|\bmechanical\s+ventilatory\s+support\b|\bventilator\b"
            r"|\bventilated\b|\binvasive\s+(?:mechanical\s+)?ventilation\b"),
)

_FLOW = re.compile(
    r"(?<![\w.])(?P<lo>\d{1,2}(?:\.\d)?)(?:\s*(?:-|–|to)\s*(?P<hi>\d{1,2}(?:\.\d)?))?\s*"
    r"(?:L(?:\s*/\s*min|pm)?|liters?|litres?)(?:\s*(?:/|per)\s*min(?:ute)?)?(?:\b|(?=NC\b))"
    r"(?!\s*(?:of\s+)?(?:crystalloid|fluid|saline|normal|NS\b|LR\b|lactated|ringer|albumin|IVF|bolus|plasma|IV\b))",
    re.IGNORECASE,
)
_FIO2 = re.compile(r"\bFiO2\s*(?:of\s+|was\s+|at\s+|:\s*)?(?P<a>\d{2,3})\s*%|(?P<b>\d{2,3})\s*%\s*FiO2\b", re.I)
_BARE_OXYGEN = re.compile(r"\b(?:oxygen|O2)\b(?!\s*sat)", re.IGNORECASE)
_SATURATION_ON = re.compile(r"\d\s*%\s*(?:on|via|with)\s+$")
_FOR_COMFORT = re.compile(r"^[^.;\n]{0,30}?\bfor\s+(?:patient\s+)?comfort\b", re.IGNORECASE)
_AIRWAY_PROTECTION = re.compile(
    r"^[^.;\n]{0,40}?\b(?:for\s+airway\s+protection|to\s+protect\s+(?:the|her|his|their)\s+airway"
    r"|for\s+(?:a\s+|the\s+)?(?:procedure|surgery|endoscopy|MRI|status\s+epilepticus|seizures?))\b",
    re.IGNORECASE,
)
_CHRONIC_PAP = re.compile(r"\b(?:sleep\s+apn(?:o)?ea|OSA|nightly|at\s+night|nocturnal)\b|^\s*machine\b", re.I)
_CHRONIC_OXYGEN = re.compile(r"\b(?:at\s+baseline|home\s+(?:oxygen|O2)|chronic(?:ally)?)\b", re.I)
_HOME_BEFORE = re.compile(r"\b(?:home|chronic|baseline)(?:\s+(?:oxygen|O2))?\s+$", re.I)
_FLOW_DISTANCE = 40
_BARE_OXYGEN_DISTANCE = 20


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    flow: float | None = None


def _distance(a: _Span, b: _Span) -> int:
    return max(a.start - b.end, b.start - a.end, 0)


def _same_clause(text: str, a: _Span, b: _Span) -> bool:
    lo, hi = min(a.start, b.start), max(a.end, b.end)
    return _HARD_STOP.search(text, lo, hi) is None


def _resolve_overlaps(candidates: Iterable[tuple[_Device, re.Match[str]]]) -> list[tuple[_Device, re.Match[str]]]:
    """Keep the longest of overlapping device mentions ("high-flow nasal cannula" over "nasal cannula")."""
    kept: list[tuple[_Device, re.Match[str]]] = []
    for device, match in sorted(candidates, key=lambda c: (c[1].start(), -(c[1].end() - c[1].start()))):
        if all(match.start() >= other.end() or match.end() <= other.start() for _, other in kept):
            kept.append((device, match))
    return kept


def _flows(text: str) -> list[_Span]:
    spans = []
    for match in _FLOW.finditer(text):
        flow = float(match.group("hi") or match.group("lo"))
        spans.append(_Span(match.start(), match.end(), flow))
    return spans


def _nearest(text: str, flow: _Span, anchors: list[_Span], max_distance: int) -> int | None:
    best: tuple[int, int] | None = None
    for index, anchor in enumerate(anchors):
        distance = _distance(flow, anchor)
        if distance <= max_distance and _same_clause(text, flow, anchor) and (best is None or distance < best[0]):
            best = (distance, index)
    return None if best is None else best[1]


def _level_for(device: _Device, flow: float | None) -> int:
    if device.level is not None:
        return device.level
    return 3 if flow is not None and flow > LOW_FLOW_MAX_L_MIN else 2


def _fio2_near(text: str, start: int, end: int) -> int | None:
    match = _FIO2.search(text, start, min(len(text), end + 30))
    return int(match.group("a") or match.group("b")) if match else None


def _oxygen_finding(text: str, device: _Device, start: int, end: int, flows: list[float]) -> Finding | None:
    """Build the finding for one device mention with its assigned flows, or None if hypothetical."""
    if _is_hypothetical(text, start, end):
        return None
    if _is_negated(text, start, end):
        return Finding(NO_OXYGEN, text[start:end], start, end, {"negated": device.name})
    flow = max(flows) if flows else None
    value: dict[str, Any] = {"device": device.name}
    if flow is not None:
        value["flow_l_min"] = flow
    fio2 = _fio2_near(text, start, end)
    if fio2 is not None:
        value["fio2"] = fio2
    value["level"] = _level_for(device, flow)
    after = text[end:]
    if _FOR_COMFORT.match(after):
        value.update(level=0, comfort=True)
    elif device.name == "intubation" and _AIRWAY_PROTECTION.match(after):
        value.update(level=0, airway_protection=True)
    elif _is_chronic(text, device, start, end):
        value.update(level=0, chronic=True)
    return Finding(device.kind, text[start:end], start, end, value)


def _is_chronic(text: str, device: _Device, start: int, end: int) -> bool:
    """Support the patient had before ("home CPAP for sleep apnoea", "2 L NC at baseline (home O2)")."""
    if _HOME_BEFORE.search(text[max(0, start - 16) : start]):
        return True
    after = _clause_after(text, end)[:40]
    if device.name in ("CPAP", "BiPAP") and _CHRONIC_PAP.search(after):
        return True
    return device.kind == OXYGEN and _CHRONIC_OXYGEN.search(after) is not None


_GENERIC_OXYGEN = _Device("oxygen", OXYGEN, None, re.compile(r"(?!)"))
_DEVICE_GATES = tuple(Gate.of(device.pattern) for device in _DEVICES)


def _find_oxygen(text: str, folded: str | None = None) -> list[Finding]:
    """Oxygen support by device, with the flow that goes with it ("2 L/min nasal cannula", "NC 3L")."""
    folded = fold(text) if folded is None else folded
    mentions = _resolve_overlaps(
        (device, match) for device, gate in zip(_DEVICES, _DEVICE_GATES, strict=True) if gate.admits(folded)
        for match in device.pattern.finditer(text)
    )
    anchors = [_Span(match.start(), match.end()) for _, match in mentions]
    assigned: dict[int, list[_Span]] = {index: [] for index in range(len(anchors))}
    loose: list[_Span] = []
    for flow in _flows(text):
        index = _nearest(text, flow, anchors, _FLOW_DISTANCE)
        if index is None:
            loose.append(flow)
        else:
            assigned[index].append(flow)
    found: list[Finding] = []
    for index, (device, match) in enumerate(mentions):
        flows = assigned[index]
        # Extend the span over a flow written right next to the device ("2L NC", "NC at 4 L").
        near = [f for f in flows if _distance(f, anchors[index]) <= 4]
        start = min([match.start(), *(f.start for f in near)])
        end = max([match.end(), *(f.end for f in near)])
        finding = _oxygen_finding(text, device, start, end, [f.flow for f in flows if f.flow is not None])
        if finding is not None:
            found.append(finding)
    # A flow next to a bare "O2"/"oxygen" with no device: "required 4 L O2", "O2 at 10 L".
    bare = [_Span(m.start(), m.end()) for m in _BARE_OXYGEN.finditer(text)
            if all(m.end() <= a.start or m.start() >= a.end for a in anchors)]
    # Or after a saturation: "SpO2 93% on 2L".
    for flow in loose:
        index = _nearest(text, flow, bare, _BARE_OXYGEN_DISTANCE)
        if flow.flow is None:
            continue
        if index is not None:
            start, end = min(flow.start, bare[index].start), max(flow.end, bare[index].end)
        elif _SATURATION_ON.search(text, max(0, flow.start - 12), flow.start):
            start, end = flow.start, flow.end
        else:
            continue
        finding = _oxygen_finding(text, _GENERIC_OXYGEN, start, end, [flow.flow])
        if finding is not None:
            found.append(finding)
    return found


# ---------------------------------------------------------------- death

_DEATH_VERB = r"(?:died|dies|death|deaths|dying|succumbed|passed\s+away)"
_ATTRIBUTION = (
    r"(?:of|from|to|due\s+to|secondary\s+to|as\s+a\s+result\s+of|attributed\s+to|attributable\s+to|related\s+to"
    r"|caused\s+by|because\s+of)"
)
_CRS_DEATH = re.compile(
    rf"""\b{_DEATH_VERB}\s+(?:\w+\s+){{0,2}}?{_ATTRIBUTION}\s+(?P<cause>(?:[\w-]+[\s,]+){{0,5}}?){_CRS}\b
    | \bcause\s+of\s+death\s+(?:was|is)\s+(?P<cause2>(?:[\w-]+\s+){{0,3}}?){_CRS}\b
    | \bfatal\s+(?:[\w-]+\s+){{0,2}}?{_CRS}\b
    | \b{_CRS}[\s-]+(?:related|associated|attributed|induced)\s+(?:deaths?|mortality|fatalit(?:y|ies))\b
    | \b{_CRS}\s+(?:was|proved|proving|became)\s+fatal\b
    | \b{_CRS}\s+(?:\w+\s+){{0,3}}?(?:led|leading|resulted|resulting)\s+(?:to|in)\s+
        (?:(?:the\s+)?(?:patient'?s|her|his)\s+)?death\b
    """,
    _I,
)
_OTHER_CAUSE = re.compile(
    r"\b(?:seps[ie]s|septic|infections?|infectious|pneumonia|progress\w*|relapse\w*|disease|lymphoma|myeloma"
    r"|leuka?emia|ha?emorrhage|bleeding|ICANS|neurotoxicity|HLH|COVID\w*|GVHD|and|or)\b",
    re.IGNORECASE,
)
_OTHER_DEATH = re.compile(
    rf"\b(?:died|dies|succumbed|passed\s+away|deceased|death(?=\s+(?:{_ATTRIBUTION}|on\b|occurred|was)))"
    rf"(?:\s+(?:\w+\s+){{0,2}}?{_ATTRIBUTION}\s+(?P<cause>[\w\s-]{{1,40}}?)(?=[.,;)]|\s+(?:on|in|at|after)\b|$))?",
    re.IGNORECASE,
)


_CRS_DEATH_GATE, _OTHER_DEATH_GATE = Gate.of(_CRS_DEATH), Gate.of(_OTHER_DEATH)


def _find_deaths(text: str, folded: str | None = None) -> list[Finding]:
    """Death, with ``attributed_to_crs`` True only when the text ties the death to CRS.

    "died of refractory CRS" and "fatal cytokine release syndrome" are grade 5; "died of disease
    progression" and "died of sepsis in the setting of CRS" are deaths from another cause.
    """
    folded = fold(text) if folded is None else folded
    found: list[Finding] = []
    crs_spans: list[tuple[int, int]] = []
    for match in _CRS_DEATH.finditer(text) if _CRS_DEATH_GATE.admits(folded) else ():
        cause = match.group("cause") or match.group("cause2") or ""
        if _OTHER_CAUSE.search(cause):
            continue
        crs_spans.append((match.start(), match.end()))
        if _is_negated(text, match.start(), match.end()) or _is_hypothetical(text, match.start(), match.end()):
            continue
        value = {"attributed_to_crs": True, "cause": "CRS"}
        found.append(Finding(DEATH, match.group(0), match.start(), match.end(), value))
    for match in _OTHER_DEATH.finditer(text) if _OTHER_DEATH_GATE.admits(folded) else ():
        if any(match.start() < end and start < match.end() for start, end in crs_spans):
            continue  # "death due to CRS was not reported" is no death from another cause
        if _is_negated(text, match.start(), match.end()) or _is_hypothetical(text, match.start(), match.end()):
            continue
        cause = (match.group("cause") or "").strip() or None
        value = {"attributed_to_crs": False, "cause": cause}
        found.append(Finding(DEATH, match.group(0), match.start(), match.end(), value))
    return found


# ---------------------------------------------------------------- all together


def find_findings(text: str) -> list[Finding]:
    """Find the ASTCT 2019 grading criteria stated in ``text``, in text order.

    Negated mentions come back as their ``no_*`` kind ("no hypotension" -> ``no_hypotension``,
    "did not require vasopressors" -> ``no_hypotension`` with ``{"negated": "vasopressor"}``,
    "without hypoxia" and "room air" -> ``no_oxygen``, "afebrile" -> ``no_fever``).

    Choices where the text is open to reading:
        - A nasal cannula (or "supplemental oxygen", or a bare "4 L O2") is level 2 at <= 6 L/min or
          with no flow stated, level 3 above 6 L/min; a named high-flow device is level 3 whatever
          the flow; masks are 3; CPAP, BiPAP, NIV, intubation and mechanical ventilation are 4.
        - Level 0 (does not count): oxygen "for comfort", intubation "for airway protection" or for a
          procedure, home/nightly CPAP for sleep apnoea.
        - Dobutamine and milrinone are inotropes (kind ``inotrope``), not vasopressors.
        - Antipyretics or steroids given as premedication/prophylaxis carry ``premedication``.
        - Death is ``attributed_to_crs`` only when the text ties it to CRS with no other cause named.

    Args:
        text: a passage of clinical text (one episode's sentences or a whole note).

    Returns:
        The findings, sorted by start offset; duplicates (same kind and span) removed.

    Example:
        >>> [f.kind for f in find_findings("Febrile to 39.1 °C, satting 89% on RA, placed on NRB")]
        ['fever', 'fever', 'hypoxia', 'no_oxygen', 'oxygen']
    """
    folded = fold(text)
    found = [
        *_find_words(text, folded),
        *_find_temperatures(text),
        *_find_blood_pressures(text),
        *_find_saturations(text),
        *_find_oxygen(text, folded),
        *_find_deaths(text, folded),
    ]
    unique: dict[tuple[str, int, int], Finding] = {}
    for finding in sorted(found, key=lambda f: (f.start, f.end, f.kind)):
        unique.setdefault((finding.kind, finding.start, finding.end), finding)
    return [f for f in unique.values() if not _covered(f, unique.values())]


def _covered(finding: Finding, others: Iterable[Finding]) -> bool:
    """A bare word inside a same-kind finding that carries a value ("desaturated" in "desaturated to 84%")."""
    return not finding.value and any(
        other is not finding and other.kind == finding.kind and other.value
        and other.start <= finding.start and finding.end <= other.end
        for other in others
    )
