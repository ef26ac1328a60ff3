"""Fixtures of the export tests: the seed article extracted once, through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app

REPO = Path(__file__).resolve().parents[2]
SEED_PDF = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"


@pytest.fixture(scope="session")
def seed_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``miner extract`` of the seed PDF (5 patients); tests copy it before writing next to it."""
    out = tmp_path_factory.mktemp("seed") / "out"
    result = CliRunner().invoke(app, ["extract", str(SEED_PDF), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out
