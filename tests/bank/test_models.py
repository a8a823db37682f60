"""The bank schema: round trips, constraints, portability (SQLite file, PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from bot.bank.access import CardKind, ServiceMenu
from bot.bank.db import (
    DatabaseNotEmptyError,
    create_schema,
    drop_schema,
    init_database,
    make_engine,
    session_factory,
)
from bot.bank.demo import DEMO_CUSTOMERS, demo_customer
from bot.bank.hashing import card_digest, customer_number_digest, hash_pin, last_four, verify_pin
from bot.bank.models import (
    BANK_TIMEZONE,
    CURRENCIES,
    Account,
    AccountTransaction,
    Base,
    Card,
    CardTransaction,
    Complaint,
    CreditCardFacts,
    Customer,
    HandoffRecord,
    PhoneNumber,
    VerificationAttempt,
)
from bot.bank.repository import BankRepository
from bot.bank.validators import luhn_valid
from bot.bank.verification import NOT_VERIFIED, Verifier
from bot.i18n.currencies import CURRENCY_CODES
from tests.bank.conftest import CARD_KEY, TODAY

CARD = "4278301147025190"


@pytest.fixture()
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'bank.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def _customer(number: str = "123456789", **fields) -> Customer:
    values = {
        "customer_number_digest": customer_number_digest(number, CARD_KEY),
        "full_name": "Test Klienti",
        "date_of_birth": date(1980, 2, 29),
        "email": "test@example.al",
        "language": "sq",
        "segment": "individual",
    }
    values.update(fields)
    return Customer(**values)


def _debit_card(customer: Customer, account: Account, number: str = CARD) -> Card:
    return Card(
        customer=customer,
        kind="debit",
        status="active",
        number_digest=card_digest(number, CARD_KEY),
        last_four=last_four(number),
        pin_hash=hash_pin("7359", CARD_KEY),
        account=account,
    )


def _account(customer: Customer, number: str = "AL00TEST1", balance: str = "10.00") -> Account:
    return Account(
        customer=customer,
        account_number=number,
        kind="current",
        currency="ALL",
        available_balance=Decimal(balance),
    )


def test_every_table_round_trips(engine) -> None:
    posted = datetime(2026, 3, 1, 0, 30, tzinfo=BANK_TIMEZONE)  # 23:30 UTC the day before
    with Session(engine, future=True) as session, session.begin():
        customer = _customer()
        account = _account(customer, balance="9999999999999999.99")
        card = _debit_card(customer, account)
        credit = Card(
            customer=customer,
            kind="credit",
            status="blocked",
            number_digest=card_digest("5412753011842635", CARD_KEY),
            last_four="2635",
            pin_hash=hash_pin("6274", CARD_KEY),
            self_service_locked_at=posted,
            failed_pin_attempts=3,
        )
        credit.credit = CreditCardFacts(
            approved_limit=Decimal("300000.00"),
            available_limit=Decimal("-12.34"),
            amount_due=Decimal("0.01"),
            currency="EUR",
            statement_cutoff_on=date(2026, 2, 28),
            payment_due_on=date(2026, 3, 25),
        )
        session.add_all(
            [
                PhoneNumber(number="+355694102031", customer=customer),
                CardTransaction(
                    card=credit,
                    posted_at=posted,
                    amount=Decimal("12.50"),
                    currency="EUR",
                    merchant="Spar Durrës",
                ),
                AccountTransaction(
                    account=account,
                    posted_at=posted,
                    amount=Decimal("-0.05"),
                    currency="ALL",
                    description="Tërheqje ATM",
                ),
                card,
                Complaint(
                    reference="ANK-000001", customer_id=None, channel="web", summary="ç ë 😀"
                ),
                HandoffRecord(
                    queue="pos_support",
                    reason="pos_support",
                    channel="voice",
                    caller_number="+355694102031",
                    context=json.dumps({"menu": "business"}),
                ),
                VerificationAttempt(
                    channel="voice", method="card_pin", outcome="wrong_pin", card_last_four="5190"
                ),
            ]
        )
    with Session(engine, future=True) as session:
        customer = session.scalars(select(Customer)).one()
        assert customer.date_of_birth == date(1980, 2, 29)
        assert customer.created_at.tzinfo is UTC
        assert [p.number for p in customer.phones] == ["+355694102031"]
        assert customer.accounts[0].available_balance == Decimal("9999999999999999.99")
        cards = {c.kind: c for c in customer.cards}
        assert verify_pin("7359", cards["debit"].pin_hash, CARD_KEY)
        assert cards["debit"].account is customer.accounts[0]
        assert cards["debit"].failed_pin_attempts == 0
        assert cards["credit"].self_service_locked_at == posted
        assert cards["credit"].self_service_locked_at.tzinfo is UTC
        facts = cards["credit"].credit
        assert (facts.approved_limit, facts.available_limit, facts.amount_due) == (
            Decimal("300000.00"),
            Decimal("-12.34"),
            Decimal("0.01"),
        )
        assert str(facts.amount_due) == "0.01"
        transaction = session.scalars(select(CardTransaction)).one()
        assert transaction.posted_at == datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
        assert session.scalars(select(AccountTransaction)).one().amount == Decimal("-0.05")
        assert session.scalars(select(Complaint)).one().summary == "ç ë 😀"
        handoff = session.scalars(select(HandoffRecord)).one()
        assert (handoff.status, json.loads(handoff.context)) == ("open", {"menu": "business"})
        attempt = session.scalars(select(VerificationAttempt)).one()
        assert attempt.attempted_at.tzinfo is UTC
        assert datetime.now(UTC) - attempt.attempted_at < timedelta(minutes=5)


def test_money_refuses_a_third_decimal_and_times_refuse_naive(engine) -> None:
    with Session(engine, future=True) as session:
        customer = _customer()
        session.add(_account(customer, balance="1.005"))
        with pytest.raises(StatementError, match="two decimals"):
            session.flush()
    with Session(engine, future=True) as session:
        customer = _customer()
        account = _account(customer)
        session.add(
            AccountTransaction(
                account=account,
                posted_at=datetime(2026, 3, 1, 12, 0),
                amount=Decimal("1"),
                currency="ALL",
                description="x",
            )
        )
        with pytest.raises(StatementError, match="naive"):
            session.flush()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda c, a: [_customer("123456789", full_name="Twin")], id="customer-number"),
        pytest.param(
            lambda c, a: [PhoneNumber(number="+355694102031", customer=_customer("987654321"))],
            id="phone",
        ),
        pytest.param(lambda c, a: [_debit_card(c, a)], id="card-digest"),
        pytest.param(
            lambda c, a: [
                Account(
                    customer=c,
                    account_number="AL00TEST2",
                    kind="current",
                    currency="JPY",
                    available_balance=Decimal("1.00"),
                )
            ],
            id="currency",
        ),
        pytest.param(lambda c, a: [_customer("111111111", language="de")], id="language"),
        pytest.param(
            lambda c, a: [_customer("111111111", date_of_birth=None)], id="individual-born"
        ),
        pytest.param(
            lambda c, a: [
                Card(
                    customer=c,
                    kind="debit",
                    status="active",
                    number_digest="0" * 64,
                    last_four="0000",
                    pin_hash="x",
                )
            ],
            id="debit-needs-account",
        ),
        pytest.param(lambda c, a: [_account(c, "AL00TEST1")], id="account-number"),
    ],
)
def test_constraints_hold(engine, make) -> None:
    with Session(engine, future=True) as session, session.begin():
        customer = _customer()
        account = _account(customer)
        session.add_all([customer, account, PhoneNumber(number="+355694102031", customer=customer)])
        session.add(_debit_card(customer, account))
    with Session(engine, future=True) as session:
        customer = session.scalars(select(Customer)).one()
        account = session.scalars(select(Account)).one()
        session.add_all(make(customer, account))
        with pytest.raises(IntegrityError):
            session.flush()


def test_sqlite_enforces_foreign_keys(engine) -> None:
    with Session(engine, future=True) as session:
        session.add(PhoneNumber(number="+355694100000", customer_id=999))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            session.flush()


def test_every_constraint_and_index_is_named(engine) -> None:
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        found = (
            inspector.get_unique_constraints(table.name)
            + inspector.get_foreign_keys(table.name)
            + inspector.get_indexes(table.name)
            + inspector.get_check_constraints(table.name)
        )
        assert all(item["name"] for item in found), table.name
    uniques = {u["name"] for u in inspector.get_unique_constraints("cards")}
    assert uniques == {"uq_cards_number_digest"}


def test_postgresql_ddl_uses_portable_types() -> None:
    ddl = "\n".join(
        str(CreateTable(table).compile(dialect=postgresql.dialect()))
        for table in Base.metadata.sorted_tables
    )
    assert "available_balance NUMERIC(18, 2) NOT NULL" in ddl
    assert "posted_at TIMESTAMP WITH TIME ZONE NOT NULL" in ddl
    assert "VARCHAR NOT NULL" not in ddl.replace("VARCHAR(", "")  # every string has a length
    assert "CONSTRAINT ck_cards_debit_linked CHECK" in ddl


def test_statement_currencies_match_the_menu() -> None:
    assert CURRENCIES == CURRENCY_CODES


def test_init_database_refuses_demo_on_a_bank_with_customers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    first = init_database(url, demo=True, reset=False, card_key=CARD_KEY, today=TODAY)
    assert first.customers == len(DEMO_CUSTOMERS)
    assert "verification_attempts" in first.tables
    with pytest.raises(DatabaseNotEmptyError):
        init_database(url, demo=True, reset=False, card_key=CARD_KEY, today=TODAY)
    again = init_database(url, demo=True, reset=True, card_key=CARD_KEY, today=TODAY)
    assert again.customers == len(DEMO_CUSTOMERS)
    assert init_database(url, demo=False, reset=True, card_key=CARD_KEY, today=TODAY).customers == 0


def test_drop_schema_removes_every_table(engine) -> None:
    drop_schema(engine)
    assert inspect(engine).get_table_names() == []


def test_demo_cards_are_well_formed() -> None:
    numbers = [card.number for c in DEMO_CUSTOMERS for card in c.cards]
    pins = [card.pin for c in DEMO_CUSTOMERS for card in c.cards]
    assert all(len(n) == 16 and luhn_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert len(set(pins)) == len(pins)
    assert all(len(p) == 4 and p.isdigit() for p in pins)
    under_age = demo_customer("under_age")
    assert under_age.date_of_birth(date(2024, 2, 29)) is not None


def test_demo_customers_are_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "demo-customers.md").read_text(encoding="utf-8")
    for customer in DEMO_CUSTOMERS:
        assert f"`{customer.key}`" in doc
        assert customer.customer_number in doc
        for card in customer.cards:
            assert f"{card.spaced} PIN {card.pin}" in doc


def test_schema_and_demo_bank_work_on_postgresql(postgres_url: str) -> None:
    """The same code on a real PostgreSQL server: schema, demo bank, queries, lockout."""
    report = init_database(postgres_url, demo=True, reset=True, card_key=CARD_KEY, today=TODAY)
    assert report.customers == len(DEMO_CUSTOMERS)
    sessions = session_factory(postgres_url)
    try:
        repository = BankRepository(sessions, today=lambda: TODAY)
        verifier = Verifier(sessions, CARD_KEY, today=lambda: TODAY)
        arben = demo_customer("registered_credit")
        line = verifier.caller_line("voice", arben.phone)
        credit = arben.card(CardKind.CREDIT)
        result = verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
        assert result.verified
        facts = repository.credit_card_facts(result.customer_id)
        assert facts.available_limit == Decimal("212450.50")
        last = repository.last_card_transaction(result.customer_id)
        assert (last.description, last.amount) == ("Big Market Tiranë", Decimal("6735.50"))
        assert last.posted_at.tzinfo is UTC
        for _ in range(3):
            assert (
                verifier.verify_card(line, credit.number, "1111", ServiceMenu.CARD)
                == NOT_VERIFIED
            )
        assert (
            verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
            == NOT_VERIFIED
        )
        assert repository.record_complaint(channel="voice", summary="x") == "ANK-000001"
    finally:
        sessions.kw["bind"].dispose()
        init_database(postgres_url, demo=False, reset=True, card_key=CARD_KEY, today=TODAY)
