"""Rolling classes forward into the new school year.

Every pupil on roll moves up a year group (Nursery to Reception, Reception to
Year 1 ...); pupils in the school's top year leave on the last day of the
summer term ("end of primary education" in a primary). Each of this year's
classes sends its pupils to one of next year's classes, or is split between
several (pupils shared out alphabetically, each choice editable), and
several classes can be merged into one. Nothing changes until the plan is
confirmed, and then everything changes at once.

A pupil has one class at a time, so the plan is confirmed only after the
summer term has ended: until then this year's registers still need their
pupils. It can be prepared and previewed at any time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet

from .errors import RuleError
from .models import AcademicYear, Pupil, RegistrationGroup, User, YearGroup, YearRollover
from .selectors import pupils_on_roll

YEAR_ORDER = [value for value, _ in YearGroup.choices]
LEAVING_REASONS = {
    "6": "End of primary education",
    "11": "End of secondary education (Year 11)",
    "13": "End of sixth-form education (Year 13)",
}


def next_year_group(year_group: str) -> str | None:
    index = YEAR_ORDER.index(year_group)
    return YEAR_ORDER[index + 1] if index + 1 < len(YEAR_ORDER) else None


def year_label(year_group: str) -> str:
    return dict(YearGroup.choices).get(year_group, year_group)


def _day(d: dt.date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


@dataclass
class NextClass:
    key: str  # stable within a plan, so renaming a class keeps its pupils
    name: str
    year_group: str
    teacher_ids: list[int] = field(default_factory=list)


@dataclass
class Plan:
    classes: list[NextClass]
    destinations: dict[int, list[str]]  # this year's class id -> next year's class keys
    allocation: dict[int, str] = field(default_factory=dict)  # pupil id -> key, for splits

    def to_json(self) -> dict:
        return {
            "classes": [asdict(c) for c in self.classes],
            "destinations": {str(k): v for k, v in self.destinations.items()},
            "allocation": {str(k): v for k, v in self.allocation.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        return cls(
            classes=[NextClass(**c) for c in data.get("classes", [])],
            destinations={int(k): list(v) for k, v in data.get("destinations", {}).items()},
            allocation={int(k): v for k, v in data.get("allocation", {}).items()},
        )

    def by_key(self) -> dict[str, NextClass]:
        return {c.key: c for c in self.classes}


def teaching_staff(school) -> QuerySet[User]:
    """Staff who may take a register: the only people a class's teacher can be."""
    return (
        User.objects.filter(school=school, is_active=True)
        .filter(
            Q(groups__permissions__codename="take_register")
            | Q(user_permissions__codename="take_register")
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def year_after(year: AcademicYear) -> AcademicYear | None:
    return (
        AcademicYear.objects.filter(school=year.school, start_date__gt=year.end_date)
        .order_by("start_date")
        .first()
    )


def year_to_roll(school, today: dt.date) -> AcademicYear | None:
    """The year whose classes move up next: this year, or last year if this
    year has begun without classes (the roll-forward was left for September)."""
    from .selectors import current_academic_year

    current = current_academic_year(school, today)
    if current is None:
        return None
    if current.registration_groups.exists():
        return current
    earlier = (
        AcademicYear.objects.filter(school=school, end_date__lt=current.start_date)
        .order_by("-start_date")
        .first()
    )
    return earlier if earlier and earlier.registration_groups.exists() else current


def leaving_day(year: AcademicYear) -> dt.date:
    """The last day of the summer term: the day the top year leaves."""
    last = year.terms.order_by("-end_date").first()
    return last.end_date if last else year.end_date


def classes_in(year: AcademicYear) -> list[RegistrationGroup]:
    return sorted(
        year.registration_groups.prefetch_related("teachers"),
        key=lambda g: (YEAR_ORDER.index(g.year_group), g.name),
    )


def default_plan(year: AcademicYear, names_stay_with_year_group: bool = True) -> Plan:
    """The usual plan: next year's classes are this year's, pupils move up.

    With names staying with the year group (Hazel is always a Year 1
    class), Reception's pupils go to the Year 1 classes and each teacher
    keeps their class; otherwise each class keeps its name and its pupils
    and moves up a year.
    """
    groups = classes_in(year)
    classes: list[NextClass] = []
    destinations: dict[int, list[str]] = {}
    if names_stay_with_year_group:
        for i, g in enumerate(groups):
            teacher_ids = [t.id for t in g.teachers.all()]
            classes.append(NextClass(f"c{i}", g.name, g.year_group, teacher_ids))
        by_year: dict[str, list[RegistrationGroup]] = {}
        for g in groups:
            by_year.setdefault(g.year_group, []).append(g)
        for year_group, sources in by_year.items():
            up = next_year_group(year_group)
            targets = [c.key for c in classes if c.year_group == up]
            n, k = len(sources), len(targets)
            for i, source in enumerate(sources):
                if not targets:
                    destinations[source.id] = []
                elif n >= k:
                    destinations[source.id] = [targets[i * k // n]]
                else:
                    destinations[source.id] = targets[i * k // n : (i + 1) * k // n]
    else:
        top = top_year(year)
        for i, g in enumerate(groups):
            up = next_year_group(g.year_group)
            if g.year_group == top or up is None:
                destinations[g.id] = []
                continue
            classes.append(NextClass(f"c{i}", g.name, up, [t.id for t in g.teachers.all()]))
            destinations[g.id] = [f"c{i}"]
    return Plan(classes, destinations)


def top_year(year: AcademicYear) -> str | None:
    """The school's last year group: the highest any class of the year is for."""
    found = [g.year_group for g in year.registration_groups.all()]
    return max(found, key=YEAR_ORDER.index) if found else None


@dataclass
class ClassPreview:
    next_class: NextClass
    teachers: list[User]
    pupils: list[Pupil]
    sources: list[tuple[str, int]]  # this year's class, pupils from it


@dataclass
class Preview:
    from_year: AcademicYear
    to_year: AcademicYear | None
    plan: Plan
    classes: list[ClassPreview]
    leavers: list[Pupil]
    leaving_date: dt.date
    leaving_reason: str
    without_class: list[Pupil]  # moving up a year group, no class next year
    # A class shared between several of next year's: its targets and each pupil's choice.
    splits: list[tuple[RegistrationGroup, list[NextClass], list[tuple[Pupil, str]]]]
    moving: int
    errors: list[str]
    confirm_from: dt.date  # the first day the plan may be confirmed

    @property
    def ok(self) -> bool:
        return not self.errors


def preview_rollover(year: AcademicYear, plan: Plan) -> Preview:
    """What confirming `plan` would do, and every reason it cannot be done yet."""
    school = year.school
    to_year = year_after(year)
    leave_on = leaving_day(year)
    top = top_year(year)
    reason = LEAVING_REASONS.get(
        top or "", f"Completed {year_label(top or '')}, the school's final year"
    )
    errors: list[str] = []
    done = YearRollover.objects.filter(from_year=year, confirmed_at__isnull=False).first()
    if done:
        errors.append(
            f"{year.name} was rolled forward on {done.confirmed_at:%d %B %Y}"
            + (f" by {done.confirmed_by.display_name()}" if done.confirmed_by else "")
            + "."
        )
    if to_year is None:
        errors.append(f"Create the calendar of the year after {year.name} first.")
    groups = {g.id: g for g in classes_in(year)}
    if not groups:
        errors.append(f"There are no classes in {year.name} to roll forward.")
    keys = plan.by_key()
    staff = {u.id: u for u in teaching_staff(school)}
    names = Counter(c.name.strip().lower() for c in plan.classes)
    for c in plan.classes:
        if not c.name.strip():
            errors.append("Every class next year needs a name.")
        elif len(c.name.strip()) > 50:
            errors.append(f"The class name '{c.name[:50]}…' is longer than 50 characters.")
        elif names[c.name.strip().lower()] > 1:
            errors.append(
                f"Two classes next year are called {c.name.strip()}: give each its own name."
            )
        if c.year_group not in YEAR_ORDER:
            errors.append(f"Choose the year group of {c.name.strip() or 'each class'}.")
        for teacher_id in c.teacher_ids:
            if teacher_id not in staff:
                errors.append(f"The teacher chosen for {c.name.strip()} cannot take registers.")
    errors = list(dict.fromkeys(errors))

    pupils = list(
        pupils_on_roll(school, leave_on)
        .select_related("registration_group")
        .order_by("legal_surname", "legal_first_name", "id")
    )
    placed: dict[str, list[Pupil]] = {c.key: [] for c in plan.classes}
    from_counts: dict[str, Counter] = {c.key: Counter() for c in plan.classes}
    leavers, without_class, splits = [], [], []
    by_source: dict[int, list[Pupil]] = {}
    for pupil in pupils:
        if pupil.year_group == top:
            leavers.append(pupil)
        elif pupil.registration_group_id in groups:
            by_source.setdefault(pupil.registration_group_id, []).append(pupil)
        else:
            without_class.append(pupil)
    for group_id, group in groups.items():
        targets = [k for k in plan.destinations.get(group_id, []) if k]
        unknown = [k for k in targets if k not in keys]
        if unknown:
            errors.append(f"Choose again where the pupils of {group.name} go: a class was removed.")
            continue
        members = by_source.get(group_id, [])
        if members and not targets:
            errors.append(
                f"Say where the pupils of {group.name} ({year_label(group.year_group)}) "
                "go next year."
            )
            continue
        chosen = []
        for i, pupil in enumerate(members):
            key = plan.allocation.get(pupil.id)
            key = key if key in targets else targets[i % len(targets)]
            chosen.append((pupil, key))
            placed[key].append(pupil)
            from_counts[key][group.name] += 1
        if len(targets) > 1 and members:
            splits.append((group, [keys[k] for k in targets], chosen))
    classes = [
        ClassPreview(
            c,
            [staff[t] for t in c.teacher_ids if t in staff],
            placed[c.key],
            sorted(from_counts[c.key].items()),
        )
        for c in plan.classes
    ]
    return Preview(
        from_year=year,
        to_year=to_year,
        plan=plan,
        classes=classes,
        leavers=leavers,
        leaving_date=leave_on,
        leaving_reason=reason,
        without_class=without_class,
        splits=splits,
        moving=len(pupils) - len(leavers),
        errors=errors,
        confirm_from=leave_on + dt.timedelta(days=1),
    )


@transaction.atomic
def save_plan(year: AcademicYear, plan: Plan, *, by: User | None, now: dt.datetime) -> YearRollover:
    """Keep a draft plan (nothing else changes)."""
    to_year = year_after(year)
    if to_year is None:
        raise RuleError(f"Create the calendar of the year after {year.name} first.")
    rollover, _ = YearRollover.objects.select_for_update().get_or_create(
        from_year=year,
        defaults={"school": year.school, "to_year": to_year, "prepared_at": now, "prepared_by": by},
    )
    if rollover.confirmed:
        raise RuleError(f"{year.name} has already been rolled forward.")
    rollover.to_year, rollover.plan = to_year, plan.to_json()
    rollover.prepared_by, rollover.prepared_at = by, now
    rollover.save()
    return rollover


def saved_plan(year: AcademicYear) -> Plan | None:
    rollover = YearRollover.objects.filter(from_year=year).first()
    return Plan.from_json(rollover.plan) if rollover and rollover.plan else None


@transaction.atomic
def confirm_rollover(
    year: AcademicYear, plan: Plan, *, by: User | None, now: dt.datetime
) -> YearRollover:
    """Roll `year`'s classes forward as `plan` says: all of it, or nothing."""
    # Serialise two confirmations of the same year (two admins, a double click).
    AcademicYear.objects.select_for_update().get(pk=year.pk)
    preview = preview_rollover(year, plan)
    today = now.astimezone(year.school.tz).date()
    errors = list(preview.errors)
    if not errors and today < preview.confirm_from:
        errors.append(
            f"Classes can be rolled forward once the summer term has ended, from "
            f"{_day(preview.confirm_from)}: until then {year.name}'s registers still need "
            "their pupils. The plan is kept until then."
        )
    if errors:
        raise RuleError(*errors)
    to_year = preview.to_year
    existing = {g.name.lower(): g for g in to_year.registration_groups.all()}
    created = {}
    for c in plan.classes:
        group = existing.get(c.name.strip().lower())
        if group is None:
            group = RegistrationGroup.objects.create(
                academic_year=to_year, name=c.name.strip(), year_group=c.year_group
            )
        elif group.year_group != c.year_group:
            group.year_group = c.year_group
            group.save(update_fields=["year_group"])
        group.teachers.set(c.teacher_ids)
        created[c.key] = group
    moved = []
    for cp in preview.classes:
        for pupil in cp.pupils:
            pupil.registration_group = created[cp.next_class.key]
            pupil.year_group = next_year_group(pupil.year_group) or pupil.year_group
            moved.append(pupil)
    for pupil in preview.without_class:
        pupil.registration_group = None
        pupil.year_group = next_year_group(pupil.year_group) or pupil.year_group
        moved.append(pupil)
    Pupil.objects.bulk_update(moved, ["registration_group", "year_group"], batch_size=500)
    for pupil in preview.leavers:
        if pupil.leaving_date is None or pupil.leaving_date > preview.leaving_date:
            pupil.leaving_date = preview.leaving_date
        pupil.leaving_reason = pupil.leaving_reason or preview.leaving_reason
    Pupil.objects.bulk_update(preview.leavers, ["leaving_date", "leaving_reason"], batch_size=500)
    rollover = save_plan(year, plan, by=by, now=now)
    rollover.confirmed_by, rollover.confirmed_at = by, now
    rollover.summary = (
        f"{len(moved)} pupils moved up into {len(plan.classes)} classes of {to_year.name}; "
        f"{len(preview.leavers)} left on {preview.leaving_date:%d %B %Y} "
        f"({preview.leaving_reason.lower()})."
    )
    rollover.save()
    return rollover
