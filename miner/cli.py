"""The ``miner`` command line: parses arguments, calls functions, holds no logic."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from miner.extract import DocumentResult

app = typer.Typer(
    help="miner: find probable recurrent late cytokine release syndrome (CRS) in case reports "
    "and clinical notes of patients on T-cell-engaging therapy. Nothing leaves the machine.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details "
                                          "(file names and counts only, never note text).")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="PDF, .txt or .md files, or folders of them "
                                                "(searched recursively).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if needed).")]
    = Path("out"),
    password: Annotated[str | None, typer.Option(help="Password for encrypted PDFs.")] = None,
    fail_fast: Annotated[bool, typer.Option("--fail-fast", help="Stop at the first document that "
                                            "fails instead of recording it and going on.")] = False,
    criteria: Annotated[Path | None, typer.Option(help="A criteria TOML file to use instead of "
                                                  "patterns/criteria/recurrent_late_crs.toml.")]
    = None,
    max_pages: Annotated[int, typer.Option(help="A PDF with more pages is recorded as failed.")] = 500,
    max_mb: Annotated[float, typer.Option(help="A file larger than this (MB) is recorded as failed.")] = 200.0,
    evidence_only: Annotated[int | None, typer.Option("--evidence-only", help="Cut every evidence snippet and "
                                                      "onset text to at most N characters (for sharing "
                                                      "outside the care team).")] = None,
) -> None:
    """Extract CRS episodes and patients from case-report PDFs and texts.

    Writes patients.jsonl, patients.csv, episodes.csv, timeline.csv, mentions.csv and manifest.csv into
    OUT. Every input appears in manifest.csv with status ok, failed or skipped and the
    reason. Exit code 0 when every document was read, 1 when any failed.
    """
    from miner import __version__
    from miner.classify.criteria import load_criteria
    from miner.export.files import limit_snippets, write_outputs
    from miner.extract import Extractor, Limits, discover_inputs, extract_files
    from miner.journal import Journal

    files, problems = discover_inputs(paths)
    extractor = Extractor(criteria=load_criteria(criteria) if criteria else None)
    journal = Journal(out, "extract", __version__, extractor.criteria.version, str(password is not None))
    if len(journal):
        console.print(f"resuming: {len(journal)} documents already done by an interrupted run in {out}")
    results = list(problems)  # missing paths, unsupported types: in the manifest too
    with Progress(TextColumn("[bold]extract"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[name]}"), console=console,
                  transient=False) as progress:
        task = progress.add_task("extract", total=len(files), name="")
        limits = Limits(max_pages=max_pages, max_megabytes=max_mb)
        for result in extract_files(files, extractor, password=password, fail_fast=fail_fast, journal=journal,
                                    limits=limits):
            results.append(result)
            progress.update(task, advance=1, name=result.doc_id)
    if evidence_only is not None:
        for result in results:
            for record in result.patients:
                limit_snippets(record, evidence_only)
    counts = write_outputs(results, out)
    journal.clear()  # the outputs are written: nothing left to resume
    _summary(results, counts, out)
    if counts.get("failed"):
        raise typer.Exit(code=1)


def _summary(results: list[DocumentResult], counts: dict[str, int], out: Path) -> None:
    table = Table(title=f"miner: {counts['documents']} documents, {counts['patients']} patients")
    for column in ("doc_id", "patient", "drugs", "max grade", "interval (d)", "h post-dose",
                   "classification"):
        table.add_column(column)
    for result in sorted(results, key=lambda r: r.path):
        for p in result.patients:
            interval = p.recurrence_interval_days
            hours = p.hours_post_dose
            table.add_row(p.doc_id, p.patient_id, ", ".join(p.drugs), str(p.max_grade or ""),
                          "" if not interval else f"{interval[0]:g}-{interval[1]:g}",
                          "" if not hours else f"{hours[0]:g}-{hours[1]:g}", p.classification)
    Console().print(table)
    failed = [r for r in results if r.status != "ok"]
    for r in failed:
        console.print(f"[red]{r.status}[/red] {r.path}: {r.reason}")
    console.print(f"ok {counts.get('ok', 0)}, failed {counts.get('failed', 0)}, skipped "
                  f"{counts.get('skipped', 0)}; probable {counts['probable']}, possible "
                  f"{counts['possible']}, unlikely {counts['unlikely']}. Output: {out}/ "
                  "(patients.jsonl, patients.csv, episodes.csv, timeline.csv, mentions.csv, manifest.csv)")


@app.command()
def screen(
    exports: Annotated[list[Path], typer.Argument(help="Note exports: .csv, .jsonl or .parquet files, or a folder "
                                                  "of .txt notes with one metadata .csv.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if needed).")] = Path("out"),
    map_: Annotated[list[str] | None, typer.Option("--map", help="Column mapping FIELD=COLUMN, repeatable: "
                                                   "--map text=note_text --map patient_id=mrn. Fields: "
                                                   "patient_id, note_id, note_datetime, text, note_type.")] = None,
    month_first: Annotated[bool, typer.Option("--month-first", help="Read 05/06/2025 as 6 May (US exports) "
                                              "when a patient's notes do not show their order (a date such as "
                                              "10/26/2022 does); the default reads it as 5 June.")] = False,
    workers: Annotated[int, typer.Option(help="Processes screening patients in parallel (results are the "
                                         "same as with one).")] = 1,
    engine: Annotated[str, typer.Option(help="local (this machine, --workers processes) or dask (a Dask "
                                        "cluster; partitioned Parquet is written beside the outputs).")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="With --engine dask: the address of a running "
                                                  "scheduler, e.g. tcp://10.0.0.5:8786 (default: a "
                                                  "LocalCluster on this machine).")] = None,
    undated: Annotated[bool, typer.Option("--undated", help="Accept notes without a date (teaching corpora "
                                          "such as MTSamples); nothing is then placed by note date.")] = False,
    evidence_only: Annotated[int | None, typer.Option("--evidence-only", help="Cut every evidence snippet and "
                                                      "onset text to at most N characters (for sharing "
                                                      "outside the care team).")] = None,
    criteria: Annotated[Path | None, typer.Option(help="A criteria TOML file to use instead of "
                                                  "patterns/criteria/recurrent_late_crs.toml.")] = None,
) -> None:
    """Screen exports of clinical notes (infusion, emergency, progress, discharge) per patient.

    Each patient's notes are read as one timeline: note dates anchor "yesterday" and
    "04/15"; copy-forward text is counted once; the same illness told in several notes is one
    episode; infusion notes give the doses. Writes patients.jsonl (one object per patient_id),
    patients.csv, episodes.csv, timeline.csv, mentions.csv (with note_id), notes.csv (what each
    note contributed) and manifest.csv (every note, and every unreadable row with its row
    number and reason). Exit code 0 when every row was read, 1 when any row failed.
    """
    import time
    from functools import partial

    from miner.classify.criteria import load_criteria
    from miner.export.files import write_partitioned_parquet, write_screen_outputs
    from miner.ingest.by_patient import NotesByPatient
    from miner.ingest.notes import RowProblem, parse_mapping
    from miner.screen import PatientResult, Screener, screen_groups, screen_in_parallel, screen_with_dask

    try:
        if engine not in ("local", "dask"):
            raise ValueError(f"unknown --engine {engine!r}: use local or dask")
        mapping = parse_mapping(map_)
        crit = load_criteria(criteria) if criteria else None
    except ValueError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(code=2) from err
    from miner import __version__
    from miner.journal import Journal

    screener = Screener(criteria=crit, day_first=not month_first)
    journal = Journal(out, "screen", __version__, screener.criteria.version, str(month_first), str(undated),
                      repr(sorted(mapping.items())))
    if len(journal):
        console.print(f"resuming: {len(journal)} patients already done by an interrupted run in {out}")
    run = partial(screen_with_dask, scheduler=scheduler, workers=max(2, workers),
                  criteria_path=str(criteria) if criteria else None, day_first=not month_first) \
        if engine == "dask" else partial(screen_in_parallel, screener, workers=workers)
    export_id = exports[0].name.split(".")[0] if len(exports) == 1 else "notes"
    started = time.perf_counter()
    flagged: list[tuple[str, ...]] = []  # table rows of the probable and possible patients
    shown: list[RowProblem] = []  # the first unreadable rows, for the console
    notes_read = patients = 0
    # rows are sorted by patient on disk (OUT/.miner-sort) and screened one patient at a time
    with NotesByPatient(out / ".miner-sort") as reader:
        for export in exports:
            error = reader.read(export, mapping, day_first=not month_first, undated=undated)
            if error is not None:  # the whole export cannot be read; the other exports go on
                console.print(f"[red]failed[/red] {error}")
        with Progress(TextColumn("[bold]screen"), BarColumn(), MofNCompleteColumn(), TextColumn("notes"),
                      TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task("screen", total=reader.notes)

            def screened() -> Iterator[PatientResult]:
                nonlocal notes_read, patients
                for result in screen_groups(reader.groups(), run, journal):
                    notes_read += len(result.notes)
                    patients += 1
                    progress.update(task, advance=len(result.notes))
                    record = result.record
                    if record is not None and record.classification != "unlikely":
                        interval, hours = record.recurrence_interval_days, record.hours_post_dose
                        flagged.append((
                            record.patient_id, ", ".join(record.drugs),
                            str(sum(1 for e in record.episodes if e.phase == "late" and not e.summary)),
                            "" if not interval else f"{interval[0]:g}-{interval[1]:g}",
                            "" if not hours else f"{hours[0]:g}-{hours[1]:g}", record.classification))
                    yield result

            def listed() -> Iterator[RowProblem]:
                for problem in reader.problems():
                    if len(shown) < 20:
                        shown.append(problem)
                    yield problem

            counts = write_screen_outputs(screened(), listed(), out, export_id, max_snippet=evidence_only)
            progress.update(task, completed=reader.notes)
    elapsed = time.perf_counter() - started
    if engine == "dask":
        write_partitioned_parquet(out)
    journal.clear()
    table = Table(title=f"miner screen: {counts['notes']} notes, {counts['patients']} patients")
    for column in ("patient_id", "drugs", "late episodes", "interval (d)", "h post-dose", "classification"):
        table.add_column(column)
    for row in flagged:
        table.add_row(*row)
    Console().print(table)
    for problem in shown:
        console.print(f"[red]row {problem.row}[/red] {problem.source}: {problem.reason}")
    if counts["failed"] > 20:
        console.print(f"... and {counts['failed'] - 20} more unreadable rows: see {out}/manifest.csv")
    rate = notes_read / elapsed if elapsed > 0 else 0.0
    console.print(f"{notes_read} notes of {patients} patients in {elapsed:.1f} s ({rate:.0f} notes/s); "
                  f"unreadable rows {counts['failed']}; probable {counts['probable']}, possible "
                  f"{counts['possible']}, unlikely {counts['unlikely']}. Output: {out}/")
    if counts["failed"]:
        raise typer.Exit(code=1)


@app.command()
def criteria(
    path: Annotated[Path | None, typer.Option(help="Criteria TOML to show (default: the one "
                                              "in force).")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Also print the TOML file as written.")] = False,
) -> None:
    """Print the recurrence criteria in force, their version and what each setting means.

    Every output records the version it used (patients.jsonl `criteria_version`). To change
    a setting, copy the file, edit it, bump `version` and pass it to `miner extract --criteria`.
    """
    from miner.classify.criteria import describe_criteria, load_criteria

    try:
        crit = load_criteria(path)
    except ValueError as err:
        console.print(f"[red]{err}[/red]")
        raise typer.Exit(code=2) from err
    table = Table(title=f"{crit.title}\nversion {crit.version} ({crit.path})", show_lines=True)
    for column in ("section", "setting", "value", "meaning"):
        table.add_column(column, overflow="fold")
    for section, key, value, meaning in describe_criteria(crit):
        table.add_row(section, key, value, meaning)
    Console().print(table)
    if raw:
        Console().print(Path(crit.path).read_text(encoding="utf-8"), markup=False, highlight=False)


@app.command()
def show(
    out: Annotated[Path, typer.Argument(help="An output folder of `miner extract`.")],
    patient: Annotated[str | None, typer.Option(help="Only this patient_id.")] = None,
) -> None:
    """Print each patient's classification with its reasons and evidence."""
    path = out / "patients.jsonl"
    if not path.is_file():
        console.print(f"[red]{path} not found[/red]: run `miner extract ... --out {out}` first")
        raise typer.Exit(code=2)
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if patient and record["patient_id"] != patient:
            continue
        Console().print(f"[bold]{record['doc_id']} / {record['patient_id']}[/bold]: "
                        f"{record['classification']}")
        for reason in record["reasons"]:
            Console().print(f"  - {reason}", markup=False, highlight=False)


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Option("--gold", "-g", help="Folder searched recursively for gold: "
                                       "*.gold.json / gold.json (patient level) and *.mentions.json "
                                       "(mention level).")],
    paths: Annotated[list[Path] | None, typer.Argument(help="Documents to extract and score (default: the "
                                                      "documents beside the gold files). Ignored with --pred.")]
    = None,
    pred: Annotated[Path | None, typer.Option("--pred", "-p", help="An output folder of `miner extract` to "
                                              "score instead of extracting now.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where evaluation.json (and, without --pred, "
                                      "predictions/) are written.")] = Path("evaluation"),
    as_json: Annotated[bool, typer.Option("--json", help="Print evaluation.json to standard output "
                                          "instead of tables.")] = False,
) -> None:
    """Score miner against gold annotations and write OUT/evaluation.json.

    Mentions: precision, recall and F1 per label, strict (same span) and lenient (overlapping span).

    Also: timing normalization and assertion accuracy, episode matching, patient-field accuracy.

    The "probable" flag: sensitivity, specificity and PPV with Wilson 95% intervals.

    Mention gold exists for .txt/.md documents only; see corpora/GUIDELINES.md.

    Example: miner evaluate --gold corpora/case-reports/dev --out /tmp/eval
    """
    from miner.evaluate.mentions import GoldFormatError
    from miner.evaluate.run import run_evaluate

    try:
        with Progress(TextColumn("[bold]extract"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[name]}"), console=console, transient=True,
                      disable=pred is not None) as progress:
            task = progress.add_task("extract", total=None, name="")
            report = run_evaluate(gold, paths, pred, out,
                                  on_progress=lambda r: progress.update(task, advance=1, name=r.doc_id))
    except (GoldFormatError, FileNotFoundError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from err
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_evaluation(report.to_dict())
    for warning in report.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"Written: {out / 'evaluation.json'}")


def _ci(p: dict) -> str:  # type: ignore[type-arg]
    if p["value"] is None:
        return "- (0/0)"
    return f"{p['value']:.3f} ({p['ci95'][0]:.3f}-{p['ci95'][1]:.3f}) {p['successes']}/{p['total']}"


def _print_evaluation(data: dict) -> None:  # type: ignore[type-arg]
    """The evaluation as rich tables (stdout)."""
    screen = Console()
    mentions = data["mentions"]
    if mentions:
        table = Table(title="Mentions (strict: exact span; lenient: overlapping span, one to one)",
                      box=box.SIMPLE_HEAD)
        for column in ("label", "gold", "pred", "strict\nP", "strict\nR", "strict\nF1", "lenient\nP",
                       "lenient\nR", "lenient\nF1"):
            table.add_column(column, justify="left" if column == "label" else "right")
        rows = [*mentions["by_label"].items(), ("micro", mentions["micro"])]
        for label, scores in rows:
            s, le = scores["strict"], scores["lenient"]
            table.add_row(label, str(s["tp"] + s["fn"]), str(s["tp"] + s["fp"]),
                          *(f"{x[k]:.3f}" for x in (s, le) for k in ("precision", "recall", "f1")),
                          end_section=label == list(mentions["by_label"])[-1])
        screen.print(table)
        extra = Table(title="Mention values (over lenient matches)")
        for column in ("measure", "accuracy", "correct/total"):
            extra.add_column(column)
        def ratio_row(name: str, r: dict) -> None:  # type: ignore[type-arg]
            extra.add_row(name, "-" if r["accuracy"] is None else f"{r['accuracy']:.3f}",
                          f"{r['correct']}/{r['total']}")
        ratio_row("timing normalization", mentions["timing_normalization"])
        for label, r in mentions["value_accuracy"].items():
            if label != "TIMING":
                ratio_row(f"{label} value", r)
        for label, r in mentions["norm_accuracy"].items():
            ratio_row(f"{label} norm", r)
        ratio_row("assertion", mentions["assertion_accuracy"])
        screen.print(extra)
    episodes = data["episodes"]
    table = Table(title=f"Episodes: {episodes['matched']} matched of {episodes['gold']} gold and "
                  f"{episodes['predicted']} predicted (same phase, in order, onset ±1 day or ±6 h)")
    table.add_column("measure")
    table.add_column("value (Wilson 95% CI) k/n")
    for name in ("precision", "recall", "grade_accuracy", "treatment_set_accuracy"):
        table.add_row(name.replace("_", " "), _ci(episodes[name]))
    screen.print(table)
    patients = data["patients"]
    table = Table(title=f"Patient fields ({patients['matched']} of {patients['gold_patients']} gold "
                  f"patients matched, {patients['predicted_patients']} predicted)")
    table.add_column("field")
    table.add_column("accuracy (95% CI) correct/total")
    for name, p in patients["by_field"].items():
        table.add_row(name, _ci(p))
    table.add_row("all fields", _ci(patients["field_accuracy"]), end_section=True)
    screen.print(table)
    probable = data["probable"]
    table = Table(title=f"'probable' flag: TP {probable['tp']}, FP {probable['fp']}, FN {probable['fn']}, "
                  f"TN {probable['tn']}")
    table.add_column("measure")
    table.add_column("value (Wilson 95% CI) k/n")
    for name in ("sensitivity", "specificity", "ppv", "npv"):
        table.add_row(name.upper() if name in ("ppv", "npv") else name, _ci(probable[name]))
    screen.print(table)


@app.command("import-gold")
def import_gold(
    source: Annotated[Path, typer.Argument(help="brat: a folder of .ann/.txt pairs or one .ann file; "
                                           "jsonl: a Prodigy or Doccano JSONL export.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the <doc_id>.mentions.json files.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="brat or jsonl.")] = "brat",
    label_map: Annotated[Path | None, typer.Option("--label-map", help="JSON object mapping the tool's "
                                                   "label names to miner's (null drops a label).")] = None,
) -> None:
    """Convert brat or Prodigy/Doccano JSONL annotations into gold files (<doc_id>.mentions.json).

    Assertions come from brat attributes (Negated, Hypothetical, Historical, Family, Uncertain).

    Everything else is "present". Put each output beside its document, then run `miner evaluate`.
    """
    from miner.evaluate.importers import (
        GoldImportError,
        import_brat,
        import_jsonl,
        load_label_map,
        write_gold_documents,
    )

    if fmt not in ("brat", "jsonl"):
        console.print(f"[red]error[/red]: --format must be brat or jsonl, not {fmt!r}")
        raise typer.Exit(code=2)
    try:
        mapping = load_label_map(label_map) if label_map else None
        result = import_brat(source, mapping) if fmt == "brat" else import_jsonl(source, mapping)
    except (GoldImportError, OSError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from err
    written = write_gold_documents(result.documents, out)
    for warning in result.warnings:
        console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    ignored = ", ".join(f"{n} {kind}" for kind, n in sorted(result.ignored.items()))
    console.print(f"{len(written)} gold files written to {out}/ "
                  f"({sum(len(d.mentions) for d in result.documents)} mentions)"
                  + (f"; ignored: {ignored}" if ignored else ""))


@app.command()
def report(
    out_dir: Annotated[Path, typer.Argument(help="An output folder of `miner extract` or `miner screen`.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="The HTML file to write (default: "
                                             "OUT_DIR/report.html).")] = None,
    evidence_only: Annotated[bool, typer.Option("--evidence-only", help="Carry no source text beyond the "
                                                "evidence snippets (each cut to --max-snippet characters), "
                                                "for sharing outside the care team.")] = False,
    max_snippet: Annotated[int, typer.Option("--max-snippet", min=20, help="With --evidence-only: the longest "
                                             "snippet, in characters.")] = 300,
    map_: Annotated[list[str] | None, typer.Option("--map", help="For `miner screen` output: the same column "
                                                   "mapping FIELD=COLUMN as the screen run, to re-read the "
                                                   "note export.")] = None,
) -> None:
    """Write a self-contained HTML review report of an output folder (one file, opens without network).

    Cohort table: sort; filter by classification, drug and grade; pages; each row opens its patient.

    Patient: dose timeline (SVG), reasons linked to their evidence, record download (JSON), print layout.

    Evidence is shown in the source text, re-read from the inputs named in manifest.csv.

    Mentions are highlighted by label; negated ones struck through, hypothetical ones dashed.

    Example: miner extract corpora/seed/della-pepa-2026-recurrent-crs.pdf --out out && miner report out

    Then open out/report.html. To share outside the care team: miner report out --evidence-only -o shared.html
    """
    from miner.ingest.notes import parse_mapping
    from miner.report import ReportInputError, write_report

    try:
        result = write_report(out_dir, out, evidence_only=evidence_only, max_snippet=max_snippet,
                              mapping=parse_mapping(map_))
    except (ReportInputError, ValueError) as err:
        console.print(f"[red]error[/red]: {err}", markup=True, highlight=False)
        raise typer.Exit(code=2) from err
    for notice in result.notices:
        console.print(f"notice: {notice}", markup=False, highlight=False, soft_wrap=True)
    what = "evidence snippets only" if result.evidence_only else f"{result.sources_shown} source texts"
    console.print(f"Report of {result.patients} patients ({what}, {result.size_bytes / 1e6:.1f} MB): {result.path}",
                  markup=False, highlight=False, soft_wrap=True)


@app.command()
def cohort(
    paths: Annotated[list[Path] | None, typer.Argument(help="Output folders of `miner extract` / `miner screen` to "
                                                        "load (again: a re-loaded document replaces its rows), "
                                                        "or a .duckdb store.")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="The DuckDB store that accumulates runs (default: "
                                            "<first folder>/miner.duckdb).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for cohort.json, cohort_counts.csv and "
                                             "table1.csv/.md/.xlsx (default: <store folder>/cohort).")] = None,
    all_patients: Annotated[bool, typer.Option("--all", help="Count every patient, not only probable and "
                                               "possible recurrent late CRS.")] = False,
) -> None:
    """Aggregate the cohort: load outputs into the store, count each patient once, write Table 1.

    Probable duplicates (an abstract and the full paper, a series and its follow-up) are linked, counted once.

    Counts by drug, target, classification, age, first-CRS and maximum grade, recurrence interval, hours after the
    dose, treatments and impact on treatment; Table 1 has one row per patient (CSV, Markdown, Excel).

    Example: miner cohort out --db registry.duckdb --out out/cohort
    """
    from miner.store.cohort import COHORT_CLASSES, build_cohort, render_cohort, write_cohort
    from miner.store.duckdb_store import load_outputs

    try:
        db_path, loads = load_outputs(paths or [], db)
        summary = build_cohort(db_path, None if all_patients else COHORT_CLASSES)
    except (FileNotFoundError, ValueError) as err:
        console.print(f"[red]error[/red]: {err}", markup=True, highlight=False)
        raise typer.Exit(code=2) from err
    for load in loads:
        console.print(f"loaded {load.patients} patients, {load.documents} documents ({load.command}, run "
                      f"{load.run_id}); {load.replaced_patients} rows of earlier loads replaced")
    for table in render_cohort(summary):
        Console().print(table)
    written = write_cohort(summary, out or db_path.parent / "cohort")
    console.print(f"store {db_path}: {summary.records} records, {summary.duplicates} duplicates counted once. "
                  f"Written: {', '.join(str(p) for p in written)}")


@app.command("export")
def export_cohort(
    paths: Annotated[list[Path], typer.Argument(help="Output folders of `miner extract` / `miner screen` (loaded "
                                                "into the store first), or a .duckdb store.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, parquet, xlsx (tables), fhir (one FHIR R4 "
                                     "Bundle per patient) or redcap (data dictionary + import file).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into (xlsx: a .xlsx file or a "
                                      "folder).")],
    db: Annotated[Path | None, typer.Option("--db", help="The DuckDB store (default: <first folder>/"
                                            "miner.duckdb).")] = None,
    salt: Annotated[str, typer.Option("--salt", help="Secret mixed into the pseudonymous ids (FHIR Patient, "
                                      "REDCap record_id); use one for note exports.")] = "",
    classification: Annotated[list[str] | None, typer.Option("--classification", "-c", help="Only patients so "
                                                             "classified; repeatable (default: all).")] = None,
    include_duplicates: Annotated[bool, typer.Option("--include-duplicates", help="Also export records linked "
                                                     "as duplicates of another (each names its kept record).")]
    = False,
) -> None:
    """Export the cohort store for registries: tables, FHIR R4 bundles or a REDCap form.

    Each patient is exported once: records linked as duplicates are left out unless --include-duplicates.

    REDCap: recurrent_crs_dictionary.csv (the data dictionary) and recurrent_crs_import.csv, where each pre-filled
    value has a confidence and its evidence (document, page, character span, text) beside it.

    Example: miner export out --format redcap --out out/redcap -c probable -c possible
    """
    from miner.export.registry import WRITERS, export_store
    from miner.export.store_data import ExportOptions
    from miner.store.duckdb_store import load_outputs

    if fmt not in WRITERS:
        console.print(f"[red]error[/red]: --format must be one of {', '.join(WRITERS)}, not {fmt!r}")
        raise typer.Exit(code=2)
    try:
        db_path, _ = load_outputs(paths, db)
        written = export_store(db_path, fmt, out, ExportOptions(salt=salt), include_duplicates=include_duplicates,
                               classifications=classification or None)
    except (FileNotFoundError, ValueError) as err:
        console.print(f"[red]error[/red]: {err}", markup=True, highlight=False)
        raise typer.Exit(code=2) from err
    shown = ", ".join(str(p) for p in written[:4]) + (f", ... ({len(written)} files)" if len(written) > 4 else "")
    console.print(f"{fmt}: {len(written)} file{'s' if len(written) != 1 else ''} written from {db_path}: {shown}")


if __name__ == "__main__":
    app()
