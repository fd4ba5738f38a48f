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
        self._log_sign_ins()

    @staticmethod
    def _log_sign_ins() -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from . import sign_in_log

        user_logged_in.connect(sign_in_log.signed_in, dispatch_uid="rollcall.log.signed_in")
        user_logged_out.connect(sign_in_log.signed_out, dispatch_uid="rollcall.log.signed_out")
        user_login_failed.connect(sign_in_log.sign_in_failed, dispatch_uid="rollcall.log.failed")
        user_locked_out.connect(sign_in_log.locked_out, dispatch_uid="rollcall.log.locked_out")
