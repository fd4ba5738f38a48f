"""The national penalty-notice framework (England, from August 2024).

DfE, "Working together to improve school attendance" (2024) and the
Education (Penalty Notices) (England) (Amendment) Regulations 2024: a penalty
notice must be considered when a pupil has 10 sessions of unauthorised absence
(G, O or U) within a rolling 10 school weeks, which may span terms and years.
Notices are per parent, per child: the first within 3 years is £80 if paid
within 21 days or £160 within 28; the second within 3 years is £160 within 28
days; a third within 3 years is not a penalty notice (prosecution or other
measures instead). Both payment periods run from the parent's receipt of the
notice, not its issue: handed over, that day; sent by first-class post, the
second working day after posting (LA codes of conduct). Every number lives
here, so a change in the law is a one-line change; the threshold, the window,
the amounts and the days to deemed receipt can also be set in settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, TypeVar

from django.conf import settings

from attendance import codes
from attendance.school_calendar import england_bank_holidays


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


def posted_received_working_days() -> int:
    """Working days after posting on which a notice sent by first-class post
    is deemed received (LA codes of conduct: the second)."""
    return _setting("PENALTY_POSTED_RECEIVED_WORKING_DAYS", 2)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, except England's bank holidays (school holidays are
    working days: the post runs)."""
    return day.weekday() < 5 and day not in england_bank_holidays(day.year)


def received_on(served_on: dt.date, *, by_post: bool) -> dt.date:
    """The day the parent received the notice, from which both payment periods run.

    LA codes of conduct: a notice handed to the parent is received that day;
    one sent by first-class post "is presumed to be served on the parent to
    whom it is sent on the second working day after it was posted".
    """
    if not by_post:
        return served_on
    day, left = served_on, posted_received_working_days()
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def _pounds(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def in_pounds(amount: Decimal | None) -> str:
    """An amount as a letter or a message says it: £80, £62.50; "" for none
    (a second notice has no reduced amount)."""
    if amount is None:
        return ""
    return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"


MAX_NOTICES_IN_MEMORY = 2
# The payment periods, in days from the parent's receipt of the notice.
REDUCED_PAYMENT_DAYS = 21
FULL_PAYMENT_DAYS = 28


def first_reduced_amount() -> Decimal:
    return _pounds(_setting("PENALTY_FIRST_REDUCED", 80))


def first_full_amount() -> Decimal:
    return _pounds(_setting("PENALTY_FIRST_FULL", 160))


def second_amount() -> Decimal:
    return _pounds(_setting("PENALTY_SECOND", 160))


@dataclass(frozen=True, kw_only=True)
class Amounts:
    sequence: int  # 1st or 2nd notice to this parent for this child within 3 years
    reduced: Decimal | None  # payable within `reduced_days`
    reduced_days: int | None
    full: Decimal
    full_days: int

    def due_on(self, received: dt.date) -> tuple[dt.date | None, dt.date]:
        """The last days to pay the reduced and the full amount: both periods
        run from the parent's receipt of the notice (`received_on`), not its issue."""
        reduced = received + dt.timedelta(days=self.reduced_days) if self.reduced_days else None
        return reduced, received + dt.timedelta(days=self.full_days)


class ThirdNoticeError(ValueError):
    """A third breach within 3 years: the law offers prosecution, not a notice."""


class EarlierNotice(Protocol):
    """What the limit needs to know of a notice (PenaltyNotice has it)."""

    @property
    def issued_on(self) -> dt.date: ...

    @property
    def withdrawn(self) -> bool: ...


N = TypeVar("N", bound=EarlierNotice)


def limit_period_ends(first_issued_on: dt.date) -> dt.date:
    """The first day outside the 3 years that start with a first notice's issue."""
    try:
        return first_issued_on.replace(year=first_issued_on.year + MEMORY_YEARS)
    except ValueError:  # 29 February: the period runs to the end of 28 February
        return dt.date(first_issued_on.year + MEMORY_YEARS, 3, 1)


def notices_counted_toward_limit(earlier: Iterable[N], issued_on: dt.date) -> list[N]:
    """The earlier notices to one parent for one child that count toward the
    limit of two, for a notice issued on `issued_on`; oldest first, and empty
    when that notice would be a first.

    The rule (Education (Penalty Notices) (England) Regulations 2007 as amended
    in 2024, DfE national framework, LA codes of conduct): "A third penalty
    notice cannot be issued to the same parent in respect of the same child
    within 3 years of the date of issue of the first." Norfolk: "This period
    will start from the issue of the 1st penalty notice." Previous notices
    "include those not paid ... but not those which were withdrawn".

    So the periods run in a chain: a notice outside any period starts one of
    3 years from its issue, and the next within it is the second; once the 3
    years from the first are over, the next notice is a first again.
    """
    period: list[N] = []
    standing = sorted(
        (n for n in earlier if not n.withdrawn and n.issued_on <= issued_on),
        key=lambda n: n.issued_on,
    )
    for notice in standing:
        if period and notice.issued_on < limit_period_ends(period[0].issued_on):
            period.append(notice)
        else:
            period = [notice]
    if period and issued_on < limit_period_ends(period[0].issued_on):
        return period
    return []


def amounts_for(counted: Sequence[EarlierNotice]) -> Amounts:
    """The amounts of the next notice to a parent for a child, given the
    earlier notices that count toward the limit (`notices_counted_toward_limit`)."""
    if not counted:
        return Amounts(
            sequence=1,
            reduced=first_reduced_amount(),
            reduced_days=REDUCED_PAYMENT_DAYS,
            full=first_full_amount(),
            full_days=FULL_PAYMENT_DAYS,
        )
    if len(counted) < MAX_NOTICES_IN_MEMORY:
        return Amounts(
            sequence=len(counted) + 1,
            reduced=None,
            reduced_days=None,
            full=second_amount(),
            full_days=FULL_PAYMENT_DAYS,
        )
    dates = " and ".join(f"{n.issued_on:%-d %B %Y}" for n in counted)
    raise ThirdNoticeError(
        f"This parent has had two penalty notices for this child within three years of the "
        f"first (issued {dates}): a third cannot be issued before "
        f"{limit_period_ends(counted[0].issued_on):%-d %B %Y}. Consider prosecution (s.444 "
        "Education Act 1996), an education supervision order or an attendance order."
    )
