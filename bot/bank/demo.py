"""The demo bank (`bot db init --demo`): fixed customers that cover every row of spec section 2.

Deterministic: names, numbers, PINs and amounts are fixed here; every date is relative to the
reference day passed in (ages, statement cut-off, transactions), so the demo behaves the same on
any day it is loaded. The card numbers and PINs below are demo secrets, published on purpose in
`docs/demo-customers.md`; in the database they exist only hashed, as for any real card.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType

from sqlalchemy.orm import Session

from bot.bank.access import CardKind
from bot.bank.hashing import card_digest, customer_number_digest, hash_pin, last_four
from bot.bank.models import (
    BANK_TIMEZONE,
    Account,
    AccountKind,
    AccountTransaction,
    Card,
    CardStatus,
    CardTransaction,
    CreditCardFacts,
    Customer,
    Language,
    PhoneNumber,
    Segment,
)

DEMO_BANK_CODE = "20511001"
STATEMENT_CUTOFF_DAYS_AGO = 12
PAYMENT_DUE_DAYS_AFTER_CUTOFF = 25


@dataclass(frozen=True)
class DemoCredit:
    """Credit-card facts, in lek."""

    approved_limit: Decimal
    available_limit: Decimal
    amount_due: Decimal
    currency: str = "ALL"
    shops_abroad: bool = False  # adds a purchase in euro after the cut-off


@dataclass(frozen=True)
class DemoCard:
    kind: CardKind
    number: str
    pin: str
    status: CardStatus = CardStatus.ACTIVE
    credit: DemoCredit | None = None

    @property
    def last_four(self) -> str:
        return last_four(self.number)

    @property
    def spaced(self) -> str:
        """The number in groups of four, as printed on the card."""
        return " ".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))


@dataclass(frozen=True)
class DemoAccount:
    kind: AccountKind
    currency: str
    balance: Decimal
    linked: bool = False  # the account the customer's debit cards draw on


@dataclass(frozen=True)
class DemoCustomer:
    """One demo customer and the access-table row (spec section 2) they demonstrate."""

    key: str
    demonstrates: str
    customer_number: str
    full_name: str
    age: int | None  # None: a business, which has no date of birth
    phone: str | None
    email: str | None
    accounts: tuple[DemoAccount, ...]
    cards: tuple[DemoCard, ...] = ()
    language: Language = Language.SQ
    segment: Segment = Segment.INDIVIDUAL

    def card(self, kind: CardKind, status: CardStatus = CardStatus.ACTIVE) -> DemoCard:
        """The customer's first card of this kind and status."""
        return next(c for c in self.cards if c.kind is kind and c.status is status)

    def date_of_birth(self, today: date) -> date | None:
        """Born `age` years and 100 days before `today`: the same age on any reference day."""
        if self.age is None:
            return None
        day = 28 if (today.month, today.day) == (2, 29) else today.day
        return today.replace(year=today.year - self.age, day=day) - timedelta(days=100)


@dataclass(frozen=True)
class DemoPair:
    """A call from `phone_owner`'s registered number with `card_holder`'s card or number."""

    phone_owner: str
    card_holder: str
    demonstrates: str = "number registered to another customer: nothing, offer an agent"


def _money(text: str) -> Decimal:
    return Decimal(text)


def _current(currency: str, balance: str, *, linked: bool = False) -> DemoAccount:
    return DemoAccount(AccountKind.CURRENT, currency, _money(balance), linked)


def _savings(currency: str, balance: str) -> DemoAccount:
    return DemoAccount(AccountKind.SAVINGS, currency, _money(balance))


def _credit(
    number: str,
    pin: str,
    amounts: tuple[str, str, str],
    *,
    status: CardStatus = CardStatus.ACTIVE,
    shops_abroad: bool = False,
) -> DemoCard:
    """A credit card; `amounts` are the approved limit, the available limit and the amount due."""
    limit, available, due = (_money(a) for a in amounts)
    facts = DemoCredit(limit, available, due, shops_abroad=shops_abroad)
    return DemoCard(CardKind.CREDIT, number, pin, status=status, credit=facts)


def _debit(number: str, pin: str, *, status: CardStatus = CardStatus.ACTIVE) -> DemoCard:
    return DemoCard(CardKind.DEBIT, number, pin, status=status)


DEMO_CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer(
        key="registered_credit",
        demonstrates="registered number, credit card (and a debit card): every service",
        customer_number="401275318",
        full_name="Arben Hoxha",
        age=42,
        phone="+355694102031",
        email="arben.hoxha@example.al",
        accounts=(_current("ALL", "185400.00", linked=True), _savings("EUR", "3250.75")),
        cards=(
            _credit("5412753011842635", "7359", ("300000.00", "212450.50", "87549.50")),
            _debit("4278301147025190", "8462"),
        ),
    ),
    DemoCustomer(
        key="registered_debit",
        demonstrates="registered number, debit card only: accounts menu (card or customer no.)",
        customer_number="401275326",
        full_name="Elira Krasniqi",
        age=35,
        phone="+355694102047",
        email="elira.krasniqi@example.al",
        accounts=(_current("ALL", "64210.40", linked=True), _current("EUR", "412.30")),
        cards=(_debit("4278301562188473", "3958"),),
    ),
    DemoCustomer(
        key="registered_no_card",
        demonstrates="registered number, no card: customer number, balances and statements",
        customer_number="401275334",
        full_name="Gentian Shehu",
        age=58,
        phone="+355694102055",
        email="gentian.shehu@example.al",
        accounts=(_current("ALL", "97315.00"), _savings("ALL", "520000.00")),
    ),
    DemoCustomer(
        key="unregistered_credit",
        demonstrates="unregistered caller, credit card only: card + PIN, every service",
        customer_number="401275342",
        full_name="Mirela Dervishi",
        age=29,
        phone=None,
        email="mirela.dervishi@example.com",
        language=Language.EN,
        accounts=(_current("ALL", "23875.60"),),
        cards=(
            _credit(
                "5412753294761056",
                "6274",
                ("150000.00", "131920.00", "18080.00"),
                shops_abroad=True,
            ),
        ),
    ),
    DemoCustomer(
        key="unregistered_debit",
        demonstrates="unregistered caller, debit card only: card + PIN (not customer number)",
        customer_number="401275350",
        full_name="Ilir Basha",
        age=47,
        phone=None,
        email="ilir.basha@example.al",
        accounts=(_current("ALL", "41760.25", linked=True), _savings("USD", "1840.00")),
        cards=(_debit("4278301738506244", "5836"),),
    ),
    DemoCustomer(
        key="under_age",
        demonstrates="under 18 (registered number, debit card): visit a branch with a guardian",
        customer_number="401275369",
        full_name="Sara Gjoka",
        age=16,
        phone="+355694102063",
        email="sara.gjoka@example.al",
        accounts=(_current("ALL", "8450.00", linked=True),),
        cards=(_debit("4278301881429574", "9417"),),
    ),
    DemoCustomer(
        key="no_email",
        demonstrates="no registered email: statements and card lists refused, agent offered",
        customer_number="401275377",
        full_name="Besnik Rama",
        age=63,
        phone="+355694102071",
        email=None,
        accounts=(_current("ALL", "126980.90", linked=True),),
        cards=(
            _credit("5412753466190381", "2693", ("200000.00", "176300.00", "23700.00")),
            _debit("4278301953274619", "4785"),
        ),
    ),
    DemoCustomer(
        key="blocked_card",
        demonstrates="blocked credit card and lost debit card (not accepted); one active debit",
        customer_number="401275385",
        full_name="Lindita Marku",
        age=51,
        phone="+355694102089",
        email="lindita.marku@example.al",
        accounts=(_current("ALL", "55120.00", linked=True),),
        cards=(
            _credit(
                "5412753580247166",
                "7528",
                ("250000.00", "0.00", "250000.00"),
                status=CardStatus.BLOCKED,
            ),
            _debit("4278301026985340", "8619", status=CardStatus.LOST),
            _debit("4278301275138690", "3746"),
        ),
    ),
    DemoCustomer(
        key="all_currencies",
        demonstrates="current and savings accounts in all seven statement currencies",
        customer_number="401275393",
        full_name="Erion Kola",
        age=38,
        phone="+355694102097",
        email="erion.kola@example.com",
        language=Language.EN,
        accounts=(
            _current("ALL", "243560.00", linked=True),
            _savings("ALL", "1250000.00"),
            _current("EUR", "1870.45"),
            _savings("EUR", "15400.00"),
            _current("USD", "960.10"),
            _savings("USD", "7200.00"),
            _current("GBP", "455.80"),
            _savings("GBP", "3100.00"),
            _current("CHF", "1205.35"),
            _savings("CHF", "8800.00"),
            _current("AUD", "640.00"),
            _savings("AUD", "2500.00"),
            _current("CAD", "735.25"),
            _savings("CAD", "4150.00"),
        ),
        cards=(_debit("4278301394617525", "6183"),),
    ),
    DemoCustomer(
        key="business",
        demonstrates="business customer: business menu (POS support, agent, complaint)",
        customer_number="401275407",
        full_name="Kola Trade sh.p.k.",
        age=None,
        phone="+355694102104",
        email="finance@kolatrade.example.al",
        segment=Segment.BUSINESS,
        accounts=(_current("ALL", "1845200.00", linked=True), _current("EUR", "22840.00")),
        cards=(_debit("4278301642879356", "5291"),),
    ),
)

DEMO_BY_KEY: Mapping[str, DemoCustomer] = MappingProxyType({c.key: c for c in DEMO_CUSTOMERS})

# The "number of another customer" row: Elira's registered phone, Mirela's card (or number).
DEMO_OTHER_CUSTOMERS_NUMBER = DemoPair(
    phone_owner="registered_debit", card_holder="unregistered_credit"
)

# A well-formed, Luhn-valid card number that no demo customer holds.
DEMO_UNKNOWN_CARD = "4278301999999997"
# A number registered to nobody (Albanian mobile format).
DEMO_UNREGISTERED_PHONE = "+355694109990"

# Card transactions: (days before the reference day, local time, amount, currency, merchant).
# The statement cut-off is STATEMENT_CUTOFF_DAYS_AGO; one purchase falls on the cut-off day (it
# belongs to that statement) and one 30 minutes after the cut-off day ends in Tirana (it does
# not, although it is still the cut-off day in UTC).
CREDIT_CARD_TRANSACTIONS: tuple[tuple[int, time, str, str, str], ...] = (
    (30, time(10, 15), "4520.00", "ALL", "Conad Tirana"),
    (21, time(13, 40), "12890.00", "ALL", "Neptun Tirana"),
    (12, time(18, 30), "3150.00", "ALL", "Spar Durrës"),
    (11, time(0, 30), "2200.00", "ALL", "Vodafone Albania"),
    (6, time(12, 5), "18400.00", "ALL", "Air Albania"),
    (2, time(19, 45), "6735.50", "ALL", "Big Market Tiranë"),
)
FOREIGN_CARD_TRANSACTIONS: tuple[tuple[int, time, str, str, str], ...] = (
    (4, time(9, 20), "84.00", "EUR", "Booking.com Amsterdam"),
)

# Account movements: (days before, local time, amount in euro-sized units, description).
# Lek amounts are a hundred times these.
CURRENT_ACCOUNT_MOVEMENTS: tuple[tuple[int, time, str, str], ...] = (
    (52, time(9, 0), "1150.00", "Paga mujore"),
    (44, time(11, 25), "-85.40", "OSHEE energji elektrike"),
    (33, time(16, 10), "-60.00", "Tërheqje ATM"),
    (22, time(9, 0), "1150.00", "Paga mujore"),
    (14, time(14, 50), "250.00", "Transfertë hyrëse"),
    (5, time(10, 35), "-42.15", "UKT ujë i pijshëm"),
)
SAVINGS_ACCOUNT_MOVEMENTS: tuple[tuple[int, time, str, str], ...] = (
    (45, time(10, 0), "500.00", "Depozitë në llogari kursimi"),
    (15, time(0, 5), "1.25", "Interes"),
)


def statement_cutoff(today: date) -> date:
    """The demo's latest credit-card statement cut-off day."""
    return today - timedelta(days=STATEMENT_CUTOFF_DAYS_AGO)


def demo_customer(key: str) -> DemoCustomer:
    return DEMO_BY_KEY[key]


def _at(today: date, days_ago: int, at: time) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), at, tzinfo=BANK_TIMEZONE)


def _iban(account_code: str) -> str:
    """An Albanian-format IBAN (AL + check digits + 8-digit bank code + 16-character account)."""
    bban = DEMO_BANK_CODE + account_code
    rearranged = bban + "AL00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    check = 98 - int(numeric) % 97
    return f"AL{check:02d}{bban}"


def _add_accounts(
    session: Session, customer: Customer, demo: DemoCustomer, position: int, today: date
) -> Account | None:
    linked = None
    for index, spec in enumerate(demo.accounts, start=1):
        account = Account(
            customer=customer,
            # numbered by the customer's place in the demo, never by the customer number
            account_number=_iban(f"{position:09d}{index:07d}"),
            kind=spec.kind.value,
            currency=spec.currency,
            available_balance=spec.balance,
        )
        session.add(account)
        movements = (
            CURRENT_ACCOUNT_MOVEMENTS
            if spec.kind is AccountKind.CURRENT
            else SAVINGS_ACCOUNT_MOVEMENTS
        )
        factor = 100 if spec.currency == "ALL" else 1
        for days_ago, at, amount, description in movements:
            session.add(
                AccountTransaction(
                    account=account,
                    posted_at=_at(today, days_ago, at),
                    amount=Decimal(amount) * factor,
                    currency=spec.currency,
                    description=description,
                )
            )
        if spec.linked:
            linked = account
    return linked


def _add_card(
    session: Session,
    customer: Customer,
    spec: DemoCard,
    linked: Account | None,
    *,
    key: bytes,
    today: date,
) -> None:
    card = Card(
        customer=customer,
        kind=spec.kind.value,
        status=spec.status.value,
        number_digest=card_digest(spec.number, key),
        last_four=spec.last_four,
        pin_hash=hash_pin(spec.pin, key),
        failed_pin_attempts=0,
        account=linked if spec.kind is CardKind.DEBIT else None,
    )
    session.add(card)
    if spec.credit is None:
        return
    cutoff = statement_cutoff(today)
    card.credit = CreditCardFacts(
        approved_limit=spec.credit.approved_limit,
        available_limit=spec.credit.available_limit,
        amount_due=spec.credit.amount_due,
        currency=spec.credit.currency,
        statement_cutoff_on=cutoff,
        payment_due_on=cutoff + timedelta(days=PAYMENT_DUE_DAYS_AFTER_CUTOFF),
    )
    foreign = FOREIGN_CARD_TRANSACTIONS if spec.credit.shops_abroad else ()
    for days_ago, at, amount, currency, merchant in CREDIT_CARD_TRANSACTIONS + foreign:
        session.add(
            CardTransaction(
                card=card,
                posted_at=_at(today, days_ago, at),
                amount=Decimal(amount),
                currency=currency,
                merchant=merchant,
            )
        )


def load_demo_bank(session: Session, *, card_key: bytes, today: date) -> None:
    """Add the demo customers, their phones, accounts, cards and transactions to `session`."""
    for position, demo in enumerate(DEMO_CUSTOMERS, start=1):
        customer = Customer(
            customer_number_digest=customer_number_digest(demo.customer_number, card_key),
            full_name=demo.full_name,
            date_of_birth=demo.date_of_birth(today),
            email=demo.email,
            language=demo.language.value,
            segment=demo.segment.value,
        )
        session.add(customer)
        if demo.phone is not None:
            session.add(PhoneNumber(number=demo.phone, customer=customer))
        linked = _add_accounts(session, customer, demo, position, today)
        for card in demo.cards:
            _add_card(session, customer, card, linked, key=card_key, today=today)
    session.flush()
