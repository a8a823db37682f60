"""Input checks: card number, PIN, customer number (spec section 1) and caller IDs."""

from __future__ import annotations

import pytest

from bot.bank.validators import (
    Checked,
    InputProblem,
    check_card_number,
    check_customer_number,
    check_pin,
    digits_only,
    luhn_valid,
    normalize_phone,
)

VALID_CARD = "4111111111111111"  # a well-known Luhn-valid test number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("4111 1111-1111 1111", "4111111111111111", id="spaces-and-dashes"),
        pytest.param("123.456.789", "123456789", id="dots"),
        pytest.param("  1234 ", "1234", id="surrounding-whitespace"),
        pytest.param("12  -  34", "1234", id="run-of-separators"),
        pytest.param("0", "0", id="single-digit"),
        pytest.param("", None, id="empty"),
        pytest.param("   ", None, id="blank"),
        pytest.param("12a4", None, id="letter"),
        pytest.param("one two three four", None, id="spoken-words"),
        pytest.param("-1234", None, id="leading-dash"),
        pytest.param("1234.", None, id="trailing-dot"),
        pytest.param("12/34", None, id="slash"),
        pytest.param("1234#", None, id="dtmf-hash"),
        pytest.param("\u0661\u0662\u0663\u0664", None, id="arabic-indic-digits"),
        pytest.param("12\u00b2", None, id="superscript-two"),
    ],
)
def test_digits_only(text: str, expected: str | None) -> None:
    assert digits_only(text) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        pytest.param(VALID_CARD, True, id="visa-test-number"),
        pytest.param("5555555555554444", True, id="mastercard-test-number"),
        pytest.param("79927398713", True, id="classic-example"),
        pytest.param("4111111111111112", False, id="last-digit-off"),
        pytest.param("79927398710", False, id="classic-example-wrong-check-digit"),
        pytest.param("1111111111111111", False, id="ones"),
        pytest.param("", False, id="empty"),
        pytest.param("0", False, id="single-digit"),
        pytest.param("4111 1111 1111 1111", False, id="separators-not-accepted"),
    ],
)
def test_luhn_valid(number: str, expected: bool) -> None:
    assert luhn_valid(number) is expected


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        pytest.param(VALID_CARD, VALID_CARD, None, id="16-digits-luhn-ok"),
        pytest.param("4111 1111-1111.1111", VALID_CARD, None, id="typed-in-groups"),
        pytest.param("411111111111111", None, InputProblem.TOO_SHORT, id="15-digits"),
        pytest.param("41111111111111113", None, InputProblem.TOO_LONG, id="17-digits"),
        pytest.param("4111111111111112", None, InputProblem.CHECKSUM, id="luhn-fails"),
        pytest.param("4111 1111 1111 111x", None, InputProblem.NOT_DIGITS, id="letter"),
        pytest.param("", None, InputProblem.EMPTY, id="empty"),
        pytest.param("  ", None, InputProblem.EMPTY, id="blank"),
    ],
)
def test_check_card_number(text: str, value: str | None, problem: InputProblem | None) -> None:
    checked = check_card_number(text)
    assert (checked.value, checked.problem, checked.ok) == (value, problem, problem is None)


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        pytest.param("1234", "1234", None, id="4-digits"),
        pytest.param("0000", "0000", None, id="leading-zeros-kept"),
        pytest.param("12 34", "1234", None, id="with-space"),
        pytest.param("123", None, InputProblem.TOO_SHORT, id="3-digits"),
        pytest.param("12345", None, InputProblem.TOO_LONG, id="5-digits"),
        pytest.param("12a4", None, InputProblem.NOT_DIGITS, id="letter"),
        pytest.param("\u0661\u0662\u0663\u0664", None, InputProblem.NOT_DIGITS, id="non-ascii"),
        pytest.param("", None, InputProblem.EMPTY, id="empty"),
    ],
)
def test_check_pin(text: str, value: str | None, problem: InputProblem | None) -> None:
    checked = check_pin(text)
    assert (checked.value, checked.problem, checked.ok) == (value, problem, problem is None)


@pytest.mark.parametrize(
    ("text", "value", "problem"),
    [
        pytest.param("123456789", "123456789", None, id="9-digits"),
        pytest.param("123 456 789", "123456789", None, id="in-groups"),
        pytest.param("012345678", "012345678", None, id="leading-zero-kept"),
        pytest.param("12345678", None, InputProblem.TOO_SHORT, id="8-digits"),
        pytest.param("1234567890", None, InputProblem.TOO_LONG, id="10-digits"),
        pytest.param("12345678O", None, InputProblem.NOT_DIGITS, id="letter-o-for-zero"),
        pytest.param("", None, InputProblem.EMPTY, id="empty"),
    ],
)
def test_check_customer_number(text: str, value: str | None, problem: InputProblem | None) -> None:
    checked = check_customer_number(text)
    assert (checked.value, checked.problem, checked.ok) == (value, problem, problem is None)


@pytest.mark.parametrize(
    "checked",
    [
        pytest.param(check_card_number("4111111111111112"), id="card-checksum"),
        pytest.param(check_card_number("4111-1111-1111-111"), id="card-short"),
        pytest.param(check_pin("98765"), id="pin-long"),
        pytest.param(check_pin("9x76"), id="pin-not-digits"),
        pytest.param(check_customer_number("98765432"), id="customer-number-short"),
    ],
)
def test_failed_check_holds_no_part_of_the_input(checked: Checked) -> None:
    assert checked.value is None
    assert checked.problem is not None
    assert not any(ch.isdigit() for ch in repr(checked))


def test_repr_of_a_good_check_hides_the_value() -> None:
    assert "1111" not in repr(check_card_number(VALID_CARD))
    assert "4321" not in repr(check_pin("4321"))


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param(None, None, id="neither"),
        pytest.param("1234", InputProblem.TOO_LONG, id="both"),
    ],
)
def test_checked_needs_exactly_one_of_value_and_problem(
    value: str | None, problem: InputProblem | None
) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Checked(value=value, problem=problem)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("+355 69 123 4567", "+355691234567", id="international-plus-spaces"),
        pytest.param("+355691234567", "+355691234567", id="e164-already"),
        pytest.param("00355691234567", "+355691234567", id="international-00"),
        pytest.param("0691234567", "+355691234567", id="national-trunk-0"),
        pytest.param("069-123-4567", "+355691234567", id="national-with-dashes"),
        pytest.param("355691234567", "+355691234567", id="country-code-without-plus"),
        pytest.param("691234567", "+355691234567", id="national-without-trunk-0"),
        pytest.param("042266288", "+35542266288", id="tirana-landline"),
        pytest.param("sip:+355691234567@10.0.0.1;user=phone", "+355691234567", id="sip-uri"),
        pytest.param("SIP:0691234567@pbx.example", "+355691234567", id="sip-uri-national"),
        pytest.param("sips:+355691234567@host", "+355691234567", id="sips-uri"),
        pytest.param("tel:+355-69-123-4567", "+355691234567", id="tel-uri"),
        pytest.param("tel:+355691234567;phone-context=x", "+355691234567", id="tel-uri-params"),
        pytest.param('"Ana" <sip:+355691234567@host>', "+355691234567", id="sip-name-addr"),
        pytest.param("+44 20 7946 0958", "+442079460958", id="foreign-plus"),
        pytest.param("00442079460958", "+442079460958", id="foreign-00"),
        pytest.param(" +355691234567 ", "+355691234567", id="surrounding-whitespace"),
        pytest.param("anonymous", None, id="anonymous"),
        pytest.param("Anonymous", None, id="anonymous-capital"),
        pytest.param("unknown", None, id="unknown"),
        pytest.param("sip:anonymous@anonymous.invalid", None, id="sip-anonymous"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
        pytest.param("+355 69 abc 4567", None, id="letters"),
        pytest.param("12345", None, id="five-digits"),
        pytest.param("+12345", None, id="five-digits-plus"),
        pytest.param("+1234567890123456", None, id="sixteen-digits"),
        pytest.param("+0691234567", None, id="country-code-zero"),
        pytest.param("000355691234567", None, id="triple-zero"),
        pytest.param("++355691234567", None, id="double-plus"),
        pytest.param("+", None, id="plus-only"),
        pytest.param("3556912345678901", None, id="too-long-bare"),
    ],
)
def test_normalize_phone(raw: str | None, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_normalize_phone_other_default_country() -> None:
    assert normalize_phone("07911123456", default_country_code="44") == "+447911123456"
    assert normalize_phone("+355691234567", default_country_code="44") == "+355691234567"


def test_normalize_phone_rejects_a_bad_default_country_code() -> None:
    with pytest.raises(ValueError):
        normalize_phone("0691234567", default_country_code="0355")
