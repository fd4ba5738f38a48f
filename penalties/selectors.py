"""Reads for the escalation pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from attendance import codes
from attendance.models import AcademicYear, Contact, Pupil, PupilContact, School
from attendance.selectors import pupils_on_roll
from registers.models import Mark, MarkChange
from registers.statistics import figures_by_pupil

from . import framework, thresholds
from .bands import band_for
from .early_warning import outlooks
from .models import Case, Intervention, PenaltyNotice


@dataclass
class CaseRow:
    case: Case
    next_deadline: dt.date | None
    what: str

    def overdue(self, today: dt.date) -> bool:
        return bool(self.next_deadline and self.next_deadline < today)


def open_cases(school: School, today: dt.date) -> list[CaseRow]:
    cases = (
        Case.objects.filter(school=school)
        .exclude(stage=Case.Stage.CLOSED)
        .select_related("pupil__registration_group", "notice_to_improve")
        .prefetch_related("notices__parent")
    )
    rows = []
    for case in cases:
        deadline: dt.date | None
        deadline, what = (
            case.opened_on + dt.timedelta(days=10),
            "decide on support or a Notice to Improve",
        )
        nti = getattr(case, "notice_to_improve", None)
        if case.stage == Case.Stage.NOTICE_TO_IMPROVE and nti:
            deadline, what = nti.improvement_ends, "improvement period ends: review, refer or close"
        elif case.stage in (Case.Stage.LA_REFERRAL, Case.Stage.PROSECUTION):
            deadline, what = None, "awaiting the LA"
        elif case.stage == Case.Stage.NOTICES_ISSUED:
            waiting = [n for n in case.notices.all() if n.status == PenaltyNotice.Status.ISSUED]
            if waiting:
                deadline = min(n.full_by for n in waiting)
                what = "payment due"
            else:
                deadline, what = None, "close the case or refer for prosecution"
        rows.append(CaseRow(case, deadline, what))
    return sorted(rows, key=lambda r: (r.next_deadline or dt.date.max, r.case.id))


def approaching(school: School, today: dt.date):
    starts, counts = thresholds.sessions_in_current_window([school], today)
    start = starts.get(school.id, today)
    open_ids = set(
        Case.objects.filter(school=school)
        .exclude(stage=Case.Stage.CLOSED)
        .values_list("pupil_id", flat=True)
    )
    pupils = (
        Pupil.objects.filter(id__in=counts)
        .exclude(id__in=open_ids)
        .select_related("registration_group")
    )
    return start, sorted(((p, counts[p.id]) for p in pupils), key=lambda r: -r[1])


def weekly_review(school: School, year: AcademicYear, today: dt.date) -> dict:
    """Who crossed a band this week, who is at risk, whose review is due."""
    last_friday = today - dt.timedelta(days=(today.weekday() - 4) % 7)
    week_before = last_friday - dt.timedelta(days=7)
    pupils = list(pupils_on_roll(school, today).select_related("registration_group"))
    ids = [p.id for p in pupils]
    now_figs = figures_by_pupil(ids, year.start_date, last_friday)
    before = figures_by_pupil(ids, year.start_date, week_before)
    crossed = []
    for p in pupils:
        a, b = now_figs.get(p.id), before.get(p.id)
        band_now = band_for(a.attendance_rate) if a else None
        band_then = band_for(b.attendance_rate) if b else None
        # Only a fall into a lower band calls for action; rises are celebrated elsewhere.
        if band_now and band_then and band_now.lowest < band_then.lowest:
            crossed.append((p, band_then, band_now, a.attendance_rate if a else None))
    looks = outlooks(school, year, today, pupils)
    return {
        "today": today,
        "week_ending": last_friday,
        "crossed": crossed,
        "at_risk": sorted((o for o in looks if o.at_risk), key=lambda o: o.can_miss),
        "persistent": sorted(
            (o for o in looks if o.figures.persistently_absent),
            key=lambda o: o.figures.attendance_rate,
        ),
        "reviews": Intervention.objects.filter(
            pupil__school=school,
            review_on__lte=today + dt.timedelta(days=7),
            review_on__gte=today - dt.timedelta(days=28),
        )
        .select_related("pupil")
        .order_by("review_on"),
    }


def offence_sessions(case: Case) -> int:
    """The sessions of unauthorised absence the case stands on: its sessions
    still coded G, O or U. The one figure the case page, its Notice to Improve
    and its referral pack show."""
    return case.sessions.filter(mark__code__in=framework.threshold_codes()).count()


def threshold_amendments(case: Case) -> list[MarkChange]:
    """The amendments since the case opened that took its sessions out of
    G, O and U (a hospital letter: U became I), on marks that still do not
    count: what brought the case below the threshold, if it is."""
    offences = framework.threshold_codes()
    opened = dt.datetime.combine(case.opened_on, dt.time.min, tzinfo=case.school.tz)
    return list(
        MarkChange.objects.filter(
            mark__in=case.sessions.exclude(mark__code__in=offences).values("mark"),
            changed_at__gte=opened,
            old_code__in=offences,
        )
        .exclude(new_code__in=offences)
        .select_related("mark")
        .order_by("changed_at", "id")
    )


def earlier_notices(pupil_id: int, parent: Contact, issued_on: dt.date) -> list[PenaltyNotice]:
    """The notices to `parent` for this child that a notice issued on
    `issued_on` counts toward the limit of two (framework.notices_counted_toward_limit)."""
    notices = PenaltyNotice.objects.filter(pupil_id=pupil_id, parent=parent)
    return framework.notices_counted_toward_limit(notices, issued_on)


@dataclass
class ParentLimit:
    """Where one parent stands against the limit of two notices for this child."""

    parent: Contact
    counted: list[PenaltyNotice]  # the earlier notices the count rests on, oldest first
    next_amounts: framework.Amounts | None  # None: a third is refused
    refused_until: dt.date | None  # the first day a further notice could be a first again


def limits_by_parent(case: Case, links: list[PupilContact], today: dt.date) -> list[ParentLimit]:
    rows = []
    for link in links:
        counted = earlier_notices(case.pupil_id, link.contact, today)
        try:
            amounts, until = framework.amounts_for(counted), None
        except framework.ThirdNoticeError:
            amounts, until = None, framework.limit_period_ends(counted[0].issued_on)
        rows.append(ParentLimit(link.contact, counted, amounts, until))
    return rows


def notice_rests_on(notice: PenaltyNotice) -> list[PenaltyNotice]:
    """The earlier notices an issued notice's sequence (1st or 2nd) was counted on."""
    earlier = PenaltyNotice.objects.filter(pupil_id=notice.pupil_id, parent_id=notice.parent_id)
    return framework.notices_counted_toward_limit(
        earlier.exclude(pk=notice.pk).filter(id__lt=notice.id), notice.issued_on
    )


@dataclass
class NoticeRow:
    notice: PenaltyNotice
    rests_on: list[PenaltyNotice]  # the earlier notices its sequence was counted on


def case_notices(case: Case) -> list[NoticeRow]:
    return [NoticeRow(n, notice_rests_on(n)) for n in case.notices.select_related("parent")]


def unresolved_in_window(case: Case) -> list[Mark]:
    """Sessions in the case's window with no reason yet (an N, or a report
    still pending): they must be resolved before the case goes to the LA."""
    return list(
        Mark.objects.filter(
            pupil=case.pupil,
            date__gte=case.window_start,
            date__lte=case.window_end,
            counted_code=codes.NO_REASON_YET,
        ).order_by("date", "session")
    )
