"""Calendar dates as the assistant says them (text-to-speech) and writes them (web chat).

Albanian reads the day and the year as cardinals, months in lower case:
"njëzet e dy nëntor dy mijë e njëzet e gjashtë", written "22 nëntor 2026".
English (British) reads the day as an ordinal and the year as a number from 2000 on
("the twenty-second of November, two thousand and twenty-six") and in pairs before 2000
("nineteen eighty-five", "nineteen oh five", "nineteen hundred"); written "22 November 2026".
A date in the current year (`today` given) is read without the year: "the thirtieth of
November"; the written form always keeps it.
"""

from __future__ import annotations

from datetime import date

from bot.i18n.lang import Lang, check_lang
from bot.i18n.numbers import english_ordinal, number_words

MONTHS: dict[Lang, tuple[str, ...]] = {
    "sq": (
        "janar", "shkurt", "mars", "prill", "maj", "qershor",
        "korrik", "gusht", "shtator", "tetor", "nëntor", "dhjetor",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def month_name(month: int, lang: Lang) -> str:
    """The name of `month` (1 to 12): "nëntor", "November"."""
    if not 1 <= month <= 12:
        raise ValueError(f"no month {month}")
    return MONTHS[check_lang(lang)][month - 1]


def _english_year(year: int) -> str:
    century, rest = divmod(year, 100)
    if not 11 <= century <= 19:
        return number_words(year, "en")
    head = number_words(century, "en")
    if rest == 0:
        return f"{head} hundred"
    if rest < 10:
        return f"{head} oh {number_words(rest, 'en')}"
    return f"{head} {number_words(rest, 'en')}"


def say_date(d: date, lang: Lang, today: date | None = None) -> str:
    """The date in words for text-to-speech (no digits); without the year if it is `today`'s."""
    lang = check_lang(lang)
    month = month_name(d.month, lang)
    if today is not None and d.year == today.year:
        return f"{number_words(d.day, 'sq')} {month}" if lang == "sq" else (
            f"the {english_ordinal(d.day)} of {month}")
    if lang == "sq":
        return f"{number_words(d.day, 'sq')} {month} {number_words(d.year, 'sq')}"
    return f"the {english_ordinal(d.day)} of {month}, {_english_year(d.year)}"


def write_date(d: date, lang: Lang) -> str:
    """The date for chat: "22 nëntor 2026", "22 November 2026" (no leading zero on the day)."""
    return f"{d.day} {month_name(d.month, lang)} {d.year}"
