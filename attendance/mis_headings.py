"""The column headings of the common MIS exports, and the Rollcall field each one fills.

A school imports the student list and the contacts report its MIS makes, as
the MIS makes them: SIMS, Arbor and Bromcom each name the same columns their
own way ("Legal Surname", "Last Name", "Surname"). Headings are matched
without regard to case, spaces or underscores, so `Reg Group`, `REG GROUP`
and `reg_group` are one heading, and Rollcall's own names (`legal_surname`)
always work. A heading found in no table is listed back to the school and
ignored (an admission number, a house, an ethnicity Rollcall does not keep).

The README's tables of headings are this module, written out; a test holds
them together.
"""

from __future__ import annotations

SOURCES = ["SIMS", "Arbor", "Bromcom"]

PUPIL_HEADINGS: dict[str, dict[str, str]] = {
    "SIMS": {
        "UPN": "upn",
        "Legal Surname": "legal_surname",
        "Surname": "legal_surname",
        "Legal Forename": "legal_first_name",
        "Forename": "legal_first_name",
        "Middle Name(s)": "legal_middle_names",
        "Middle Names": "legal_middle_names",
        "Preferred Surname": "preferred_surname",
        "Preferred Forename": "preferred_first_name",
        "DOB": "date_of_birth",
        "Date of Birth": "date_of_birth",
        "Gender": "sex",
        "Year": "year_group",
        "Year Group": "year_group",
        "Reg Group": "registration_group",
        "Registration Group": "registration_group",
        "Admission Date": "admission_date",
        "Date of Admission": "admission_date",
        "Leaving Date": "leaving_date",
        "Date of Leaving": "leaving_date",
        "FSM Eligible": "free_school_meals",
        "Pupil Premium Indicator": "pupil_premium",
        "SEN Provision": "send",
        "EAL": "eal",
        "In Care": "looked_after",
        "Young Carer": "young_carer",
    },
    "Arbor": {
        "UPN": "upn",
        "Last Name": "legal_surname",
        "Legal Last Name": "legal_surname",
        "First Name": "legal_first_name",
        "Legal First Name": "legal_first_name",
        "Middle Names": "legal_middle_names",
        "Preferred Last Name": "preferred_surname",
        "Preferred First Name": "preferred_first_name",
        "Date of Birth": "date_of_birth",
        "Gender": "sex",
        "Year Group": "year_group",
        "Registration Form": "registration_group",
        "Enrolment Date": "admission_date",
        "Leaving Date": "leaving_date",
        "FSM": "free_school_meals",
        "Pupil Premium": "pupil_premium",
        "SEN Status": "send",
        "EAL": "eal",
        "Looked After": "looked_after",
        "Young Carer": "young_carer",
    },
    "Bromcom": {
        "UPN": "upn",
        "Surname": "legal_surname",
        "Legal Surname": "legal_surname",
        "Forename": "legal_first_name",
        "Legal Forename": "legal_first_name",
        "Middle Names": "legal_middle_names",
        "Preferred Surname": "preferred_surname",
        "Preferred Forename": "preferred_first_name",
        "DOB": "date_of_birth",
        "Gender": "sex",
        "NC Year": "year_group",
        "Tutor Group": "registration_group",
        "Admission Date": "admission_date",
        "Leaving Date": "leaving_date",
        "FSM": "free_school_meals",
        "Pupil Premium": "pupil_premium",
        "SEN Status": "send",
        "EAL": "eal",
        "Looked After": "looked_after",
        "Young Carer": "young_carer",
    },
}

CONTACT_HEADINGS: dict[str, dict[str, str]] = {
    "SIMS": {
        "Contact Person ID": "contact_id",
        "Contact ID": "contact_id",
        "UPN": "pupil_upn",
        "Title": "title",
        "Contact Title": "title",
        "Forename": "first_name",
        "Contact Forename": "first_name",
        "Surname": "last_name",
        "Contact Surname": "last_name",
        "Relationship": "relationship",
        "Parental Responsibility": "parental_responsibility",
        "Priority": "priority",
        "Mobile": "mobile_phone",
        "Home Telephone": "home_phone",
        "Work Telephone": "work_phone",
        "Email": "email",
        "Address": "address",
        "Postcode": "postcode",
    },
    "Arbor": {
        "Guardian ID": "contact_id",
        "Student UPN": "pupil_upn",
        "Title": "title",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Relationship": "relationship",
        "Has Parental Responsibility": "parental_responsibility",
        "Lives With Student": "lives_with_pupil",
        "Priority": "priority",
        "Mobile Number": "mobile_phone",
        "Home Number": "home_phone",
        "Work Number": "work_phone",
        "Email Address": "email",
        "Address": "address",
        "Postcode": "postcode",
    },
    "Bromcom": {
        "Contact ID": "contact_id",
        "UPN": "pupil_upn",
        "Contact Title": "title",
        "Contact Forename": "first_name",
        "Contact Surname": "last_name",
        "Relationship": "relationship",
        "Parental Responsibility": "parental_responsibility",
        "Lives With Student": "lives_with_pupil",
        "Contact Priority": "priority",
        "Mobile": "mobile_phone",
        "Home Tel": "home_phone",
        "Work Tel": "work_phone",
        "Email": "email",
        "Address": "address",
        "Postcode": "postcode",
    },
}


def heading_key(heading: str) -> str:
    """A heading as matched: `Reg Group`, ` reg group ` and `REG_GROUP` are one."""
    return "".join(heading.lstrip("\ufeff").lower().split()).replace("_", "")


def lookup(columns: list[str], headings: dict[str, dict[str, str]]) -> dict[str, str]:
    """Every heading Rollcall recognises, as a `heading_key`, to its field.

    Rollcall's own column names come first; an MIS heading never means two
    fields (a test holds every table to that).
    """
    table = {heading_key(column): column for column in columns}
    for source in SOURCES:
        for heading, column in headings[source].items():
            table.setdefault(heading_key(heading), column)
    return table


def usual_headings(column: str, headings: dict[str, dict[str, str]]) -> list[str]:
    """The headings the MIS products give `column`, for a message naming it."""
    seen: list[str] = []
    for source in SOURCES:
        for heading, field in headings[source].items():
            if field == column and heading not in seen:
                seen.append(heading)
    return seen
