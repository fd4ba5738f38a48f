"""Freezing who is in which group for a term (see reporting.models.Grouping)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from attendance.models import School

from . import periods
from .cohorts import GROUPED_FIELDS
from .models import GroupedPupil, Grouping


def grouping_for(school: School, term: periods.Period, today: dt.date) -> Grouping | None:
    """The term's grouping, taken now if the term has started and has none yet."""
    if term.start > today:
        return None
    grouping = Grouping.objects.filter(school=school, term=term.key).first()
    if grouping is not None:
        return grouping
    with transaction.atomic():
        grouping, created = Grouping.objects.get_or_create(
            school=school, term=term.key, defaults={"taken_at": timezone.now()}
        )
        if created:
            columns = ", ".join(GROUPED_FIELDS)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {GroupedPupil._meta.db_table} (grouping_id, pupil_id, {columns})
                    SELECT %s, id, {columns} FROM attendance_pupil WHERE school_id = %s
                    """,
                    [grouping.id, school.id],
                )
    return grouping


def take_current_groupings(now: dt.datetime) -> int:
    """Take the grouping of every school's current term that has none yet."""
    taken = 0
    for school in School.objects.all():
        today = timezone.localdate(now, school.tz)
        term = periods.current(periods.terms(school), today)
        if term and not Grouping.objects.filter(school=school, term=term.key).exists():
            taken += bool(grouping_for(school, term, today))
    return taken
