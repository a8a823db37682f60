"""Telephone numbers: digits as people key or type them, and caller IDs in E.164.

Shared by the bank's checks (`bot.bank.validators`) and the SIP gateway (`bot.sip.caller_id`),
so that both layers read a number the same way without one depending on the other.
"""

from __future__ import annotations

import re

# E.164: at most 15 digits including the country code; fewer than 6 is no usable phone number.
PHONE_MIN_DIGITS = 6
PHONE_MAX_DIGITS = 15

# Digit groups separated by runs of spaces, dashes or dots; only ASCII digits count.
_GROUPED_DIGITS = re.compile(r"[0-9]+(?:[\s.\-]+[0-9]+)*")
_COUNTRY_CODE = re.compile(r"[1-9][0-9]{0,2}")
_URI_SCHEMES = ("sips:", "sip:", "tel:")


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
