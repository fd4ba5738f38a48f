import os

import pytest

from tests.fakes.notify import API_KEY, FakeNotify


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def notify(settings):
    with FakeNotify() as fake:
        settings.NOTIFY_API_KEY = API_KEY
        settings.NOTIFY_BASE_URL = fake.url
        settings.NOTIFY_SMS_TEMPLATE_ID = "sms-template"
        settings.NOTIFY_EMAIL_TEMPLATE_ID = "email-template"
        settings.NOTIFY_RETRY_SECONDS = 0
        yield fake


@pytest.fixture
def family(cast):
    """Poppy's mum (priority 1, prefers texts) and dad (priority 2, email)."""
    from tests.factories import ContactFactory, PupilContactFactory

    mum = ContactFactory(
        school=cast.school,
        first_name="Mia",
        last_name="Fairweather",
        mobile_phone="07700 900111",
        email="mia@example.org",
        preferred_contact_method="sms",
    )
    dad = ContactFactory(
        school=cast.school,
        first_name="Dev",
        last_name="Fairweather",
        mobile_phone="",
        email="dev@example.org",
        preferred_contact_method="email",
    )
    PupilContactFactory(pupil=cast.poppy, contact=mum, relationship="mother", priority=1)
    PupilContactFactory(pupil=cast.poppy, contact=dad, relationship="father", priority=2)
    return mum, dad


def _point_celery_at(app, url: str) -> None:
    app.conf.broker_url = app.conf.result_backend = url
    # Dropped, not closed: kombu keeps one pool per broker, to be found again.
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of the test's own, the broker for this process's Celery app:
    `private_redis.stop()` is an outage that loses the queued tasks."""
    from config.celery import app
    from tests.processes import PrivateRedis

    redis = PrivateRedis(tmp_path)
    redis.start()
    saved = app.conf.broker_url, app.conf.result_backend
    _point_celery_at(app, redis.url)
    app.conf.task_always_eager = False
    try:
        yield redis
    finally:
        redis.stop()
        _point_celery_at(app, saved[0])
        app.conf.result_backend = saved[1]
        app.conf.task_always_eager = True


@pytest.fixture
def worker_process(transactional_db, private_redis, settings, tmp_path):
    """Start a real `celery worker` process on the private Redis and the test
    database, at a given time: `worker_process(at, kill_at_publish=...)`.
    Every worker started is SIGKILLed at the end, before the tables are emptied."""
    from django.db import connection

    from tests.processes import KILL_AT, WorkerProcess

    db = connection.settings_dict
    started: list[WorkerProcess] = []

    def start(at, kill_at_publish: tuple[str, int] | None = None) -> WorkerProcess:
        env = dict(os.environ)
        env.update(
            DATABASE_AS_OWNER="false",
            DATABASE_URL=(
                f"postgres://{settings.DATABASE_APP_ROLE}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            REDIS_URL=private_redis.url,
            CELERY_TASK_ALWAYS_EAGER="false",
            NOTIFY_API_KEY=settings.NOTIFY_API_KEY,
            NOTIFY_BASE_URL=settings.NOTIFY_BASE_URL,
            NOTIFY_SMS_TEMPLATE_ID=settings.NOTIFY_SMS_TEMPLATE_ID,
            NOTIFY_EMAIL_TEMPLATE_ID=settings.NOTIFY_EMAIL_TEMPLATE_ID,
            NOTIFY_RETRY_SECONDS=str(settings.NOTIFY_RETRY_SECONDS),
            NOTIFY_TIMEOUT_SECONDS=str(settings.NOTIFY_TIMEOUT_SECONDS),
        )
        env.pop(KILL_AT, None)
        if kill_at_publish:
            env[KILL_AT] = f"{kill_at_publish[0]}:{kill_at_publish[1]}"
        worker = WorkerProcess(env, at, tmp_path / f"worker{len(started)}.log", f"w{len(started)}")
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
