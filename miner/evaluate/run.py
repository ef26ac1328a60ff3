"""The evaluation harness: gold found under a folder, predictions read from an output folder.

``evaluate(gold_dir, pred_dir)`` scores what ``miner extract`` wrote in ``pred_dir``
(``patients.jsonl``, ``mentions.csv``, ``manifest.csv``) against every gold file under
``gold_dir``:

* ``*.gold.json`` (and the seed's ``gold.json``): patient fields, episodes, and the
  "probable" flag as a diagnostic test;
* ``*.mentions.json``: mentions per label, strict and lenient, timing normalization,
  assertions.

``run_evaluate`` first runs the extraction itself when no prediction folder is given.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from miner.evaluate.episodes import EpisodeScore, score_episodes
from miner.evaluate.mentions import (
    GoldDocument,
    MentionScore,
    PredictedMention,
    check_against_text,
    load_gold_mentions,
    read_mentions_csv,
    score_mentions,
)
from miner.evaluate.patients import PatientScore, load_gold, read_patients_jsonl, score_document
from miner.evaluate.stats import FlagStats, Proportion, flag_stats

if TYPE_CHECKING:
    from miner.extract import DocumentResult

logger = logging.getLogger(__name__)

PATIENT_GOLD_SUFFIX = ".gold.json"
MENTION_GOLD_SUFFIX = ".mentions.json"
#: documents beside a gold file, in order of preference (mention offsets are into text files)
DOCUMENT_SUFFIXES = (".txt", ".md", ".text", ".markdown", ".pdf")
TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown")


@dataclass
class EvaluationReport:
    """Every score of one evaluation; ``to_dict()`` is what ``evaluation.json`` holds."""

    gold_dir: str
    pred_dir: str
    patient_gold: list[str] = field(default_factory=list)
    mention_gold: list[str] = field(default_factory=list)
    patients: PatientScore = field(default_factory=PatientScore)
    episodes: EpisodeScore = field(default_factory=EpisodeScore)
    probable: FlagStats = field(default_factory=FlagStats)
    mentions: MentionScore | None = None
    warnings: list[str] = field(default_factory=list)

    def patient_fields(self) -> dict[str, Proportion]:
        """Accuracy of each patient field over the gold patients."""
        return {name: Proportion(ok, n) for name, (ok, n) in self.patients.by_field().items()}

    def to_dict(self) -> dict[str, Any]:
        total = Proportion(self.patients.correct, self.patients.total)
        return {
            "gold_dir": self.gold_dir,
            "pred_dir": self.pred_dir,
            "gold_documents": {"patients": self.patient_gold, "mentions": self.mention_gold},
            "mentions": self.mentions.to_dict() if self.mentions is not None else None,
            "episodes": self.episodes.to_dict(),
            "patients": {
                "gold_patients": self.patients.gold_patients,
                "predicted_patients": self.patients.predicted_patients,
                "matched": self.patients.matched,
                "field_accuracy": total.to_dict(),
                "by_field": {name: p.to_dict() for name, p in self.patient_fields().items()},
                "errors": [{"doc_id": f.doc_id, "patient": f.patient, "field": f.field, "gold": f.gold,
                            "predicted": f.predicted} for f in self.patients.fields if not f.correct],
            },
            "probable": self.probable.to_dict(),
            "warnings": self.warnings,
        }


# --------------------------------------------------------------------------- discovery


def find_gold_files(gold_dir: Path) -> tuple[list[Path], list[Path]]:
    """Patient gold (``*.gold.json``, ``gold.json``) and mention gold (``*.mentions.json``)
    anywhere under ``gold_dir``, sorted; a single gold file may be given instead of a folder."""
    if gold_dir.is_file():
        candidates = [gold_dir]
    else:
        candidates = sorted(p for p in gold_dir.rglob("*.json") if p.is_file())
    patients = [p for p in candidates if p.name.endswith(PATIENT_GOLD_SUFFIX) or p.name == "gold.json"]
    mentions = [p for p in candidates if p.name.endswith(MENTION_GOLD_SUFFIX)]
    return patients, mentions


def _gold_doc_id(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        data = {}
    doc_id = data.get("doc_id") if isinstance(data, dict) else None
    if isinstance(doc_id, str) and doc_id:
        return doc_id
    for suffix in (PATIENT_GOLD_SUFFIX, MENTION_GOLD_SUFFIX):
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem


def document_beside(gold_path: Path, doc_id: str, suffixes: Iterable[str] = DOCUMENT_SUFFIXES) -> Path | None:
    """The document a gold file annotates: ``<doc_id>.<ext>`` in its folder, text files first."""
    for suffix in suffixes:
        candidate = gold_path.parent / f"{doc_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def gold_documents(gold_dir: Path) -> list[Path]:
    """The documents that the gold under ``gold_dir`` annotates (one per doc_id, a text file
    when there is one: the seed has both a PDF and its text)."""
    patients, mentions = find_gold_files(gold_dir)
    found: dict[str, Path] = {}
    for path in patients + mentions:
        doc_id = _gold_doc_id(path)
        document = document_beside(path, doc_id)
        if document is not None and doc_id not in found:
            found[doc_id] = document
    return sorted(found.values())


def read_manifest(pred_dir: Path) -> dict[str, list[dict[str, str]]]:
    """``manifest.csv`` rows grouped by doc_id (empty when the file is missing)."""
    path = pred_dir / "manifest.csv"
    out: dict[str, list[dict[str, str]]] = {}
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                out.setdefault(row["doc_id"], []).append(row)
    return out


# ---------------------------------------------------------------------------- scoring


def _aligned(gold: GoldDocument, gold_path: Path, predicted: list[PredictedMention],
             warnings: list[str]) -> list[PredictedMention]:
    """Predicted mentions whose text is the document's text at their offsets.

    The document beside the gold file is read as miner reads it. Mentions that do not fit
    come from another input with the same doc_id (the seed's PDF beside its text) and are
    left out, with a warning.
    """
    stem = gold_path.name[: -len(MENTION_GOLD_SUFFIX)]
    document = document_beside(gold_path, stem, TEXT_SUFFIXES)
    if document is None:
        return predicted
    from miner.ingest.text import read_text

    text = read_text(document).text
    for problem in check_against_text(gold, text)[:3]:
        warnings.append(problem)
    kept = [m for m in predicted if text[m.start:m.end] == m.text]
    if len(kept) < len(predicted):
        warnings.append(f"{gold.doc_id}: {len(predicted) - len(kept)} of {len(predicted)} predicted mentions "
                        f"do not fit {document.name} at their offsets (read from another file with the same "
                        "doc_id, e.g. a PDF?); they were left out of the mention scores")
    return kept


def evaluate(gold_dir: Path, pred_dir: Path) -> EvaluationReport:
    """Score the predictions in ``pred_dir`` against the gold under ``gold_dir``.

    Gold documents that are not in the predictions' ``manifest.csv`` are skipped with a
    warning; a document that failed is scored as having no predictions.

    Raises:
        FileNotFoundError: ``pred_dir`` has no ``patients.jsonl``.
        miner.evaluate.mentions.GoldFormatError: a gold mention file is malformed.
    """
    report = EvaluationReport(str(gold_dir), str(pred_dir))
    patients_path = pred_dir / "patients.jsonl"
    if not patients_path.is_file():
        raise FileNotFoundError(f"{patients_path} not found: run `miner extract ... --out {pred_dir}` first")
    predicted_patients = read_patients_jsonl(patients_path)
    mentions_path = pred_dir / "mentions.csv"
    predicted_mentions = read_mentions_csv(mentions_path) if mentions_path.is_file() else {}
    manifest = read_manifest(pred_dir)
    patient_files, mention_files = find_gold_files(gold_dir)

    def known(doc_id: str, gold_path: Path) -> bool:
        if manifest and doc_id not in manifest:
            report.warnings.append(f"{gold_path}: {doc_id} is not in the predictions; skipped")
            return False
        rows = manifest.get(doc_id, [])
        if len(rows) > 1:
            paths = ", ".join(r["path"] for r in rows)
            report.warnings.append(f"{doc_id}: predicted from {len(rows)} inputs ({paths}); its patient "
                                   "scores mix them (evaluate one of them)")
        return True

    flags: list[tuple[bool, bool]] = []
    for path in patient_files:
        gold = load_gold(path)
        gold.setdefault("doc_id", _gold_doc_id(path))
        if not known(gold["doc_id"], path):
            continue
        report.patient_gold.append(gold["doc_id"])
        records = predicted_patients.get(gold["doc_id"], [])
        score = score_document(gold, records)
        report.patients.extend(score)
        report.episodes.extend(score_episodes(gold, records))
        flags.extend((bool(f.gold), bool(f.predicted)) for f in score.fields if f.field == "probable")
    report.probable = flag_stats(flags)

    if mention_files:
        report.mentions = MentionScore()
        for path in mention_files:
            gold_mentions = load_gold_mentions(path)
            if manifest and gold_mentions.doc_id not in manifest:
                report.warnings.append(f"{path}: {gold_mentions.doc_id} is not in the predictions; skipped")
                continue
            report.mention_gold.append(gold_mentions.doc_id)
            predicted = _aligned(gold_mentions, path, predicted_mentions.get(gold_mentions.doc_id, []),
                                 report.warnings)
            report.mentions.extend(score_mentions(gold_mentions, predicted))
    if not patient_files and not mention_files:
        report.warnings.append(f"no gold files (*.gold.json, gold.json, *.mentions.json) under {gold_dir}")
    return report


def write_report(report: EvaluationReport, path: Path) -> None:
    """Write ``report.to_dict()`` as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def run_evaluate(
    gold_dir: Path,
    paths: list[Path] | None,
    pred_dir: Path | None,
    out: Path,
    on_progress: Callable[[DocumentResult], None] | None = None,
) -> EvaluationReport:
    """Extract (unless ``pred_dir`` is given), score, and write ``out/evaluation.json``.

    Without ``pred_dir`` the documents in ``paths`` (default: those the gold annotates) are
    extracted into ``out/predictions`` with the default criteria, as ``miner extract`` does.
    """
    if pred_dir is None:
        from miner.export.files import write_outputs
        from miner.extract import Extractor, discover_inputs, extract_files

        files, problems = discover_inputs(paths or gold_documents(gold_dir))
        results: list[DocumentResult] = list(problems)
        results.extend(extract_files(files, Extractor(), on_progress=on_progress))
        pred_dir = out / "predictions"
        write_outputs(results, pred_dir)
    report = evaluate(gold_dir, pred_dir)
    write_report(report, out / "evaluation.json")
    return report
