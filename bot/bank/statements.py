"""Account statements and card transaction lists as emails with a CSV attachment."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from bot.i18n import Lang
from bot.i18n.money import write_amount
from bot.mail.mailer import Attachment

EmailParts = tuple[str, str, str, tuple[Attachment, ...]]

HEADERS = {
    "sq": ("Data", "Përshkrimi", "Shuma", "Monedha"),
    "en": ("Date", "Description", "Amount", "Currency"),
}
STATEMENT_SUBJECT = {
    "sq": "Pasqyra e llogarive tuaja në {currency}",
    "en": "Statement of your {currency} accounts",
}
STATEMENT_BODY = {
    "sq": "I/E nderuar klient,\n\nNë bashkëngjitje gjeni pasqyrën e llogarive tuaja në "
    "{currency}.\n{balances}\n\nBKT",
    "en": "Dear customer,\n\nPlease find attached the statement of your {currency} "
    "accounts.\n{balances}\n\nBKT",
}
CARD_SUBJECT = {
    "sq": "Transaksionet e fundit me kartën e kreditit",
    "en": "Your recent credit card transactions",
}
CARD_BODY = {
    "sq": "I/E nderuar klient,\n\nNë bashkëngjitje gjeni transaksionet me kartën tuaj të "
    "kreditit pas prerjes së fundit të pasqyrës ({count}).\n\nBKT",
    "en": "Dear customer,\n\nPlease find attached your credit card transactions since the "
    "latest statement ({count}).\n\nBKT",
}
BALANCE_LINE = {"sq": "Balanca në dispozicion: {amount}", "en": "Available balance: {amount}"}
BALANCES_SUBJECT = {
    "sq": "Balancat e llogarive tuaja",
    "en": "The balances of your accounts",
}
BALANCES_BODY = {
    "sq": "I/E nderuar klient,\n\nBalancat në dispozicion të llogarive tuaja ({count}), edhe në "
    "bashkëngjitje:\n{balances}\n\nBKT",
    "en": "Dear customer,\n\nThe available balances of your accounts ({count}), also "
    "attached:\n{balances}\n\nBKT",
}
ACCOUNT_KIND = {
    "sq": {"current": "rrjedhëse", "savings": "kursimi"},
    "en": {"current": "current", "savings": "savings"},
}
BALANCES_HEADERS = {
    "sq": ("Llogaria", "Lloji", "Balanca në dispozicion", "Monedha"),
    "en": ("Account", "Kind", "Available balance", "Currency"),
}


def transactions_csv(transactions: Iterable, lang: Lang) -> bytes:
    """One row per transaction: date, description, amount, currency (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS[lang])
    for item in transactions:
        writer.writerow(
            (
                item.day.isoformat(),
                item.description,
                f"{item.amount:.2f}",
                item.currency,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


def statement_email(
    address: str, currency: str, accounts: Sequence, transactions: Sequence, lang: Lang
) -> EmailParts:
    balances = "\n".join(
        BALANCE_LINE[lang].format(amount=write_amount(a.available_balance, a.currency, lang))
        for a in accounts
    )
    body = STATEMENT_BODY[lang].format(currency=currency, balances=balances)
    attachment = Attachment(f"statement-{currency}.csv", transactions_csv(transactions, lang))
    return address, STATEMENT_SUBJECT[lang].format(currency=currency), body, (attachment,)


def card_transactions_email(address: str, transactions: Sequence, lang: Lang) -> EmailParts:
    body = CARD_BODY[lang].format(count=len(transactions))
    attachment = Attachment("card-transactions.csv", transactions_csv(transactions, lang))
    return address, CARD_SUBJECT[lang], body, (attachment,)


def balances_email(address: str, accounts: Sequence, lang: Lang) -> EmailParts:
    """Every account's available balance, exact to the minor unit, in the body and as CSV."""
    balances = "\n".join(
        f"{ACCOUNT_KIND[lang][str(a.kind)]} {a.currency}: "
        f"{write_amount(a.available_balance, a.currency, lang)}"
        for a in accounts
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(BALANCES_HEADERS[lang])
    for a in accounts:
        writer.writerow((a.account_number, ACCOUNT_KIND[lang][str(a.kind)],
                         f"{a.available_balance:.2f}", a.currency))
    attachment = Attachment("balances.csv", buffer.getvalue().encode("utf-8-sig"))
    body = BALANCES_BODY[lang].format(count=len(accounts), balances=balances)
    return address, BALANCES_SUBJECT[lang], body, (attachment,)
