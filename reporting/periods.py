"""Reporting periods: terms (two half-terms each) and half-terms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from attendance.models import School, Term


@dataclass(frozen=True)
class Period:
    key: str  # e.g. "2026/27-autumn"
    name: str  # e.g. "Autumn term 2026/27"
    season: str
    year: str
    start: dt.date
    end: dt.date
    half: int | None = None  # 1 or 2 for a half-term, None for a whole term


def terms(school: School) -> list[Period]:
    halves = Term.objects.filter(academic_year__school=school).select_related("academic_year")
    grouped: dict[tuple[str, str], list[Term]] = {}
    for half in halves.order_by("start_date"):
        grouped.setdefault((half.academic_year.name, half.season), []).append(half)
    periods = [
        Period(
            f"{year.replace('/', '-')}-{season}",
            f"{season.capitalize()} term {year}",
            season,
            year,
            min(h.start_date for h in parts),
            max(h.end_date for h in parts),
        )
        for (year, season), parts in grouped.items()
    ]
    return sorted(periods, key=lambda p: p.start)


def half_terms(school: School) -> list[Period]:
    halves = Term.objects.filter(academic_year__school=school).select_related("academic_year")
    return [
        Period(
            f"{h.academic_year.name.replace('/', '-')}-{h.season}-{h.half}",
            f"{h.get_season_display()} {h.half} {h.academic_year.name}",
            h.season,
            h.academic_year.name,
            h.start_date,
            h.end_date,
            h.half,
        )
        for h in halves.order_by("start_date")
    ]


def current(periods: list[Period], today: dt.date) -> Period | None:
    """The period containing today, or the latest that has started."""
    started = [p for p in periods if p.start <= today]
    return started[-1] if started else (periods[0] if periods else None)


def previous(periods: list[Period], period: Period) -> Period | None:
    index = periods.index(period)
    return periods[index - 1] if index > 0 else None


def same_last_year(periods: list[Period], period: Period) -> Period | None:
    start_year = int(period.year[:4]) - 1
    wanted = f"{start_year}/{str(start_year + 1)[-2:]}"
    return next(
        (
            p
            for p in periods
            if p.year == wanted and p.season == period.season and p.half == period.half
        ),
        None,
    )


def halves_of(halves: list[Period], term: Period) -> list[Period]:
    """The half-terms that make up `term`."""
    return [h for h in halves if term.start <= h.start and h.end <= term.end]
