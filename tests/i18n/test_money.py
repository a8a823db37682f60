"""Amounts of money spoken (text-to-speech) and written (web chat) in Albanian and English."""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from bot.i18n.currencies import CURRENCY_CODES
from bot.i18n.money import round_amount, say_amount, write_amount

SPOKEN = [
    # amount, currency, sq, en
    ("0", "ALL", "zero lekë", "zero lek"),
    ("1", "ALL", "një lek", "one lek"),
    ("2", "ALL", "dy lekë", "two lek"),
    ("21", "ALL", "njëzet e një lekë", "twenty-one lek"),
    ("120", "ALL", "njëqind e njëzet lekë", "one hundred and twenty lek"),
    ("120.30", "ALL", "njëqind e njëzet lekë e tridhjetë qindarka",
     "one hundred and twenty lek and thirty qindarka"),
    ("212450.50", "ALL",
     "dyqind e dymbëdhjetë mijë e katërqind e pesëdhjetë lekë e pesëdhjetë qindarka",
     "two hundred and twelve thousand four hundred and fifty lek and fifty qindarka"),
    ("0.01", "ALL", "një qindarkë", "one qindarka"),
    ("0.49", "ALL", "dyzet e nëntë qindarka", "forty-nine qindarka"),
    (
        "1234567",
        "ALL",
        "një milion e dyqind e tridhjetë e katër mijë e pesëqind e gjashtëdhjetë e shtatë lekë",
        "one million two hundred and thirty-four thousand five hundred and sixty-seven lek",
    ),
    (
        "-2350",
        "ALL",
        "minus dy mijë e treqind e pesëdhjetë lekë",
        "minus two thousand three hundred and fifty lek",
    ),
    ("0", "EUR", "zero euro", "zero euros"),
    ("1", "EUR", "një euro", "one euro"),
    ("1.00", "EUR", "një euro", "one euro"),
    ("2", "EUR", "dy euro", "two euros"),
    ("0.01", "EUR", "një cent", "one cent"),
    ("0.30", "EUR", "tridhjetë cent", "thirty cents"),
    ("1.01", "EUR", "një euro e një cent", "one euro and one cent"),
    ("50.30", "EUR", "pesëdhjetë euro e tridhjetë cent", "fifty euros and thirty cents"),
    (
        "120.30",
        "EUR",
        "njëqind e njëzet euro e tridhjetë cent",
        "one hundred and twenty euros and thirty cents",
    ),
    ("1000000", "EUR", "një milion euro", "one million euros"),
    (
        "2000000.99",
        "EUR",
        "dy milionë euro e nëntëdhjetë e nëntë cent",
        "two million euros and ninety-nine cents",
    ),
    ("-15.05", "EUR", "minus pesëmbëdhjetë euro e pesë cent", "minus fifteen euros and five cents"),
    ("1", "USD", "një dollar amerikan", "one US dollar"),
    ("1.01", "USD", "një dollar amerikan e një cent", "one US dollar and one cent"),
    ("2.02", "USD", "dy dollarë amerikanë e dy cent", "two US dollars and two cents"),
    (
        "99.99",
        "USD",
        "nëntëdhjetë e nëntë dollarë amerikanë e nëntëdhjetë e nëntë cent",
        "ninety-nine US dollars and ninety-nine cents",
    ),
    ("0", "USD", "zero dollarë amerikanë", "zero US dollars"),
    ("1", "GBP", "një paund britanik", "one British pound"),
    ("1.01", "GBP", "një paund britanik e një peni", "one British pound and one penny"),
    (
        "10.50",
        "GBP",
        "dhjetë paund britanikë e pesëdhjetë peni",
        "ten British pounds and fifty pence",
    ),
    ("-0.02", "GBP", "minus dy peni", "minus two pence"),
    ("1", "CHF", "një frang zviceran", "one Swiss franc"),
    ("1.01", "CHF", "një frang zviceran e një centim", "one Swiss franc and one centime"),
    (
        "110.20",
        "CHF",
        "njëqind e dhjetë franga zvicerane e njëzet centimë",
        "one hundred and ten Swiss francs and twenty centimes",
    ),
    ("1", "AUD", "një dollar australian", "one Australian dollar"),
    (
        "1001.01",
        "AUD",
        "një mijë e një dollarë australianë e një cent",
        "one thousand and one Australian dollars and one cent",
    ),
    (
        "21000",
        "AUD",
        "njëzet e një mijë dollarë australianë",
        "twenty-one thousand Australian dollars",
    ),
    ("1", "CAD", "një dollar kanadez", "one Canadian dollar"),
    (
        "2350.40",
        "CAD",
        "dy mijë e treqind e pesëdhjetë dollarë kanadezë e dyzet cent",
        "two thousand three hundred and fifty Canadian dollars and forty cents",
    ),
    ("-100", "CAD", "minus njëqind dollarë kanadezë", "minus one hundred Canadian dollars"),
]


@pytest.mark.parametrize(("amount", "code", "sq", "en"), SPOKEN)
def test_say_amount(amount: str, code: str, sq: str, en: str) -> None:
    assert say_amount(Decimal(amount), code, "sq") == sq
    assert say_amount(Decimal(amount), code, "en") == en


WRITTEN = [
    # amount, currency, sq, en
    ("0", "ALL", "0,00 ALL", "0.00 ALL"),
    ("120", "ALL", "120,00 ALL", "120.00 ALL"),
    ("120.50", "ALL", "120,50 ALL", "120.50 ALL"),
    ("87549.50", "ALL", "87.549,50 ALL", "87,549.50 ALL"),
    ("1234567.49", "ALL", "1.234.567,49 ALL", "1,234,567.49 ALL"),
    ("-2350", "ALL", "-2.350,00 ALL", "-2,350.00 ALL"),
    ("0", "EUR", "0,00 EUR", "0.00 EUR"),
    ("1234.56", "EUR", "1.234,56 EUR", "1,234.56 EUR"),
    ("999.999", "EUR", "1.000,00 EUR", "1,000.00 EUR"),
    ("-0.5", "EUR", "-0,50 EUR", "-0.50 EUR"),
    ("1", "USD", "1,00 USD", "1.00 USD"),
    ("1000000", "USD", "1.000.000,00 USD", "1,000,000.00 USD"),
    ("10.5", "GBP", "10,50 GBP", "10.50 GBP"),
    ("123456.78", "CHF", "123.456,78 CHF", "123,456.78 CHF"),
    ("0.01", "AUD", "0,01 AUD", "0.01 AUD"),
    ("-2350.4", "CAD", "-2.350,40 CAD", "-2,350.40 CAD"),
]


@pytest.mark.parametrize(("amount", "code", "sq", "en"), WRITTEN)
def test_write_amount(amount: str, code: str, sq: str, en: str) -> None:
    assert write_amount(Decimal(amount), code, "sq") == sq
    assert write_amount(Decimal(amount), code, "en") == en


@pytest.mark.parametrize(
    ("amount", "code", "rounded"),
    [
        ("1.005", "EUR", "1.01"),  # half up, not banker's rounding
        ("1.015", "EUR", "1.02"),
        ("1.025", "EUR", "1.03"),
        ("1.004", "EUR", "1.00"),
        ("-1.005", "EUR", "-1.01"),  # ties away from zero
        ("0.995", "USD", "1.00"),
        ("0.5", "ALL", "0.50"),  # the bank's figures are exact: nothing to round
        ("2.49", "ALL", "2.49"),
        ("2.495", "ALL", "2.50"),
        ("-0.004", "EUR", "0.00"),
        ("-0.004", "ALL", "0.00"),
    ],
)
def test_rounding(amount: str, code: str, rounded: str) -> None:
    result = round_amount(Decimal(amount), code)
    assert str(result) == rounded


def test_rounding_reaches_what_is_said_and_written() -> None:
    assert say_amount(Decimal("0.995"), "EUR", "en") == "one euro"
    assert say_amount(Decimal("2.675"), "GBP", "en") == "two British pounds and sixty-eight pence"
    assert say_amount(Decimal("2.5"), "ALL", "sq") == "dy lekë e pesëdhjetë qindarka"
    assert write_amount(Decimal("1.005"), "EUR", "sq") == "1,01 EUR"


def test_tiny_negative_is_not_minus_zero() -> None:
    assert say_amount(Decimal("-0.004"), "EUR", "sq") == "zero euro"
    assert say_amount(Decimal("-0.004"), "ALL", "en") == "zero lek"
    assert write_amount(Decimal("-0.004"), "USD", "en") == "0.00 USD"
    assert write_amount(Decimal("-0.004"), "ALL", "sq") == "0,00 ALL"


def test_ints_are_amounts_too() -> None:
    assert say_amount(5, "EUR", "en") == "five euros"
    assert write_amount(5, "EUR", "sq") == "5,00 EUR"


@pytest.mark.parametrize("bad", [1.5, "1.50", None, True])
def test_floats_and_strings_are_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        say_amount(bad, "EUR", "sq")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        write_amount(bad, "EUR", "sq")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_refused(bad: Decimal) -> None:
    with pytest.raises(ValueError):
        say_amount(bad, "EUR", "en")


def test_unknown_currency_and_language() -> None:
    with pytest.raises(ValueError):
        say_amount(Decimal(1), "RUB", "sq")
    with pytest.raises(ValueError):
        write_amount(Decimal(1), "EUR", "it")  # type: ignore[arg-type]


def test_currency_code_case_does_not_matter() -> None:
    assert say_amount(Decimal("3"), "eur", "sq") == "tre euro"
    assert write_amount(Decimal("3"), "eur", "en") == "3.00 EUR"


# What espeak-ng reads well: letters (with ë, ç), spaces, hyphens, commas, apostrophes.
SPEAKABLE = re.compile(r"[A-Za-zëçË ,'-]+")
CODES_AND_SYMBOLS = re.compile(r"\b(?:" + "|".join(CURRENCY_CODES) + r")\b|[€$£%]", re.IGNORECASE)


def _random_amounts(seed: int, count: int) -> list[Decimal]:
    rng = random.Random(seed)
    amounts = []
    for _ in range(count):
        cents = rng.randint(0, 10 ** rng.randint(1, 13) - 1) * rng.choice((1, -1))
        amounts.append(Decimal(cents).scaleb(-2) + Decimal(rng.randint(0, 9)).scaleb(-3))
    return amounts


def test_spoken_amounts_have_no_digits_symbols_or_codes() -> None:
    rng = random.Random(7)
    for amount in _random_amounts(seed=11, count=3000):
        code = rng.choice(CURRENCY_CODES)
        for lang in ("sq", "en"):
            spoken = say_amount(amount, code, lang)
            assert SPEAKABLE.fullmatch(spoken), spoken
            assert not CODES_AND_SYMBOLS.search(spoken), spoken
            assert "  " not in spoken and spoken == spoken.strip(), spoken
            # A negative amount is said as minus, a non-negative one never is.
            assert spoken.startswith("minus ") == (round_amount(amount, code) < 0), spoken


def test_written_amounts_read_back() -> None:
    """The written form, parsed back by its convention, gives the rounded amount and the code."""
    rng = random.Random(3)
    for amount in _random_amounts(seed=5, count=2000):
        code = rng.choice(CURRENCY_CODES)
        rounded = round_amount(amount, code)
        sq_number, sq_code = write_amount(amount, code, "sq").split(" ")
        en_number, en_code = write_amount(amount, code, "en").split(" ")
        assert sq_code == en_code == code
        assert Decimal(sq_number.replace(".", "").replace(",", ".")) == rounded
        assert Decimal(en_number.replace(",", "")) == rounded
        # Groups of exactly three digits after the first.
        assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d\d)?", sq_number), sq_number
        assert re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d\d)?", en_number), en_number
        assert "," in sq_number.split(".")[-1]  # two decimals in every currency


def test_too_large_to_say_but_still_written() -> None:
    with pytest.raises(ValueError):
        say_amount(Decimal("1000000000000"), "EUR", "sq")
    assert write_amount(Decimal("1000000000000"), "EUR", "sq") == "1.000.000.000.000,00 EUR"
