"""The recurrence criteria in force, read from ``patterns/criteria/recurrent_late_crs.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from miner.resources import pattern_file


@dataclass(frozen=True)
class Criteria:
    """Versioned, user-editable criteria for recurrent late CRS."""

    version: str
    title: str
    fever_threshold_c: float = 38.0
    initial_phase_max_day: int = 7
    min_late_episodes: int = 2
    require_t_cell_engager: bool = True
    tocilizumab_response_excludes_infection: bool = True
    path: str = ""

    @classmethod
    def from_toml(cls, path: Path) -> Criteria:
        """Load criteria; unknown sections or keys are an error naming the file."""
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        allowed = {
            "episode": {"fever_threshold_c"},
            "late": {"initial_phase_max_day"},
            "recurrent": {"min_late_episodes"},
            "classification": {"require_t_cell_engager", "tocilizumab_response_excludes_infection"},
        }
        values: dict[str, Any] = {}
        for key, section in data.items():
            if key in ("version", "title"):
                continue
            if key not in allowed or not isinstance(section, dict):
                raise ValueError(f"{path}: unknown criteria section [{key}]")
            unknown = set(section) - allowed[key]
            if unknown:
                raise ValueError(f"{path}: unknown keys {sorted(unknown)} in [{key}]")
            values.update(section)
        return cls(version=str(data["version"]), title=str(data.get("title", "")),
                   path=str(path), **values)


def load_criteria(path: Path | None = None) -> Criteria:
    """The criteria in force: ``path`` or the packaged default file."""
    return Criteria.from_toml(path or pattern_file("criteria", "recurrent_late_crs.toml"))
