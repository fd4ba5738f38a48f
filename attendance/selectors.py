"""Reads of the school core, shared by views and other apps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import AcademicYear, Pupil, RegistrationGroup, School, User, YearGroup


def school_for(user: User) -> School | None:
    """The school a member of staff works in (the only school in most installs)."""
    if user.school_id:
        return user.school
    schools = list(School.objects.order_by("id")[:2])
    return schools[0] if len(schools) == 1 else None


def current_academic_year(school: School, today: dt.date) -> AcademicYear | None:
    years = AcademicYear.objects.filter(school=school)
    return (
        years.filter(start_date__lte=today, end_date__gte=today).first()
        or years.filter(start_date__gt=today).order_by("start_date").first()
        or years.order_by("-start_date").first()
    )


def pupils_on_roll(school: School, day: dt.date) -> QuerySet[Pupil]:
    return Pupil.objects.filter(school=school, admission_date__lte=day).filter(
        Q(leaving_date__isnull=True) | Q(leaving_date__gte=day)
    )


def groups_taught_by(user: User, year: AcademicYear | None) -> QuerySet[RegistrationGroup]:
    return (
        RegistrationGroup.objects.filter(teachers=user, academic_year=year)
        .annotate(pupil_count=Count("pupils"))
        .order_by("name")
    )


def matching(pupils, query: str):
    """Pupils whose names (legal or preferred) or UPN match every word typed."""
    for word in query.split():
        pupils = pupils.filter(
            Q(legal_first_name__icontains=word)
            | Q(legal_surname__icontains=word)
            | Q(preferred_first_name__icontains=word)
            | Q(preferred_surname__icontains=word)
            | Q(upn__iexact=word)
        )
    return pupils


def search_pupils(school: School, day: dt.date, query: str = "", group_id: int | None = None):
    pupils = matching(pupils_on_roll(school, day).select_related("registration_group"), query)
    if group_id:
        pupils = pupils.filter(registration_group_id=group_id)
    return pupils.order_by("legal_surname", "legal_first_name")


# Governors see aggregate figures only. Small groups can identify a child, so
# counts under this size are shown as "fewer than 5" (as DfE publications do).
SUPPRESS_BELOW = 5


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    total: int
    suppressible: bool = True

    @property
    def suppressed(self) -> bool:
        return self.suppressible and 0 < self.count < SUPPRESS_BELOW

    @property
    def percent(self) -> float | None:
        if self.suppressed or not self.total:
            return None
        return round(100 * self.count / self.total, 1)


def roll_profile(school: School, day: dt.date) -> dict:
    """Numbers on roll by year group and pupil group: no names, small counts hidden."""
    pupils = pupils_on_roll(school, day)
    flags = {
        "Free school meals": Q(free_school_meals=True),
        "Pupil premium": Q(pupil_premium=True),
        "SEN support (K)": Q(send=Pupil.SEND.SUPPORT),
        "EHC plan (E)": Q(send=Pupil.SEND.EHC_PLAN),
        "English as an additional language": Q(eal=True),
        "Looked-after": Q(looked_after=True),
        "With a social worker": Q(has_social_worker=True),
        "Young carers": Q(young_carer=True),
        "Gypsy, Roma, Traveller or mobile": Q(gypsy_roma_traveller=True),
    }
    counts = pupils.aggregate(
        total=Count("id"), **{f"f{i}": Count("id", filter=q) for i, q in enumerate(flags.values())}
    )
    total = counts["total"]
    by_year = dict(pupils.values_list("year_group").annotate(n=Count("id")))
    return {
        "total": total,
        # Year-group sizes are public (and suppressing one would be undone by
        # subtracting the others from the total); only pupil groups are hidden.
        "by_year": [
            Figure(label, by_year.get(value, 0), total, suppressible=False)
            for value, label in YearGroup.choices
            if value in by_year
        ],
        "groups": [Figure(label, counts[f"f{i}"], total) for i, label in enumerate(flags)],
    }
