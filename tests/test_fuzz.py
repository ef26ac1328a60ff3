"""Property-based tests: random and mutated text and PDFs never raise anything but the
documented IngestError, and the parsers keep their offsets honest."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miner.grading import find_findings
from miner.ingest.document import IngestError, Page, SourceDocument
from miner.ingest.notes import parse_datetime
from miner.measures import find_grades, find_temperatures
from miner.temporal import TemporalSettings, find_time_expressions, find_time_expressions_in_narrative

REPO = Path(__file__).resolve().parents[1]
SEED_PDF = (REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf").read_bytes()

CLINICAL = ["fever", "38.9 °C", "101.2F", "CRS", "grade 2", "G1-2", "C3D15", "day+2", "teclistamab", "every 2 weeks",
            "q2w", "24-48 h after each dose", "tocilizumab", "no", "not", "cultures negative", "on 3/4", "yesterday",
            "\n\n", "\n", ";", ".", "(", ")", "|", "\t", "HPI:", "Medications:", "BP 84/50", "2 L NC", "norepinephrine",
            "Patient 2", "Case 1:", "27/2:", "?", "°", "-", "–", "×", "é", "\u00a0"]
clinical_text = st.lists(st.one_of(st.sampled_from(CLINICAL), st.text(max_size=12)), max_size=60).map(" ".join)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(text=clinical_text)
def test_time_parser_keeps_offsets(text: str) -> None:
    reference = TemporalSettings(reference_date=__import__("datetime").date(2025, 3, 6))
    for values in (find_time_expressions(text), find_time_expressions(text, reference),
                   find_time_expressions_in_narrative(text)):
        for value in values:
            assert text[value.start : value.end] == value.text


@FUZZ
@given(text=clinical_text)
def test_measures_and_findings_keep_offsets(text: str) -> None:
    for found in (*find_temperatures(text), *find_grades(text)):
        assert text[found.start : found.end] == found.text
    for finding in find_findings(text):
        assert text[finding.start : finding.end] == finding.text


@FUZZ
@given(value=st.one_of(st.text(max_size=30), st.sampled_from(["2025-03-14T09:30", "14/03/2025", "03/14/2025 10:00",
                                                             "31/02/2025", "2025-13-01", "", "nan"])))
def test_note_dates_parse_or_say_none(value: str) -> None:
    parsed = parse_datetime(value)
    assert parsed is None or parsed.year > 0


@pytest.fixture(scope="module")
def fuzz_extractor(extractor):  # type: ignore[no-untyped-def]
    return extractor


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=clinical_text)
def test_the_whole_pipeline_survives_random_text(fuzz_extractor, text: str) -> None:  # type: ignore[no-untyped-def]
    document = SourceDocument("fuzz", "fuzz.txt", text, [Page(1, 0, len(text))])
    result = fuzz_extractor.extract(document)
    for mention in result.mentions:
        assert text[mention.start : mention.end] == mention.text
    for patient in result.patients:
        assert patient.classification in ("probable", "possible", "unlikely")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_pdfs_fail_cleanly(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    from miner.ingest.pdf import read_pdf

    pdf = bytearray(SEED_PDF)
    for _ in range(data.draw(st.integers(1, 40))):
        position = data.draw(st.integers(0, len(pdf) - 1))
        pdf[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(pdf) // 2, len(pdf)))
    path = tmp_path_factory.mktemp("pdf") / "mutated.pdf"
    path.write_bytes(bytes(pdf[:cut]))
    try:
        document = read_pdf(path)
    except IngestError as err:
        assert err.reason
    else:
        assert document.text
