from django.http import Http404

from attendance.authorizers import group_authorized
from attendance.models import RegistrationGroup, User


def may_amend(user: User) -> bool:
    return user.has_perm("attendance.amend_marks")


def register_authorized(user: User, group: RegistrationGroup) -> bool:
    """Office and attendance staff open any register; a teacher only their own."""
    if may_amend(user):
        return group_authorized(user, group)
    return user.has_perm("attendance.take_register") and group_authorized(user, group)


def require_register(user: User, group: RegistrationGroup) -> None:
    if not register_authorized(user, group):
        raise Http404("No such register")
