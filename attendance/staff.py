"""Adding a member of staff: their account, their role and their classes, at once."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from .errors import RuleError
from .models import RegistrationGroup, School, User
from .roles import Role, has_role

# The office (where the school lets it set up the year) adds colleagues who
# take registers or work in the office; roles that reach every pupil's
# casework or the school's settings are given by the admin.
OFFICE_MAY_GIVE = [Role.TEACHER, Role.OFFICE]


def roles_given_by(user: User) -> list[Role]:
    if user.has_perm("attendance.manage_school_year"):
        return list(Role)
    if has_role(user, Role.OFFICE):
        return OFFICE_MAY_GIVE
    return []


@transaction.atomic
def add_staff_member(
    school: School,
    *,
    by: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str,
    role: Role,
    password: str,
    classes: list[RegistrationGroup],
) -> User:
    """An account for a new colleague, with the permissions of their role."""
    if role not in roles_given_by(by):
        raise RuleError(f"Only the admin can give someone the {role.value} role.")
    if classes and role is not Role.TEACHER:
        raise RuleError("Only a teacher is given classes.")
    wrong = [g for g in classes if g.academic_year.school_id != school.id]
    if wrong:
        raise RuleError("Choose classes of this school.")
    if User.objects.filter(username__iexact=username).exists():
        raise RuleError(f"Someone already signs in as {username}.")
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
        school=school,
        # The Django admin stays with the admin role.
        is_staff=role is Role.ADMIN,
    )
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=role.value))
    for group in classes:
        group.teachers.add(user)
    return user
