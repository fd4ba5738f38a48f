"""The national penalty-notice framework (England, from August 2024).

DfE, "Working together to improve school attendance" (2024) and the
Education (Penalty Notices) (England) (Amendment) Regulations 2024: a penalty
notice must be considered when a pupil has 10 sessions of unauthorised absence
(G, O or U) within a rolling 10 school weeks, which may span terms and years.
Notices are per parent, per child: the first within 3 years is £80 if paid
within 21 days or £160 within 28; the second within 3 years is £160 within 28
days; a third within 3 years is not a penalty notice (prosecution or other
measures instead). Every number lives here and can be changed in settings, so
a change in the law is a one-line change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from attendance import codes


def _setting(name: str, default):
    return getattr(settings, name, default)


def threshold_sessions() -> int:
    return _setting("PENALTY_THRESHOLD_SESSIONS", 10)


def window_school_weeks() -> int:
    return _setting("PENALTY_WINDOW_SCHOOL_WEEKS", 10)


def approaching_sessions() -> int:
    """Sessions in the window at which a pupil is flagged for early support."""
    return _setting("PENALTY_APPROACHING_SESSIONS", 6)


def threshold_codes() -> list[str]:
    return sorted(codes.threshold_codes())


MEMORY_YEARS = 3


def _pounds(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


MAX_NOTICES_IN_MEMORY = 2


@dataclass(frozen=True)
class Amounts:
    sequence: int  # 1st or 2nd notice to this parent for this child within 3 years
    reduced: Decimal | None  # payable within `reduced_days`
    reduced_days: int | None
    full: Decimal
    full_days: int

    def due_on(self, issued: dt.date) -> tuple[dt.date | None, dt.date]:
        reduced = issued + dt.timedelta(days=self.reduced_days) if self.reduced_days else None
        return reduced, issued + dt.timedelta(days=self.full_days)

    def amount_payable(self, issued: dt.date, paid_on: dt.date) -> Decimal | None:
        """What a payment on `paid_on` must be; None once the notice has expired."""
        reduced_by, full_by = self.due_on(issued)
        if reduced_by and paid_on <= reduced_by:
            return self.reduced
        if paid_on <= full_by:
            return self.full
        return None


class ThirdNoticeError(ValueError):
    """A third breach within 3 years: the law offers prosecution, not a notice."""


def amounts_for(previous_notices_in_memory: int) -> Amounts:
    """The amounts of the next notice to a parent for a child, given how many
    that parent has had for that child in the previous 3 years."""
    if previous_notices_in_memory == 0:
        return Amounts(1, _pounds(_setting("PENALTY_FIRST_REDUCED", 80)), 21,
                       _pounds(_setting("PENALTY_FIRST_FULL", 160)), 28)  # fmt: skip
    if previous_notices_in_memory == 1:
        return Amounts(2, None, None, _pounds(_setting("PENALTY_SECOND", 160)), 28)
    raise ThirdNoticeError(
        "This parent has had two penalty notices for this child in the last three years: "
        "a third cannot be issued. Consider prosecution (s.444 Education Act 1996), an "
        "education supervision order or an attendance order."
    )


def memory_start(issued: dt.date) -> dt.date:
    try:
        return issued.replace(year=issued.year - MEMORY_YEARS)
    except ValueError:  # 29 February
        return issued.replace(year=issued.year - MEMORY_YEARS, day=28)
