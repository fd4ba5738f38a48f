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
from fractions import Fraction
from typing import Protocol

SUPPRESS_BELOW = 5


class Hideable(Protocol):
    hidden: bool

    @property
    def pupils(self) -> int: ...


def too_small(pupils: int) -> bool:
    return 0 < pupils < SUPPRESS_BELOW


def _combination(
    vectors: Sequence[dict[Hashable, int]], target: dict[Hashable, int]
) -> list[Fraction] | None:
    """Coefficients c with sum(c[i] * vectors[i]) == target, or None if there are none."""
    cells = sorted({c for v in vectors for c in v} | set(target), key=str)
    # One equation per cell, one unknown per vector: Gauss-Jordan over the rationals.
    rows = [
        [Fraction(v.get(cell, 0)) for v in vectors] + [Fraction(target.get(cell, 0))]
        for cell in cells
    ]
    n = len(vectors)
    pivots = []
    r = 0
    for col in range(n):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [x / lead for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(col)
        r += 1
    if any(all(x == 0 for x in row[:n]) and row[n] != 0 for row in rows):
        return None  # inconsistent: the target is not a combination
    solution = [Fraction(0)] * n
    for i, col in enumerate(pivots):
        solution[col] = rows[i][n]
    return solution


def protect(school: dict[Hashable, int], rows: list[tuple[Hideable, dict[Hashable, int]]]) -> None:
    """Hide rows until no hidden row is a sum or difference of shown ones.

    `school` is the whole school's cells (always shown); each row comes with
    its cells (cell -> 1 when the row holds every pupil of that cell). Rows
    too small to show must already be hidden.
    """
    rows = [(row, cells) for row, cells in rows if row.pupils]
    while True:
        shown = [(row, cells) for row, cells in rows if not row.hidden]
        vectors = [school] + [cells for _, cells in shown]
        for row, cells in rows:
            if not row.hidden:
                continue
            solution = _combination(vectors, cells)
            # Coefficient 0 is the school, which stays shown whatever it costs.
            used = [shown[i - 1][0] for i, c in enumerate(solution or []) if i > 0 and c != 0]
            if used:
                min(used, key=lambda r: r.pupils).hidden = True
                break
        else:
            return
