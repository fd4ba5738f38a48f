"""The cast every permission test uses.

alice teaches Hawthorn (where pupil Poppy is), bob teaches Rowan (where Sam
is), olive works in the office, arthur is the attendance officer, helen is the
head, gwen is a governor, adam is the administrator.
"""

from dataclasses import dataclass

import pytest

from attendance.models import Pupil, RegistrationGroup, School, User
from attendance.roles import Role

from . import factories

# Tests run as the application's database role, as the web process does, so
# a test that needs a privilege the application lacks fails here as it would
# in production. The owner role (tests/environment.py) makes and migrates the
# test database, and stays for tests that commit: they are emptied afterwards
# with TRUNCATE, which only the owner may do.
_OWNER_ROLE: list[str] = []  # known once the test database is made


def _connect_as(role: str) -> None:
    from django.db import connections

    connection = connections["default"]
    if connection.settings_dict["USER"] != role:
        connection.close()
        # The settings dict is shared by every thread's connection (the live server's too).
        connection.settings_dict["USER"] = role


def _commits(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    return bool(transactional) or bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture, so no transaction is open on the connection being replaced.
    if _OWNER_ROLE:
        from django.conf import settings

        _connect_as(_OWNER_ROLE[0] if _commits(item) else settings.DATABASE_APP_ROLE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    from django.db import connections

    _OWNER_ROLE.append(connections["default"].settings_dict["USER"])
    yield
    _connect_as(_OWNER_ROLE.pop())  # the owner drops the test database


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch):
    """client.force_login stands for a whole sign-in: password and second factor.

    The sign-in itself (password, lockout, the code) is tested through the
    login page in tests/attendance/test_sign_in.py and test_two_factor.py.
    """
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        device = factories.second_factor(user)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def school(db) -> School:
    school = factories.SchoolFactory(name="Heartwood Primary School")
    factories.build_calendar(school)
    return school


@dataclass
class Cast:
    school: School
    hawthorn: RegistrationGroup
    rowan: RegistrationGroup
    poppy: Pupil
    sam: Pupil
    alice: User
    bob: User
    olive: User
    arthur: User
    helen: User
    gwen: User
    adam: User
    nobody: User

    def by_role(self) -> dict[str, User]:
        return {
            "teacher": self.alice,
            "office": self.olive,
            "attendance officer": self.arthur,
            "head": self.helen,
            "governor": self.gwen,
            "admin": self.adam,
        }


@pytest.fixture
def cast(school) -> Cast:
    year = school.academic_years.get(name="2026/27")
    hawthorn = RegistrationGroup.objects.create(academic_year=year, name="Hawthorn", year_group="3")
    rowan = RegistrationGroup.objects.create(academic_year=year, name="Rowan", year_group="5")
    mk = factories.make_user
    cast = Cast(
        school=school,
        hawthorn=hawthorn,
        rowan=rowan,
        poppy=factories.PupilFactory(
            school=school,
            registration_group=hawthorn,
            legal_first_name="Poppy",
            legal_surname="Fairweather",
            year_group="3",
        ),
        sam=factories.PupilFactory(
            school=school,
            registration_group=rowan,
            legal_first_name="Samuel",
            preferred_first_name="Sam",
            legal_surname="Okafor",
            year_group="5",
        ),
        alice=mk("alice", Role.TEACHER, school, first_name="Alice"),
        bob=mk("bob", Role.TEACHER, school, first_name="Bob"),
        olive=mk("olive", Role.OFFICE, school),
        arthur=mk("arthur", Role.ATTENDANCE_OFFICER, school),
        helen=mk("helen", Role.HEAD, school),
        gwen=mk("gwen", Role.GOVERNOR, school),
        adam=mk("adam", Role.ADMIN, school, is_staff=True),
        nobody=mk("nobody", None, school),
    )
    hawthorn.teachers.add(cast.alice)
    rowan.teachers.add(cast.bob)
    return cast


@pytest.fixture
def worker():
    """A real Celery worker on the test Redis queue, for tests about jobs."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True
