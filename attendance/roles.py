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
    Role.OFFICE: [
        "view_all_pupils",
        "record_late_arrivals",
        "amend_marks",
        "import_pupils",
        "unlock_sign_ins",
    ],
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
        "unlock_sign_ins",
        "view_access_log",
    ],
    Role.GOVERNOR: ["view_aggregate_reports"],
    Role.ADMIN: [
        "view_all_pupils",
        "import_pupils",
        "view_aggregate_reports",
        "manage_school_year",
        "unlock_sign_ins",
        "view_access_log",
    ],
}

# The admin role also runs the school's settings in the Django admin: the
# school (register times, policy settings), closures, classes, pupils and
# contacts, staff accounts and the national reference figures. Never marks,
# absences, cases or the permission to authorise: an admin is not the head.
ADMIN_SITE_PERMISSIONS = [
    "attendance.view_school",
    "attendance.change_school",
    "attendance.view_academicyear",
    "attendance.view_term",
    "attendance.view_nonschoolday",
    "attendance.add_nonschoolday",
    "attendance.change_nonschoolday",
    "attendance.delete_nonschoolday",
    "attendance.view_registrationgroup",
    "attendance.add_registrationgroup",
    "attendance.change_registrationgroup",
    "attendance.view_pupil",
    "attendance.change_pupil",
    "attendance.view_contact",
    "attendance.add_contact",
    "attendance.change_contact",
    "attendance.view_pupilcontact",
    "attendance.add_pupilcontact",
    "attendance.change_pupilcontact",
    "attendance.delete_pupilcontact",
    "attendance.view_user",
    "attendance.change_user",
    "reporting.view_nationalfigure",
    "reporting.add_nationalfigure",
    "reporting.change_nationalfigure",
]

# Where each role lands after signing in, first match wins.
LANDING_ORDER = [
    (Role.ADMIN, "attendance:setup"),
    (Role.HEAD, "absences:authorisation_queue"),
    (Role.ATTENDANCE_OFFICER, "penalties:officer_list"),
    (Role.OFFICE, "registers:late_book"),
    (Role.TEACHER, "registers:my_registers"),
    (Role.GOVERNOR, "reporting:governors"),
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
    site = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={name.split(".")[1] for name in ADMIN_SITE_PERMISSIONS}
        )
    }
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        chosen = [perms[c] for c in codenames if c in perms]
        if role is Role.ADMIN:
            chosen += [site[name] for name in ADMIN_SITE_PERMISSIONS if name in site]
        group.permissions.set(chosen)


def roles_of(user) -> set[Role]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_rollcall_roles", None)
    if cached is None:
        from .backends import group_names  # with the permissions, in one query

        names = {r.value for r in Role}
        cached = {Role(n) for n in group_names(user) if n in names}
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
