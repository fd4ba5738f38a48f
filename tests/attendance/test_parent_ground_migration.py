"""Migration 0012 records why each existing contact is a parent in law.

s.576 Education Act 1996 (quoted in the Heartwood policy): a parent is anyone
with parental responsibility or who has care of the child. Care was never
recorded before, so links (and their history) with parental responsibility
become that ground and the rest become neither: the migration makes no one a
parent in law who was not one before.
"""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from attendance.models import PupilContact

BEFORE = [("attendance", "0011_untaken_registers_and_pending_reports")]


def latest():
    """Every app at its newest migration: the state the rest of the suite needs."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_it_maps_the_old_flag_to_the_ground():
    apps = migrate(BEFORE)
    try:
        school = apps.get_model("attendance", "School").objects.create(
            name="Oakfield", urn="900001", local_authority="Hertfordshire"
        )
        pupil = apps.get_model("attendance", "Pupil").objects.create(
            school=school,
            upn="A123456789012",
            legal_first_name="Poppy",
            legal_surname="Fairweather",
            date_of_birth=dt.date(2017, 5, 10),
            sex="F",
            year_group="4",
            admission_date=dt.date(2021, 9, 1),
        )
        Contact = apps.get_model("attendance", "Contact")
        Link = apps.get_model("attendance", "PupilContact")
        mia = Contact.objects.create(school=school, first_name="Mia", last_name="Fairweather")
        gwen = Contact.objects.create(school=school, first_name="Gwen", last_name="Fairweather")
        Link.objects.create(pupil=pupil, contact=mia, relationship="mother")
        Link.objects.create(
            pupil=pupil, contact=gwen, relationship="grandparent", parental_responsibility=False
        )
    finally:
        # Forward through 0012 (the mapping) to the newest migrations, so no
        # later migration is left undone for the tests that follow.
        migrate(latest())
    grounds = dict(
        PupilContact.objects.filter(pupil_id=pupil.id).values_list(
            "contact__first_name", "parent_ground"
        )
    )
    assert grounds == {"Mia": "parental_responsibility", "Gwen": "neither"}
    flags = dict(
        PupilContact.objects.filter(pupil_id=pupil.id).values_list(
            "contact__first_name", "parental_responsibility"
        )
    )
    assert flags == {"Mia": True, "Gwen": False}
    # The history written before the migration says the same.
    Event = PupilContact.pgh_event_models["insert"]
    history = dict(
        Event.objects.filter(pupil_id=pupil.id).values_list("contact_id", "parent_ground")
    )
    assert history == {mia.id: "parental_responsibility", gwen.id: "neither"}
