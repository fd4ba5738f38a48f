from django.apps import AppConfig


class AbsencesConfig(AppConfig):
    name = "absences"

    def ready(self) -> None:
        from registers.hooks import PLANNED_MARK_PROVIDERS

        from .planned import absence_plans

        if absence_plans not in PLANNED_MARK_PROVIDERS:
            PLANNED_MARK_PROVIDERS.append(absence_plans)

        from attendance.demo import HISTORY_HOOKS

        from .demo import seed_absences_hook

        if seed_absences_hook not in HISTORY_HOOKS:
            HISTORY_HOOKS.append(seed_absences_hook)
