"""Score `miner screen` output against the gold of `scripts/generate_notes.py`.

Usage:
    python scripts/score_notes.py --gold DIR/gold.jsonl --pred OUT/patients.jsonl [--list]

Prints sensitivity, specificity and PPV of the probable flag (with Wilson 95% intervals),
the classification confusion table, and the recurrence-interval agreement on true
positives. ``--list`` names the patients that were misclassified (for development seeds
only: do not read the errors of a seed you report as held out).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from miner.evaluate.stats import wilson_interval


def _load(path: Path, key: str = "patient_id") -> dict[str, dict]:  # type: ignore[type-arg]
    return {row[key]: row for row in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                                      if line.strip())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--pred", type=Path, required=True)
    parser.add_argument("--list", action="store_true", help="list misclassified patients")
    args = parser.parse_args()
    gold = _load(args.gold)
    pred = _load(args.pred)
    confusion: Counter[tuple[str, str]] = Counter()
    tp = fp = fn = tn = 0
    wrong = []
    interval_ok = interval_total = 0
    for patient_id, truth in sorted(gold.items()):
        record = pred.get(patient_id)
        predicted = record["classification"] if record else "unlikely"
        confusion[(truth["classification"], predicted)] += 1
        is_true, is_pred = truth["classification"] == "probable", predicted == "probable"
        tp += is_true and is_pred
        fp += is_pred and not is_true
        fn += is_true and not is_pred
        tn += not is_true and not is_pred
        if truth["classification"] != predicted:
            wrong.append((patient_id, truth["scenario"], truth["classification"], predicted))
        if is_true and is_pred and truth.get("recurrence_interval_days"):
            interval_total += 1
            got = record.get("recurrence_interval_days") if record else None
            lo, hi = truth["recurrence_interval_days"]
            interval_ok += bool(got) and got[0] <= hi + 2 and got[1] >= lo - 2  # type: ignore[index]

    def rate(k: int, n: int) -> str:
        if n == 0:
            return "- (0/0)"
        low, high = wilson_interval(k, n)
        return f"{k / n:.3f} ({low:.3f}-{high:.3f}) {k}/{n}"

    print(f"patients {len(gold)}; probable flag: TP {tp} FP {fp} FN {fn} TN {tn}")
    print(f"sensitivity {rate(tp, tp + fn)}")
    print(f"specificity {rate(tn, tn + fp)}")
    print(f"PPV         {rate(tp, tp + fp)}")
    print(f"recurrence interval within 2 days on true positives: {rate(interval_ok, interval_total)}")
    print("gold \\ predicted: " + ", ".join(f"{g}->{p}: {n}" for (g, p), n in sorted(confusion.items())))
    if args.list:
        for row in wrong:
            print("  ", *row)


if __name__ == "__main__":
    main()
