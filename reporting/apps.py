from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        from attendance.demo import BEFORE_ROLLOVER_HOOKS

        from .demo import take_last_year_groupings

        if take_last_year_groupings not in BEFORE_ROLLOVER_HOOKS:
            BEFORE_ROLLOVER_HOOKS.append(take_last_year_groupings)
