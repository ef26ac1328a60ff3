"""Mention labels: the one place they are spelled. Compare against these, never retyped strings."""

from __future__ import annotations

DRUG = "DRUG"
CRS = "CRS"
FEVER = "FEVER"
GRADE = "GRADE"
TREATMENT = "TREATMENT"
TIMING = "TIMING"
INFECTION_WORKUP = "INFECTION_WORKUP"
INFECTION = "INFECTION"

MENTION_LABELS: tuple[str, ...] = (
    DRUG,
    CRS,
    FEVER,
    GRADE,
    TREATMENT,
    TIMING,
    INFECTION_WORKUP,
    INFECTION,
)
