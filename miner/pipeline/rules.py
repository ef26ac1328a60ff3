"""Typed rule objects for the JSONL files in ``patterns/``.

One rule a line, e.g.::

    {"id": "drug.talquetamab", "label": "DRUG", "pattern": "talquetamab", "norm": "talquetamab"}

``pattern`` is a phrase (matched on lower case unless ``case_sensitive``) or a spaCy
token-pattern list. Unknown keys are rejected so that a typo in a rule file fails loudly.
"""


import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from miner.labels import MENTION_LABELS


class RuleError(ValueError):
    """A rule file line that cannot be loaded; the message names file and line."""


@dataclass(frozen=True)
class ConceptRule:
    """One concept pattern."""

    id: str
    label: str
    pattern: str | list[dict[str, Any]]
    norm: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    case_sensitive: bool = False
    # words that, next after a match, make it another thing: "oxygen" before "saturation"
    # ("#percent": a number and "%", "oxygen 97%")
    not_before: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ConceptRule":
        """Build a rule, rejecting unknown keys and labels."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise RuleError(f"unknown keys {sorted(unknown)} in rule {data.get('id')!r}")
        for key in ("id", "label", "pattern"):
            if key not in data:
                raise RuleError(f"rule {data.get('id')!r} lacks {key!r}")
        if data["label"] not in MENTION_LABELS:
            raise RuleError(f"rule {data['id']!r} has unknown label {data['label']!r}")
        if not isinstance(data["pattern"], str | list):
            raise RuleError(f"rule {data['id']!r}: pattern must be a string or a token list")
        return cls(
            id=data["id"],
            label=data["label"],
            pattern=data["pattern"],
            norm=data.get("norm"),
            attrs=dict(data.get("attrs") or {}),
            case_sensitive=bool(data.get("case_sensitive", False)),
            not_before=tuple(w.lower() for w in data.get("not_before") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, omitting defaults."""
        out: dict[str, Any] = {"id": self.id, "label": self.label, "pattern": self.pattern}
        if self.norm is not None:
            out["norm"] = self.norm
        if self.attrs:
            out["attrs"] = dict(self.attrs)
        if self.case_sensitive:
            out["case_sensitive"] = True
        if self.not_before:
            out["not_before"] = list(self.not_before)
        return out


def read_rule_lines(paths: list[Path], kind: str, keys: set[str],
                    required: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, data)`` for each rule line of JSONL files, with unknown or missing keys
    (and lines that are not JSON) an error naming the file and line."""
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                data: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError as err:
                raise RuleError(f"{where}: not JSON ({err})") from err
            unknown = set(data) - keys
            if unknown or not required <= set(data):
                raise RuleError(f"{where}: bad {kind} rule (unknown keys {sorted(unknown)}, "
                                f"required {sorted(required)})")
            yield where, data


def load_rules(paths: list[Path]) -> list[ConceptRule]:
    """Load concept rules from JSONL files into a fresh list.

    Raises:
        RuleError: on a malformed line or a duplicate id (naming file and line).
    """
    return load_jsonl_rules(paths, ConceptRule.from_dict)


RuleT = TypeVar("RuleT")


def load_jsonl_rules(paths: list[Path], from_dict: Callable[[dict[str, Any]], RuleT]) -> list[RuleT]:
    """Rules read one a line from JSONL files (blank lines and ``//`` comments skipped), each
    built by ``from_dict``, into a fresh list.

    Raises:
        RuleError: on a malformed line or a duplicate id, naming the file and line.
    """
    rules: list[RuleT] = []
    seen: dict[str, str] = {}
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            where = f"{path}:{number}"
            try:
                rule = from_dict(json.loads(line))
            except (json.JSONDecodeError, RuleError) as err:
                raise RuleError(f"{where}: {err}") from err
            rule_id = str(getattr(rule, "id", ""))
            if rule_id in seen:
                raise RuleError(f"{where}: duplicate rule id {rule_id!r} (first in {seen[rule_id]})")
            seen[rule_id] = where
            rules.append(rule)
    return rules
