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

The policies below write each table as cells: the year-group and class
tables, the pupil groups (the dashboard's and the numbers on roll alike), and
the persistent and severe absence of a pupil group. Every threshold is
SUPPRESS_BELOW.
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


# The policies: which rows of the governors' dashboard and of the numbers on
# roll are hidden, each table written as cells for the algorithm above.

SMALL_SETS_CHECKED = 2000  # sets of 1-4 pupils checked one by one before the blunt rule


class GroupRow(Hideable, Protocol):
    by: str  # the pupil's field (or dimension) the row is drawn from
    value: str


def protect_school_tables(cells: dict, by_year: list, by_class: list, aged=None) -> None:
    """Hide whatever would let a small group be worked out from the year-group
    and class tables and the aged 5-15 column: a hidden row, or a few pupils
    that no row shows (the two Year 3s in a Year 3/4 class, say)."""
    # cells: "year:class:aged" -> figures, the finest split all three add up from.
    filled = {key: f.pupils for key, f in cells.items() if f.pupils}
    parts = {key: key.split(":") for key in filled}

    def of(index: int, value: str) -> dict:
        return {key: 1 for key, p in parts.items() if p[index] == value}

    rows = [(row, of(0, row.value)) for row in by_year]
    rows += [(row, of(1, row.value)) for row in by_class]
    if aged is not None:
        rows.append((aged, of(2, "true")))
    secrets = small_sets(filled, limit=SMALL_SETS_CHECKED)
    if len(secrets) >= SMALL_SETS_CHECKED:
        # Too many scattered small groups to check each: hide every class
        # that holds one, then check each small group on its own.
        for row, in_row in rows[len(by_year) : len(by_year) + len(by_class)]:
            row.hidden = row.hidden or any(too_small(filled[c]) for c in in_row)
        secrets = [{c: 1} for c, n in filled.items() if too_small(n)]
    protect({key: 1 for key in filled}, rows, secrets)


def protect_pupil_groups(groups: list[GroupRow], pupils: int, cells: dict) -> None:
    """Hide whatever would let a small group be worked out from the pupil-group
    rows and the whole (`pupils`, which is shown).

    `cells` are the pupils of each combination of the groups' fields, keyed by
    ((field, value), ...) as reporting.cohorts splits by "flags".
    """
    # The parts of a split (FSM / not FSM, the SEND categories) add up to the
    # school, which is shown, so one hidden part would be the school less the
    # rest: hide them all. A group shown alone (EAL, looked-after...) is
    # hidden when the pupils outside it are 1-4, for the same reason.
    for field in {r.by for r in groups}:
        parts = [r for r in groups if r.by == field]
        outside = pupils - sum(r.pupils for r in parts)
        if any(r.hidden for r in parts) or (outside and too_small(outside)):
            for r in parts:
                r.hidden = True
    _protect_nested_groups(groups, cells)


def _protect_nested_groups(groups: list[GroupRow], cells: dict) -> None:
    """Hide whatever would let a few pupils be worked out by subtracting one
    pupil-group row from another: looked-after children all have a social
    worker, nearly every FSM pupil has the pupil premium."""
    filled = {key: n for key, n in cells.items() if n}
    named = {key: dict(key) for key in filled}
    rows = [
        (r, {k: 1 for k in filled if named[k][r.by] == r.value})
        for r in groups
        if all(r.by in values for values in named.values())
    ]
    secrets = small_sets(filled, limit=SMALL_SETS_CHECKED)
    if len(secrets) >= SMALL_SETS_CHECKED:
        # Too many rare combinations to check every union: check each, and
        # every difference of two groups, one inside the other.
        secrets = [{c: 1} for c, n in filled.items() if too_small(n)]
        for a, cells_a in rows:
            for b, cells_b in rows:
                if b is not a and cells_b.keys() < cells_a.keys():
                    rest = {c: 1 for c in cells_a if c not in cells_b}
                    if too_small(sum(filled[c] for c in rest)):
                        secrets.append(rest)
    protect({key: 1 for key in filled}, rows, secrets)


def protect_absence_counts(groups: list, overall) -> None:
    """Hide a pupil group's persistent (severe) absence when 1-4 of its pupils
    are persistently (severely) absent, or all of them are, or all but 1-4:
    itself a group under 5 (a looked-after child's absence is not for
    governors). `overall` is the school's figures, which are shown."""
    for field in {r.by for r in groups}:
        parts = [r for r in groups if r.by == field]
        outside = overall.pupils - sum(r.pupils for r in parts)
        for measure in ("persistent", "severe"):
            absent = [getattr(r.figures, measure) for r in parts]
            if outside:  # the rest of the school is a part too
                absent.append(getattr(overall, measure) - sum(absent))
            # "All but one of them" says as much as "one of them", and "all" more.
            others = [r.pupils - n for r, n in zip(parts, absent, strict=False) if n]
            if any(too_small(n) for n in absent) or any(n < SUPPRESS_BELOW for n in others):
                for r in parts:
                    setattr(r, f"{measure}_hidden", True)
