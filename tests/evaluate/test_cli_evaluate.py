"""``miner evaluate`` and ``miner import-gold`` end to end (typer's CliRunner)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from miner.cli import app

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "corpora" / "case-reports" / "dev"
RUNNER = CliRunner()


def test_evaluate_dev_with_predictions_made_by_extract(tmp_path: Path) -> None:
    pred = tmp_path / "pred"
    extracted = RUNNER.invoke(app, ["extract", str(DEV), "--out", str(pred)])
    assert extracted.exit_code == 0, extracted.output
    out = tmp_path / "eval"
    result = RUNNER.invoke(app, ["evaluate", "--gold", str(DEV), "--pred", str(pred), "--out", str(out),
                                 "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    written = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert printed == written
    for section in ("mentions", "episodes", "patients", "probable", "warnings"):
        assert section in written, section
    mentions = written["mentions"]
    assert set(mentions["by_label"]) == {"DRUG", "CRS", "FEVER", "GRADE", "TREATMENT", "TIMING",
                                         "INFECTION_WORKUP", "INFECTION"}
    for label, scores in mentions["by_label"].items():
        for kind in ("strict", "lenient"):
            assert 0.0 <= scores[kind]["f1"] <= 1.0, (label, kind)
        assert scores["lenient"]["tp"] >= scores["strict"]["tp"]
    assert mentions["timing_normalization"]["total"] > 0
    assert len(written["gold_documents"]["mentions"]) == len(list(DEV.glob("*.mentions.json")))
    gold_patients = [p for g in DEV.glob("*.gold.json")
                     for p in json.loads(g.read_text(encoding="utf-8"))["patients"]]
    assert written["patients"]["gold_patients"] == len(gold_patients) == written["patients"]["matched"]
    probable = written["probable"]
    assert probable["tp"] + probable["fn"] == sum(p["classification"] == "probable" for p in gold_patients)
    assert set(probable["sensitivity"]) == {"successes", "total", "value", "ci95"}
    assert written["episodes"]["gold"] > 0


def test_evaluate_prints_tables_and_extracts_itself(tmp_path: Path) -> None:
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    for name in ("dev03-talquetamab-conference-abstract.txt", "dev03-talquetamab-conference-abstract.gold.json",
                 "dev03-talquetamab-conference-abstract.mentions.json"):
        shutil.copy(DEV / name, gold_dir)
    out = tmp_path / "eval"
    result = RUNNER.invoke(app, ["evaluate", "--gold", str(gold_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "predictions" / "mentions.csv").is_file()
    for heading in ("Mentions", "strict", "lenient", "TIMING", "timing normalization", "Episodes", "Patient fields",
                    "sensitivity", "PPV"):
        assert heading in result.stdout, heading
    report = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert report["patients"]["gold_patients"] == 2


def test_evaluate_reports_a_bad_gold_file(tmp_path: Path) -> None:
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "x.mentions.json").write_text('{"doc_id": "x"}', encoding="utf-8")
    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / "patients.jsonl").write_text("", encoding="utf-8")
    result = RUNNER.invoke(app, ["evaluate", "--gold", str(gold_dir), "--pred", str(pred), "--out",
                                 str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "x.mentions.json" in result.output


def test_import_gold_brat(tmp_path: Path) -> None:
    src = tmp_path / "brat"
    src.mkdir()
    (src / "n1.txt").write_text("Fever after talquetamab.", encoding="utf-8")
    (src / "n1.ann").write_text("T1\tSymptom 0 5\tFever\nT2\tDRUG 12 23\ttalquetamab\nR1\tX Arg1:T1 Arg2:T2\n",
                                encoding="utf-8")
    mapping = tmp_path / "map.json"
    mapping.write_text('{"Symptom": "FEVER"}', encoding="utf-8")
    result = RUNNER.invoke(app, ["import-gold", str(src), "--format", "brat", "--out", str(tmp_path / "g"),
                                 "--label-map", str(mapping)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "g" / "n1.mentions.json").read_text(encoding="utf-8"))
    assert [(m["label"], m["text"]) for m in data["mentions"]] == [("FEVER", "Fever"), ("DRUG", "talquetamab")]
    assert "1 relations" in result.output
    bad = RUNNER.invoke(app, ["import-gold", str(src), "--format", "brat", "--out", str(tmp_path / "h")])
    assert bad.exit_code == 2 and "line 1" in bad.output and "Symptom" in bad.output
