from django.core.checks import run_checks


def test_production_check_refuses_the_development_key_and_debug(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    ids = {e.id for e in run_checks(include_deployment_checks=True)}
    assert {"rollcall.E001", "rollcall.E002", "rollcall.E003"} <= ids


def test_production_check_passes_a_proper_configuration(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "x" * 64 + "a-long-random-key-from-the-environment"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    ids = {e.id for e in run_checks(include_deployment_checks=True)}
    assert not {i for i in ids if i.startswith("rollcall.")}
