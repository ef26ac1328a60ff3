"""medspaCy's overlap test and match pruning, shared by ``miner_context`` and ``miner_sections``.

Both are kept exactly as medspaCy 1.3 has them (``medspacy.util.tuple_overlaps`` and
``medspacy.common.util.prune_overlapping_matches``), so that modifiers and section headers
are the ones medspaCy's components would keep.
"""


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """``b`` starts or ends inside ``a`` (so a ``b`` that strictly contains ``a`` does not
    overlap it: medspaCy's test, asymmetric as it is)."""
    return a[0] <= b[0] < a[1] or a[0] < b[1] <= a[1]


def prune_overlapping(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Prune ``(rule, start, end)`` matches, "longest" strategy: sort by position, keep the
    longer of each overlapping neighbour pair (the first when equal), repeat until nothing
    changes. "no history of" (0-3) wins over "history of" (1-3)."""
    while matches:
        remaining = sorted(matches, key=lambda m: (m[1], m[2]))
        pruned = []
        current = remaining[0]
        index = 1
        while True:
            if index == len(remaining):
                pruned.append(current)
                break
            following = remaining[index]
            index += 1
            if overlaps((current[1], current[2]), (following[1], following[2])):
                pruned.append(max(current, following, key=lambda m: m[2] - m[1]))
                if index == len(remaining):
                    break
                current = remaining[index]
                index += 1
            else:
                pruned.append(current)
                current = following
        if len(pruned) == len(matches):
            return pruned
        matches = pruned
    return matches
