"""Summary tables with one row per patient: read them, link them to the narrative.

A header is sorted into a field by its words ("First CRS (timing, grade)" -> first CRS,
"Recurrent CRS (timing)" -> recurrence, "CRS management" -> treatments,
"Premedication" -> ignored). The cells are read with the same mention extractor as the
body text, passed in as a function so that this module stays free of spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from miner.episodes.builder import find_age_sex
from miner.episodes.model import Episode, Evidence, Mention, PatientRecord
from miner.episodes.timeline import duration_days
from miner.grading import derive_from_text
from miner.ingest.document import Table
from miner.labels import CRS, DRUG, GRADE, INFECTION, TIMING, TREATMENT
from miner.temporal import find_time_expressions
from miner.temporal.columns import elapsed_hours

MentionFinder = Callable[[list[str]], list[list[Mention]]]

_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("premedication", re.compile(r"pre-?medicat|prophyla", re.I)),
    ("management", re.compile(r"manag|treatment of|crs treatment|therap\w* (?:of|for) crs|"
                              r"intervention|treated with|^treatment$|^management", re.I)),
    ("first", re.compile(r"first|initial|step-?up|early|priming|c1", re.I)),
    ("recurrence", re.compile(r"recurr|late|subsequent|interval|pattern|later|repeat|cyclic", re.I)),
    # "Onset after dose", "Time from dose", "Hours post-dose": how long after the dose the late fevers came
    ("onset", re.compile(r"onset|latency|time (?:from|after|since)|hours? (?:post|after)|post-?dose", re.I)),
    ("infection", re.compile(r"infect|work-?up|culture|microbio", re.I)),
    ("impact", re.compile(r"impact|outcome|effect on|course|action", re.I)),
    ("age_sex", re.compile(r"\bage\b|\bsex\b|gender|age/sex", re.I)),
    ("id", re.compile(r"^(?:case|patient|pt\.?|no\.?|#|id|subject|n)\s*(?:#|no\.?)?$", re.I)),
    ("drug", re.compile(r"bispecific|agent|drug|bsab|product|therapy|regimen|car-?t|engager", re.I)),
)
# a late-fever cell that counts one episode: "1, ~30 h post dose", "one (C6D2)", "single episode"
_SINGLE_EPISODE_CELL = re.compile(
    r"\s*(?:1|one|single|once)\b(?!\s*(?:-|–|to)\s*\d)(?![.,]\d)"
    r"(?!\s*(?:h|hrs?|hours?|d|days?|w|wks?|weeks?|months?|mg|x)\b)", re.IGNORECASE)
_INTERVAL_HEADER = re.compile(r"interval|frequency|periodicity|every", re.I)
_NOT_CRS = re.compile(r"\bnot\s+(?:a\s+|late\s+)?(?:CRS|cytokine release)", re.IGNORECASE)
_NONE = re.compile(r"^\s*(?:none|no\b|nil|absent|not? (?:observed|reported)|—|-|n/?a)\b", re.I)
_ID_CELL = re.compile(r"(?:case|patient|pt\.?)?\s*#?\s*(\d{1,3}|[A-J])\b", re.I)


@dataclass
class TableRow:
    """What one table row says about one patient."""

    number: int | None
    label: str
    page: int | None
    cells: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)


def classify_header(header: str) -> str | None:
    """The field a column header stands for, or None."""
    for name, pattern in _COLUMNS:
        if pattern.search(header.strip()):
            return name
    return None


def _row_number(cell: str) -> int | None:
    match = _ID_CELL.match(cell.strip())
    if not match:
        return None
    token = match.group(1)
    return int(token) if token.isdigit() else ord(token.upper()) - ord("A") + 1


def is_patient_table(table: Table) -> bool:
    """A table whose header names patients and at least one CRS-related column."""
    if len(table.rows) < 2:
        return False
    kinds = [classify_header(h) for h in table.rows[0]]
    return "id" in kinds and any(k in kinds for k in ("first", "recurrence", "management",
                                                       "drug"))


_TIME_HEADER = re.compile(r"^(?:date|day|days?\s+(?:post|after)\b.*|cycle(?:\s*/\s*day)?|cycle\s+day|"
                          r"study\s+day|time(?:point)?|week|visit|date\s*/\s*time)$", re.IGNORECASE)


def is_timeline_table(table: Table) -> bool:
    """A table of one patient's course, a row per dose or event, its first column a date,
    day or cycle ("| 21 Jan 2025 | C1D16 | CRS G2 | +28 h | ..."): part of the narrative."""
    if len(table.rows) < 3 or is_patient_table(table):
        return False
    return bool(table.rows[0]) and bool(_TIME_HEADER.match(table.rows[0][0].strip(" *")))


def read_patient_table(table: Table, find_mentions: MentionFinder, text: str = "") -> list[TableRow]:
    """Read each data row of a patient table into fields.

    Fields: ``age``, ``sex``, ``drugs``, ``first_crs`` (dict or the string "none"),
    ``recurrence_interval_days``, ``hours_post_dose``, ``treatments``,
    ``infection_workup_negative``, ``treatment_impact``.
    """
    header = table.rows[0]
    kinds = [classify_header(h) for h in header]
    rows: list[TableRow] = []
    data_rows = [r for r in table.rows[1:] if any(c.strip() for c in r)]
    flat: list[str] = [cell for row in data_rows for cell in row]
    mentions = find_mentions(flat)
    position = 0
    # cells are found in the document text, in reading order, so that evidence carries offsets
    cursor = table.start if table.start is not None else -1
    limit = table.end if table.end is not None else len(text)
    for row in data_rows:
        row_mentions = mentions[position : position + len(row)]
        position += len(row)
        id_index = kinds.index("id") if "id" in kinds else 0
        number = _row_number(row[id_index]) if id_index < len(row) else None
        label = row[id_index].strip() if id_index < len(row) else ""
        out = TableRow(number=number, label=label, page=table.page)
        for kind, head, cell, cell_mentions in zip(kinds, header, row, row_mentions,
                                                   strict=False):
            if kind is None or not cell.strip():
                continue
            # a second column of the same kind ("Late episodes", then "Interval") keeps its
            # own evidence under "kind:header"
            key = kind if kind not in out.evidence else f"{kind}:{head.strip()}"
            out.cells[key] = cell
            found = text.find(cell.strip(), cursor, limit) if text and cursor >= 0 else -1
            if found >= 0:
                cursor = found + len(cell.strip())
                out.evidence[key] = Evidence(text[found:cursor], found, cursor, table.page)
            else:
                out.evidence[key] = Evidence(f"{head}: {cell}", -1, -1, table.page)
            _read_cell(out, kind, cell, cell_mentions, head)
        if any(_NOT_CRS.search(cell) for cell in row):
            # "COVID-19, not CRS", "infections, not CRS": the row's late fevers are not CRS
            # episodes, so their timing is no CRS pattern
            for name in ("hours_post_dose", "recurrence_interval_days", "dose_linked"):
                out.fields.pop(name, None)
        rows.append(out)
    return rows


def _read_cell(row: TableRow, kind: str, cell: str, mentions: list[Mention], header: str = "") -> None:
    fields = row.fields
    if kind == "age_sex":
        age, sex = find_age_sex(cell)
        if age is None:
            digits = re.search(r"\b(\d{1,3})\b", cell)
            age = int(digits.group(1)) if digits else None
            sex_match = re.search(r"\b([MF])\b", cell)
            sex = sex_match.group(1) if sex_match else None
        fields["age"], fields["sex"] = age, sex
    elif kind == "drug":
        drugs = [m.norm for m in mentions if m.label == DRUG and m.norm]
        if drugs:
            fields["drugs"] = list(dict.fromkeys(drugs))
            fields["drug_misspelled"] = any(m.is_misspelled for m in mentions if m.label == DRUG)
    elif kind == "first":
        if _NONE.match(cell) or re.search(r"\bnone\b|\bno crs\b|well tolerated", cell, re.I):
            fields["first_crs"] = "none"
            return
        first: dict[str, int | None] = {"cycle": None, "day": None, "grade": None}
        for m in mentions:
            if m.label == TIMING and m.value and m.value.get("kind") == "cycle_day":
                first["cycle"] = m.value.get("cycle") or 1
                first["day"] = m.value.get("day")
            if m.label == GRADE and m.value and not m.value.get("qualitative"):
                first["grade"] = m.value.get("high")
        fields["first_crs"] = first
        # "G2, C1D4; tocilizumab x1": the treatment of the first episode
        treatments = [m.norm for m in mentions if m.label == TREATMENT and m.norm and not m.is_negated]
        if treatments:
            fields["first_treatments"] = list(dict.fromkeys(treatments))
    elif kind == "onset":
        # "24-48 h", "18-24 h", "~30 h": hours after the dose ("D+2" is a day, not hours)
        for value in find_time_expressions(cell):
            hours = value.hours if value.kind == "post_dose" and value.hours else elapsed_hours(value)
            if hours is not None and hours[1] <= 7 * 24:
                fields["hours_post_dose"] = [hours[0], hours[1]]
                break
    elif kind == "recurrence":
        interval_column = bool(_INTERVAL_HEADER.search(header))
        if interval_column:
            # a bare "21 d" under an "Interval" header is the interval (not a TIMING mention
            # in running text, so it is read here with the pure parser)
            for value in find_time_expressions(cell):
                days = duration_days(value.duration) if value.kind == "elapsed" else None
                if days and value.unit in ("day", "week", "month"):
                    fields["recurrence_interval_days"] = [days, days]
                    fields["interval_header"] = header.strip()
        if any(m.label == CRS and m.is_asserted for m in mentions):
            fields["late_named_crs"] = True
        for m in mentions:
            if m.label == GRADE and m.value and not m.value.get("qualitative") and m.value.get("high"):
                fields["late_grade"] = max(fields.get("late_grade") or 0, m.value["high"])
            if m.label != TIMING or not m.value:
                continue
            kind_of = m.value.get("kind")
            if kind_of == "interval" and m.value.get("interval_days"):
                fields["recurrence_interval_days"] = list(m.value["interval_days"])
                fields["interval_header"] = header.strip()
            elif kind_of == "post_dose" and m.value.get("hours"):
                fields["hours_post_dose"] = list(m.value["hours"])
        if re.search(r"post[- ]?(?:infusion|dose|administration)|after (?:each |every |the )?(?:\S+ ){0,6}doses?",
                     cell, re.I):
            fields["dose_linked"] = True
        if _SINGLE_EPISODE_CELL.match(cell):
            fields["single_late"] = True  # "1, ~30 h post dose", "one episode", "single, C6D2"
        if "late_grade" not in fields and not interval_column:
            # "4 episodes of fever <= 38.3 °C ...; no hypotension or hypoxia": ASTCT grade 1
            derived = derive_from_text(cell)
            if derived.grade is not None:
                fields["late_derived_grade"] = derived.grade
    elif kind == "management":
        treatments = [m.norm for m in mentions if m.label == TREATMENT and m.norm
                      and not m.is_negated]
        if treatments:
            fields["treatments"] = list(dict.fromkeys(treatments))
    elif kind == "infection":
        infections = [m for m in mentions if m.label == INFECTION and m.is_asserted and not m.is_uncertain]
        if infections or (re.search(r"positive|infection|grew|pneumonia|bacter", cell, re.I) and not
                          re.search(r"\bno\b|negative|none", cell, re.I)):
            # "#1 E. coli UTI (urine culture); #2 and #3 negative": one episode had an infection
            fields["infection_workup_negative"] = False
            fields["documented_infection"] = True
            if re.search(r"negative|no source|unremarkable|neg\b", cell, re.I):
                fields["infection_workup_some_negative"] = True
        elif re.search(r"negative|none|no source|unremarkable|neg\b", cell, re.I):
            fields["infection_workup_negative"] = True
            fields["documented_infection"] = False
    elif kind == "impact":
        fields["treatment_impact"] = cell.strip()


def merge_table_row(record: PatientRecord, row: TableRow) -> None:
    """Fill the record's empty fields from its table row; record disagreements.

    The narrative's own statements come first; the table fills what the narrative
    leaves null, and replaces a recurrence interval that was only inferred from the
    dosing schedule (the table states it).
    """
    f = row.fields

    columns = {"age": "age_sex", "sex": "age_sex", "drugs": "drug", "first_crs": "first",
               "recurrence_interval_days": "recurrence",
               "hours_post_dose": "onset" if "onset" in row.evidence else "recurrence"}

    def disagree(name: str, narrative: Any, table: Any) -> None:
        cell = row.evidence.get(columns.get(name.split(".")[0], name))
        record.discrepancies.append({"field": name, "narrative": narrative, "table": table,
                                     "table_cell": cell.text if cell else "",
                                     "table_page": row.page})

    if "age" in f and f["age"] is not None:
        if record.age is None:
            record.age = f["age"]
        elif record.age != f["age"]:
            disagree("age", record.age, f["age"])
    if f.get("sex"):
        if record.sex is None:
            record.sex = f["sex"]
        elif record.sex != f["sex"]:
            disagree("sex", record.sex, f["sex"])
    for drug in f.get("drugs", []):
        if drug not in record.drugs:
            if record.drugs:
                disagree("drugs", list(record.drugs), f["drugs"])
            else:
                record.drugs.append(drug)
                record.sources["drugs"] = "table"
    first = f.get("first_crs")
    if first == "none":
        if record.first_crs is not None:
            disagree("first_crs", record.first_crs, None)
    elif isinstance(first, dict):
        if record.first_crs is None:
            record.first_crs = first
            record.sources["first_crs"] = "table"
            if not any(e.phase == "initial" for e in record.episodes):
                episode = Episode(phase="initial", cycle=first.get("cycle"), day=first.get("day"),
                                  day_after_first_dose=first.get("day"), grade=first.get("grade"),
                                  grade_source="stated" if first.get("grade") else None,
                                  named_crs=True,
                                  evidence=[row.evidence["first"]] if "first" in row.evidence else [])
                record.episodes.insert(0, episode)
        else:
            for key in ("cycle", "day", "grade"):
                if first.get(key) is not None and record.first_crs.get(key) is None:
                    record.first_crs[key] = first[key]
                elif first.get(key) is not None and first[key] != record.first_crs.get(key):
                    disagree(f"first_crs.{key}", record.first_crs.get(key), first[key])
    interval = f.get("recurrence_interval_days")
    if interval:
        if record.recurrence_interval_days is None or \
                record.recurrence_interval_source == "dosing schedule":
            if record.recurrence_interval_days and record.recurrence_interval_days != interval:
                disagree("recurrence_interval_days", record.recurrence_interval_days, interval)
            record.recurrence_interval_days = interval
            record.recurrence_interval_source = "table"
            cells = [e for k, e in row.evidence.items() if k.startswith("recurrence")]
            stated_in = row.evidence.get(f"recurrence:{f.get('interval_header')}")
            record.evidence["recurrence_interval_days"] = [stated_in] + [e for e in cells if e is not stated_in] \
                if stated_in else cells
        elif record.recurrence_interval_days != interval:
            disagree("recurrence_interval_days", record.recurrence_interval_days, interval)
    hours = f.get("hours_post_dose")
    if hours:
        if record.hours_post_dose is None:
            record.hours_post_dose = hours
            record.sources["hours_post_dose"] = "table"
        elif record.hours_post_dose != hours:
            disagree("hours_post_dose", record.hours_post_dose, hours)
    if (interval or hours or f.get("dose_linked")) and not any(
            e.phase == "late" for e in record.episodes):
        record.episodes.append(Episode(
            phase="late", hours_post_dose=hours, interval_days=interval, recurrent=not f.get("single_late"),
            named_crs=bool(f.get("late_named_crs") or f.get("late_grade")), grade=f.get("late_grade"),
            grade_source="stated" if f.get("late_grade") else None,
            evidence=[row.evidence["recurrence"]] if "recurrence" in row.evidence else []))
    for name in f.get("treatments", []) + f.get("first_treatments", []):
        if name not in record.treatments:
            record.treatments.append(name)
    initial = next((e for e in record.episodes if e.phase == "initial"), None)
    if initial is not None:
        initial.treatments.extend(t for t in f.get("first_treatments", []) if t not in initial.treatments)
    late_grade = f.get("late_grade")
    for episode in record.episodes:
        if episode.phase == "late" and episode.grade is None and late_grade:
            episode.grade, episode.grade_source, episode.stated_grade = late_grade, "stated", late_grade
        elif episode.phase == "late" and episode.grade is None and f.get("late_derived_grade"):
            episode.grade, episode.grade_source = f["late_derived_grade"], "derived"
            episode.derived_grade, episode.grade_scale = f["late_derived_grade"], "ASTCT"
    if f.get("infection_workup_negative") is not None and record.infection_workup_negative is None:
        record.infection_workup_negative = f["infection_workup_negative"]
    if f.get("infection_workup_some_negative") and record.infection_workup_some_negative is None:
        record.infection_workup_some_negative = True
    if f.get("documented_infection") is not None and record.documented_infection is None:
        record.documented_infection = f["documented_infection"]
    if f.get("treatment_impact") and record.treatment_impact is None:
        record.treatment_impact = f["treatment_impact"]
    grades = [e.grade for e in record.episodes if e.grade is not None]
    if grades:
        record.max_grade = max(grades)
