"""Pure checks of what callers type or key in: card number, PIN, customer number, caller ID.

Spec section 1 (seed 004, section 1): a card number has 16 digits (and, as every payment card
number, a valid Luhn check digit), a PIN 4 digits, a customer number 9 digits.

People type numbers in groups ("4111 1111-1111 1111", "123.456.789"): spaces, dashes and dots
between digits are accepted and dropped. Anything else (letters, spoken digit words, other
symbols, non-ASCII digits) makes the input "not digits".

A failed check carries only the kind of problem, never the input: card numbers and PINs are
secrets and must not reach an error message or a log. For the same reason a `Checked` value is
left out of its `repr`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

CARD_NUMBER_LENGTH = 16
PIN_LENGTH = 4
CUSTOMER_NUMBER_LENGTH = 9

# E.164: at most 15 digits including the country code; fewer than 6 is no usable phone number.
PHONE_MIN_DIGITS = 6
PHONE_MAX_DIGITS = 15

# Digit groups separated by runs of spaces, dashes or dots; only ASCII digits count.
_GROUPED_DIGITS = re.compile(r"[0-9]+(?:[\s.\-]+[0-9]+)*")
_COUNTRY_CODE = re.compile(r"[1-9][0-9]{0,2}")
_URI_SCHEMES = ("sips:", "sip:", "tel:")


class InputProblem(StrEnum):
    """Why an input was rejected (safe to log and to show: it holds no part of the input)."""

    EMPTY = "empty"
    NOT_DIGITS = "not_digits"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    CHECKSUM = "checksum"


@dataclass(frozen=True)
class Checked:
    """The outcome of a check: the normalized digits, or the problem (exactly one is set)."""

    value: str | None = field(repr=False)
    problem: InputProblem | None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.problem is None):
            raise ValueError("exactly one of value and problem must be set")

    @property
    def ok(self) -> bool:
        return self.problem is None

    @classmethod
    def good(cls, value: str) -> Checked:
        return cls(value=value, problem=None)

    @classmethod
    def bad(cls, problem: InputProblem) -> Checked:
        return cls(value=None, problem=problem)


def digits_only(text: str) -> str | None:
    """The digits of `text`, or None if it holds anything but digits and separators.

    Spaces, dashes and dots are accepted between digits (surrounding whitespace is ignored);
    at least one digit is needed. Only ASCII 0-9 count as digits (no "٣", no "²", no spoken
    words such as "one").
    """
    stripped = text.strip()
    if not _GROUPED_DIGITS.fullmatch(stripped):
        return None
    return "".join(ch for ch in stripped if "0" <= ch <= "9")


def luhn_valid(number: str) -> bool:
    """True if `number` (ASCII digits only, at least two) passes the Luhn mod-10 check."""
    if len(number) < 2 or not all("0" <= ch <= "9" for ch in number):
        return False
    total = 0
    for position, ch in enumerate(reversed(number)):
        digit = ord(ch) - ord("0")
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _check_digits(text: str, length: int) -> Checked:
    if not text.strip():
        return Checked.bad(InputProblem.EMPTY)
    digits = digits_only(text)
    if digits is None:
        return Checked.bad(InputProblem.NOT_DIGITS)
    if len(digits) < length:
        return Checked.bad(InputProblem.TOO_SHORT)
    if len(digits) > length:
        return Checked.bad(InputProblem.TOO_LONG)
    return Checked.good(digits)


def check_card_number(text: str) -> Checked:
    """A card number: 16 digits with a valid Luhn check digit (spec section 1.3)."""
    checked = _check_digits(text, CARD_NUMBER_LENGTH)
    if checked.value is not None and not luhn_valid(checked.value):
        return Checked.bad(InputProblem.CHECKSUM)
    return checked


def check_pin(text: str) -> Checked:
    """A card PIN: exactly 4 digits (spec section 1.3)."""
    return _check_digits(text, PIN_LENGTH)


def check_customer_number(text: str) -> Checked:
    """A customer number: exactly 9 digits (spec section 1.2)."""
    return _check_digits(text, CUSTOMER_NUMBER_LENGTH)


def _strip_uri(text: str) -> str:
    """The number part of a SIP or tel URI; other text is returned as is.

    `"Name" <sip:+355691234567@host;user=phone>` -> `+355691234567`,
    `tel:+355691234567;phone-context=...` -> `+355691234567`.
    """
    if "<" in text and text.endswith(">"):
        text = text[text.index("<") + 1 : -1].strip()
    lowered = text.lower()
    for scheme in _URI_SCHEMES:
        if lowered.startswith(scheme):
            text = text[len(scheme) :]
            return text.split("@", 1)[0].split(";", 1)[0].strip()
    return text


def normalize_phone(raw: str | None, default_country_code: str = "355") -> str | None:
    """A caller ID in E.164 form (`+355691234567`), or None when withheld or not a number.

    Accepted forms (spaces, dashes and dots between digits are ignored):
    - `+355 69 123 4567`: international with `+`;
    - `00355691234567`: international with the `00` prefix;
    - `0691234567`: national with the trunk prefix `0`; the default country code replaces it;
    - `355691234567`: digits that start with the default country code are taken as
      international without `+` (as many SIP trunks deliver them);
    - other bare digits (`691234567`) are taken as a national number without trunk prefix;
    - `sip:`, `sips:` and `tel:` URIs (also inside `<...>`): the user part before `@` or `;`.

    None for a missing or withheld caller ID ("anonymous", "unknown", "", None), for anything
    holding letters or other symbols, for a country code starting with 0, for fewer than 6
    digits as received and for fewer than 6 or more than 15 digits in the result.
    """
    if not _COUNTRY_CODE.fullmatch(default_country_code):
        raise ValueError("default_country_code must be 1 to 3 digits, not starting with 0")
    if raw is None:
        return None
    text = _strip_uri(raw.strip())
    international = text.startswith("+")
    received = digits_only(text[1:] if international else text)
    if received is None or len(received) < PHONE_MIN_DIGITS:
        return None
    if international:
        digits = received
    elif received.startswith("00"):
        digits = received[2:]
    elif received.startswith("0"):
        digits = default_country_code + received[1:]
    elif received.startswith(default_country_code):
        digits = received
    else:
        digits = default_country_code + received
    if digits.startswith("0") or not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
        return None
    return "+" + digits
