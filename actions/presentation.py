"""Amounts, dates and email addresses in the form the conversation needs: spoken or written."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot.bank.models import BANK_TIMEZONE
from bot.i18n import Lang
from bot.i18n.currencies import currency_name
from bot.i18n.dates import say_date, write_date
from bot.i18n.money import say_amount, write_amount


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


def masked_email(address: str) -> str:
    """"a•••@example.com": enough for the caller to recognise the address, not to harvest it."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"
