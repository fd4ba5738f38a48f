"""Who may see what: one small function per object or page.

The `*_authorized` and `may_*` functions answer yes or no; each `require_*`
raises what the page shows instead (404 for an object the user may not know
of, 403 for a page they may not use). They are tested through the pages, one
row per view and role, in tests/test_permission_matrix.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .backends import taught_groups
from .models import Pupil, RegistrationGroup, School, User
from .roles import Role, has_role
from .selectors import school_for


def can_see_all_pupils(user: User) -> bool:
    return user.has_perm("attendance.view_all_pupils")


def same_school(user: User, school_id: int) -> bool:
    # Staff belong to one school; an account without one (a trust-wide
    # superuser) is scoped by its permissions alone.
    return user.school_id is None or user.school_id == school_id


def group_authorized(user: User, group: RegistrationGroup) -> bool:
    """Staff who see every pupil, for a class of their school; a teacher, for
    a class they teach."""
    if not same_school(user, group.academic_year.school_id):
        return False
    if can_see_all_pupils(user):
        return True
    return user.has_perm("attendance.take_register") and group.id in taught_groups(user)


def pupil_authorized(user: User, pupil: Pupil) -> bool:
    """Staff who see every pupil, for a pupil of their school; a teacher, for
    a pupil in a class they teach (never one in no class)."""
    if not same_school(user, pupil.school_id):
        return False
    if can_see_all_pupils(user):
        return True
    if pupil.registration_group_id is None or not user.has_perm("attendance.take_register"):
        return False
    return pupil.registration_group_id in taught_groups(user)


def require_pupil(user: User, pupil: Pupil) -> None:
    # 404 rather than 403: a teacher should not learn that a pupil exists.
    if not pupil_authorized(user, pupil):
        raise Http404("No such pupil")


def require_group(user: User, group: RegistrationGroup) -> None:
    if not group_authorized(user, group):
        raise Http404("No such class")


def require_perm(user: User, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def is_governor_only(user: User) -> bool:
    """A governor who does not also see pupils (by another role): figures only."""
    return has_role(user, Role.GOVERNOR) and not user.has_perm("attendance.view_all_pupils")


def require_school(user: User) -> School:
    """The school a page works on: the user's own, or for an account of no
    school the install's only one; 404 when there is none to pick (none set
    up yet, or several)."""
    school = school_for(user)
    if school is None:
        raise Http404("No school is set up yet: run `python manage.py seed_demo` or use the admin.")
    return school


def may_set_up_year(user: User, school: School) -> bool:
    """Who holds manage_school_year (the admin role) sets up the new school
    year, and the office too where the school allows; only in their own school."""
    if not same_school(user, school.id):
        return False
    if user.has_perm("attendance.manage_school_year"):
        return True
    return school.office_may_set_up_year and has_role(user, Role.OFFICE)


def require_year_setup(user: User) -> School:
    """The school whose new year the user sets up: 404 when there is no school
    (require_school), 403 when they may not (may_set_up_year)."""
    school = require_school(user)
    if not may_set_up_year(user, school):
        raise PermissionDenied
    return school
