"""`miner evaluate` on the gold corpora, as CI runs it: the printed figures must stay above the
floors recorded in corpora/thresholds.toml (measured figure minus a small margin)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app

REPO = Path(__file__).resolve().parents[1]
FLOORS = tomllib.loads((REPO / "corpora" / "thresholds.toml").read_text(encoding="utf-8"))["evaluate"]


@pytest.mark.parametrize("split", ["dev", "test"])
def test_evaluate_command_stays_above_the_recorded_floors(split: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--gold", str(REPO / "corpora" / "case-reports" / split),
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "evaluation.json").read_text(encoding="utf-8"))
    floors = FLOORS[split]
    below = []
    for label, floor in floors["lenient_f1_min"].items():
        f1 = report["mentions"]["by_label"][label]["lenient"]["f1"]
        if f1 < floor:
            below.append(f"{label} lenient F1 {f1:.3f} < {floor}")
    checks = {
        "timing normalization": (report["mentions"]["timing_normalization"]["accuracy"],
                                 floors["timing_normalization_min"]),
        "patient fields": (report["patients"]["field_accuracy"]["value"], floors["field_accuracy_min"]),
        "probable sensitivity": (report["probable"]["sensitivity"]["value"], floors["probable_sensitivity_min"]),
        "probable specificity": (report["probable"]["specificity"]["value"], floors["probable_specificity_min"]),
    }
    below += [f"{name} {value:.3f} < {floor}" for name, (value, floor) in checks.items() if value < floor]
    assert not below, f"{split}: " + "; ".join(below)
