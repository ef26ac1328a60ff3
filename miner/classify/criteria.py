"""The recurrence criteria in force, read from ``patterns/criteria/recurrent_late_crs.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from miner.resources import pattern_file

#: The alternatives miner can recognise in text (see miner/episodes/cues.py ALTERNATIVES).
KNOWN_ALTERNATIVES = ("HLH/MAS", "tumour flare", "drug fever", "infusion reaction")

_SECTIONS: dict[str, set[str]] = {
    "episode": {"fever_threshold_c", "max_hours_after_dose", "exclude_infection_explained",
                "exclude_neutropenic_fever"},
    "late": {"initial_phase_max_day"},
    "recurrent": {"min_late_episodes"},
    "classification": {"require_t_cell_engager", "tocilizumab_response_excludes_infection",
                       "coexisting_infection_keeps_probable", "dose_locked_periodicity_links_fever",
                       "alternatives"},
}


@dataclass(frozen=True)
class Criteria:
    """Versioned, user-editable criteria for recurrent late CRS."""

    version: str
    title: str
    fever_threshold_c: float = 38.0
    max_hours_after_dose: float = 72.0
    exclude_infection_explained: bool = True
    exclude_neutropenic_fever: bool = True
    initial_phase_max_day: int = 28
    min_late_episodes: int = 2
    require_t_cell_engager: bool = True
    tocilizumab_response_excludes_infection: bool = True
    coexisting_infection_keeps_probable: bool = True
    dose_locked_periodicity_links_fever: bool = True
    alternatives: tuple[str, ...] = KNOWN_ALTERNATIVES
    path: str = ""

    @classmethod
    def from_toml(cls, path: Path) -> Criteria:
        """Load criteria; unknown sections, keys, types or alternatives are an error naming the file."""
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ValueError(f"{path}: cannot read the criteria file: {err}") from err
        if "version" not in data:
            raise ValueError(f"{path}: the criteria need a `version`")
        values: dict[str, Any] = {}
        for key, section in data.items():
            if key in ("version", "title"):
                continue
            if key not in _SECTIONS or not isinstance(section, dict):
                raise ValueError(f"{path}: unknown criteria section [{key}]; known: {sorted(_SECTIONS)}")
            unknown = set(section) - _SECTIONS[key]
            if unknown:
                raise ValueError(f"{path}: unknown keys {sorted(unknown)} in [{key}]; known: "
                                 f"{sorted(_SECTIONS[key])}")
            values.update(section)
        types = {f.name: f.type for f in fields(cls)}
        for name, value in values.items():
            expected = types[name]
            if expected == "bool" and not isinstance(value, bool) or \
                    expected in ("int", "float") and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValueError(f"{path}: `{name}` must be {expected}, not {value!r}")
        if "alternatives" in values:
            unknown_alt = set(values["alternatives"]) - set(KNOWN_ALTERNATIVES)
            if unknown_alt:
                raise ValueError(f"{path}: unknown alternatives {sorted(unknown_alt)}; miner recognises "
                                 f"{list(KNOWN_ALTERNATIVES)}")
            values["alternatives"] = tuple(values["alternatives"])
        return cls(version=str(data["version"]), title=str(data.get("title", "")), path=str(path), **values)


def describe_criteria(criteria: Criteria) -> list[tuple[str, str, str, str]]:
    """``(section, key, value, explanation)`` for each setting, the explanation taken from
    the comment lines just above the key in the TOML file (what `miner criteria` prints)."""
    rows: list[tuple[str, str, str, str]] = []
    section, comment = "", []
    for line in Path(criteria.path).read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
        elif stripped.startswith("[") and stripped.endswith("]"):
            section, comment = stripped.strip("[]"), []
        elif "=" in stripped and section:
            key = stripped.split("=", 1)[0].strip()
            value = getattr(criteria, key, stripped.split("=", 1)[1].strip())
            shown = ", ".join(value) if isinstance(value, tuple) else str(value).lower() \
                if isinstance(value, bool) else str(value)
            rows.append((section, key, shown, " ".join(comment)))
            comment = []
        elif not stripped:
            comment = comment if section else []
    return rows


def load_criteria(path: Path | None = None) -> Criteria:
    """The criteria in force: ``path`` or the packaged default file."""
    return Criteria.from_toml(path or pattern_file("criteria", "recurrent_late_crs.toml"))
