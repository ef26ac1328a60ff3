"""Generate a synthetic clinical-note export with gold timelines for recurrent late CRS.

    python scripts/generate_notes.py --patients 40 --seed 7 --out corpora/notes/sample --format csv

Writes, into ``--out``:

- ``notes.<csv|jsonl|parquet>``: one row per note (patient_id, note_id, note_datetime, note_type, text),
  written note by note (memory does not grow with ``--patients``);
- ``gold.jsonl``: one line per patient with the timeline that produced the notes (doses, febrile episodes,
  classification), true by construction;
- ``settings.json``: the arguments, the scenario mix and the realised scenario counts.

Every patient is built from its own random stream (``seed`` and patient index), so patient ``i`` is the same
whatever ``--patients`` and ``--format`` are, and two runs with the same arguments give identical files.
The generator is written from the classification guide (corpora/case-reports/README.md), not from miner's
extraction rules. It is never imported by ``miner``. Everything it writes is synthetic (MIT licence).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

GENERATOR_VERSION = "1.0"
NOTE_COLUMNS = ("patient_id", "note_id", "note_datetime", "note_type", "text")
NOTE_TYPES = ("infusion", "ed", "progress", "discharge", "clinic", "nursing", "phone")
FORMATS = ("csv", "jsonl", "parquet")
MIN_NOTES_PER_PATIENT = 30
DEFAULT_NOTES_PER_PATIENT = 48
DEFAULT_TYPO_RATE = 0.005
PARQUET_BATCH_ROWS = 2000
LATE_HOURS = (18, 20, 24, 26, 30, 36, 40, 44, 48)
INITIAL_HOURS = (12, 16, 18, 20, 24, 30, 36)
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
Rng = random.Random


# --------------------------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One kind of patient course; its classification holds by construction."""

    name: str
    classification: str
    weight: float
    description: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("probable_named_crs", "probable", 0.14,
             "step-up CRS (usually), then CRS 18-48 h after >= 2 consecutive later doses, named CRS in the notes, "
             "negative infection work-ups, often tocilizumab or dexamethasone"),
    Scenario("probable_fever_only", "probable", 0.10,
             "the same pattern, but the late episodes are only 'fever after every dose, BCx neg', never called CRS"),
    Scenario("probable_schedule_change", "probable", 0.06,
             "recurrent post-dose fevers on q2w dosing, negative work-ups; spacing to q4w stops them"),
    Scenario("probable_coexisting_infection", "probable", 0.05,
             ">= 2 late dose-linked episodes with negative work-ups plus one febrile episode with a documented "
             "infection that explains only that episode"),
    Scenario("possible_no_workup", "possible", 0.10,
             "recurrent dose-linked late fevers, no infection work-up mentioned anywhere"),
    Scenario("possible_single_late", "possible", 0.05,
             "one late dose-linked febrile episode only (work-up negative or not reported)"),
    Scenario("unlikely_infection", "unlikely", 0.10,
             "late fevers, each explained by a documented infection (positive cultures, pneumonia, UTI, line "
             "infection, viral PCR), some of them 12-72 h after a dose"),
    Scenario("unlikely_stepup_only", "unlikely", 0.10,
             "CRS only during step-up dosing (cycle 1); later doses uneventful"),
    Scenario("unlikely_crs_mentions_only", "unlikely", 0.06,
             "no fever at all; CRS appears only as a risk, in education, as a negation or in a relative's history"),
    Scenario("unlikely_neutropenic_nadir", "unlikely", 0.06,
             "glofitamab with GemOx; neutropenic fevers at the chemotherapy nadir, 9-12 days after a dose"),
    Scenario("unlikely_no_tce", "unlikely", 0.08,
             "never on a T-cell engager (carfilzomib or R-CHOP) but with fevers; a bispecific only discussed"),
    Scenario("unlikely_no_fever", "unlikely", 0.10, "on a bispecific, no fever and no CRS at all"),
)
SCENARIO_BY_NAME = {s.name: s for s in SCENARIOS}


def default_mix() -> dict[str, float]:
    """Return the default scenario weights (a fresh dict): 35 % probable, 15 % possible, 50 % unlikely."""
    return {s.name: s.weight for s in SCENARIOS}


def parse_mix(text: str) -> dict[str, float]:
    """Parse ``--mix "probable_named_crs=2,unlikely_no_fever=1"`` into normalised weights.

    Scenarios not listed get weight 0. Unknown names and negative weights are rejected.
    """
    weights: dict[str, float] = {s.name: 0.0 for s in SCENARIOS}
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in SCENARIO_BY_NAME:
            raise ValueError(f"bad --mix item {item!r}; scenarios: {', '.join(SCENARIO_BY_NAME)}")
        weight = float(value)
        if weight < 0:
            raise ValueError(f"negative weight in --mix item {item!r}")
        weights[name] = weight
    return normalise_mix(weights)


def normalise_mix(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("the scenario mix has no positive weight")
    return {name: weights.get(name, 0.0) / total for name in SCENARIO_BY_NAME}


def assign_scenario(seed: int, index: int, mix: dict[str, float]) -> Scenario:
    """Scenario of patient ``index``: a golden-ratio (Weyl) sequence over the cumulative mix.

    The sequence is equidistributed, so every prefix of patients follows the mix closely (within a few
    patients), and patient ``index`` gets the same scenario whatever the number of patients.
    """
    offset = random.Random(f"{seed}:mix").random()
    u = (offset + index * _GOLDEN) % 1.0
    cumulative = 0.0
    chosen = SCENARIOS[-1]
    for scenario in SCENARIOS:
        weight = mix.get(scenario.name, 0.0)
        if weight <= 0:
            continue
        cumulative += weight
        chosen = scenario
        if u < cumulative:
            return scenario
    return chosen


# --------------------------------------------------------------------------------------------------------------
# Drugs and schedules (label step-up doses; the interval after cycle 1 is drawn from the drug's set)
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrugSpec:
    name: str
    brand: str
    disease: str
    route: str
    c1_len: int
    c1_doses: tuple[tuple[int, str], ...]  # (cycle-1 day, amount); the first n_step are step-up doses
    n_step: int
    cycle_len: int
    late: tuple[tuple[int, str], ...]  # (interval days, amount)
    pretreatment: tuple[int, str] | None = None  # (cycle-1 day, text), e.g. obinutuzumab before glofitamab

    def late_amount(self, interval: int) -> str:
        return dict(self.late)[interval]

    @property
    def intervals(self) -> tuple[int, ...]:
        return tuple(i for i, _ in self.late)


DRUGS: tuple[DrugSpec, ...] = (
    DrugSpec("teclistamab", "Tecvayli", "MM", "SC", 28,
             ((1, "0.06 mg/kg"), (4, "0.3 mg/kg"), (7, "1.5 mg/kg"), (14, "1.5 mg/kg"), (21, "1.5 mg/kg")), 2, 28,
             ((7, "1.5 mg/kg"), (14, "1.5 mg/kg"))),
    DrugSpec("talquetamab", "Talvey", "MM", "SC", 28,
             ((1, "0.01 mg/kg"), (4, "0.06 mg/kg"), (7, "0.4 mg/kg"), (14, "0.4 mg/kg"), (21, "0.4 mg/kg")), 2, 28,
             ((7, "0.4 mg/kg"), (14, "0.8 mg/kg"), (28, "0.8 mg/kg"))),
    DrugSpec("elranatamab", "Elrexfio", "MM", "SC", 28,
             ((1, "12 mg"), (4, "32 mg"), (8, "76 mg"), (15, "76 mg"), (22, "76 mg")), 2, 28,
             ((7, "76 mg"), (14, "76 mg"))),
    DrugSpec("linvoseltamab", "Lynozyfic", "MM", "IV", 28,
             ((1, "5 mg"), (8, "25 mg"), (15, "200 mg"), (22, "200 mg")), 2, 28,
             ((7, "200 mg"), (14, "200 mg"), (28, "200 mg"))),
    DrugSpec("epcoritamab", "Epkinly", "DLBCL", "SC", 28,
             ((1, "0.16 mg"), (8, "0.8 mg"), (15, "48 mg"), (22, "48 mg")), 2, 28,
             ((7, "48 mg"), (14, "48 mg"), (28, "48 mg"))),
    DrugSpec("glofitamab", "Columvi", "DLBCL", "IV", 21, ((8, "2.5 mg"), (15, "10 mg")), 2, 21,
             ((21, "30 mg"),), pretreatment=(1, "obinutuzumab 1000 mg IV (pretreatment)")),
    DrugSpec("mosunetuzumab", "Lunsumio", "FL", "IV", 21, ((1, "1 mg"), (8, "2 mg"), (15, "60 mg")), 2, 21,
             ((21, "30 mg"),)),
    DrugSpec("tarlatamab", "Imdelltra", "SCLC", "IV", 28, ((1, "1 mg"), (8, "10 mg"), (15, "10 mg")), 1, 28,
             ((14, "10 mg"),)),
)
DRUG_BY_NAME = {d.name: d for d in DRUGS}
SCHEDULE_WORDS = {7: ("weekly", "QW", "q1w", "every week"), 14: ("q2w", "Q2W", "every 2 weeks", "every other week"),
                  21: ("q3w", "Q3W", "every 21 days", "every 3 weeks"), 28: ("q4w", "Q4W", "monthly", "every 4 weeks")}

DISEASES = {
    "MM": ("relapsed/refractory multiple myeloma", "RRMM", "multiple myeloma"),
    "DLBCL": ("relapsed/refractory DLBCL", "R/R diffuse large B-cell lymphoma", "DLBCL"),
    "FL": ("relapsed/refractory follicular lymphoma", "R/R FL", "follicular lymphoma"),
    "SCLC": ("extensive-stage small cell lung cancer", "ES-SCLC", "small cell lung cancer"),
}
PRIOR_LINES = {
    "MM": ("IgG kappa MM dx {y}, s/p VRd induction, ASCT, lenalidomide maintenance, dara-Pd; triple-class refractory",
           "IgA lambda MM dx {y}, s/p KRd, ASCT, DKd, belantamab mafodotin; penta-refractory",
           "light-chain kappa MM dx {y}; s/p VTD, ASCT, dara-Rd, Kd"),
    "DLBCL": ("DLBCL (GCB) dx {y}, s/p R-CHOP x6, R-ICE, relapse 8 mo later; not a transplant candidate",
              "DLBCL (non-GCB) dx {y}, primary refractory to R-CHOP, s/p R-GemOx",
              "transformed FL -> DLBCL dx {y}, s/p R-CHOP, pola-BR"),
    "FL": ("grade 2 FL dx {y}, s/p BR, R2, and rituximab maintenance; POD24",
           "FL grade 3A dx {y}, s/p R-CHOP, R2"),
    "SCLC": ("ES-SCLC dx {y}, s/p carboplatin-etoposide-atezolizumab, atezolizumab maintenance, lurbinectedin",
             "ES-SCLC dx {y} with liver mets, s/p carboplatin-etoposide-durvalumab"),
}
COMORBIDITIES = ("HTN", "T2DM", "CKD stage 3a", "hypothyroidism", "paroxysmal AFib on apixaban", "GERD",
                 "hyperlipidemia", "COPD (no home O2)", "OSA on CPAP", "osteoporosis", "BPH")
HOME_MEDS = ("acyclovir 400 mg PO BID", "TMP-SMX DS PO MWF", "amlodipine 5 mg daily", "metformin 500 mg BID",
             "levothyroxine 75 mcg daily", "apixaban 5 mg BID", "pantoprazole 40 mg daily", "allopurinol 100 mg daily",
             "atorvastatin 20 mg daily", "IVIG 0.4 g/kg monthly", "ondansetron 8 mg PRN nausea",
             "calcium/vitamin D", "zoledronic acid q12w", "tamsulosin 0.4 mg qHS")
ALLERGIES = (("penicillin (fever, rash)", "penicillin (fever and rash as a child)"), ("sulfa (hives)",),
             ("iodinated contrast (urticaria)",), ("codeine (nausea)",), ("NKDA", "No known drug allergies"),
             ("NKDA",), ("latex (contact dermatitis)",), ("vancomycin (red man syndrome)",))
FAMILY_PLAIN = ("Mother: breast cancer, d. at 74. Father: CAD, MI at 66.",
                "Father with prostate cancer. No hematologic malignancy.", "Mother with T2DM, HTN. Sister healthy.",
                "Noncontributory.", "Brother: colon cancer at 58. Mother: dementia.",
                "No family history of bleeding or clotting disorders.")
FAMILY_CRS = ("Sister: DLBCL, s/p CAR-T (axi-cel) 2022 c/b grade 2 CRS and ICANS.",
              "Brother with MM on teclistamab, had CRS after step-up dosing.",
              "Mother had a 'cytokine storm' with COVID-19 in 2020, survived ICU stay.",
              "Cousin with ALL treated with blinatumomab, c/b cytokine release syndrome.",
              "Son (38) received CAR-T for lymphoma; course c/b CRS gr 1.")

INFECTIONS: tuple[dict[str, str], ...] = (
    {"kind": "pneumonia", "dx": "community-acquired pneumonia", "early": "CXR: new RLL consolidation",
     "final": "CXR with RLL consolidation; sputum cx S. pneumoniae", "abx": "ceftriaxone + azithromycin",
     "early_conclusive": "yes"},
    {"kind": "uti", "dx": "E. coli UTI", "early": "UA: + nitrites, + LE, >50 WBC/hpf; UCx pending",
     "final": "UCx >100,000 CFU/mL E. coli", "abx": "ciprofloxacin", "early_conclusive": ""},
    {"kind": "line", "dx": "central line-associated bloodstream infection (port)",
     "early": "erythema at port site; BCx x2 (port + peripheral) pending",
     "final": "BCx 2/2 positive for coagulase-negative Staphylococcus (port and peripheral), port removed",
     "abx": "vancomycin", "early_conclusive": ""},
    {"kind": "bacteremia", "dx": "Klebsiella pneumoniae bacteremia", "early": "lactate 2.6; BCx x2 pending",
     "final": "BCx 2/2 bottles Klebsiella pneumoniae", "abx": "cefepime", "early_conclusive": ""},
    {"kind": "covid", "dx": "COVID-19", "early": "SARS-CoV-2 PCR positive", "final": "SARS-CoV-2 PCR positive",
     "abx": "nirmatrelvir/ritonavir", "early_conclusive": "yes"},
    {"kind": "influenza", "dx": "influenza A", "early": "influenza A PCR positive", "final": "influenza A PCR positive",
     "abx": "oseltamivir", "early_conclusive": "yes"},
)

_NAMES_PROTECTED = (
    [d.name for d in DRUGS] + [d.brand.lower() for d in DRUGS]
    + ["obinutuzumab", "carfilzomib", "gemcitabine", "oxaliplatin", "rituximab", "cyclophosphamide", "doxorubicin",
       "vincristine", "prednisone", "dexamethasone", "tocilizumab", "acetaminophen", "paracetamol", "tylenol",
       "diphenhydramine", "cetirizine", "methylprednisolone", "cefepime", "ceftriaxone", "azithromycin",
       "vancomycin", "ciprofloxacin", "oseltamivir", "nirmatrelvir", "ritonavir", "filgrastim", "acyclovir",
       "siltuximab", "anakinra", "daratumumab", "norepinephrine", "metamizole", "toci", "actemra", "pegfilgrastim",
       "cytokine", "release", "syndrome", "storm", "grade", "denies", "without", "negative", "positive", "none",
       "never", "ruled", "unlikely", "possible", "yesterday", "today", "tonight", "morning", "afternoon", "evening",
       "night", "overnight", "days", "hours", "after", "post", "since", "last", "week", "weeks", "weekly", "every",
       "monthly", "biweekly", "dose", "doses", "injection", "infusion", "received", "given", "administered",
       "step", "cycle", "family", "sister", "brother", "mother", "father", "cousin"]
)
PROTECTED_WORDS = frozenset(_NAMES_PROTECTED)
TYPO_POLICY = (
    "Typos touch only lower-case alphabetic words of four letters or more that are not protected: never a drug or "
    "brand name (T-cell engagers, treatments, premedication, anti-infectives, chemotherapy), CRS terms, negation and "
    "assertion cues, dose and time anchors (dose, injection, infusion, yesterday, ago, hours...) or relatives. "
    "Numbers, dates, temperatures, vitals, abbreviations and capitalised words (section headers) never change. "
    "Fever, culture and symptom words can carry typos. Copied-forward paragraphs keep the typos of their source."
)
_TRAILING = re.compile(r"[ \t]+\n")
_TYPO_WORD = re.compile(r"\b[a-z]{4,}\b")
_KEY_NEIGHBOURS = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo", "j": "hk",
    "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et", "s": "ad", "t": "ry",
    "u": "yi", "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "x",
}


# --------------------------------------------------------------------------------------------------------------
# Typos
# --------------------------------------------------------------------------------------------------------------


class Typist:
    """Put typos into ordinary words at a per-word rate.

    Policy: only lower-case alphabetic words of four letters or more are touched, never a word in
    ``PROTECTED_WORDS`` (every drug and brand name, CRS terms, negation and assertion cues, dose and time
    anchors, relatives). Numbers, dates, temperatures, vitals, abbreviations and capitalised words (section
    headers) are never changed. Fever, culture and symptom words can carry typos ("fevr", "cultrues").
    """

    def __init__(self, rng: Rng, rate: float) -> None:
        self.rng = rng
        self.rate = rate
        self._log_keep = math.log(1.0 - rate) if 0.0 < rate < 1.0 else 0.0

    def __call__(self, text: str) -> str:
        if self.rate <= 0.0:
            return text
        n_words = text.count(" ") + text.count("\n") + 1
        k = 0
        i = -1
        while True:
            i += 1 + int(math.log(1.0 - self.rng.random()) / self._log_keep)
            if i >= n_words:
                break
            k += 1
        if not k:
            return text
        candidates = [m for m in _TYPO_WORD.finditer(text) if m.group() not in PROTECTED_WORDS]
        if not candidates:
            return text
        chosen = sorted(self.rng.sample(candidates, min(k, len(candidates))), key=lambda m: m.start(), reverse=True)
        for m in chosen:
            text = text[: m.start()] + self.misspell(m.group()) + text[m.end():]
        return text

    def misspell(self, word: str) -> str:
        i = self.rng.randrange(1, len(word) - 1)
        op = self.rng.randrange(4)
        if op == 0 and i < len(word) - 2 and word[i] != word[i + 1]:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if op == 1:
            return word[:i] + word[i] + word[i:]
        if op == 2:
            return word[:i] + self.rng.choice(_KEY_NEIGHBOURS.get(word[i], "e")) + word[i + 1:]
        return word[:i] + word[i + 1:]


# --------------------------------------------------------------------------------------------------------------
# Timeline dataclasses
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Dose:
    """One administration: a T-cell engager dose, a pretreatment or another therapy (carfilzomib, R-CHOP)."""

    dt: datetime
    label: str
    cycle: int
    day: int
    agent: str
    amount: str
    kind: str  # "step-up", "treatment", "pretreatment", "other"
    phase: str  # "initial" (cycle 1) or "late"
    is_tce: bool
    step_no: int = 0
    interval: int | None = None
    extra: str = ""


@dataclass
class Episode:
    """One febrile episode; ``is_crs`` is False when a documented infection or another cause explains it."""

    dose: Dose
    onset: datetime
    phase: str
    hours: int
    hours_stated: bool
    temp_native: float
    temp_c: float
    is_crs: bool
    named_crs: bool
    grade: int | None
    grade_stated: bool
    vitals_documented: bool
    presentation: str  # "normal", "hypotension", "hypoxia", "pressor", "hfnc"
    workup: str  # "negative", "positive", "none"
    explained_by: str | None  # None, "infection", "neutropenic fever", "no T-cell engager"
    infection: dict[str, str] | None
    treatments: list[str]
    empiric_abx: bool
    setting: str  # "ed", "phone", "nursing", "inpatient"
    admitted: bool
    discharge_dt: datetime | None
    results_via: str  # "", "primary", "followup", "next_infusion", "discharge"
    vitals: dict[str, Any] = field(default_factory=dict)
    anc: float | None = None
    note_refs: list[Note] = field(default_factory=list)


@dataclass
class Note:
    dt: datetime
    note_type: str
    text: str
    required: bool
    priority: int = 0  # optional notes with the highest priority number are dropped first
    episodes: tuple[int, ...] = ()
    note_id: str = ""


@dataclass
class Plan:
    patient_id: str
    scenario: Scenario
    style: str  # "US" or "EU"
    age: int
    sex: str
    drug: DrugSpec | None
    disease: str
    prior: str
    other_therapy: str | None
    doses: list[Dose]
    episodes: list[Episode]
    c1d1: date
    schedule_change: dict[str, Any] | None = None
    prophylaxis_added: list[str] = field(default_factory=list)
    prophylaxis_from: int | None = None  # index into doses from which added premedication is given
    states_no_infection: bool = False
    no_infection_emitted: bool = False
    family_crs: bool = False
    allergy: str = "NKDA"
    comorbidities: tuple[str, ...] = ()
    home_meds: tuple[str, ...] = ()

    @property
    def tce_doses(self) -> list[Dose]:
        return [d for d in self.doses if d.is_tce]


# --------------------------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------------------------


def c_to_f(c: float) -> float:
    return round(c * 9.0 / 5.0 + 32.0, 1)


def f_to_c(f: float) -> float:
    return round((f - 32.0) * 5.0 / 9.0, 1)


def _at(d: date, rng: Rng, lo: int = 8 * 60, hi: int = 13 * 60 + 30) -> datetime:
    minutes = rng.randrange(lo, hi + 1, 5)
    return datetime(d.year, d.month, d.day, minutes // 60, minutes % 60)


def _cycle_label(c1d1: date, c1_len: int, cycle_len: int, d: date) -> tuple[int, int]:
    offset = (d - c1d1).days
    if offset < c1_len:
        return 1, offset + 1
    offset -= c1_len
    return 2 + offset // cycle_len, offset % cycle_len + 1


def plan_tce_doses(rng: Rng, spec: DrugSpec, c1d1: date, intervals: Sequence[int]) -> list[Dose]:
    """Cycle-1 doses of ``spec`` from ``c1d1``, then one late dose per entry of ``intervals``.

    The first late dose is C2D1; each later one follows the previous by the interval in force at it.
    """
    doses: list[Dose] = []
    if spec.pretreatment:
        day, text = spec.pretreatment
        d = c1d1 + timedelta(days=day - 1)
        doses.append(Dose(_at(d, rng), f"C1D{day}", 1, day, "obinutuzumab", text, "pretreatment", "initial", False))
    for i, (day, amount) in enumerate(spec.c1_doses):
        d = c1d1 + timedelta(days=day - 1)
        kind = "step-up" if i < spec.n_step else "treatment"
        doses.append(Dose(_at(d, rng), f"C1D{day}", 1, day, spec.name, amount, kind, "initial", True,
                          step_no=i + 1 if kind == "step-up" else 0))
    d = c1d1 + timedelta(days=spec.c1_len)
    for k, interval in enumerate(intervals):
        if k:
            d = d + timedelta(days=interval)
        cycle, day = _cycle_label(c1d1, spec.c1_len, spec.cycle_len, d)
        doses.append(Dose(_at(d, rng), f"C{cycle}D{day}", cycle, day, spec.name, spec.late_amount(interval),
                          "treatment", "late", True, interval=interval))
    return doses


def _vitals(rng: Rng, presentation: str) -> dict[str, Any]:
    v: dict[str, Any] = {"sbp": rng.randint(104, 138), "dbp": rng.randint(58, 84), "hr": rng.randint(94, 122),
                         "rr": rng.randint(16, 22), "spo2": rng.randint(95, 99), "o2": ""}
    if presentation == "hypotension":
        v.update(sbp=rng.randint(78, 88), dbp=rng.randint(40, 52), sbp2=rng.randint(100, 114),
                 dbp2=rng.randint(56, 68), fluids=rng.choice(("1 L NS bolus", "500 mL LR bolus x2", "1L NS")))
    elif presentation == "hypoxia":
        flow = rng.randint(1, 4)
        v.update(spo2=rng.randint(87, 91), spo2b=rng.randint(94, 97), o2=f"{flow} L NC", flow=flow)
    elif presentation == "pressor":
        v.update(sbp=rng.randint(72, 82), dbp=rng.randint(38, 46), fluids="2 L NS",
                 pressor=rng.choice(("norepinephrine", "norepinephrine 0.05 mcg/kg/min")))
    elif presentation == "hfnc":
        v.update(spo2=rng.randint(84, 89), spo2b=rng.randint(92, 95), o2=f"HFNC {rng.choice((30, 40, 50))} L/min")
    return v


def _grade_of(presentation: str) -> int:
    return {"normal": 1, "hypotension": 2, "hypoxia": 2, "pressor": 3, "hfnc": 3}[presentation]


def _temp(rng: Rng, style: str, lo: float, hi: float) -> tuple[float, float]:
    c = round(rng.uniform(lo, hi), 1)
    if style == "US":
        f = c_to_f(c)
        return f, f_to_c(f)
    return c, c


def make_episode(rng: Rng, plan: Plan, dose: Dose, hours: int, *, is_crs: bool = True, named: bool = True,
                 workup: str = "negative", presentation: str = "normal", treatments: Sequence[str] = (),
                 explained_by: str | None = None, infection: dict[str, str] | None = None,
                 setting: str | None = None, temp_range: tuple[float, float] = (38.1, 39.6),
                 next_dose: Dose | None = None, anc: float | None = None) -> Episode:
    """Build one febrile episode ``hours`` after ``dose``; the notes are rendered from it later."""
    onset = dose.dt + timedelta(hours=hours)
    native, temp_c = _temp(rng, plan.style, *temp_range)
    if setting is None and dose.phase == "initial":
        setting = rng.choice(("inpatient", "inpatient", "inpatient", "ed"))
    grade_val = _grade_of(presentation)
    if setting is None:
        if dose.phase == "initial" and dose.kind == "step-up":
            setting = rng.choice(("inpatient", "nursing"))
        elif presentation != "normal":
            setting = "ed"
        else:
            setting = rng.choice(("ed", "ed", "phone", "nursing"))
    if setting == "nursing" and not 8 <= onset.hour < 17:  # the day unit is open in the daytime only
        setting = "phone" if workup == "none" else "ed"
    if setting == "phone" and any(t != "paracetamol" for t in treatments):  # tocilizumab, steroids: seen in person
        setting = "ed"
    admitted = setting == "inpatient" or presentation != "normal" or (
        setting == "ed" and (infection is not None or explained_by == "neutropenic fever" or rng.random() < 0.3))
    discharge_dt = None
    if admitted and setting != "inpatient":
        los = rng.randint(2, 5)
        if next_dose is not None:
            los = max(1, min(los, (next_dose.dt.date() - onset.date()).days - 1))
        dd = onset.date() + timedelta(days=los)
        discharge_dt = _at(dd, rng, 10 * 60, 15 * 60)
    vitals_documented = setting != "phone" or rng.random() < 0.3
    if setting == "phone" and presentation != "normal":
        vitals_documented = True
    grade_stated = is_crs and named and rng.random() < 0.6
    if workup == "none":
        results_via = ""
    elif infection is not None and infection.get("early_conclusive"):
        results_via = "primary"
    elif admitted and setting != "inpatient":
        results_via = "discharge"
    elif setting == "inpatient":
        results_via = "followup"
    elif next_dose is not None and rng.random() < 0.5:
        results_via = "next_infusion"
    else:
        results_via = "followup"
    return Episode(
        dose=dose, onset=onset, phase=dose.phase, hours=hours, hours_stated=rng.random() < 0.6,
        temp_native=native, temp_c=temp_c, is_crs=is_crs, named_crs=is_crs and named,
        grade=grade_val if is_crs else None, grade_stated=grade_stated, vitals_documented=vitals_documented,
        presentation=presentation, workup=workup, explained_by=explained_by, infection=infection,
        treatments=list(treatments), empiric_abx=workup != "none" and (infection is not None or rng.random() < 0.4),
        setting=setting, admitted=admitted, discharge_dt=discharge_dt, results_via=results_via,
        vitals=_vitals(rng, presentation), anc=anc,
    )


def _crs_treatments(rng: Rng, presentation: str, strong: bool) -> list[str]:
    treatments: list[str] = []
    if rng.random() < 0.8:
        treatments.append("paracetamol")
    if presentation != "normal" or (strong and rng.random() < 0.55):
        treatments.append("tocilizumab")
    if presentation in ("pressor", "hfnc") or (strong and rng.random() < 0.35):
        treatments.append("dexamethasone")
    if not treatments:
        treatments.append("paracetamol")
    return treatments


def _presentation(rng: Rng, allow_severe: bool) -> str:
    r = rng.random()
    if allow_severe and r < 0.05:
        return rng.choice(("pressor", "hfnc"))
    if r < 0.22:
        return "hypotension"
    if r < 0.32:
        return "hypoxia"
    return "normal"


def _initial_episodes(rng: Rng, plan: Plan, probability: float) -> list[Episode]:
    if rng.random() >= probability:
        return []
    tce = [d for d in plan.doses if d.is_tce and d.phase == "initial"]
    candidates = tce[:3]
    first = rng.randrange(min(2, len(candidates)))
    chosen = [candidates[first]]
    if first + 1 < len(candidates) and rng.random() < 0.3:
        chosen.append(candidates[first + 1])
    episodes = []
    for dose in chosen:
        pres = "normal" if rng.random() < 0.7 else rng.choice(("hypotension", "hypoxia"))
        nxt = _next_dose(plan, dose)
        hours = rng.choice(INITIAL_HOURS)
        if nxt is not None:
            hours = min(hours, int((nxt.dt - dose.dt).total_seconds() // 3600) - 12)
        ep = make_episode(rng, plan, dose, hours, named=rng.random() < 0.95,
                          workup=rng.choice(("negative", "none")), presentation=pres,
                          treatments=_crs_treatments(rng, pres, strong=True), temp_range=(38.0, 39.4),
                          next_dose=nxt)
        episodes.append(ep)
    return episodes


def _next_dose(plan: Plan, dose: Dose) -> Dose | None:
    later = [d for d in plan.doses if d.dt > dose.dt]
    return later[0] if later else None


def _late_run(rng: Rng, late: list[Dose], min_len: int = 2) -> list[Dose]:
    n = len(late)
    length = min(n, max(min_len, min(rng.randint(2, 5), n)))
    start = rng.randint(0, n - length)
    return late[start:start + length]


def _n_late(rng: Rng, budget: int, lo: int = 4) -> int:
    hi = min(12, (budget - 11) // 3)
    return rng.randint(min(lo, hi), hi)


def _base_plan(rng: Rng, patient_id: str, scenario: Scenario, drug: DrugSpec | None, disease: str) -> Plan:
    style = "US" if rng.random() < 0.6 else "EU"
    start = date(2022, 6, 1) + timedelta(days=rng.randrange(0, 1120))
    allergy = rng.choice(rng.choice(ALLERGIES))
    comorbid = tuple(rng.sample(COMORBIDITIES, rng.randint(1, 4)))
    meds = tuple(rng.sample(HOME_MEDS, rng.randint(3, 6)))
    prior = rng.choice(PRIOR_LINES[disease]).format(y=start.year - rng.randint(2, 8))
    return Plan(patient_id=patient_id, scenario=scenario, style=style, age=rng.randint(41, 84),
                sex=rng.choice(("F", "M")), drug=drug, disease=disease, prior=prior, other_therapy=None, doses=[],
                episodes=[], c1d1=start, allergy=allergy, comorbidities=comorbid, home_meds=meds,
                family_crs=rng.random() < 0.12)


def plan_patient(rng: Rng, patient_id: str, scenario: Scenario, budget: int) -> Plan:
    """Draw the timeline of one patient of ``scenario``, within a note budget of ``budget`` notes."""
    name = scenario.name
    if name == "unlikely_no_tce":
        return _plan_no_tce(rng, patient_id, scenario, budget)
    if name == "unlikely_neutropenic_nadir":
        spec = DRUG_BY_NAME["glofitamab"]
    elif name == "probable_schedule_change":
        spec = rng.choice([d for d in DRUGS if 14 in d.intervals and 28 in d.intervals])
    else:
        spec = rng.choice(DRUGS)
    plan = _base_plan(rng, patient_id, scenario, spec, spec.disease)
    if name == "probable_schedule_change":
        n_late = _n_late(rng, budget, lo=5)
        n_before = rng.randint(3, n_late - 2)
        intervals = [14] * n_before + [28] * (n_late - n_before)
    elif name == "unlikely_neutropenic_nadir":
        intervals = [21] * _n_late(rng, budget)
    else:
        intervals = [rng.choice(spec.intervals)] * _n_late(rng, budget)
    plan.doses = plan_tce_doses(rng, spec, plan.c1d1, intervals)
    late = [d for d in plan.doses if d.phase == "late"]

    if name.startswith("probable") or name.startswith("possible"):
        plan.episodes += _initial_episodes(rng, plan, 0.8 if name.startswith("probable") else 0.6)
    elif name in ("unlikely_infection", "unlikely_neutropenic_nadir"):
        plan.episodes += _initial_episodes(rng, plan, 0.4)
    elif name == "unlikely_stepup_only":
        plan.episodes += _initial_episodes(rng, plan, 1.0)

    if name in ("probable_named_crs", "probable_fever_only", "probable_coexisting_infection"):
        run = _late_run(rng, late if name != "probable_coexisting_infection" else late[:-1])
        named = name != "probable_fever_only"
        for dose in run:
            pres = _presentation(rng, allow_severe=named)
            plan.episodes.append(make_episode(
                rng, plan, dose, rng.choice(LATE_HOURS), named=named, presentation=pres,
                treatments=_crs_treatments(rng, pres, strong=named or rng.random() < 0.3),
                next_dose=_next_dose(plan, dose)))
        if named and len(run) >= 3 and rng.random() < 0.4:
            plan.prophylaxis_added = ["dexamethasone"]
            plan.prophylaxis_from = next(i for i, d in enumerate(plan.doses) if d is run[1]) + 1
        if name == "probable_coexisting_infection":
            spare = [d for d in late if all(d is not r for r in run)]
            dose = rng.choice(spare)
            plan.episodes.append(_infection_episode(rng, plan, dose))
    elif name == "probable_schedule_change":
        q2w = [d for d in late if d.interval == 14]
        run = q2w[-rng.randint(2, len(q2w)):]
        for dose in run:
            pres = _presentation(rng, allow_severe=False)
            plan.episodes.append(make_episode(
                rng, plan, dose, rng.choice(LATE_HOURS), named=rng.random() < 0.6, presentation=pres,
                treatments=_crs_treatments(rng, pres, strong=rng.random() < 0.5), next_dose=_next_dose(plan, dose)))
        first_q4w = next(d for d in late if d.interval == 28)
        plan.schedule_change = {"date": first_q4w.dt.date().isoformat(), "from_days": 14, "to_days": 28,
                                "reason": "recurrent post-dose fevers"}
    elif name == "possible_no_workup":
        for dose in _late_run(rng, late):
            plan.episodes.append(make_episode(
                rng, plan, dose, rng.choice(LATE_HOURS), named=rng.random() < 0.25, workup="none",
                treatments=["paracetamol"], setting=rng.choice(("phone", "phone", "nursing")),
                temp_range=(38.0, 38.8), next_dose=_next_dose(plan, dose)))
    elif name == "possible_single_late":
        dose = rng.choice(late)
        pres = _presentation(rng, allow_severe=False)
        plan.episodes.append(make_episode(
            rng, plan, dose, rng.choice(LATE_HOURS), named=rng.random() < 0.5,
            workup=rng.choice(("negative", "none")), presentation=pres,
            treatments=_crs_treatments(rng, pres, strong=False), next_dose=_next_dose(plan, dose)))
    elif name == "unlikely_infection":
        for dose in sorted(rng.sample(late, min(len(late), rng.randint(2, 3))), key=lambda d: d.dt):
            plan.episodes.append(_infection_episode(rng, plan, dose))
    elif name == "unlikely_neutropenic_nadir":
        for dose in sorted(rng.sample(late, rng.randint(1, 2)), key=lambda d: d.dt):
            positive = rng.random() < 0.4
            infection = INFECTIONS[3] if positive else None
            plan.episodes.append(make_episode(
                rng, plan, dose, 24 * rng.randint(9, 12) + rng.randint(-4, 6), is_crs=False, named=False,
                workup="positive" if positive else "negative", explained_by="infection" if positive else
                "neutropenic fever", infection=infection, setting="ed", temp_range=(38.2, 39.5),
                next_dose=_next_dose(plan, dose), anc=round(rng.uniform(0.0, 0.4), 1)))
    elif name == "unlikely_crs_mentions_only":
        plan.family_crs = True
        plan.states_no_infection = rng.random() < 0.5
    elif name == "unlikely_no_fever":
        plan.states_no_infection = rng.random() < 0.4
    plan.episodes.sort(key=lambda e: e.onset)
    return plan


def _infection_episode(rng: Rng, plan: Plan, dose: Dose) -> Episode:
    nxt = _next_dose(plan, dose)
    max_hours = 24 * 6
    if nxt is not None:
        max_hours = min(max_hours, int((nxt.dt - dose.dt).total_seconds() // 3600) - 60)
    hours = rng.choice((20, 24, 30, 36, 48, 60, 72, 96, 120))
    hours = max(18, min(hours, max_hours))
    infection = rng.choice(INFECTIONS)
    return make_episode(rng, plan, dose, hours, is_crs=False, named=False, workup="positive", explained_by="infection",
                        infection=infection, setting="ed", next_dose=nxt, temp_range=(38.2, 39.8))


def _plan_no_tce(rng: Rng, patient_id: str, scenario: Scenario, budget: int) -> Plan:
    carfilzomib = rng.random() < 0.6
    plan = _base_plan(rng, patient_id, scenario, None, "MM" if carfilzomib else "DLBCL")
    n_total = 5 + _n_late(rng, budget)
    doses: list[Dose] = []
    if carfilzomib:
        plan.other_therapy = "carfilzomib-dexamethasone"
        k = 0
        while len(doses) < n_total:
            for day in (1, 8, 15):
                d = plan.c1d1 + timedelta(days=28 * k + day - 1)
                doses.append(Dose(_at(d, rng), f"C{k + 1}D{day}", k + 1, day, "carfilzomib", "56 mg/m2", "other",
                                  "initial" if k == 0 else "late", False, extra="dexamethasone 40 mg"))
            k += 1
        doses = doses[:n_total]
    else:
        plan.other_therapy = "R-CHOP"
        for k in range(min(6, n_total)):
            d = plan.c1d1 + timedelta(days=21 * k)
            doses.append(Dose(_at(d, rng), f"C{k + 1}D1", k + 1, 1, "R-CHOP", "R-CHOP-21", "other",
                              "initial" if k == 0 else "late", False))
    plan.doses = doses
    late = [d for d in doses if d.phase == "late"]
    for dose in sorted(rng.sample(late, min(len(late), rng.randint(2, 3))), key=lambda d: d.dt):
        nxt = _next_dose(plan, dose)
        if carfilzomib:
            ep = make_episode(rng, plan, dose, rng.choice((12, 16, 18, 20, 24, 30)), is_crs=False, named=False,
                              workup="negative", explained_by="no T-cell engager",
                              setting=rng.choice(("ed", "phone", "nursing")), temp_range=(38.0, 38.9),
                              next_dose=nxt)
        else:
            ep = make_episode(rng, plan, dose, 24 * rng.randint(9, 12) + rng.randint(-4, 6), is_crs=False,
                              named=False, workup="negative", explained_by="neutropenic fever", setting="ed",
                              temp_range=(38.2, 39.4), next_dose=nxt, anc=round(rng.uniform(0.0, 0.4), 1))
        plan.episodes.append(ep)
    plan.episodes.sort(key=lambda e: e.onset)
    return plan


# --------------------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------------------

HEADERS = {
    "cc": ("Chief Complaint", "CC"), "hpi": ("History of Present Illness", "HPI"),
    "course": ("Hospital Course", "Hosp course"), "ap": ("Assessment and Plan", "A/P"),
    "meds": ("Medications", "Meds"), "dc_meds": ("Discharge Medications", "D/C meds"),
    "allergies": ("Allergies", "Allergies"), "fhx": ("Family History", "FHx"),
    "pmh": ("Past Medical History", "PMH"), "ros": ("Review of Systems", "ROS"), "vitals": ("Vital Signs", "VS"),
    "labs": ("Labs", "Labs"), "interval": ("Interval History", "Interval hx"), "exam": ("Physical Exam", "PE"),
    "social": ("Social History", "SHx"), "dispo": ("Disposition", "Dispo"), "ed_course": ("ED Course", "ED course"),
    "subjective": ("Subjective", "S"), "objective": ("Objective", "O"), "dx": ("Discharge Diagnoses", "Dx"),
    "followup": ("Follow-up", "F/u"),
}


class Renderer:
    """Turn a ``Plan`` into dated notes whose words agree with their own dates."""

    def __init__(self, rng: Rng, plan: Plan, typist: Typist) -> None:
        self.rng = rng
        self.plan = plan
        self.us = plan.style == "US"
        self.typo = typist
        self.notes: list[Note] = []
        self.hstyle = 0
        self.copy_block: str | None = None
        self.copy_eps: tuple[int, ...] = ()
        self.pronoun = "She" if plan.sex == "F" else "He"
        self.ep_index = {id(e): i for i, e in enumerate(plan.episodes)}

    # ---- small helpers ---------------------------------------------------------------------------------------
    def pick(self, options: Sequence[str]) -> str:
        return self.rng.choice(options)

    def date(self, d: date, year: bool | None = None) -> str:
        if year is None:
            year = self.rng.random() < 0.35
        pad = self.rng.random() < 0.5
        if self.us:
            text = f"{d.month:02d}/{d.day:02d}" if pad else f"{d.month}/{d.day}"
            return f"{text}/{d.year}" if year else text
        if year and self.rng.random() < 0.3:
            return f"{d.day:02d}.{d.month:02d}.{d.year}"
        text = f"{d.day:02d}/{d.month:02d}" if pad else f"{d.day}/{d.month}"
        return f"{text}/{d.year}" if year else text

    def temp(self, value: float) -> str:
        v = f"{value:.1f}"
        if self.us:
            return self.pick((f"{v}F", f"{v} °F", f"{v}°F", f"{v} F"))
        if self.rng.random() < 0.3:
            v = v.replace(".", ",")
        return self.pick((f"{v} °C", f"{v}°C", f"{v} C"))

    def normal_temp(self) -> str:
        c = round(self.rng.uniform(36.3, 37.4), 1)
        return self.temp(c_to_f(c) if self.us else c)

    def apap(self) -> str:
        return self.pick(("APAP", "acetaminophen", "Tylenol")) if self.us else "paracetamol"

    def apap_dose(self) -> str:
        return self.pick((f"{self.apap()} 650 mg PO", f"{self.apap()} 1 g PO", f"{self.apap()} 1000 mg")) if self.us \
            else self.pick(("paracetamol 1 g IV", "paracetamol 1 g PO", "paracetamol 1000 mg"))

    def header(self, key: str) -> str:
        full, short = HEADERS[key]
        return (f"{full}:", full.upper(), f"{full.upper()}:", f"{short}:")[self.hstyle]

    def section(self, key: str, body: str) -> str:
        head = self.header(key)
        if self.hstyle == 1 or "\n" in body or self.rng.random() < 0.35:
            return f"{head}\n{body}"
        return f"{head} {body}"

    def new_note_style(self) -> None:
        self.hstyle = self.rng.randrange(4)

    def sex_word(self) -> str:
        return self.pick((self.plan.sex, "woman" if self.plan.sex == "F" else "man",
                          "female" if self.plan.sex == "F" else "male"))

    def who(self) -> str:
        p = self.plan
        age = self.pick((f"{p.age} yo", f"{p.age} y/o", f"{p.age}-year-old", f"{p.age}yo"))
        return f"{age} {self.sex_word()}"

    def disease(self) -> str:
        return self.pick(DISEASES[self.plan.disease])

    def drug_name(self) -> str:
        spec = self.plan.drug
        assert spec is not None
        if self.rng.random() < 0.1:
            return f"{spec.name} ({spec.brand})"
        return spec.name if self.rng.random() < 0.8 else spec.name.capitalize()

    @staticmethod
    def upper_first(text: str) -> str:
        return text[:1].upper() + text[1:]

    def sched(self, interval: int | None) -> str:
        return self.pick(SCHEDULE_WORDS[interval]) if interval else ""

    def vitals_line(self, ep: Episode | None = None, temp_text: str | None = None) -> str:
        v = ep.vitals if ep is not None else {"sbp": self.rng.randint(108, 142), "dbp": self.rng.randint(60, 86),
                                               "hr": self.rng.randint(64, 92), "rr": self.rng.randint(14, 18),
                                               "spo2": self.rng.randint(95, 100), "o2": ""}
        t = temp_text if temp_text is not None else self.normal_temp()
        o2 = "RA"
        if self.rng.random() < 0.5:
            return f"T {t}  BP {v['sbp']}/{v['dbp']}  HR {v['hr']}  RR {v['rr']}  SpO2 {v['spo2']}% {o2}"
        return f"T {t}, BP {v['sbp']}/{v['dbp']}, HR {v['hr']}, RR {v['rr']}, SpO2 {v['spo2']}% on {o2}"

    def severity_text(self, ep: Episode) -> str:
        v = ep.vitals
        if ep.presentation == "hypotension":
            return self.pick((f"BP {v['sbp']}/{v['dbp']}, improved to {v['sbp2']}/{v['dbp2']} after {v['fluids']}.",
                              f"Hypotensive to {v['sbp']}/{v['dbp']}, fluid responsive ({v['fluids']} -> "
                              f"{v['sbp2']}/{v['dbp2']}); no pressors."))
        if ep.presentation == "hypoxia":
            return self.pick((f"SpO2 {v['spo2']}% RA, placed on {v['o2']} with SpO2 {v['spo2b']}%.",
                              f"Desaturated to {v['spo2']}% on RA; {v['o2']} started, sats {v['spo2b']}%."))
        if ep.presentation == "pressor":
            return (f"BP {v['sbp']}/{v['dbp']} despite {v['fluids']}; {v['pressor']} started, transferred to ICU. "
                    "Single pressor, weaned off within 24 h.")
        if ep.presentation == "hfnc":
            return f"SpO2 {v['spo2']}% on RA, required {v['o2']} (SpO2 {v['spo2b']}%), transferred to ICU."
        return self.pick(("Normotensive, saturating well on RA.", "BP stable, no O2 requirement.",
                          "Hemodynamically stable on RA.", ""))

    def onset_words(self, onset: datetime, note_dt: datetime) -> str:
        return onset_phrase(onset, note_dt, self.rng)

    def dose_words(self, dose: Dose, note_dt: datetime) -> str:
        return dose_reference(dose, note_dt, self.rng, self.date(dose.dt.date()))

    def hours_words(self, ep: Episode) -> str:
        verb = "injection" if self.plan.drug is not None and self.plan.drug.route == "SC" else "infusion"
        if ep.dose.agent == "carfilzomib":
            verb = "infusion"
        h = ep.hours
        return self.pick((f"~{h}h after {verb}", f"{h} h post-dose", f"about {h} hours after the {verb}",
                          f"approx {h} hrs after dosing"))

    def grade_words(self, ep: Episode) -> str:
        g = ep.grade
        if ep.grade_stated:
            return self.pick((f"grade {g} CRS", f"CRS grade {g} (ASTCT)", f"G{g} CRS", f"CRS gr {g}",
                              f"grade {g} cytokine release syndrome"))
        if ep.phase == "initial":
            return self.pick(("CRS", "cytokine release syndrome"))
        return self.pick(("CRS", "cytokine release syndrome", "late CRS", "recurrent CRS"))

    def treatment_text(self, ep: Episode, given_where: str = "") -> str:
        parts = []
        for t in ep.treatments:
            if t == "paracetamol":
                parts.append(self.apap_dose())
            elif t == "tocilizumab":
                parts.append(self.pick(("tocilizumab 8 mg/kg IV x1", "toci 8 mg/kg x1", "tocilizumab 8 mg/kg",
                                        "Actemra (tocilizumab) 8 mg/kg IV")))
            elif t == "dexamethasone":
                parts.append(self.pick(("dexamethasone 10 mg IV q6h x2", "dex 10 mg IV x1", "dexamethasone 10 mg IV")))
        text = ", ".join(parts)
        return f"{text}{given_where}" if text else ""

    def workup_negative_text(self) -> str:
        return self.pick(("BCx x2 NGTD, UCx neg, CXR clear", "blood cultures negative x2, urine culture no growth, "
                          "CXR without infiltrate", "BCx/UCx neg, CXR clear, RVP neg",
                          "infectious w/u negative (BCx x2, UA/UCx, CXR, COVID/flu PCR)",
                          "cultures (blood, urine) negative; CXR no consolidation; resp viral panel neg"))

    def workup_sent_text(self) -> str:
        return self.pick(("BCx x2 drawn, UA/UCx sent, CXR no infiltrate, RVP neg; BCx pending.",
                          "Blood cultures x2 and urine culture sent; CXR clear; COVID/flu PCR negative.",
                          "BCx x2, UCx sent. CXR: no acute process."))

    # ---- note assembly ---------------------------------------------------------------------------------------
    def emit(self, dt: datetime, note_type: str, parts: Sequence[str], required: bool, priority: int = 0,
             episodes: Sequence[Episode] = (), raw: dict[int, str] | None = None) -> Note:
        """Join ``parts`` (typos applied), keeping ``raw[i]`` pieces verbatim (copy-forward blocks)."""
        out = []
        for i, part in enumerate(parts):
            if not part:
                continue
            out.append(raw[i] if raw and i in raw else _TRAILING.sub("\n", self.typo(part)).rstrip())
        note = Note(dt=dt, note_type=note_type, text="\n".join(out), required=required, priority=priority,
                    episodes=tuple(self.ep_index[id(e)] for e in episodes))
        self.notes.append(note)
        return note

    # ---- the course ------------------------------------------------------------------------------------------
    def render(self) -> list[Note]:
        p = self.plan
        self.consult_note()
        eps_by_dose: dict[int, list[Episode]] = {}
        for ep in p.episodes:
            eps_by_dose.setdefault(id(ep.dose), []).append(ep)
        pending_results: list[Episode] = []
        since_clinic: list[Episode] = []
        late_seen = 0
        for i, dose in enumerate(p.doses):
            if dose.phase == "late" and late_seen and late_seen % self.rng.choice((3, 4)) == 0:
                self.clinic_note(dose, since_clinic)
                since_clinic = []
            if dose.phase == "late":
                late_seen += 1
            self.infusion_note(i, dose, pending_results)
            pending_results = []
            for ep in eps_by_dose.get(id(dose), []):
                self.episode_notes(ep)
                if ep.results_via == "next_infusion":
                    pending_results.append(ep)
                since_clinic.append(ep)
        for ep in pending_results:  # no next dose after all: results by phone
            ep.results_via = "followup"
            self.results_note(ep)
        self.final_note()
        return self.notes

    def consult_note(self) -> None:
        p = self.plan
        first = p.doses[0]
        dt = _at(first.dt.date() - timedelta(days=self.rng.randint(2, 10)), self.rng, 9 * 60, 16 * 60)
        self.new_note_style()
        title = self.pick(("HEMATOLOGY/ONCOLOGY CLINIC NOTE", "Oncology clinic - new treatment visit",
                           "Outpatient consult (heme/onc)", "CLINIC VISIT"))
        if p.drug is not None:
            plan_text = self.pick((
                f"Plan to start {self.drug_name()} step-up dosing on {self.date(first.dt.date(), True)}"
                f"{' after obinutuzumab pretreatment' if p.drug.pretreatment else ''}; admission for monitoring "
                "during step-up per REMS.",
                f"Will proceed with {self.drug_name()} ({p.drug.route}); step-up doses as per label, first dose "
                f"{self.date(first.dt.date(), True)}."))
            edu = self.pick(("Risks incl. CRS and ICANS reviewed; CRS precautions and wallet card given.",
                             "Discussed cytokine release syndrome and neurotoxicity risk; pt to call for T >= 38.0 "
                             "or confusion.", "CRS/ICANS education provided, pt and spouse verbalized understanding.",
                             "Watch for CRS: fever, low BP, SOB. Thermometer at home."))
        else:
            regimen = "carfilzomib-dexamethasone (Kd)" if p.other_therapy == "carfilzomib-dexamethasone" else "R-CHOP"
            plan_text = (f"Start {regimen} on {self.date(first.dt.date(), True)}. "
                         + self.pick(("Bispecific antibodies (teclistamab, elranatamab) discussed as future options; "
                                      "pt prefers to defer.",
                                      "Referral for epcoritamab/glofitamab trial considered if refractory; not "
                                      "started.", "Not a candidate for bispecific therapy at this time.")))
            edu = self.pick(("Chemotherapy teaching done.", "Reviewed infection precautions and neutropenic fever "
                             "instructions.", ""))
        fam = self.pick(FAMILY_CRS) if p.family_crs else self.pick(FAMILY_PLAIN)
        meds = "\n".join(f"- {m}" for m in p.home_meds)
        parts = [title,
                 self.section("hpi", f"{self.who()} with {self.disease()}; {p.prior}. "
                              + self.pick(("Here to discuss next line of therapy.", "Seen to start new treatment."))),
                 self.section("pmh", "; ".join((self.disease(),) + p.comorbidities)),
                 self.section("meds", meds),
                 self.section("allergies", p.allergy),
                 self.section("fhx", fam),
                 self.section("social", self.pick(("Former smoker, quit 2010. Lives with spouse.",
                                                   "Never smoker. Retired teacher.", "No EtOH. Lives alone, "
                                                   "daughter nearby."))),
                 self.section("ros", self.pick(("Negative for fevers, chills, night sweats. + fatigue.",
                                                "Denies fever, cough, dysuria. Mild bone pain.",
                                                "12-point ROS negative except fatigue."))),
                 self.section("ap", f"{plan_text} {edu}".strip())]
        self.emit(dt, "clinic", parts, required=False, priority=2)

    def infusion_note(self, i: int, dose: Dose, pending: list[Episode]) -> None:
        p = self.plan
        self.new_note_style()
        dt = dose.dt + timedelta(minutes=self.rng.randint(20, 120))
        parts: list[str] = []
        eps: list[Episode] = list(pending)
        if dose.kind == "pretreatment":
            parts.append(self.pick((f"{dose.label}: {dose.amount} given over 4 h, tolerated.",
                                    f"Obinutuzumab 1000 mg IV administered ({dose.label}) prior to glofitamab "
                                    "step-up. No infusion reaction.")))
            self.emit(dt, "infusion", parts, required=True)
            return
        if dose.agent == "carfilzomib":
            parts.append(self.pick((f"{dose.label} carfilzomib {dose.amount} IV over 30 min + {dose.extra} given. "
                                    "Tolerated well.", f"Kd {dose.label}: carfilzomib {dose.amount} IV administered,"
                                    f" {dose.extra} PO. Hydration per protocol.")))
        elif dose.agent == "R-CHOP":
            parts.append(self.pick((f"{dose.label} R-CHOP given (rituximab 375 mg/m2, cyclophosphamide, "
                                    "doxorubicin, vincristine, prednisone). Pegfilgrastim on-body injector applied.",
                                    f"Cycle {dose.cycle} R-CHOP administered without reaction.")))
        else:
            parts += self.tce_infusion_lines(i, dose)
        vit = self.vitals_line()
        parts.append(self.pick((f"Pre-dose vitals: {vit}", f"{self.header('vitals')} {vit}", vit)))
        for ep in pending:
            parts.append(self.interval_results_line(ep, dt))
        if p.states_no_infection and dose.phase == "late" and self.rng.random() < 0.6:
            parts.append(self.pick(("No infections or fevers since starting therapy.",
                                    "No infections to date; afebrile since start.")))
            p.no_infection_emitted = True
        if p.scenario.name in ("unlikely_crs_mentions_only", "unlikely_no_fever") and dose.is_tce:
            parts.append(self.pick(("CRS precautions reviewed.", "Watch for CRS; pt knows to call for fever.",
                                    "No signs of CRS. Afebrile.", "No CRS with step-up dosing; continue.",
                                    "Risk of CRS discussed again; toci available on unit if needed.",
                                    "Afebrile, no CRS symptoms.")))
        self.emit(dt, "infusion", parts, required=True, episodes=eps)
        for ep in pending:
            ep.results_via = "next_infusion"

    def tce_infusion_lines(self, i: int, dose: Dose) -> list[str]:
        p = self.plan
        spec = p.drug
        assert spec is not None
        us = self.us
        premed_us = ("dexamethasone 16 mg PO", "acetaminophen 650 mg PO", "diphenhydramine 50 mg PO")
        premed_eu = ("dexamethasone 16 mg", "paracetamol 1 g", "cetirizine 10 mg")
        premeds = premed_us if us else premed_eu
        lines = []
        route = spec.route
        name = self.drug_name()
        if dose.kind == "step-up":
            lines.append(self.pick((
                f"{dose.label} step-up dose {dose.step_no}: {name} {dose.amount} {route} administered at "
                f"{dose.dt:%H:%M}.",
                f"Step-up dose {dose.step_no} of {name} ({dose.amount} {route}) given {dose.label}. Inpatient "
                "monitoring per protocol.",
                f"STEP-UP DOSE #{dose.step_no}\nRegimen: {name} {dose.amount} {route}\nCycle/Day: {dose.label}")))
        else:
            sched = self.sched(dose.interval) if dose.phase == "late" else ""
            amount = dose.amount
            lines.append(self.pick((
                f"{dose.label} {name} {amount} {route} given.",
                f"{self.upper_first(name)} {amount} {route} administered, tolerated well ({dose.label}).",
                f"INFUSION CENTER NOTE\nRegimen: {name} {amount} {route} {sched}\nCycle/Day: {dose.label}",
                f"Pt seen in infusion center for cycle {dose.cycle} day {dose.day} of {name}. {amount} {route} "
                f"administered at {dose.dt:%H:%M} without complication.")))
            if spec.name == "glofitamab" and p.scenario.name == "unlikely_neutropenic_nadir" and dose.phase == "late":
                lines.append("GemOx given same day (gemcitabine 1000 mg/m2, oxaliplatin 100 mg/m2).")
        premed_due = dose.phase == "initial" or self.rng.random() < 0.5
        added = p.prophylaxis_added and p.prophylaxis_from is not None and i >= p.prophylaxis_from
        if added:
            lines.append(self.pick((
                "Premedication: dexamethasone 16 mg PO reintroduced (added because of recurrent post-dose CRS), plus "
                f"{premeds[1]}.",
                f"Added dex 8 mg PO on the day after dosing given recurrent CRS after prior doses; {premeds[1]} "
                "premed.")))
        elif premed_due:
            lines.append(self.pick((f"Premedication per protocol: {', '.join(premeds)}.",
                                    f"Premeds (per protocol, 1 h prior): {'; '.join(premeds)}",
                                    f"Premedicated with {premeds[0]}, {premeds[1]} and {premeds[2]} per label.")))
        if p.schedule_change and dose.dt.date().isoformat() == p.schedule_change["date"]:
            lines.append(self.pick((
                "Schedule changed from q2w to q4w given recurrent fevers after each q2w dose; next dose in 4 weeks.",
                f"Now spacing {name} to monthly (q4w) because of recurrent post-dose fever/CRS on q2w dosing.")))
        elif p.schedule_change and dose.interval == 28 and dose.dt.date().isoformat() > p.schedule_change["date"]:
            lines.append(self.pick(("No fevers since switch to q4w.", "Afebrile since spacing to monthly dosing.")))
        if dose.phase == "initial" and self.rng.random() < 0.5:
            lines.append(self.pick(("CRS/ICANS monitoring per REMS; ICE score 10/10.",
                                    "Tocilizumab available on unit per protocol.", "Pt has CRS wallet card.")))
        return lines

    def interval_results_line(self, ep: Episode, note_dt: datetime) -> str:
        when = self.date(ep.onset.date())
        if ep.infection is not None:
            return (f"Febrile {when} after last dose: {ep.infection['final']}; dx {ep.infection['dx']}, on "
                    f"{ep.infection['abx']}. Afebrile now.")
        fever = self.pick(("Febrile", "Fever", "Fever to " + self.temp(ep.temp_native)))
        name = f" ({self.grade_words(ep)})" if ep.named_crs else ""
        return self.pick((
            f"{fever} on {when} after last dose{name}; {self.workup_negative_text()}. Afebrile today; OK to proceed.",
            f"Interval: {fever[0].lower() + fever[1:]} {when}{name}, {self.workup_negative_text()}; resolved. "
            "Proceed with dose.",
        ))

    # ---- episodes ----------------------------------------------------------------------------------------------
    def episode_notes(self, ep: Episode) -> None:
        if ep.setting == "inpatient":
            self.inpatient_episode(ep)
        elif ep.setting == "ed":
            self.ed_note(ep)
        elif ep.setting == "phone":
            self.phone_note(ep)
        else:
            self.nursing_note(ep)
        if ep.results_via == "followup":
            self.results_note(ep)
        if ep.admitted and ep.discharge_dt is not None:
            if (ep.discharge_dt.date() - ep.onset.date()).days >= 1 and self.rng.random() < 0.7:
                self.progress_note(ep)
            self.discharge_note(ep)

    def primary_dt(self, ep: Episode) -> datetime:
        room = int((datetime(ep.onset.year, ep.onset.month, ep.onset.day, 23, 59) - ep.onset).total_seconds() // 60)
        delay = min(room, 240)
        return ep.onset + timedelta(minutes=self.rng.randint(min(30, delay), delay))

    def drug_context(self, ep: Episode, note_dt: datetime) -> str:
        dose = ep.dose
        if dose.agent == "carfilzomib":
            reg = "on Kd (carfilzomib-dexamethasone)"
        elif dose.agent == "R-CHOP":
            reg = "on R-CHOP"
        else:
            reg = f"on {self.drug_name()}"
            if dose.interval:
                reg += f" {dose.amount} {self.sched(dose.interval)}"
            if dose.extra or self.plan.scenario.name == "unlikely_neutropenic_nadir":
                reg += " + GemOx"
        return f"{reg}, {self.dose_words(dose, note_dt)}"

    def fever_sentence(self, ep: Episode, note_dt: datetime) -> str:
        t = self.temp(ep.temp_native)
        when = self.onset_words(ep.onset, note_dt)
        hours = f", {self.hours_words(ep)}" if ep.hours_stated and ep.explained_by not in ("neutropenic fever",) else ""
        return self.pick((f"fever to {t} starting {when}{hours}", f"Tmax {t} {when}{hours}",
                          f"fevers (Tmax {t}) since {when}{hours}"))

    def impression(self, ep: Episode) -> str:
        drug = ep.dose.agent
        if ep.explained_by == "infection" and ep.infection is not None:
            extra = self.pick(("", " Doubt CRS given clear source.", " CRS considered less likely.",
                               " Not c/w CRS."))
            if ep.dose.agent == "carfilzomib" or not ep.dose.is_tce:
                extra = ""
            return f"{ep.infection['dx']}; {ep.infection['abx']} started.{extra}"
        if ep.explained_by == "neutropenic fever":
            days = (ep.onset.date() - ep.dose.dt.date()).days
            chemo = "GemOx" if ep.dose.is_tce else "R-CHOP"
            return self.pick((f"Neutropenic fever at {chemo} nadir (day {days + 1}, ANC {ep.anc}). Cefepime, "
                              "filgrastim.", f"Febrile neutropenia, ANC {ep.anc}, day {days + 1} post-{chemo}. Empiric "
                              "cefepime; G-CSF."))
        if ep.explained_by == "no T-cell engager":
            return self.pick(("Post-carfilzomib fever, likely drug-related; no source.",
                              "Fever after carfilzomib infusion, self-limited; infection w/u neg so far."))
        if ep.named_crs:
            phase = "in cycle 1" if ep.phase == "initial" else "beyond cycle 1"
            return self.pick((f"{self.grade_words(ep)} {phase}.", f"c/w {self.grade_words(ep)} ({drug}).",
                              f"Dx: {self.grade_words(ep)}."))
        return self.pick((f"Fever post-{drug} dose, similar to prior episodes.",
                          f"Post-injection fever ({drug}); infection not evident.",
                          "Recurrent dose-associated fever.", f"Febrile episode after {drug}."))

    def ed_note(self, ep: Episode) -> None:
        self.new_note_style()
        dt = self.primary_dt(ep)
        ctx = self.drug_context(ep, dt)
        hpi = (f"{self.who()} with {self.disease()} {ctx}, presents with {self.fever_sentence(ep, dt)}. "
               + self.pick(("+ chills, myalgias. ", "Rigors at home. ", "Fatigue. ", "")))
        if ep.infection is not None:
            sym = {"pneumonia": "Productive cough x2 days.", "uti": "Dysuria and frequency.", "line":
                   "Port site tender.", "bacteremia": "Rigors.", "covid": "Sore throat, cough.",
                   "influenza": "Myalgias, cough."}[ep.infection["kind"]]
            hpi += sym
        else:
            hpi += self.pick(("Denies cough, SOB, dysuria, diarrhea.", "No cough, no urinary sx.",
                              "ROS neg for focal infectious sx."))
        parts = [self.pick(("ED PROVIDER NOTE", "EMERGENCY DEPARTMENT NOTE", "ED Note", "Emergency department "
                            "attendance")), self.section("cc", "fever"), self.section("hpi", hpi)]
        if ep.vitals_documented:
            parts.append(self.section("vitals", self.vitals_line(ep, self.temp(ep.temp_native))))
            sev = self.severity_text(ep)
            if sev:
                parts.append(sev)
        labs = f"WBC {self.rng.uniform(2.5, 9.5):.1f}, Hgb {self.rng.uniform(8.5, 12.8):.1f}, " \
               f"Plt {self.rng.randint(60, 240)}, CRP {self.rng.uniform(3, 18):.1f} mg/dL"
        if ep.anc is not None:
            labs = f"WBC 0.{self.rng.randint(3, 9)}, ANC {ep.anc}, Hgb {self.rng.uniform(7.5, 10.5):.1f}, " \
                   f"Plt {self.rng.randint(15, 80)}"
        parts.append(self.section("labs", labs))
        course = []
        if ep.workup != "none":
            if ep.infection is not None:
                course.append(ep.infection["early"] + ".")
            else:
                course.append(self.workup_sent_text())
            if ep.empiric_abx:
                course.append(self.pick(("Empiric cefepime started.", "Cefepime 2 g IV given empirically.",
                                         "Pip-tazo started pending cultures.")))
        tx = self.treatment_text(ep) if ep.is_crs else ""
        if tx:
            course.append(f"Given {tx}.")
        elif ep.infection is None and not ep.is_crs:
            course.append(f"{self.apap_dose()} given.")
        if ep.is_crs and "tocilizumab" not in ep.treatments and ep.named_crs and self.rng.random() < 0.4:
            course.append(self.pick(("Toci discussed, not given as fever resolved.",
                                     "Tocilizumab not needed at this time.")))
        if course:
            parts.append(self.section("ed_course", " ".join(course)))
        parts.append(self.section("ap", self.impression(ep)))
        dispo = "Admit to heme/onc." if ep.admitted else self.pick(("Discharged home, RTC PRN.",
                                                                    "Home with return precautions."))
        parts.append(self.section("dispo", dispo))
        self.emit(dt, "ed", parts, required=True, episodes=[ep])

    def phone_note(self, ep: Episode) -> None:
        self.new_note_style()
        dt = self.primary_dt(ep)
        lines = [self.pick(("TELEPHONE ENCOUNTER", "Phone call", "Triage call (on-call line)", "Phone note"))]
        who = self.pick(("Pt called", "Pt's spouse called", "Patient phoned"))
        lines.append(f"{who} reporting {self.fever_sentence(ep, dt)}; {self.dose_words(ep.dose, dt)}.")
        if ep.vitals_documented:
            v = ep.vitals
            lines.append(f"Home readings: BP {v['sbp']}/{v['dbp']}, pulse {v['hr']}, pulse ox {v['spo2']}%.")
        home = self.pick(("Tylenol 650 mg", "acetaminophen 1 g PO", "APAP 500 mg x2")) if self.us else \
            self.pick(("paracetamol 1 g PO", "paracetamol 1 g"))
        lines.append(self.pick((f"Took {home} with improvement.", f"{home} taken, now feeling better.")))
        if ep.named_crs:
            lines.append(self.pick((f"Likely {self.grade_words(ep)}.", f"Suspect {self.grade_words(ep)}.")))
        if ep.workup != "none":
            lines.append(self.pick(("Asked to come to infusion center for cultures and CXR.",
                                    "Sent to day unit for BCx/UA and CXR.")))
            if ep.infection is not None:
                lines.append(ep.infection["early"] + ".")
        else:
            lines.append(self.pick(("Advised fluids, rest, call back if T persists > 24 h.",
                                    "Instructed to call if SOB, dizziness, confusion.",
                                    "Symptomatic care. Will reassess at next visit.")))
        self.emit(dt, "phone", lines, required=True, episodes=[ep])

    def nursing_note(self, ep: Episode) -> None:
        self.new_note_style()
        dt = self.primary_dt(ep)
        t = self.temp(ep.temp_native)
        where = self.pick(("Pt presented to day unit", "Pt returned to infusion center", "Pt seen in clinic"))
        lines = [self.pick(("NURSING NOTE", "RN note", "Nursing assessment")),
                 f"{dt:%H%M}: {where} with T {t}, fever since {self.onset_words(ep.onset, dt)}; "
                 f"{self.dose_words(ep.dose, dt)}."]
        if ep.hours_stated:
            lines.append(f"Onset {self.hours_words(ep)}.")
        if ep.vitals_documented:
            lines.append(self.vitals_line(ep, t))
            sev = self.severity_text(ep)
            if sev:
                lines.append(sev)
        lines.append("MD notified.")
        tx = self.treatment_text(ep) if ep.is_crs else self.apap_dose()
        if tx:
            lines.append(f"{tx} given per order.")
        if ep.workup != "none":
            lines.append(self.pick(("BCx x2 and UA/UCx collected, CXR ordered.", "Cultures drawn per MD.")))
            if ep.infection is not None:
                lines.append(ep.infection["early"] + ".")
        if ep.named_crs:
            lines.append(self.pick((f"{self.grade_words(ep)} per MD.", f"MD assessment: {self.grade_words(ep)}.")))
        lines.append(self.pick(("Will continue to monitor.", "Pt resting comfortably.", "")))
        self.emit(dt, "nursing", lines, required=True, episodes=[ep])

    def inpatient_episode(self, ep: Episode) -> None:
        """Initial-phase episode while admitted for step-up monitoring: a nursing or progress note."""
        self.new_note_style()
        dt = self.primary_dt(ep)
        t = self.temp(ep.temp_native)
        dose = ep.dose
        which = f"step-up dose {dose.step_no}" if dose.kind == "step-up" else f"the {dose.label} dose"
        if ep.hours_stated:
            since = self.pick((f"{ep.hours} h after {which}", f"~{ep.hours}h post {dose.label} dose"))
        elif dose.kind == "step-up":
            since = self.pick((f"after {which} ({dose.label})", f"following {dose.label} {dose.amount}"))
        else:
            since = self.pick((f"after {which}", f"following {dose.label} {dose.amount}"))
        if self.rng.random() < 0.5:
            lines = [self.pick(("NURSING NOTE", "RN note")), f"{ep.onset:%H%M}: T {t}, {since}."]
            if ep.vitals_documented:
                lines.append(self.vitals_line(ep, t))
                sev = self.severity_text(ep)
                if sev:
                    lines.append(sev)
            tx = self.treatment_text(ep)
            lines.append(f"MD notified. {tx} given." if tx else "MD notified.")
            if ep.named_crs:
                lines.append(self.pick((f"{self.grade_words(ep)} per MD.", f"Assessed as {self.grade_words(ep)}.")))
            if ep.workup != "none":
                lines.append("BCx x2 and UA/UCx sent.")
            self.emit(dt, "nursing", lines, required=True, episodes=[ep])
        else:
            hd = (ep.onset.date() - dose.dt.date()).days + 1
            parts = [self.pick(("PROGRESS NOTE", "Heme/Onc progress note", f"Inpatient progress note, HD#{hd}")),
                     self.section("subjective", f"{self.who()} admitted for {self.drug_name()} step-up. "
                                  f"Tmax {t} {self.onset_words(ep.onset, dt)}, {since}.")]
            if ep.vitals_documented:
                parts.append(self.section("objective", self.vitals_line(ep, t) + " " + self.severity_text(ep)))
            plan = self.impression(ep) + " " + (f"{self.treatment_text(ep)} given." if ep.treatments else "")
            if ep.workup != "none":
                plan += " BCx/UCx sent."
            parts.append(self.section("ap", plan.strip()))
            self.emit(dt, "progress", parts, required=True, episodes=[ep])

    def results_note(self, ep: Episode) -> None:
        limit = _next_dose(self.plan, ep.dose)
        day = ep.onset.date() + timedelta(days=self.rng.randint(2, 3))
        dt = _at(day, self.rng, 9 * 60, 16 * 60)
        if limit is not None and dt >= limit.dt:
            dt = limit.dt - timedelta(hours=2)
        if ep.discharge_dt is not None and dt <= ep.discharge_dt:
            dt = ep.discharge_dt + timedelta(hours=1)
        self.new_note_style()
        when = self.date(ep.onset.date())
        if ep.infection is not None:
            text = self.pick((f"Results call: cultures from {when}: {ep.infection['final']}. Dx {ep.infection['dx']}; "
                              f"{ep.infection['abx']} prescribed.",
                              f"{ep.infection['final']} (collected {when}). Treating as {ep.infection['dx']} with "
                              f"{ep.infection['abx']}."))
        elif ep.explained_by == "no T-cell engager":
            text = f"Called pt with results: cultures from {when} negative. Fever attributed to carfilzomib."
        else:
            text = self.pick((f"Called pt with results: {self.workup_negative_text()} (from {when}). Afebrile now.",
                              f"F/u on febrile episode {when}: {self.workup_negative_text()}. Pt feels well."))
        note_type = self.pick(("phone", "phone", "nursing"))
        self.emit(dt, note_type, [self.pick(("Results follow-up", "TELEPHONE ENCOUNTER", "RN follow-up")), text],
                  required=True, episodes=[ep])

    def progress_note(self, ep: Episode) -> None:
        assert ep.discharge_dt is not None
        self.new_note_style()
        day = ep.onset.date() + timedelta(days=1)
        dt = _at(day, self.rng, 7 * 60, 11 * 60)
        t = self.temp(ep.temp_native)
        adm = "yesterday" if self.rng.random() < 0.6 else f"on {self.date(ep.onset.date())}"
        lines = [self.pick(("PROGRESS NOTE", "Heme/Onc progress note", "Hospital day 2 progress note")),
                 self.section("subjective", f"Admitted {adm} with fever to {t} after {ep.dose.agent} "
                              f"{ep.dose.label}. " + self.pick(("Afebrile overnight.", "Feels better.",
                                                               "Tmax overnight 37.9, improving."))),
                 self.section("objective", self.vitals_line())]
        plan = [self.impression(ep)]
        if ep.is_crs and ep.treatments:
            plan.append(f"s/p {self.treatment_text(ep)}.")
        if ep.workup != "none" and ep.infection is None:
            plan.append(self.pick(("BCx NGTD.", "Cultures pending, NGTD.", "Blood cultures no growth so far.")))
        if self.rng.random() < 0.5 and self.plan.drug is not None:
            plan.append(self.pick(("Meds reviewed: tocilizumab 8 mg/kg PRN ordered (not given this admission).",
                                   "Dexamethasone 10 mg IV PRN CRS on MAR, not administered.",
                                   "Continue acyclovir, TMP-SMX ppx.")) if not ep.treatments or
                        "tocilizumab" not in ep.treatments else "Continue acyclovir ppx.")
        lines.append(self.section("ap", " ".join(plan)))
        self.emit(dt, "progress", lines, required=False, priority=3, episodes=[ep])

    def discharge_note(self, ep: Episode) -> None:
        assert ep.discharge_dt is not None
        p = self.plan
        self.new_note_style()
        dt = ep.discharge_dt
        t = self.temp(ep.temp_native)
        when = self.date(ep.onset.date(), True)
        head = [self.pick(("DISCHARGE SUMMARY", "Discharge Summary", "HOSPITAL DISCHARGE SUMMARY")),
                f"Admission date: {when}    Discharge date: {self.date(dt.date(), True)}"]
        if ep.is_crs:
            dx = self.grade_words(ep) if ep.named_crs else self.pick(("Fever after bispecific dose",
                                                                      "Febrile episode, no infectious source",
                                                                      "Post-dose fever"))
        elif ep.infection is not None:
            dx = ep.infection["dx"]
        elif ep.explained_by == "no T-cell engager":
            dx = "Fever after carfilzomib, no infectious source"
        else:
            dx = "Febrile neutropenia"
        head.append(self.section("dx", dx))
        hours = f" ({self.hours_words(ep)})" if ep.hours_stated and ep.is_crs else ""
        course = (f"{self.who()} with {self.disease()} admitted {when} with fever to {t}{hours} after "
                  f"{ep.dose.agent} {ep.dose.label} ({self.date(ep.dose.dt.date())}). ")
        if ep.vitals_documented:
            course += self.severity_text(ep) + " "
        if ep.infection is not None:
            course += f"{ep.infection['final']}. Treated for {ep.infection['dx']} with {ep.infection['abx']}. "
        elif ep.workup != "none":
            course += f"Infectious work-up: {self.workup_negative_text()}. "
            if ep.empiric_abx:
                course += "Empiric antibiotics stopped at 48 h. "
        if ep.is_crs and ep.treatments:
            course += f"Received {self.treatment_text(ep)} with defervescence. "
        if ep.infection is None:
            course += self.impression(ep)
        elif ep.dose.is_tce:
            course += self.pick(("CRS considered less likely given source.", "Not felt to be CRS.", ""))
        parts = head + [self.section("course", course),
                        self.section("pmh", "; ".join((self.disease(),) + p.comorbidities)),
                        self.section("allergies", p.allergy),
                        self.section("fhx", self.pick(FAMILY_CRS) if p.family_crs else self.pick(FAMILY_PLAIN))]
        meds = list(p.home_meds)
        if ep.infection is not None:
            meds.append(f"{ep.infection['abx']} to complete course")
        if self.rng.random() < 0.4 and p.drug is not None:
            meds.append(self.pick(("dexamethasone 16 mg PO on dosing days (premedication)",
                                   "tocilizumab: not prescribed; available in infusion center PRN")))
        parts.append(self.section("dc_meds", "\n".join(f"- {m}" for m in meds)))
        parts.append(self.section("followup", "Heme/onc clinic before next dose."))
        self.emit(dt, "discharge", parts, required=True, episodes=[ep])

    # ---- clinic follow-up with copy-forward --------------------------------------------------------------------
    def clinic_note(self, before: Dose, since: list[Episode]) -> None:
        p = self.plan
        dt = before.dt - timedelta(minutes=self.rng.randint(40, 120))
        self.new_note_style()
        raw: dict[int, str] = {}
        parts = [self.pick(("Heme/Onc clinic follow-up", "CLINIC NOTE", "Outpatient follow-up visit")),
                 self.section("hpi", f"{self.who()} with {self.disease()} here prior to {before.label}.")]
        eps: list[Episode] = []
        if self.copy_block is not None and self.rng.random() < 0.6:
            raw[len(parts)] = self.copy_block
            parts.append(self.copy_block)
            eps += [p.episodes[i] for i in self.copy_eps]
        if since:
            lines = []
            for ep in since:
                lines.append(self.history_line(ep))
            block = _TRAILING.sub("\n", self.typo(self.section("interval", " ".join(lines)))).rstrip()
            raw[len(parts)] = block
            parts.append(block)
            self.copy_block = block
            self.copy_eps = tuple(self.ep_index[id(e)] for e in since)
            eps += since
        else:
            parts.append(self.section("interval", self.pick(("No interval events.", "Doing well, afebrile.",
                                                             "No ED visits since last visit."))))
        parts.append(self.section("meds", "\n".join(f"- {m}" for m in p.home_meds + self.med_distractors())))
        parts.append(self.section("allergies", p.allergy))
        parts.append(self.section("ap", self.pick((f"Proceed with {before.label} today.",
                                                   "Continue current therapy.", "OK to treat today."))))
        self.emit(dt, "clinic", parts, required=False, priority=4, episodes=eps, raw=raw)

    def med_distractors(self) -> tuple[str, ...]:
        if self.plan.drug is None or self.rng.random() < 0.4:
            return ()
        return (self.pick(("dexamethasone 16 mg PO on dosing days (premed)",
                           "tocilizumab 8 mg/kg IV PRN CRS (standing order, not given)",
                           f"{self.apap()} 650 mg q6h PRN fever")),)

    def history_line(self, ep: Episode) -> str:
        """One episode told with absolute dates only, so the line stays true when copied forward."""
        when = self.date(ep.onset.date())
        t = self.temp(ep.temp_native)
        if ep.infection is not None:
            return f"{when}: febrile {t}, {ep.infection['dx']} ({ep.infection['final']}), treated with " \
                   f"{ep.infection['abx']}."
        if ep.explained_by == "neutropenic fever":
            return f"{when}: neutropenic fever, ANC {ep.anc}, admitted, cefepime."
        if ep.explained_by == "no T-cell engager":
            return f"{when}: fever {t} after carfilzomib ({ep.dose.label}), w/u neg, resolved."
        hours = f" {self.hours_words(ep)}" if ep.hours_stated else f" after {ep.dose.label}"
        name = f" ({self.grade_words(ep)})" if ep.named_crs else ""
        work = f", {self.workup_negative_text()}" if ep.workup == "negative" else ""
        tx = self.treatment_text(ep)
        tx = f", resolved w/ {tx}" if tx else ", resolved"
        return f"{when}: fever {t}{hours}{name}{work}{tx}."

    def final_note(self) -> None:
        p = self.plan
        last = p.doses[-1]
        gap = 21 if p.scenario.name == "unlikely_neutropenic_nadir" or p.other_therapy == "R-CHOP" else 10
        dt = _at(last.dt.date() + timedelta(days=self.rng.randint(gap, gap + 6)), self.rng, 9 * 60, 16 * 60)
        self.new_note_style()
        late_crs = [e for e in p.episodes if e.is_crs and e.phase == "late"]
        summary = self.pick(("Tolerating therapy.", "Doing well.", "Restaging scheduled."))
        eps: list[Episode] = []
        if len(late_crs) >= 2:
            lo = min(e.hours for e in late_crs)
            hi = max(e.hours for e in late_crs)
            named = all(e.named_crs for e in late_crs)
            neg = all(e.workup == "negative" for e in late_crs)
            if p.schedule_change and neg:
                summary = self.pick((f"Recurrent fevers {lo}-{hi} h after each q2w dose, BCx neg; none since spacing "
                                     "to q4w.", "Fever after every q2w dose (cultures neg); afebrile on monthly "
                                     "dosing."))
            elif named and neg:
                summary = self.pick((f"Recurrent late CRS {lo}-{hi} h after each dose, infectious w/u neg each time.",
                                     f"Pattern of CRS after every dose beyond C1 ({lo}-{hi} h post-dose), cultures "
                                     "repeatedly neg."))
            elif neg:
                summary = self.pick(("Fever after every dose, BCx neg.",
                                     f"Recurrent fevers {lo}-{hi} h post-dose, BCx neg each time; no source."))
            else:
                summary = self.pick(("Low-grade fevers after injections, self-treated.",
                                     "Reports fever after most doses, resolves with antipyretic."))
            eps = late_crs
        if p.scenario.name == "unlikely_stepup_only":
            summary = self.pick(("No fevers since cycle 1.", "CRS limited to cycle 1; afebrile since.",
                                 "Afebrile with all doses after cycle 1."))
        parts = [self.pick(("Heme/Onc clinic note", "CLINIC VISIT", "Follow-up visit")),
                 self.section("interval", summary),
                 self.section("ros", self.pick(("Negative for fever, chills today.", "Denies fevers this week.",
                                                "No new complaints."))),
                 self.section("ap", self.pick(("Continue therapy; RTC 4 weeks.", "Restaging PET next month.",
                                               "Continue monitoring.")))]
        self.emit(dt, "clinic", parts, required=False, priority=1, episodes=eps)


def onset_phrase(onset: datetime, note_dt: datetime, rng: Rng) -> str:
    """When a fever began, in words true at ``note_dt`` ("this morning", "yesterday evening", "2 days ago")."""
    days = (note_dt.date() - onset.date()).days
    h = onset.hour
    if days == 0:
        if h < 5:
            return rng.choice(("overnight", "early this morning"))
        if h < 12:
            return "this morning"
        if h < 17:
            return "this afternoon"
        return rng.choice(("this evening", "tonight"))
    if days == 1:
        return "last night" if h >= 19 else rng.choice(("yesterday", "yesterday " + ("morning" if h < 12 else
                                                                                     "afternoon")))
    return f"{days} days ago"


def dose_reference(dose: Dose, note_dt: datetime, rng: Rng, date_text: str) -> str:
    """The dose a fever follows, in words true at ``note_dt`` ("last dose yesterday", "received dose 3/14")."""
    days = (note_dt.date() - dose.dt.date()).days
    options = [f"received dose {date_text}", f"last dose {date_text} ({dose.label})"]
    if days == 0:
        options.append(f"{dose.label} given this morning" if dose.dt.hour < 12 else f"{dose.label} given today")
    elif days == 1:
        options += ["last dose yesterday", f"received {dose.label} yesterday", "dose given yesterday"]
    elif days == 2:
        options += ["last dose 2 days ago", f"received {dose.label} 2 days ago"]
    return rng.choice(options)


# --------------------------------------------------------------------------------------------------------------
# Patients and gold
# --------------------------------------------------------------------------------------------------------------


@dataclass
class PatientOutput:
    notes: list[Note]
    gold: dict[str, Any]
    scenario: str


def build_patient(seed: int, index: int, mix: dict[str, float], budget: int, typo_rate: float) -> PatientOutput:
    """Plan, render and annotate patient ``index`` (its own random stream: ``seed`` and ``index``)."""
    rng = random.Random(f"{seed}:{index}")
    scenario = assign_scenario(seed, index, mix)
    patient_id = f"P{index + 1:06d}"
    plan = plan_patient(rng, patient_id, scenario, budget)
    renderer = Renderer(rng, plan, Typist(rng, typo_rate))
    notes = renderer.render()
    notes = fit_budget(notes, budget)
    notes.sort(key=lambda n: (n.dt, NOTE_TYPES.index(n.note_type)))
    for k, note in enumerate(notes, 1):
        note.note_id = f"{patient_id}-N{k:03d}"
        for i in note.episodes:
            plan.episodes[i].note_refs.append(note)
    return PatientOutput(notes=notes, gold=make_gold(plan, notes), scenario=scenario.name)


def fit_budget(notes: list[Note], budget: int) -> list[Note]:
    """Drop optional notes (highest priority number, latest first) until at most ``budget`` remain."""
    required = sum(n.required for n in notes)
    if required > budget:
        raise RuntimeError(f"planned {required} required notes for a budget of {budget}")
    excess = len(notes) - budget
    if excess <= 0:
        return notes
    optional = sorted((n for n in notes if not n.required), key=lambda n: (n.priority, n.dt), reverse=True)
    drop = {id(n) for n in optional[:excess]}
    return [n for n in notes if id(n) not in drop]


def _range(values: Sequence[int]) -> list[int] | None:
    return [min(values), max(values)] if values else None


def make_gold(plan: Plan, notes: list[Note]) -> dict[str, Any]:
    """The gold record of a patient, from its plan (true by construction) and the notes that tell it."""
    tce = plan.tce_doses
    first_tce = tce[0].dt.date() if tce else None
    episodes = []
    for ep in plan.episodes:
        grade = ep.grade if ep.is_crs and (ep.grade_stated or ep.vitals_documented) else None
        source = None if grade is None else ("stated" if ep.grade_stated else "derived")
        cycle, day = _cycle_label(plan.c1d1, plan.drug.c1_len, plan.drug.cycle_len, ep.onset.date()) \
            if plan.drug is not None else (ep.dose.cycle, ep.dose.day + (ep.onset.date() - ep.dose.dt.date()).days)
        episodes.append({
            "date": ep.onset.date().isoformat(),
            "onset": ep.onset.strftime("%Y-%m-%dT%H:%M"),
            "phase": ep.phase,
            "is_crs": ep.is_crs,
            "dose_date": ep.dose.dt.date().isoformat(),
            "dose_label": ep.dose.label,
            "dose_agent": ep.dose.agent,
            "hours_post_dose": ep.hours,
            "hours_stated": ep.hours_stated,
            "cycle": cycle,
            "day": day,
            "day_after_first_dose": (ep.onset.date() - first_tce).days if first_tce else None,
            "grade": grade,
            "grade_source": source,
            "max_temp_c": ep.temp_c,
            "named_crs": ep.named_crs,
            "explained_by_infection": ep.explained_by == "infection",
            "explained_by": ep.explained_by,
            "infection": ep.infection["dx"] if ep.infection else None,
            "workup": ep.workup,
            "treatments": list(ep.treatments) if ep.is_crs else [],
            "setting": ep.setting,
            "admitted": ep.admitted,
            "note_ids": [n.note_id for n in ep.note_refs],
        })
    crs = [e for e in plan.episodes if e.is_crs]
    late_crs = [e for e in crs if e.phase == "late"]
    gaps = [(b.onset.date() - a.onset.date()).days for a, b in zip(late_crs, late_crs[1:], strict=False)]
    febrile_late = [e for e in plan.episodes if e.phase == "late"] or list(plan.episodes)
    if any(e.workup == "positive" for e in febrile_late):
        workup_negative: bool | None = False
    elif any(e.workup == "negative" for e in febrile_late):
        workup_negative = True
    else:
        workup_negative = None
    if any(e.infection is not None for e in plan.episodes):
        documented: bool | None = True
    elif any(e.workup == "negative" for e in plan.episodes) or plan.no_infection_emitted:
        documented = False
    else:
        documented = None
    initial_crs = [e for e in crs if e.phase == "initial"]
    first_crs = None
    if initial_crs and plan.drug is not None:
        e0 = next(g for g, e in zip(episodes, plan.episodes, strict=True) if e is initial_crs[0])
        first_crs = {"cycle": e0["cycle"], "day": e0["day"], "grade": e0["grade"]}
    grades = [g["grade"] for g in episodes if g["is_crs"] and g["grade"] is not None]
    treatments: list[str] = []
    for e in crs:
        for t in e.treatments:
            if t not in treatments:
                treatments.append(t)
    for t in plan.prophylaxis_added:
        if t not in treatments:
            treatments.append(t)
    dates = [n.dt.date() for n in notes]
    anchor = [d.dt.date() for d in plan.doses]
    classification = plan.scenario.classification
    return {
        "patient_id": plan.patient_id,
        "scenario": plan.scenario.name,
        "classification": classification,
        "recurrent_late_crs": classification == "probable",
        "drug": plan.drug.name if plan.drug else None,
        "drugs": [plan.drug.name] if plan.drug else [],
        "other_therapy": plan.other_therapy if plan.other_therapy else (
            "GemOx" if plan.scenario.name == "unlikely_neutropenic_nadir" else None),
        "disease": DISEASES[plan.disease][0],
        "age": plan.age,
        "sex": plan.sex,
        "date_style": plan.style,
        "temp_unit": "F" if plan.style == "US" else "C",
        "course": [(min(anchor) - timedelta(days=14)).isoformat(), (max(anchor) + timedelta(days=35)).isoformat()],
        "first_note_date": min(dates).isoformat(),
        "last_note_date": max(dates).isoformat(),
        "dose_dates": [d.dt.date().isoformat() for d in tce],
        "doses": [{"date": d.dt.date().isoformat(), "time": d.dt.strftime("%H:%M"), "label": d.label,
                   "agent": d.agent, "amount": d.amount, "kind": d.kind, "phase": d.phase, "is_tce": d.is_tce,
                   "interval_days": d.interval} for d in plan.doses],
        "schedule_change": plan.schedule_change,
        "episodes": episodes,
        "first_crs": first_crs,
        "max_grade": max(grades) if grades else None,
        "recurrence_interval_days": _range(gaps),
        "hours_post_dose": _range([e.hours for e in crs]),
        "treatments": treatments,
        "prophylaxis_added": list(plan.prophylaxis_added),
        "infection_workup_negative": workup_negative,
        "documented_infection": documented,
        "n_notes": len(notes),
    }


# --------------------------------------------------------------------------------------------------------------
# Writers (same interface: write(row), close())
# --------------------------------------------------------------------------------------------------------------


class CsvNoteWriter:
    def __init__(self, path: Path) -> None:
        self._handle: TextIO = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle, lineterminator="\n")
        self._writer.writerow(NOTE_COLUMNS)

    def write(self, row: Sequence[str]) -> None:
        self._writer.writerow(row)

    def close(self) -> None:
        self._handle.close()


class JsonlNoteWriter:
    def __init__(self, path: Path) -> None:
        self._handle: TextIO = path.open("w", encoding="utf-8")

    def write(self, row: Sequence[str]) -> None:
        self._handle.write(json.dumps(dict(zip(NOTE_COLUMNS, row, strict=True)), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._handle.close()


class ParquetNoteWriter:
    """Row groups of ``batch_rows`` notes; memory is bounded by one batch. Needs pyarrow."""

    def __init__(self, path: Path, batch_rows: int = PARQUET_BATCH_ROWS) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise SystemExit("--format parquet needs pyarrow: pip install 'pyarrow<21' (NumPy 1.x)") from err
        self._pa = pa
        self._schema = pa.schema([(c, pa.string()) for c in NOTE_COLUMNS])
        self._writer = pq.ParquetWriter(str(path), self._schema)
        self._batch: list[list[str]] = [[] for _ in NOTE_COLUMNS]
        self._batch_rows = batch_rows

    def write(self, row: Sequence[str]) -> None:
        for column, value in zip(self._batch, row, strict=True):
            column.append(value)
        if len(self._batch[0]) >= self._batch_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._batch[0]:
            return
        table = self._pa.Table.from_arrays([self._pa.array(c, type=self._pa.string()) for c in self._batch],
                                           schema=self._schema)
        self._writer.write_table(table)
        self._batch = [[] for _ in NOTE_COLUMNS]

    def close(self) -> None:
        self._flush()
        self._writer.close()


WRITERS: dict[str, Callable[[Path], Any]] = {"csv": CsvNoteWriter, "jsonl": JsonlNoteWriter,
                                             "parquet": ParquetNoteWriter}


# --------------------------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Summary:
    patients: int
    notes: int
    seconds: float
    scenarios: dict[str, int]


def generate(out: Path, patients: int, seed: int, fmt: str = "csv", notes_per_patient_max: int =
             DEFAULT_NOTES_PER_PATIENT, typo_rate: float = DEFAULT_TYPO_RATE, mix: dict[str, float] | None = None,
             argv: Sequence[str] | None = None) -> Summary:
    """Write notes, gold.jsonl and settings.json into ``out``, one patient at a time."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    if notes_per_patient_max < MIN_NOTES_PER_PATIENT:
        raise ValueError(f"--notes-per-patient-max must be at least {MIN_NOTES_PER_PATIENT}")
    if not 0.0 <= typo_rate < 0.5:
        raise ValueError("--typo-rate must be in [0, 0.5)")
    mix = normalise_mix(mix if mix is not None else default_mix())
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    counts: Counter[str] = Counter()
    n_notes = 0
    writer = WRITERS[fmt](out / f"notes.{fmt}")
    try:
        with (out / "gold.jsonl").open("w", encoding="utf-8") as gold_handle:
            for index in range(patients):
                patient = build_patient(seed, index, mix, notes_per_patient_max, typo_rate)
                for note in patient.notes:
                    writer.write((patient.gold["patient_id"], note.note_id, note.dt.strftime("%Y-%m-%dT%H:%M"),
                                  note.note_type, note.text))
                n_notes += len(patient.notes)
                gold_handle.write(json.dumps(patient.gold, ensure_ascii=False) + "\n")
                counts[patient.scenario] += 1
    finally:
        writer.close()
    seconds = time.perf_counter() - started
    settings = {
        "generator": "scripts/generate_notes.py",
        "version": GENERATOR_VERSION,
        "synthetic": True,
        "licence": "MIT",
        "argv": list(argv) if argv is not None else None,
        "arguments": {"patients": patients, "seed": seed, "format": fmt,
                      "notes_per_patient_max": notes_per_patient_max, "typo_rate": typo_rate},
        "scenario_mix": {name: round(w, 6) for name, w in mix.items()},
        "scenario_classification": {s.name: s.classification for s in SCENARIOS},
        "scenario_description": {s.name: s.description for s in SCENARIOS},
        "realised": {name: counts.get(name, 0) for name in SCENARIO_BY_NAME},
        "realised_classification": {c: sum(counts.get(s.name, 0) for s in SCENARIOS if s.classification == c)
                                    for c in ("probable", "possible", "unlikely")},
        "n_patients": patients,
        "n_notes": n_notes,
        "typo_policy": TYPO_POLICY,
    }
    (out / "settings.json").write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return Summary(patients=patients, notes=n_notes, seconds=seconds, scenarios=dict(counts))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, required=True, help="number of patients")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same files)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="notes file format")
    parser.add_argument("--notes-per-patient-max", type=int, default=DEFAULT_NOTES_PER_PATIENT,
                        help=f"cap on notes per patient (at least {MIN_NOTES_PER_PATIENT})")
    parser.add_argument("--typo-rate", type=float, default=DEFAULT_TYPO_RATE,
                        help="probability of a typo per word, in ordinary words only")
    parser.add_argument("--mix", default=None,
                        help="scenario weights, e.g. 'probable_named_crs=2,unlikely_no_fever=1' (others 0)")
    args = parser.parse_args(argv)
    if args.patients < 1:
        parser.error("--patients must be at least 1")
    try:
        mix = parse_mix(args.mix) if args.mix else None
        summary = generate(args.out, args.patients, args.seed, args.format, args.notes_per_patient_max,
                           args.typo_rate, mix, argv=list(argv) if argv is not None else sys.argv[1:])
    except ValueError as err:
        parser.error(str(err))
    rate = summary.notes / summary.seconds if summary.seconds > 0 else float("inf")
    print(f"{summary.patients} patients, {summary.notes} notes in {summary.seconds:.1f} s "
          f"({rate:,.0f} notes/s) -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
