"""Complementary suppression (*ẩn bổ sung*): a hidden small cell must not be worked out from the rest.

The small-cell rule hides a figure when fewer than k people stand behind it. A table that also shows
its total gives the hidden figure away when it is the only one missing: the total minus the shown
cells is the hidden cell. The dashboard has such sums (the total over the topic rows and over the
days, the previous period's total over its rows, each topic over its communes), so after the
small-cell rule this hides more figures, smallest first, until no hidden figure with messages behind
it can be derived, following derivations from one sum into another as a reader with a spreadsheet
would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(eq=False)
class Figure:
    """One published number: its true value, whether it is hidden, and whether the small-cell rule hid
    it (then it must never be derivable unless it is zero)."""

    value: int
    hidden: bool
    small: bool = False


@dataclass(frozen=True)
class Sum:
    """``total`` equals the sum of ``parts``, exactly: every message is in one part and only one."""

    total: Figure
    parts: Sequence[Figure]

    @property
    def members(self) -> list[Figure]:
        return [self.total, *self.parts]


def _derivable(sums: Sequence[Sum]) -> set[int]:
    """The figures a reader can know: the shown ones, and any that is the only unknown of a sum."""
    known = {id(f) for s in sums for f in s.members if not f.hidden}
    changed = True
    while changed:
        changed = False
        for s in sums:
            unknown = [f for f in s.members if id(f) not in known]
            if len(unknown) == 1:
                known.add(id(unknown[0]))
                changed = True
    return known


def protect(sums: Sequence[Sum]) -> list[Figure]:
    """Hide figures until no small-cell figure with messages can be derived; returns those it hid.

    In the sums that give a small figure away it hides the smallest shown figure (a total is never
    smaller than its parts, so parts go first); when those sums have none left, the smallest shown
    figure anywhere, since the derivation then runs through other sums. Each round hides one more
    figure, so it ends; at worst every figure is hidden.
    """
    hid: list[Figure] = []
    while True:
        known = _derivable(sums)
        leaked = [f for s in sums for f in s.members if f.small and f.value > 0 and id(f) in known]
        if not leaked:
            return hid
        victim = leaked[0]
        around = [f for t in sums if victim in t.members for f in t.members]
        candidates = [f for f in around if not f.hidden] or [
            f for t in sums for f in t.members if not f.hidden
        ]
        if not candidates:
            return hid
        # Smallest first, so the fewest people's figures go; a zero hides nothing, so last.
        chosen = min(candidates, key=lambda f: (f.value == 0, f.value))
        chosen.hidden = True
        hid.append(chosen)
