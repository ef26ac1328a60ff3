"""Plain dataclasses handed between stages: mentions, sentences, episodes, patients."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document, with document-level character offsets."""

    index: int
    start: int
    end: int
    text: str


@dataclass
class Mention:
    """One extracted mention with its assertion flags (document-level offsets)."""

    label: str
    text: str
    start: int
    end: int
    norm: str | None = None
    value: dict[str, Any] | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    rule_id: str = ""
    sentence: int = -1
    is_negated: bool = False
    is_hypothetical: bool = False
    is_historical: bool = False
    is_family: bool = False
    is_uncertain: bool = False
    is_misspelled: bool = False
    page: int | None = None
    section: str | None = None

    @property
    def is_asserted(self) -> bool:
        """Present, about the patient, not hypothetical (historical still counts)."""
        return not (self.is_negated or self.is_hypothetical or self.is_family)


@dataclass(frozen=True)
class Evidence:
    """A piece of source text that supports a finding: checkable in seconds."""

    text: str
    start: int
    end: int
    page: int | None = None
    doc_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Episode:
    """One CRS episode (named CRS, or a fever meeting the criteria)."""

    phase: str  # "initial" or "late"
    onset_text: str | None = None
    day_after_first_dose: int | None = None  # study day: the first dose is day 1
    day_source: str | None = None  # "cycle day", "dates", "cycle N day D in L-day cycles", ...
    hours_post_dose: list[float] | None = None
    hours_source: str | None = None  # "stated", "stated in days", "clock times" or "dates"
    cycle: int | None = None
    day: int | None = None
    grade: int | None = None
    grade_source: str | None = None  # "stated" or "derived"
    grade_scale: str | None = None  # of the stated grade: "ASTCT", "Lee 2014", "CTCAE v4", ... or "unstated"
    stated_grade: int | None = None
    derived_grade: int | None = None  # ASTCT 2019, from fever, hypotension and oxygen in the text
    derived_reasons: list[str] = field(default_factory=list)
    grade_disagreement: str | None = None
    max_temp_c: float | None = None
    treatments: list[str] = field(default_factory=list)
    named_crs: bool = False  # the text calls it CRS (not only fever)
    recurrent: bool = False  # the text describes a recurring pattern
    interval_days: list[float] | None = None
    attributed_to_infection: bool = False
    summary: bool = False  # a statement of the recurring pattern beside the dated episodes it sums up
    date: str | None = None
    time: str | None = None  # clock time of the onset ("04:00") when the text times it
    after_dose: str | None = None  # date of the dose the episode follows ("after the dose of 24 March")
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = [e.to_dict() for e in self.evidence]
        return data


@dataclass
class PatientRecord:
    """One patient: the row of ``patients.jsonl`` (see README, "Output schema")."""

    doc_id: str
    patient_id: str
    age: int | None = None
    sex: str | None = None
    drugs: list[str] = field(default_factory=list)
    drug_targets: list[str] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    first_crs: dict[str, int | None] | None = None
    max_grade: int | None = None
    recurrence_interval_days: list[float] | None = None
    recurrence_interval_source: str | None = None  # "stated", "table", "dosing schedule", "dates"
    hours_post_dose: list[float] | None = None
    dosing_interval_days: list[float] | None = None
    treatments: list[str] = field(default_factory=list)
    infection_workup_negative: bool | None = None
    infection_workup_some_negative: bool | None = None  # some episodes' work-ups negative, others not
    documented_infection: bool | None = None
    tocilizumab_response: bool | None = None
    treatment_impact: str | None = None
    classification: str = "unlikely"
    reasons: list[str] = field(default_factory=list)
    criteria_version: str | None = None
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    timeline: dict[str, Any] | None = None  # dose events: see miner/episodes/timeline.py
    periodicity: dict[str, Any] | None = None  # dose-locked late episodes, with evidence
    other_fevers: list[dict[str, Any]] = field(default_factory=list)  # fevers explained by infection
    alternatives: list[dict[str, Any]] = field(default_factory=list)  # "attributed to a tumour flare"
    sources: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    segment: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["episodes"] = [e.to_dict() for e in self.episodes]
        data["evidence"] = {k: [e.to_dict() for e in v] for k, v in self.evidence.items()}
        return data
