"""Shared fixtures: the pipeline is built once per session (no statistical model)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from miner.pipeline import build_nlp

    return build_nlp()


@pytest.fixture(scope="session")
def extractor(nlp):  # type: ignore[no-untyped-def]
    from miner.extract import Extractor

    return Extractor(nlp=nlp)


@pytest.fixture()
def mentions_of(nlp):  # type: ignore[no-untyped-def]
    """Mentions of a small text: ``mentions_of("no CRS")``."""
    from miner.pipeline import doc_mentions

    def run(text: str):  # type: ignore[no-untyped-def]
        return doc_mentions(nlp(text))

    return run


@pytest.fixture(scope="session")
def seed_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``miner extract`` of the seed PDF (5 patients), once per session, through the command
    line; tests that write beside it copy it first."""
    from typer.testing import CliRunner

    from miner.cli import app

    out = tmp_path_factory.mktemp("seed") / "out"
    seed_pdf = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"
    result = CliRunner().invoke(app, ["extract", str(seed_pdf), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out
