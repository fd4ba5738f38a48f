"""Common Transfer File in and out: a leaver's CTF, and a joiner's imported.

The format is `registers.ctf`. Import is all or nothing, like the CSV
imports: every pupil is checked first, the preview says what would be created
or updated, and one bad pupil writes nothing. Marks from the sending school
keep its DfE number and name in `Mark.recorded_at_school`, so they count in
the penalty threshold's window (which spans schools) and in none of this
school's figures (the DfE counts each enrolment once).

It lives in `registers` because a CTF carries marks; pupils and contacts
are `attendance`'s, which this app may import (never the other way).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from attendance import codes
from attendance.models import Contact, Pupil, PupilContact, School, User, YearGroup
from attendance.school_calendar import school_days
from attendance.upn import upn_problem

from .ctf import (
    CBDS_TO_RELATIONSHIP,
    PHONE_TYPES,
    RELATIONSHIP_TO_CBDS,
    CTFContact,
    CTFFile,
    CTFPupil,
    CTFSchool,
    CTFYear,
)
from .models import Mark, MarkChange
from .statistics import figures_for_pupil

PHONE_FIELDS = {"M": "mobile_phone", "H": "home_phone", "W": "work_phone"}


def school_of(school: School) -> CTFSchool:
    return CTFSchool(
        la=school.la_code, estab=school.establishment_number, name=school.name, urn=school.urn
    )


def academic_year_of(day: dt.date) -> int:
    """The CTF's year: 2026 for 2026/27, which starts on 1 August."""
    return day.year if day.month >= 8 else day.year - 1


# Export -------------------------------------------------------------------


def _contacts(pupil: Pupil) -> tuple[CTFContact, ...]:
    out = []
    for link in pupil.contact_links.select_related("contact").order_by("priority", "id"):
        c = link.contact
        out.append(
            CTFContact(
                order=link.priority,
                title=c.title,
                surname=c.last_name,
                forename=c.first_name,
                relationship=RELATIONSHIP_TO_CBDS.get(link.relationship, "OTH"),
                responsibility=link.parent_ground
                == PupilContact.ParentGround.PARENTAL_RESPONSIBILITY,
                phones=tuple((PHONE_TYPES[label], number) for label, number in c.phones),
                email=c.email,
                address_lines=tuple(
                    line.strip() for line in c.address.splitlines() if line.strip()
                ),
                postcode=c.postcode,
            )
        )
    return tuple(out)


def _attendance(pupil: Pupil, school: School) -> tuple[CTFYear, ...]:
    """This school's own marks, a YearData per academic year, with the DfE
    figures for it from `registers.statistics` (the one home of the method)."""
    marks = list(
        Mark.objects.filter(pupil=pupil, recorded_at_school="")
        .exclude(held_back=True)
        .values_list("date", "session", "code", "pending")
    )
    by_year: dict[int, list[tuple[dt.date, str, str]]] = {}
    for day, session, code, pending in marks:
        # A reason still awaiting the head's decision goes as N, as it counts here.
        by_year.setdefault(academic_year_of(day), []).append(
            (day, session, codes.NO_REASON_YET if pending else code)
        )
    years = []
    for year, year_marks in sorted(by_year.items()):
        f = figures_for_pupil(pupil.id, dt.date(year, 8, 1), dt.date(year + 1, 7, 31))
        years.append(
            CTFYear(
                year=year,
                # YearData names the school by LA, Estab and name, not URN.
                school=CTFSchool(
                    la=school.la_code, estab=school.establishment_number, name=school.name
                ),
                possible=f.possible,
                authorised=f.authorised,
                attended=f.attending,
                unauthorised=f.unauthorised,
                start_date=min(day for day, _, _ in year_marks),
                marks=tuple(sorted(year_marks)),
                school_days=frozenset(
                    school_days(
                        school,
                        min(day for day, _, _ in year_marks),
                        max(day for day, _, _ in year_marks),
                    )
                ),
            )
        )
    return tuple(years)


def ctf_pupil(pupil: Pupil) -> CTFPupil:
    return CTFPupil(
        upn=pupil.upn,
        surname=pupil.legal_surname,
        forename=pupil.legal_first_name,
        dob=pupil.date_of_birth,
        sex=pupil.sex,
        middle_names=pupil.legal_middle_names,
        preferred_surname=pupil.preferred_surname,
        preferred_forename=pupil.preferred_first_name,
        nc_year=pupil.year_group,
        contacts=_contacts(pupil),
        attendance=_attendance(pupil, pupil.school),
    )


def leavers_ctf(
    school: School, pupils: Iterable[Pupil], dest: CTFSchool, now: dt.datetime
) -> CTFFile:
    """The CTF the Regulations require for pupils leaving `school` (reg. 9,
    Education (Pupil Information) (England) Regulations 2005)."""
    return CTFFile(
        source=school_of(school),
        dest=dest,
        created=now.replace(microsecond=0, tzinfo=None),
        academic_year=academic_year_of(now.date()),
        pupils=tuple(ctf_pupil(p) for p in pupils),
    )


# Import -------------------------------------------------------------------


@dataclass
class PupilPlan:
    upn: str
    name: str
    action: str  # "create" or "update"
    contacts_created: int = 0
    contacts_updated: int = 0
    marks_created: int = 0
    marks_unchanged: int = 0
    years: list[CTFYear] = field(default_factory=list)


@dataclass
class CTFPreview:
    """What an import will do (or did), pupil by pupil; errors stop it all."""

    source: CTFSchool
    pupils: list[PupilPlan] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(1 for p in self.pupils if p.action == "create")

    @property
    def updated(self) -> int:
        return sum(1 for p in self.pupils if p.action == "update")


def recorded_at(source: CTFSchool) -> str:
    return f"{source.dfe_number} {source.name}".strip()[:120]


def _check_pupil(p: CTFPupil, school: School, existing: Pupil | None) -> list[str]:
    where = f"{p.upn} {p.forename} {p.surname}: "
    problems = []
    problem = upn_problem(p.upn)
    if problem:
        problems.append(where + problem)
    if p.sex not in Pupil.Sex.values:
        problems.append(f"{where}Sex {p.sex!r} is not one of {', '.join(Pupil.Sex.values)}")
    if p.nc_year and p.nc_year not in YearGroup.values:
        problems.append(f"{where}NCyearActual {p.nc_year!r} is not a year group")
    if existing is None and not p.nc_year:
        problems.append(f"{where}NCyearActual is needed to put a new pupil in a year group")
    if existing is not None and existing.school_id != school.id:
        problems.append(f"{where}the UPN belongs to a pupil at another school")
    for name, value, limit in (
        ("Surname", p.surname, 100),
        ("Forename", p.forename, 100),
        ("MiddleNames", p.middle_names, 100),
    ):
        if len(value) > limit:
            problems.append(f"{where}{name} is longer than {limit} characters")
    for year in p.attendance:
        for day, _session, code in year.marks:
            if code not in codes.CODES:
                problems.append(f"{where}mark {code!r} on {day} is not an attendance code")
            elif day.weekday() >= 5:
                # Files that count only weekdays would land marks on weekends
                # here: refuse rather than import them on the wrong dates.
                problems.append(
                    f"{where}a mark {code!r} falls on {day:%A %-d %B %Y}: the marks string "
                    "is not counted the way Rollcall reads it (every day from StartDate)"
                )
    return problems


def preview_ctf(school: School, ctf: CTFFile) -> CTFPreview:
    """Check every pupil and say what importing the file would change."""
    preview = CTFPreview(source=ctf.source)
    if not ctf.pupils:
        preview.errors.append("The file holds no pupils.")
    upns = [p.upn for p in ctf.pupils]
    duplicates = {u for u in upns if upns.count(u) > 1}
    for upn in sorted(duplicates):
        preview.errors.append(f"{upn}: the UPN is in the file more than once")
    existing = {p.upn: p for p in Pupil.objects.filter(upn__in=upns)}
    here = recorded_at(ctf.source)
    for p in ctf.pupils:
        pupil = existing.get(p.upn)
        preview.errors.extend(_check_pupil(p, school, pupil))
        plan = PupilPlan(
            upn=p.upn,
            name=f"{p.preferred_forename or p.forename} {p.preferred_surname or p.surname}",
            action="create" if pupil is None else "update",
            years=list(p.attendance),
        )
        known_contacts = set()
        marks_here: dict[tuple[dt.date, str], tuple[str, str]] = {}
        if pupil is not None and pupil.school_id == school.id:
            known_contacts = set(
                Contact.objects.filter(
                    school=school, external_id__in=[_contact_id(ctf, p, c) for c in p.contacts]
                ).values_list("external_id", flat=True)
            )
            marks_here = {
                (m.date, m.session): (m.code, m.recorded_at_school)
                for m in Mark.objects.filter(pupil=pupil)
            }
        for c in p.contacts:
            if _contact_id(ctf, p, c) in known_contacts:
                plan.contacts_updated += 1
            else:
                plan.contacts_created += 1
        for year in p.attendance:
            for day, session, code in year.marks:
                found = marks_here.get((day, session))
                if found is None:
                    plan.marks_created += 1
                elif found == (code, here):
                    plan.marks_unchanged += 1
                else:
                    preview.errors.append(
                        f"{p.upn}: already has a mark {found[0]!r} for {day} {session} "
                        "that the file would change"
                    )
        preview.pupils.append(plan)
    return preview


def _contact_id(ctf: CTFFile, pupil: CTFPupil, contact: CTFContact) -> str:
    # A CTF carries no contact identifier: the sending school, pupil and order
    # name the contact, so importing the same file twice updates, not duplicates.
    return f"CTF-{ctf.source.dfe_number}-{pupil.upn}-{contact.order}"[:50]


def _contact_fields(c: CTFContact) -> dict:
    values = {
        "title": c.title[:20],
        "first_name": c.forename[:100],
        "last_name": c.surname[:100],
        "mobile_phone": "",
        "home_phone": "",
        "work_phone": "",
        "email": c.email,
        "address": "\n".join(c.address_lines),
        "postcode": c.postcode[:10],
    }
    for kind, number in c.phones:
        if kind in PHONE_FIELDS and not values[PHONE_FIELDS[kind]]:
            values[PHONE_FIELDS[kind]] = number[:30]
    return values


def import_ctf(
    school: School, ctf: CTFFile, admission_date: dt.date, user: User, now: dt.datetime
) -> CTFPreview:
    """Create or update the file's pupils, contacts and previous-school marks;
    all or nothing. A new pupil is admitted on `admission_date`."""
    preview = preview_ctf(school, ctf)
    if not preview.ok:
        return preview
    here = recorded_at(ctf.source)
    with transaction.atomic():
        for p in ctf.pupils:
            details = {
                "legal_first_name": p.forename,
                "legal_middle_names": p.middle_names,
                "legal_surname": p.surname,
                "preferred_first_name": p.preferred_forename,
                "preferred_surname": p.preferred_surname,
                "date_of_birth": p.dob,
                "sex": p.sex,
            }
            if p.nc_year:
                details["year_group"] = p.nc_year
            pupil, created = Pupil.objects.get_or_create(
                upn=p.upn,
                defaults={"school": school, "admission_date": admission_date} | details,
            )
            if not created:
                for key, value in details.items():
                    setattr(pupil, key, value)
                pupil.save()
            for c in p.contacts:
                contact, _ = Contact.objects.update_or_create(
                    school=school, external_id=_contact_id(ctf, p, c), defaults=_contact_fields(c)
                )
                ground = PupilContact.ParentGround
                PupilContact.objects.update_or_create(
                    pupil=pupil,
                    contact=contact,
                    defaults={
                        "relationship": CBDS_TO_RELATIONSHIP.get(c.relationship, "other"),
                        "parent_ground": ground.PARENTAL_RESPONSIBILITY
                        if c.responsibility
                        else ground.NEITHER,
                        "priority": max(c.order, 1),
                    },
                )
            have = set(Mark.objects.filter(pupil=pupil).values_list("date", "session"))
            new_marks = [
                Mark(
                    pupil=pupil,
                    date=day,
                    session=session,
                    code=code,
                    source=Mark.Source.IMPORT,
                    entered_by=user,
                    entered_at=now,
                    note=f"From the CTF of {ctf.source.name or ctf.source.dfe_number}"[:200],
                    recorded_at_school=here,
                )
                for year in p.attendance
                for day, session, code in year.marks
                if (day, session) not in have
            ]
            made = Mark.objects.bulk_create(new_marks)
            # Every mark's newest history entry must match it (checked by the
            # database at commit), so each gets its first entry in the same
            # transaction.
            MarkChange.objects.bulk_create(
                MarkChange(
                    mark=m,
                    new_code=m.code,
                    reason=f"Imported from a CTF sent by {here}"[:300],
                    source=Mark.Source.IMPORT,
                    changed_by=user,
                    changed_by_name=user.display_name()[:200],
                    changed_by_position=user.job_title[:200],
                    changed_at=now,
                )
                for m in made
            )
    return preview
