"""`miner screen` on a generated export from a held-out generator seed: the probable flag's
sensitivity and specificity must stay above the floors in corpora/thresholds.toml."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from miner.cli import app

REPO = Path(__file__).resolve().parents[1]
SETTINGS = tomllib.loads((REPO / "corpora" / "thresholds.toml").read_text(encoding="utf-8"))["screen"]["generated"]


def test_screening_a_generated_export_from_an_unseen_seed(tmp_path: Path) -> None:
    export = tmp_path / "export"
    subprocess.run([sys.executable, str(REPO / "scripts" / "generate_notes.py"), "--patients",
                    str(SETTINGS["patients"]), "--seed", str(SETTINGS["seed"]), "--out", str(export)],
                   check=True, capture_output=True)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["screen", str(export / "notes.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    gold = {row["patient_id"]: row["classification"] for row in
            map(json.loads, (export / "gold.jsonl").read_text(encoding="utf-8").splitlines())}
    predicted = {row["patient_id"]: row["classification"] for row in
                 map(json.loads, (out / "patients.jsonl").read_text(encoding="utf-8").splitlines())}
    tp = sum(1 for p, c in gold.items() if c == "probable" and predicted.get(p) == "probable")
    fn = sum(1 for p, c in gold.items() if c == "probable" and predicted.get(p) != "probable")
    fp = sum(1 for p, c in gold.items() if c != "probable" and predicted.get(p) == "probable")
    tn = sum(1 for p, c in gold.items() if c != "probable" and predicted.get(p) != "probable")
    assert tp + fn > 10 and tn + fp > 10
    assert tp / (tp + fn) >= SETTINGS["sensitivity_min"], (tp, fn)
    assert tn / (tn + fp) >= SETTINGS["specificity_min"], (tn, fp)
