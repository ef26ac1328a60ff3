"""The only place that locates pattern and configuration files.

Rule data lives in the repository's top-level ``patterns/`` folder (the package is
installed in editable mode by the set-up commands, so the folder is found beside
the package). ``MINER_PATTERNS`` overrides the location, for a site's own rules.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def patterns_dir() -> Path:
    """Return the folder holding the rule files.

    Raises:
        FileNotFoundError: when no patterns folder can be found.
    """
    override = os.environ.get("MINER_PATTERNS")
    candidates = [Path(override)] if override else []
    candidates += [_PACKAGE_DIR.parent / "patterns", _PACKAGE_DIR / "patterns"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "miner could not find its patterns/ folder; install the package from its "
        "repository with `pip install -e .` or set MINER_PATTERNS to the folder"
    )


def pattern_file(component: str, name: str) -> Path:
    """Return ``patterns/<component>/<name>``, raising if it does not exist."""
    path = patterns_dir() / component / name
    if not path.is_file():
        raise FileNotFoundError(f"missing rule file {path}")
    return path


def pattern_files(component: str, suffix: str = ".jsonl") -> list[Path]:
    """Return every rule file of a component, sorted by name for stable rule order."""
    folder = patterns_dir() / component
    return sorted(p for p in folder.glob(f"*{suffix}") if p.is_file())
