"""The queries the assistant needs: who owns a number, balances, credit-card facts, transactions,
and recording complaints and hand-offs.

Every method opens its own short session and returns small frozen dataclasses (never ORM
objects) with `Decimal` amounts and timezone-aware UTC times. Calendar days (statement cut-off,
statement periods) are days in Tirana (`BANK_TIMEZONE`).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.bank.access import CardKind, Channel, CustomerFacts
from bot.bank.hashing import customer_number_digest
from bot.bank.models import (
    BANK_TIMEZONE,
    CURRENCIES,
    Account,
    AccountKind,
    AccountTransaction,
    Card,
    CardStatus,
    CardTransaction,
    Complaint,
    CreditCardFacts,
    Customer,
    HandoffDesk,
    HandoffQueue,
    HandoffRecord,
    PhoneNumber,
)
from bot.bank.validators import normalize_phone
from bot.payloads import conversation_reference

SessionFactory = Callable[[], Session]
STATEMENT_DAYS = 90
COMPLAINT_PREFIX = "ANK-"
# 16 or more digits in a row (spaces or dashes between them allowed) could be a card number;
# phone numbers have at most 15 (E.164).
_CARD_LIKE = re.compile(r"\d(?:[ -]?\d){15,}")
_SECRET_KEYS = frozenset({"pin", "card_pin", "card_number", "pan"})


@dataclass(frozen=True)
class AccountBalance:
    account_number: str
    kind: AccountKind
    currency: str
    available_balance: Decimal


@dataclass(frozen=True)
class CreditCardSummary:
    """What the card menu reads (spec 4.2.1, key 1), with the statement dates."""

    last_four: str
    approved_limit: Decimal
    available_limit: Decimal
    amount_due: Decimal
    currency: str
    statement_cutoff_on: date
    payment_due_on: date


@dataclass(frozen=True)
class Transaction:
    """A card transaction (description = merchant) or an account movement."""

    posted_at: datetime
    amount: Decimal
    currency: str
    description: str

    @property
    def day(self) -> date:
        """The day of the transaction in Tirana (`posted_at` is UTC)."""
        return self.posted_at.astimezone(BANK_TIMEZONE).date()


def start_of_day(day: date) -> datetime:
    """The first instant of `day` in Tirana, as UTC."""
    return datetime.combine(day, time.min, tzinfo=BANK_TIMEZONE).astimezone(UTC)


def load_customer_facts(session: Session, customer_id: int) -> CustomerFacts | None:
    """What the access rules need to know about a customer; None if unknown or not an
    individual (a business has no date of birth)."""
    customer = session.get(Customer, customer_id)
    if customer is None or customer.date_of_birth is None:
        return None
    kinds = set(
        session.scalars(
            select(Card.kind).where(
                Card.customer_id == customer_id, Card.status == CardStatus.ACTIVE.value
            )
        )
    )
    return CustomerFacts(
        customer_id=customer.id,
        date_of_birth=customer.date_of_birth,
        has_credit_card=CardKind.CREDIT.value in kinds,
        has_debit_card=CardKind.DEBIT.value in kinds,
        has_email=bool(customer.email),
    )


def _balance(account: Account) -> AccountBalance:
    return AccountBalance(
        account_number=account.account_number,
        kind=AccountKind(account.kind),
        currency=account.currency,
        available_balance=account.available_balance,
    )


def _first_active_card(query: Select, customer_id: int, kind: CardKind) -> Select:
    """`query` (joined with `Card`) narrowed to the customer's first active card of `kind`."""
    return (query.where(Card.customer_id == customer_id, Card.kind == kind.value,
                        Card.status == CardStatus.ACTIVE.value)
            .order_by(Card.id).limit(1))


def _account_order(account: Account) -> tuple[int, int, int]:
    kind = 0 if account.kind == AccountKind.CURRENT.value else 1
    return (CURRENCIES.index(account.currency), kind, account.id)


def reject_secrets(context: Mapping[str, Any]) -> None:
    """Refuse hand-off context that could hold a PIN or a card number (keys or digit runs)."""
    for key, value in context.items():
        if str(key).lower() in _SECRET_KEYS:
            raise ValueError(f"hand-off context must not hold {key!r}")
        if isinstance(value, Mapping):
            reject_secrets(value)
        elif isinstance(value, list | tuple):
            reject_secrets({f"{key}[{i}]": item for i, item in enumerate(value)})
        elif _CARD_LIKE.search(str(value)):
            raise ValueError(f"hand-off context {key!r} looks like a card number")


class BankRepository:
    """Read and write queries on the bank database."""

    def __init__(self, sessions: SessionFactory, *, today: Callable[[], date] = date.today):
        self._sessions = sessions
        self._today = today

    def phone_owner(self, number: str | None) -> int | None:
        """The customer a phone number is registered to, or None (also for a withheld or
        malformed number); any form `validators.normalize_phone` accepts will do."""
        e164 = normalize_phone(number)
        if e164 is None:
            return None
        with self._sessions() as session:
            return session.scalar(select(PhoneNumber.customer_id).where(PhoneNumber.number == e164))

    def customer_id(self, customer_number: str, card_key: bytes) -> int | None:
        """The id of the customer with this 9-digit customer number, or None (the number is
        stored as its keyed hash under `card_key`, see `hashing.customer_number_digest`).

        Not a verification: to verify a caller use `Verifier.verify_customer_number`.
        """
        digest = customer_number_digest(customer_number, card_key)
        with self._sessions() as session:
            return session.scalar(
                select(Customer.id).where(Customer.customer_number_digest == digest)
            )

    def customer_facts(self, customer_id: int) -> CustomerFacts | None:
        with self._sessions() as session:
            return load_customer_facts(session, customer_id)

    def customer_email(self, customer_id: int) -> str | None:
        """The registered email address, or None (statements then cannot be sent)."""
        with self._sessions() as session:
            return session.scalar(select(Customer.email).where(Customer.id == customer_id))

    def linked_account(self, customer_id: int) -> AccountBalance | None:
        """The account linked to the customer's (first) active debit card, or None."""
        query = _first_active_card(select(Account).join(Card, Card.account_id == Account.id),
                                   customer_id, CardKind.DEBIT)
        with self._sessions() as session:
            account = session.scalar(query)
            return _balance(account) if account is not None else None

    def accounts(self, customer_id: int) -> tuple[AccountBalance, ...]:
        """Every current and savings account, in statement-menu currency order, current first."""
        with self._sessions() as session:
            rows = session.scalars(select(Account).where(Account.customer_id == customer_id))
            return tuple(_balance(a) for a in sorted(rows, key=_account_order))

    def _active_credit_card(self, session: Session, customer_id: int) -> Card | None:
        return session.scalar(_first_active_card(
            select(Card).join(CreditCardFacts, CreditCardFacts.card_id == Card.id),
            customer_id, CardKind.CREDIT))

    def credit_card_facts(self, customer_id: int) -> CreditCardSummary | None:
        """Limit and dues of the customer's (first) active credit card, or None."""
        with self._sessions() as session:
            card = self._active_credit_card(session, customer_id)
            if card is None:
                return None
            facts = card.credit
            return CreditCardSummary(
                last_four=card.last_four,
                approved_limit=facts.approved_limit,
                available_limit=facts.available_limit,
                amount_due=facts.amount_due,
                currency=facts.currency,
                statement_cutoff_on=facts.statement_cutoff_on,
                payment_due_on=facts.payment_due_on,
            )

    def card_transactions_since_cutoff(self, customer_id: int) -> tuple[Transaction, ...]:
        """Transactions of the active credit card after its latest statement cut-off day,
        oldest first (spec 4.2.1, keys 2 and 3)."""
        with self._sessions() as session:
            card = self._active_credit_card(session, customer_id)
            if card is None:
                return ()
            since = start_of_day(card.credit.statement_cutoff_on + timedelta(days=1))
            rows = session.scalars(
                select(CardTransaction)
                .where(CardTransaction.card_id == card.id, CardTransaction.posted_at >= since)
                .order_by(CardTransaction.posted_at, CardTransaction.id)
            )
            return tuple(Transaction(t.posted_at, t.amount, t.currency, t.merchant) for t in rows)

    def last_card_transaction(self, customer_id: int) -> Transaction | None:
        """The latest credit-card transaction after the statement cut-off, or None."""
        transactions = self.card_transactions_since_cutoff(customer_id)
        return transactions[-1] if transactions else None

    def account_transactions(
        self,
        customer_id: int,
        currency: str,
        start: date | None = None,
        end: date | None = None,
    ) -> tuple[Transaction, ...]:
        """Movements of the customer's accounts in `currency` from `start` to `end` (days in
        Tirana, both included; by default the last STATEMENT_DAYS days), oldest first."""
        end = end or self._today()
        start = start or end - timedelta(days=STATEMENT_DAYS)
        query = (
            select(AccountTransaction)
            .join(Account, Account.id == AccountTransaction.account_id)
            .where(
                Account.customer_id == customer_id,
                Account.currency == currency,
                AccountTransaction.posted_at >= start_of_day(start),
                AccountTransaction.posted_at < start_of_day(end + timedelta(days=1)),
            )
            .order_by(AccountTransaction.posted_at, AccountTransaction.id)
        )
        with self._sessions() as session:
            return tuple(
                Transaction(t.posted_at, t.amount, t.currency, t.description)
                for t in session.scalars(query)
            )

    def record_complaint(
        self,
        *,
        channel: Channel | str,
        summary: str,
        customer_id: int | None = None,
        caller_number: str | None = None,
    ) -> str:
        """Store a complaint; returns its reference (`ANK-000123`) to read back to the caller."""
        with self._sessions() as session, session.begin():
            complaint = Complaint(
                reference=f"pending-{secrets.token_hex(6)}",
                customer_id=customer_id,
                caller_number=caller_number,
                channel=Channel(channel).value,
                summary=summary,
            )
            session.add(complaint)
            session.flush()
            complaint.reference = f"{COMPLAINT_PREFIX}{complaint.id:06d}"
            return complaint.reference

    def record_handoff(
        self,
        queue: HandoffQueue | str,
        reason: str,
        context: Mapping[str, Any],
        *,
        channel: Channel | str,
        customer_id: int | None = None,
        caller_number: str | None = None,
        conversation_id: str | None = None,
    ) -> int:
        """Store a hand-off to `queue` ('agent' or 'pos_support'); returns its id.

        `context` (JSON for the agent's screen) is refused if it could hold a PIN or a card
        number. With `conversation_id` it goes on the agent desk (bot/bank/contact_center.py),
        found by the reference a phone transfer carries.
        """
        reject_secrets(context)
        with self._sessions() as session, session.begin():
            handoff = HandoffRecord(
                queue=HandoffQueue(queue).value,
                reason=reason,
                customer_id=customer_id,
                caller_number=caller_number,
                channel=Channel(channel).value,
                context=json.dumps(dict(context), ensure_ascii=False, sort_keys=True, default=str),
            )
            session.add(handoff)
            session.flush()
            if conversation_id:
                session.add(HandoffDesk(handoff_id=handoff.id, conversation_id=conversation_id,
                                        reference=conversation_reference(conversation_id)))
            return handoff.id
