from django.apps import AppConfig


class AbsencesConfig(AppConfig):
    name = "absences"

    def ready(self) -> None:
        from registers.hooks import PLANNED_MARK_PROVIDERS

        from .planned import absence_plans

        if absence_plans not in PLANNED_MARK_PROVIDERS:
            PLANNED_MARK_PROVIDERS.append(absence_plans)
