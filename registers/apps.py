from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "registers"

    def ready(self) -> None:
        from attendance.demo import BEFORE_ROLLOVER_HOOKS, HISTORY_HOOKS

        from .demo import seed_history_hook, seed_last_year_hook

        if seed_last_year_hook not in BEFORE_ROLLOVER_HOOKS:
            BEFORE_ROLLOVER_HOOKS.append(seed_last_year_hook)
        if seed_history_hook not in HISTORY_HOOKS:
            HISTORY_HOOKS.append(seed_history_hook)
