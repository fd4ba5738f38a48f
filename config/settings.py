"""Rollcall settings: one module, configured from the environment (see README)."""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The development key only works while DEBUG is on: the deploy check
# (attendance.checks) refuses it in production.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY in the environment (or DEBUG=true for development).")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "pghistory",
    "attendance",
    "registers",
    "absences",
    "penalties",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "attendance.middleware.SecurityHeadersMiddleware",
    "attendance.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Who made a change (user, address, page), kept with each history snapshot
    # (for the methods in PGHISTORY_MIDDLEWARE_METHODS).
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "attendance.middleware.IdleTimeoutMiddleware",
    "attendance.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Pupil data is personal: nothing is reachable without signing in.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Last, as django-axes requires: answers a locked-out sign-in with its page.
    "axes.middleware.AxesMiddleware",
]

if DEBUG:
    # runserver serves static files itself in development.
    MIDDLEWARE.remove("whitenoise.middleware.WhiteNoiseMiddleware")

# A GET changes no tracked record, and the context costs a statement prefix on
# every query of the request (a fifth of a register page's time).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "attendance.context_processors.roles",
                "registers.context_processors.alerts",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Two PostgreSQL roles (README, "Security and data protection"): the web
# process and the workers connect as an application role that owns nothing
# and holds only row grants (no TRUNCATE, no DDL, history insert-only); the
# owner role runs migrations and the demo seed (DATABASE_AS_OWNER=true).
_APP_DATABASE = env.db("DATABASE_URL", default="postgres://rollcall_app@127.0.0.1:5432/rollcall")
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default=_APP_DATABASE["USER"])
DATABASE_AS_OWNER = env.bool("DATABASE_AS_OWNER", default=False)
DATABASES = {
    "default": (
        env.db("DATABASE_OWNER_URL", default="postgres://rollcall@127.0.0.1:5432/rollcall")
        if DATABASE_AS_OWNER
        else _APP_DATABASE
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A connection the database dropped (a restart, a failover) is noticed and
# replaced before a request uses it, rather than failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "attendance.User"
# Argon2id, tuned so that the 09:00 rush of sign-ins is cheap without making
# guessing cheap (attendance/passwords.py); PBKDF2 reads older hashes.
PASSWORD_HASHERS = [
    "attendance.passwords.StaffPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "attendance.sign_in.NotTheSchoolOrTheDemoValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with the user's school, roles and permissions read in
    # two queries a page instead of five.
    "attendance.backends.StaffBackend",
]
# How long records are kept (attendance/retention.py, `manage.py purge_records`).
# Register entries: at least 6 years from the date of entry (Regulations 2024).
RETENTION = {
    "register_years": env.int("RETAIN_REGISTER_YEARS", default=6),
    "absence_years": env.int("RETAIN_ABSENCE_YEARS", default=6),
    "view_log_years": env.int("RETAIN_VIEW_LOG_YEARS", default=6),
    "sign_in_log_days": env.int("RETAIN_SIGN_IN_LOG_DAYS", default=365),
}
# Sign-in lockout (attendance/sign_in.py): per account, and per address with
# a higher limit (a staff room shares one address); unlocks by itself after
# the cool-off, or at once from the Sign-ins page.
# Who must give a code from an authenticator app after their password
# (attendance/two_factor.py): "personal-data" (every role that opens a
# pupil's records) or "all" (governors too).
SECOND_FACTOR_FOR = env.str("SECOND_FACTOR_FOR", default="personal-data")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Rollcall")
SIGN_IN_ACCOUNT_LIMIT = env.int("SIGN_IN_ACCOUNT_LIMIT", default=5)
SIGN_IN_ADDRESS_LIMIT = env.int("SIGN_IN_ADDRESS_LIMIT", default=30)
AXES_FAILURE_LIMIT = SIGN_IN_ACCOUNT_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "attendance.sign_in.SignInHandler"
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("SIGN_IN_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind a proxy, the address axes records is the client's, not the proxy's:
# set to the number of proxies that add X-Forwarded-For (README).
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "attendance:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
# Production serves hashed, compressed files from the manifest `collectstatic`
# writes; `make run` collects them that way too, so turning DEBUG off after
# it serves what was collected (the deploy check rollcall.E004 says if not).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Evidence files (hospital letters, appointment cards) live outside the web
# root and are only ever served through a view that checks the user's role.
MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
# `manage.py backup` (attendance/backups.py): one archive a run of the
# database and MEDIA_ROOT, deleted after this many days (0 keeps them all).
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "var" / "backups")
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", default=30)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="attendance@rollcall.invalid")
# A mail server that accepts the connection and then says nothing must not
# hold a worker for ever (the outbox sweep counts on a send ending).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where staff reach Rollcall, for links in emails sent by background jobs.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A job run in place (eager) still leaves its result for the pages that poll
# it, such as the marks import's progress page.
CELERY_TASK_STORE_EAGER_RESULT = True
# How often beat sends the heartbeat a worker records; /healthz fails after
# three missed (reporting/health.py).
HEARTBEAT_SECONDS = env.int("HEARTBEAT_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    # A heartbeat queued while no worker ran is stale: dropped, not run late.
    "heartbeat": {
        "task": "reporting.tasks.heartbeat",
        "schedule": float(HEARTBEAT_SECONDS),
        "options": {"expires": HEARTBEAT_SECONDS},
    },
    # Every two minutes: a register closes within two minutes of its time, on
    # every school day, whatever each school's close time is.
    "close-registers": {"task": "registers.tasks.close_registers", "schedule": 120.0},
    # Runs often; acts once a school's AM register has closed plus its delay,
    # and is idempotent, so each pass only adds what is new.
    "first-day-calling": {"task": "absences.tasks.first_day_calling", "schedule": 300.0},
    # Every minute: a teacher's reminder goes a few minutes before the close.
    "register-reminders": {"task": "registers.tasks.remind_registers", "schedule": 60.0},
    # Every two minutes: a parent's message the broker lost is handed over
    # again, or given up for a phone call (absences/outbox.py). A sweep queued
    # while no worker ran is stale: the next one does its work.
    "sweep-outbox": {
        "task": "absences.tasks.sweep_outbox",
        "schedule": 120.0,
        "options": {"expires": 120},
    },
    "prefill-registers": {"task": "registers.tasks.prefill_registers", "schedule": 900.0},
    "take-term-groupings": {
        "task": "reporting.tasks.take_term_groupings",
        "schedule": crontab(hour=5, minute=30),
    },
    "check-thresholds": {
        "task": "penalties.tasks.check_all_thresholds",
        "schedule": crontab(hour=2, minute=15),
    },
    # Nightly, and idempotent: a year's partition of the marks is made two
    # years before its first mark (registers/partitions.py).
    "add-mark-partitions": {
        "task": "registers.tasks.add_next_years_partitions",
        "schedule": crontab(hour=1, minute=45),
    },
}

# GOV.UK Notify sends parents' texts and emails when a key is set; without
# one, emails go through EMAIL_URL and texts are left to a phone call.
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_SMS_TEMPLATE_ID = env.str("NOTIFY_SMS_TEMPLATE_ID", default="")
NOTIFY_EMAIL_TEMPLATE_ID = env.str("NOTIFY_EMAIL_TEMPLATE_ID", default="")
NOTIFY_RETRY_SECONDS = env.int("NOTIFY_RETRY_SECONDS", default=120)
NOTIFY_MAX_TRIES = env.int("NOTIFY_MAX_TRIES", default=5)
NOTIFY_TIMEOUT_SECONDS = env.int("NOTIFY_TIMEOUT_SECONDS", default=15)

SESSION_COOKIE_AGE = 60 * 60 * 10  # a school day; shared tablets should not stay signed in
# Besides the absolute limit above: signed out after this long without a request.
STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=30)
# The largest request body Rollcall reads (an evidence upload is at most 5 MB,
# an import a few); the proxy in front should refuse larger first (README).
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A load balancer's or docker-compose's probe talks plain HTTP to the app.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The national penalty-notice framework (penalties/framework.py); change here
# only if the law changes.
PENALTY_THRESHOLD_SESSIONS = env.int("PENALTY_THRESHOLD_SESSIONS", default=10)
PENALTY_WINDOW_SCHOOL_WEEKS = env.int("PENALTY_WINDOW_SCHOOL_WEEKS", default=10)
PENALTY_APPROACHING_SESSIONS = env.int("PENALTY_APPROACHING_SESSIONS", default=6)
# A notice sent by first-class post is deemed received on this working day
# after posting (LA codes of conduct); both payment periods run from receipt.
PENALTY_POSTED_RECEIVED_WORKING_DAYS = env.int("PENALTY_POSTED_RECEIVED_WORKING_DAYS", default=2)

# One JSON object per line on stdout in production (LOG_FORMAT=json, the
# default without DEBUG), plain text in development. Ids, never names.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every rendering step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Error reporting (Django and Celery) when a DSN is set. No personal data is
# sent: not the request body, not the user's details, not local variables.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
    )
