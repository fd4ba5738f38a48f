"""Staff roles: Django groups and the permissions each one holds.

Scope (a teacher sees only their own classes; a governor sees no pupil at
all) is enforced by attendance.authorizers on top of these permissions.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import Group, Permission


class Role(StrEnum):
    TEACHER = "Teacher"
    OFFICE = "Office"
    ATTENDANCE_OFFICER = "Attendance officer"
    HEAD = "Head"
    GOVERNOR = "Governor"
    ADMIN = "Admin"


ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.TEACHER: ["take_register"],
    Role.OFFICE: ["view_all_pupils", "record_late_arrivals", "amend_marks", "import_pupils"],
    Role.ATTENDANCE_OFFICER: [
        "view_all_pupils",
        "record_late_arrivals",
        "amend_marks",
        "manage_escalation",
        "view_aggregate_reports",
    ],
    Role.HEAD: [
        "view_all_pupils",
        "record_late_arrivals",
        "amend_marks",
        "authorise_absence",
        "decide_leave",
        "manage_escalation",
        "view_aggregate_reports",
    ],
    Role.GOVERNOR: ["view_aggregate_reports"],
    Role.ADMIN: [
        "view_all_pupils",
        "import_pupils",
        "view_aggregate_reports",
        "manage_school_year",
    ],
}

# Where each role lands after signing in, first match wins.
LANDING_ORDER = [
    (Role.ADMIN, "setup"),
    (Role.HEAD, "authorisation_queue"),
    (Role.ATTENDANCE_OFFICER, "officer_list"),
    (Role.OFFICE, "late_book"),
    (Role.TEACHER, "my_registers"),
    (Role.GOVERNOR, "governors"),
]


def sync_roles(**kwargs) -> None:
    """Create the role groups with exactly their permissions (idempotent)."""
    perms = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="attendance",
            codename__in={c for codes in ROLE_PERMISSIONS.values() for c in codes},
        )
    }
    if not perms:  # permissions not created yet (first migrate in progress)
        return
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set([perms[c] for c in codenames if c in perms])


def roles_of(user) -> set[Role]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_rollcall_roles", None)
    if cached is None:
        names = {r.value for r in Role}
        cached = {Role(n) for n in user.groups.values_list("name", flat=True) if n in names}
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._rollcall_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def landing_page(user) -> str | None:
    roles = roles_of(user)
    for role, url_name in LANDING_ORDER:
        if role in roles:
            return url_name
    return None
