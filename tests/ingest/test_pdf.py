"""Tests of the PDF reader: the seed case series, small PDFs built here, real journal PDFs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from miner.ingest.document import IngestError, SourceDocument
from miner.ingest.pdf import NO_TEXT_LAYER, _load_error_reason, read_pdf

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SEED_PDF = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"
REAL_PDFS = sorted((REPO / "corpora" / "real-pdfs").glob("*.pdf"))
SHARED_REAL_PDFS = sorted((SHARED / "corpora" / "real-pdfs").glob("*.pdf"))


# ----------------------------------------------------------------- building PDFs


Line = tuple[float, float, float, str]  # x, y (baseline, from the bottom), font size, text


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(
    pages: list[list[Line]], *, drawings: str = "", width: int = 595, height: int = 842
) -> bytes:
    """A small valid PDF with Helvetica text; lines are drawn in the order given."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for i, lines in enumerate(pages):
        stream = "".join(
            f"BT /F1 {size} Tf {x} {y} Td ({_escape(text)}) Tj ET\n" for x, y, size, text in lines
        )
        stream += drawings
        data = stream.encode("cp1252")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def paragraph(
    x: float, y: float, lines: list[str], size: float = 10, leading: float = 12
) -> list[Line]:
    return [(x, y - i * leading, size, text) for i, text in enumerate(lines)]


@pytest.fixture()
def pdf_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(data: bytes, name: str = "doc.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


# ----------------------------------------------------------------- the seed PDF


@pytest.fixture(scope="module")
def seed() -> SourceDocument:
    return read_pdf(SEED_PDF)


def test_seed_headings_in_reading_order(seed: SourceDocument) -> None:
    positions = [seed.text.find(h) for h in ("Case 1", "Case 2", "Case 3", "Case 4", "Case 5")]
    positions.append(seed.text.find("\n\nDiscussion\n\n"))
    assert -1 not in positions
    assert positions == sorted(positions)
    for heading in ("Case 1", "Case 5", "Discussion", "Case Descriptions"):
        assert f"\n\n{heading}\n\n" in seed.text


@pytest.mark.parametrize(
    "sentence",
    [
        # left column -> right column on page 1
        "Both agents are associated with high rates of cytokine release syndrome (CRS), "
        "generally occurring during the initial step-up dosing",
        # interrupted by the affiliation footnotes in the right column of page 1
        "continued DRd until cycle 12, when she relapsed with multiple skeletal lesions",
        # page 1 -> page 2
        "leading to discontinuation of teclistamab in March 2025.",
        # page 5 -> page 6
        "should therefore be interpreted with caution. For this reason, our findings underscore",
        "chest imaging [X-ray and Computed Tomography (CT)], CMV PCR",
    ],
)
def test_seed_sentences_across_breaks(seed: SourceDocument, sentence: str) -> None:
    assert sentence in seed.text


def test_seed_running_headers_and_page_numbers_removed(seed: SourceDocument) -> None:
    assert "Annals of Hematology (2026)" not in seed.text
    assert "Recurrent CRS with bispecific antibodies" not in seed.text
    assert "Vol.:(0123456789)" not in seed.text
    assert re.search(r"^\s*\d{1,3}\s*$", seed.text, re.MULTILINE) is None


def test_seed_superscripts_not_glued(seed: SourceDocument) -> None:
    assert "Pepa¹" not in seed.text
    assert "Roberta Della Pepa · Aldo Leone · Francesco Grimaldi" in seed.text
    assert "Carmine Liberatore · Fabrizio Pane" in seed.text  # raised "3,4" dropped
    assert "Liberatore3" not in seed.text


def test_seed_hyphens(seed: SourceDocument) -> None:
    # real hyphens and suspended hyphens stay, en dashes (ranges) are untouched
    assert "BCMA- or GPRC5D-targeting" in seed.text
    assert "step-up dosing" in seed.text
    assert "24–48 h post-administration every 35–40 days" in seed.text
    broken = re.findall(r"[a-z]- ([a-z]+)", seed.text)
    assert set(broken) <= {"and", "or"}, broken


def test_seed_unicode_kept(seed: SourceDocument) -> None:
    assert "(up to 39 °C)" in seed.text
    assert "daratumumab–lenalidomide–dexamethasone" in seed.text
    assert "ﬁ" not in seed.text


def test_seed_table_1(seed: SourceDocument) -> None:
    assert len(seed.tables) == 1
    table = seed.tables[0]
    assert table.page == 4
    assert table.caption is not None and table.caption.startswith("Table 1 Summary of patients")
    header, *rows = table.rows
    assert header[0] == "Case"
    assert "First CRS (timing, grade)" in header
    assert "Recurrent CRS (timing)" in header
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    first = header.index("First CRS (timing, grade)")
    recurrent = header.index("Recurrent CRS (timing)")
    assert [row[first] for row in rows] == [
        "C1 D2, G2",
        "C1 D2, G2",
        "C1 D3, G2",
        "C1 D2, G2",
        "None during step-up dose",
    ]
    assert rows[1][recurrent] == "Every 35–40 days, 24–48 h post-infusion"
    assert rows[0][header.index("Age/Sex")] == "64/F"
    assert rows[4][header.index("MM subtype")] == "light-chain κ"
    assert all(len(row) == len(header) for row in rows)


def test_seed_table_text_left_out_of_body(seed: SourceDocument) -> None:
    assert "Tecelstamab" not in seed.text
    assert "Learning points" not in seed.text
    assert "Table 1 Summary of patients" not in seed.text
    assert "are summarized in Table 1." in seed.text  # the reference to it stays


def test_seed_pages(seed: SourceDocument) -> None:
    assert [p.number for p in seed.pages] == [1, 2, 3, 4, 5, 6]
    assert seed.pages[0].start == 0 and seed.pages[-1].end == len(seed.text)
    for before, after in zip(seed.pages, seed.pages[1:], strict=False):
        assert before.end == after.start
    assert seed.page_at(seed.text.index("Case 4")) == 2
    assert seed.page_at(seed.text.index("Case 1")) == 1
    assert seed.page_at(seed.text.index("Discussion")) == 5
    assert seed.doc_id == "della-pepa-2026-recurrent-crs"


def test_seed_max_pages() -> None:
    doc = read_pdf(SEED_PDF, max_pages=1)
    assert len(doc.pages) == 1
    assert "Case 1" in doc.text and "Case 2" in doc.text and "Case 3" not in doc.text


# ----------------------------------------------------------------- built PDFs


def test_single_column_reading_order(pdf_file) -> None:  # type: ignore[no-untyped-def]
    body = paragraph(
        72, 700, ["The patient received the first dose on day 1 and", "developed fever 24 h later."]
    )
    body2 = paragraph(72, 640, ["A second episode followed the next infusion."])
    heading = [(72, 670, 10, "Case 2")]
    # drawn bottom-up: the reader must not trust the content order
    doc = read_pdf(pdf_file(make_pdf([body2 + heading + body])))
    assert doc.text == (
        "The patient received the first dose on day 1 and developed fever 24 h later."
        "\n\nCase 2\n\nA second episode followed the next infusion."
    )
    assert doc.pages[0].start == 0 and doc.pages[0].end == len(doc.text)


def test_two_columns_with_full_width_title(pdf_file) -> None:  # type: ignore[no-untyped-def]
    title = [(72, 780, 14, "Recurrent fever after bispecific antibody infusions across the page")]
    left = paragraph(72, 740, [f"left column line {i} keeps going on" for i in range(1, 7)])
    right = paragraph(320, 740, [f"right column line {i} keeps going on" for i in range(1, 7)])
    footer_wide = [
        (72, 640, 10, "A closing full-width sentence below both of the columns ends here.")
    ]
    doc = read_pdf(pdf_file(make_pdf([footer_wide + right + left + title])))
    order = [
        doc.text.index("Recurrent fever"),
        doc.text.index("left column line 1"),
        doc.text.index("left column line 6"),
        doc.text.index("right column line 1"),
        doc.text.index("right column line 6"),
        doc.text.index("A closing full-width"),
    ]
    assert order == sorted(order)
    assert "left column line 1 keeps going on left column line 2" in doc.text


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("she developed recur-", "rent fever after each dose.", "recurrent fever"),
        ("during the step-", "up dosing she had fever.", "step-up dosing"),
        ("a patient with non-", "secretory myeloma was seen.", "non-secretory myeloma"),
        ("levels of IL-", "6 were high at the time.", "IL-6 were"),
        ("teclistamab was dosed on days 2–", "4 of the first cycle.", "days 2– 4"),
    ],
)
def test_line_end_hyphens(pdf_file, first: str, second: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    lines = paragraph(72, 700, ["Recurrent fever was seen in this patient and", first, second])
    doc = read_pdf(pdf_file(make_pdf([lines])))
    assert expected in doc.text


def test_raised_reference_mark_dropped(pdf_file) -> None:  # type: ignore[no-untyped-def]
    lines: list[Line] = [
        (72, 700, 10, "Roberta Della Pepa"),
        (156.5, 704, 6, "1"),
        (72, 688, 10, "The dose was 10 mg/m"),
        (169.5, 692, 6, "2"),
    ]
    doc = read_pdf(pdf_file(make_pdf([lines])))
    assert "Roberta Della Pepa\n" in doc.text or doc.text.startswith("Roberta Della Pepa ")
    assert "Pepa1" not in doc.text and "Pepa 1" not in doc.text
    assert "10 mg/m²" in doc.text


def test_raised_mark_drawn_out_of_order_dropped(pdf_file) -> None:  # type: ignore[no-untyped-def]
    lines: list[Line] = [(72, 700, 10, "Carmine Liberatore and colleagues"), (72, 688, 10, "next")]
    marks: list[Line] = [(156.5, 704, 6, "3,4")]  # drawn last, after "Liberatore"
    doc = read_pdf(pdf_file(make_pdf([lines + marks])))
    assert "Liberatore and colleagues" in doc.text
    assert "3,4" not in doc.text


def test_running_header_and_page_numbers_removed(pdf_file) -> None:  # type: ignore[no-untyped-def]
    pages = []
    for n in range(1, 4):
        pages.append(
            [
                (72, 810, 8, f"Journal of Test Cases (2026) {n}:{100 + n}"),
                *paragraph(72, 700, [f"Body text of page {n} continues in the usual way."]),
                (290, 30, 8, str(n)),
            ]
        )
    doc = read_pdf(pdf_file(make_pdf(pages)))
    assert "Journal of Test Cases" not in doc.text
    assert re.search(r"^\d+$", doc.text, re.MULTILINE) is None
    assert [doc.page_at(doc.text.index(f"page {n}")) for n in (1, 2, 3)] == [1, 2, 3]


def test_no_text_layer(pdf_file) -> None:  # type: ignore[no-untyped-def]
    path = pdf_file(make_pdf([[]], drawings="0 0 1 rg 100 100 300 400 re f\n"))
    with pytest.raises(IngestError, match="no text layer") as info:
        read_pdf(path)
    assert info.value.reason == NO_TEXT_LAYER
    assert "OCR" in str(info.value)


def test_truncated_pdf(pdf_file) -> None:  # type: ignore[no-untyped-def]
    data = make_pdf([paragraph(72, 700, ["Some text on a page that will be cut."])])
    with pytest.raises(IngestError, match="truncated"):
        read_pdf(pdf_file(data[: len(data) // 2]))


def test_random_bytes(pdf_file) -> None:  # type: ignore[no-untyped-def]
    import random

    data = bytes(random.Random(7).randrange(256) for _ in range(4000))
    with pytest.raises(IngestError, match="not a PDF"):
        read_pdf(pdf_file(data))


def test_corrupt_pdf_body(pdf_file) -> None:  # type: ignore[no-untyped-def]
    data = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    with pytest.raises(IngestError, match="corrupt or not a PDF"):
        read_pdf(pdf_file(data))


def test_empty_and_missing_files(pdf_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IngestError, match="empty file"):
        read_pdf(pdf_file(b""))
    with pytest.raises(IngestError, match="file not found"):
        read_pdf(tmp_path / "absent.pdf")


@pytest.mark.parametrize(
    ("password", "expected"),
    [(None, "a password is needed"), ("guess", "the password given is wrong")],
)
def test_password_errors_name_the_option(password: str | None, expected: str) -> None:
    reason = _load_error_reason(4, password)
    assert expected in reason and "--password" in reason


# ----------------------------------------------------------------- real PDFs


def _real_pdf_params() -> list[object]:
    params: list[object] = [pytest.param(p, id=p.stem) for p in REAL_PDFS]
    local = {p.name for p in REAL_PDFS}
    params += [
        pytest.param(p, id=f"shared-{p.stem}") for p in SHARED_REAL_PDFS if p.name not in local
    ]
    return params


@pytest.mark.parametrize("path", _real_pdf_params())
def test_real_pdfs_parse(path: Path) -> None:
    doc = read_pdf(path)
    assert len(doc.text) > 5000
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    for before, after in zip(doc.pages, doc.pages[1:], strict=False):
        assert before.end == after.start and after.number == before.number + 1
    # columns not interleaved: most paragraphs are long prose, not line-sized scraps
    paragraphs = [p for p in doc.text.split("\n\n") if len(p) > 300]
    assert len(paragraphs) >= 5
    assert "\ufffe" not in doc.text and "\x02" not in doc.text


def test_real_pdf_two_columns_read_in_order() -> None:
    path = REPO / "corpora" / "real-pdfs" / "datta2010_jtmo_dvt_prophylaxis.pdf"
    doc = read_pdf(path)
    assert (
        "Although DVT alone is not life-threatening, a resulting pulmonary embolism (PE) carries "
        "potentially significant morbidity and mortality." in doc.text
    )
    assert "Search terms included:" in doc.text
    assert "\n\nMethods\n\n" in doc.text
    assert "Datta et al. Journal of Trauma Management" not in doc.text  # running header
