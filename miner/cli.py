"""The ``miner`` command line: parses arguments, calls functions, holds no logic."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
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
) -> None:
    """Extract CRS episodes and patients from case-report PDFs and texts.

    Writes patients.jsonl, patients.csv, episodes.csv, timeline.csv, mentions.csv and manifest.csv into
    OUT. Every input appears in manifest.csv with status ok, failed or skipped and the
    reason. Exit code 0 when every document was read, 1 when any failed.
    """
    from miner.classify.criteria import load_criteria
    from miner.export.files import write_outputs
    from miner.extract import Extractor, discover_inputs, extract_files

    files, problems = discover_inputs(paths)
    extractor = Extractor(criteria=load_criteria(criteria) if criteria else None)
    results = list(problems)  # missing paths, unsupported types: in the manifest too
    with Progress(TextColumn("[bold]extract"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[name]}"), console=console,
                  transient=False) as progress:
        task = progress.add_task("extract", total=len(files), name="")
        for result in extract_files(files, extractor, password=password, fail_fast=fail_fast):
            results.append(result)
            progress.update(task, advance=1, name=result.doc_id)
    counts = write_outputs(results, out)
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
def criteria(
    path: Annotated[Path | None, typer.Option(help="Criteria TOML to show (default: the one "
                                              "in force).")] = None,
) -> None:
    """Print the recurrence criteria in force and their version."""
    from miner.classify.criteria import load_criteria

    crit = load_criteria(path)
    Console().print(f"[bold]{crit.title}[/bold]\nversion {crit.version}\nfile {crit.path}\n")
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


if __name__ == "__main__":
    app()
