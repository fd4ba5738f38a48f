import random
from dataclasses import dataclass
from fractions import Fraction

import pytest

from reporting.suppression import protect, small_sets, too_small


@dataclass(eq=False)
class R:
    name: str
    pupils: int
    hidden: bool = False


def _rank(vectors):
    """Rank by dense elimination: an oracle independent of the code under test."""
    cells = sorted({c for v in vectors for c in v})
    matrix = [[Fraction(v.get(c, 0)) for c in cells] for v in vectors]
    rank = 0
    for col in range(len(cells)):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col]:
                f = matrix[r][col] / matrix[rank][col]
                matrix[r] = [a - f * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def _disclosed(school, rows):
    """Hidden rows whose cells are a combination of the shown rows' (and the school's)."""
    shown = [school] + [cells for row, cells in rows if not row.hidden]
    base = _rank(shown)
    return [row.name for row, cells in rows if row.hidden and _rank([*shown, cells]) == base]


def _tables(cells: dict[tuple[str, str], int]):
    """Year-group rows and class rows over (year, class) cells of given sizes."""
    rows = []
    for index in (0, 1):
        for key in sorted({cell[index] for cell in cells}):
            mine = {cell: 1 for cell in cells if cell[index] == key}
            row = R(key, sum(cells[c] for c in mine))
            row.hidden = too_small(row.pupils)
            rows.append((row, mine))
    return {cell: 1 for cell in cells}, rows


def test_a_year_of_two_classes_hides_both_when_one_is_small():
    school, rows = _tables(
        {("Y3", "Hawthorn"): 6, ("Y3", "Willow"): 5, ("Y5", "Rowan"): 1, ("Y5", "Larch"): 10}
    )
    protect(school, rows)
    hidden = {row.name for row, _ in rows if row.hidden}
    assert hidden == {"Rowan", "Larch"}
    assert _disclosed(school, rows) == []


def test_a_mixed_class_with_a_split_year():
    # Oak holds all of Y5 (3 pupils) and part of Y6; Elm holds the rest of Y6.
    school, rows = _tables({("Y5", "Oak"): 3, ("Y6", "Oak"): 20, ("Y6", "Elm"): 25})
    protect(school, rows)
    assert _disclosed(school, rows) == []
    assert next(r for r, _ in rows if r.name == "Y5").hidden


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_row_can_be_worked_out_from_the_shown_ones(seed):
    rng = random.Random(seed)
    years = [f"Y{n}" for n in range(1, rng.randint(2, 7))]
    classes = [f"C{n}" for n in range(rng.randint(2, 9))]
    cells = {}
    for c in classes:
        for y in rng.sample(years, min(len(years), rng.choice([1, 1, 1, 2]))):
            cells[(y, c)] = rng.choice([1, 2, 3, 4, 6, 9, 15, 28])
    school, rows = _tables(cells)
    before = {row.name for row, _ in rows if row.hidden}
    secrets = small_sets(cells)
    protect(school, rows, secrets)
    assert _disclosed(school, rows) == []
    assert before <= {row.name for row, _ in rows if row.hidden}
    # Nor can a few pupils that no row shows be worked out (a mixed class's
    # two Year 3s): no set of 1-4 pupils is a combination of shown rows.
    shown = [school] + [c for row, c in rows if not row.hidden]
    base = _rank(shown)
    assert not [s for s in secrets if _rank([*shown, s]) == base]


def test_small_sets_are_the_unions_of_cells_under_five():
    sets = small_sets({"a": 1, "b": 3, "c": 2, "d": 9})
    assert sorted(sorted(s) for s in sets) == [["a"], ["a", "b"], ["a", "c"], ["b"], ["c"]]


def test_two_year_3s_in_a_mixed_class_cannot_be_worked_out():
    # Year 3 is Hawthorn (10) and the two Year 3s of Willow, a Year 3/4 class.
    cells = {("Y3", "Hawthorn"): 10, ("Y3", "Willow"): 2, ("Y4", "Willow"): 10}
    school, rows = _tables(cells)
    assert not any(row.hidden for row, _ in rows)
    protect(school, rows, small_sets(cells))
    hidden = {row.name for row, _ in rows if row.hidden}
    # Year 3 less Hawthorn, and Willow less Year 4, would both be those two.
    assert {"Y3", "Hawthorn"} & hidden and {"Willow", "Y4"} & hidden


def test_a_school_of_many_scattered_small_groups_is_still_protected():
    from reporting import dashboard
    from reporting.cohorts import CohortFigures
    from reporting.suppression import protect_school_tables

    # Forty pupils of one year spread one to a class: too many unions to check.
    cells = {f"4:c{n}:true": CohortFigures(pupils=1) for n in range(40)}
    cells |= {f"5:c{n}:true": CohortFigures(pupils=9) for n in range(40)}
    by_year = [
        dashboard.Row(y, CohortFigures(pupils=n), value=y) for y, n in (("4", 40), ("5", 360))
    ]
    by_class = [dashboard.Row(f"c{n}", CohortFigures(pupils=10), value=f"c{n}") for n in range(40)]
    protect_school_tables(cells, by_year, by_class, None)
    assert all(row.hidden for row in by_class)  # each holds one Year 4 pupil
    assert not any(row.hidden for row in by_year)  # 40 and 360 pupils say nothing of one

    def vector(index, value):
        return {k: 1 for k in cells if k.split(":")[index] == value}

    shown = [{k: 1 for k in cells}] + [vector(0, r.value) for r in by_year if not r.hidden]
    base = _rank(shown)
    assert all(_rank([*shown, {k: 1}]) > base for k in cells if k.startswith("4:"))
