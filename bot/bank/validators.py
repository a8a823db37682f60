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

from dataclasses import dataclass, field
from enum import StrEnum

# The digit and caller-ID rules live in `bot.phone_numbers` (the SIP gateway reads numbers the
# same way); re-exported here for the bank's callers.
from bot.phone_numbers import digits_only as digits_only
from bot.phone_numbers import normalize_phone as normalize_phone

CARD_NUMBER_LENGTH = 16
PIN_LENGTH = 4
CUSTOMER_NUMBER_LENGTH = 9


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
