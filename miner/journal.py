"""A run's journal: finished work kept on disk so that a killed run resumes where it stopped.

Each finished document (or patient of a note export) is written as one file in
``OUT/.miner-journal/`` the moment it is done, atomically (a temporary file renamed). A run
started again with the same command reads the journal and skips what is in it, so a run
killed with SIGKILL at document 812 does not start again from document 1, and its outputs
equal those of an uninterrupted run. The journal is keyed by the input's content hash, the
miner version and the criteria version: a changed file or changed criteria are redone. It
is removed when the run has written its outputs.

The files are Python pickles written and read only by this process on this machine; the
journal holds the same data as the outputs beside it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

JOURNAL_DIR = ".miner-journal"


class Journal:
    """Finished results of an unfinished run, in ``out_dir/.miner-journal``."""

    def __init__(self, out_dir: Path, *key_parts: str) -> None:
        self.folder = out_dir / JOURNAL_DIR
        self.salt = "\0".join(key_parts)

    def _file(self, *parts: str) -> Path:
        digest = hashlib.sha256("\0".join((self.salt, *parts)).encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{digest}.pkl"

    def get(self, *parts: str) -> Any | None:
        """The result recorded for these parts (a path and a content hash), or None."""
        path = self._file(*parts)
        if not path.is_file():
            return None
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)  # noqa: S301 - written by this program, in its own output folder
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None  # a half-written entry from a kill: redo that document

    def put(self, result: Any, *parts: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._file(*parts)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # atomic: a kill leaves the old state or the new one, never half

    def __len__(self) -> int:
        return len(list(self.folder.glob("*.pkl"))) if self.folder.is_dir() else 0

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
