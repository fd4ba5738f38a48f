"""Reads of the school core, shared by views and other apps."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from .models import AcademicYear, Pupil, RegistrationGroup, School, User


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
