"""The HTML report without a browser: self-contained, complete, evidence-only, 1,000 patients."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.report import build_report, load_outputs, render_timeline, write_report
from miner.report.evidence import collect_evidence, link_reasons, redact_record, truncate
from miner.report.html import snippet_marks
from miner.report.load import MentionMark, ReportInputs
from miner.report.timeline_svg import GRADE_COLOURS, narrative_order, place_items

from .conftest import SEED_PDF

RUNNER = CliRunner()
BLOCK = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)
# a URL in an attribute or in CSS that the browser would fetch
EXTERNAL = re.compile(r"""(?:\b(?:src|href|action|poster|data|srcset|xlink:href)\s*=\s*["']?\s*(?:https?:)?//)"""
                      r"""|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I)


def blocks(page: str) -> dict[str, Any]:
    return {name: json.loads(body) for name, body in BLOCK.findall(page)}


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "patients.jsonl").read_text(encoding="utf-8").splitlines()]


def js_string(text: str) -> str:
    """How a piece of text appears inside the page's JSON blocks."""
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    return body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@pytest.fixture(scope="module")
def reports(seed_output: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("reports")
    full, shared = folder / "full.html", folder / "shared.html"
    assert RUNNER.invoke(app, ["report", str(seed_output), "--out", str(full)]).exit_code == 0
    result = RUNNER.invoke(app, ["report", str(seed_output), "--out", str(shared), "--evidence-only",
                                 "--max-snippet", "60"])
    assert result.exit_code == 0, result.output
    return {"full": full.read_text(encoding="utf-8"), "shared": shared.read_text(encoding="utf-8")}


@pytest.mark.parametrize("kind", ["full", "shared"])
def test_no_external_resources(reports: dict[str, str], kind: str) -> None:
    page = reports[kind]
    assert not EXTERNAL.findall(page)
    assert "<link" not in page.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert "default-src 'none'" in page  # and the browser is told to fetch nothing


def test_every_patient_is_present(seed_output: Path, reports: dict[str, str]) -> None:
    expected = {(r["doc_id"], r["patient_id"]) for r in records(seed_output)}
    assert len(expected) == 5
    for page in reports.values():
        data = blocks(page)
        rows = data["cohort-data"]
        assert {(r["d"], r["p"]) for r in rows} == expected
        details = {(data[f"pd-{r['i']}"]["record"]["doc_id"], data[f"pd-{r['i']}"]["record"]["patient_id"])
                   for r in rows}
        assert details == expected


def test_full_report_carries_the_source_text_and_its_mentions(reports: dict[str, str]) -> None:
    from miner.extract import read_document

    text = read_document(SEED_PDF).text
    data = blocks(reports["full"])
    sources = [v for k, v in data.items() if k.startswith("src-")]
    assert len(sources) == 1 and sources[0]["text"] == text
    drug = data["meta-data"]["labels"].index(["DRUG", "#aa9cfc"])
    assert any(text[s:e] == "talquetamab" and label == drug for s, e, label, _ in sources[0]["marks"])
    case4 = next(v for k, v in data.items() if k.startswith("pd-") and v["record"]["patient_id"] == "Case 4")
    located = [e for e in case4["evidence"] if e["src"] is not None]
    assert located and all(text[e["start"]:e["end"]] for e in located)
    # every reason's citation found its evidence
    cites = [p for r in case4["reasons"] for p in r["parts"] if "c" in p]
    assert cites and all(p["e"] is not None for p in cites)


def _sentence_outside_evidence(seed_output: Path) -> str:
    from miner.extract import read_document

    text = read_document(SEED_PDF).text
    spans = [(e.start, e.end) for r in records(seed_output) for e in collect_evidence(r) if e.start >= 0]
    for match in re.finditer(r"[A-Z][^.\n]{60,200}\.", text):
        if not any(s < match.end() and match.start() < e for s, e in spans):
            return match.group(0)
    raise AssertionError("no sentence outside the evidence")


def test_evidence_only_leaves_out_the_source_text(seed_output: Path, reports: dict[str, str]) -> None:
    sentence = _sentence_outside_evidence(seed_output)
    assert js_string(sentence) in reports["full"]
    assert js_string(sentence) not in reports["shared"]
    assert sentence not in reports["shared"]
    data = blocks(reports["shared"])
    assert not [k for k in data if k.startswith("src-")]
    assert data["meta-data"]["evidence_only"] is True


def _strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, k)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, key)]
    return [(key, value)] if isinstance(value, str) else []


def test_evidence_only_snippets_are_cut(seed_output: Path, reports: dict[str, str]) -> None:
    data = blocks(reports["shared"])
    patients = [v for k, v in data.items() if k.startswith("pd-")]
    longest = max(len(e.text) for r in records(seed_output) for e in collect_evidence(r))
    assert longest > 60  # the seed's evidence sentences are longer than the limit
    for patient in patients:
        assert all(len(e["text"]) <= 60 for e in patient["evidence"])
        assert all(len(p["q"]) <= 60 for r in patient["reasons"] for p in r["parts"] if "q" in p)
        for key, text in _strings(patient["record"]):
            if key != "reasons":
                assert len(text) <= 60, (key, text)


def test_a_thousand_patients(seed_output: Path, tmp_path: Path) -> None:
    template = records(seed_output)[0]
    out = tmp_path / "big"
    out.mkdir()
    for name in ("manifest.csv", "mentions.csv"):
        shutil.copy(seed_output / name, out / name)
    with (out / "patients.jsonl").open("w", encoding="utf-8") as handle:
        for n in range(1000):
            handle.write(json.dumps({**template, "patient_id": f"P{n:04d}"}, ensure_ascii=False) + "\n")
    summary = write_report(out)
    page = summary.path.read_text(encoding="utf-8")
    data = blocks(page)
    assert len(data["cohort-data"]) == 1000
    assert {r["p"] for r in data["cohort-data"]} == {f"P{n:04d}" for n in range(1000)}
    assert len([k for k in data if k.startswith("pd-")]) == 1000
    assert len([k for k in data if k.startswith("src-")]) == 1  # the shared document once, not per patient
    # about the size of the records themselves: no per-patient copy of the source or the script
    assert summary.size_bytes < 2 * (out / "patients.jsonl").stat().st_size + 1_000_000
    assert page.count("function highlight(") == 1


def test_unreadable_source_gives_snippets_and_a_notice(tmp_path: Path) -> None:
    pdf = tmp_path / "case.pdf"
    shutil.copy(SEED_PDF, pdf)
    out = tmp_path / "out"
    assert RUNNER.invoke(app, ["extract", str(pdf), "--out", str(out)]).exit_code == 0
    pdf.unlink()
    result = RUNNER.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    data = blocks(page)
    assert not [k for k in data if k.startswith("src-")]
    assert "could not be read again" in page
    patient = data["pd-0"]
    assert patient["notice"] and patient["evidence"]
    assert all(e["src"] is None and e["text"] for e in patient["evidence"])


def test_report_of_a_note_export(tmp_path: Path) -> None:
    export = tmp_path / "notes.csv"
    export.write_text(
        "patient_id,note_id,note_datetime,text\n"
        'P1,N1,2024-03-01 10:00,"C1D1 teclistamab 0.06 mg/kg SC given (step-up dose 1)."\n'
        'P1,N2,2024-03-03 09:00,"Fever 38.9 C, 40 h after step-up dose. Grade 1 CRS. Given tocilizumab."\n'
        'P1,N3,2024-04-02 08:00,"Fever 39.1 C the day after C2D1 teclistamab. Recurrent CRS grade 1. '
        'Blood cultures negative. No evidence of pneumonia."\n', encoding="utf-8")
    out = tmp_path / "out"
    RUNNER.invoke(app, ["screen", str(export), "--out", str(out)])
    assert (out / "notes.csv").is_file()
    summary = write_report(out)
    data = blocks(summary.path.read_text(encoding="utf-8"))
    notes = {v["key"]: v for k, v in data.items() if k.startswith("src-")}
    assert set(notes) == {"N1", "N2", "N3"}
    assert notes["N3"]["text"].startswith("Fever 39.1 C the day after C2D1")
    marks = {notes["N3"]["text"][s:e]: flags for s, e, _, flags in notes["N3"]["marks"]}
    assert marks.get("pneumonia", 0) & 1  # negated
    patient = data["pd-0"]
    assert {e["doc"] for e in patient["evidence"]} <= {"N1", "N2", "N3"}
    assert any(e["src"] is not None for e in patient["evidence"])


def test_data_cannot_break_out_of_its_script_block(tmp_path: Path) -> None:
    record = {"doc_id": "d", "patient_id": "</script><script>alert(1)</script>", "classification": "possible",
              "episodes": [], "reasons": [], "drugs": []}
    inputs = ReportInputs(out_dir=tmp_path, mode="documents", records=[record], labels=["DRUG"], mentions={})
    page = build_report(inputs)
    assert "<script>alert(1)" not in page
    assert blocks(page)["pd-0"]["record"]["patient_id"] == record["patient_id"]


def test_cli_report_of_a_folder_without_outputs(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert not (tmp_path / "report.html").exists()


# ---- pure parts -----------------------------------------------------------------------------

def _episode(**kw: Any) -> dict[str, Any]:
    return {"phase": "late", "grade": None, "named_crs": True, "summary": False, "treatments": [],
            "day_after_first_dose": None, "date": None, "evidence": [], **kw}


def test_timeline_uses_study_days_when_given() -> None:
    record = {"episodes": [_episode(phase="initial", day_after_first_dose=2, grade=2, max_temp_c=39.2,
                                    treatments=["tocilizumab"]),
                           _episode(day_after_first_dose=30, grade=1, treatments=["dexamethasone"])],
              "timeline": {"first_dose_date": None, "events": [
                  {"kind": "step_up", "day": 1, "date": None}, {"kind": "dose", "day": 29, "date": None},
                  {"kind": "schedule_change", "day": 57, "date": None, "interval_days": [28.0, 28.0]}]}}
    assert place_items(record).mode == "day"
    svg = render_timeline(record)
    assert svg.count('class="episode-mark') == 2
    assert f'fill="{GRADE_COLOURS[2]}"' in svg and f'fill="{GRADE_COLOURS[1]}"' in svg
    assert "39.2\u00b0C" in svg
    assert svg.count('class="dose-tick') == 2 and 'class="dose-tick step-up"' in svg
    assert "\u2192 every 28 d" in svg
    assert 'class="treatment il6"' in svg and 'class="treatment steroid"' in svg


def test_timeline_falls_back_to_the_order_of_the_text() -> None:
    ev = [{"text": "x", "start": 100, "end": 101, "doc_id": "d"}]
    record = {"episodes": [_episode(phase="initial", evidence=ev),
                           _episode(evidence=[{"text": "y", "start": 500, "end": 501, "doc_id": "d"}])],
              "timeline": {"events": [{"kind": "schedule_change", "day": None, "date": None, "interval_days": [30, 30],
                                       "evidence": {"text": "z", "start": 300, "end": 301, "doc_id": "d"}}]}}
    placement = place_items(record)
    assert placement.mode == "order"
    assert narrative_order(record) == [("episode", 0), ("note", 0), ("episode", 1)]
    assert "order in the text" in render_timeline(record)


def test_timeline_dates_give_study_days_from_the_first_dose() -> None:
    record = {"episodes": [_episode(date="2024-03-11")],
              "timeline": {"first_dose_date": "2024-03-01", "events": []}}
    placement = place_items(record)
    assert placement.mode == "day" and placement.items[0].x == 11


def test_reasons_are_linked_to_their_evidence() -> None:
    record = {"doc_id": "notes", "reasons": [
        'T-cell engager: talquetamab [chars 5-16: "talquetamab"].',
        "Episodes responded to IL-6 blockade (tocilizumab).",
        'Odd [chars 1-2: "q"].'],
        "episodes": [_episode(evidence=[{"text": "given tocilizumab", "start": 0, "end": 17, "doc_id": "N2"}])],
        "evidence": {"drugs": [{"text": "other", "start": 5, "end": 16, "doc_id": "N1"},
                               {"text": "talquetamab", "start": 5, "end": 16, "doc_id": "N2"}]}}
    evidence = collect_evidence(record)
    linked = link_reasons(record, evidence)
    cite = linked[0].parts[1]
    assert not isinstance(cite, str) and evidence[cite.evidence or 0].doc_id == "N2"  # same span, told by the quote
    assert [evidence[i].text for i in linked[1].related] == ["given tocilizumab"]
    odd = linked[2].parts[1]
    assert not isinstance(odd, str) and odd.evidence is None


def test_redaction_cuts_every_string_but_keeps_the_reason_words() -> None:
    long = "fever " * 40
    record = {"onset_text": long, "reasons": [f'Late CRS [p. 1, chars 0-240: "{long}"].'],
              "episodes": [{"evidence": [{"text": long, "start": 0, "end": 240}]}]}
    cut = redact_record(record, 30)
    assert len(cut["onset_text"]) == 30 and cut["onset_text"].endswith("\u2026")
    assert cut["episodes"][0]["evidence"][0]["text"] == truncate(long, 30)
    assert cut["reasons"][0].startswith("Late CRS [p. 1, chars 0-240: \"") and len(cut["reasons"][0]) < 80
    assert record["onset_text"] == long  # the input is left alone


def test_snippet_marks_only_where_the_text_agrees() -> None:
    mentions = [MentionMark(10, 15, 0, 0, "fever"), MentionMark(20, 23, 1, 1, "CRS"),
                MentionMark(40, 45, 0, 0, "later")]
    assert snippet_marks(mentions, 10, "fever and the CRS") == [[0, 5, 0, 0]]  # "CRS" is not at 10-13 of it
    assert snippet_marks(mentions, 10, "fever and CRS x") == [[0, 5, 0, 0], [10, 13, 1, 1]]
    assert snippet_marks(mentions, 10, "fever and CRS and more words until 45") == [[0, 5, 0, 0], [10, 13, 1, 1]]


def test_load_outputs_needs_patients_jsonl(tmp_path: Path) -> None:
    from miner.report import ReportInputError

    with pytest.raises(ReportInputError):
        load_outputs(tmp_path)
