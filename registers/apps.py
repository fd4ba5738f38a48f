from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "registers"

    def ready(self) -> None:
        from attendance.demo import HISTORY_HOOKS

        from .demo import seed_history_hook

        if seed_history_hook not in HISTORY_HOOKS:
            HISTORY_HOOKS.append(seed_history_hook)
