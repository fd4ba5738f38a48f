from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "School and pupils"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the production checks)
        from .roles import sync_roles

        # After permissions exist, so a fresh database gets its roles on migrate.
        post_migrate.connect(sync_roles, dispatch_uid="attendance.sync_roles")
