"""CSV import and export of pupils and contacts, all or nothing.

A school's MIS export is checked row by row before anything is written: if
any row is bad the whole file is rejected, every bad row is reported with its
number and reason, and the database is left exactly as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from . import mis_headings
from .models import AcademicYear, Contact, Pupil, PupilContact, RegistrationGroup, School, YearGroup
from .pupil_groups import YES_NO_FIELDS
from .upn import upn_problem

PUPIL_COLUMNS = [
    "upn",
    "legal_first_name",
    "legal_middle_names",
    "legal_surname",
    "preferred_first_name",
    "preferred_surname",
    "date_of_birth",
    "sex",
    "year_group",
    "registration_group",
    "admission_date",
    "leaving_date",
    "free_school_meals",
    "pupil_premium",
    "send",
    "eal",
    "looked_after",
    "has_social_worker",
    "social_worker_name",
    "social_worker_phone",
    "social_worker_email",
    "young_carer",
    "gypsy_roma_traveller",
    "healthcare_plan",
]
PUPIL_REQUIRED = [
    "upn",
    "legal_first_name",
    "legal_surname",
    "date_of_birth",
    "sex",
    "year_group",
    "admission_date",
]
# Yes/no columns: every yes/no pupil group, and the healthcare plan.
PUPIL_FLAGS = [*YES_NO_FIELDS, "healthcare_plan"]

CONTACT_COLUMNS = [
    "contact_id",
    "pupil_upn",
    "title",
    "first_name",
    "last_name",
    "relationship",
    "parent_ground",
    "parental_responsibility",
    "lives_with_pupil",
    "priority",
    "mobile_phone",
    "home_phone",
    "work_phone",
    "email",
    "address",
    "postcode",
    "preferred_contact_method",
]
CONTACT_REQUIRED = ["contact_id", "pupil_upn", "first_name", "last_name", "relationship"]
CONTACT_DETAIL_FIELDS = [
    "title",
    "first_name",
    "last_name",
    "mobile_phone",
    "home_phone",
    "work_phone",
    "email",
    "address",
    "postcode",
    "preferred_contact_method",
]

TRUE = {"y", "yes", "true", "1"}
FALSE = {"n", "no", "false", "0", ""}


log = logging.getLogger("rollcall.imports")


def _logged(kind: str):
    """Log each import's outcome: counts and the rows refused, never a value
    from the file (a row's message can carry a UPN or a name)."""

    def wrap(run):
        @functools.wraps(run)
        def logged(school, *args, **kwargs):
            result = run(school, *args, **kwargs)
            log.log(
                logging.WARNING if result.errors else logging.INFO,
                "import refused" if result.errors else "import saved",
                extra={
                    "import": kind,
                    "school_id": school.id,
                    "rows_created": result.created,
                    "rows_updated": result.updated,
                    "error_rows": [number for number, _ in result.errors][:50],
                },
            )
            return result

        return logged

    return wrap


class RowError(ValueError):
    pass


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Headings of the file that Rollcall does not use, as the file spells them.
    ignored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def ignored_notice(self) -> str:
        """What the school is told about the columns it sent that Rollcall does not use."""
        if not self.ignored:
            return ""
        return "Columns not used by Rollcall, so ignored: " + ", ".join(self.ignored) + "."

    def error_lines(self) -> list[str]:
        return [f"Row {row}: {reason}" if row else reason for row, reason in self.errors]


# Longer than any name, address or note a school records: a sign of the wrong file.
MAX_VALUE_LENGTH = 1000


IGNORED = "\x00ignored"  # the key of a column not used; no heading can be it


def _header(fieldnames: list[str], columns: list[str], headings, result) -> list[str]:
    """The file's headings as Rollcall's columns (see `mis_headings`).

    A heading Rollcall does not use is noted in `result.ignored` and its
    column skipped; two headings for one column are an error, since they
    could disagree and the import could not say which is right.
    """
    known = mis_headings.lookup(columns, headings)
    header: list[str] = []
    given: dict[str, str] = {}
    for raw in fieldnames:
        heading = (raw or "").strip().lstrip("\ufeff").strip()
        column = known.get(mis_headings.heading_key(heading))
        if column is None:
            if heading:
                result.ignored.append(heading)
            header.append(IGNORED)
        elif column in given:
            result.errors.append(
                (1, f"columns {given[column]!r} and {heading!r} are both {column}")
            )
            header.append(IGNORED)
        else:
            given[column] = heading
            header.append(column)
    return header


def _missing(column: str, headings) -> str:
    usual = mis_headings.usual_headings(column, headings)
    return f"{column} ({' or '.join(repr(h) for h in usual)})" if usual else column


def _rows(
    stream: IO[str] | Iterable[str], columns: list[str], required: list[str], result, headings
):
    """Rows as dicts keyed by column, numbered as a spreadsheet shows them."""
    reader = csv.DictReader(stream)
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        result.errors.append((1, f"the heading row cannot be read as CSV ({exc})"))
        return []
    header = _header(list(fieldnames), columns, headings, result)
    missing = [_missing(c, headings) for c in required if c not in header]
    if missing:
        result.errors.append((1, f"missing column(s): {', '.join(missing)}"))
    if result.errors:
        return []
    reader.fieldnames = header
    rows = []
    number = 1
    while True:
        number += 1
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # A field past the csv module's limit (128 KB) or a broken quote:
            # nothing after it can be trusted, so the file stops here.
            result.errors.append((number, f"cannot be read as CSV ({exc})"))
            break
        if None in raw:
            result.errors.append((number, "more values than columns"))
            continue
        values = {k: (v or "").strip() for k, v in raw.items() if k != IGNORED}
        bad = next((k for k, v in values.items() if "\x00" in v), None)
        if bad is not None:
            result.errors.append(
                (number, f"{bad} contains a NUL character (is this a spreadsheet saved as CSV?)")
            )
            continue
        long = next((k for k, v in values.items() if len(v) > MAX_VALUE_LENGTH), None)
        if long is not None:
            result.errors.append(
                (
                    number,
                    f"{long} is {len(values[long]):,} characters long "
                    f"(at most {MAX_VALUE_LENGTH:,})",
                )
            )
            continue
        rows.append((number, values))
    if not rows and not result.errors:
        result.errors.append((0, "The file has no rows."))
    return rows


def _date(value: str, column: str, required: bool = True) -> dt.date | None:
    if not value:
        if required:
            raise RowError(f"{column} is required")
        return None
    # ISO, and the day-first dates of a spreadsheet or an MIS ("01/09/2022",
    # "01-09-2022", "1 Sep 2022"); never a two-digit year, which could be
    # a century out for a date of birth.
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise RowError(f"{column} {value!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _flag(value: str, column: str) -> bool:
    v = value.lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise RowError(f"{column} {value!r} must be Y or N")


def _choice(value: str, column: str, choices, aliases: dict[str, str] | None = None) -> str:
    options = {str(v).lower(): v for v, _ in choices}
    options.update({str(label).lower(): v for v, label in choices})
    options.update(aliases or {})
    try:
        return options[value.lower()]
    except KeyError:
        allowed = ", ".join(str(v) for v, _ in choices)
        raise RowError(f"{column} {value!r} is not one of: {allowed}") from None


def _require(row: dict, columns: list[str]) -> None:
    for column in columns:
        if not row.get(column):
            raise RowError(f"{column} is required")


def _text_stream(data: bytes | str) -> io.StringIO:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RowError(
                "The file is not UTF-8 text. Save it from the spreadsheet as "
                "'CSV UTF-8 (comma delimited)'."
            ) from exc
    return io.StringIO(data.lstrip("\ufeff"), newline="")


def _check_lengths(row: dict, model) -> None:
    for column, value in row.items():
        try:
            model_field = model._meta.get_field(column)
        except Exception:  # a column that is not a model field (e.g. pupil_upn)
            continue
        if model_field.choices:
            continue  # "Year 3" or "Female" becomes a short code, checked as a choice
        limit = model_field.max_length
        if limit and len(value) > limit:
            raise RowError(f"{column} is longer than {limit} characters")


YEAR_PREFIXES = ("year", "yr", "nc", "y")


def _year_group(value: str) -> str:
    """N, R or 1-13 from the ways an MIS writes a year: "Year 3", "Y3",
    "NC Year 3", "3", "R", "Reception", "N1", "Nursery 2"."""
    key = "".join(value.lower().split()).replace("-", "")
    for prefix in YEAR_PREFIXES:
        if key.startswith(prefix) and key != prefix:
            key = key.removeprefix(prefix).removeprefix("year")
            break
    aliases = {"rec": "R", "reception": "R", "nur": "N", "nursery": "N", "n1": "N", "n2": "N"}
    aliases |= {"nursery1": "N", "nursery2": "N", "fs1": "N", "fs2": "R"}
    # A leading zero ("03") is how some exports pad the year.
    aliases |= {v.zfill(2): v for v in YearGroup.values if v.isdigit()}
    try:
        return _choice(key, "year_group", YearGroup.choices, aliases=aliases)
    except RowError:
        raise RowError(
            f"year_group {value!r} is not a year: N, R or 1 to 13 (also 'Year 3', 'Y3')"
        ) from None


def _parse_pupil(row: dict, school: School, groups: dict[str, RegistrationGroup]) -> dict:
    _require(row, PUPIL_REQUIRED)
    _check_lengths(row, Pupil)
    problem = upn_problem(row["upn"].upper())
    if problem:
        raise RowError(problem)
    values = {
        "upn": row["upn"].upper(),
        "legal_first_name": row["legal_first_name"],
        "legal_middle_names": row.get("legal_middle_names", ""),
        "legal_surname": row["legal_surname"],
        "preferred_first_name": row.get("preferred_first_name", ""),
        "preferred_surname": row.get("preferred_surname", ""),
        "date_of_birth": _date(row["date_of_birth"], "date_of_birth"),
        "sex": _choice(row["sex"], "sex", Pupil.Sex.choices),
        "year_group": _year_group(row["year_group"]),
        "admission_date": _date(row["admission_date"], "admission_date"),
        "leaving_date": _date(row.get("leaving_date", ""), "leaving_date", required=False),
        "send": _choice(
            row.get("send") or "N",
            "send",
            Pupil.SEND.choices,
            aliases={"none": "N", "no": "N", "sen support": "K", "ehc plan": "E", "ehcp": "E"},
        ),
        "social_worker_name": row.get("social_worker_name", ""),
        "social_worker_phone": row.get("social_worker_phone", ""),
        "social_worker_email": row.get("social_worker_email", ""),
    }
    for flag in PUPIL_FLAGS:
        values[flag] = _flag(row.get(flag, ""), flag)
    group_name = row.get("registration_group", "")
    if group_name:
        if group_name.lower() not in groups:
            raise RowError(f"registration_group {group_name!r} does not exist this year")
        values["registration_group"] = groups[group_name.lower()]
    else:
        values["registration_group"] = None
    if values["leaving_date"] and values["leaving_date"] < values["admission_date"]:
        raise RowError("leaving_date is before admission_date")
    if values["date_of_birth"] >= values["admission_date"]:
        raise RowError("date_of_birth must be before admission_date")
    if values["social_worker_email"]:
        try:
            validate_email(values["social_worker_email"])
        except ValidationError:
            email = values["social_worker_email"]
            raise RowError(f"social_worker_email {email!r} is not an email address") from None
    if values["social_worker_name"] and not values["has_social_worker"]:
        raise RowError("social_worker_name is given but has_social_worker is N")
    return values


@_logged("pupils")
def import_pupils(
    school: School, data: bytes | str, academic_year: AcademicYear | None
) -> ImportResult:
    """Create or update pupils from a CSV file; any bad row rejects the whole file.

    A UPN already in Rollcall updates that pupil (a termly refresh from the
    MIS); the same UPN twice in one file is an error.
    """
    result = ImportResult()
    try:
        rows = _rows(
            _text_stream(data),
            PUPIL_COLUMNS,
            PUPIL_REQUIRED,
            result,
            mis_headings.PUPIL_HEADINGS,
        )
    except RowError as exc:
        result.errors.append((0, str(exc)))
        return result
    if academic_year is None:
        result.errors.append(
            (0, "Set up the academic year (in the admin) before importing pupils.")
        )
        return result
    groups = {g.name.lower(): g for g in academic_year.registration_groups.all()}
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        try:
            values = _parse_pupil(row, school, groups)
        except RowError as exc:
            result.errors.append((number, str(exc)))
            continue
        if values["upn"] in seen:
            result.errors.append(
                (number, f"UPN {values['upn']} is a duplicate of row {seen[values['upn']]}")
            )
            continue
        seen[values["upn"]] = number
        parsed.append(values)
    existing = {p.upn: p for p in Pupil.objects.filter(upn__in=seen)}
    for upn, pupil in existing.items():
        if pupil.school_id != school.id:
            result.errors.append((seen[upn], f"UPN {upn} belongs to a pupil at another school"))
    if result.errors:
        return result
    with transaction.atomic():
        for values in parsed:
            pupil = existing.get(values["upn"])
            if pupil is None:
                Pupil.objects.create(school=school, **values)
                result.created += 1
            else:
                for key, value in values.items():
                    setattr(pupil, key, value)
                pupil.save()
                result.updated += 1
    return result


def _parent_ground(row: dict) -> str:
    """Why the contact is a parent in law (s.576 Education Act 1996).

    Files from before parent_ground (or an MIS without it) carry only
    parental_responsibility: Y is that ground, N is neither, since care of
    the child cannot be told from it. A file with both must not contradict
    itself.
    """
    Ground = PupilContact.ParentGround
    has_pr = _flag(row.get("parental_responsibility") or "Y", "parental_responsibility")
    if not row.get("parent_ground"):
        return Ground.PARENTAL_RESPONSIBILITY if has_pr else Ground.NEITHER
    ground = _choice(
        row["parent_ground"],
        "parent_ground",
        Ground.choices,
        aliases={
            "pr": Ground.PARENTAL_RESPONSIBILITY,
            "care of the child": Ground.CARE,
            "natural parent": Ground.NATURAL_PARENT,
            "none": Ground.NEITHER,
        },
    )
    if row.get("parental_responsibility") and has_pr != (ground == Ground.PARENTAL_RESPONSIBILITY):
        raise RowError(
            f"parental_responsibility {row['parental_responsibility']!r} contradicts "
            f"parent_ground {row['parent_ground']!r}"
        )
    return ground


# How the MIS products word a relationship, to Rollcall's.
RELATIONSHIP_ALIASES = {
    "mum": "mother",
    "dad": "father",
    "step-parent": "step_parent",
    "step parent": "step_parent",
    "step mother": "step_parent",
    "step father": "step_parent",
    "stepmother": "step_parent",
    "stepfather": "step_parent",
    "grandmother": "grandparent",
    "grandfather": "grandparent",
    "foster mother": "foster_carer",
    "foster father": "foster_carer",
    "foster parent": "foster_carer",
    "aunt": "aunt_uncle",
    "uncle": "aunt_uncle",
    "brother": "sibling",
    "sister": "sibling",
    "other relative": "other",
    "family friend": "other",
    "childminder": "other",
}


def _parse_contact(row: dict) -> dict:
    _require(row, CONTACT_REQUIRED)
    _check_lengths(row, Contact)
    if len(row["contact_id"]) > 50:
        raise RowError("contact_id is longer than 50 characters")
    email = row.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RowError(f"email {email!r} is not an email address") from None
    priority = row.get("priority") or "1"
    if not priority.isdigit() or int(priority) < 1:
        raise RowError(f"priority {priority!r} must be a whole number, 1 or more")
    method = _choice(
        row.get("preferred_contact_method") or "phone",
        "preferred_contact_method",
        Contact.Method.choices,
        aliases={"text": "sms", "mobile": "sms"},
    )
    if method == "email" and not email:
        raise RowError("preferred_contact_method is email but there is no email")
    if method == "sms" and not row.get("mobile_phone"):
        raise RowError("preferred_contact_method is sms but there is no mobile_phone")
    return {
        "contact": {
            "title": row.get("title", ""),
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "mobile_phone": row.get("mobile_phone", ""),
            "home_phone": row.get("home_phone", ""),
            "work_phone": row.get("work_phone", ""),
            "email": email,
            "address": row.get("address", ""),
            "postcode": row.get("postcode", "").upper(),
            "preferred_contact_method": method,
        },
        "link": {
            "relationship": _choice(
                row["relationship"],
                "relationship",
                PupilContact.Relationship.choices,
                aliases=RELATIONSHIP_ALIASES,
            ),
            "parent_ground": _parent_ground(row),
            "lives_with_pupil": _flag(row.get("lives_with_pupil") or "Y", "lives_with_pupil"),
            "priority": int(priority),
        },
    }


@_logged("contacts")
def import_contacts(school: School, data: bytes | str) -> ImportResult:
    """Create or update contacts and their links to pupils; all or nothing.

    One row per pupil-contact link: a parent of two siblings has two rows with
    the same contact_id, whose contact details must agree.
    """
    result = ImportResult()
    try:
        rows = _rows(
            _text_stream(data),
            CONTACT_COLUMNS,
            CONTACT_REQUIRED,
            result,
            mis_headings.CONTACT_HEADINGS,
        )
    except RowError as exc:
        result.errors.append((0, str(exc)))
        return result
    upns = {row.get("pupil_upn", "").upper() for _, row in rows}
    pupils = {p.upn: p for p in Pupil.objects.filter(school=school, upn__in=upns)}
    details: dict[str, tuple[int, dict]] = {}
    links: dict[tuple[str, str], int] = {}
    parsed = []
    for number, row in rows:
        try:
            values = _parse_contact(row)
            upn = row["pupil_upn"].upper()
            if upn not in pupils:
                raise RowError(f"pupil_upn {upn} is not a pupil of this school")
            ref = row["contact_id"]
            if ref in details and details[ref][1] != values["contact"]:
                raise RowError(f"contact_id {ref} has different details from row {details[ref][0]}")
            if (ref, upn) in links:
                raise RowError(
                    f"contact {ref} is linked to pupil {upn} twice (row {links[ref, upn]})"
                )
        except RowError as exc:
            result.errors.append((number, str(exc)))
            continue
        details.setdefault(ref, (number, values["contact"]))
        links[ref, upn] = number
        parsed.append((ref, pupils[upn], values["link"]))
    if result.errors:
        return result
    with transaction.atomic():
        contacts = {}
        for ref, (_, fields) in details.items():
            contact, created = Contact.objects.update_or_create(
                school=school, external_id=ref, defaults=fields
            )
            contacts[ref] = contact
            if created:
                result.created += 1
            else:
                result.updated += 1
        for ref, pupil, link in parsed:
            PupilContact.objects.update_or_create(pupil=pupil, contact=contacts[ref], defaults=link)
    return result


def export_pupils(pupils: Iterable[Pupil], out: IO[str]) -> None:
    """Write pupils in the import format, so an export can be re-imported."""
    writer = csv.writer(out)
    writer.writerow(PUPIL_COLUMNS)
    for p in pupils:
        row = []
        for column in PUPIL_COLUMNS:
            if column == "registration_group":
                row.append(p.registration_group.name if p.registration_group else "")
            elif column in PUPIL_FLAGS:
                row.append("Y" if getattr(p, column) else "N")
            else:
                value = getattr(p, column)
                row.append(value.isoformat() if isinstance(value, dt.date) else value or "")
        writer.writerow([safe_cell(v) for v in row])


def safe_cell(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
