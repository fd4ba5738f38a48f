"""The governors' termly dashboard: aggregate figures only, small groups suppressed.

Every figure comes from registers.statistics (the DfE method). No pupil's
name or identifier is ever put in this context, so no template can show one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from attendance.models import RegistrationGroup, School, YearGroup
from attendance.selectors import SUPPRESS_BELOW
from registers.statistics import (
    CohortFigures,
    cohort_figures_all,
)

from . import charts, periods
from .models import NationalFigure

PUPIL_GROUPS = [
    ("free_school_meals", "true", "Free school meals"),
    ("free_school_meals", "false", "Not eligible for free school meals"),
    ("pupil_premium", "true", "Pupil premium"),
    ("send", "K", "SEN support (K)"),
    ("send", "E", "EHC plan (E)"),
    ("send", "N", "No SEN"),
    ("eal", "true", "English as an additional language"),
    ("looked_after", "true", "Looked-after"),
    ("has_social_worker", "true", "With a social worker"),
    ("young_carer", "true", "Young carers"),
]
NATIONAL_FOR_GROUP = {
    "Free school meals": "fsm-absence",
    "Not eligible for free school meals": "non-fsm-absence",
    "SEN support (K)": "sen-support-absence",
    "EHC plan (E)": "ehc-absence",
    "No SEN": "no-sen-absence",
}


@dataclass
class Row:
    label: str
    figures: CohortFigures
    national_absence: float | None = None
    by: str = ""  # the dimension and value behind the row, for staff to drill down
    value: str = ""
    hidden_with_a_neighbour: bool = False

    @property
    def suppressed(self) -> bool:
        return self.hidden_with_a_neighbour or 0 < self.figures.pupils < SUPPRESS_BELOW


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


def _overall(school: School, period: periods.Period | None, today: dt.date):
    if period is None or period.start > today:
        return None
    # A comparison needs only the whole-school line, not every split.
    whole = cohort_figures_all(
        school.id, period.start, min(period.end, today), dimensions=("school",)
    )
    figures = whole["school"].get("all")
    return (period.name, figures) if figures else None


def governors_dashboard(
    school: School, period: periods.Period, today: dt.date, all_terms
) -> Dashboard:
    end = min(period.end, today)
    split = cohort_figures_all(school.id, period.start, end)
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
    national = {n.key: float(n.value) for n in NationalFigure.objects.all()}
    groups = []
    for dimension, value, label in PUPIL_GROUPS:
        figures = split[dimension].get(value, CohortFigures())
        groups.append(
            Row(label, figures, national.get(NATIONAL_FOR_GROUP.get(label, "")), dimension, value)
        )
    # Complementary suppression: if one part of a split (FSM / not FSM, the
    # SEND categories) is hidden, hide the others too, or the hidden figure
    # could be worked out from the whole school less the rest.
    for dimension in {r.by for r in groups}:
        parts = [r for r in groups if r.by == dimension]
        if len(parts) > 1 and any(r.suppressed for r in parts):
            for r in parts:
                r.hidden_with_a_neighbour = True
    for rows in (by_year, by_class):
        hidden = [r for r in rows if r.suppressed]
        if len(hidden) == 1:  # one hidden row is the total less the others
            visible = sorted(
                (r for r in rows if not r.suppressed and r.figures.pupils),
                key=lambda r: r.figures.pupils,
            )
            if visible:
                visible[0].hidden_with_a_neighbour = True
    weekly = split["weekly"]
    target = float(school.attendance_target)
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
        previous=_overall(school, periods.previous(all_terms, period), today),
        last_year=_overall(school, periods.same_last_year(all_terms, period), today),
        national={
            "overall_absence": national.get(f"{period.season}-overall-absence"),
            "persistent_absence": national.get(f"{period.season}-persistent-absence"),
        },
        terms=all_terms,
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


def table_rows(board: Dashboard) -> list[list]:
    """The dashboard's tables as CSV rows (aggregates only; suppressed stay suppressed)."""
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
    ]
    rows = [header, ["whole school", board.period.name, *_numbers(Row("", board.overall))]]
    for table, items in (
        ("year group", board.by_year),
        ("class", board.by_class),
        ("pupil group", board.groups),
    ):
        rows += [[table, r.label, *_numbers(r)] for r in items]
    return rows


def _numbers(row: Row) -> list:
    if row.suppressed:
        return ["fewer than 5"] + [""] * 6
    f = row.figures
    return [
        f.pupils,
        f.attendance_rate,
        f.absence_rate,
        f.authorised_rate,
        f.unauthorised_rate,
        f.persistent_rate,
        f.severe_rate,
    ]
