"""The seven statement currencies: their names in both languages and how to recognise them in text.

`CURRENCY_CODES` is the order of the statement-currency menu (spec 4.2.2, keys 1 to 7).

Names are what a text-to-speech engine reads after a number: singular after exactly one, plural
otherwise (also after zero). Albanian qualifies every currency but the lek and the euro, and the
adjective agrees with the noun ("një dollar amerikan", "dy dollarë amerikanë", "dy franga
zvicerane"); "euro" and "paund" do not change in the plural. English uses the names a British
speaker would ("US dollars", "British pounds"); the lek is "lek" in both numbers in English.

Minor units: every amount is said and written exactly, to the hundredth (a bank never reads a
customer a figure that is not its own): the lek has "qindarkë"/"qindarka" ("qindarka" in
English, both numbers), euro and dollars "cent" ("cent"/"cents"), the pound "peni"
("penny"/"pence"), the Swiss franc "centim"/"centimë" ("centime"/"centimes").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.i18n.lang import Lang, check_lang

CURRENCY_CODES = ("ALL", "EUR", "USD", "GBP", "CHF", "AUD", "CAD")


@dataclass(frozen=True)
class Currency:
    """One currency: ISO code, decimals read and written, (singular, plural) names per language."""

    code: str
    decimals: int
    names: dict[Lang, tuple[str, str]]
    minor_names: dict[Lang, tuple[str, str]]


_CENT: dict[Lang, tuple[str, str]] = {"sq": ("cent", "cent"), "en": ("cent", "cents")}

CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency(
            "ALL",
            2,
            {"sq": ("lek", "lekë"), "en": ("lek", "lek")},
            {"sq": ("qindarkë", "qindarka"), "en": ("qindarka", "qindarka")},
        ),
        Currency("EUR", 2, {"sq": ("euro", "euro"), "en": ("euro", "euros")}, _CENT),
        Currency(
            "USD",
            2,
            {"sq": ("dollar amerikan", "dollarë amerikanë"), "en": ("US dollar", "US dollars")},
            _CENT,
        ),
        Currency(
            "GBP",
            2,
            {
                "sq": ("paund britanik", "paund britanikë"),
                "en": ("British pound", "British pounds"),
            },
            {"sq": ("peni", "peni"), "en": ("penny", "pence")},
        ),
        Currency(
            "CHF",
            2,
            {"sq": ("frang zviceran", "franga zvicerane"), "en": ("Swiss franc", "Swiss francs")},
            {"sq": ("centim", "centimë"), "en": ("centime", "centimes")},
        ),
        Currency(
            "AUD",
            2,
            {
                "sq": ("dollar australian", "dollarë australianë"),
                "en": ("Australian dollar", "Australian dollars"),
            },
            _CENT,
        ),
        Currency(
            "CAD",
            2,
            {
                "sq": ("dollar kanadez", "dollarë kanadezë"),
                "en": ("Canadian dollar", "Canadian dollars"),
            },
            _CENT,
        ),
    )
}


def get_currency(code: str) -> Currency:
    """The currency with ISO code `code` (any case); ValueError for one the bank does not offer."""
    try:
        return CURRENCIES[code.strip().upper()]
    except KeyError:
        raise ValueError(
            f"unsupported currency {code!r}; expected one of {CURRENCY_CODES}"
        ) from None


def currency_name(code: str, lang: Lang, *, plural: bool = True) -> str:
    """The spoken name of a currency: `currency_name("USD", "sq")` -> "dollarë amerikanë"."""
    singular_name, plural_name = get_currency(code).names[check_lang(lang)]
    return plural_name if plural else singular_name


def minor_unit_name(code: str, lang: Lang, *, plural: bool = True) -> str:
    """The spoken name of a currency's hundredth ("qindarka", "cent", "pence"...)."""
    names = get_currency(code).minor_names
    singular_name, plural_name = names[check_lang(lang)]
    return plural_name if plural else singular_name


# Recognition works on folded text: lower case, no diacritics (ë -> e, ç -> c), and every
# character but letters, digits and the symbols € $ £ turned into a space ("U.S." -> "u s").
# Albanian nouns come in many forms (dollar, dollari, dollarin, dollarët, dollarëve...), so each
# stem takes an optional ending. Patterns for qualified dollars are listed like any other: a bare
# "dollar" match inside a longer match for another currency is discarded (see below).
_DOLLAR = r"doll?ar(?:e|i|in|it|et|eve|esh|s)?"
_ADJ = r"(?:e|i|in|it|et|eve|s)?"
_PATTERNS: dict[str, tuple[str, ...]] = {
    "ALL": (r"lek(?:e|u|un|ut|et|eve|esh|s)?",),
    "EUR": (r"euro(?:ja|s|n|t|ve|sh)?", r"eur", r"€"),
    "USD": (
        r"usd",
        r"us ?\$",
        r"\$",
        rf"(?:us|u s|usa) {_DOLLAR}",
        rf"{_DOLLAR} (?:us|u s|usa)",
        rf"(?:amerikan|american){_ADJ} {_DOLLAR}",
        rf"{_DOLLAR} amerikan{_ADJ}",
        _DOLLAR,
    ),
    "GBP": (
        r"gbp",
        r"£",
        r"(?:paund|pound)(?:e|i|in|it|et|eve|esh|s)?",
        r"sterlin(?:a|e|g|gs|at|ave)?",
    ),
    "CHF": (
        r"chf",
        r"(?:frang|franc)(?:a|e|u|un|ut|at|ave|ash|s)?",
        r"frank(?:a|e|u|un|ut)? zviceran" + _ADJ,
    ),
    "AUD": (
        r"aud",
        r"au?\$",
        rf"{_DOLLAR} australian{_ADJ}",
        rf"(?:australian|aussie){_ADJ} {_DOLLAR}",
    ),
    "CAD": (
        r"cad",
        r"ca?\$",
        rf"{_DOLLAR} kanadez{_ADJ}",
        rf"(?:canadian|kanadez){_ADJ} {_DOLLAR}",
        r"loonies?",
    ),
}
_COMPILED = tuple(
    (code, re.compile(rf"(?<![a-z]){pattern}(?![a-z])"))
    for code, patterns in _PATTERNS.items()
    for pattern in patterns
)


# The ISO code of the lek counts only in capitals: "all" is an English word.
_ALL_CODE = re.compile(r"(?<![A-Za-z])ALL(?![A-Za-z])")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9€$£]+", " ", plain).split())


def currency_from_text(text: str) -> str | None:
    """The ISO code of the one currency named in `text` ("dollarë kanadezë" -> "CAD"), else None.

    Case and diacritics do not matter; a bare "dollar" is the US dollar, a bare "paund" or "frang"
    the pound or the Swiss franc. None when no currency, or more than one, is named. The code
    "ALL" counts only in capitals, since "all" is an English word.
    """
    folded = _fold(text)
    spans = [
        (m.start(), m.end(), code) for code, regex in _COMPILED for m in regex.finditer(folded)
    ]
    codes = {
        code
        for start, end, code in spans
        if not any(
            other != code and s <= start and end <= e and (e - s) > (end - start)
            for s, e, other in spans
        )
    }
    if _ALL_CODE.search(text):
        codes.add("ALL")
    return codes.pop() if len(codes) == 1 else None
