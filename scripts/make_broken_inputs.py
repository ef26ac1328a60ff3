"""Write corpora/broken/: broken inputs of every kind miner must survive, mixed with good ones.

Usage:
    python scripts/make_broken_inputs.py [--out corpora/broken]

Deterministic (fixed random seed). The encrypted PDF needs `qpdf` (Debian package qpdf); it is
committed, so the folder is complete on a machine without it. Good inputs are copies of
project documents (a dev case report, a CC BY journal PDF, a few generated notes).
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED_PDF = REPO / "corpora" / "seed" / "della-pepa-2026-recurrent-crs.pdf"
GOOD_TXT = REPO / "corpora" / "case-reports" / "dev" / "dev01-epcoritamab-single-report.txt"
GOOD_PDF = REPO / "corpora" / "real-pdfs" / "datta2010_jtmo_dvt_prophylaxis.pdf"
NOTES = REPO / "corpora" / "notes" / "sample" / "notes.csv"
HEADER = ["patient_id", "note_id", "note_datetime", "note_type", "text"]


def _image_only_pdf() -> bytes:
    """A valid one-page PDF that draws a rectangle and holds no text (a scan without OCR)."""
    content = b"0.5 g 72 72 200 100 re f"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _notes_rows(count: int) -> list[dict[str, str]]:
    with NOTES.open(encoding="utf-8", newline="") as handle:
        return [row for _, row in zip(range(count), csv.DictReader(handle), strict=False)]


def _write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def make(out: Path) -> list[Path]:
    rng = random.Random(20261124)
    out.mkdir(parents=True, exist_ok=True)
    seed = SEED_PDF.read_bytes()
    written: dict[str, bytes] = {
        # PDFs
        "pdf-truncated.pdf": seed[: len(seed) // 3],
        "pdf-random-bytes.pdf": bytes(rng.randrange(256) for _ in range(4096)),
        "pdf-header-only.pdf": b"%PDF-1.7\n",
        "pdf-zero-bytes.pdf": b"",
        "pdf-is-text.pdf": GOOD_TXT.read_bytes()[:2000],
        "pdf-is-html.pdf": b"<!DOCTYPE html><html><body><p>Not a PDF.</p></body></html>\n",
        "pdf-no-text-layer.pdf": _image_only_pdf(),
        "pdf-garbled-body.pdf": seed[:2000] + bytes(rng.randrange(256) for _ in range(len(seed) - 4000))
        + seed[-2000:],
        "pdf-zip-bytes.pdf": b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(512)),
        # texts
        "txt-empty.txt": b"",
        "txt-whitespace.txt": b" \n\t\n   \n",
        "txt-random-bytes.txt": bytes(rng.randrange(256) for _ in range(3000)),
        "txt-png-bytes.txt": b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(800)),
        "txt-nul-bytes.txt": b"fever 38.9 after the dose\x00\x00\x00" * 50,
        "md-empty.md": b"",
        "txt-cp1252.txt": "Fièvre à 38,9 °C après la dose de téclistamab; hémocultures négatives.\n".encode("cp1252"),
        "txt-utf16.txt": "Fever of 38.9 °C after each teclistamab dose.\n".encode("utf-16"),
        # types miner extract does not read (listed as skipped)
        "image.png": b"\x89PNG\r\n\x1a\n" + bytes(16),
        "letter.docx": b"PK\x03\x04" + bytes(64),
        "archive.zip": b"PK\x05\x06" + bytes(18),
        "no-extension": b"Fever after every dose.\n",
        # note exports (for miner screen; extract lists them as skipped)
        "export-not-parquet.parquet": b"patient_id,note_id\n1,2\n",
        "export-empty.csv": b"",
        "export-header-only.csv": (",".join(HEADER) + "\n").encode(),
        "export-bad-lines.jsonl": b'{"patient_id": "P1", "note_id": "a", "note_datetime": "2025-01-02", '
                                  b'"text": "fever 38.5"}\n{not json\n[1, 2, 3]\n',
    }
    for name, data in written.items():
        (out / name).write_bytes(data)
    rows = _notes_rows(6)
    good = [[r[h] for h in HEADER] for r in rows]
    _write_csv(out / "export-broken-quoting.csv", good[:2])
    with (out / "export-broken-quoting.csv").open("ab") as handle:
        handle.write(b'P9,x1,2025-03-01,ed,"a "broken" quote"\nP9,x2,2025-03-02,ed\n')
    _write_csv(out / "export-missing-columns.csv", [[r["patient_id"], r["text"]] for r in rows[:2]],
               header=["patient_id", "text"])
    _write_csv(out / "export-duplicate-ids.csv", good[:3] + [good[0]])
    _write_csv(out / "export-future-dates.csv", good[:2] + [["P9", "f1", "2099-01-01T10:00", "ed", "fever 39"]])
    with (out / "export-not-utf8.csv").open("wb") as handle:
        handle.write((",".join(HEADER) + "\n").encode())
        handle.write('P8,n1,2025-03-01,ed,"fièvre 39 °C après la dose"\n'.encode("cp1252"))
    # good inputs, mixed in
    shutil.copyfile(GOOD_TXT, out / "good-case-report.txt")
    shutil.copyfile(GOOD_PDF, out / "good-journal-article.pdf")
    _write_csv(out / "good-notes.csv", good)
    encrypted = out / "pdf-encrypted.pdf"
    if not encrypted.exists() and shutil.which("qpdf"):
        subprocess.run(["qpdf", "--encrypt", "secret", "secret", "256", "--", str(GOOD_PDF), str(encrypted)],
                       check=True)
    return sorted(out.iterdir())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "corpora" / "broken")
    args = parser.parse_args()
    files = make(args.out)
    print(f"{len(files)} files in {args.out}")


if __name__ == "__main__":
    main()
