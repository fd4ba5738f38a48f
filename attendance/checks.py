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


def weak_secret_key(key: str) -> bool:
    """Anyone holding the key can forge sessions and parents' links."""
    lowered = key.lower()
    return (
        key == settings.DEV_SECRET_KEY
        or len(key) < 50
        or len(set(key)) < 10
        or lowered.startswith("django-insecure")
        or any(word in lowered for word in ("change-me", "changeme", "secret-key", "example"))
    )


@register(Tags.security, deploy=True)
def check_database_role(app_configs, **kwargs):
    """The web process must not be able to rewrite tables or their triggers."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, EXISTS (SELECT 1 FROM pg_tables WHERE tableowner = current_user)"
                " FROM pg_roles WHERE rolname = current_user"
            )
            superuser, owns = cursor.fetchone()
    except DatabaseError:
        return []  # no database yet: other checks and the first request will say so
    if settings.DATABASE_AS_OWNER or not (superuser or owns):
        return []
    return [
        Error(
            "Rollcall connects to PostgreSQL as a superuser or as the owner of its tables, "
            "so the register's history could be rewritten through its login.",
            hint="Connect as the application role (DATABASE_URL with rollcall_app); "
            "run migrations with DATABASE_AS_OWNER=true and DATABASE_OWNER_URL.",
            id="rollcall.E005",
        )
    ]


@register(Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs):
    errors = []
    if weak_secret_key(settings.SECRET_KEY):
        errors.append(
            Error(
                "SECRET_KEY is weak: the development key, an example value, too short, "
                "or too few different characters.",
                hint="Set SECRET_KEY in the environment to 50+ random characters, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
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
