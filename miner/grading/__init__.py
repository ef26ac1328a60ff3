"""The CRS grade by the ASTCT 2019 consensus, derived from what the text states (pure, no spaCy).

:func:`find_findings` reads fever, hypotension and its treatment, oxygen support, hypoxia,
anti-cytokine therapy and death due to CRS from a passage; :func:`derive_grade` turns them into
a :class:`DerivedGrade` with reasons; :func:`derive_from_text` does both.

Example:
    >>> derive_from_text("Fever 39.4 °C; hypotension requiring norepinephrine and phenylephrine").grade
    4
"""

from miner.grading.astct import DerivedGrade, derive_from_text, derive_grade, fever_stated, grade_disagreement
from miner.grading.findings import KINDS, Finding, find_findings

__all__ = [
    "KINDS",
    "DerivedGrade",
    "Finding",
    "derive_from_text",
    "derive_grade",
    "fever_stated",
    "find_findings",
    "grade_disagreement",
]
