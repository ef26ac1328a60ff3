"""The HTML review report of an output folder (``miner report``): one self-contained file."""

from __future__ import annotations

from miner.report.html import DEFAULT_MAX_SNIPPET, ReportSummary, build_report, write_report
from miner.report.load import ReportInputError, load_outputs
from miner.report.timeline_svg import render_timeline

__all__ = [
    "DEFAULT_MAX_SNIPPET",
    "ReportInputError",
    "ReportSummary",
    "build_report",
    "load_outputs",
    "render_timeline",
    "write_report",
]
