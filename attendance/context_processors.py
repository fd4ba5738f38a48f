from .roles import roles_of


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_roles": sorted(r.value for r in roles_of(user)),
        "perms_view_all_pupils": user.has_perm("attendance.view_all_pupils"),
    }
