"""Mention-level gold: the file format, its validation, and strict/lenient scoring (pure).

A gold mention file ``<doc_id>.mentions.json`` sits beside the document it annotates::

    {"doc_id": "dev01-epcoritamab-single-report",
     "text_sha256": "…",            # of the UTF-8 text the offsets refer to
     "annotator": "…", "guidelines_version": "1.0",
     "scope": [[0, 5120]],          # optional: only these character ranges were annotated
     "mentions": [{"start": 41, "end": 80, "label": "TIMING",
                   "text": "after every-two-week epcoritamab dosing",
                   "value": {"kind": "post_dose"}, "assertion": "present"}]}

The offsets are into the text miner reads: for ``.txt``/``.md`` the decoded file with
``\\r\\n`` made ``\\n``. PDFs are not annotated at mention level (their text is extracted,
so offsets depend on the extractor). ``corpora/GUIDELINES.md`` says what is annotated.

Scoring follows the usual NER conventions (e.g. the i2b2/n2c2 and SemEval 2013 task 9
evaluations): *strict* needs the exact span and label; *lenient* needs an overlapping span
with the same label, matched one to one (largest overlap first).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from miner.evaluate.patients import same
from miner.labels import DRUG, GRADE, MENTION_LABELS, TIMING, TREATMENT

GUIDELINES_VERSION = "1.0"

PRESENT = "present"
NEGATED = "negated"
HYPOTHETICAL = "hypothetical"
HISTORICAL = "historical"
FAMILY = "family"
UNCERTAIN = "uncertain"
#: gold assertion values; a predicted mention's flags are read in this order of precedence
#: (a negated mention about a relative is "family"), "present" when no flag is set
ASSERTIONS: tuple[str, ...] = (PRESENT, FAMILY, NEGATED, HYPOTHETICAL, UNCERTAIN, HISTORICAL)

TIMING_VALUE_KEYS = frozenset({"kind", "hours", "interval_days", "cycle", "day", "date"})
TIMING_KINDS = frozenset({"cycle_day", "post_dose", "interval", "elapsed", "date", "date_list",
                          "count"})
FEVER_VALUE_KEYS = frozenset({"temp_c"})
#: labels whose assertion is annotated and scored (a grade or a time expression is always "present")
ASSERTED_LABELS = frozenset(MENTION_LABELS) - {GRADE, TIMING}
#: labels whose gold mentions carry a ``norm`` (the generic name, or the grade "2" / "1-2")
NORMED_LABELS = frozenset({DRUG, TREATMENT, GRADE})

_FILE_KEYS = frozenset({"doc_id", "text_sha256", "annotator", "guidelines_version", "mentions",
                        "scope", "note"})
_MENTION_KEYS = frozenset({"start", "end", "label", "text", "norm", "value", "assertion", "note"})


class GoldFormatError(ValueError):
    """A gold mention file that does not follow the format; the message names the place."""


@dataclass(frozen=True)
class GoldMention:
    start: int
    end: int
    label: str
    text: str
    assertion: str = PRESENT
    norm: str | None = None
    value: dict[str, Any] | None = None
    note: str | None = None


@dataclass
class GoldDocument:
    """One validated gold mention file."""

    doc_id: str
    text_sha256: str
    annotator: str
    guidelines_version: str
    mentions: list[GoldMention]
    scope: list[tuple[int, int]] | None = None
    path: str = ""

    def in_scope(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` lies inside an annotated range (always, with no scope)."""
        if self.scope is None:
            return True
        return any(lo <= start and end <= hi for lo, hi in self.scope)


def text_sha256(text: str) -> str:
    """SHA-256 of a text's UTF-8 bytes: what ``text_sha256`` holds."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _require(condition: bool, where: str, problem: str) -> None:
    if not condition:
        raise GoldFormatError(f"{where}: {problem}")


def _check_value(label: str, value: Any, where: str) -> None:
    _require(isinstance(value, dict), where, "'value' must be an object")
    if label == TIMING:
        unknown = set(value) - TIMING_VALUE_KEYS
        _require(not unknown, where, f"unknown TIMING value keys {sorted(unknown)}; allowed "
                 f"{sorted(TIMING_VALUE_KEYS)}")
        _require(value.get("kind") in TIMING_KINDS, where,
                 f"TIMING value needs 'kind', one of {sorted(TIMING_KINDS)}")
        for key in ("hours", "interval_days"):
            if value.get(key) is not None:
                pair = value[key]
                _require(isinstance(pair, list) and len(pair) == 2
                         and all(isinstance(x, int | float) and not isinstance(x, bool) for x in pair)
                         and pair[0] <= pair[1], where, f"'{key}' must be [low, high] numbers")
        for key in ("cycle", "day"):
            if value.get(key) is not None:
                _require(isinstance(value[key], int) and not isinstance(value[key], bool), where,
                         f"'{key}' must be an integer")
        if value.get("date") is not None:
            _require(isinstance(value["date"], str), where, "'date' must be an ISO 8601 string")
    else:
        unknown = set(value) - FEVER_VALUE_KEYS
        _require(not unknown, where, f"unknown value keys {sorted(unknown)} for {label}; only "
                 "TIMING ({...}) and FEVER ({'temp_c': ...}) mentions carry values")
        temp = value.get("temp_c")
        ok = isinstance(temp, int | float) or (isinstance(temp, list) and len(temp) == 2
                                               and all(isinstance(x, int | float) for x in temp))
        _require(ok and not isinstance(temp, bool), where,
                 "'temp_c' must be a number or [low, high]")


def validate_gold_mentions(data: Any, source: str = "<gold>") -> GoldDocument:
    """Check a parsed gold mention file and build a :class:`GoldDocument`.

    Raises:
        GoldFormatError: naming ``source`` and, for a mention, its index
            ("dev01.mentions.json: mention 12: unknown label 'DRUGS'").
    """
    _require(isinstance(data, dict), source, "the file must hold a JSON object")
    unknown = set(data) - _FILE_KEYS
    _require(not unknown, source, f"unknown keys {sorted(unknown)}")
    for key in ("doc_id", "text_sha256", "annotator", "guidelines_version"):
        _require(isinstance(data.get(key), str) and bool(data[key]), source,
                 f"'{key}' must be a non-empty string")
    _require(len(data["text_sha256"]) == 64, source, "'text_sha256' must be 64 hex digits")
    _require(isinstance(data.get("mentions"), list), source, "'mentions' must be a list")
    scope: list[tuple[int, int]] | None = None
    if data.get("scope") is not None:
        raw = data["scope"]
        _require(isinstance(raw, list) and bool(raw), source, "'scope' must be a list of [start, end]")
        scope = []
        for i, pair in enumerate(raw):
            _require(isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, int) for x in pair)
                     and 0 <= pair[0] < pair[1], source, f"scope {i}: must be [start, end] with start < end")
            scope.append((pair[0], pair[1]))
    mentions: list[GoldMention] = []
    seen: set[tuple[int, int, str]] = set()
    for index, raw_mention in enumerate(data["mentions"]):
        where = f"{source}: mention {index}"
        _require(isinstance(raw_mention, dict), where, "must be an object")
        unknown = set(raw_mention) - _MENTION_KEYS
        _require(not unknown, where, f"unknown keys {sorted(unknown)}")
        start, end = raw_mention.get("start"), raw_mention.get("end")
        _require(isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
                 and 0 <= start < end, where, "'start' and 'end' must be integers with 0 <= start < end")
        label = raw_mention.get("label")
        _require(label in MENTION_LABELS, where,
                 f"unknown label {label!r}; one of {', '.join(MENTION_LABELS)}")
        text = raw_mention.get("text")
        _require(isinstance(text, str) and len(text) == end - start, where,
                 f"'text' must be the {end - start} characters of the span")
        assertion = raw_mention.get("assertion", PRESENT)
        _require(assertion in ASSERTIONS, where,
                 f"assertion {assertion!r} is not one of {', '.join(ASSERTIONS)}")
        norm = raw_mention.get("norm")
        _require(norm is None or (isinstance(norm, str) and bool(norm)), where,
                 "'norm' must be a non-empty string")
        value = raw_mention.get("value")
        if value is not None:
            _check_value(label, value, where)
        if scope is not None:
            _require(any(lo <= start and end <= hi for lo, hi in scope), where,
                     f"span {start}-{end} lies outside the file's 'scope'")
        span_key = (start, end, label)
        _require(span_key not in seen, where, f"duplicate {label} mention at {start}-{end}")
        seen.add(span_key)
        note = raw_mention.get("note")
        mentions.append(GoldMention(start, end, label, text, assertion, norm, value,
                                    note if isinstance(note, str) else None))
    return GoldDocument(data["doc_id"], data["text_sha256"], data["annotator"],
                        data["guidelines_version"], mentions, scope, source)


def load_gold_mentions(path: Path) -> GoldDocument:
    """Read and validate ``<doc_id>.mentions.json``.

    Raises:
        GoldFormatError: bad JSON or a bad field, with the file (and line, for JSON errors).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise GoldFormatError(f"{path}: line {err.lineno}: invalid JSON ({err.msg})") from err
    return validate_gold_mentions(data, str(path))


def check_against_text(gold: GoldDocument, text: str) -> list[str]:
    """Problems between a gold file and its document text: a changed text, offsets that
    do not give the mention text, a scope past the end. Empty when all is well."""
    problems = []
    where = gold.path or gold.doc_id
    if text_sha256(text) != gold.text_sha256:
        problems.append(f"{where}: text_sha256 differs from the document text (was it edited?)")
    for index, mention in enumerate(gold.mentions):
        if text[mention.start:mention.end] != mention.text:
            problems.append(f"{where}: mention {index}: text[{mention.start}:{mention.end}] is "
                            f"{text[mention.start:mention.end]!r}, not {mention.text!r}")
    for lo, hi in gold.scope or []:
        if hi > len(text):
            problems.append(f"{where}: scope [{lo}, {hi}] ends after the text ({len(text)} chars)")
    return problems


def gold_to_dict(gold: GoldDocument) -> dict[str, Any]:
    """The JSON object of a gold mention file (inverse of :func:`validate_gold_mentions`)."""
    data: dict[str, Any] = {"doc_id": gold.doc_id, "text_sha256": gold.text_sha256,
                            "annotator": gold.annotator, "guidelines_version": gold.guidelines_version}
    if gold.scope is not None:
        data["scope"] = [list(pair) for pair in gold.scope]
    mentions = []
    for m in gold.mentions:
        item: dict[str, Any] = {"start": m.start, "end": m.end, "label": m.label, "text": m.text}
        if m.norm is not None:
            item["norm"] = m.norm
        if m.value is not None:
            item["value"] = m.value
        item["assertion"] = m.assertion
        if m.note:
            item["note"] = m.note
        mentions.append(item)
    data["mentions"] = mentions
    return data


# ----------------------------------------------------------------------- predictions


@dataclass(frozen=True)
class PredictedMention:
    """One row of miner's ``mentions.csv``."""

    doc_id: str
    label: str
    text: str
    start: int
    end: int
    norm: str | None = None
    value: dict[str, Any] | None = None
    flags: frozenset[str] = frozenset()  # the assertion names whose is_* column is true

    @property
    def assertion(self) -> str:
        """The flags as one gold assertion value, by :data:`ASSERTIONS` precedence."""
        for name in ASSERTIONS[1:]:
            if name in self.flags:
                return name
        return PRESENT


def read_mentions_csv(path: Path) -> dict[str, list[PredictedMention]]:
    """miner's ``mentions.csv`` grouped by doc_id, in file order."""
    out: dict[str, list[PredictedMention]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            value = json.loads(row["value"]) if row.get("value") else None
            flags = frozenset(name for name in ASSERTIONS[1:]
                              if (row.get(f"is_{name}") or "").lower() == "true")
            out.setdefault(row["doc_id"], []).append(PredictedMention(
                row["doc_id"], row["label"], row["text"], int(row["start"]), int(row["end"]),
                row.get("norm") or None, value if isinstance(value, dict) else None, flags))
    return out


# ---------------------------------------------------------------------------- scoring


@dataclass
class Counts:
    """True positives, false positives and false negatives, with P/R/F1 (0.0 when undefined)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


def _ratio(pair: tuple[int, int]) -> dict[str, Any]:
    ok, n = pair
    return {"correct": ok, "total": n, "accuracy": round(ok / n, 4) if n else None}


def _plus(a: tuple[int, int], ok: bool) -> tuple[int, int]:
    return a[0] + int(ok), a[1] + 1


@dataclass
class MentionScore:
    """Per-label strict and lenient counts, value/norm/assertion agreement, and the errors.

    ``values[label]`` counts gold mentions with a ``value`` that were matched (lenient) and
    whose predicted value agrees on every key the gold gives; ``values[TIMING]`` is the
    timing normalization accuracy.
    """

    strict: dict[str, Counts] = field(default_factory=dict)
    lenient: dict[str, Counts] = field(default_factory=dict)
    values: dict[str, tuple[int, int]] = field(default_factory=dict)
    norms: dict[str, tuple[int, int]] = field(default_factory=dict)
    assertion: tuple[int, int] = (0, 0)
    assertion_confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def total(self, lenient: bool = False) -> Counts:
        """Micro-averaged counts over all labels."""
        out = Counts()
        for counts in (self.lenient if lenient else self.strict).values():
            out.add(counts)
        return out

    @property
    def timing_accuracy(self) -> tuple[int, int]:
        return self.values.get(TIMING, (0, 0))

    def extend(self, other: MentionScore) -> None:
        for mine, theirs in ((self.strict, other.strict), (self.lenient, other.lenient)):
            for label, counts in theirs.items():
                mine.setdefault(label, Counts()).add(counts)
        for mine_pairs, their_pairs in ((self.values, other.values), (self.norms, other.norms)):
            for label, (ok, n) in their_pairs.items():
                a, b = mine_pairs.get(label, (0, 0))
                mine_pairs[label] = (a + ok, b + n)
        self.assertion = (self.assertion[0] + other.assertion[0], self.assertion[1] + other.assertion[1])
        for gold, row in other.assertion_confusion.items():
            for predicted, n in row.items():
                mine_row = self.assertion_confusion.setdefault(gold, {})
                mine_row[predicted] = mine_row.get(predicted, 0) + n
        self.documents.update(other.documents)
        self.errors.extend(other.errors)

    def to_dict(self) -> dict[str, Any]:
        labels = [label for label in MENTION_LABELS if label in self.strict or label in self.lenient]
        return {
            "by_label": {label: {"strict": self.strict.get(label, Counts()).to_dict(),
                                 "lenient": self.lenient.get(label, Counts()).to_dict()}
                         for label in labels},
            "micro": {"strict": self.total().to_dict(), "lenient": self.total(lenient=True).to_dict()},
            "timing_normalization": _ratio(self.timing_accuracy),
            "value_accuracy": {label: _ratio(pair) for label, pair in sorted(self.values.items())},
            "norm_accuracy": {label: _ratio(pair) for label, pair in sorted(self.norms.items())},
            "assertion_accuracy": _ratio(self.assertion),
            "assertion_confusion": self.assertion_confusion,
            "documents": self.documents,
            "errors": self.errors,
        }


def values_agree(gold: dict[str, Any], predicted: dict[str, Any] | None) -> bool:
    """True when ``predicted`` has every key of ``gold`` with an equal value.

    Numbers are equal within 1e-6 and ranges compare as lists, so gold ``{"kind":
    "post_dose", "hours": [24, 48]}`` agrees with miner's ``{"kind": "post_dose",
    "hours": [24.0, 48.0], "anchor": "each_dose", ...}``. A gold ``None`` needs a
    predicted ``None`` (or no key).
    """
    if predicted is None:
        return False
    for key, expected in gold.items():
        got = predicted.get(key)
        if isinstance(expected, int | float) and isinstance(got, list | tuple) and len(got) == 2 \
                and not isinstance(expected, bool):
            expected = [expected, expected]  # a single temperature against a [lo, hi] pair
        if not same(expected, got):
            return False
    return True


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


def lenient_pairs(gold: Sequence[tuple[int, int]], predicted: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """One-to-one matching of overlapping spans, largest overlap first (exact spans win).

    Returns ``(gold_index, predicted_index)`` pairs; ties go to the earlier spans.
    """
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            size = _overlap(g, p)
            if size > 0:
                exact = g == p
                candidates.append((-int(exact), -size, gi, pi))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, _, gi, pi in candidates:
        if gi not in used_gold and pi not in used_pred:
            used_gold.add(gi)
            used_pred.add(pi)
            pairs.append((gi, pi))
    return sorted(pairs)


def score_mentions(gold: GoldDocument, predicted: Iterable[PredictedMention],
                   labels: Sequence[str] = MENTION_LABELS) -> MentionScore:
    """Score one document's predicted mentions against its gold.

    Predicted mentions outside the gold's ``scope`` are left out; duplicates (same label and
    span) count once. Value, norm and assertion agreement are measured over lenient matches (assertions of
    :data:`ASSERTED_LABELS` only).
    """
    score = MentionScore()
    unique: dict[tuple[int, int, str], PredictedMention] = {}
    for mention in predicted:
        if mention.label in labels and gold.in_scope(mention.start, mention.end):
            unique.setdefault((mention.start, mention.end, mention.label), mention)
    preds = list(unique.values())
    doc_strict = Counts()
    doc_lenient = Counts()
    for label in labels:
        g_items = [m for m in gold.mentions if m.label == label]
        p_items = sorted((m for m in preds if m.label == label), key=lambda m: (m.start, m.end))
        if not g_items and not p_items:
            continue
        g_spans = [(m.start, m.end) for m in g_items]
        p_spans = [(m.start, m.end) for m in p_items]
        exact = len(set(g_spans) & set(p_spans))
        strict = Counts(exact, len(p_spans) - exact, len(g_spans) - exact)
        pairs = lenient_pairs(g_spans, p_spans)
        lenient = Counts(len(pairs), len(p_spans) - len(pairs), len(g_spans) - len(pairs))
        score.strict[label] = strict
        score.lenient[label] = lenient
        doc_strict.add(strict)
        doc_lenient.add(lenient)
        matched_gold = {gi for gi, _ in pairs}
        matched_pred = {pi for _, pi in pairs}
        for gi, pi in pairs:
            g, p = g_items[gi], p_items[pi]
            if g.value is not None:
                score.values[label] = _plus(score.values.get(label, (0, 0)), values_agree(g.value, p.value))
            if g.norm is not None:
                ok = (p.norm or "").lower() == g.norm.lower()
                score.norms[label] = _plus(score.norms.get(label, (0, 0)), ok)
            if label in ASSERTED_LABELS:
                score.assertion = _plus(score.assertion, g.assertion == p.assertion)
                row = score.assertion_confusion.setdefault(g.assertion, {})
                row[p.assertion] = row.get(p.assertion, 0) + 1
            if (g.start, g.end) != (p.start, p.end):
                score.errors.append({"doc_id": gold.doc_id, "label": label, "kind": "boundary",
                                     "gold": [g.start, g.end, g.text], "predicted": [p.start, p.end, p.text]})
        for gi, g in enumerate(g_items):
            if gi not in matched_gold:
                score.errors.append({"doc_id": gold.doc_id, "label": label, "kind": "missed",
                                     "gold": [g.start, g.end, g.text]})
        for pi, p in enumerate(p_items):
            if pi not in matched_pred:
                score.errors.append({"doc_id": gold.doc_id, "label": label, "kind": "spurious",
                                     "predicted": [p.start, p.end, p.text]})
    score.documents[gold.doc_id] = {"gold": len(gold.mentions), "predicted": len(preds),
                                    "strict": doc_strict.to_dict(), "lenient": doc_lenient.to_dict()}
    return score
