"""The Common Transfer File (CTF): the DfE's XML for a pupil who changes school.

The Education (Pupil Information) (England) Regulations 2005 require the old
school to send the "common transfer information" to the new one within 15
school days of the pupil ceasing to be registered there; the CTF is the
format. Element names follow the DfE's "Common transfer file 25:
specification" (4.3 XML message structure: CTfile > Header, CTFpupilData >
Pupil > BasicDetails, Contacts, Attendance > YearData > AttendSessions), and
their order and the marks-string convention were checked against an MIS
supplier's published CTF writer and reader. The DfE's XSD could not be
fetched from here, so files are not validated against it: the parser checks
the structure it reads instead.

Pure functions only: `build_ctf` writes bytes, `parse_ctf` reads them into the
dataclasses below. Writing pupils and marks is `registers.ctf_services`.

The attendance marks string (YearData > AttendSessions > AttendanceMarks)
holds two sessions a day, AM then PM, for every calendar day from
AttendanceStartDate: "#" for a day the school was not in session (weekends,
holidays), "-" for a school-day session with no mark; a code of two
characters (C1, J1, Y1...) is a letter and a digit, and no single code is a
digit, so the string reads back without a separator. Present is "/" in the
morning and "\\" in the afternoon, as in the register.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Container
from dataclasses import dataclass, field
from xml.parsers import expat

CTF_VERSION = "25.0"
DOCUMENT_NAME = "Common Transfer File"
SUPPLIER_ID = "Rollcall"
NO_MARK = "-"
NOT_IN_SESSION = "#"
MAX_BYTES = 20 * 1024 * 1024
# The destination of a CTF sent before the next school is known (the DfE's
# "lost pupils" database collects it).
UNKNOWN_LA = "XXX"
UNKNOWN_ESTAB = "XXXX"

# CBDS relationship to pupil (D00033), for the relationships Rollcall keeps.
RELATIONSHIP_TO_CBDS = {
    "mother": "PAM",
    "father": "PAF",
    "step_parent": "STP",
    "grandparent": "GRP",
    "carer": "CAR",
    "foster_carer": "FOC",
    "aunt_uncle": "REL",
    "sibling": "FAM",
    "social_worker": "SWR",
    "other": "OTH",
}
CBDS_TO_RELATIONSHIP = {code: rel for rel, code in RELATIONSHIP_TO_CBDS.items()}
PHONE_TYPES = {"mobile": "M", "home": "H", "work": "W"}


class CTFError(ValueError):
    """The file is not a CTF Rollcall can read; nothing is imported."""


@dataclass(frozen=True)
class CTFSchool:
    la: str
    estab: str
    name: str = ""
    urn: str = ""

    @property
    def dfe_number(self) -> str:
        return f"{self.la}{self.estab}"


@dataclass(frozen=True)
class CTFContact:
    order: int
    surname: str
    forename: str
    title: str = ""
    relationship: str = "OTH"  # CBDS code
    responsibility: bool = False
    phones: tuple[tuple[str, str], ...] = ()  # (H|M|W, number)
    email: str = ""
    address_lines: tuple[str, ...] = ()
    postcode: str = ""


@dataclass(frozen=True)
class CTFYear:
    """One YearData: a school's figures for one academic year, and its marks."""

    year: int  # the academic year's first calendar year: 2026 for 2026/27
    school: CTFSchool
    possible: int
    authorised: int
    attended: int
    unauthorised: int
    start_date: dt.date | None = None
    marks: tuple[tuple[dt.date, str, str], ...] = ()  # (date, AM|PM, code)
    # For writing: the sending school's days, so its holidays go as "#".
    school_days: frozenset[dt.date] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CTFPupil:
    upn: str
    surname: str
    forename: str
    dob: dt.date
    sex: str
    middle_names: str = ""
    preferred_surname: str = ""
    preferred_forename: str = ""
    nc_year: str = ""
    contacts: tuple[CTFContact, ...] = ()
    attendance: tuple[CTFYear, ...] = ()


@dataclass(frozen=True)
class CTFFile:
    source: CTFSchool
    dest: CTFSchool
    created: dt.datetime
    academic_year: int
    pupils: tuple[CTFPupil, ...] = field(default_factory=tuple)
    version: str = CTF_VERSION


def file_name(source: CTFSchool, dest: CTFSchool | None, sequence: int = 1) -> str:
    """LLLEEEE_CTF_MMMNNNN_sss.xml: sending school's DfE number, receiving
    school's (XXXXXXX when not known), and a number per file sent to it."""
    to = dest.dfe_number if dest else UNKNOWN_LA + UNKNOWN_ESTAB
    return f"{source.dfe_number}_CTF_{to}_{sequence:03d}.xml"


# Marks string ------------------------------------------------------------


def marks_string(
    marks: list[tuple[dt.date, str, str]], school_days: Container[dt.date] | None = None
) -> tuple[dt.date | None, str]:
    """(start, string) for the marks; a day with no mark in either session is
    "#" when it is a weekend or, given the school's days, not one of them."""
    if not marks:
        return None, ""
    by_key = {(day, session): code for day, session, code in marks}
    start = min(day for day, _, _ in marks)
    end = max(day for day, _, _ in marks)
    out = []
    day = start
    while day <= end:
        am, pm = by_key.get((day, "AM")), by_key.get((day, "PM"))
        closed = day.weekday() >= 5 or (school_days is not None and day not in school_days)
        if am is None and pm is None and closed:
            out.append(NOT_IN_SESSION * 2)
        else:
            out.append((am or NO_MARK) + (pm or NO_MARK))
        day += dt.timedelta(days=1)
    return start, "".join(out)


_TOKEN = re.compile(r"[A-Za-z][0-9]|.", re.DOTALL)


def read_marks(start: dt.date, text: str) -> list[tuple[dt.date, str, str]]:
    marks = []
    for index, token in enumerate(_TOKEN.findall(text.strip())):
        if token in (NO_MARK, NOT_IN_SESSION):
            continue
        day = start + dt.timedelta(days=index // 2)
        marks.append((day, "AM" if index % 2 == 0 else "PM", token.upper()))
    return marks


# Writing ------------------------------------------------------------------


def _add(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element


def _school(parent: ET.Element, tag: str, school: CTFSchool, year: int | None) -> None:
    element = _add(parent, tag)
    _add(element, "LEA", school.la)
    _add(element, "Estab", school.estab)
    if school.urn:
        _add(element, "URN", school.urn)
    if school.name:
        _add(element, "SchoolName", school.name)
    if year is not None:
        _add(element, "AcademicYear", year)


def build_ctf(ctf: CTFFile) -> bytes:
    """The CTF as UTF-8 XML bytes, escaped by ElementTree."""
    root = ET.Element("CTfile")
    header = _add(root, "Header")
    _add(header, "DocumentName", DOCUMENT_NAME)
    _add(header, "CTFversion", ctf.version)
    _add(header, "DateTime", ctf.created.strftime("%Y-%m-%dT%H:%M:%S"))
    _add(header, "DocumentQualifier", "full")
    _add(header, "SupplierID", SUPPLIER_ID)
    _school(header, "SourceSchool", ctf.source, ctf.academic_year)
    _school(header, "DestSchool", ctf.dest, None)
    data = _add(root, "CTFpupilData")
    for pupil in ctf.pupils:
        p = _add(data, "Pupil")
        _add(p, "UPN", pupil.upn)
        _add(p, "Surname", pupil.surname)
        _add(p, "Forename", pupil.forename)
        _add(p, "DOB", pupil.dob.isoformat())
        _add(p, "Sex", pupil.sex)
        basic = _add(p, "BasicDetails")
        for tag, value in (
            ("PreferredSurname", pupil.preferred_surname),
            ("PreferredForename", pupil.preferred_forename),
            ("MiddleNames", pupil.middle_names),
            ("NCyearActual", pupil.nc_year),
        ):
            if value:
                _add(basic, tag, value)
        if pupil.contacts:
            contacts = _add(p, "Contacts")
            for c in pupil.contacts:
                contact = _add(contacts, "Contact")
                _add(contact, "Order", c.order)
                if c.title:
                    _add(contact, "Title", c.title)
                _add(contact, "Surname", c.surname)
                _add(contact, "Forename", c.forename)
                _add(contact, "Relationship", c.relationship)
                _add(contact, "Responsibility", "true" if c.responsibility else "false")
                if c.address_lines or c.postcode:
                    address = _add(contact, "Address")
                    lines = _add(address, "AddressLines")
                    for line in c.address_lines:
                        _add(lines, "AddressLine", line)
                    if c.postcode:
                        _add(address, "PostCode", c.postcode)
                if c.phones:
                    phones = _add(contact, "Phones")
                    for kind, number in c.phones:
                        phone = _add(phones, "Phone")
                        _add(phone, "TelephoneType", kind)
                        _add(phone, "PhoneNo", number)
                if c.email:
                    _add(_add(contact, "Email"), "EmailAddress", c.email)
        if pupil.attendance:
            attendance = _add(p, "Attendance")
            for y in pupil.attendance:
                year = _add(attendance, "YearData")
                _add(year, "Year", y.year)
                _add(year, "LEA", y.school.la)
                _add(year, "Estab", y.school.estab)
                _add(year, "SchoolName", y.school.name)
                _add(year, "SessionsPossible", y.possible)
                _add(year, "SessionsAuthorised", y.authorised)
                _add(year, "SessionsAttended", y.attended)
                _add(year, "SessionsUnauthorised", y.unauthorised)
                start, marks = marks_string(list(y.marks), y.school_days)
                if start is not None:
                    sessions = _add(year, "AttendSessions")
                    _add(sessions, "AttendanceStartDate", start.isoformat())
                    _add(sessions, "AttendanceMarks", marks)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


# Reading ------------------------------------------------------------------


def _refuse_declarations(data: bytes) -> None:
    """A DTD can define entities that expand a small file into gigabytes
    ("billion laughs") or read local files; a CTF never needs one."""

    def refuse(*_args) -> None:
        raise CTFError("The file declares a DTD or entities; a CTF must not.")

    checker = expat.ParserCreate()
    checker.StartDoctypeDeclHandler = refuse
    checker.EntityDeclHandler = refuse
    checker.UnparsedEntityDeclHandler = refuse
    checker.ExternalEntityRefHandler = refuse
    try:
        checker.Parse(data, True)
    except expat.ExpatError as exc:
        raise CTFError(f"The file is not well-formed XML ({exc}).") from None


def _text(element: ET.Element | None, tag: str, required: bool = False, where: str = "") -> str:
    found = element.find(tag) if element is not None else None
    value = (found.text or "").strip() if found is not None else ""
    if required and not value:
        raise CTFError(f"{where}{tag} is missing.")
    return value


def _int(element: ET.Element, tag: str, where: str) -> int:
    value = _text(element, tag, required=True, where=where)
    if not value.isdigit():
        raise CTFError(f"{where}{tag} {value!r} is not a whole number.")
    return int(value)


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CTFError(f"{what} {value!r} is not a date (YYYY-MM-DD).") from None


def _parse_school(element: ET.Element | None, where: str) -> CTFSchool:
    if element is None:
        raise CTFError(f"{where} is missing.")
    return CTFSchool(
        la=_text(element, "LEA", required=True, where=f"{where} "),
        estab=_text(element, "Estab", required=True, where=f"{where} "),
        name=_text(element, "SchoolName"),
        urn=_text(element, "URN"),
    )


def _parse_year(element: ET.Element, where: str) -> CTFYear:
    year_text = _text(element, "Year", required=True, where=where)
    if not year_text.isdigit():
        raise CTFError(f"{where}Year {year_text!r} is not a year.")
    start = None
    marks: list[tuple[dt.date, str, str]] = []
    sessions = element.find("AttendSessions")
    if sessions is not None:
        start = _date(
            _text(sessions, "AttendanceStartDate", required=True, where=where),
            "AttendanceStartDate",
        )
        marks = read_marks(start, _text(sessions, "AttendanceMarks"))
    return CTFYear(
        year=int(year_text),
        school=CTFSchool(
            la=_text(element, "LEA"),
            estab=_text(element, "Estab"),
            name=_text(element, "SchoolName"),
        ),
        possible=_int(element, "SessionsPossible", where),
        authorised=_int(element, "SessionsAuthorised", where),
        attended=_int(element, "SessionsAttended", where),
        unauthorised=_int(element, "SessionsUnauthorised", where),
        start_date=start,
        marks=tuple(marks),
    )


def _parse_contact(element: ET.Element, where: str) -> CTFContact:
    order = _text(element, "Order") or "1"
    if not order.isdigit():
        raise CTFError(f"{where}contact Order {order!r} is not a whole number.")
    address = element.find("Address")
    return CTFContact(
        order=int(order),
        title=_text(element, "Title"),
        surname=_text(element, "Surname", required=True, where=f"{where}contact "),
        forename=_text(element, "Forename", required=True, where=f"{where}contact "),
        relationship=_text(element, "Relationship").upper() or "OTH",
        responsibility=_text(element, "Responsibility").lower() in {"true", "1"},
        phones=tuple(
            (_text(phone, "TelephoneType").upper(), _text(phone, "PhoneNo"))
            for phone in element.findall("Phones/Phone")
            if _text(phone, "PhoneNo")
        ),
        email=_text(element.find("Email"), "EmailAddress"),
        address_lines=tuple(
            (line.text or "").strip()
            for line in (address.findall("AddressLines/AddressLine") if address is not None else [])
            if (line.text or "").strip()
        ),
        postcode=_text(address, "PostCode"),
    )


def _parse_pupil(element: ET.Element, number: int) -> CTFPupil:
    upn = _text(element, "UPN")
    where = f"Pupil {number} ({upn or 'no UPN'}): "
    basic = element.find("BasicDetails")
    return CTFPupil(
        upn=_text(element, "UPN", required=True, where=where).upper(),
        surname=_text(element, "Surname", required=True, where=where),
        forename=_text(element, "Forename", required=True, where=where),
        dob=_date(_text(element, "DOB", required=True, where=where), f"{where}DOB"),
        # CTFs before the 2022 wording call it Gender.
        sex=(
            _text(element, "Sex")
            or _text(element, "Gender")
            or _text(element, "Sex", required=True, where=where)
        ).upper(),
        middle_names=_text(basic, "MiddleNames"),
        preferred_surname=_text(basic, "PreferredSurname"),
        preferred_forename=_text(basic, "PreferredForename"),
        nc_year=_text(basic, "NCyearActual"),
        contacts=tuple(_parse_contact(c, where) for c in element.findall("Contacts/Contact")),
        attendance=tuple(_parse_year(y, where) for y in element.findall("Attendance/YearData")),
    )


def parse_ctf(data: bytes) -> CTFFile:
    """Read a CTF; raise CTFError, naming the pupil, for anything unreadable."""
    if len(data) > MAX_BYTES:
        raise CTFError("The file is larger than 20 MB.")
    _refuse_declarations(data)
    root = ET.fromstring(data)
    if root.tag != "CTfile":
        raise CTFError(f"The file's root element is {root.tag!r}, not CTfile.")
    header = root.find("Header")
    if header is None:
        raise CTFError("Header is missing.")
    version = _text(header, "CTFversion") or _text(header, "CTFVersion")
    if not version:
        raise CTFError("Header CTFversion is missing.")
    created = _text(header, "DateTime", required=True, where="Header ")
    try:
        created_at = dt.datetime.fromisoformat(created)
    except ValueError:
        raise CTFError(f"Header DateTime {created!r} is not a date and time.") from None
    source_element = header.find("SourceSchool")
    source = _parse_school(source_element, "SourceSchool")
    year = _text(source_element, "AcademicYear")
    return CTFFile(
        source=source,
        dest=_parse_school(header.find("DestSchool"), "DestSchool"),
        created=created_at,
        academic_year=int(year) if year.isdigit() else 0,
        pupils=tuple(
            _parse_pupil(p, n) for n, p in enumerate(root.findall("CTFpupilData/Pupil"), 1)
        ),
        version=version,
    )
