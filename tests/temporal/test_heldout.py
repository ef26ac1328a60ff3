"""Held-out normalization accuracy on expressions in other authors' phrasing.

``heldout_expressions.tsv`` holds two batches, never used to tune the rules:
batch 1 was written before the parser rules, batch 2 after them but before it
was first scored. Each row is right when the kind matches and every listed field
equals the expected value (kind "none": ``normalize`` returns None).
"""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path
from typing import Any

import pytest

from miner.temporal import TemporalSettings, TimeValue, normalize

HELDOUT_PATH = Path(__file__).with_name("heldout_expressions.tsv")

#: First scoring: 0.886 overall (batch 1: 87/87, batch 2: 37/53); floor = that minus ~0.05.
ACCURACY_FLOOR = 0.83


def _rows() -> list[dict[str, str]]:
    """Rows of the TSV, each with its ``batch`` ("1" or "2")."""
    batch = "1"
    lines = []
    batches = []
    with HELDOUT_PATH.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("# batch"):
                batch = line.split()[2].rstrip(":")
            elif line.strip() and not line.startswith("#"):
                lines.append(line)
                batches.append(batch)
    rows = list(csv.DictReader(lines, delimiter="\t"))
    for row, row_batch in zip(rows, batches[1:], strict=True):  # batches[0]: the header
        row["batch"] = row_batch
    return rows


def _settings(raw: str | None) -> TemporalSettings | None:
    if not raw or not raw.strip():
        return None
    options = json.loads(raw)
    reference = options.get("reference_date")
    return TemporalSettings(
        day_first=options.get("day_first", True),
        reference_date=datetime.date.fromisoformat(reference) if reference else None,
    )


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, list):
        if actual is None or len(actual) != len(expected):
            return False
        return all(_same(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return isinstance(actual, int | float) and abs(actual - expected) < 1e-9
    return bool(actual == expected)


def score(value: TimeValue | None, kind: str, fields: dict[str, Any]) -> str:
    """Return "" when the value is right, else what differs."""
    if kind == "none":
        return "" if value is None else f"parsed as {value.kind}"
    if value is None:
        return "no parse"
    if value.kind != kind:
        return f"kind {value.kind}"
    wrong = [
        f"{name}={getattr(value, name)!r}"
        for name, expected in fields.items()
        if not _same(getattr(value, name), expected)
    ]
    return ", ".join(wrong)


def test_heldout_file_is_large_enough() -> None:
    assert len(_rows()) >= 60


def test_heldout_accuracy() -> None:
    rows = _rows()
    misses: list[str] = []
    right_by_batch: dict[str, list[bool]] = {}
    for row in rows:
        value = normalize(row["expression"], _settings(row.get("settings")))
        problem = score(value, row["kind"], json.loads(row["fields"]))
        right_by_batch.setdefault(row["batch"], []).append(not problem)
        if problem:
            misses.append(f"  [{row['batch']}] {row['expression']!r} ({row['kind']}): {problem}")
    accuracy = 1 - len(misses) / len(rows)
    lines = [f"held-out accuracy {accuracy:.3f} ({len(rows) - len(misses)}/{len(rows)})"]
    for batch, right in sorted(right_by_batch.items()):
        lines.append(f"  batch {batch}: {sum(right) / len(right):.3f} ({sum(right)}/{len(right)})")
    report = "\n".join(lines + misses)
    print("\n" + report)
    assert accuracy >= ACCURACY_FLOOR, report


@pytest.mark.parametrize(
    "value,kind,fields,expected",
    [
        (None, "none", {}, ""),
        (None, "date", {"date": "2024"}, "no parse"),
    ],
)
def test_score_can_fail(value: TimeValue | None, kind: str, fields: dict[str, Any], expected: str) -> None:
    assert score(value, kind, fields) == expected
