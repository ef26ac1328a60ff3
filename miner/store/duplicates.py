"""Probable duplicates: the same patient reported twice (an abstract and the full paper, a series
and its follow-up, two note exports).

Record linkage in the Fellegi-Sunter spirit, with hand-set weights instead of estimated ones:
each field that both records state is compared and adds its weight, scaled by how well the two
agree; the score is the agreeing weight over the compared weight. A few disagreements rule a
match out whatever the rest says (a different sex, ages more than two years apart, no drug in
common, first doses on different dates). A pair is linked when the score reaches
``LINK_THRESHOLD``, enough weight was compared (``MIN_COMPARED_WEIGHT``: drug, sex and age
alone are not enough), something identifies the person (the same age, a shared date, the same
hospital patient id: sex and drug are too common to) and the clinical course agrees on at
least two points or one strong one (``MIN_COURSE_WEIGHT`` from the first CRS grade and day,
the recurrence interval, the hours after the dose, dates, the wording of the onset).

Example: an abstract "a 65-year-old man on talquetamab ... grade 2 CRS on day 2 ... fevers every
35-40 days, 24-48 h after infusions" and the full case report of the same man agree on drug,
sex, age, first CRS, interval and hours: score 1.0, linked. Two 65-year-old men on
talquetamab whose first CRS and intervals differ are not.

Pure functions on plain records (the dicts of ``patients.jsonl``); no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

LINK_THRESHOLD = 0.85
MIN_COMPARED_WEIGHT = 8.0
MIN_COURSE_WEIGHT = 3.0  # agreeing weight that must come from the clinical course
MIN_ONSET_WORDS = 6  # shorter onset texts ("fever", "CC: fever") say nothing about identity

# Weights: how much a field says about identity when both records state it.
W_DRUG, W_SEX, W_AGE, W_DISEASE = 2.0, 1.0, 3.0, 1.0
W_FIRST_GRADE, W_FIRST_DAY, W_MAX_GRADE = 1.5, 1.5, 1.0
W_INTERVAL, W_HOURS, W_DATES, W_TREATMENTS, W_ONSET, W_IMPACT, W_PATIENT_ID = 2.0, 1.5, 3.0, 1.0, 2.0, 1.0, 3.0

DISEASE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("multiple myeloma", re.compile(r"\bmultiple myeloma\b|\b(?:RR)?MM\b|\bmyeloma\b")),
    ("DLBCL", re.compile(r"\bDLBCL\b|diffuse large B[- ]cell lymphoma", re.I)),
    ("follicular lymphoma", re.compile(r"\bfollicular lymphoma\b|\bFL\b")),
    ("mantle cell lymphoma", re.compile(r"\bmantle[- ]cell lymphoma\b|\bMCL\b")),
    ("acute lymphoblastic leukemia", re.compile(r"\bacute lymphoblastic leuka?emia\b|\bB-ALL\b|\bALL\b")),
    ("small-cell lung cancer", re.compile(r"\bsmall[- ]cell lung (?:cancer|carcinoma)\b|\bSCLC\b", re.I)),
    ("uveal melanoma", re.compile(r"\buveal melanoma\b", re.I)),
)
_GENERIC_LABEL = re.compile(r"^(?:case|patient|pt|subject|participant)\.?\s*#?\s*\w{1,3}$", re.I)
_STEROIDS = {"corticosteroids", "steroids", "dexamethasone", "prednisone", "prednisolone",
             "methylprednisolone", "hydrocortisone"}


@dataclass(frozen=True)
class PatientFacts:
    """What identifies a patient record, taken from its ``patients.jsonl`` object.

    ``origin`` names the source (a document's content hash, an export of a run): two records
    of one origin are different patients by construction and are never compared.
    """

    key: str
    origin: str
    label: str
    drugs: frozenset[str] = frozenset()
    age: int | None = None
    sex: str | None = None
    diseases: frozenset[str] = frozenset()
    first_crs: tuple[int | None, int | None, int | None] | None = None  # cycle, day, grade
    max_grade: int | None = None
    interval: tuple[float, float] | None = None
    hours: tuple[float, float] | None = None
    dates: frozenset[str] = frozenset()
    first_dose_date: str | None = None
    treatments: frozenset[str] = frozenset()
    onset_texts: tuple[str, ...] = ()
    impact: str | None = None
    patient_id: str | None = None
    richness: int = 0

    @classmethod
    def from_record(cls, key: str, origin: str, record: dict[str, Any]) -> PatientFacts:
        """Facts of one record; missing or malformed fields are simply not stated."""
        episodes = [e for e in record.get("episodes") or [] if isinstance(e, dict)]
        first = record.get("first_crs")
        timeline = record.get("timeline") or {}
        texts = [str(e.get("onset_text") or "") for e in episodes]
        texts += [str(ev.get("text") or "") for e in episodes for ev in e.get("evidence") or []]
        texts += [str(r) for r in record.get("reasons") or []]
        joined = "\n".join(texts)
        patient_id = str(record.get("patient_id") or "").strip()
        filled = sum(record.get(k) not in (None, [], "") for k in (
            "age", "sex", "drugs", "first_crs", "max_grade", "recurrence_interval_days",
            "hours_post_dose", "treatments", "infection_workup_negative", "treatment_impact"))
        return cls(
            key=key,
            origin=origin,
            label=f"{record.get('doc_id')} / {patient_id}",
            drugs=frozenset(str(d).lower() for d in record.get("drugs") or []),
            age=as_int(record.get("age")),
            sex=(str(record["sex"]).upper()[:1] if record.get("sex") else None),
            diseases=frozenset(name for name, rx in DISEASE_WORDS if rx.search(joined)),
            first_crs=((as_int(first.get("cycle")), as_int(first.get("day")), as_int(first.get("grade")))
                       if isinstance(first, dict) else None),
            max_grade=as_int(record.get("max_grade")),
            interval=_range(record.get("recurrence_interval_days")),
            hours=_range(record.get("hours_post_dose")),
            dates=frozenset(str(e["date"]) for e in episodes if e.get("date")),
            first_dose_date=(str(timeline["first_dose_date"]) if isinstance(timeline, dict)
                             and timeline.get("first_dose_date") else None),
            treatments=frozenset(_treatment_class(t) for t in record.get("treatments") or []),
            onset_texts=tuple(str(e.get("onset_text")) for e in episodes if e.get("onset_text")),
            impact=normalize_impact(record.get("treatment_impact")),
            patient_id=patient_id if patient_id and not _GENERIC_LABEL.match(patient_id) else None,
            richness=filled * 10 + len(episodes),
        )


@dataclass(frozen=True)
class MatchScore:
    """The comparison of two records: ``score`` in [0, 1], or ``vetoed`` with the reason."""

    score: float
    compared_weight: float
    course_weight: float
    reasons: tuple[str, ...]
    vetoed: bool = False
    identified: bool = False  # the same age, a shared date or the same hospital patient id

    @property
    def is_match(self) -> bool:
        """Whether the pair is a probable duplicate by the thresholds of this module."""
        return (not self.vetoed and self.identified and self.score >= LINK_THRESHOLD
                and self.compared_weight >= MIN_COMPARED_WEIGHT and self.course_weight >= MIN_COURSE_WEIGHT)


@dataclass
class _Tally:
    compared: float = 0.0
    agreed: float = 0.0
    course: float = 0.0
    identified: bool = False
    reasons: list[str] = field(default_factory=list)
    veto: str | None = None

    def add(self, weight: float, agreement: float, reason: str, course: bool = False, identity: bool = False) -> None:
        self.compared += weight
        self.agreed += weight * agreement
        if course:
            self.course += weight * agreement
        if identity and agreement >= 0.7:
            self.identified = True
        self.reasons.append(f"{reason} ({weight * agreement:g}/{weight:g})")


def score_pair(a: PatientFacts, b: PatientFacts) -> MatchScore:
    """Compare two records field by field.

    Returns:
        The score, the weights compared, and one reason per field compared, such as
        "age 65 vs 65 (3/3)" (agreeing weight / weight).
    """
    t = _Tally()
    if a.drugs and b.drugs:
        common = a.drugs & b.drugs
        if not common:
            t.veto = f"no drug in common ({', '.join(sorted(a.drugs))} vs {', '.join(sorted(b.drugs))})"
        else:
            t.add(W_DRUG, len(common) / len(a.drugs | b.drugs), f"drug {', '.join(sorted(common))}")
    if a.sex and b.sex:
        if a.sex != b.sex:
            t.veto = t.veto or f"sex {a.sex} vs {b.sex}"
        else:
            t.add(W_SEX, 1.0, f"sex {a.sex}")
    if a.age is not None and b.age is not None:
        gap = abs(a.age - b.age)
        if gap > 2:
            t.veto = t.veto or f"age {a.age} vs {b.age}"
        else:
            t.add(W_AGE, {0: 1.0, 1: 0.7, 2: 0.3}[gap], f"age {a.age} vs {b.age}", identity=True)
    if a.diseases and b.diseases:
        same = a.diseases & b.diseases
        t.add(W_DISEASE, 1.0 if same else 0.0,
              f"disease {', '.join(sorted(same))}" if same else "different disease words")
    if a.first_dose_date and b.first_dose_date:
        if a.first_dose_date != b.first_dose_date:
            t.veto = t.veto or f"first dose {a.first_dose_date} vs {b.first_dose_date}"
        else:
            t.add(W_DATES, 1.0, f"first dose on {a.first_dose_date}", course=True, identity=True)
    elif a.dates and b.dates:
        shared = a.dates & b.dates
        t.add(W_DATES, 1.0 if shared else 0.0,
              f"episode dates {', '.join(sorted(shared))}" if shared else "no episode date in common", course=True,
              identity=True)
    if a.first_crs and b.first_crs:
        _, day_a, grade_a = a.first_crs
        _, day_b, grade_b = b.first_crs
        if grade_a is not None and grade_b is not None:
            t.add(W_FIRST_GRADE, 1.0 if grade_a == grade_b else 0.0, f"first CRS grade {grade_a} vs {grade_b}",
                  course=True)
        if day_a is not None and day_b is not None:
            agreement = 1.0 if day_a == day_b else 0.5 if abs(day_a - day_b) == 1 else 0.0
            t.add(W_FIRST_DAY, agreement, f"first CRS day {day_a} vs {day_b}", course=True)
    if a.max_grade is not None and b.max_grade is not None:
        gap = abs(a.max_grade - b.max_grade)
        t.add(W_MAX_GRADE, 1.0 if gap == 0 else 0.3 if gap == 1 else 0.0,
              f"max grade {a.max_grade} vs {b.max_grade}")
    if a.interval and b.interval:
        t.add(W_INTERVAL, _range_agreement(a.interval, b.interval, 1.0),
              f"recurrence every {_fmt(a.interval)} vs {_fmt(b.interval)} days", course=True)
    if a.hours and b.hours:
        t.add(W_HOURS, _range_agreement(a.hours, b.hours, 6.0),
              f"{_fmt(a.hours)} vs {_fmt(b.hours)} h after the dose", course=True)
    if a.treatments and b.treatments:
        jaccard = len(a.treatments & b.treatments) / len(a.treatments | b.treatments)
        t.add(W_TREATMENTS, jaccard, f"treatments {', '.join(sorted(a.treatments & b.treatments)) or 'none shared'}")
    texts_a = [x for x in a.onset_texts if len(x.split()) >= MIN_ONSET_WORDS]
    texts_b = [y for y in b.onset_texts if len(y.split()) >= MIN_ONSET_WORDS]
    if texts_a and texts_b:
        best = max((fuzz.token_set_ratio(x, y) + fuzz.token_sort_ratio(x, y)) / 2 for x in texts_a for y in texts_b)
        if best >= 60.0:  # an abstract rewords the paper: unlike wording is no evidence of another patient
            t.add(W_ONSET, (best - 60.0) / 40.0, f"onset wording {best:.0f}% alike", course=True)
    if a.impact and b.impact:
        t.add(W_IMPACT, 1.0 if a.impact == b.impact else 0.0, f"treatment {a.impact} vs {b.impact}")
    if a.patient_id and b.patient_id:
        t.add(W_PATIENT_ID, 1.0 if a.patient_id == b.patient_id else 0.0,
              f"patient id {a.patient_id} vs {b.patient_id}", identity=True)
    if t.veto:
        return MatchScore(0.0, t.compared, t.course, (t.veto,), vetoed=True)
    score = t.agreed / t.compared if t.compared else 0.0
    return MatchScore(round(score, 3), t.compared, t.course, tuple(t.reasons), identified=t.identified)


@dataclass(frozen=True)
class DuplicateLink:
    """A record found to be a duplicate: the kept record of its group, the score and why."""

    key: str
    duplicate_of: str  # the key of the record kept in the cohort (the one that states most)
    group: str  # the kept record's key, shared by every member of the group
    score: float
    reasons: tuple[str, ...]


def find_duplicates(facts: Sequence[PatientFacts]) -> tuple[dict[str, DuplicateLink], dict[str, str]]:
    """Link probable duplicates and choose, per group, the record the cohort keeps.

    Records are compared only when they share a drug or one of them names none (blocking),
    and never within one origin. Linked pairs are joined transitively into groups.

    Returns:
        ``(links, groups)``: a link for every record that is a duplicate of another, keyed by
        the record's key; and the group of every record in a group of two or more, kept
        record included.
    """
    parent = {f.key: f.key for f in facts}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    matches: dict[tuple[str, str], MatchScore] = {}
    for a, b in _candidate_pairs(facts):
        result = score_pair(a, b)
        if result.is_match:
            matches[(a.key, b.key)] = matches[(b.key, a.key)] = result
            parent[root(a.key)] = root(b.key)
    members: dict[str, list[PatientFacts]] = {}
    for f in facts:
        members.setdefault(root(f.key), []).append(f)
    links: dict[str, DuplicateLink] = {}
    groups: dict[str, str] = {}
    for group in members.values():
        if len(group) < 2:
            continue
        kept = max(group, key=lambda f: (f.richness, _neg_key(f.key)))
        for f in group:
            groups[f.key] = kept.key
            if f.key == kept.key:
                continue
            direct = matches.get((f.key, kept.key))
            best = direct or max((m for (x, _), m in matches.items() if x == f.key), key=lambda m: m.score)
            reasons = best.reasons if direct else ("linked through another record of the group", *best.reasons)
            links[f.key] = DuplicateLink(f.key, kept.key, kept.key, best.score, reasons)
    return links, groups


def _candidate_pairs(facts: Sequence[PatientFacts]) -> Iterable[tuple[PatientFacts, PatientFacts]]:
    by_drug: dict[str, list[int]] = {}
    for i, f in enumerate(facts):
        for d in f.drugs:
            by_drug.setdefault(d, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for block in by_drug.values():
        pairs.update((i, j) for x, i in enumerate(block) for j in block[x + 1:])
    for i, f in enumerate(facts):
        if not f.drugs:  # a record that names no drug is compared with every other
            pairs.update((min(i, j), max(i, j)) for j in range(len(facts)) if j != i)
    for i, j in sorted(pairs):
        if facts[i].origin != facts[j].origin:
            yield facts[i], facts[j]


def normalize_impact(value: object) -> str | None:
    """The effect on the T-cell engager in a few words: continued, delayed, dose reduced, discontinued.

    >>> normalize_impact("BsAb dose reduced to monthly administration")
    'dose reduced'
    """
    if not value:
        return None
    text = str(value).lower()
    if re.search(r"discontinu|stopp|withdraw|permanently", text):
        return "discontinued"
    if re.search(r"reduc|de-?escalat|spaced|extended interval|lower dose", text):
        return "dose reduced"
    if re.search(r"delay|held|hold|interrupt|paus|postpon|suspend", text):
        return "delayed"
    if re.search(r"continu|maintain|resum", text):
        return "continued"
    return text.strip()


def _treatment_class(name: object) -> str:
    text = str(name).lower().strip()
    return "corticosteroids" if text in _STEROIDS else text


def as_int(value: object) -> int | None:
    """An integer from a JSON or CSV value ("3", 3.0, 3); None for empty, boolean or other values."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def _range(value: object) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(v is not None for v in value):
        try:
            return float(value[0]), float(value[1])
        except (TypeError, ValueError):
            return None
    return None


def _range_agreement(a: tuple[float, float], b: tuple[float, float], tolerance: float) -> float:
    """1 when the two ranges are about the same (midpoints within ``tolerance`` or 10%), 0.5 when
    they only overlap ("every 21 days" vs "every 11-23 days"), 0 when they are apart."""
    mid_a, mid_b = (a[0] + a[1]) / 2, (b[0] + b[1]) / 2
    if abs(mid_a - mid_b) <= max(tolerance, 0.1 * (mid_a + mid_b) / 2):
        return 1.0
    return 0.5 if a[0] <= b[1] + tolerance and b[0] <= a[1] + tolerance else 0.0


def _fmt(r: tuple[float, float]) -> str:
    return f"{r[0]:g}" if r[0] == r[1] else f"{r[0]:g}-{r[1]:g}"


def _neg_key(key: str) -> tuple[int, ...]:
    """Orders keys so that, among equally rich records, the smallest key is kept (stable)."""
    return tuple(-ord(c) for c in key)
