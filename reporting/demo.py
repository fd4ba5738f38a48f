"""The demo school's term groupings of last year, taken before its classes move up."""

from __future__ import annotations

import random

from attendance.demo_plan import DemoPlan
from attendance.models import School

from . import periods
from .grouping import grouping_for


def take_last_year_groupings(school: School, rng: random.Random, plan: DemoPlan) -> str:
    """Last year's terms group pupils by last year's classes, as a real school's
    daily job would have taken them; otherwise they would group by this year's."""
    terms = [t for t in periods.terms(school) if t.year == plan.previous.name]
    for term in terms:
        grouping_for(school, term, plan.today)
    return f"Term groupings of {plan.previous.name}: {len(terms)}"
