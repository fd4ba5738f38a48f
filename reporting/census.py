"""The school census attendance extract: per pupil, sessions possible and
absence sessions by reason code, for the DfE's fixed census periods.

The school census carries attendance one term in arrears, over fixed dates
rather than the school's own terms (DfE, "Pupil absence statistics:
methodology", table 6; School census business and technical specification,
termly attendance and summer second half term attendance modules):

- autumn: 1 August to 31 December (in the spring census);
- spring: 1 January to Easter Sunday (in the summer census);
- summer, in two halves (both in the autumn census): Easter Monday to the
  Sunday before the spring bank holiday, and the spring bank holiday to
  31 July.

Pupils included: on roll at some time in the period and aged 5 to 15 at the
start of the school year (31 August), the DfE's national absence cohort.
The figures are the statistics service's (registers.statistics), never
counted again here: marks recorded at another school and registers nobody
took count in no column, and a reason awaiting the head counts as N.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dateutil.easter import easter
from django.db.models import Q

from attendance import codes
from attendance.models import Pupil, School
from attendance.school_calendar import england_bank_holidays
from registers.statistics import possible_sessions_by_code

# The age range, in whole years on 31 August at the start of the school year.
YOUNGEST = 5
OLDEST = 15

# Every absence code, in the order of attendance.codes; a withdrawn one
# (H, F) only gets a column when some pupil has a session of it.
ABSENCE_CODES = [c.code for c in codes.CODES.values() if c.is_absence]


@dataclass(frozen=True)
class CensusPeriod:
    key: str  # e.g. "2026-27-summer-1"
    name: str  # e.g. "Summer term, first half 2026/27"
    census: str  # the census that collects it, e.g. "Autumn census 2027"
    academic_year: int  # 2026 for 2026/27
    start: dt.date
    end: dt.date

    @property
    def ages_on(self) -> dt.date:
        """The day ages are taken: 31 August at the start of the school year."""
        return dt.date(self.academic_year, 8, 31)


def spring_bank_holiday(year: int) -> dt.date:
    """England's spring bank holiday in `year`, from the bank holiday calendar
    the school calendar uses (moved in some years: 4 June 2012, 2 June 2022)."""
    # After the early May bank holiday (itself moved to 8 May in 2020).
    after_may_day = dt.date(year, 5, 15)
    late_may = [
        d for d in england_bank_holidays(year) if after_may_day <= d <= dt.date(year, 6, 30)
    ]
    if late_may:
        return min(late_may)
    last = dt.date(year, 5, 31)
    return last - dt.timedelta(days=last.weekday())  # the last Monday of May


def census_periods(year: int) -> list[CensusPeriod]:
    """The four census attendance periods of the school year starting in `year`."""
    name = f"{year}/{str(year + 1)[-2:]}"
    key = name.replace("/", "-")
    easter_sunday = easter(year + 1)
    bank_holiday = spring_bank_holiday(year + 1)
    return [
        CensusPeriod(
            f"{key}-autumn",
            f"Autumn term {name}",
            f"Spring census {year + 1}",
            year,
            dt.date(year, 8, 1),
            dt.date(year, 12, 31),
        ),
        CensusPeriod(
            f"{key}-spring",
            f"Spring term {name}",
            f"Summer census {year + 1}",
            year,
            dt.date(year + 1, 1, 1),
            easter_sunday,
        ),
        CensusPeriod(
            f"{key}-summer-1",
            f"Summer term, first half {name}",
            f"Autumn census {year + 1}",
            year,
            easter_sunday + dt.timedelta(days=1),
            bank_holiday - dt.timedelta(days=1),
        ),
        CensusPeriod(
            f"{key}-summer-2",
            f"Summer term, second half {name}",
            f"Autumn census {year + 1}",
            year,
            bank_holiday,
            dt.date(year + 1, 7, 31),
        ),
    ]


def period_for_key(key: str) -> CensusPeriod | None:
    """The period a key such as "2026-27-spring" names, or None."""
    try:
        year = int(key[:4])
    except ValueError:
        return None
    return next((p for p in census_periods(year) if p.key == key), None)


@dataclass(frozen=True)
class CensusRow:
    upn: str
    legal_surname: str
    legal_first_name: str
    date_of_birth: dt.date
    sessions_possible: int
    sessions: dict[str, int] = field(default_factory=dict)  # absence code -> sessions


@dataclass(frozen=True)
class CensusExtract:
    period: CensusPeriod
    codes: list[str]  # the absence-code columns
    rows: list[CensusRow]


def included_pupils(school: School, period: CensusPeriod):
    """The school's pupils the census asks about for `period`: on roll at some
    time in it (a leaver counts for the sessions before leaving) and aged
    YOUNGEST to OLDEST on 31 August at the start of the school year."""
    on = period.ages_on
    return (
        Pupil.objects.filter(school=school, admission_date__lte=period.end)
        .filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=period.start))
        .filter(
            date_of_birth__lte=_years_before(on, YOUNGEST),
            date_of_birth__gt=_years_before(on, OLDEST + 1),
        )
        .order_by("legal_surname", "legal_first_name", "upn")
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)  # 31 August exists every year


def census_extract(school: School, period: CensusPeriod) -> CensusExtract:
    """Each included pupil's sessions possible and absence sessions by reason
    code over `period`, from the statistics service."""
    pupils = list(included_pupils(school, period))
    counts = possible_sessions_by_code([p.id for p in pupils], period.start, period.end)
    seen = {code for by_code in counts.values() for code in by_code}
    columns = [c for c in ABSENCE_CODES if codes.get(c).in_use or c in seen]
    rows = [
        CensusRow(
            p.upn,
            p.legal_surname,
            p.legal_first_name,
            p.date_of_birth,
            sum(counts.get(p.id, {}).values()),
            {c: counts.get(p.id, {}).get(c, 0) for c in columns},
        )
        for p in pupils
    ]
    return CensusExtract(period, columns, rows)


CSV_HEADER = ["upn", "legal_surname", "legal_forename", "date_of_birth", "sessions_possible"]


def csv_rows(extract: CensusExtract) -> list[list]:
    """The extract as the school's checking sheet: a header, then a row a pupil."""
    return [CSV_HEADER + [f"sessions_{c}" for c in extract.codes]] + [
        [
            r.upn,
            r.legal_surname,
            r.legal_first_name,
            r.date_of_birth.isoformat(),
            r.sessions_possible,
            *(r.sessions[c] for c in extract.codes),
        ]
        for r in extract.rows
    ]
