"""The seven statement currencies: names and recognising them in what people say or type."""

from __future__ import annotations

import pytest

from bot.i18n.currencies import (
    CURRENCIES,
    CURRENCY_CODES,
    currency_from_text,
    currency_name,
    get_currency,
    minor_unit_name,
)


def test_menu_order_is_the_spec_order() -> None:
    # Spec 4.2.2, statement currency: 1 Lek, 2 Euro, 3 US dollar, 4 British pound,
    # 5 Swiss franc, 6 Australian dollar, 7 Canadian dollar.
    assert CURRENCY_CODES == ("ALL", "EUR", "USD", "GBP", "CHF", "AUD", "CAD")
    assert set(CURRENCIES) == set(CURRENCY_CODES)


NAMES = [
    # code, sq singular, sq plural, en singular, en plural
    ("ALL", "lek", "lekë", "lek", "lek"),
    ("EUR", "euro", "euro", "euro", "euros"),
    ("USD", "dollar amerikan", "dollarë amerikanë", "US dollar", "US dollars"),
    ("GBP", "paund britanik", "paund britanikë", "British pound", "British pounds"),
    ("CHF", "frang zviceran", "franga zvicerane", "Swiss franc", "Swiss francs"),
    ("AUD", "dollar australian", "dollarë australianë", "Australian dollar", "Australian dollars"),
    ("CAD", "dollar kanadez", "dollarë kanadezë", "Canadian dollar", "Canadian dollars"),
]


@pytest.mark.parametrize(("code", "sq_one", "sq_many", "en_one", "en_many"), NAMES)
def test_currency_names(code: str, sq_one: str, sq_many: str, en_one: str, en_many: str) -> None:
    assert currency_name(code, "sq", plural=False) == sq_one
    assert currency_name(code, "sq") == sq_many
    assert currency_name(code, "en", plural=False) == en_one
    assert currency_name(code, "en") == en_many
    assert currency_name(code.lower(), "en") == en_many


@pytest.mark.parametrize(
    ("code", "sq_one", "sq_many", "en_one", "en_many"),
    [
        ("EUR", "cent", "cent", "cent", "cents"),
        ("USD", "cent", "cent", "cent", "cents"),
        ("GBP", "peni", "peni", "penny", "pence"),
        ("CHF", "centim", "centimë", "centime", "centimes"),
        ("AUD", "cent", "cent", "cent", "cents"),
        ("CAD", "cent", "cent", "cent", "cents"),
    ],
)
def test_minor_unit_names(code: str, sq_one: str, sq_many: str, en_one: str, en_many: str) -> None:
    assert minor_unit_name(code, "sq", plural=False) == sq_one
    assert minor_unit_name(code, "sq") == sq_many
    assert minor_unit_name(code, "en", plural=False) == en_one
    assert minor_unit_name(code, "en") == en_many


def test_lek_has_qindarka() -> None:
    assert get_currency("ALL").decimals == 2
    assert minor_unit_name("ALL", "sq", plural=False) == "qindarkë"
    assert minor_unit_name("ALL", "sq") == "qindarka"
    assert minor_unit_name("ALL", "en") == "qindarka"


@pytest.mark.parametrize("code", ["XXX", "", "RUB", "euro"])
def test_unknown_currency(code: str) -> None:
    with pytest.raises(ValueError):
        currency_name(code, "sq")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Lek
        ("lek", "ALL"),
        ("lekë", "ALL"),
        ("Lekë", "ALL"),
        ("leke", "ALL"),
        ("LEKË", "ALL"),
        ("leku", "ALL"),
        ("në lekë ju lutem", "ALL"),
        ("lekët", "ALL"),
        ("ALL", "ALL"),
        ("1.234 ALL", "ALL"),
        ("Albanian lek", "ALL"),
        # Euro
        ("euro", "EUR"),
        ("Euro", "EUR"),
        ("eur", "EUR"),
        ("EUR", "EUR"),
        ("€", "EUR"),
        ("50€", "EUR"),
        ("euros", "EUR"),
        ("pasqyrën e llogarisë në euro", "EUR"),
        ("eurot", "EUR"),
        # US dollar (also a bare "dollar")
        ("dollar amerikan", "USD"),
        ("dollarë amerikanë", "USD"),
        ("Dollari Amerikan", "USD"),
        ("dollar", "USD"),
        ("dollarë", "USD"),
        ("dollare", "USD"),
        ("dollari", "USD"),
        ("usd", "USD"),
        ("USD", "USD"),
        ("$", "USD"),
        ("$100", "USD"),
        ("US dollars", "USD"),
        ("U.S. dollar", "USD"),
        ("american dollars", "USD"),
        ("dollars", "USD"),
        # British pound
        ("paund", "GBP"),
        ("paund britanik", "GBP"),
        ("paundi", "GBP"),
        ("sterlina", "GBP"),
        ("sterlinë", "GBP"),
        ("paund sterlinë", "GBP"),
        ("pound", "GBP"),
        ("British pounds", "GBP"),
        ("pound sterling", "GBP"),
        ("GBP", "GBP"),
        ("£", "GBP"),
        # Swiss franc
        ("frang", "CHF"),
        ("franga", "CHF"),
        ("franga zvicerane", "CHF"),
        ("frangu zviceran", "CHF"),
        ("frank zviceran", "CHF"),
        ("swiss franc", "CHF"),
        ("Swiss Francs", "CHF"),
        ("chf", "CHF"),
        # Australian dollar
        ("dollar australian", "AUD"),
        ("dollarë australianë", "AUD"),
        ("dollari australian", "AUD"),
        ("Australian dollar", "AUD"),
        ("australian dollars", "AUD"),
        ("aud", "AUD"),
        ("A$", "AUD"),
        # Canadian dollar
        ("canadian dollar", "CAD"),
        ("Canadian dollars", "CAD"),
        ("dollari kanadez", "CAD"),
        ("dollar kanadez", "CAD"),
        ("Dollarë Kanadezë", "CAD"),
        ("dollaret kanadeze", "CAD"),
        ("cad", "CAD"),
        ("C$ 20", "CAD"),
    ],
)
def test_currency_from_text(text: str, code: str) -> None:
    assert currency_from_text(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "po",
        "asgjë",
        "all",  # the English word, not the lek
        "all of them",
        "euro apo dollar",  # two currencies: ask again
        "dollar kanadez dhe dollar australian",
        "pounds or euros",
        "europa",
        "leksion",
        "qindarka",
    ],
)
def test_no_single_currency(text: str) -> None:
    assert currency_from_text(text) is None


@pytest.mark.parametrize("code", CURRENCY_CODES)
def test_own_names_are_recognised(code: str) -> None:
    for lang in ("sq", "en"):
        for plural in (False, True):
            assert currency_from_text(currency_name(code, lang, plural=plural)) == code
