from django.apps import AppConfig


class PenaltiesConfig(AppConfig):
    name = "penalties"
    verbose_name = "Escalation and penalty notices"

    def ready(self) -> None:
        from attendance.demo import HISTORY_HOOKS

        from .demo import seed_escalation_hook

        if seed_escalation_hook not in HISTORY_HOOKS:
            HISTORY_HOOKS.append(seed_escalation_hook)
