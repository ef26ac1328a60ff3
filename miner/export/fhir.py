"""FHIR R4 export: one Bundle (type ``collection``) per patient, one ``.json`` file each.

Resources, built as plain JSON and validated with the R4B models of ``fhir.resources`` (R4B
is R4 for these five resources):

- ``Patient``: a pseudonymous id only (16 hex digits of SHA-256 over the salt, doc_id and
  patient_id), gender, and the security label PSEUDED;
- ``Observation`` (LOINC 30525-0 Age) when the age is stated;
- ``MedicationStatement`` for each T-cell engager (status ``stopped`` when the treatment was
  discontinued, ``active`` when continued, else ``unknown``);
- ``AdverseEvent`` for each CRS episode: severity and seriousness from the grade (grade 1 mild,
  2 moderate, 3 or more severe; grade 3 or more serious), outcome (``fatal`` for grade 5,
  ``resolved`` when the episode's evidence says it resolved, else ``unknown``), the drugs as
  ``suspectEntity``, the date when known;
- ``Condition`` "recurrent late cytokine release syndrome" for a probable (verification status
  ``provisional``) or possible (``differential``) patient, referenced by the late episodes as
  their ``resultingCondition``.

No text of the source is copied into a bundle (note exports would carry it out of the hospital);
the grade, phase and timing of each episode are given as coded or numeric values in the event
text built here.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from miner.export.store_data import ExportData, ExportOptions
from miner.store.duckdb_store import StoredPatient, pseudonym
from miner.store.duplicates import normalize_impact

SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
SECURITY = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
MODELS: dict[str, Any] = {"Patient": Patient, "Observation": Observation, "MedicationStatement": MedicationStatement,
                          "AdverseEvent": AdverseEvent, "Condition": Condition, "Bundle": Bundle}
_RESOLVED = re.compile(r"\bresol(?:ved|ution|ving)\b|\brecover(?:ed|y)\b|\bdefervesc", re.I)
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def patient_bundle(patient: StoredPatient, salt: str = "") -> dict[str, Any]:
    """The Bundle of one patient as FHIR JSON, validated (raises pydantic's ValidationError if not)."""
    record = patient.record
    pid = pseudonym(patient.doc_id, patient.patient_id, salt)
    entries: list[dict[str, Any]] = []

    def add(kind: str, index: int, resource: dict[str, Any]) -> str:
        rid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:miner:{pid}:{kind}:{index}"))
        resource = {"resourceType": kind, "id": rid, **resource}
        MODELS[kind].model_validate(resource)
        entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": resource})
        return f"urn:uuid:{rid}"

    subject = {"reference": add("Patient", 0, {
        "meta": {"security": [{"system": SECURITY, "code": "PSEUDED", "display": "pseudonymized"}]},
        "identifier": [{"system": "urn:miner:pseudonym", "value": pid}],
        "gender": {"F": "female", "M": "male"}.get(str(record.get("sex") or ""), "unknown"),
    })}
    if isinstance(record.get("age"), int):
        add("Observation", 0, {
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "30525-0", "display": "Age"}],
                     "text": "Age at presentation"},
            "subject": subject,
            "valueQuantity": {"value": record["age"], "unit": "years", "system": "http://unitsofmeasure.org",
                              "code": "a"},
        })
    impact = normalize_impact(record.get("treatment_impact"))
    first_dose = (record.get("timeline") or {}).get("first_dose_date")
    drugs = []
    for i, drug in enumerate(record.get("drugs") or []):
        statement: dict[str, Any] = {
            "status": {"discontinued": "stopped", "continued": "active", "dose reduced": "active",
                       "delayed": "on-hold"}.get(impact or "", "unknown"),
            "medicationCodeableConcept": {"text": str(drug)},
            "subject": subject,
        }
        targets = patient.targets
        if targets:
            statement["note"] = [{"text": f"T-cell-engaging therapy; target {', '.join(targets)}"}]
        if isinstance(first_dose, str) and _DATE.match(first_dose):
            statement["effectivePeriod"] = {"start": first_dose}
        drugs.append({"instance": {"reference": add("MedicationStatement", i, statement)}})
    condition = None
    classification = record.get("classification")
    if classification in ("probable", "possible"):
        condition = add("Condition", 0, {
            "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION,
                                               "code": "provisional" if classification == "probable"
                                               else "differential"}]},
            "code": {"text": "Recurrent late cytokine release syndrome"},
            "subject": subject,
            "note": [{"text": f"miner classification: {classification} (criteria {record.get('criteria_version')})"}],
        })
    for i, episode in enumerate(record.get("episodes") or []):
        add("AdverseEvent", i, _adverse_event(episode, subject, drugs, condition))
    bundle = {"resourceType": "Bundle", "id": pid, "type": "collection",
              "identifier": {"system": "urn:miner:pseudonym", "value": pid}, "entry": entries}
    Bundle.model_validate(bundle)
    return bundle


def write_fhir(data: ExportData, out: Path, options: ExportOptions) -> list[Path]:
    """One ``<pseudonym>.json`` Bundle per patient in the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for patient in data.patients:
        bundle = patient_bundle(patient, options.salt)
        path = out / f"{bundle['id']}.json"
        path.write_text(json.dumps(bundle, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _adverse_event(episode: dict[str, Any], subject: dict[str, str], drugs: list[dict[str, Any]],
                   condition: str | None) -> dict[str, Any]:
    grade = episode.get("grade") if isinstance(episode.get("grade"), int) else None
    late = episode.get("phase") == "late"
    words = ["Cytokine release syndrome", "late" if late else "initial phase"]
    if grade is not None:
        words.append(f"grade {grade} ({episode.get('grade_source') or 'ASTCT 2019'})")
    hours = episode.get("hours_post_dose")
    if isinstance(hours, list) and len(hours) == 2 and None not in hours:
        words.append(f"{hours[0]:g}-{hours[1]:g} h after the dose" if hours[0] != hours[1]
                     else f"{hours[0]:g} h after the dose")
    event: dict[str, Any] = {"actuality": "actual", "event": {"text": ", ".join(words)}, "subject": subject}
    date = episode.get("date")
    if isinstance(date, str) and _DATE.match(date):
        event["date"] = date
    if grade is not None:
        event["severity"] = {"coding": [{"system": SEVERITY, "code": "mild" if grade <= 1 else
                                         "moderate" if grade == 2 else "severe"}]}
        serious = grade >= 3
        event["seriousness"] = {"coding": [{"system": SERIOUSNESS, "code": "serious" if serious else "non-serious",
                                            "display": "Serious" if serious else "Non-serious"}]}
    texts = " ".join(str(e.get("text") or "") for e in episode.get("evidence") or [])
    outcome = "fatal" if grade == 5 else "resolved" if _RESOLVED.search(texts) else "unknown"
    event["outcome"] = {"coding": [{"system": OUTCOME, "code": outcome}]}
    if drugs:
        event["suspectEntity"] = drugs
    if condition and late:
        event["resultingCondition"] = [{"reference": condition}]
    return event
