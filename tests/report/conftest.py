"""Fixtures of the report tests: the seed article extracted once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app

REPO = Path(__file__).resolve().parents[2]
SEED_PDF = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder of ``miner extract`` on the seed PDF (absolute path in the manifest)."""
    out = tmp_path_factory.mktemp("seed") / "out"
    result = CliRunner().invoke(app, ["extract", str(SEED_PDF), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out
