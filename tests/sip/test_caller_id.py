from __future__ import annotations

import pytest

from bot.sip.caller_id import caller_number
from bot.sip.message import SipRequest, parse_message


def invite(from_value: str, *extra: str) -> SipRequest:
    lines = [
        "INVITE sip:bank@gateway.example SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1",
        "Max-Forwards: 70",
        f"From: {from_value}",
        "To: <sip:bank@gateway.example>",
        "Call-ID: c1",
        "CSeq: 1 INVITE",
        *extra,
    ]
    parsed = parse_message(("\r\n".join(lines) + "\r\n\r\n").encode())
    assert isinstance(parsed, SipRequest)
    return parsed


@pytest.mark.parametrize(
    ("from_value", "number"),
    [
        ('"Alice" <sip:+355691234567@carrier.example;user=phone>;tag=1', "+355691234567"),
        ("<sip:0691234567@carrier.example>;tag=1", "+355691234567"),
        ("<sip:355691234567@carrier.example>;tag=1", "+355691234567"),
        ("<sip:00447700900123@carrier.example>;tag=1", "+447700900123"),
        ("<sip:%2B355691234567@carrier.example>;tag=1", "+355691234567"),
        (
            "<sip:+355-69-123-4567;phone-context=+355@carrier.example;user=phone>;tag=1",
            "+355691234567",
        ),
        ("<tel:+355691234567>;tag=1", "+355691234567"),
        ("sip:+355691234567@carrier.example;tag=1", "+355691234567"),
        ('"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1', None),
        ("<sip:anonymous@carrier.example>;tag=1", None),
        ("<sip:+355691234567@anonymous.invalid>;tag=1", None),
        ("<sip:carrier.example>;tag=1", None),
        ("<sip:alice@carrier.example>;tag=1", None),
        ("<sip:123@carrier.example>;tag=1", None),
    ],
)
def test_number_from_the_from_header(from_value: str, number: str | None) -> None:
    assert caller_number(invite(from_value)) == number


def test_p_asserted_identity_comes_first() -> None:
    request = invite(
        "<sip:+355699999999@carrier.example>;tag=1",
        "P-Asserted-Identity: <sip:+355691234567@carrier.example;user=phone>",
    )
    assert caller_number(request) == "+355691234567"


def test_the_first_p_asserted_identity_holding_a_number_wins() -> None:
    request = invite(
        "<sip:+355699999999@carrier.example>;tag=1",
        'P-Asserted-Identity: "Alice" <sip:alice@carrier.example>, <tel:+355691234567>',
    )
    assert caller_number(request) == "+355691234567"


def test_unusable_p_asserted_identity_falls_back_to_from() -> None:
    request = invite("<sip:0691234567@carrier.example>;tag=1", "P-Asserted-Identity: <mailto:x@y>")
    assert caller_number(request) == "+355691234567"


@pytest.mark.parametrize("privacy", ["id", "user", "header;critical", "critical; id", "ID"])
def test_privacy_withholds_the_number(privacy: str) -> None:
    request = invite(
        "<sip:anonymous@anonymous.invalid>;tag=1",
        "P-Asserted-Identity: <sip:+355691234567@carrier.example>",
        f"Privacy: {privacy}",
    )
    assert caller_number(request) is None


def test_privacy_none_keeps_the_number() -> None:
    request = invite("<sip:+355691234567@carrier.example>;tag=1", "Privacy: none")
    assert caller_number(request) == "+355691234567"


def test_another_default_country_code() -> None:
    assert caller_number(invite("<sip:07700900123@c.example>;tag=1"), "44") == "+447700900123"
