"""Amounts of money as the assistant says them (text-to-speech) and writes them (web chat).

Exact: amounts are `Decimal` (floats are refused: they cannot hold cents exactly) and are said
and written to the hundredth in every currency, the lek with its qindarka (the bank's figures
have two decimals; anything finer is rounded half-up, ties away from zero, so -1.005 is -1.01).
An amount that rounds to zero is never negative.

Spoken: the number in words, the unit in the right number, the hundredths after "e" / "and":
"pesëdhjetë euro e tridhjetë cent", "one hundred and twenty euros and thirty cents",
"one US dollar and one cent", "dyqind lekë e pesëdhjetë qindarka". No hundredths are read
when there are none ("zero euros"), and no zero units when there are only hundredths ("thirty
cents"). Negative amounts (a debit, an amount due shown as negative) start with "minus". The
spoken text has no digits, symbols or ISO codes.

Written: the ISO code after the number in both languages, a leading "-" for negative amounts.
Albanian groups thousands with a dot and separates decimals with a comma, as Albanian bank
statements do ("1.234,56 EUR", "1.234,00 ALL"); English uses comma and point ("1,234.56 EUR",
"1,234.00 ALL"). Every group of thousands is marked, also in four-digit numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from bot.i18n.currencies import get_currency
from bot.i18n.lang import Lang, check_lang
from bot.i18n.numbers import number_words

_AND = {"sq": " e ", "en": " and "}
_MINUS = {"sq": "minus ", "en": "minus "}
# str.translate tables from Python's "1,234.56" to each language's written form.
_SEPARATORS = {"sq": str.maketrans(",.", ".,"), "en": str.maketrans("", "")}


def round_amount(amount: Decimal | int, currency: str) -> Decimal:
    """`amount` rounded half-up to the decimals spoken and written for `currency`."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"an amount must be a Decimal or an int, not {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"an amount must be finite, not {value}")
    exponent = Decimal(1).scaleb(-get_currency(currency).decimals)
    rounded = value.quantize(exponent, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # no "-0.00"


def _counted(n: int, names: tuple[str, str], lang: Lang) -> str:
    singular_name, plural_name = names
    return f"{number_words(n, lang)} {singular_name if n == 1 else plural_name}"


def say_amount(amount: Decimal | int, currency: str, lang: Lang) -> str:
    """The amount in words for text-to-speech: "njëqind e njëzet lekë", "one British pound"."""
    lang = check_lang(lang)
    info = get_currency(currency)
    value = round_amount(amount, info.code)
    major, fraction = divmod(abs(value), 1)
    minor = int(fraction * 100)
    parts = []
    if major or not minor:
        parts.append(_counted(int(major), info.names[lang], lang))
    if minor:
        parts.append(_counted(minor, info.minor_names[lang], lang))
    spoken = _AND[lang].join(parts)
    return _MINUS[lang] + spoken if value < 0 else spoken


def write_amount(amount: Decimal | int, currency: str, lang: Lang) -> str:
    """The amount for chat: "1.234,56 EUR" (sq), "1,234.56 EUR" (en), "120.50 ALL"."""
    lang = check_lang(lang)
    info = get_currency(currency)
    value = round_amount(amount, info.code)
    digits = f"{value:,.{info.decimals}f}".translate(_SEPARATORS[lang])
    return f"{digits} {info.code}"
