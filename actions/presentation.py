"""Amounts, dates and email addresses in the form the conversation needs: spoken or written."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.bank.models import BANK_TIMEZONE
from bot.i18n import Lang
from bot.i18n.currencies import currency_name
from bot.i18n.dates import say_date, write_date
from bot.i18n.money import say_amount, write_amount
from bot.i18n.numbers import number_words


def amount(value: Decimal, currency: str, lang: Lang, voice: bool) -> str:
    return say_amount(value, currency, lang) if voice else write_amount(value, currency, lang)


def bank_today() -> date:
    return datetime.now(BANK_TIMEZONE).date()


def day(value: date, lang: Lang, voice: bool, today: date | None = None) -> str:
    """Spoken without the year when it is this year's (at the bank); written in full."""
    if voice:
        return say_date(value, lang, today or bank_today())
    return write_date(value, lang)


def currency(code: str, lang: Lang, voice: bool, *, before_noun: bool = False) -> str:
    """The currency's name (voice) or code (text). `before_noun`: as it qualifies a noun, which
    English says in the singular ("your Canadian dollar accounts") and Albanian after "në" in
    the plural ("llogaritë tuaja në dollarë kanadezë")."""
    if not voice:
        return code
    return currency_name(code, lang, plural=not (before_noun and lang == "en"))


COUNTED = {  # noun -> language -> (one, many)
    "account": {"sq": ("llogari", "llogari"), "en": ("account", "accounts")},
    "currency": {"sq": ("monedhë", "monedha"), "en": ("currency", "currencies")},
}


AT = {"sq": "et", "en": "at"}  # "@" as said in an address
DOT = {"sq": "pikë", "en": "dot"}


def figure(n: int, lang: Lang, voice: bool) -> str:
    """A count as written ("2") or said ("two")."""
    return number_words(n, lang) if voice else str(n)


def count_of(n: int, noun: str, lang: Lang, voice: bool) -> str:
    """"14 accounts" (text) or "fourteen accounts" (voice), the noun in the right number."""
    one, many = COUNTED[noun][lang]
    return f"{figure(n, lang, voice)} {one if n == 1 else many}"


def reference(value: str, lang: Lang, voice: bool) -> str:
    """A reference such as "ANK-000123": written as is, said letter by letter and digit by digit
    ("A N K, zero zero zero one two three")."""
    if not voice:
        return value
    letters, _, digits = value.partition("-")
    said = " ".join(number_words(int(d), lang) if d.isdigit() else d for d in digits)
    return f"{' '.join(letters)}, {said}" if said else " ".join(letters)


def masked_email(address: str, lang: Lang, voice: bool) -> str:
    """"a•••@example.com": enough for the caller to recognise the address, not to harvest it;
    said "a, at example dot com"."""
    local, _, domain = address.partition("@")
    if voice:
        return f"{local[:1]}, {AT[lang]} {f' {DOT[lang]} '.join(domain.split('.'))}"
    return f"{local[:1]}•••@{domain}"
