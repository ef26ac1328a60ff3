"""`miner screen --engine dask` on a LocalCluster with two workers: the same outputs as the
local run, and partitioned Parquet beside them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from miner.cli import app

REPO = Path(__file__).resolve().parents[1]


def test_dask_localcluster_gives_the_local_outputs(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    export = tmp_path / "export"
    subprocess.run([sys.executable, str(REPO / "scripts" / "generate_notes.py"), "--patients", "60", "--seed", "77",
                    "--out", str(export)], check=True, capture_output=True)
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert CliRunner().invoke(app, ["screen", str(export / "notes.csv"), "--out", str(local)]).exit_code == 0
    result = CliRunner().invoke(app, ["screen", str(export / "notes.csv"), "--out", str(dask), "--engine", "dask",
                                      "--workers", "2"])
    assert result.exit_code == 0, result.output
    for name in ("patients.jsonl", "episodes.csv", "timeline.csv", "mentions.csv", "notes.csv", "manifest.csv"):
        assert (local / name).read_bytes() == (dask / name).read_bytes(), name
    patients = pd.read_parquet(dask / "parquet" / "patients")
    assert len(patients) == len((local / "patients.jsonl").read_text(encoding="utf-8").splitlines())
    assert set(patients["classification"].astype(str)) <= {"probable", "possible", "unlikely"}
