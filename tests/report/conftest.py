"""Paths the report tests share; the seed output itself is tests/conftest.py's ``seed_output``."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED_PDF = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"
