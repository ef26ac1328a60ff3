"""Source documents handed from ingestion to the pipeline: plain dataclasses, no spaCy."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    """A page's slice of :attr:`SourceDocument.text`: ``text[start:end]`` is page ``number``."""

    number: int  # 1-based
    start: int
    end: int


@dataclass(frozen=True)
class Table:
    """A table kept apart from the body text, as rows of cell strings.

    ``rows[0]`` is the header row when the table has one. ``page`` is 1-based
    (None for plain-text inputs). ``caption`` is the text of a "Table N ..." line
    found next to the table, if any.
    """

    rows: list[list[str]]
    page: int | None = None
    caption: str | None = None
    # offset of the table's text in the document text when the table was also
    # found inline (plain-text inputs); None for PDF tables, which are removed
    # from the body text.
    start: int | None = None
    end: int | None = None


@dataclass
class SourceDocument:
    """One input document: its body text, page map, tables and metadata.

    Every character offset of ``text`` can be traced to its page with
    :meth:`page_at`. For plain-text inputs there is one page.
    """

    doc_id: str
    path: str
    text: str
    pages: list[Page] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def page_at(self, offset: int) -> int | None:
        """Return the 1-based page number holding character ``offset``, or None."""
        if not self.pages:
            return None
        starts = [p.start for p in self.pages]
        index = bisect.bisect_right(starts, offset) - 1
        if index < 0:
            return None
        page = self.pages[index]
        if page.start <= offset < max(page.end, page.start + 1):
            return page.number
        return page.number if offset == page.end else None


class IngestError(Exception):
    """An input that cannot be read; the message names the file and what to do."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
