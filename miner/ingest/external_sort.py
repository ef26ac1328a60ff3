"""Sorting more rows than memory holds: an external merge sort on disk.

A hospital export is millions of notes in whatever order the database wrote them, and
``miner screen`` reads them patient by patient. :class:`ExternalSorter` keeps items in memory
until their estimated size passes ``max_run_bytes``, then sorts that run and writes it to a
file (one pickle after another); iterating merges the runs with :func:`heapq.merge`, holding
one item of each run. Memory holds one run while items are added and one item per run
while they are read back, whatever the number of items; an input that fits in one run never
touches the disk. The sort is stable: items with equal keys come back in the order they
were added.

The run files are pickles written and read by this process only, in a folder of the
caller's choosing (``miner screen`` uses its output folder), deleted by :meth:`close`.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")

MAX_RUN_BYTES = 32 * 1024 * 1024
MAX_OPEN_RUNS = 64  # more runs than this are merged in passes, so open files stay few
_BUFFER = 1 << 16


def _read_run(path: Path) -> Iterator[Any]:
    with path.open("rb", buffering=_BUFFER) as handle:
        while True:
            try:
                yield pickle.load(handle)  # noqa: S301 - a run file this process wrote
            except EOFError:
                return


class ExternalSorter(Generic[T]):
    """Items sorted by ``key``, spilled to ``folder`` in sorted runs when they outgrow memory.

    Example: notes by patient, 64 MB at most in memory::

        sorter = ExternalSorter(lambda note: note.patient_id, Path("out/.miner-sort"),
                                size=lambda note: sys.getsizeof(note.text), max_run_bytes=64 << 20)
        for note in notes:
            sorter.add(note)
        for note in sorter:  # by patient_id; a patient's notes in the order they were added
            ...

    Args:
        key: the sort key of an item (any comparable, picklable value).
        folder: where run files go; created when the first run is written.
        size: the estimated bytes an item holds in memory (``sys.getsizeof`` by default).
        max_run_bytes: a run is written to disk when its items' sizes add up to this.
    """

    def __init__(self, key: Callable[[T], Any], folder: Path, *, size: Callable[[T], int] = sys.getsizeof,
                 max_run_bytes: int = MAX_RUN_BYTES) -> None:
        self.key = key
        self.folder = folder
        self.size = size
        self.max_run_bytes = max_run_bytes
        self._buffer: list[tuple[Any, int, T]] = []
        self._buffered_bytes = 0
        self._runs: list[Path] = []
        self._runs_written = 0
        self._written = 0
        self._count = itertools.count()

    def __len__(self) -> int:
        return self._written + len(self._buffer)

    @property
    def runs_written(self) -> int:
        """How many runs went to disk (0 when everything fitted in memory)."""
        return self._runs_written

    def add(self, item: T) -> None:
        # the sequence number makes the sort stable and keeps tuples from comparing items
        self._buffer.append((self.key(item), next(self._count), item))
        self._buffered_bytes += self.size(item)
        if self._buffered_bytes >= self.max_run_bytes:
            self._spill()

    def _new_run(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._runs_written += 1
        return self.folder / f"run-{self._runs_written:06d}.pkl"

    def _write_run(self, entries: Iterator[tuple[Any, int, T]] | list[tuple[Any, int, T]]) -> Path:
        path = self._new_run()
        with path.open("wb", buffering=_BUFFER) as handle:
            for entry in entries:
                pickle.dump(entry, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    def _spill(self) -> None:
        if not self._buffer:
            return
        self._buffer.sort()  # by key, then sequence: unique, so items themselves are never compared
        self._runs.append(self._write_run(self._buffer))
        self._written += len(self._buffer)
        self._buffer = []
        self._buffered_bytes = 0

    def __iter__(self) -> Iterator[T]:
        """The items in key order; the runs on disk are merged as they are read."""
        self._buffer.sort()
        while len(self._runs) > MAX_OPEN_RUNS:  # merge the oldest runs into one, until few are left
            merged = self._write_run(heapq.merge(*(_read_run(p) for p in self._runs[:MAX_OPEN_RUNS])))
            for path in self._runs[:MAX_OPEN_RUNS]:
                path.unlink()
            self._runs = [merged, *self._runs[MAX_OPEN_RUNS:]]
        sources: list[Iterator[tuple[Any, int, T]]] = [_read_run(p) for p in self._runs]
        sources.append(iter(self._buffer))
        for _, _, item in heapq.merge(*sources):
            yield item

    def close(self) -> None:
        """Delete the run files and forget the items."""
        for path in self._runs:
            path.unlink(missing_ok=True)
        self._runs = []
        self._buffer = []
        self._buffered_bytes = 0

    def __enter__(self) -> ExternalSorter[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
