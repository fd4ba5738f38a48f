"""A school year's calendar: its six half-terms and INSET days.

Made from the term-date rule (`term_dates.english_term_dates`), from the
local authority's published dates (CSV or iCalendar), or typed in on the
New school year page; checked here before anything is saved.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.db import transaction

from .errors import RuleError
from .models import AcademicYear, NonSchoolDay, School, Term, User
from .school_calendar import SchoolCalendar, Session
from .term_dates import (
    HalfTerm,
    YearDates,
    academic_year_name,
    academic_year_starting,
    english_term_dates,
)

HALVES = [
    ("autumn", 1),
    ("autumn", 2),
    ("spring", 1),
    ("spring", 2),
    ("summer", 1),
    ("summer", 2),
]


def half_label(season: str, half: int) -> str:
    return f"{season.capitalize()} {half}"


def _day(d: dt.date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def stored_year_dates(year: AcademicYear) -> YearDates:
    """A stored year's calendar in the same shape the rule gives."""
    terms = {(t.season, t.half): t for t in year.terms.all()}
    insets = NonSchoolDay.objects.filter(
        school=year.school,
        kind=NonSchoolDay.Kind.INSET,
        date__gte=year.start_date,
        date__lte=year.end_date,
    ).values_list("date", flat=True)
    return YearDates(
        name=year.name,
        start=year.start_date,
        end=year.end_date,
        half_terms=tuple(
            HalfTerm(season, half, terms[season, half].start_date, terms[season, half].end_date)
            for season, half in HALVES
            if (season, half) in terms
        ),
        inset_days=tuple(insets),
    )


def next_year_draft(school: School, today: dt.date) -> YearDates:
    """The year after the current one: its stored dates, or the rule's first draft."""
    from .selectors import current_academic_year

    current = current_academic_year(school, today)
    start_year = current.start_date.year + 1 if current else academic_year_starting(today)
    existing = AcademicYear.objects.filter(
        school=school, name=academic_year_name(start_year)
    ).first()
    return stored_year_dates(existing) if existing else english_term_dates(start_year)


def check_year_dates(school: School, dates: YearDates, *, replacing: AcademicYear | None) -> None:
    """Every reason the calendar cannot be saved, as plain sentences."""
    errors = []
    if dates.end <= dates.start:
        errors.append("The year must end after it starts.")
    if len(dates.half_terms) != 6:
        errors.append("A school year has six half-terms: give the dates of all six.")
    previous = None
    for h in dates.half_terms:
        label = half_label(h.season, h.half)
        if h.end < h.start:
            errors.append(f"{label} must end on or after the day it starts.")
        if dates.end > dates.start and not (dates.start <= h.start and h.end <= dates.end):
            errors.append(
                f"{label} must lie inside the year ({_day(dates.start)} to {_day(dates.end)})."
            )
        if previous and h.start <= previous.end:
            errors.append(
                f"{label} must start after {half_label(previous.season, previous.half)} ends."
            )
        previous = h
    in_term = SchoolCalendar(None, [(h.start, h.end) for h in dates.half_terms], {})
    for day in sorted(set(dates.inset_days)):
        if day.weekday() >= 5:
            errors.append(f"The INSET day {_day(day)} is not a weekday.")
        elif not in_term.in_term(day):
            errors.append(f"The INSET day {_day(day)} is not in a term.")
    others = AcademicYear.objects.filter(school=school)
    if replacing is not None:
        others = others.exclude(pk=replacing.pk)
    elif others.filter(name=dates.name).exists():
        errors.append(f"The school already has a year called {dates.name}.")
    for other in others.filter(start_date__lte=dates.end, end_date__gte=dates.start):
        errors.append(f"{dates.name} would overlap {other.name}.")
    if replacing is not None and not errors:
        errors += _registers_left_out(school, replacing, dates)
    if errors:
        raise RuleError(*errors)


def _registers_left_out(school: School, year: AcademicYear, dates: YearDates) -> list[str]:
    """A year with registers may change only where no register was taken."""
    from django.apps import apps

    register = apps.get_model("registers", "Register")
    taken = set(register.objects.filter(group__academic_year=year).values_list("date", flat=True))
    if not taken:
        return []
    closed = {d: {Session.AM, Session.PM} for d in dates.inset_days}
    calendar = SchoolCalendar(None, [(h.start, h.end) for h in dates.half_terms], closed)
    lost = sorted(d for d in taken if not calendar.is_school_day(d))
    if not lost:
        return []
    return [
        f"Registers were taken on {_day(lost[0])}"
        + (f" and {len(lost) - 1} other days" if len(lost) > 1 else "")
        + ", which these dates would make a holiday: keep those days in term."
    ]


@transaction.atomic
def save_year_calendar(school: School, dates: YearDates, *, by: User | None) -> AcademicYear:
    """Create the year, or replace the dates of one with the same name; all or nothing."""
    year = AcademicYear.objects.select_for_update().filter(school=school, name=dates.name).first()
    check_year_dates(school, dates, replacing=year)
    if year is None:
        year = AcademicYear.objects.create(
            school=school, name=dates.name, start_date=dates.start, end_date=dates.end
        )
    else:
        year.start_date, year.end_date = dates.start, dates.end
        year.save(update_fields=["start_date", "end_date"])
        year.terms.all().delete()
    Term.objects.bulk_create(
        Term(academic_year=year, season=h.season, half=h.half, start_date=h.start, end_date=h.end)
        for h in dates.half_terms
    )
    NonSchoolDay.objects.filter(
        school=school,
        kind=NonSchoolDay.Kind.INSET,
        date__gte=dates.start,
        date__lte=dates.end,
    ).exclude(date__in=dates.inset_days).delete()
    for day in sorted(set(dates.inset_days)):
        NonSchoolDay.objects.get_or_create(
            school=school,
            date=day,
            defaults={"kind": NonSchoolDay.Kind.INSET, "description": "Staff training (INSET)"},
        )
    return year


def year_dates_from(half_terms: list[HalfTerm], inset_days: list[dt.date]) -> YearDates:
    """A year named for its first half-term (September 2027 gives 2027/28)."""
    first = min(h.start for h in half_terms)
    start_year = first.year if first.month >= 8 else first.year - 1
    return YearDates(
        name=academic_year_name(start_year),
        start=dt.date(start_year, 9, 1),
        end=dt.date(start_year + 1, 8, 31),
        half_terms=tuple(sorted(half_terms, key=lambda h: h.start)),
        inset_days=tuple(sorted(set(inset_days))),
    )


# The local authority's dates, from a file ------------------------------------

MAX_TERM_FILE_BYTES = 1024 * 1024
_SEASON = re.compile(r"\b(autumn|spring|summer)\b", re.I)
_HALF = re.compile(r"\b(1|2|one|two|first|second|i|ii)\b", re.I)
_INSET = re.compile(
    r"\binset\b|training|staff development|professional development|\bpd day|teacher day", re.I
)
_HOLIDAY = re.compile(r"holiday|half[\s-]?term|\bbreak\b|closed|bank", re.I)
_STARTS = re.compile(r"\b(begins?|starts?|opens?|first day|return)\b", re.I)
_ENDS = re.compile(r"\b(ends?|closes?|last day|finish(es)?)\b", re.I)


@dataclass(frozen=True)
class Event:
    summary: str
    first: dt.date
    last: dt.date  # inclusive


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _half_of(text: str) -> tuple[str, int] | None:
    season = _SEASON.search(text)
    half = _HALF.search(_SEASON.sub("", text))
    if not season or not half:
        return None
    return season.group(1).lower(), 1 if half.group(1).lower() in ("1", "one", "first", "i") else 2


def parse_term_dates_csv(data: bytes) -> YearDates:
    """Rows of `event,start,end`: the six half-terms (Autumn 1 ... Summer 2) and INSET days.

    An INSET row may give one date or a range; all or nothing, with row numbers.
    """
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in (reader.fieldnames or [])}
    missing = {"event", "start"} - fields
    if missing:
        raise RuleError(
            "The file needs the columns event, start and end (missing: "
            + ", ".join(sorted(missing))
            + ")."
        )
    errors, halves, insets = [], {}, []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        event, start = row.get("event", ""), _parse_date(row.get("start", ""))
        end = _parse_date(row.get("end", "")) if row.get("end") else start
        if not event and not row.get("start"):
            continue
        if start is None or end is None:
            errors.append(f"Row {number}: the dates must be like 2027-09-01 or 01/09/2027.")
            continue
        if end < start:
            errors.append(f"Row {number}: the end is before the start.")
            continue
        if _INSET.search(event):
            days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
            # A range may run over a weekend; a single weekend date is an error below.
            insets += [d for d in days if d.weekday() < 5] if end > start else days
            continue
        half = _half_of(event)
        if half is None:
            errors.append(
                f"Row {number}: '{event[:40]}' is not a half-term (Autumn 1 ... Summer 2) "
                "or an INSET day."
            )
        elif half in halves:
            errors.append(f"Row {number}: {half_label(*half)} is given twice.")
        else:
            halves[half] = HalfTerm(half[0], half[1], start, end)
    absent = [half_label(*h) for h in HALVES if h not in halves]
    if absent and not errors:
        errors.append("The file does not give " + ", ".join(absent) + ".")
    if errors:
        raise RuleError(*errors)
    return year_dates_from([halves[h] for h in HALVES], insets)


def parse_term_dates_ics(data: bytes) -> YearDates:
    """An iCalendar file of term dates, as local authorities publish them.

    Understands the common shapes: an event per half-term or per term
    ("Autumn term"), or one-day markers ("Spring term begins", "Spring term
    ends"); holiday events ("Half term", "Christmas holiday") split a whole
    term into its halves; INSET or training days are INSET days.
    """
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(_decode(data))
    except ValueError as exc:
        raise RuleError(f"The file is not an iCalendar (.ics) file: {exc}") from None
    events = []
    for component in calendar.walk("VEVENT"):
        start = component.decoded("DTSTART", None)
        if start is None:
            continue
        end = component.decoded("DTEND", None)
        first = start.date() if isinstance(start, dt.datetime) else start
        if end is None:
            last = first
        else:
            last = end.date() if isinstance(end, dt.datetime) else end
            if not isinstance(end, dt.datetime) and last > first:
                last -= dt.timedelta(days=1)  # an all-day event's end is exclusive
        events.append(Event(str(component.get("SUMMARY", "")), first, max(first, last)))
    return year_dates_from_events(events)


def year_dates_from_events(events: list[Event]) -> YearDates:
    insets, holidays, spans, starts, ends = [], [], [], [], []
    for e in sorted(events, key=lambda e: e.first):
        if _INSET.search(e.summary):
            insets += [
                e.first + dt.timedelta(days=i)
                for i in range((e.last - e.first).days + 1)
                if (e.first + dt.timedelta(days=i)).weekday() < 5
            ]
        elif _HOLIDAY.search(e.summary) and not _STARTS.search(e.summary):
            holidays.append(e)
        elif _SEASON.search(e.summary) and (e.last - e.first).days >= 4:
            spans.append(e)
        elif _STARTS.search(e.summary):
            starts.append(e.first)
        elif _ENDS.search(e.summary):
            ends.append(e.last)
    periods = [(e.first, e.last) for e in spans]
    if not periods and starts and ends:
        for start in starts:
            end = next((d for d in ends if d >= start), None)
            if end is not None:
                periods.append((start, end))
    halves = []
    for first, last in periods:
        inside = [h for h in holidays if first < h.first and h.last < last]
        if inside:
            h = inside[0]
            halves += [(first, _weekday_back(h.first)), (_weekday_on(h.last), last)]
        else:
            halves.append((first, last))
    if len(halves) != 6:
        raise RuleError(
            f"The file describes {len(halves)} half-term{'s' if len(halves) != 1 else ''}; "
            "Rollcall needs the six half-terms of one school year (events for each term "
            "or half-term, or 'term begins' and 'term ends' days, with the half-term holidays)."
        )
    return year_dates_from(
        [HalfTerm(s, h, first, last) for (s, h), (first, last) in zip(HALVES, halves, strict=True)],
        insets,
    )


def _weekday_back(holiday_first: dt.date) -> dt.date:
    day = holiday_first - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _weekday_on(holiday_last: dt.date) -> dt.date:
    day = holiday_last + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _decode(data: bytes) -> str:
    if len(data) > MAX_TERM_FILE_BYTES:
        raise RuleError("The file is larger than 1 MB.")
    if b"\x00" in data:
        raise RuleError("The file is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
