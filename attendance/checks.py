"""Production checks, run by `manage.py check --deploy`."""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import Error, Tags, register


@register(Tags.staticfiles, deploy=True)
def check_static_files_collected(app_configs, **kwargs):
    """With DEBUG off every page links hashed static files: without the
    manifest each one would be a server error."""
    if settings.DEBUG or not hasattr(staticfiles_storage, "manifest_name"):
        return []
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return []
    return [
        Error(
            f"Static files have not been collected into {settings.STATIC_ROOT}.",
            hint="Run `python manage.py collectstatic --no-input` (make serve does it).",
            id="rollcall.E004",
        )
    ]


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs):
    errors = []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        errors.append(
            Error(
                "SECRET_KEY is the development key or too short.",
                hint="Set SECRET_KEY in the environment to 50+ random characters.",
                id="rollcall.E001",
            )
        )
    if settings.DEBUG:
        errors.append(Error("DEBUG is on.", hint="Unset DEBUG in production.", id="rollcall.E002"))
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        errors.append(
            Error(
                "Email goes nowhere: parents would never receive letters.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:pass@smtp.example.org:587",
                id="rollcall.E003",
            )
        )
    return errors
