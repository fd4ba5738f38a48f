"""The contacts import records why each contact is a parent in law.

s.576 Education Act 1996 (quoted in the Heartwood policy): a parent is anyone
with parental responsibility or who has care of the child. The import takes
the ground from `parent_ground`, and files that only have the older
`parental_responsibility` column still import as they always did.
"""

import pytest

from attendance.imports import import_contacts
from attendance.models import Contact, PupilContact

pytestmark = pytest.mark.django_db

Ground = PupilContact.ParentGround


def ground_of(external_id: str, pupil) -> str:
    return PupilContact.objects.get(contact__external_id=external_id, pupil=pupil).parent_ground


def test_it_reads_each_ground(cast):
    data = (
        "contact_id,pupil_upn,first_name,last_name,relationship,parent_ground\n"
        f"M1,{cast.poppy.upn},Mia,Fairweather,mother,parental_responsibility\n"
        f"S1,{cast.poppy.upn},Sol,Reyes,step_parent,care\n"
        f"G1,{cast.poppy.upn},Gwen,Fairweather,grandparent,neither\n"
        f"D1,{cast.sam.upn},Dev,Okafor,father,PR\n"
        f"S2,{cast.sam.upn},Kit,Jones,step-parent,Care of the child\n"
    )
    result = import_contacts(cast.school, data)
    assert result.ok, result.errors
    assert ground_of("M1", cast.poppy) == Ground.PARENTAL_RESPONSIBILITY
    assert ground_of("S1", cast.poppy) == Ground.CARE
    assert ground_of("G1", cast.poppy) == Ground.NEITHER
    assert ground_of("D1", cast.sam) == Ground.PARENTAL_RESPONSIBILITY
    assert ground_of("S2", cast.sam) == Ground.CARE


def test_the_flag_is_kept_in_step_with_the_ground(cast):
    data = (
        "contact_id,pupil_upn,first_name,last_name,relationship,parent_ground\n"
        f"M1,{cast.poppy.upn},Mia,Fairweather,mother,parental_responsibility\n"
        f"S1,{cast.poppy.upn},Sol,Reyes,step_parent,care\n"
    )
    assert import_contacts(cast.school, data).ok
    flags = dict(
        PupilContact.objects.filter(pupil=cast.poppy).values_list(
            "contact__external_id", "parental_responsibility"
        )
    )
    assert flags == {"M1": True, "S1": False}


def test_a_file_with_only_the_old_column_still_imports(cast):
    data = (
        "contact_id,pupil_upn,first_name,last_name,relationship,parental_responsibility\n"
        f"M1,{cast.poppy.upn},Mia,Fairweather,mother,Y\n"
        f"G1,{cast.poppy.upn},Gwen,Fairweather,grandparent,N\n"
        f"D1,{cast.poppy.upn},Dev,Fairweather,father,\n"
    )
    result = import_contacts(cast.school, data)
    assert result.ok, result.errors
    assert ground_of("M1", cast.poppy) == Ground.PARENTAL_RESPONSIBILITY
    assert ground_of("G1", cast.poppy) == Ground.NEITHER
    assert ground_of("D1", cast.poppy) == Ground.PARENTAL_RESPONSIBILITY


def test_a_blank_ground_falls_back_to_the_old_column(cast):
    data = (
        "contact_id,pupil_upn,first_name,last_name,relationship,"
        "parental_responsibility,parent_ground\n"
        f"G1,{cast.poppy.upn},Gwen,Fairweather,grandparent,N,\n"
    )
    assert import_contacts(cast.school, data).ok
    assert ground_of("G1", cast.poppy) == Ground.NEITHER


def test_it_rejects_bad_values_with_their_row_numbers(cast):
    data = (
        "contact_id,pupil_upn,first_name,last_name,relationship,"
        "parental_responsibility,parent_ground\n"
        f"M1,{cast.poppy.upn},Mia,Fairweather,mother,Y,parental_responsibility\n"
        f"S1,{cast.poppy.upn},Sol,Reyes,step_parent,,lodger\n"
        f"S2,{cast.sam.upn},Kit,Jones,step_parent,Y,care\n"
        f"D1,{cast.sam.upn},Dev,Okafor,father,N,parental_responsibility\n"
        f"G1,{cast.sam.upn},Gwen,Okafor,grandparent,maybe,neither\n"
    )
    result = import_contacts(cast.school, data)
    assert result.error_lines() == [
        "Row 3: parent_ground 'lodger' is not one of: "
        "parental_responsibility, care, natural_parent, neither",
        "Row 4: parental_responsibility 'Y' contradicts parent_ground 'care'",
        "Row 5: parental_responsibility 'N' contradicts parent_ground 'parental_responsibility'",
        "Row 6: parental_responsibility 'maybe' must be Y or N",
    ]
    assert not Contact.objects.exists()


def test_a_reimport_changes_the_ground(cast):
    header = "contact_id,pupil_upn,first_name,last_name,relationship,parent_ground\n"
    sol = f"S1,{cast.poppy.upn},Sol,Reyes,other,"
    assert import_contacts(cast.school, header + sol + "neither\n").ok
    assert import_contacts(cast.school, header + sol + "care\n").ok
    assert ground_of("S1", cast.poppy) == Ground.CARE
