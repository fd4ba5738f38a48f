"""The governors' termly dashboard: aggregate figures only, small groups suppressed.

Every figure comes from reporting.cohorts (the DfE method), every rule for
hiding one from reporting.suppression, the pupil groups from
attendance.pupil_groups. No pupil's name or identifier is ever put in this
context, so no template can show one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from attendance.models import RegistrationGroup, School, YearGroup
from attendance.pupil_groups import DASHBOARD_GROUPS

from . import charts, past_terms, periods
from .cohorts import CohortFigures, cohort_figures_all
from .grouping import grouping_for
from .models import NationalFigure
from .suppression import (
    SUPPRESS_BELOW,
    protect_absence_counts,
    protect_pupil_groups,
    protect_school_tables,
    too_small,
)

NO_CLASS = "none"  # the class key of pupils on roll without a class
FEWER = f"fewer than {SUPPRESS_BELOW}"  # what a table shows for a small group


@dataclass
class Row:
    label: str
    figures: CohortFigures
    national_absence: float | None = None
    by: str = ""  # the dimension and value behind the row, for staff to drill down
    value: str = ""
    hidden: bool = False  # too small, or hidden so a small neighbour cannot be worked out
    # Persistent or severe absence of 1-4 pupils in a pupil group: itself a
    # group under 5 (a looked-after child's absence is not for governors).
    persistent_hidden: bool = False
    severe_hidden: bool = False

    def __post_init__(self):
        self.hidden = self.hidden or too_small(self.figures.pupils)

    @property
    def pupils(self) -> int:
        return self.figures.pupils

    @property
    def suppressed(self) -> bool:
        return self.hidden

    @property
    def too_small(self) -> bool:
        return too_small(self.figures.pupils)


@dataclass
class Dashboard:
    school_name: str
    period: periods.Period
    end: dt.date
    target: float
    overall: CohortFigures
    by_year: list[Row]
    by_class: list[Row]
    groups: list[Row]
    weekly: list[tuple[dt.date, float]]
    previous: tuple[str, CohortFigures] | None
    last_year: tuple[str, CohortFigures] | None
    national: dict[str, float] = field(default_factory=dict)
    year_chart: str = ""
    trend_chart: str = ""
    terms: list[periods.Period] = field(default_factory=list)
    # Pupils aged 5-15 on 31 August, as the DfE's national figures count them;
    # None when that is every pupil, or would leave out fewer than 5.
    aged_5_to_15: CohortFigures | None = None
    grouped_on: dt.date | None = None  # the day the term's groups were frozen
    grouping_id: int | None = None
    school_hidden: bool = False  # fewer than 5 pupils in the whole period


def _comparisons(school: School, compared: list[periods.Period | None], today: dt.date):
    """(name, figures) of each term compared with, or None (not started, or
    no pupil with a possible session in it)."""
    started = [p for p in compared if p is not None and p.start <= today]
    # A comparison needs only the whole-school line, and a term that has
    # ended keeps it (reporting.past_terms).
    figures = past_terms.whole_school(
        school.id, list({(p.start, min(p.end, today)) for p in started}), today
    )
    result = []
    for p in compared:
        f = figures.get((p.start, min(p.end, today))) if p in started else None
        result.append((p.name, f) if f is not None and f.pupils else None)
    return result


def governors_dashboard(
    school: School, period: periods.Period, today: dt.date, all_terms
) -> Dashboard:
    end = min(period.end, today)
    # A term's groups as they stood at its start (half-term reports are whole
    # school only, so need none).
    grouping = grouping_for(school, period, today) if period.half is None else None
    split = cohort_figures_all(
        school.id, period.start, end, grouping_id=grouping.id if grouping else None
    )
    overall = split["school"].get("all", CohortFigures())
    years = split["year_group"]
    year_labels = dict(YearGroup.choices)
    by_year = [
        Row(year_labels[v], years[v], by="year_group", value=v)
        for v, _ in YearGroup.choices
        if v in years
    ]
    classes = split["registration_group"]
    names = dict(
        RegistrationGroup.objects.filter(
            id__in=[int(k) for k in classes if k.isdigit()]
        ).values_list("id", "name")
    )
    by_class = sorted(
        (
            Row(names.get(int(k), "?"), f, by="registration_group", value=k)
            for k, f in classes.items()
            if k.isdigit()
        ),
        key=lambda r: r.label,
    )
    if NO_CLASS in classes:  # pupils on roll without a class still count
        by_class.append(Row("No class", classes[NO_CLASS], by="registration_group", value=NO_CLASS))
    national = {n.key: float(n.value) for n in NationalFigure.objects.all()}
    groups = []
    for group in DASHBOARD_GROUPS:
        groups.append(
            Row(
                group.label,
                split[group.field].get(group.value, CohortFigures()),
                national.get(f"{period.season}-{group.national}"),
                group.field,
                group.value,
            )
        )
    aged = _aged_5_to_15(overall, split["aged_5_to_15"].get("true"))
    protect_school_tables(split["cell"], by_year, by_class, aged)
    flags = {key: f.pupils for key, f in split["flags"].items()}
    protect_pupil_groups(groups, overall.pupils, flags)
    protect_absence_counts(groups, overall)
    if too_small(overall.pupils):  # a handful of pupils: nothing can be shown
        for row in by_year + by_class + groups:
            row.hidden = True
    weekly = split["weekly"]
    target = float(school.attendance_target)
    previous, last_year = _comparisons(
        school,
        [periods.previous(all_terms, period), periods.same_last_year(all_terms, period)],
        today,
    )
    board = Dashboard(
        school_name=school.name,
        period=period,
        end=end,
        target=target,
        overall=overall,
        by_year=by_year,
        by_class=by_class,
        groups=groups,
        weekly=weekly,
        previous=previous,
        last_year=last_year,
        national={
            "overall_absence": national.get(f"{period.season}-overall-absence"),
            "persistent_absence": national.get(f"{period.season}-persistent-absence"),
        },
        terms=all_terms,
        aged_5_to_15=aged.figures if aged and not aged.hidden else None,
        school_hidden=too_small(overall.pupils),
        grouped_on=timezone.localdate(grouping.taken_at, school.tz) if grouping else None,
        grouping_id=grouping.id if grouping else None,
    )
    board.year_chart = charts.bar_chart(
        [
            (r.label.replace("Year ", "Y"), None if r.suppressed else r.figures.attendance_rate)
            for r in by_year
        ],
        target,
        "Attendance by year group",
    )
    board.trend_chart = charts.line_chart(
        [(f"{monday:%-d %b}", rate) for monday, rate in weekly], target, "Attendance week by week"
    )
    return board


def _aged_5_to_15(overall: CohortFigures, aged: CohortFigures | None) -> Row | None:
    """The like-for-like column, unless it is every pupil (nothing to compare)."""
    if aged is None or aged.pupils == overall.pupils:
        return None
    return Row("Aged 5-15", aged, by="aged_5_to_15", value="true")


def table_rows(board: Dashboard, profile=None) -> list[list]:
    """Every table of the page as CSV rows (aggregates only; hidden rows stay hidden)."""
    header = [
        "table",
        "group",
        "pupils",
        "attendance %",
        "absence %",
        "authorised %",
        "unauthorised %",
        "persistent absence %",
        "severe absence %",
        "national absence %",
    ]
    if board.school_hidden:
        return [header, ["whole school", board.period.name, FEWER]]
    rows = [header, ["whole school", board.period.name, *_numbers(Row("", board.overall))]]
    if board.aged_5_to_15:
        rows.append(
            ["whole school aged 5-15", board.period.name, *_numbers(Row("", board.aged_5_to_15))]
        )
    for compared in (board.previous, board.last_year):
        if compared:
            rows.append(["whole school", compared[0], *_numbers(Row("", compared[1]))])
    rows.append(
        [
            "national",
            f"{board.period.season} figures",
            *[""] * 2,
            board.national.get("overall_absence"),
            *[""] * 2,
            board.national.get("persistent_absence"),
            "",
        ]
    )
    for table, items in (
        ("year group", board.by_year),
        ("class", board.by_class),
        ("pupil group", board.groups),
    ):
        rows += [[table, r.label, *_numbers(r), r.national_absence] for r in items]
    rows += [["week", f"w/c {monday:%-d %b %Y}", "", rate] for monday, rate in board.weekly]
    if profile is not None:
        rows += [
            ["on roll", f.label, (FEWER if f.too_small else "hidden") if f.suppressed else f.count]
            for f in profile["groups"]
        ]
    return rows


def _numbers(row: Row) -> list:
    if row.suppressed:
        return [FEWER if row.too_small else "hidden"] + [""] * 6
    f = row.figures
    counts = [
        "hidden" if row.persistent_hidden else f.persistent_rate,
        "hidden" if row.severe_hidden else f.severe_rate,
    ]
    return [
        f.pupils,
        f.attendance_rate,
        f.absence_rate,
        f.authorised_rate,
        f.unauthorised_rate,
        *counts,
    ]
