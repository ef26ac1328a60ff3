"""Read a journal-article PDF into a :class:`SourceDocument`: body text in order, tables apart.

The text layer is read with pypdfium2 (one loose box per character), and the page
layout is rebuilt here rather than trusted to the PDF's content order:

1. Characters become *fragments*: runs on one baseline without a wide horizontal gap.
   Characters drawn outside the visible page, or not upright on the displayed page
   (margin stamps), are dropped. Page rotation (``/Rotate``) is applied first.
2. Running headers and footers are dropped: fragments in the top or bottom 8 % of the
   page whose text, with digits normalised, recurs on several pages (at least 2 and 30 %
   of the pages); and bare page numbers ("3", "Page 3 of 10") in those zones.
3. Tables, on pages with a "Table N" caption: the block of text below the caption (up to
   a wide vertical gap; only the caption's column when the other column holds prose) is
   the table. Unruled tables are read from the pdfium characters: column boundaries
   are vertical gaps in the word coverage, one row per text line, and a line whose first
   cell is empty continues the row above (wrapped cells). Where the region has vertical
   ruling lines, pdfplumber's table finder reads it with the "lines" strategy instead
   (pdfplumber is only opened then: it is ~10x slower than the rest of the reader).
   The table and its caption leave the body text.
4. Columns: the page is cut recursively into vertical bands. A band is full-width or
   two-column; the gutter is the widest run of x positions, in the middle half of the
   text, crossed by (almost) no fragment (a histogram of x coverage in which word spaces
   do not count, not a fixed split). Fragments crossing the gutter make full-width bands
   (title, abstract, wide headings); a fragment whose wide space straddles the gutter is
   split there.
5. Paragraphs: lines are joined with one space and paragraphs separated by a blank
   line where the line pitch grows by 20 %, the font size changes, the first line is
   indented (or outdented, for hanging indents) or a justified paragraph ends early,
   unless the line before stops mid-sentence and the next starts in lower case. Bold,
   larger or heading-like short lines ("Case 1", "Discussion") are paragraphs of their
   own. Text continues across a column or page break when the previous block does not
   end a sentence and the next starts in lower case; a small-font block (affiliations,
   footnotes) that interrupts such a sentence moves to the end of the page (before a
   heading that ends the page, so "Case 2" stays next to its text).

Conventions, chosen to keep downstream matching simple:

* Superscript marks attached to a word are dropped ("Della Pepa¹" -> "Della Pepa",
  "Liberatore3,4" drawn raised and smaller -> "Liberatore"): digits, commas, dashes,
  asterisks, daggers and single letters a-h. After a number or a length unit they are
  an exponent and kept as Unicode superscripts ("mg/m²", "10⁹/L").
* Line-end hyphens: "recur-" + "rent" is joined to "recurrent" when the part before
  the hyphen is a word of lower-case letters (or capitalised: "Eng-" + "lish") and the
  next line starts with a lower-case letter, unless:
  the joined form does not occur elsewhere in the document and the hyphenated one does;
  or the first part is a compound-forming word ("step-" + "up", "non-" + "secretory",
  list ``_COMPOUND_FIRST``); or both parts are words found elsewhere in the document
  ("cell-" + "engaging"). The joined form found elsewhere wins over all of these.
  Anything else keeps its hyphen with no space ("IL-" + "6", "T-" + "cell"), and a
  suspended hyphen before "and"/"or"/"to" keeps its space ("BCMA- or GPRC5D-targeting").
  En dashes (ranges, "24–48 h") are never touched.
* A URL broken at a line end is rejoined without a space.
* A file without a ``%%EOF`` marker in its last 2 KB is refused as truncated, even when
  pdfium could rebuild part of it: a partial text would be silently incomplete.
* Ligatures (U+FB00-U+FB06) are NFKC-normalised; nothing else is (κ, λ, °C, – stay).
"""

from __future__ import annotations

import bisect
import ctypes
import logging
import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from miner.ingest.document import IngestError, Page, SourceDocument, Table

logger = logging.getLogger(__name__)

PASSWORD_HINT = "pass the password with --password"
NO_TEXT_LAYER = (
    "no text layer: the PDF has pages but no extractable text (scanned image?); "
    "run OCR first (e.g. `ocrmypdf in.pdf out.pdf`) and read the OCR'd file"
)

# pdfium document-loading error codes (fpdfview.h)
_ERR_FILE, _ERR_FORMAT, _ERR_PASSWORD, _ERR_SECURITY = 2, 3, 4, 5

_LIGATURES = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
# pdfium reports a hyphen it judged to be a soft line-end hyphen as U+0002 or U+FFFE
_CHAR_FIXES = {
    **_LIGATURES,
    "\x02": "-",
    "\ufffe": "-",
    "\u00ad": "-",
    "\u2010": "-",
    "\u2011": "-",
}
_SUPERSCRIPT_DIGITS = str.maketrans("0123456789+-−()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁽⁾")
_UNICODE_SUP = "¹²³⁰⁴⁵⁶⁷⁸⁹"
_MARKER_RUN = re.compile(r"^[0-9,\-–−*†‡§¶‖#]+$|^[a-h]$")
_UNIT_BASE = re.compile(r"(?:^|[\s/(\d])(?:[cmkdµμ]?m|ft|in)$|\d$")
_UNICODE_SUP_AFTER_WORD = re.compile(
    rf"(?<=[^\s\d{_UNICODE_SUP}])[{_UNICODE_SUP}]+(?:[,⁻–][{_UNICODE_SUP}]+)*"
)
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
# "Table 1 Summary ...", "Table 2. Cox regression ...", or a bare "Table 1" label whose
# title is set apart on the same line; not "Table 1." ending a sentence
_CAPTION = re.compile(r"^\s*(?:Table|TABLE)\s*(?:\d+|[IVX]+)(?:\s*[.:|–-]?\s*(?=[A-Z(])|\s*$)")
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_LINE_END_HYPHEN = re.compile(r"([A-Za-z]+)-$")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_OPEN_URL = re.compile(r"^[<\[(]?(?:https?:?/*|www\.|doi\.org/)\S*(?<![>)\].,;])$")
_CASE_HEADING = re.compile(r"^(?:Case|Patient)\s+(?:\d+|[IVX]+)\b", re.IGNORECASE)
_COMPOUND_FIRST = frozenset(
    "step non anti self well ill long short low high cross first second third half full "
    "dose time day week cell post".split()
)
_HEADER_ZONE = 0.08


@dataclass(slots=True)
class _Frag:
    """A run of characters on one baseline with no wide gap: a line or a line piece."""

    chars: list[tuple[str, float, float, float, float, int]]
    x0: float
    x1: float
    top: float
    bottom: float
    text: str = ""
    size: float = 0.0
    bold: bool = False
    gaps: list[tuple[float, float]] = field(default_factory=list)  # spaces between words


@dataclass(slots=True)
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass(slots=True)
class _Para:
    lines: list[_Line]
    heading: bool = False
    leaf_start: bool = False

    @property
    def size(self) -> float:
        return statistics.median(line.size for line in self.lines)


@dataclass
class _PageLayout:
    number: int
    width: float
    height: float
    frags: list[_Frag] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # x positions and vertical extents of thin vertical path objects (table rulings)
    vertical_rules: list[tuple[float, float, float]] = field(default_factory=list)


def read_pdf(
    path: str | Path,
    *,
    password: str | None = None,
    max_pages: int | None = None,
    find_tables: bool = True,
    page_limit: int | None = None,
) -> SourceDocument:
    """Read a PDF into body text in reading order, a page map and tables.

    Args:
        path: The PDF file.
        password: Password of an encrypted PDF.
        max_pages: Read at most this many pages from the start.
        page_limit: Refuse a PDF with more pages than this (an error naming the option).
        find_tables: Look for tables on pages with a "Table N" caption (uses pdfplumber
            on those pages only) and keep their text out of the body.

    Returns:
        A :class:`SourceDocument` with ``doc_id`` the file stem. ``text[p.start:p.end]``
        is page ``p.number``; ``tables`` hold rows of cell strings with page and caption.

    Raises:
        IngestError: The file is missing, not a PDF, truncated, encrypted (without the
            right password) or has no text layer (a scan that needs OCR).

    Example:
        A two-column case report reads "... high rates of cytokine release syndrome"
        across the column break, with "Case 1" / "Case 2" headings as paragraphs.
    """
    path_str = str(path)
    doc = _open_document(path_str, password)
    if page_limit is not None and len(doc) > page_limit:
        count = len(doc)
        doc.close()
        raise IngestError(path_str, f"{count} pages, above the limit of {page_limit} (raise it with --max-pages)")
    try:
        layouts = _extract_pages(doc, path_str, max_pages)
        page_count = len(doc)
        metadata: dict[str, Any] = {"page_count": page_count, "pages_read": len(layouts)}
        try:
            info = {k: v for k, v in doc.get_metadata_dict(skip_empty=True).items()}
        except Exception:  # metadata is optional; a broken Info dictionary is not fatal
            info = {}
        if info.get("Title"):
            metadata["title"] = info["Title"]
    finally:
        doc.close()

    if not any(layout.frags for layout in layouts):
        raise IngestError(path_str, NO_TEXT_LAYER)
    empty = [layout.number for layout in layouts if not layout.frags]
    if empty:
        metadata["pages_without_text"] = empty

    _remove_running_lines(layouts)
    vocabulary = _vocabulary(layouts)
    if find_tables:
        _extract_tables(layouts, path_str, password)
    text, pages = _assemble(layouts, vocabulary)
    tables = [table for layout in layouts for table in layout.tables]
    return SourceDocument(
        doc_id=Path(path_str).stem,
        path=path_str,
        text=text,
        pages=pages,
        tables=tables,
        metadata=metadata,
    )


# --------------------------------------------------------------------------- loading


def _open_document(path: str, password: str | None) -> pdfium.PdfDocument:
    file = Path(path)
    if not file.is_file():
        raise IngestError(path, "file not found")
    size = file.stat().st_size
    if size == 0:
        raise IngestError(path, "empty file (0 bytes), not a PDF")
    with file.open("rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, size - 2048))
        tail = handle.read()
    if b"%PDF-" not in head:
        raise IngestError(path, "not a PDF: no %PDF- header at the start of the file")
    if b"%%EOF" not in tail:
        raise IngestError(
            path, "truncated or damaged PDF: no %%EOF end marker; download or export it again"
        )
    try:
        doc = pdfium.PdfDocument(path, password=password)
    except pdfium.PdfiumError as exc:
        raise IngestError(path, _load_error_reason(exc.err_code, password)) from None
    except Exception as exc:  # any other failure inside the binding
        raise IngestError(path, f"cannot open the PDF ({type(exc).__name__}: {exc})") from None
    if len(doc) == 0:
        doc.close()
        raise IngestError(path, "the PDF has no pages (damaged page tree?)")
    return doc


def _load_error_reason(code: int | None, password: str | None) -> str:
    """Turn a pdfium load error code into a message naming the problem and the fix."""
    if code == _ERR_PASSWORD:
        if password is None:
            return f"encrypted PDF: a password is needed to open it; {PASSWORD_HINT}"
        return f"encrypted PDF: the password given is wrong; {PASSWORD_HINT}"
    if code == _ERR_SECURITY:
        return "encrypted PDF with an unsupported security handler; decrypt it first (e.g. qpdf)"
    if code == _ERR_FILE:
        return "cannot read the file (missing or not readable)"
    if code == _ERR_FORMAT:
        return "corrupt or not a PDF: the file structure cannot be parsed"
    return f"cannot open the PDF (pdfium error code {code})"


# ------------------------------------------------------------------------ characters


def _extract_pages(doc: pdfium.PdfDocument, path: str, max_pages: int | None) -> list[_PageLayout]:
    count = len(doc) if max_pages is None else min(len(doc), max(0, max_pages))
    layouts: list[_PageLayout] = []
    for index in range(count):
        try:
            layouts.append(_read_page(doc, index))
        except IngestError:
            raise
        except Exception as exc:
            raise IngestError(
                path, f"cannot read page {index + 1} ({type(exc).__name__}: {exc})"
            ) from None
    return layouts


def _read_page(doc: pdfium.PdfDocument, index: int) -> _PageLayout:
    page = doc[index]
    try:
        rotation = page.get_rotation() % 360
        cx0, cy0, cx1, cy1 = page.get_cropbox()
        width_u, height_u = cx1 - cx0, cy1 - cy0
        if rotation in (90, 270):
            width, height = height_u, width_u
        else:
            width, height = width_u, height_u
        textpage = page.get_textpage()
        try:
            chars = _page_chars(textpage, rotation, cx0, cy1, width_u, height_u, width, height)
            frags = _build_frags(chars, textpage.raw)
        finally:
            textpage.close()
        rules = _vertical_rules(page, rotation, cx0, cy1, width_u, height_u) if frags else []
    finally:
        page.close()
    return _PageLayout(
        number=index + 1, width=width, height=height, frags=frags, vertical_rules=rules
    )


def _vertical_rules(
    page: pdfium.PdfPage, rotation: int, cx0: float, cy1: float, width_u: float, height_u: float
) -> list[tuple[float, float, float]]:
    """Thin vertical path objects (x, top, bottom) in displayed coordinates: ruled tables."""
    rules: list[tuple[float, float, float]] = []
    raw = page.raw
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = [ctypes.byref(v) for v in (left, bottom, right, top)]
    for k in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, k)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
            continue
        xu0, xu1 = left.value - cx0, right.value - cx0
        yu0, yu1 = cy1 - top.value, cy1 - bottom.value
        if rotation in (90, 270):
            xu0, xu1, yu0, yu1 = yu0, yu1, xu0, xu1  # sideways: test the other axis
        if xu1 - xu0 < 2.5 and yu1 - yu0 > 8:
            rules.append(((xu0 + xu1) / 2, yu0, yu1))
    return rules


def _page_chars(
    textpage: pdfium.PdfTextPage,
    rotation: int,
    cx0: float,
    cy1: float,
    width_u: float,
    height_u: float,
    width: float,
    height: float,
) -> list[tuple[str, float, float, float, float, int]]:
    """Characters as (text, x0, x1, top, bottom, index) in displayed, top-down coordinates.

    Whitespace is kept as ``(" ", ...)`` markers without geometry (word boundaries).
    """
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:
        text = "".join(chr(max(0, pdfium_c.FPDFText_GetUnicode(raw, k))) for k in range(n))
    rect = pdfium_c.FS_RECTF()
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    get_angle = pdfium_c.FPDFText_GetCharAngle
    rect_ref = ctypes.byref(rect)
    upright = math.radians(-rotation) % (2 * math.pi)
    out: list[tuple[str, float, float, float, float, int]] = []
    last_angle_ok = True
    prev_top = None
    for k in range(n):
        ch = text[k]
        if ch.isspace() or ch == "\x00":
            out.append((" ", 0.0, 0.0, 0.0, 0.0, k))
            continue
        if not get_box(raw, k, rect_ref):
            continue
        left, right, bottom, top = rect.left, rect.right, rect.bottom, rect.top
        # orientation is checked when the baseline moves (cheap, catches margin stamps)
        if prev_top is None or abs(top - prev_top) > 0.5:
            angle = get_angle(raw, k)
            diff = abs((angle - upright + math.pi) % (2 * math.pi) - math.pi)
            last_angle_ok = angle < 0 or diff < 0.1
            prev_top = top
        if not last_angle_ok:
            continue
        xu0, xu1 = left - cx0, right - cx0
        yu0, yu1 = cy1 - top, cy1 - bottom  # top-down, unrotated
        if rotation == 0:
            x0, x1, t, b = xu0, xu1, yu0, yu1
        elif rotation == 90:
            x0, x1, t, b = height_u - yu1, height_u - yu0, xu0, xu1
        elif rotation == 180:
            x0, x1, t, b = width_u - xu1, width_u - xu0, height_u - yu1, height_u - yu0
        else:
            x0, x1, t, b = yu0, yu1, width_u - xu1, width_u - xu0
        cx, cy = (x0 + x1) / 2, (t + b) / 2
        if cx < 0 or cx > width or cy < 0 or cy > height:
            continue  # drawn outside the visible page
        out.append((_CHAR_FIXES.get(ch, ch), x0, x1, t, b, k))
    return out


def _build_frags(chars: list[tuple[str, float, float, float, float, int]], raw: Any) -> list[_Frag]:
    """Group characters, in content order, into fragments (see module doc, step 1)."""
    frags: list[_Frag] = []
    cur: _Frag | None = None
    last: tuple[str, float, float, float, float, int] | None = None
    space = False
    for item in chars:
        if item[0] == " ":
            space = True
            continue
        _, x0, x1, top, bottom, _ = item
        if cur is not None and last is not None:
            height = bottom - top
            last_height = last[4] - last[3]
            overlap = min(bottom, cur.bottom) - max(top, cur.top)
            gap = x0 - last[2]
            limit = 1.1 * (height if height > last_height else last_height)
            # a ligature's second letter shares the first one's box: x0 == last x0
            if (
                overlap > 0.4 * min(height, cur.bottom - cur.top)
                and x0 > last[1] - 0.5
                and gap < limit
            ):
                if space:
                    cur.chars.append((" ", 0.0, 0.0, 0.0, 0.0, -1))
                cur.chars.append(item)
                if x1 > cur.x1:
                    cur.x1 = x1
                last, space = item, False
                continue
        cur = _Frag(chars=[item], x0=x0, x1=x1, top=top, bottom=bottom)
        frags.append(cur)
        last, space = item, False
    for frag in frags:
        _finish_frag(frag, raw)
    return [f for f in frags if f.text]


def _finish_frag(frag: _Frag, raw: Any, bold: bool | None = None) -> None:
    """Compute size, box, bold, word gaps and text (superscripts handled) of a fragment."""
    glyphs = [c for c in frag.chars if c[0] != " "]
    heights = sorted(c[4] - c[3] for c in glyphs)
    size = heights[len(heights) // 2]  # the upper median: body glyphs, not superscripts
    bottoms = sorted(c[4] for c in glyphs if c[4] - c[3] >= 0.9 * size)
    base = bottoms[len(bottoms) // 2] if bottoms else glyphs[0][4]
    frag.size = size
    frag.top = base - size
    frag.bottom = base
    frag.x0 = min(c[1] for c in glyphs)
    frag.x1 = max(c[2] for c in glyphs)
    if bold is None:
        bold = _is_bold(raw, glyphs[0][5]) and _is_bold(raw, glyphs[-1][5])
    frag.bold = bold
    frag.gaps = [
        (a[2], b[1]) for a, b in zip(glyphs, glyphs[1:], strict=False) if b[1] - a[2] > 0.2 * size
    ]

    parts: list[str] = []
    run: list[str] = []
    run_attached = False
    prev_x1: float | None = None
    pending_space = False

    def flush_run() -> None:
        nonlocal run
        if not run:
            return
        marks = "".join(run)
        before = "".join(parts)
        if run_attached and _UNIT_BASE.search(before) and marks.isdigit():
            parts.append(marks.translate(_SUPERSCRIPT_DIGITS))
        elif run_attached and before and _MARKER_RUN.match(marks):
            pass  # a reference / affiliation mark glued to a word: dropped
        else:
            if parts and not parts[-1].endswith(" ") and not run_attached:
                parts.append(" ")
            parts.append(marks)
        run = []

    for ch, x0, x1, top, bottom, _ in frag.chars:
        if ch == " ":
            pending_space = True
            continue
        raised = (bottom - top) < 0.8 * size and bottom < base - 0.2 * size
        gap_space = prev_x1 is not None and x0 - prev_x1 > 0.3 * size
        if raised:
            if not run:
                run_attached = bool(parts) and not (pending_space or gap_space)
            run.append(ch)
        else:
            if run:
                flush_run()
                if parts and not parts[-1].endswith(" "):
                    pending_space = pending_space or gap_space
            if parts and (pending_space or gap_space) and not parts[-1].endswith(" "):
                parts.append(" ")
            parts.append(ch)
        pending_space = False
        prev_x1 = x1
    flush_run()
    text = "".join(parts).strip()
    frag.text = _UNICODE_SUP_AFTER_WORD.sub(_drop_unicode_marks, text)


def _drop_unicode_marks(match: re.Match[str]) -> str:
    before = match.string[: match.start()]
    if _UNIT_BASE.search(before):
        return match.group(0)
    return ""


_FONT_BUF = ctypes.create_string_buffer(256)
_FONT_FLAGS = ctypes.c_int()


def _is_bold(raw: Any, index: int) -> bool:
    weight = pdfium_c.FPDFText_GetFontWeight(raw, index)
    if weight >= 600:
        return True
    length = pdfium_c.FPDFText_GetFontInfo(raw, index, _FONT_BUF, 256, ctypes.byref(_FONT_FLAGS))
    if length <= 0:
        return False
    name = _FONT_BUF.raw[: max(0, length - 1)].decode("latin-1").lower()
    return any(key in name for key in ("bold", "black", "heavy", "semibold", ",b"))


# ------------------------------------------------------------------ headers, footers


def _normalise_running(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text)).strip().lower()


def _in_zone(frag: _Frag, height: float) -> bool:
    return frag.top < _HEADER_ZONE * height or frag.bottom > (1 - _HEADER_ZONE) * height


def _remove_running_lines(layouts: list[_PageLayout]) -> None:
    """Drop running headers/footers (recurring in the page margins) and bare page numbers."""
    counts: Counter[str] = Counter()
    for layout in layouts:
        keys = {_normalise_running(f.text) for f in layout.frags if _in_zone(f, layout.height)}
        counts.update(keys)
    n = len(layouts)
    threshold = max(2, math.ceil(0.3 * n))
    running = {key for key, count in counts.items() if count >= threshold and n >= 2}
    for layout in layouts:
        layout.frags = [
            f
            for f in layout.frags
            if not (
                _in_zone(f, layout.height)
                and (_normalise_running(f.text) in running or _PAGE_NUMBER.match(f.text.strip()))
            )
        ]


# -------------------------------------------------------------------------- layout


def _find_gutter(frags: Sequence[_Frag]) -> tuple[float, float] | None:
    """The vertical gutter (x_start, x_end) of a two-column region, or None.

    The x coverage of the fragments is histogrammed in 1 pt bins; the gutter is the
    widest run of minimal coverage in the middle half of the region (word spaces do not
    count as covered), accepted when there is side-by-side text on both sides and no
    more fragments cross it than stay beside it.
    """
    if len(frags) < 6:
        return None
    left_edge = min(f.x0 for f in frags)
    right_edge = max(f.x1 for f in frags)
    width = right_edge - left_edge
    if width < 150:
        return None
    bins = int(width) + 2
    diff = [0] * (bins + 1)
    for f in frags:
        diff[int(f.x0 - left_edge)] += 1
        diff[int(f.x1 - left_edge) + 1] -= 1
        for gap_start, gap_end in f.gaps:  # word spaces are not covered
            if gap_end - gap_start >= 2:
                diff[int(gap_start - left_edge) + 1] -= 1
                diff[int(gap_end - left_edge)] += 1
    coverage: list[int] = []
    running = 0
    for value in diff[:bins]:
        running += value
        coverage.append(running)
    lo, hi = int(0.25 * width), int(0.75 * width)
    window = coverage[lo:hi]
    if not window:
        return None
    minimum = min(window)
    # full-width lines whose word spaces fall into the gutter make its floor uneven
    ceiling = minimum + max(1, minimum // 4)
    if ceiling >= 0.6 * statistics.median(window):
        return None
    best: tuple[int, int] | None = None
    start = None
    for i in range(lo, hi + 1):
        inside = i < hi and coverage[i] <= ceiling
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    if best is None or best[1] - best[0] < 4:
        return None
    g0, g1 = left_edge + best[0], left_edge + best[1]
    left = [f for f in frags if f.x1 <= g0 + 1]
    right = [f for f in frags if f.x0 >= g1 - 1]
    if len(left) < 3 or len(right) < 3:
        return None
    if minimum > len(left) + len(right):  # mostly full-width text: one column
        return None
    overlap = min(max(f.bottom for f in left), max(f.bottom for f in right)) - max(
        min(f.top for f in left), min(f.top for f in right)
    )
    shorter = min(
        max(f.bottom for f in left) - min(f.top for f in left),
        max(f.bottom for f in right) - min(f.top for f in right),
    )
    if overlap < 0.3 * shorter:
        return None
    return g0, g1


def _order_frags(frags: list[_Frag], depth: int = 0) -> list[list[_Line]]:
    """Order fragments into leaves (columns or full-width bands) of lines, top to bottom."""
    if not frags:
        return []
    gutter = None if depth >= 2 else _find_gutter(frags)
    if gutter is None:
        return [_rows_to_lines(frags)]
    g0, g1 = gutter
    frags = [piece for frag in frags for piece in _split_at_gutter(frag, g0, g1)]
    bands: list[tuple[bool, list[_Frag]]] = []
    for frag in sorted(frags, key=lambda f: (f.top, f.x0)):
        spanning = frag.x0 < g0 - 1 and frag.x1 > g1 + 1
        if bands and bands[-1][0] == spanning:
            bands[-1][1].append(frag)
        else:
            bands.append((spanning, [frag]))
    leaves: list[list[_Line]] = []
    for spanning, members in bands:
        if spanning:
            leaves.append(_rows_to_lines(members))
            continue
        mid = (g0 + g1) / 2
        left = [f for f in members if (f.x0 + f.x1) / 2 < mid]
        right = [f for f in members if (f.x0 + f.x1) / 2 >= mid]
        leaves.extend(_order_frags(left, depth + 1))
        leaves.extend(_order_frags(right, depth + 1))
    return [leaf for leaf in leaves if leaf]


def _split_at_gutter(frag: _Frag, g0: float, g1: float) -> list[_Frag]:
    """Split a fragment whose word space spans the gutter (narrow gutters, wide spaces)."""
    if not (frag.x0 < g0 - 1 and frag.x1 > g1 + 1):
        return [frag]
    mid = (g0 + g1) / 2
    for gap_start, gap_end in frag.gaps:
        wide = gap_end - gap_start >= max(0.7 * (g1 - g0), 0.6 * frag.size)
        if wide and gap_start <= mid <= gap_end:
            left = [c for c in frag.chars if c[0] != " " and c[2] <= gap_start + 0.01]
            right = [c for c in frag.chars if c[0] != " " and c[1] >= gap_end - 0.01]
            pieces = []
            for chars in (left, right):
                if chars:
                    piece = _Frag(chars=chars, x0=0, x1=0, top=0, bottom=0)
                    _finish_frag(piece, None, bold=frag.bold)
                    if piece.text:
                        pieces.append(piece)
            return pieces or [frag]
    return [frag]


def _is_glued_mark(before: _Frag, frag: _Frag, main: _Frag) -> bool:
    """A raised, smaller reference mark drawn apart from the word it is glued to."""
    return (
        frag.size < 0.8 * main.size
        and frag.bottom < main.bottom - 0.2 * main.size
        and frag.x0 - before.x1 < 0.3 * main.size
        and bool(_MARKER_RUN.match(frag.text.replace(" ", "")))
    )


def _rows_to_lines(frags: Iterable[_Frag]) -> list[_Line]:
    rows: list[list[_Frag]] = []
    for frag in sorted(frags, key=lambda f: (f.bottom, f.x0)):
        if rows:
            row = rows[-1]
            top = min(f.top for f in row)
            bottom = max(f.bottom for f in row)
            overlap = min(bottom, frag.bottom) - max(top, frag.top)
            if overlap > 0.5 * min(frag.bottom - frag.top, bottom - top):
                row.append(frag)
                continue
        rows.append([frag])
    lines: list[_Line] = []
    for row in rows:
        row.sort(key=lambda f: f.x0)
        main = max(row, key=lambda f: len(f.text))
        row = [f for i, f in enumerate(row) if not (i and _is_glued_mark(row[i - 1], f, main))]
        lines.append(
            _Line(
                text=" ".join(f.text for f in row),
                x0=row[0].x0,
                x1=max(f.x1 for f in row),
                top=min(f.top for f in row),
                bottom=max(f.bottom for f in row),
                size=main.size,
                bold=all(f.bold for f in row),
            )
        )
    return lines


# ---------------------------------------------------------------------- paragraphs


def _is_heading(line: _Line, body_size: float) -> bool:
    text = line.text
    words = text.split()
    if not words or len(text) > 90 or len(words) > 12 or text.endswith((",", ";")):
        return False
    if _CASE_HEADING.match(text) and len(words) <= 6:
        return True
    if line.bold and not text.endswith("."):
        return True
    return line.size > 1.15 * body_size and len(words) <= 12


def _split_paragraphs(lines: list[_Line], body_size: float, pitch: float) -> list[_Para]:
    col_x0 = min(line.x0 for line in lines)
    col_x1 = max(line.x1 for line in lines)
    full = [line for line in lines if line.x1 > col_x1 - 1.5 * line.size]
    justified = len(lines) >= 4 and len(full) >= 0.6 * len(lines)
    paras: list[_Para] = []
    for i, line in enumerate(lines):
        heading = _is_heading(line, body_size)
        if not paras:
            paras.append(_Para([line], heading=heading, leaf_start=True))
            continue
        para = paras[-1]
        prev = para.lines[-1]
        size = max(line.size, prev.size)
        step = line.bottom - prev.bottom
        expected = pitch if abs(line.size - body_size) < 0.1 * body_size and pitch else 1.25 * size
        if heading and para.heading and abs(line.size - prev.size) < 0.05 * size:
            if 0 < step <= 1.6 * size and line.bold == prev.bold:
                para.lines.append(line)  # a heading set on two or more lines
                continue
        new = (
            heading
            or para.heading
            or step > 1.2 * expected
            or step < -0.5 * size
            or abs(line.size - prev.size) > 0.12 * size
            or (line.x0 - col_x0 > 0.8 * size and prev.x0 - col_x0 < 0.4 * size)
            or (
                len(para.lines) >= 2
                and line.x0 < prev.x0 - 0.8 * size
                and abs(prev.x0 - para.lines[-2].x0) < 0.5 * size
            )
            or (justified and prev.x1 < col_x1 - 2 * size and _SENTENCE_END.search(prev.text))
        )
        if (
            new
            and not heading
            and not para.heading
            and abs(line.size - prev.size) <= 0.12 * size
            and _starts_continuation(line.text)
            and not _SENTENCE_END.search(prev.text)
        ):
            new = False  # a paragraph does not end mid-sentence ("... of cytokine" / "release")
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if not heading and _looks_like_heading_line(line, prev, nxt, col_x1):
            new = heading = True
        if new:
            paras.append(_Para([line], heading=heading))
        else:
            para.lines.append(line)
    return paras


def _looks_like_heading_line(line: _Line, prev: _Line, nxt: _Line | None, col_x1: float) -> bool:
    """A short title-case line between a finished sentence and a new one ("Discussion")."""
    text = line.text
    words = text.split()
    if not words or len(words) > 6 or _SENTENCE_END.search(text) or text.endswith(","):
        return False
    if not (text[0].isupper() or text[0].isdigit()) or not _SENTENCE_END.search(prev.text):
        return False
    if nxt is None or not nxt.text[:1].isupper():
        return False
    return line.x1 < col_x1 - 0.5 * (col_x1 - line.x0) and prev.x1 < col_x1 - 2 * prev.size


def _page_paragraphs(layout: _PageLayout, body_size: float) -> list[_Para]:
    """Paragraphs of one page in reading order; ``body_size`` is the page's main text size."""
    leaves = _order_frags(layout.frags)
    pitches = [
        b.bottom - a.bottom
        for leaf in leaves
        for a, b in zip(leaf, leaf[1:], strict=False)
        if abs(a.size - body_size) < 0.1 * body_size
        and abs(b.size - body_size) < 0.1 * body_size
        and 0 < b.bottom - a.bottom < 3 * body_size
    ]
    pitch = statistics.median(pitches) if len(pitches) >= 3 else 0.0
    paras: list[_Para] = []
    for leaf in leaves:
        paras.extend(_split_paragraphs(leaf, body_size, pitch))
    return _defer_interruptions(paras, body_size)


def _defer_interruptions(paras: list[_Para], body_size: float) -> list[_Para]:
    """Move small-font blocks that interrupt a sentence (affiliations, footnotes) to page end.

    A run of small-font paragraphs (and one-line scraps such as an e-mail address)
    between a paragraph that stops mid-sentence and a body paragraph that starts in
    lower case is taken out of the flow and put at the end of the page, before any
    trailing headings (so that "Case 2" at the foot of a column stays next to its text).
    """

    def is_aside(para: _Para) -> bool:
        if para.heading:
            return False
        first = para.lines[0].text.split()
        return para.size < 0.9 * body_size or (len(para.lines) == 1 and len(first) <= 3)

    out = list(paras)
    deferred: list[_Para] = []
    i = 0
    while i < len(out):
        para = out[i]
        if para.heading or para.size < 0.9 * body_size or _SENTENCE_END.search(para.lines[-1].text):
            i += 1
            continue
        j = i + 1
        while j < len(out) and j - i <= 12 and is_aside(out[j]):
            j += 1
        if (
            j > i + 1
            and j < len(out)
            and out[j].size >= 0.9 * body_size
            and _starts_continuation(out[j].lines[0].text)
            and len(out[j].lines[0].text.split()) >= 3
        ):
            deferred.extend(out[i + 1 : j])
            out[j].leaf_start = True
            del out[i + 1 : j]
        i += 1
    if not deferred:
        return out
    tail = len(out)
    while tail > 0 and out[tail - 1].heading:
        tail -= 1
    return out[:tail] + deferred + out[tail:]


def _starts_continuation(text: str) -> bool:
    return bool(text) and (text[0].islower() or text[0] in "([")


# ------------------------------------------------------------------------ assembly


def _join_lines(prev: str, nxt: str, vocabulary: set[str]) -> str:
    """Join two lines of one paragraph, repairing a line-end hyphen (see module doc)."""
    tail = prev[-300:].rsplit(None, 1)[-1] if prev.strip() else ""
    if _OPEN_URL.match(tail):
        return prev + nxt  # a URL broken at the line end: "https://d" + "oi.org/..."
    if not tail.endswith("-") or tail.endswith(("--", " -")) or not nxt:
        return f"{prev} {nxt}"
    if re.match(r"(?:and|or|nor|to)\b", nxt):
        return f"{prev} {nxt}"  # a suspended hyphen: "BCMA- or GPRC5D-targeting"
    match = _LINE_END_HYPHEN.search(tail)
    if match is None or (match.start() > 0 and tail[match.start() - 1].isdigit()):
        return prev + nxt  # "IL-6-" + "driven": keep the hyphen, no space
    part = match.group(1)
    word = re.match(r"[a-z]+", nxt)
    if not (re.fullmatch(r"[A-Z]?[a-z]+", part) and word):
        return prev + nxt  # "IL-" + "6", "CD3-" + "BCMA", "T-" + "cell": keep the hyphen
    second = word.group(0)
    joined = (part + second).lower()
    if joined in vocabulary:
        return prev[:-1] + nxt  # "recur-" + "rent": "recurrent" occurs in the document
    if f"{part}-{second}".lower() in vocabulary or part.lower() in _COMPOUND_FIRST:
        return prev + nxt  # "step-" + "up", "non-" + "secretory"
    if part.lower() in vocabulary and second in vocabulary and len(second) > 2:
        return prev + nxt  # two words of their own: "cell-" + "engaging"
    return prev[:-1] + nxt


def _vocabulary(layouts: Sequence[_PageLayout], exclude: frozenset[int] = frozenset()) -> set[str]:
    """Lower-cased words (and hyphenated word pairs) of the document, for hyphen repair."""
    words: set[str] = set()
    for layout in layouts:
        for frag in layout.frags:
            if id(frag) in exclude:
                continue
            tokens = _WORD.findall(frag.text)
            # a line's first word and a hyphen-broken last word may be word pieces
            if frag.text.endswith("-") and tokens:
                tokens.pop()
            if frag.text[:1].islower() and tokens:
                tokens.pop(0)
            for token in tokens:
                token = token.lower()
                words.add(token)
                pieces = token.split("-")
                for a, b in zip(pieces, pieces[1:], strict=False):
                    words.add(f"{a}-{b}")
    return words


def _body_size(layouts: Sequence[_PageLayout]) -> float:
    """The most common text size (by characters): the body text's size on these pages."""
    sizes: Counter[float] = Counter()
    for layout in layouts:
        for frag in layout.frags:
            sizes[round(frag.size, 1)] += len(frag.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _assemble(layouts: list[_PageLayout], vocabulary: set[str]) -> tuple[str, list[Page]]:
    text = ""
    pages: list[Page] = []
    page_starts: list[int] = []
    last_para: _Para | None = None
    for layout in layouts:
        paras = _page_paragraphs(layout, _body_size([layout])) if layout.frags else []
        page_start: int | None = None
        for para in paras:
            body = para.lines[0].text
            for line in para.lines[1:]:
                body = _join_lines(body, line.text, vocabulary)
            continues = (
                last_para is not None
                and para.leaf_start
                and not para.heading
                and not last_para.heading
                and not _SENTENCE_END.search(text[-8:])
                and (_starts_continuation(body) or text.endswith("-"))
            )
            if continues:
                joined = _join_lines(text, body, vocabulary)
                start = len(joined) - len(body)
                text = joined
            else:
                if text:
                    text += "\n\n"
                start = len(text)
                text += body
            if page_start is None:
                page_start = start
            last_para = para
        page_starts.append(len(text) if page_start is None else page_start)
    for i, layout in enumerate(layouts):
        start = 0 if i == 0 else page_starts[i]
        end = page_starts[i + 1] if i + 1 < len(layouts) else len(text)
        pages.append(Page(number=layout.number, start=start, end=max(start, end)))
    return text, pages


# -------------------------------------------------------------------------- tables


def _extract_tables(layouts: list[_PageLayout], path: str, password: str | None) -> None:
    """Find tables on pages with a "Table N" caption and take their text out of the body.

    Unruled tables are read from the pdfium characters (columns from gaps in word
    coverage, one row per text line, wrapped lines merged). Where the table region has
    vertical rulings, pdfplumber's table finder reads it along the ruling lines.
    """
    plumber: Any = None
    try:
        for layout in layouts:
            captions = [f for f in layout.frags if _CAPTION.match(f.text)]
            if not captions:
                continue
            try:
                plumber = _tables_on_page(layout, captions, layouts, path, password, plumber)
            except Exception as exc:  # never let a pdfminer error escape
                logger.warning(
                    "table detection failed on page %d of %s (%s)",
                    layout.number,
                    path,
                    type(exc).__name__,
                )
    finally:
        if plumber is not None:
            plumber.close()


def _tables_on_page(
    layout: _PageLayout,
    captions: list[_Frag],
    layouts: Sequence[_PageLayout],
    path: str,
    password: str | None,
    plumber: Any,
) -> Any:
    """Extract the tables of one page into ``layout.tables``; returns the pdfplumber handle."""
    used: list[tuple[float, float, float, float]] = []
    removed: set[int] = set()
    for caption in sorted(captions, key=lambda f: f.top):
        region = _table_region(layout, caption)
        if region is None:
            continue
        inside = [
            f
            for f in layout.frags
            if region[0] <= f.x0
            and f.x1 <= region[2]
            and region[1] <= f.top
            and f.bottom <= region[3]
        ]
        # words outside this table decide whether "ster" + "oids" is one word
        vocabulary = _vocabulary(layouts, exclude=frozenset(id(f) for f in inside))
        rows: list[list[str]] = []
        bbox = region
        ruled = [
            rule
            for rule in layout.vertical_rules
            if region[0] - 2 <= rule[0] <= region[2] + 2
            and rule[2] > region[1]
            and rule[1] < region[3]
        ]
        if len(ruled) >= 2:
            if plumber is None:
                import pdfplumber

                plumber = pdfplumber.open(path, password=password or "")
            rows, bbox = _ruled_table(plumber.pages[layout.number - 1], caption, region, vocabulary)
        if not rows:
            rows = _text_aligned_table(inside, vocabulary)
            bbox = region
        if len(rows) < 2 or len(rows[0]) < 2:
            continue
        used.append(bbox)
        removed.add(id(caption))
        same_row = [
            f
            for f in layout.frags
            if f is not caption
            and f.x0 > caption.x1
            and abs(f.bottom - caption.bottom) < 0.3 * caption.size
        ]
        caption_text = " ".join(f.text for f in [caption, *sorted(same_row, key=lambda f: f.x0)])
        removed.update(id(f) for f in same_row)
        # caption continuation lines between the caption and the table
        for frag in layout.frags:
            if frag is not caption and caption.bottom - 1 < frag.top and frag.bottom <= bbox[1] + 1:
                if frag.x0 >= bbox[0] - 5 and frag.x1 <= bbox[2] + 5:
                    caption_text += " " + frag.text
                    removed.add(id(frag))
        layout.tables.append(Table(rows=rows, page=layout.number, caption=caption_text))
    if used:
        kept: list[_Frag] = []
        for frag in layout.frags:
            cx, cy = (frag.x0 + frag.x1) / 2, (frag.top + frag.bottom) / 2
            hit = any(x0 - 2 <= cx <= x1 + 2 and t - 2 <= cy <= b + 2 for x0, t, x1, b in used)
            if not hit and id(frag) not in removed:
                kept.append(frag)
        layout.frags = kept
    return plumber


def _ruled_table(
    page: Any, caption: _Frag, region: tuple[float, float, float, float], vocabulary: set[str]
) -> tuple[list[list[str]], tuple[float, float, float, float]]:
    """A table drawn with ruling lines, read by pdfplumber's "lines" strategy."""
    found = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
    for table in found:
        x0, top, x1, bottom = table.bbox
        near = top >= caption.bottom - 2 and top - caption.bottom < 60
        if near and x1 > region[0] and x0 < region[2]:
            rows = _clean_rows(table.extract(), vocabulary)
            if len(rows) >= 2 and len(rows[0]) >= 2:
                return rows, (x0, top, x1, bottom)
    return [], region


def _table_region(layout: _PageLayout, caption: _Frag) -> tuple[float, float, float, float] | None:
    """The block of text below a caption, up to the first wide vertical gap."""
    below = sorted(
        (f for f in layout.frags if f.top >= caption.bottom - 1 and f is not caption),
        key=lambda f: f.top,
    )
    if not below:
        return None
    gutter = _find_gutter(layout.frags)
    if gutter is not None:
        # a column-wide table: the other column holds prose (lines as wide as a column)
        g0, g1 = gutter
        near = [f for f in below if f.top - caption.bottom < 20 * caption.size]
        if caption.x1 <= g0 + 1:
            other = [f for f in near if f.x0 >= g1 - 1]
            column_width = g0 - min(f.x0 for f in layout.frags)
            keep = [f for f in below if f.x1 <= g0 + 1]
        else:
            other = [f for f in near if f.x1 <= g0 + 1]
            column_width = max(f.x1 for f in layout.frags) - g1
            keep = [f for f in below if f.x0 >= g1 - 1]
        wide = [f for f in other if f.x1 - f.x0 > 0.6 * column_width]
        if other and len(wide) >= 0.5 * len(other) and keep:
            below = keep
    block = [below[0]]
    bottom = below[0].bottom
    if below[0].top - caption.bottom > 3 * caption.size + 20:
        return None
    for frag in below[1:]:
        if frag.top - bottom > 2.5 * max(frag.size, block[-1].size):
            break
        block.append(frag)
        bottom = max(bottom, frag.bottom)
    if len(block) < 2:
        return None
    x0 = min(min(f.x0 for f in block), caption.x0) - 1
    x1 = max(f.x1 for f in block) + 1
    return (
        max(0.0, x0),
        caption.bottom + 0.5,
        min(layout.width, x1),
        min(layout.height, bottom + 1),
    )


def _frag_words(frag: _Frag) -> list[tuple[str, float, float]]:
    """Words of a fragment as (text, x0, x1), split at spaces and gaps."""
    words: list[tuple[str, float, float]] = []
    text, x0, x1 = "", 0.0, 0.0
    for ch, cx0, cx1, _, _, _ in frag.chars:
        if ch == " " or (text and cx0 - x1 > 0.3 * frag.size):
            if text:
                words.append((text, x0, x1))
            text = ""
            if ch == " ":
                continue
        if not text:
            x0 = cx0
        text += ch
        x1 = cx1
    if text:
        words.append((text, x0, x1))
    return words


def _text_aligned_table(frags: Sequence[_Frag], vocabulary: set[str]) -> list[list[str]]:
    """An unruled table: columns from vertical gaps in word coverage, one row per text line.

    Lines whose first cell is empty continue the row above (wrapped cells), which is
    how a five-line row "1 | 64/F | ... | Paracetamol / Cetirizine / Dexamethasone"
    comes out as one row.
    """
    lines = _rows_to_lines(frags)
    if len(lines) < 2:
        return []
    by_line: list[list[tuple[str, float, float]]] = [[] for _ in lines]
    for frag in frags:
        cy = (frag.top + frag.bottom) / 2
        index = min(range(len(lines)), key=lambda i: abs((lines[i].top + lines[i].bottom) / 2 - cy))
        by_line[index].extend(_frag_words(frag))
    words = [w for row in by_line for w in row]
    if len(words) < 4:
        return []
    left = int(min(w[1] for w in words))
    width = int(max(w[2] for w in words)) - left + 2
    coverage = [0] * (width + 1)
    for _, x0, x1 in words:
        for x in range(int(x0) - left, min(width, int(x1) - left + 1)):
            coverage[x] += 1
    bounds: list[float] = []
    start = None
    for i, value in enumerate(coverage):
        if value == 0 and start is None:
            start = i
        elif value != 0 and start is not None:
            if i - start >= 3:
                bounds.append(left + (start + i) / 2)
            start = None
    if not bounds:
        return []
    rows: list[list[str]] = []
    for row_words in by_line:
        cells = [""] * (len(bounds) + 1)
        for text, x0, x1 in sorted(row_words, key=lambda w: w[1]):
            column = bisect.bisect_left(bounds, (x0 + x1) / 2)
            cells[column] = f"{cells[column]} {text}".strip()
        rows.append(cells)
    return _merge_wrapped_rows(_clean_rows(rows, vocabulary), vocabulary)


def _clean_rows(raw_rows: Sequence[Sequence[str | None]], vocabulary: set[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    for raw_row in raw_rows:
        row = []
        for cell in raw_row:
            parts = [part.strip() for part in (cell or "").splitlines() if part.strip()]
            text = parts[0] if parts else ""
            for part in parts[1:]:
                text = _join_cell(text, part, vocabulary)
            row.append(text)
        rows.append(row)
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    keep = [j for j in range(width) if any(row[j] for row in rows)]
    return [[_fix_text(row[j]) for j in keep] for row in rows]


def _merge_wrapped_rows(rows: list[list[str]], vocabulary: set[str]) -> list[list[str]]:
    """Merge text lines whose first cell is empty into the row above (wrapped cells)."""
    merged: list[list[str]] = []
    for row in rows:
        if merged and not row[0]:
            target = merged[-1]
            for j, cell in enumerate(row):
                if cell:
                    target[j] = _join_cell(target[j], cell, vocabulary)
        else:
            merged.append(list(row))
    return merged


def _join_cell(prev: str, nxt: str, vocabulary: set[str]) -> str:
    """Join two text lines of one table cell with a space, or glue a word broken in a cell.

    "Tocilizumab±ster" + "oids" becomes "Tocilizumab±steroids" because "steroids" is a
    word of the document and "ster" is not; "BsAb dose reduced" + "to monthly" keeps
    its space.
    """
    if not prev:
        return nxt
    if prev.endswith("-"):
        return _join_lines(prev, nxt, vocabulary)
    last = re.search(r"[A-Za-z]+$", prev)
    first = re.match(r"[a-z]+", nxt)
    if last and first:
        joined = (last.group(0) + first.group(0)).lower()
        if joined in vocabulary and last.group(0).lower() not in vocabulary:
            return prev + nxt
    return f"{prev} {nxt}"


def _fix_text(text: str) -> str:
    text = "".join(_CHAR_FIXES.get(ch, ch) for ch in text)
    return _UNICODE_SUP_AFTER_WORD.sub(_drop_unicode_marks, text)
