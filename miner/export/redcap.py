"""REDCap export: a data dictionary for a recurrent-CRS case form, and an import file pre-filled
from the store, so that a curator reviews values instead of typing them.

``recurrent_crs_dictionary.csv`` uses REDCap's data-dictionary columns; upload it under
Project Setup > Data Dictionary. ``recurrent_crs_import.csv`` has one row per patient and one
column per field of that dictionary (``record_id`` first, a pseudonym); upload it with the Data
Import Tool. Coded fields (radio, dropdown, yes/no) hold only the raw codes of the dictionary.

Beside each pre-filled group of fields are two companions: ``<name>_conf``, a heuristic rank in
[0, 1] of how directly the text supports the value (a grade written next to "CRS" ranks above
one derived from the ASTCT 2019 criteria, an interval stated as "every 35-40 days" above one
counted from dates); it is not a calibrated probability. And ``<name>_evidence``: the supporting
text with its document, page and character span, ``doc p.2 [5617-5821]: "..."``. Values the
text does not state are left empty, with empty companions.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from miner.export.store_data import ExportData, ExportOptions
from miner.store.duckdb_store import StoredPatient, pseudonym
from miner.store.duplicates import normalize_impact
from miner.store.targets import DRUG_TARGETS

FORM = "recurrent_crs_case"
DICTIONARY_COLUMNS: tuple[str, ...] = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation",
)
CODED_TYPES = ("radio", "dropdown", "yesno", "truefalse")
EVIDENCE_MAX_CHARS = 300
_SOURCE = "miner pre-filled; review against the evidence"


@dataclass(frozen=True)
class RedcapField:
    """One row of the data dictionary."""

    name: str
    field_type: str  # text, notes, radio, dropdown, yesno
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (raw code, label)
    section: str = ""
    note: str = ""
    validation: str = ""
    minimum: str = ""
    maximum: str = ""
    identifier: bool = False
    branching: str = ""
    required: bool = False
    annotation: str = ""

    def row(self) -> dict[str, str]:
        """The dictionary row in REDCap's column layout."""
        return {
            "Variable / Field Name": self.name,
            "Form Name": FORM,
            "Section Header": self.section,
            "Field Type": self.field_type,
            "Field Label": self.label,
            "Choices, Calculations, OR Slider Labels": " | ".join(f"{c}, {label}" for c, label in self.choices),
            "Field Note": self.note,
            "Text Validation Type OR Show Slider Number": self.validation,
            "Text Validation Min": self.minimum,
            "Text Validation Max": self.maximum,
            "Identifier?": "y" if self.identifier else "",
            "Branching Logic (Show field only if...)": self.branching,
            "Required Field?": "y" if self.required else "",
            "Custom Alignment": "",
            "Question Number (surveys only)": "",
            "Matrix Group Name": "",
            "Matrix Ranking?": "",
            "Field Annotation": self.annotation,
        }

    def codes(self) -> set[str]:
        """The raw values a coded field accepts (yes/no: 1 and 0)."""
        if self.field_type in ("yesno", "truefalse"):
            return {"1", "0"}
        return {code for code, _ in self.choices}


def _code(name: str) -> str:
    return name.lower().replace(" ", "_").replace("-", "_")


GRADES = tuple((str(g), f"Grade {g}") for g in range(1, 6))
DRUG_CHOICES = (*((_code(d), d) for d in sorted(DRUG_TARGETS)), ("other", "other"))
TARGET_CHOICES = (*((_code(t), t) for t in sorted(set(DRUG_TARGETS.values()), key=str.lower)), ("other", "other"))
INTERVAL_SOURCES = (("1", "stated"), ("2", "summary table"), ("3", "dates"), ("4", "study days"),
                    ("5", "dosing schedule"), ("9", "other"))
IMPACTS = (("1", "Continued"), ("2", "Delayed / held"), ("3", "Dose reduced or spaced"), ("4", "Discontinued"),
           ("9", "Other"))
_SOURCE_CODES = {"stated": "1", "table": "2", "dates": "3", "study days": "4", "dosing schedule": "5"}
_IMPACT_CODES = {"continued": "1", "delayed": "2", "dose reduced": "3", "discontinued": "4"}
_STEROIDS = {"corticosteroids", "steroids", "dexamethasone", "prednisone", "prednisolone", "methylprednisolone",
             "hydrocortisone"}
_ANTIPYRETICS = {"paracetamol", "acetaminophen", "metamizole", "ibuprofen", "antipyretics"}


def _companions(group: str, label: str) -> tuple[RedcapField, RedcapField]:
    return (RedcapField(f"{group}_conf", "text", f"{label}: miner confidence", validation="number", minimum="0",
                        maximum="1", note="heuristic rank 0-1 of how directly the text states it; not calibrated",
                        annotation="@READONLY"),
            RedcapField(f"{group}_evidence", "notes", f"{label}: evidence",
                        note="document, page, character span and text", annotation="@READONLY"))


FIELDS: tuple[RedcapField, ...] = (
    RedcapField("record_id", "text", "Record ID (pseudonym)", section="Source", required=True),
    RedcapField("source_doc", "text", "Source document (miner doc_id)", identifier=True),
    RedcapField("source_patient", "text", "Patient label in the source (case label or hospital id)", identifier=True),
    RedcapField("also_reported_in", "notes", "Also reported in (records linked as duplicates, with score)",
                identifier=True),
    RedcapField("age", "text", "Age at presentation (years)", section="Patient", validation="integer",
                minimum="0", maximum="120"),
    *_companions("age", "Age"),
    RedcapField("sex", "radio", "Sex", choices=(("1", "Female"), ("2", "Male"))),
    *_companions("sex", "Sex"),
    RedcapField("drug_1", "dropdown", "T-cell-engaging therapy", choices=DRUG_CHOICES, section="T-cell engager"),
    RedcapField("drug_2", "dropdown", "Second T-cell-engaging therapy", choices=DRUG_CHOICES),
    RedcapField("drug_other", "text", "Other T-cell-engaging therapies (not in the lists)"),
    RedcapField("target", "dropdown", "Target of the (first) T-cell engager", choices=TARGET_CHOICES),
    *_companions("drug", "T-cell engager"),
    RedcapField("first_crs", "yesno", "CRS in the initial phase (step-up doses, cycle 1)", section="First CRS"),
    RedcapField("first_crs_cycle", "text", "First CRS: cycle", validation="integer", minimum="1",
                branching="[first_crs] = '1'"),
    RedcapField("first_crs_day", "text", "First CRS: day of the cycle (day+2 = day 2)", validation="integer",
                minimum="1", branching="[first_crs] = '1'"),
    RedcapField("first_crs_grade", "dropdown", "First CRS: grade (ASTCT 2019)", choices=GRADES,
                branching="[first_crs] = '1'"),
    *_companions("first_crs", "First CRS"),
    RedcapField("max_grade", "dropdown", "Highest CRS grade over all episodes", choices=GRADES,
                section="Recurrent CRS"),
    RedcapField("max_grade_source", "radio", "Highest grade: as stated or derived",
                choices=(("1", "stated in the text"), ("2", "derived by ASTCT 2019 criteria"))),
    *_companions("max_grade", "Highest grade"),
    RedcapField("n_late_episodes", "text", "Number of CRS episodes after the initial phase", validation="integer",
                minimum="0"),
    RedcapField("recur_interval_min", "text", "Recurrence interval, shortest (days)", validation="number",
                minimum="0"),
    RedcapField("recur_interval_max", "text", "Recurrence interval, longest (days)", validation="number",
                minimum="0"),
    RedcapField("recur_interval_source", "dropdown", "Recurrence interval: from", choices=INTERVAL_SOURCES),
    *_companions("recur_interval", "Recurrence interval"),
    RedcapField("hours_post_dose_min", "text", "Onset after the dose, earliest (hours)", validation="number",
                minimum="0"),
    RedcapField("hours_post_dose_max", "text", "Onset after the dose, latest (hours)", validation="number",
                minimum="0"),
    *_companions("hours_post_dose", "Onset after the dose"),
    RedcapField("treat_tocilizumab", "yesno", "Treated with tocilizumab", section="Management"),
    RedcapField("treat_steroids", "yesno", "Treated with corticosteroids"),
    RedcapField("treat_antipyretic", "yesno", "Treated with antipyretics"),
    RedcapField("treat_other", "text", "Other CRS treatments"),
    *_companions("treatments", "CRS treatments"),
    RedcapField("tocilizumab_response", "yesno", "Episodes responded to tocilizumab"),
    RedcapField("infection_workup", "radio", "Infectious work-up of the late episodes",
                choices=(("1", "Negative"), ("2", "Infection found"), ("3", "Not reported"))),
    *_companions("infection_workup", "Infectious work-up"),
    RedcapField("documented_infection", "yesno", "An infection documented during the therapy"),
    RedcapField("treatment_impact", "dropdown", "Impact on the T-cell-engaging therapy", choices=IMPACTS),
    *_companions("treatment_impact", "Impact on treatment"),
    RedcapField("classification", "radio", "Recurrent late CRS (miner)", section="Classification",
                choices=(("1", "Probable"), ("2", "Possible"), ("3", "Unlikely"))),
    *_companions("classification", "Classification"),
    RedcapField("criteria_version", "text", "Criteria version"),
    RedcapField("curator_status", "radio", "Curator review", section="Curator review",
                choices=(("0", "Not reviewed"), ("1", "Confirmed"), ("2", "Corrected"), ("3", "Excluded"))),
    RedcapField("curator_comment", "notes", "Curator comment"),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}


def dictionary_rows(fields: Sequence[RedcapField] = FIELDS) -> list[dict[str, str]]:
    """The data dictionary as rows in REDCap's column layout."""
    return [f.row() for f in fields]


def import_row(patient: StoredPatient, salt: str = "", also_reported_in: Sequence[str] = ()) -> dict[str, str]:
    """One record of the import file: every field of the dictionary, coded values as raw codes."""
    r = patient.record
    row = {f.name: "" for f in FIELDS}
    row.update(record_id=pseudonym(patient.doc_id, patient.patient_id, salt), source_doc=patient.doc_id,
               source_patient=patient.patient_id, also_reported_in="; ".join(also_reported_in),
               curator_status="0")
    evidence = _dict(r.get("evidence"))
    episodes = [e for e in r.get("episodes") or [] if isinstance(e, dict)]
    segment = _segment_evidence(patient)
    if isinstance(r.get("age"), int):
        _fill(row, "age", str(r["age"]), 0.9, segment)
    if r.get("sex") in ("F", "M"):
        _fill(row, "sex", "1" if r["sex"] == "F" else "2", 0.9, segment)
    drugs = [str(d) for d in r.get("drugs") or []]
    if drugs:
        known = [_code(d) for d in drugs if _code(d) in FIELD_BY_NAME["drug_1"].codes()]
        other = [d for d in drugs if _code(d) not in FIELD_BY_NAME["drug_1"].codes()]
        row["drug_1"] = known[0] if known else "other"
        row["drug_2"] = known[1] if len(known) > 1 else ("other" if known and other else "")
        row["drug_other"] = "; ".join(other)
        targets = patient.targets
        if targets:
            row["target"] = _code(targets[0]) if _code(targets[0]) in FIELD_BY_NAME["target"].codes() else "other"
        _fill(row, "drug", None, 0.9 if evidence.get("drugs") else 0.7,
              _evidence_text(evidence.get("drugs"), patient.doc_id))
    first = r.get("first_crs") if isinstance(r.get("first_crs"), dict) else None
    initial = next((e for e in episodes if e.get("phase") == "initial"), None)
    if first:
        row["first_crs"] = "1"
        row["first_crs_cycle"] = _str(first.get("cycle"))
        row["first_crs_day"] = _str(first.get("day"))
        row["first_crs_grade"] = _grade(first.get("grade"))
        stated = initial is not None and initial.get("grade_source") == "stated"
        _fill(row, "first_crs", None, 0.9 if stated else 0.7,
              _evidence_text(_dict(initial).get("evidence"), patient.doc_id))
    elif episodes:  # episodes, none of them in the initial phase: the text tells the course without one
        _fill(row, "first_crs", None, 0.6, "no CRS episode placed in the initial phase")
        row["first_crs"] = "0"
    if isinstance(r.get("max_grade"), int):
        graded = [e for e in episodes if e.get("grade") == r["max_grade"]]
        source = graded[0].get("grade_source") if graded else None
        row["max_grade_source"] = {"stated": "1", "derived": "2"}.get(str(source), "")
        _fill(row, "max_grade", _grade(r["max_grade"]), 0.9 if source == "stated" else 0.6,
              _evidence_text(graded[0].get("evidence") if graded else None, patient.doc_id))
    late = [e for e in episodes if e.get("phase") == "late"]
    row["n_late_episodes"] = str(len(late)) if episodes else ""
    interval = _pair(r.get("recurrence_interval_days"))
    if interval:
        source = str(r.get("recurrence_interval_source") or "")
        row["recur_interval_min"], row["recur_interval_max"] = (f"{v:g}" for v in interval)
        row["recur_interval_source"] = _SOURCE_CODES.get(source, "9")
        _fill(row, "recur_interval", None, {"stated": 0.9, "table": 0.85, "dates": 0.8, "study days": 0.7,
                                            "dosing schedule": 0.6}.get(source, 0.5),
              _evidence_text(evidence.get("recurrence_interval_days"), patient.doc_id))
    hours = _pair(r.get("hours_post_dose"))
    if hours:
        row["hours_post_dose_min"], row["hours_post_dose_max"] = (f"{v:g}" for v in hours)
        timed = [e for e in episodes if _pair(e.get("hours_post_dose"))]
        stated = _dict(r.get("sources")).get("hours_post_dose") == "stated"
        _fill(row, "hours_post_dose", None, 0.9 if stated else 0.7,
              _evidence_text(timed[0].get("evidence") if timed else None, patient.doc_id))
    treatments = [str(t).lower() for t in r.get("treatments") or []]
    if treatments:
        row["treat_tocilizumab"] = "1" if "tocilizumab" in treatments else "0"
        row["treat_steroids"] = "1" if _STEROIDS & set(treatments) else "0"
        row["treat_antipyretic"] = "1" if _ANTIPYRETICS & set(treatments) else "0"
        row["treat_other"] = "; ".join(t for t in treatments if t != "tocilizumab" and t not in _STEROIDS
                                       and t not in _ANTIPYRETICS)
        spans = [ev for e in episodes for ev in e.get("evidence") or []
                 if str(ev.get("text", "")).lower() in treatments]
        _fill(row, "treatments", None, 0.8, _evidence_text(spans, patient.doc_id))
    if isinstance(r.get("tocilizumab_response"), bool):
        row["tocilizumab_response"] = "1" if r["tocilizumab_response"] else "0"
    workup = r.get("infection_workup_negative")
    if isinstance(workup, bool):
        _fill(row, "infection_workup", "1" if workup else "2", 0.85 if evidence.get("infection_workup") else 0.6,
              _evidence_text(evidence.get("infection_workup"), patient.doc_id))
    else:
        row["infection_workup"] = "3"
    if isinstance(r.get("documented_infection"), bool):
        row["documented_infection"] = "1" if r["documented_infection"] else "0"
    impact = normalize_impact(r.get("treatment_impact"))
    if impact:
        _fill(row, "treatment_impact", _IMPACT_CODES.get(impact, "9"), 0.7, f'stated: "{r.get("treatment_impact")}"')
    classification = r.get("classification")
    if classification in ("probable", "possible", "unlikely"):
        _fill(row, "classification", {"probable": "1", "possible": "2", "unlikely": "3"}[classification],
              {"probable": 0.8, "possible": 0.5, "unlikely": 0.7}[classification],
              " || ".join(str(x) for x in r.get("reasons") or []))
    row["criteria_version"] = _str(r.get("criteria_version"))
    return row


def write_redcap(data: ExportData, out: Path, options: ExportOptions) -> list[Path]:
    """``recurrent_crs_dictionary.csv`` and ``recurrent_crs_import.csv`` in the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    dictionary, records = out / "recurrent_crs_dictionary.csv", out / "recurrent_crs_import.csv"
    with dictionary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(DICTIONARY_COLUMNS))
        writer.writeheader()
        writer.writerows(dictionary_rows())
    with records.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in FIELDS])
        writer.writeheader()
        for patient in data.patients:
            linked = [f"{d.doc_id} / {d.patient_id} (score {d.duplicate_score:g})" if d.duplicate_score is not None
                      else f"{d.doc_id} / {d.patient_id}" for d in data.duplicates_of(patient)]
            writer.writerow(import_row(patient, options.salt, linked))
    return [dictionary, records]


def _fill(row: dict[str, str], group: str, value: str | None, confidence: float, evidence: str) -> None:
    """Set a field (when ``value`` is given) and its two companions."""
    if value is not None:
        row[group] = value
    row[f"{group}_conf"] = f"{confidence:.2f}"
    row[f"{group}_evidence"] = evidence


def _evidence_text(spans: Any, doc_id: str = "") -> str:
    """``doc p.2 [5617-5821]: "text"`` for each span (text cut at EVIDENCE_MAX_CHARS), joined by " || ".

    A span read from a summary table has no character offsets (-1): it is cited as a table cell.
    """
    if isinstance(spans, dict):
        spans = [spans]
    parts = []
    for span in spans or []:
        if not isinstance(span, dict):
            continue
        text = " ".join(str(span.get("text") or "").split())
        if len(text) > EVIDENCE_MAX_CHARS:
            text = text[:EVIDENCE_MAX_CHARS - 3] + "..."
        page = f" p.{span['page']}" if span.get("page") is not None else ""
        start, end = span.get("start"), span.get("end")
        where = f"[{start}-{end}]" if isinstance(start, int) and start >= 0 else "[table cell]"
        parts.append(f"{span.get('doc_id') or doc_id}{page} {where}: \"{text}\"".strip())
    return " || ".join(dict.fromkeys(parts))


def _segment_evidence(patient: StoredPatient) -> str:
    segment = patient.record.get("segment")
    if isinstance(segment, dict) and segment.get("start") is not None:
        page = f" p.{segment['page']}" if segment.get("page") is not None else ""
        return f"{patient.doc_id}{page} [{segment.get('start')}-{segment.get('end')}]: the patient's section"
    return f"{patient.doc_id}: stated in the patient's text"


def _grade(value: Any) -> str:
    return str(value) if isinstance(value, int) and 1 <= value <= 5 else ""


def _pair(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        return float(value[0]), float(value[1])
    return None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
