"""Peak memory of `miner screen` against the size of the export: 10,000 against 100,000 notes.

    .venv/bin/python scripts/memory.py [--sizes 10000,100000] [--shuffle] [--workers N] [--keep DIR]

For each size, writes a synthetic export with `scripts/generate_notes.py` (about 21 notes a
patient, so patients = notes / 21) into a temporary folder, runs `miner screen` on it in a
subprocess and reads that subprocess's peak resident set size from `os.wait4` (the largest
of the process and the children it waited for, such as `--workers` processes; a maximum over
processes, not a sum). `--shuffle` writes the rows in random order, so that the export is not
grouped by patient and miner has to sort it. Ends with one line
`memory: peak_<big>/peak_<small>=R` (target: R close to 1, at most 1.3). No assertions: the
figures are this machine's.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTES_PER_PATIENT = 21.1  # generate_notes.py's mean with --notes-per-patient-max 48 (12,645 notes / 600)


def generate(notes: int, folder: Path, seed: int, export_format: str, shuffle: bool) -> Path:
    """An export of about ``notes`` notes in ``folder``; returns the notes file."""
    patients = max(1, round(notes / NOTES_PER_PATIENT))
    subprocess.run([sys.executable, str(REPO / "scripts" / "generate_notes.py"), "--patients", str(patients),
                    "--seed", str(seed), "--format", export_format, "--out", str(folder)],
                   check=True, capture_output=True)
    path = next(folder.glob("notes.*"))
    if shuffle:
        if export_format != "csv":
            raise SystemExit("--shuffle works on --format csv")
        csv.field_size_limit(sys.maxsize)
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        body = rows[1:]
        random.Random(seed).shuffle(body)
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([rows[0], *body])
    return path


def peak_of(command: list[str], log: Path) -> tuple[float, float, int]:
    """Run ``command``; return (wall seconds, peak RSS in MB, exit code)."""
    started = time.perf_counter()
    with log.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return time.perf_counter() - started, usage.ru_maxrss / 1024, process.returncode


def count_notes(out: Path) -> tuple[int, int]:
    with (out / "notes.csv").open(encoding="utf-8", newline="") as handle:
        notes = sum(1 for _ in csv.DictReader(handle))
    with (out / "patients.jsonl").open(encoding="utf-8") as handle:
        patients = sum(1 for line in handle if line.strip())
    return notes, patients


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="numbers of notes, comma-separated")
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--format", default="csv", choices=("csv", "jsonl", "parquet"))
    parser.add_argument("--shuffle", action="store_true", help="rows in random order (not grouped by patient)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep exports and outputs in this folder")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="miner-memory-"))
    peaks = []
    try:
        for size in sizes:
            export = generate(size, folder / f"export-{size}", args.seed, args.format, args.shuffle)
            out = folder / f"out-{size}"
            command = [sys.executable, "-c", "from miner.cli import app; app()", "screen", str(export),
                       "--out", str(out), "--workers", str(args.workers)]
            wall, peak, code = peak_of(command, folder / f"screen-{size}.log")
            if code not in (0, 1):
                print((folder / f"screen-{size}.log").read_text(encoding="utf-8", errors="replace")[-3000:])
                raise SystemExit(f"miner screen failed on {size} notes (exit {code})")
            notes, patients = count_notes(out)
            peaks.append(peak)
            print(f"{notes:,} notes, {patients:,} patients output: peak RSS {peak:,.0f} MB, {wall:,.1f} s "
                  f"({notes / wall:,.0f} notes/s), workers {args.workers}"
                  f"{', shuffled rows' if args.shuffle else ''}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    if len(peaks) >= 2:
        print(f"memory: peak_{sizes[-1]}/peak_{sizes[0]}={peaks[-1] / peaks[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
