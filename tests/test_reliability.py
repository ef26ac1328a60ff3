"""Nothing lost, nothing leaked: broken inputs, a run killed and resumed, byte-identical
reruns, and no network at run time."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app

REPO = Path(__file__).resolve().parents[1]
BROKEN = REPO / "corpora" / "broken"
DATA_FILES = ("patients.jsonl", "patients.csv", "episodes.csv", "timeline.csv", "mentions.csv", "manifest.csv")


def _manifest(out: Path) -> list[dict[str, str]]:
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------------ broken inputs

def test_a_folder_of_broken_inputs_runs_to_completion(tmp_path: Path) -> None:
    inputs = sorted(p for p in BROKEN.iterdir() if p.is_file() and p.name != "README.md")
    assert len([p for p in inputs if not p.name.startswith("good-")]) >= 30
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(BROKEN), "--out", str(out)])
    assert result.exit_code == 1, result.output  # something failed, and the run finished
    rows = {Path(r["path"]).name: r for r in _manifest(out)}
    assert set(rows) == {p.name for p in inputs}  # every input is in the manifest
    for name in ("good-case-report.txt", "good-journal-article.pdf", "txt-cp1252.txt", "txt-utf16.txt"):
        assert rows[name]["status"] == "ok", rows[name]
    for name, row in rows.items():
        if row["status"] != "ok":
            assert row["reason"], name  # every failure says why
    assert "--password" in rows["pdf-encrypted.pdf"]["reason"]
    assert "OCR" in rows["pdf-no-text-layer.pdf"]["reason"]
    assert rows["export-broken-quoting.csv"]["status"] == "skipped"  # a note export: miner screen reads it


def test_broken_note_exports_are_listed_row_by_row(tmp_path: Path) -> None:
    exports = sorted(BROKEN.glob("export-*")) + [BROKEN / "good-notes.csv"]
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["screen", *map(str, exports), "--out", str(out)])
    assert result.exit_code == 1, result.output
    failed = [r for r in _manifest(out) if r["status"] == "failed"]
    reasons = " | ".join(r["reason"] for r in failed)
    for expected in ("broken quoting", "fields where the header has", "duplicate note_id", "in the future",
                     "not valid UTF-8", "missing column", "not a readable Parquet file", "empty file",
                     "not valid JSON", "header and no rows"):
        assert expected in reasons, expected
    assert sum(1 for r in _manifest(out) if r["status"] == "ok") >= 6  # the good notes went through


def test_limits_fail_a_document_with_a_message(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Fever 38.9 after the dose. " * 60_000, encoding="utf-8")  # about 1.6 MB
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(big), "--out", str(out), "--max-mb", "1"])
    assert result.exit_code == 1
    (row,) = _manifest(out)
    assert row["status"] == "failed" and "--max-mb" in row["reason"]
    result = CliRunner().invoke(app, ["extract", str(REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"),
                                      "--out", str(out), "--max-pages", "2"])
    (row,) = _manifest(out)
    assert row["status"] == "failed" and "--max-pages" in row["reason"]


# ------------------------------------------------------------------ killed and resumed

def _run_until_journal(command: list[str], journal: Path, entries: int) -> None:
    """Start a run, kill it with SIGKILL once the journal holds ``entries`` finished items."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and process.poll() is None:
            if journal.is_dir() and len(list(journal.glob("*.pkl"))) >= entries:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run finished before it could be killed; give it more work"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait()


def _miner(*args: str) -> list[str]:
    return [sys.executable, "-c", "from miner.cli import app; app()", *args]


def test_extract_killed_with_sigkill_resumes_to_the_same_outputs(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    sources = sorted((REPO / "corpora" / "case-reports" / "dev").glob("*.txt"))
    for copy in range(3):
        for source in sources:
            shutil.copyfile(source, docs / f"{copy}-{source.name}")
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert subprocess.run(_miner("extract", str(docs), "--out", str(whole)), capture_output=True).returncode == 0
    _run_until_journal(_miner("extract", str(docs), "--out", str(resumed)), resumed / ".miner-journal", 5)
    assert not (resumed / "patients.jsonl").exists()  # killed before any output was written
    again = subprocess.run(_miner("extract", str(docs), "--out", str(resumed)), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "resuming" in again.stderr
    for name in DATA_FILES:
        assert (resumed / name).read_bytes() == (whole / name).read_bytes(), name
    assert not (resumed / ".miner-journal").exists()


def test_screen_killed_with_sigkill_resumes_to_the_same_outputs(tmp_path: Path) -> None:
    export = REPO / "corpora" / "notes" / "sample" / "notes.csv"
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert subprocess.run(_miner("screen", str(export), "--out", str(whole)), capture_output=True).returncode == 0
    _run_until_journal(_miner("screen", str(export), "--out", str(resumed)), resumed / ".miner-journal", 8)
    again = subprocess.run(_miner("screen", str(export), "--out", str(resumed)), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "resuming" in again.stderr
    for name in (*DATA_FILES, "notes.csv"):
        assert (resumed / name).read_bytes() == (whole / name).read_bytes(), name


def test_two_screen_runs_give_identical_files(tmp_path: Path) -> None:
    export = REPO / "corpora" / "notes" / "sample" / "notes.csv"
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert CliRunner().invoke(app, ["screen", str(export), "--out", str(out)]).exit_code == 0
    for name in (*DATA_FILES, "notes.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


# ------------------------------------------------------------------ privacy

def test_no_network_at_run_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("miner tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    seed = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"
    result = CliRunner().invoke(app, ["extract", str(seed), "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    export = REPO / "corpora" / "notes" / "sample" / "notes.csv"
    result = CliRunner().invoke(app, ["screen", str(export), "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output


def test_logs_carry_no_note_text(tmp_path: Path) -> None:
    export = REPO / "corpora" / "notes" / "sample" / "notes.csv"
    broken = BROKEN / "export-broken-quoting.csv"
    result = subprocess.run(_miner("-v", "screen", str(export), str(broken), "--out", str(tmp_path)),
                            capture_output=True, text=True)
    with export.open(encoding="utf-8", newline="") as handle:
        sentences = [line.strip() for row in csv.DictReader(handle) for line in row["text"].splitlines()
                     if len(line.strip()) > 40]
    logged = result.stderr
    assert not [s for s in sentences if s in logged]


def test_evidence_only_cuts_every_snippet(tmp_path: Path) -> None:
    import json

    seed = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"
    result = CliRunner().invoke(app, ["extract", str(seed), "--out", str(tmp_path), "--evidence-only", "40"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (tmp_path / "patients.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 5
    for record in records:
        texts = [e["text"] for ep in record["episodes"] for e in ep["evidence"]]
        texts += [ep["onset_text"] for ep in record["episodes"] if ep["onset_text"]]
        texts += [e["text"] for items in record["evidence"].values() for e in items]
        assert texts and all(len(t) <= 40 for t in texts)
        assert record["classification"] == "probable"  # the findings do not change
