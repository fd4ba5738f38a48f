"""Unique Pupil Numbers, as specified by the DfE (UPN guidance, check letter).

A UPN is 13 characters: a check letter, the 3-digit LA number, the 4-digit
establishment number, a 2-digit year of allocation and a 3-digit serial. A
temporary UPN has a letter in the 13th place. The check letter is the sum of
characters 2-13 multiplied by their position (2-13), modulo 23, looked up in
a 23-letter alphabet without I, O and S.
"""

from django.core.exceptions import ValidationError

CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return CHECK_ALPHABET.index(char)


def check_letter(body: str) -> str:
    """The check letter for the 12 characters that follow it."""
    total = sum(_value(char) * weight for weight, char in enumerate(body, start=2))
    return CHECK_ALPHABET[total % 23]


def upn_problem(upn: str) -> str | None:
    """Why `upn` is not a valid UPN, or None when it is."""
    if len(upn) != 13:
        return f"A UPN has 13 characters; {upn!r} has {len(upn)}."
    first, body, last = upn[0], upn[1:12], upn[12]
    if first not in CHECK_ALPHABET:
        return f"A UPN starts with a check letter (not I, O or S); {upn!r} starts with {first!r}."
    if not body.isdigit():
        return f"Characters 2 to 12 of a UPN are digits; {upn!r} has other characters there."
    if not (last.isdigit() or last in CHECK_ALPHABET):
        return f"The 13th character of a UPN is a digit or a letter other than I, O, S: {last!r}."
    expected = check_letter(upn[1:])
    if expected != first:
        return (
            f"UPN {upn} fails the DfE check letter: it should start with {expected}. "
            "Check for a mistyped digit."
        )
    return None


def validate_upn(value: str) -> None:
    problem = upn_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_upn")
