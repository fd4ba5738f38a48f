"""Hiding small groups so that no governor can work out one pupil's figures.

A row of fewer than 5 pupils is hidden (primary suppression). That is not
enough on its own: every figure on the dashboard (pupils, sessions, absences)
adds up, so a hidden row can be worked out by adding and subtracting shown
rows whenever its pupils are exactly such a combination: the school less the
other classes, a year group less its other class, a mixed class less the year
group it wholly holds, and longer chains across the two tables.

So each row is written as the set of year-group-and-class cells its pupils
fill, and while some hidden row lies in the span of the shown rows, one more
shown row (the smallest that the combination uses) is hidden too. The school
itself is always shown. With a few dozen rows this takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Protocol

SUPPRESS_BELOW = 5


class Hideable(Protocol):
    hidden: bool

    @property
    def pupils(self) -> int: ...


def too_small(pupils: int) -> bool:
    return 0 < pupils < SUPPRESS_BELOW


# Arithmetic modulo a large prime rather than with fractions: about twenty
# times faster. The span modulo P is the span over the rationals unless P
# divides a minor of these small 0/1 matrices or a denominator of a
# combination, which for a 61-bit prime is vanishingly unlikely; the tests
# check the outcome against exact rational arithmetic.
P = 2**61 - 1


class Span:
    """The combinations of some sparse vectors (cell -> coefficient), kept in
    echelon form so that testing another vector costs a few dictionary sums."""

    def __init__(self, vectors: Sequence[dict[Hashable, int]]):
        # (pivot cell, vector with 1 at the pivot, which inputs make it up)
        self.basis: list[tuple[Hashable, dict, dict]] = []
        for i, vector in enumerate(vectors):
            rest, used = self._reduce({c: x % P for c, x in vector.items() if x % P}, {i: 1})
            if rest:
                pivot = next(iter(rest))
                inverse = pow(rest[pivot], P - 2, P)
                self.basis.append(
                    (
                        pivot,
                        {c: x * inverse % P for c, x in rest.items()},
                        {j: x * inverse % P for j, x in used.items()},
                    )
                )

    def _reduce(self, vector: dict, used: dict) -> tuple[dict, dict]:
        # Each basis vector is zero at the pivots before it, so one pass in
        # order clears every pivot.
        for pivot, base, made_of in self.basis:
            factor = vector.get(pivot)
            if not factor:
                continue
            _subtract(vector, base, factor)
            _subtract(used, made_of, factor)
        return vector, used

    def combination(self, target: dict[Hashable, int]) -> set[int] | None:
        """The inputs that add up to `target`, or None if no combination does."""
        rest, used = self._reduce({c: x % P for c, x in target.items() if x % P}, {})
        return None if rest else set(used)


def _subtract(vector: dict, other: dict, factor: int) -> None:
    """vector -= factor * other (mod P), keeping only non-zero entries."""
    for key, x in other.items():
        value = (vector.get(key, 0) - factor * x) % P
        if value:
            vector[key] = value
        else:
            vector.pop(key, None)


def small_sets(cells: dict[Hashable, int], limit: int = 5000) -> list[dict[Hashable, int]]:
    """Every set of cells holding 1-4 pupils between them, as vectors.

    Only cells of fewer than 5 pupils can be in such a set, and at most four,
    so the sets are few; `limit` bounds a pathological school all the same.
    """
    small = [(c, n) for c, n in cells.items() if too_small(n)]
    found: list[dict[Hashable, int]] = []

    def grow(start: int, chosen: list, total: int) -> None:
        for i in range(start, len(small)):
            cell, n = small[i]
            if total + n < SUPPRESS_BELOW and len(found) < limit:
                found.append({c: 1 for c in [*chosen, cell]})
                grow(i + 1, [*chosen, cell], total + n)

    grow(0, [], 0)
    return found


def protect(
    school: dict[Hashable, int],
    rows: list[tuple[Hideable, dict[Hashable, int]]],
    secrets: list[dict[Hashable, int]] = (),
) -> None:
    """Hide rows until no hidden row, and no secret, is a sum or difference of
    shown ones.

    `school` is the whole school's cells (always shown); each row comes with
    its cells (cell -> 1 when the row holds every pupil of that cell). Rows
    too small to show must already be hidden. `secrets` are sets of cells
    that no row shows but that must not be worked out either: the few pupils
    of one year in a mixed class, say (see `small_sets`).
    """
    rows = [(row, cells) for row, cells in rows if row.pupils]
    while True:
        shown = [(row, cells) for row, cells in rows if not row.hidden]
        span = Span([school] + [cells for _, cells in shown])
        hidden = [cells for row, cells in rows if row.hidden]
        for cells in [*hidden, *secrets]:
            # Input 0 is the school, which stays shown whatever it costs.
            used = [shown[i - 1][0] for i in span.combination(cells) or () if i > 0]
            if used:
                min(used, key=lambda r: r.pupils).hidden = True
                break
        else:
            return
