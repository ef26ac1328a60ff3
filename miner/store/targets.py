"""Antigen targets of the T-cell-engaging therapies, for records whose ``drug_targets`` is empty.

Records from a summary table ("Pt 1 | glofitamab | ...") may carry drugs without targets; the
cohort counts by target still need them. The table mirrors the ``attrs.target`` of
``patterns/concepts/drugs.jsonl`` (a test checks the two agree).
"""

from __future__ import annotations

from collections.abc import Iterable

DRUG_TARGETS: dict[str, str] = {
    # BCMA x CD3 bispecifics and BCMA CAR-T
    "teclistamab": "BCMA",
    "elranatamab": "BCMA",
    "linvoseltamab": "BCMA",
    "alnuctamab": "BCMA",
    "etentamig": "BCMA",
    "idecabtagene vicleucel": "BCMA",
    "ciltacabtagene autoleucel": "BCMA",
    # GPRC5D
    "talquetamab": "GPRC5D",
    "forimtamig": "GPRC5D",
    # FcRH5
    "cevostamab": "FcRH5",
    # CD20 x CD3
    "epcoritamab": "CD20",
    "glofitamab": "CD20",
    "mosunetuzumab": "CD20",
    "odronextamab": "CD20",
    # CD19 (BiTE and CAR-T)
    "blinatumomab": "CD19",
    "tisagenlecleucel": "CD19",
    "axicabtagene ciloleucel": "CD19",
    "brexucabtagene autoleucel": "CD19",
    "lisocabtagene maraleucel": "CD19",
    "obecabtagene autoleucel": "CD19",
    # solid tumours
    "tarlatamab": "DLL3",
    "catumaxomab": "EpCAM",
    "tebentafusp": "gp100",
}


def targets_of(drugs: Iterable[str], stated: Iterable[str] | None = None) -> list[str]:
    """The targets of a record: its stated ``drug_targets``, else those of its drugs by the table.

    Unknown drugs give no target (they are counted under "unknown" by the cohort).

    >>> targets_of(["glofitamab", "teclistamab"])
    ['CD20', 'BCMA']
    """
    given = [t for t in (stated or []) if t]
    if given:
        return list(dict.fromkeys(given))
    found = (DRUG_TARGETS.get(d.strip().lower()) for d in drugs)
    return list(dict.fromkeys(t for t in found if t))
