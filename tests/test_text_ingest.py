"""Plain-text ingestion: encodings, tables, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from miner.ingest.document import IngestError
from miner.ingest.text import find_text_tables, read_text


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("Fièvre à 39 °C après la perfusion de talquetamab.".encode("latin-1"))
    assert "39 °C" in read_text(path).text


@pytest.mark.parametrize(("content", "reason"), [(b"", "empty"), (b"\x00\x01abc", "binary")])
def test_bad_text_files_name_the_problem(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        read_text(path)
    assert reason in str(err.value) and "bad.txt" in str(err.value)


def test_tab_and_pipe_tables() -> None:
    text = ("Table 1 Patients\nCase\tAge/Sex\tDrug\n1\t64/F\ttec\n2\t65/M\ttal\n\n"
            "| Pt | Agent |\n|---|---|\n| 1 | glofitamab |\n")
    tables = find_text_tables(text)
    assert [t.rows for t in tables] == [
        [["Case", "Age/Sex", "Drug"], ["1", "64/F", "tec"], ["2", "65/M", "tal"]],
        [["Pt", "Agent"], ["1", "glofitamab"]],
    ]
    assert tables[0].caption == "Table 1 Patients"


def test_a_space_aligned_table_of_patients() -> None:
    text = ("Table 1. Late events\n"
            "Pt    Age/sex  Drug (schedule)     CRS in C1   Onset after dose  Interpretation\n"
            "Pt 1  66/F     Teclistamab (Q2W)   G1, C1D3    24-36 h           late CRS\n"
            "Pt 2  70/M     Elranatamab (Q4W)   none        about 30 h        not CRS (UTI)\n"
            "Abbreviations: Q2W, every 2 weeks.\n\n"
            "A narrative line  with two  double spaces  is no table.\n")
    (table,) = find_text_tables(text)
    assert table.caption == "Table 1. Late events"
    assert [row[0] for row in table.rows] == ["Pt", "Pt 1", "Pt 2"]
    assert table.rows[1][4] == "24-36 h"
