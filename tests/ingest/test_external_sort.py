"""The external merge sort under ``miner screen``: same order as ``sorted``, stable, on disk
only when the items outgrow memory, and nothing left behind."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from miner.ingest import external_sort
from miner.ingest.external_sort import ExternalSorter


def _items(count: int) -> list[tuple[str, int]]:
    rng = random.Random(5)
    return [(f"P{rng.randrange(40):03d}", number) for number in range(count)]


def test_small_inputs_stay_in_memory(tmp_path: Path) -> None:
    items = _items(50)
    sorter: ExternalSorter[tuple[str, int]] = ExternalSorter(lambda item: item[0], tmp_path / "runs")
    for item in items:
        sorter.add(item)
    assert list(sorter) == sorted(items, key=lambda item: item[0])
    assert sorter.runs_written == 0 and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("open_runs", [3, 64])  # 3: more runs than can be open, merged in passes
def test_spilled_runs_merge_in_key_order_and_stably(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    open_runs: int) -> None:
    monkeypatch.setattr(external_sort, "MAX_OPEN_RUNS", open_runs)
    items = _items(1000)
    folder = tmp_path / "runs"
    with ExternalSorter(lambda item: item[0], folder, size=lambda item: 100, max_run_bytes=4000) as sorter:
        for item in items:
            sorter.add(item)
        assert len(sorter) == 1000
        assert sorter.runs_written == 25  # 40 items a run
        merged = list(sorter)
    # sorted() is stable: equal patients keep the order they were added in (the second field)
    assert merged == sorted(items, key=lambda item: item[0])
    assert not list(folder.glob("*"))  # close() deleted the runs
