"""Who may see what. One small function per object, tested in test_authorizers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

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
    if not same_school(user, group.academic_year.school_id):
        return False
    if can_see_all_pupils(user):
        return True
    return user.has_perm("attendance.take_register") and group.teachers.filter(pk=user.pk).exists()


def pupil_authorized(user: User, pupil: Pupil) -> bool:
    if not same_school(user, pupil.school_id):
        return False
    if can_see_all_pupils(user):
        return True
    if pupil.registration_group_id is None or not user.has_perm("attendance.take_register"):
        return False
    return pupil.registration_group.teachers.filter(pk=user.pk).exists()


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
    return has_role(user, Role.GOVERNOR) and not user.has_perm("attendance.view_all_pupils")


def require_school(user: User) -> School:
    """The school a page works on; 404 until one is set up."""
    school = school_for(user)
    if school is None:
        raise Http404("No school is set up yet: run `python manage.py seed_demo` or use the admin.")
    return school


def may_set_up_year(user: User, school: School) -> bool:
    """The admin role sets up the new school year; the office too where the school allows."""
    if not same_school(user, school.id):
        return False
    if user.has_perm("attendance.manage_school_year"):
        return True
    return school.office_may_set_up_year and has_role(user, Role.OFFICE)


def require_year_setup(user: User) -> School:
    school = require_school(user)
    if not may_set_up_year(user, school):
        raise PermissionDenied
    return school
