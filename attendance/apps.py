from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "School and pupils"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers the production checks)
        from .db_roles import on_post_migrate
        from .middleware import start_idle_clock
        from .roles import sync_roles

        # After permissions exist, so a fresh database gets its roles on migrate.
        post_migrate.connect(sync_roles, dispatch_uid="attendance.sync_roles")
        post_migrate.connect(on_post_migrate, dispatch_uid="attendance.grant_app_role")
        user_logged_in.connect(start_idle_clock, dispatch_uid="attendance.start_idle_clock")
