"""``miner_sections``: note section headers on tiny inline notes, with exact token spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from miner.pipeline.rules import RuleError
from miner.pipeline.sections import Section, SectionDetector, SectionRule, load_section_rules


def _sections(nlp, text: str) -> list[tuple[str | None, str, int, int]]:  # type: ignore[no-untyped-def]
    """(category, header text, body start, body end) of each section."""
    doc = nlp(text)
    return [(s.category, doc[s.title_start:s.title_end].text, s.body_start, s.body_end) for s in doc._.sections]


def test_headers_start_lines_and_end_with_a_colon_or_a_line_break(nlp) -> None:  # type: ignore[no-untyped-def]
    # tokens: Seen | today | . | \n | Medications | : | tocilizumab | PRN | \n | HOSPITAL | COURSE | \n | Fever | .
    assert _sections(nlp, "Seen today.\nMedications: tocilizumab PRN\nHOSPITAL COURSE\nFever.") == [
        (None, "", 0, 4), ("medications", "Medications:", 6, 9), ("hospital_course", "HOSPITAL COURSE\n", 12, 14)]


def test_a_header_inside_a_line_is_not_a_section(nlp) -> None:  # type: ignore[no-untyped-def]
    assert _sections(nlp, "She takes no medications: none.") == [(None, "", 0, 7)]


def test_the_longest_header_wins_before_line_starts_are_checked(nlp) -> None:  # type: ignore[no-untyped-def]
    # "Past Medical History:" and "Medical History:" both match; the longer one is kept
    assert _sections(nlp, "Past Medical History: CRS after teclistamab") == [
        ("past_medical_history", "Past Medical History:", 4, 7)]


def test_rules_reject_unknown_keys_and_repeated_headers(nlp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleError):
        SectionRule.from_dict({"id": "s", "category": "labs", "headers": ["Labs"], "max_scope": 3})
    rule = {"id": "s", "category": "labs", "headers": ["Labs", "labs"]}
    path = tmp_path / "sections.jsonl"
    path.write_text(json.dumps(rule) + "\n", encoding="utf-8")
    with pytest.raises(RuleError, match="listed twice"):
        SectionDetector(nlp, load_section_rules([path]))
    detector = SectionDetector(nlp, [SectionRule.from_dict({**rule, "headers": ["Labs"]})])
    detector.to_disk(tmp_path / "saved")
    assert detector.from_disk(tmp_path / "saved").rules == [SectionRule("s", "labs", ("Labs",))]
    doc = detector(nlp.make_doc("Labs:\nCRP 120"))
    assert doc._.sections == [Section("labs", 0, 2, 2, 5)]
