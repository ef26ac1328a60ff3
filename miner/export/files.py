"""The run's output files: patients.jsonl, patients.csv, episodes.csv, timeline.csv, mentions.csv,
manifest.csv (and notes.csv for ``miner screen``).

Stable order and no timestamps inside the data, so that two runs on the same input give
byte-identical files.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from miner import __version__
from miner.episodes.model import Mention, PatientRecord
from miner.extract import DocumentResult
from miner.ingest.notes import RowProblem
from miner.screen import PatientResult, note_row

PATIENT_CSV_FIELDS = (
    "doc_id", "patient_id", "age", "sex", "drugs", "drug_targets", "first_crs_cycle",
    "first_crs_day", "first_crs_grade", "max_grade", "recurrence_interval_days_min",
    "recurrence_interval_days_max", "recurrence_interval_source", "hours_post_dose_min",
    "hours_post_dose_max", "treatments", "infection_workup_negative", "documented_infection",
    "tocilizumab_response", "treatment_impact", "classification", "n_episodes", "n_late_episodes",
    "criteria_version", "reasons", "dosing_interval_days_min", "dosing_interval_days_max", "periodic",
    "periodicity_basis",
)
EPISODE_CSV_FIELDS = (
    "doc_id", "patient_id", "episode", "phase", "onset_text", "cycle", "day",
    "day_after_first_dose", "hours_post_dose_min", "hours_post_dose_max", "grade", "grade_source",
    "max_temp_c", "treatments", "named_crs", "recurrent", "evidence_page", "evidence_start",
    "evidence_end", "date", "day_source", "hours_source", "summary",
)
TIMELINE_CSV_FIELDS = (
    "doc_id", "patient_id", "event", "kind", "day", "date", "cycle", "cycle_day",
    "interval_days_min", "interval_days_max", "evidence_page", "evidence_start", "evidence_end",
    "evidence_text",
)
MENTION_CSV_FIELDS = (
    "doc_id", "patient_id", "label", "text", "start", "end", "page", "norm", "value",
    "is_negated", "is_hypothetical", "is_historical", "is_family", "is_uncertain",
    "is_misspelled", "rule_id", "note_id", "section",
)
MANIFEST_FIELDS = ("path", "doc_id", "status", "reason", "patients", "pages", "sha256", "row")
NOTE_CSV_FIELDS = ("patient_id", "note_id", "note_datetime", "note_type", "row", "source", "sections", "mentions",
                   "copied_sentences", "dose_events", "episodes")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return value


def _bound(values: list[float] | None, index: int) -> Any:
    return "" if not values else f"{values[index]:g}"


def patient_row(record: PatientRecord) -> dict[str, Any]:
    first = record.first_crs or {}
    return {
        "doc_id": record.doc_id,
        "patient_id": record.patient_id,
        "age": _cell(record.age),
        "sex": _cell(record.sex),
        "drugs": _cell(record.drugs),
        "drug_targets": _cell(record.drug_targets),
        "first_crs_cycle": _cell(first.get("cycle")),
        "first_crs_day": _cell(first.get("day")),
        "first_crs_grade": _cell(first.get("grade")),
        "max_grade": _cell(record.max_grade),
        "recurrence_interval_days_min": _bound(record.recurrence_interval_days, 0),
        "recurrence_interval_days_max": _bound(record.recurrence_interval_days, 1),
        "recurrence_interval_source": _cell(record.recurrence_interval_source),
        "hours_post_dose_min": _bound(record.hours_post_dose, 0),
        "hours_post_dose_max": _bound(record.hours_post_dose, 1),
        "treatments": _cell(record.treatments),
        "infection_workup_negative": _cell(record.infection_workup_negative),
        "documented_infection": _cell(record.documented_infection),
        "tocilizumab_response": _cell(record.tocilizumab_response),
        "treatment_impact": _cell(record.treatment_impact),
        "classification": record.classification,
        "n_episodes": len(record.episodes),
        "n_late_episodes": sum(1 for e in record.episodes if e.phase == "late"),
        "criteria_version": _cell(record.criteria_version),
        "reasons": " | ".join(record.reasons),
        "dosing_interval_days_min": _bound(record.dosing_interval_days, 0),
        "dosing_interval_days_max": _bound(record.dosing_interval_days, 1),
        "periodic": _cell(record.periodicity.get("periodic") if record.periodicity else None),
        "periodicity_basis": _cell(record.periodicity.get("basis") if record.periodicity else None),
    }


def timeline_rows(record: PatientRecord) -> list[dict[str, Any]]:
    """One row per dose event of the patient's timeline (``timeline.csv``)."""
    rows = []
    for number, event in enumerate((record.timeline or {}).get("events", []), start=1):
        evidence = event.get("evidence") or {}
        rows.append({
            "doc_id": record.doc_id, "patient_id": record.patient_id, "event": number,
            "kind": event["kind"], "day": _cell(event.get("day")), "date": _cell(event.get("date")),
            "cycle": _cell(event.get("cycle")), "cycle_day": _cell(event.get("cycle_day")),
            "interval_days_min": _bound(event.get("interval_days"), 0),
            "interval_days_max": _bound(event.get("interval_days"), 1),
            "evidence_page": _cell(evidence.get("page")), "evidence_start": _cell(evidence.get("start")),
            "evidence_end": _cell(evidence.get("end")),
            "evidence_text": " ".join(str(evidence.get("text", "")).split())[:300],
        })
    return rows


def patient_json(record: PatientRecord) -> dict[str, Any]:
    """The ``patients.jsonl`` object: contract keys first, then the extras."""
    data = record.to_dict()
    data["miner_version"] = __version__
    return data


def _patient_of(result: DocumentResult, offset: int) -> str:
    for record in result.patients:
        seg = record.segment
        if seg and seg.get("start", -1) <= offset < seg.get("end", -1):
            return record.patient_id
    return ""


def limit_snippets(record: PatientRecord, max_chars: int) -> PatientRecord:
    """Cut every piece of source text in a record to ``max_chars`` (``--evidence-only``):
    evidence snippets, onset texts, table cells; offsets and pages stay, so a reviewer with
    access to the source can still find each one."""

    def cut(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= max_chars else text[: max(0, max_chars - 1)] + "…"

    def cut_dict(item: dict[str, Any]) -> None:
        if isinstance(item.get("text"), str):
            item["text"] = cut(item["text"])

    for episode in record.episodes:
        episode.onset_text = cut(episode.onset_text) if episode.onset_text else episode.onset_text
        episode.evidence = [dataclasses.replace(e, text=cut(e.text)) for e in episode.evidence]
    record.evidence = {k: [dataclasses.replace(e, text=cut(e.text)) for e in v] for k, v in record.evidence.items()}
    for event in (record.timeline or {}).get("events", []):
        if event.get("evidence"):
            cut_dict(event["evidence"])
    for fever in record.other_fevers:
        for item in fever.get("evidence", []):
            cut_dict(item)
    for alternative in record.alternatives:
        cut_dict(alternative.get("evidence") or {})
    for item in (record.periodicity or {}).get("evidence", []):
        cut_dict(item)
    for discrepancy in record.discrepancies:
        if isinstance(discrepancy.get("table_cell"), str):
            discrepancy["table_cell"] = cut(discrepancy["table_cell"])
    return record


_CSV_FIELDS: dict[str, tuple[str, ...]] = {
    "patients": PATIENT_CSV_FIELDS, "episodes": EPISODE_CSV_FIELDS, "timeline": TIMELINE_CSV_FIELDS,
    "mentions": MENTION_CSV_FIELDS, "manifest": MANIFEST_FIELDS,
}


def _open_outputs(stack: contextlib.ExitStack, out_dir: Path,
                  tables: dict[str, tuple[str, ...]]) -> tuple[IO[str], dict[str, csv.DictWriter[str]]]:
    """Open ``patients.jsonl`` and one CSV per table (header written) in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    jsonl = stack.enter_context((out_dir / "patients.jsonl").open("w", encoding="utf-8", newline="\n"))
    writers = {}
    for name, fields in tables.items():
        handle = stack.enter_context((out_dir / f"{name}.csv").open("w", encoding="utf-8", newline=""))
        writers[name] = csv.DictWriter(handle, fields)
        writers[name].writeheader()
    return jsonl, writers


def _write_record(record: PatientRecord, jsonl: IO[str], writers: dict[str, csv.DictWriter[str]],
                  counts: dict[str, int]) -> None:
    """One patient: its line of patients.jsonl and its rows of the patient, episode and timeline tables."""
    counts["patients"] += 1
    counts[record.classification] += 1
    jsonl.write(json.dumps(patient_json(record), ensure_ascii=False) + "\n")
    writers["patients"].writerow(patient_row(record))
    writers["episodes"].writerows(episode_rows(record))
    writers["timeline"].writerows(timeline_rows(record))


def mention_row(mention: Mention, doc_id: str, patient_id: str, note_id: str = "") -> dict[str, Any]:
    """One row of ``mentions.csv``."""
    return {
        "doc_id": doc_id, "patient_id": patient_id, "label": mention.label, "text": mention.text,
        "start": mention.start, "end": mention.end, "page": _cell(mention.page), "norm": _cell(mention.norm),
        "value": json.dumps(mention.value, sort_keys=True, ensure_ascii=False) if mention.value else "",
        "is_negated": _cell(mention.is_negated), "is_hypothetical": _cell(mention.is_hypothetical),
        "is_historical": _cell(mention.is_historical), "is_family": _cell(mention.is_family),
        "is_uncertain": _cell(mention.is_uncertain), "is_misspelled": _cell(mention.is_misspelled),
        "rule_id": mention.rule_id, "note_id": note_id, "section": _cell(mention.section),
    }


def write_outputs(results: Iterable[DocumentResult], out_dir: Path) -> dict[str, int]:
    """Write every output file; return counts (documents, ok, failed, patients, ...)."""
    ordered = sorted(results, key=lambda r: (r.path, r.doc_id))
    counts = {"documents": len(ordered), "ok": 0, "failed": 0, "skipped": 0, "patients": 0,
              "probable": 0, "possible": 0, "unlikely": 0, "mentions": 0}
    with contextlib.ExitStack() as stack:
        jsonl, writers = _open_outputs(stack, out_dir, _CSV_FIELDS)
        for result in ordered:
            counts[result.status] = counts.get(result.status, 0) + 1
            writers["manifest"].writerow({"path": result.path, "doc_id": result.doc_id, "status": result.status,
                                          "reason": result.reason, "patients": len(result.patients),
                                          "pages": result.pages, "sha256": result.sha256, "row": ""})
            for record in result.patients:
                _write_record(record, jsonl, writers, counts)
            for mention in result.mentions:
                counts["mentions"] += 1
                writers["mentions"].writerow(mention_row(mention, result.doc_id, _patient_of(result, mention.start)))
    return counts


def episode_rows(record: PatientRecord) -> list[dict[str, Any]]:
    """One row per episode of the patient (``episodes.csv``)."""
    rows = []
    for number, episode in enumerate(record.episodes, start=1):
        first = episode.evidence[0] if episode.evidence else None
        rows.append({
            "doc_id": record.doc_id, "patient_id": record.patient_id,
            "episode": number, "phase": episode.phase,
            "onset_text": _cell(episode.onset_text), "cycle": _cell(episode.cycle),
            "day": _cell(episode.day),
            "day_after_first_dose": _cell(episode.day_after_first_dose),
            "hours_post_dose_min": _bound(episode.hours_post_dose, 0),
            "hours_post_dose_max": _bound(episode.hours_post_dose, 1),
            "grade": _cell(episode.grade), "grade_source": _cell(episode.grade_source),
            "max_temp_c": _cell(episode.max_temp_c),
            "treatments": _cell(episode.treatments),
            "named_crs": _cell(episode.named_crs), "recurrent": _cell(episode.recurrent),
            "evidence_page": _cell(first.page if first else None),
            "evidence_start": _cell(first.start if first else None),
            "evidence_end": _cell(first.end if first else None),
            "date": _cell(episode.date), "day_source": _cell(episode.day_source),
            "hours_source": _cell(episode.hours_source), "summary": _cell(episode.summary),
        })
    return rows


def write_screen_outputs(results: Iterable[PatientResult], problems: Iterable[RowProblem], out_dir: Path,
                         export_id: str, *, max_snippet: int | None = None) -> dict[str, int]:
    """The outputs of ``miner screen``: those of ``extract`` keyed by patient_id, with a
    manifest row per note (and per unreadable row) and ``notes.csv``.

    Written as they come, one patient at a time, so that nothing is held but the patient
    being written: ``results`` in patient_id order, then ``problems`` (iterated only after
    the last result, by source and row) at the end of the manifest. ``max_snippet`` cuts
    every evidence snippet (``--evidence-only``)."""
    counts = {"notes": 0, "ok": 0, "failed": 0, "patients": 0, "probable": 0, "possible": 0,
              "unlikely": 0, "mentions": 0}
    with contextlib.ExitStack() as stack:
        jsonl, writers = _open_outputs(stack, out_dir, {**_CSV_FIELDS, "notes": NOTE_CSV_FIELDS})
        for result in results:
            for summary in sorted(result.notes, key=lambda s: s.note.sort_key):
                counts["notes"] += 1
                counts["ok"] += 1
                writers["notes"].writerow(note_row(summary))
                note = summary.note
                writers["manifest"].writerow({
                    "path": note.source, "doc_id": note.note_id, "status": "ok", "reason": "",
                    "patients": 1 if result.record else 0, "pages": 0,
                    "sha256": hashlib.sha256(note.text.encode("utf-8")).hexdigest(), "row": note.row})
            for note_id, mention in result.mentions:
                counts["mentions"] += 1
                writers["mentions"].writerow(mention_row(mention, export_id, result.patient_id, note_id))
            if result.record is not None:
                if max_snippet is not None:
                    limit_snippets(result.record, max_snippet)
                _write_record(result.record, jsonl, writers, counts)
        for problem in problems:
            counts["failed"] += 1
            writers["manifest"].writerow({
                "path": problem.source, "doc_id": problem.note_id, "status": "failed",
                "reason": f"row {problem.row}: {problem.reason}" if problem.row
                else f"the whole export: {problem.reason}", "patients": 0, "pages": 0, "sha256": "",
                "row": problem.row})
    return counts


def write_partitioned_parquet(out_dir: Path) -> None:
    """patients and episodes as Parquet datasets partitioned by classification / phase
    (``OUT/parquet/patients/classification=probable/...``), for cluster-side analysis. The
    CSV files are read and written in blocks, every column as text, so memory holds a block."""
    import shutil

    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.dataset as pa_dataset

    target = out_dir / "parquet"
    for name, column in (("patients", "classification"), ("episodes", "phase")):
        source = out_dir / f"{name}.csv"
        with source.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
        folder = target / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        reader = pa_csv.open_csv(
            source, read_options=pa_csv.ReadOptions(block_size=1 << 20),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
        pa_dataset.write_dataset(reader, folder, format="parquet", partitioning=[column],
                                 partitioning_flavor="hive", basename_template="part-{i}.parquet",  # stable names
                                 preserve_order=True, existing_data_behavior="overwrite_or_ignore")
