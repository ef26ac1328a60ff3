"""The report in a real browser: headless Chromium (Debian's package) driven by Playwright.

No browser is downloaded: Playwright launches /usr/bin/chromium (`executable_path`). The test
skips only when Chromium is not installed (scripts/test.sh installs it with apt-get when it can).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app

from .conftest import REPO

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = REPO / "docs" / "report-screenshot.png"


def _chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def test_report_in_chromium(seed_output: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (looked for /usr/bin/chromium and `chromium` on PATH); "
                    "install it with `apt-get install chromium` or run scripts/test.sh, which does")
    from playwright.sync_api import sync_playwright  # the `test` extra installs it

    result = CliRunner().invoke(app, ["report", str(seed_output), "--out", str(tmp_path / "report.html")])
    assert result.exit_code == 0, result.output
    patients = {r["patient_id"]: r for r in map(json.loads, (seed_output / "patients.jsonl").read_text().splitlines())}
    case4 = patients["Case 4"]

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1100}, accept_downloads=True)
        try:
            page = context.new_page()
            errors: list[str] = []
            fetched: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.on("request", lambda request: fetched.append(request.url))
            page.goto((tmp_path / "report.html").as_uri())

            # the cohort: five patients, sortable and filterable
            rows = page.locator("#cohort-table tbody tr")
            rows.first.wait_for()
            assert rows.count() == 5
            assert sorted(page.locator("a.open-patient").all_inner_texts()) == sorted(patients)
            page.click('#cohort-table th[data-key="p"]')
            page.click('#cohort-table th[data-key="p"]')  # descending
            assert page.locator("a.open-patient").first.inner_text() == "Case 5"
            page.select_option("#f-drug", "teclistamab")
            assert page.locator("a.open-patient").all_inner_texts() == ["Case 1"]
            page.select_option("#f-drug", "")
            page.fill("#f-q", "case 4")
            assert page.locator("a.open-patient").all_inner_texts() == ["Case 4"]

            # one patient: timeline with its episode marks, reasons, highlighted evidence
            page.click("a.open-patient")
            marks = page.locator("#detail svg.timeline g.episode-mark")
            marks.first.wait_for()
            assert marks.count() == len(case4["episodes"])
            assert [marks.nth(i).get_attribute("data-grade") for i in range(marks.count())] == \
                [str(e["grade"] or "") for e in case4["episodes"]]
            assert page.locator("#detail ol.reasons > li").count() == len(case4["reasons"])
            assert page.locator("#detail .src-text mark.ent").count() > 0
            drug = page.locator('#detail .src-text .ev mark.ent[data-label="DRUG"]').first
            assert drug.inner_text().startswith("talquetamab")
            page.locator("#detail ol.reasons a.cite").nth(1).click()  # the initial-phase CRS sentence
            flashed = page.locator("#detail .src-text .ev.flash")
            flashed.first.wait_for()
            assert "grade 2" in " ".join(flashed.all_inner_texts())
            assert flashed.first.is_visible()

            # the record downloads as JSON
            with page.expect_download() as download_info:
                page.click("#detail a.download")
            downloaded = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
            assert downloaded["patient_id"] == "Case 4" and downloaded["reasons"] == case4["reasons"]

            page.locator("#detail").scroll_into_view_if_needed()
            page.evaluate("document.getElementById('detail').scrollIntoView({block: 'start'})")
            shot = tmp_path / "report-screenshot.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            SCREENSHOT.parent.mkdir(exist_ok=True)
            shutil.copy(shot, SCREENSHOT)

            # print layout: controls and the cohort give way to the patient
            page.emulate_media(media="print")
            assert not page.locator(".filters").is_visible()
            assert not page.locator("#cohort").is_visible()
            assert page.locator("#detail svg.timeline").is_visible()

            assert errors == []
            assert [url for url in fetched if not url.startswith(("file:", "blob:", "data:"))] == []
        finally:
            context.close()
