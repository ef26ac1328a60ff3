"""Patient-level scoring of miner's records against gold (pure; no spaCy).

Gold follows ``corpora/*/…gold.json``: ``{"doc_id", "patients": [{"patient", "age", "sex",
"drugs", "crs_episodes", "first_crs", "max_grade", "recurrence_interval_days",
"hours_post_dose", "infection_workup_negative", "documented_infection",
"recurrent_late_crs" | "classification", ...}]}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STEROIDS = frozenset({"dexamethasone", "methylprednisolone", "prednisone", "prednisolone",
                      "hydrocortisone", "corticosteroids", "steroids"})

#: the ten fields of the seed's "45 of 50" check, scored per patient
PATIENT_FIELDS = (
    "drugs", "first_crs_grade", "max_grade", "recurrence_interval_days", "hours_post_dose",
    "tocilizumab", "steroids", "infection_workup_negative", "documented_infection",
    "probable",
)


@dataclass
class FieldResult:
    doc_id: str
    patient: str
    field: str
    gold: Any
    predicted: Any
    correct: bool


@dataclass
class PatientScore:
    """Field results plus the patient matching counts of one or more documents."""

    fields: list[FieldResult] = field(default_factory=list)
    gold_patients: int = 0
    predicted_patients: int = 0
    matched: int = 0

    @property
    def correct(self) -> int:
        return sum(1 for f in self.fields if f.correct)

    @property
    def total(self) -> int:
        return len(self.fields)

    def by_field(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for f in self.fields:
            ok, n = out.get(f.field, (0, 0))
            out[f.field] = (ok + int(f.correct), n + 1)
        return out

    def extend(self, other: PatientScore) -> None:
        self.fields.extend(other.fields)
        self.gold_patients += other.gold_patients
        self.predicted_patients += other.predicted_patients
        self.matched += other.matched


_WORDS = {w: str(i + 1) for i, w in enumerate("one two three four five six seven eight nine ten".split())}


def _number(label: str) -> str:
    """The case number of a label: "Case 2", "Pt #2", "Patient B", "Case two" -> "2" ("B")."""
    match = re.search(r"(\d+|\b[A-J]\b)\s*$", label.strip())
    if match:
        return match.group(1)
    word = re.search(r"\b([a-z]+)\s*$", label.strip().lower())
    return _WORDS.get(word.group(1), label.strip().lower()) if word else label.strip().lower()


def _treatments_of(record: dict[str, Any]) -> set[str]:
    names = set(record.get("treatments") or [])
    for episode in record.get("crs_episodes") or record.get("episodes") or []:
        names.update(episode.get("treatments") or [])
    return {n.lower() for n in names}


def field_value(record: dict[str, Any], name: str) -> Any:
    """A scored field of a gold patient or a ``patients.jsonl`` record (same keys).

    "probable" reads ``classification``, or a gold file's ``recurrent_late_crs`` where
    it has no classification (the seed's gold).
    """
    if name == "first_crs_grade":
        return (record.get("first_crs") or {}).get("grade")
    if name == "tocilizumab":
        return "tocilizumab" in _treatments_of(record)
    if name == "steroids":
        return bool(_treatments_of(record) & STEROIDS)
    if name == "probable":
        if "classification" in record:
            return record["classification"] == "probable"
        return bool(record.get("recurrent_late_crs"))
    if name == "drugs":
        return sorted(record.get("drugs") or [])
    return record.get(name)


def same(a: Any, b: Any) -> bool:
    """Equality with numbers compared as floats (``[7, 7]`` equals ``[7.0, 7.0]``)."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(float(a) - float(b)) < 1e-6
    return bool(a == b)


def score_document(gold: dict[str, Any], predicted: list[dict[str, Any]],
                   fields: tuple[str, ...] = PATIENT_FIELDS) -> PatientScore:
    """Match patients by case number, then compare each field (unmatched gold = all wrong)."""
    score = PatientScore(gold_patients=len(gold["patients"]), predicted_patients=len(predicted))
    by_number = {_number(p["patient_id"]): p for p in predicted}
    for g in gold["patients"]:
        record = by_number.get(_number(g["patient"]))
        if record is None and len(gold["patients"]) == 1 and len(predicted) == 1:
            record = predicted[0]
        if record is not None:
            score.matched += 1
        for name in fields:
            expected = field_value(g, name)
            got = field_value(record, name) if record is not None else None
            correct = record is not None and same(expected, got)
            if record is None and name == "probable" and expected is False:
                correct = True  # a missed non-case is still not flagged
            score.fields.append(FieldResult(gold["doc_id"], g["patient"], name, expected, got,
                                            correct))
    return score


def load_gold(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def read_patients_jsonl(path: Path) -> dict[str, list[dict[str, Any]]]:
    """``patients.jsonl`` grouped by doc_id."""
    out: dict[str, list[dict[str, Any]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            out.setdefault(record["doc_id"], []).append(record)
    return out
