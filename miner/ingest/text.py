"""Plain-text and Markdown inputs: decoding, and tables kept apart from the body."""

from __future__ import annotations

import re
from pathlib import Path

from charset_normalizer import from_bytes

from miner.ingest.document import IngestError, Page, SourceDocument, Table

MAX_TEXT_BYTES = 20_000_000  # a larger .txt is almost certainly not a case report

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CAPTION = re.compile(r"^\s*(?:\*\*)?Table\s+\d+[.:]?\b.*$", re.IGNORECASE)
# a table aligned with spaces: cells apart by two or more spaces
_SPACE_CELLS = re.compile(r"[ ]{2,}")
# its header names the patients of the rows ("Pt  Age/sex  BsAb ..."); space-aligned tables of one
# patient's course stay in the narrative, where they are read line by line
_ID_HEADER = re.compile(r"^(?:pts?\.?|patients?|cases?|#|no\.?|n°|id|subjects?)$", re.IGNORECASE)


def decode_bytes(data: bytes, path: str) -> str:
    """Decode text bytes: UTF-8 first, else the detected encoding.

    Raises:
        IngestError: for binary content (NUL bytes) or undetectable encodings.
    """
    for bom, encoding in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                          (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):  # Windows "Unicode" text: UTF-16 with a byte-order mark
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                raise IngestError(path, f"starts as {encoding.upper()} but does not decode ({err.reason})") from err
    if b"\x00" in data[:4096]:
        raise IngestError(path, "binary content (NUL bytes) in a text file; is it really text?")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Windows-1252 is the usual legacy encoding of clinical exports and reads most
    # Western European text; accept it when it decodes to printable text.
    try:
        legacy = data.decode("cp1252")
        if not any(ord(c) < 32 and c not in "\t\n\r\f" for c in legacy):
            return legacy
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise IngestError(path, "not UTF-8 and no text encoding could be detected; re-save as UTF-8")
    return str(best)


def find_text_tables(text: str) -> list[Table]:
    """Find tab-separated, Markdown pipe and space-aligned patient tables in plain text.

    A tab table is three or more consecutive lines with the same number (>= 3) of
    tab-separated cells; a pipe table is consecutive ``| a | b |`` lines (the rule line
    ``|---|---|`` is dropped); a space-aligned table is a header naming patients ("Pt  Age/sex
    Drug ...") and the rows under it with as many cells apart by two or more spaces. A
    "Table N ..." line just above becomes the caption.
    """
    tables: list[Table] = []
    lines = text.splitlines(keepends=True)
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line)
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r\n")
        kind = "tab" if line.count("\t") >= 2 else "pipe" if _PIPE_ROW.match(line) else ""
        if not kind and _space_header(line):
            kind = "space"
        if not kind:
            i += 1
            continue
        j = i
        rows: list[list[str]] = []
        width = line.count("\t")
        while j < len(lines):
            current = lines[j].rstrip("\r\n")
            if kind == "tab" and current.count("\t") == width:
                rows.append([c.strip() for c in current.split("\t")])
            elif kind == "pipe" and _PIPE_ROW.match(current):
                if not _PIPE_RULE.match(current):
                    rows.append([c.strip() for c in current.strip().strip("|").split("|")])
            elif kind == "space" and len(_SPACE_CELLS.split(current.strip())) == len(_SPACE_CELLS.split(line.strip())):
                rows.append([c.strip() for c in _SPACE_CELLS.split(current.strip())])
            else:
                break
            j += 1
        if len(rows) >= 2:
            caption = None
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            if k >= 0 and _CAPTION.match(lines[k]):
                caption = lines[k].strip().strip("*").strip()
            end = offsets[j] if j < len(lines) else len(text)
            tables.append(Table(rows=rows, caption=caption, start=offsets[i], end=end))
        i = max(j, i + 1)
    return tables


def _space_header(line: str) -> bool:
    """A space-aligned header of a table of patients: three or more cells, the first naming
    the patients, none of them a bare number."""
    cells = _SPACE_CELLS.split(line.strip())
    return len(cells) >= 3 and bool(_ID_HEADER.match(cells[0])) and not any(c.isdigit() for c in cells)


def read_text(path: str | Path, *, max_bytes: int = MAX_TEXT_BYTES) -> SourceDocument:
    """Read a .txt or .md document as one page, with its tables found.

    Raises:
        IngestError: empty, too large, binary, or undecodable files.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise IngestError(str(path), f"cannot read the file ({err.strerror})") from err
    if not data.strip():
        raise IngestError(str(path), "empty file")
    if len(data) > max_bytes:
        raise IngestError(
            str(path), f"file of {len(data):,} bytes exceeds the limit of {max_bytes:,} bytes"
        )
    text = decode_bytes(data, str(path)).replace("\r\n", "\n").replace("\r", "\n")
    return SourceDocument(
        doc_id=path.stem,
        path=str(path),
        text=text,
        pages=[Page(1, 0, len(text))],
        tables=find_text_tables(text),
        metadata={"format": path.suffix.lower().lstrip(".") or "txt"},
    )
