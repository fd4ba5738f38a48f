"""Django's model backend, loading once per request what every page reads.

Every signed-in page asks who the user is, their school (the header, the
alerts), their roles (the menu), their permissions (the view's check, the
menu again) and, for a teacher, which classes are theirs (the scope of every
pupil and register). Django's ModelBackend and per-check queries read these
in five or more; here the user comes with their school and all the rest in
the one query that loads the user, kept on the user object for the request
as Django keeps its own permission cache. Nothing is kept across requests: a role or class taken
away takes effect on the next page.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.expressions import RawSQL

from .models import RegistrationGroup, User

# Everything a page asks of its user, as one array of "kind value" entries
# read beside the user's row (the user table is the outer query's).
ACCESS_SQL = """
ARRAY(
    SELECT 'role ' || g.name
    FROM {group} g JOIN {user_groups} ug ON ug.group_id = g.id
    WHERE ug.user_id = {user}.id
    UNION ALL
    SELECT 'group ' || ct.app_label || '.' || p.codename
    FROM {group_perms} gp
    JOIN {user_groups} ug ON ug.group_id = gp.group_id
    JOIN {perm} p ON p.id = gp.permission_id
    JOIN {ct} ct ON ct.id = p.content_type_id
    WHERE ug.user_id = {user}.id
    UNION ALL
    SELECT 'user ' || ct.app_label || '.' || p.codename
    FROM {user_perms} up
    JOIN {perm} p ON p.id = up.permission_id
    JOIN {ct} ct ON ct.id = p.content_type_id
    WHERE up.user_id = {user}.id
    UNION ALL
    SELECT 'teaches ' || t.registrationgroup_id FROM {teachers} t WHERE t.user_id = {user}.id
)
"""


def _access() -> RawSQL:
    return RawSQL(
        ACCESS_SQL.format(
            user=connection.ops.quote_name(User._meta.db_table),
            group=Group._meta.db_table,
            user_groups=User.groups.through._meta.db_table,
            group_perms=Group.permissions.through._meta.db_table,
            perm=Permission._meta.db_table,
            ct=ContentType._meta.db_table,
            user_perms=User.user_permissions.through._meta.db_table,
            teachers=RegistrationGroup.teachers.through._meta.db_table,
        ),
        [],
    )


def _keep(user, entries: list[str]) -> None:
    """Fill the user's caches: group names, classes taught, and the
    permission caches ModelBackend reads (_user_perm_cache, _group_perm_cache)."""
    found: dict[str, set[str]] = {"role": set(), "group": set(), "user": set(), "teaches": set()}
    for entry in entries:
        kind, _, value = entry.partition(" ")
        found[kind].add(value)
    user._group_names = frozenset(found["role"])
    user._taught_groups = frozenset(int(v) for v in found["teaches"])
    # A superuser holds every permission; ModelBackend works that out itself.
    if not user.is_superuser:
        user._group_perm_cache = found["group"]
        user._user_perm_cache = found["user"]


def load_access(user) -> None:
    """The user's roles, permissions and classes, in one query if the user
    was not loaded by StaffBackend (which reads them with the user)."""
    if hasattr(user, "_group_names"):
        return
    entries = User.objects.filter(pk=user.pk).values_list(_access(), flat=True).first()
    _keep(user, entries or [])


def group_names(user) -> frozenset[str]:
    load_access(user)
    return user._group_names


def taught_groups(user) -> frozenset[int]:
    """The ids of the classes the user is a teacher of (any year)."""
    load_access(user)
    return user._taught_groups


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = (
                User._default_manager.select_related("school")
                .annotate(access=_access())
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        _keep(user, user.access)
        return user if self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj, obj=None):
        if user_obj.is_active and not user_obj.is_anonymous and obj is None:
            load_access(user_obj)
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        if user_obj.is_active and not user_obj.is_anonymous and obj is None:
            load_access(user_obj)
        return super().get_group_permissions(user_obj, obj)
