"""The bank's tables (SQLAlchemy ORM, declarative with `Column`).

Portable between SQLite (the default) and PostgreSQL: money is `Money` (NUMERIC(18, 2); integer
minor units on SQLite, which has no exact decimal type), times are `UTCDateTime` (timezone-aware
UTC in and out), strings have explicit lengths, every constraint and index is named.

Secrets are never stored in clear: a card is kept as `number_digest` (keyed hash) and
`last_four`, a PIN only as `pin_hash` (peppered, salted scrypt), a customer number only as
`customer_number_digest` (keyed hash); see `bot.bank.hashing`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator, TypeEngine

from bot.bank.access import CardKind, Channel
from bot.payloads import HandoffQueue  # the queues are defined with the hand-off payload

# The seven statement currencies, in the order of the statement-currency menu (spec 4.2.2).
CURRENCIES = ("ALL", "EUR", "USD", "GBP", "CHF", "AUD", "CAD")
MONEY_SCALE = Decimal("0.01")
# Calendar days (statement cut-off, statement periods, age) are the bank's days in Tirana.
BANK_TIMEZONE = ZoneInfo("Europe/Tirane")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class Language(StrEnum):
    SQ = "sq"
    EN = "en"


class Segment(StrEnum):
    INDIVIDUAL = "individual"
    BUSINESS = "business"


class CardStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    LOST = "lost"


class AccountKind(StrEnum):
    CURRENT = "current"
    SAVINGS = "savings"


class HandoffStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    CLOSED = "closed"


def one_of(column: str, values: tuple[str, ...] | type[StrEnum]) -> str:
    """SQL for a CHECK that `column` holds one of `values`."""
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({listed})"


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime, stored as UTC; naive datetimes are refused.

    PostgreSQL keeps `timestamp with time zone`; SQLite keeps the UTC wall time as text, which
    is read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: give a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator):
    """An exact amount with two decimals: NUMERIC(18, 2), or integer cents on SQLite.

    Amounts with more than two decimals are refused rather than rounded.
    """

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> object:
        if value is None:
            return None
        amount = Decimal(value)
        if amount != amount.quantize(MONEY_SCALE):
            raise ValueError("an amount has at most two decimals")
        amount = amount.quantize(MONEY_SCALE)
        return int(amount * 100) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(MONEY_SCALE)
        return Decimal(value).quantize(MONEY_SCALE)


CHANNELS = tuple(Channel)
CARD_KINDS = tuple(CardKind)


class Customer(Base):
    """A customer of the bank. Individuals have a date of birth; a business may have none.

    The customer number is kept only as a keyed hash (`hashing.customer_number_digest`): it is
    looked up by the number a caller keys in, never shown."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(one_of("language", Language), name="language"),
        CheckConstraint(one_of("segment", Segment), name="segment"),
        CheckConstraint(
            "segment = 'business' OR date_of_birth IS NOT NULL", name="individual_born"
        ),
    )

    id = Column(Integer, primary_key=True)
    customer_number_digest = Column(String(64), nullable=False, unique=True)
    full_name = Column(String(120), nullable=False)
    date_of_birth = Column(Date, nullable=True)
    email = Column(String(254), nullable=True)
    language = Column(String(2), nullable=False, default=Language.SQ.value)
    segment = Column(String(10), nullable=False, default=Segment.INDIVIDUAL.value)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)

    phones = relationship("PhoneNumber", back_populates="customer")
    accounts = relationship("Account", back_populates="customer")
    cards = relationship("Card", back_populates="customer")


class PhoneNumber(Base):
    """A phone number (E.164) registered at the bank to one customer."""

    __tablename__ = "phone_numbers"
    __table_args__ = (
        CheckConstraint("number LIKE '+%'", name="e164"),
        Index("ix_phone_numbers_customer_id", "customer_id"),
    )

    id = Column(Integer, primary_key=True)
    number = Column(String(16), nullable=False, unique=True)
    customer_id = Column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)

    customer = relationship("Customer", back_populates="phones")


class Account(Base):
    """A current or savings account in one of the statement currencies."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(one_of("kind", AccountKind), name="kind"),
        CheckConstraint(one_of("currency", CURRENCIES), name="currency"),
        Index("ix_accounts_customer_id", "customer_id"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)
    account_number = Column(String(34), nullable=False, unique=True)
    kind = Column(String(10), nullable=False)
    currency = Column(String(3), nullable=False)
    available_balance = Column(Money, nullable=False)

    customer = relationship("Customer", back_populates="accounts")


class Card(Base):
    """A debit or credit card: number as keyed hash + last four, PIN as salted hash.

    `failed_pin_attempts` counts wrong PINs in a row; `self_service_locked_at` is set when the
    count reaches the limit and the card can no longer be used to verify with the assistant.
    A debit card is linked to an account; a credit card is not.
    """

    __tablename__ = "cards"
    __table_args__ = (
        CheckConstraint(one_of("kind", CARD_KINDS), name="kind"),
        CheckConstraint(one_of("status", CardStatus), name="status"),
        CheckConstraint(
            "(kind = 'debit' AND account_id IS NOT NULL)"
            " OR (kind = 'credit' AND account_id IS NULL)",
            name="debit_linked",
        ),
        CheckConstraint("failed_pin_attempts >= 0", name="attempts"),
        Index("ix_cards_customer_id", "customer_id"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customers.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(6), nullable=False)
    status = Column(String(8), nullable=False, default=CardStatus.ACTIVE.value)
    number_digest = Column(String(64), nullable=False, unique=True)
    last_four = Column(String(4), nullable=False)
    pin_hash = Column(String(160), nullable=False)
    failed_pin_attempts = Column(Integer, nullable=False, default=0)
    self_service_locked_at = Column(UTCDateTime, nullable=True)
    account_id = Column(ForeignKey("accounts.id", ondelete="RESTRICT"), nullable=True)

    customer = relationship("Customer", back_populates="cards")
    account = relationship("Account")
    credit = relationship("CreditCardFacts", back_populates="card", uselist=False)


class CreditCardFacts(Base):
    """What the card menu reads about a credit card (spec 4.2.1, key 1)."""

    __tablename__ = "credit_card_facts"
    __table_args__ = (
        CheckConstraint(one_of("currency", CURRENCIES), name="currency"),
        CheckConstraint("approved_limit >= 0", name="limit"),
        CheckConstraint("payment_due_on >= statement_cutoff_on", name="due_after_cutoff"),
    )

    card_id = Column(ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True)
    approved_limit = Column(Money, nullable=False)
    available_limit = Column(Money, nullable=False)
    amount_due = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    statement_cutoff_on = Column(Date, nullable=False)
    payment_due_on = Column(Date, nullable=False)

    card = relationship("Card", back_populates="credit")


class CardTransaction(Base):
    """A posted card transaction: `amount` is what was charged (positive), a refund negative."""

    __tablename__ = "card_transactions"
    __table_args__ = (Index("ix_card_transactions_card_id_posted_at", "card_id", "posted_at"),)

    id = Column(Integer, primary_key=True)
    card_id = Column(ForeignKey("cards.id", ondelete="CASCADE"), nullable=False)
    posted_at = Column(UTCDateTime, nullable=False)
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    merchant = Column(String(120), nullable=False)

    card = relationship("Card")


class AccountTransaction(Base):
    """A posted account movement: positive is money in, negative money out."""

    __tablename__ = "account_transactions"
    __table_args__ = (
        Index("ix_account_transactions_account_id_posted_at", "account_id", "posted_at"),
    )

    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    posted_at = Column(UTCDateTime, nullable=False)
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    description = Column(String(140), nullable=False)

    account = relationship("Account")


class Complaint(Base):
    """A complaint taken by the assistant; `reference` (ANK-000123) is read back to the caller."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        Index("ix_complaints_customer_id", "customer_id"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    customer_id = Column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    caller_number = Column(String(16), nullable=True)
    channel = Column(String(8), nullable=False)
    summary = Column(String(2000), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)


class HandoffRecord(Base):
    """A conversation passed to a person: an agent or POS technical support.

    `context` is JSON text for the agent's screen (what the caller asked, where they were);
    it never holds a PIN or a full card number.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint(one_of("queue", HandoffQueue), name="queue"),
        CheckConstraint(one_of("status", HandoffStatus), name="status"),
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        Index("ix_handoffs_queue_status", "queue", "status"),
    )

    id = Column(Integer, primary_key=True)
    queue = Column(String(16), nullable=False)
    reason = Column(String(64), nullable=False)
    customer_id = Column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    caller_number = Column(String(16), nullable=True)
    channel = Column(String(8), nullable=False)
    context = Column(Text, nullable=False, default="{}")
    status = Column(String(8), nullable=False, default=HandoffStatus.OPEN.value)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)


class DeskSpeaker(StrEnum):
    CUSTOMER = "customer"
    ASSISTANT = "assistant"
    AGENT = "agent"


class HandoffDesk(Base):
    """The agent desk's side of a hand-off: the conversation it came from, the one-way
    reference a phone transfer carries to the agent's phone (`bot.payloads.
    conversation_reference`), and the agent holding it (`handoffs.status` says open, taken or
    closed). A table of its own, so that `create_all` adds it to an existing database."""

    __tablename__ = "handoff_desk"
    __table_args__ = (
        Index("ix_handoff_desk_conversation_id", "conversation_id"),
        Index("ix_handoff_desk_reference", "reference"),
    )

    handoff_id = Column(ForeignKey("handoffs.id", ondelete="CASCADE"), primary_key=True)
    conversation_id = Column(String(64), nullable=False)
    reference = Column(String(32), nullable=False)
    agent = Column(String(32), nullable=True)
    taken_at = Column(UTCDateTime, nullable=True)
    closed_at = Column(UTCDateTime, nullable=True)


class HandoffLine(Base):
    """A line of a handed-off conversation after the hand-off (customer, assistant or agent),
    masked like the tracker store before it is stored."""

    __tablename__ = "handoff_lines"
    __table_args__ = (
        CheckConstraint(one_of("who", DeskSpeaker), name="who"),
        Index("ix_handoff_lines_handoff_id", "handoff_id"),
    )

    id = Column(Integer, primary_key=True)
    handoff_id = Column(ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False)
    who = Column(String(9), nullable=False)
    agent = Column(String(32), nullable=True)
    text = Column(String(1000), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utc_now)


class DeskAgent(Base):
    """An agent desk account: a slow password hash (scrypt), and the failed sign-ins in a row
    that lock it for a while (bot/agentdesk/accounts.py)."""

    __tablename__ = "desk_agents"

    id = Column(Integer, primary_key=True)
    name = Column(String(32), nullable=False, unique=True)
    password_hash = Column(String(200), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)


class DeskSignInFailure(Base):
    """Failed sign-ins per name (any name, so that a lock says nothing of which names exist)."""

    __tablename__ = "desk_sign_in_failures"

    name = Column(String(64), primary_key=True)
    count = Column(Integer, nullable=False, default=0)
    since = Column(UTCDateTime, nullable=False, default=utc_now)


class DeskSignIn(Base):
    """A signed-in agent: the SHA-256 of the cookie's random token, never the token itself."""

    __tablename__ = "desk_sign_ins"
    __table_args__ = (Index("ix_desk_sign_ins_expires_at", "expires_at"),)

    token_hash = Column(String(64), primary_key=True)
    agent_id = Column(ForeignKey("desk_agents.id", ondelete="CASCADE"), nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)


class WebChatSession(Base):
    """A web chat conversation and the SHA-256 of the secret only its browser tab holds
    (bot/channels/web_sessions.py); the hand-off it is in, if any."""

    __tablename__ = "web_chat_sessions"
    __table_args__ = (Index("ix_web_chat_sessions_last_active", "last_active"),)

    id = Column(String(40), primary_key=True)
    secret_hash = Column(String(64), nullable=False)
    language = Column(String(2), nullable=False, default=Language.SQ.value)
    last_active = Column(UTCDateTime, nullable=False)
    handoff_id = Column(ForeignKey("handoffs.id", ondelete="SET NULL"), nullable=True)


DESK_TABLES = ("handoff_desk", "handoff_lines", "desk_agents", "desk_sign_in_failures",
               "desk_sign_ins", "web_chat_sessions")


class VerificationAttempt(Base):
    """The audit log: one row per verification attempt with its real outcome.

    Never a PIN or a full card number: the card is identified by its last four digits only.
    """

    __tablename__ = "verification_attempts"
    __table_args__ = (
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        Index("ix_verification_attempts_attempted_at", "attempted_at"),
        Index("ix_verification_attempts_customer_id", "customer_id"),
    )

    id = Column(Integer, primary_key=True)
    attempted_at = Column(UTCDateTime, nullable=False, default=utc_now)
    channel = Column(String(8), nullable=False)
    caller_number = Column(String(16), nullable=True)
    method = Column(String(16), nullable=False)
    outcome = Column(String(48), nullable=False)
    customer_id = Column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)
    card_last_four = Column(String(4), nullable=True)


class GuessSubject(StrEnum):
    """Whose customer-number guesses are counted: the calling number's, or the customer's."""

    PHONE = "phone"
    CUSTOMER = "customer"


class CustomerNumberGuard(Base):
    """Wrong customer numbers in a row, per calling number and per customer (the line's owner).

    Bounded like PINs: after `lock_after` wrong numbers in a row, counted across conversations,
    `locked_at` is set and the customer number is no longer accepted from that number, nor for
    that customer from any number (card + PIN still works); a right number resets the count.
    Only an operator unlocks (clears `locked_at` and the count). A table of its own, so that
    `create_all` adds it to an existing database.
    """

    __tablename__ = "customer_number_guards"
    __table_args__ = (
        CheckConstraint(one_of("subject_kind", GuessSubject), name="subject_kind"),
        Index("uq_customer_number_guards_subject", "subject_kind", "subject", unique=True),
    )

    id = Column(Integer, primary_key=True)
    subject_kind = Column(String(8), nullable=False)
    subject = Column(String(16), nullable=False)  # E.164 number or customer id
    failed_attempts = Column(Integer, nullable=False, default=0)
    locked_at = Column(UTCDateTime, nullable=True)
