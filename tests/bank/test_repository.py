"""The assistant's queries against the demo bank (a real SQLite file)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.bank.access import CustomerFacts
from bot.bank.demo import (
    DEMO_CUSTOMERS,
    DEMO_UNREGISTERED_PHONE,
    STATEMENT_CUTOFF_DAYS_AGO,
    demo_customer,
    statement_cutoff,
)
from bot.bank.models import BANK_TIMEZONE, CURRENCIES, AccountKind, Complaint, HandoffRecord
from bot.bank.repository import BankRepository
from tests.bank.conftest import TODAY, customer_id_of


def _local(days_ago: int, at: time) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), at, tzinfo=BANK_TIMEZONE)


def test_phone_owner(repository: BankRepository) -> None:
    registered = [c for c in DEMO_CUSTOMERS if c.phone]
    owners = {repository.phone_owner(c.phone) for c in registered}
    assert None not in owners and len(owners) == len(registered)
    arben = demo_customer("registered_credit")
    for spelling in ("0694102031", "00355694102031", "+355 69 410 2031", "sip:+355694102031@gw"):
        assert repository.phone_owner(spelling) == repository.phone_owner(arben.phone)
    assert repository.phone_owner("anonymous") is None
    assert repository.phone_owner(DEMO_UNREGISTERED_PHONE) is None
    assert repository.phone_owner(None) is None
    assert repository.phone_owner("") is None


@pytest.mark.parametrize(
    ("key", "credit", "debit", "email"),
    [
        ("registered_credit", True, True, True),
        ("registered_debit", False, True, True),
        ("registered_no_card", False, False, True),
        ("unregistered_credit", True, False, True),
        ("unregistered_debit", False, True, True),
        ("under_age", False, True, True),
        ("no_email", True, True, False),
        ("blocked_card", False, True, True),  # blocked credit and lost debit do not count
        ("all_currencies", False, True, True),
    ],
)
def test_customer_facts(
    repository: BankRepository, key: str, credit: bool, debit: bool, email: bool
) -> None:
    customer_id = customer_id_of(repository, key)
    facts = repository.customer_facts(customer_id)
    assert facts == CustomerFacts(
        customer_id=customer_id,
        date_of_birth=demo_customer(key).date_of_birth(TODAY),
        has_credit_card=credit,
        has_debit_card=debit,
        has_email=email,
    )


def test_customer_facts_of_a_business_or_nobody_are_none(repository: BankRepository) -> None:
    assert repository.customer_facts(customer_id_of(repository, "business")) is None
    assert repository.customer_facts(987654) is None


def test_customer_email(repository: BankRepository) -> None:
    assert repository.customer_email(customer_id_of(repository, "registered_credit")) == (
        "arben.hoxha@example.al"
    )
    assert repository.customer_email(customer_id_of(repository, "no_email")) is None


def test_linked_account_is_the_debit_cards_account(repository: BankRepository) -> None:
    linked = repository.linked_account(customer_id_of(repository, "registered_credit"))
    assert linked is not None
    assert (linked.kind, linked.currency, linked.available_balance) == (
        AccountKind.CURRENT,
        "ALL",
        Decimal("185400.00"),
    )
    assert repository.linked_account(
        customer_id_of(repository, "blocked_card")
    ).available_balance == (Decimal("55120.00"))
    # Resolution R2: no card, no linked account; a credit card alone has no linked account.
    assert repository.linked_account(customer_id_of(repository, "registered_no_card")) is None
    assert repository.linked_account(customer_id_of(repository, "unregistered_credit")) is None


def test_accounts_in_all_seven_currencies(repository: BankRepository) -> None:
    accounts = repository.accounts(customer_id_of(repository, "all_currencies"))
    assert [(a.currency, a.kind) for a in accounts] == [
        (currency, kind) for currency in CURRENCIES for kind in AccountKind
    ]
    assert accounts[0].available_balance == Decimal("243560.00")
    assert accounts[-1].available_balance == Decimal("4150.00")
    assert all(isinstance(a.available_balance, Decimal) for a in accounts)
    assert all(a.account_number.startswith("AL") and len(a.account_number) == 28 for a in accounts)
    assert repository.accounts(987654) == ()


def test_credit_card_facts(repository: BankRepository) -> None:
    facts = repository.credit_card_facts(customer_id_of(repository, "registered_credit"))
    assert facts is not None
    assert (facts.approved_limit, facts.available_limit, facts.amount_due, facts.currency) == (
        Decimal("300000.00"),
        Decimal("212450.50"),
        Decimal("87549.50"),
        "ALL",
    )
    assert facts.last_four == "2635"
    assert facts.statement_cutoff_on == TODAY - timedelta(days=STATEMENT_CUTOFF_DAYS_AGO)
    assert facts.payment_due_on > facts.statement_cutoff_on
    # Only an active credit card has facts to read.
    assert repository.credit_card_facts(customer_id_of(repository, "blocked_card")) is None
    assert repository.credit_card_facts(customer_id_of(repository, "registered_debit")) is None


def test_card_transactions_after_the_cutoff(repository: BankRepository) -> None:
    transactions = repository.card_transactions_since_cutoff(
        customer_id_of(repository, "registered_credit")
    )
    assert [(t.description, t.amount, t.currency) for t in transactions] == [
        ("Vodafone Albania", Decimal("2200.00"), "ALL"),
        ("Air Albania", Decimal("18400.00"), "ALL"),
        ("Big Market Tiranë", Decimal("6735.50"), "ALL"),
    ]
    # 00:30 in Tirana the day after the cut-off is still the cut-off day in UTC: it counts.
    first = transactions[0].posted_at
    assert first == _local(STATEMENT_CUTOFF_DAYS_AGO - 1, time(0, 30))
    assert first.astimezone(UTC).date() == statement_cutoff(TODAY)
    assert transactions[0].day == statement_cutoff(TODAY) + timedelta(days=1)
    assert all(t.posted_at.tzinfo is UTC for t in transactions)


def test_card_transactions_include_foreign_currency(repository: BankRepository) -> None:
    transactions = repository.card_transactions_since_cutoff(
        customer_id_of(repository, "unregistered_credit")
    )
    assert ("Booking.com Amsterdam", Decimal("84.00"), "EUR") in [
        (t.description, t.amount, t.currency) for t in transactions
    ]
    assert (
        repository.card_transactions_since_cutoff(customer_id_of(repository, "registered_debit"))
        == ()
    )


def test_last_card_transaction(repository: BankRepository) -> None:
    last = repository.last_card_transaction(customer_id_of(repository, "registered_credit"))
    assert last is not None
    assert (last.description, last.amount, last.currency) == (
        "Big Market Tiranë",
        Decimal("6735.50"),
        "ALL",
    )
    assert last.posted_at == _local(2, time(19, 45))
    assert last.day == TODAY - timedelta(days=2)
    assert repository.last_card_transaction(customer_id_of(repository, "registered_debit")) is None


def test_account_transactions_for_a_currency_over_a_period(repository: BankRepository) -> None:
    customer_id = customer_id_of(repository, "all_currencies")
    everything = repository.account_transactions(customer_id, "ALL")  # last 90 days
    assert len(everything) == 8  # six current-account movements and two savings movements
    assert [t.posted_at for t in everything] == sorted(t.posted_at for t in everything)
    assert everything[0].amount == Decimal("115000.00")  # salary, in lek
    # Both ends are days in Tirana, both included: the interest is at 00:05, 15 days ago.
    month = repository.account_transactions(customer_id, "ALL", TODAY - timedelta(days=15), TODAY)
    assert [t.description for t in month] == ["Interes", "Transfertë hyrëse", "UKT ujë i pijshëm"]
    assert month[0].posted_at.astimezone(UTC).date() == TODAY - timedelta(days=16)
    later = repository.account_transactions(customer_id, "ALL", TODAY - timedelta(days=14), TODAY)
    assert "Interes" not in [t.description for t in later]
    usd = repository.account_transactions(customer_id, "USD", TODAY - timedelta(days=30), TODAY)
    assert {t.currency for t in usd} == {"USD"}
    assert Decimal("-42.15") in [t.amount for t in usd]
    assert (
        repository.account_transactions(customer_id_of(repository, "registered_debit"), "CHF") == ()
    )


def test_record_complaint_gives_sequential_references(repository: BankRepository, sessions) -> None:
    customer_id = customer_id_of(repository, "registered_credit")
    first = repository.record_complaint(
        channel="voice", summary="Ankesë", customer_id=customer_id, caller_number="+355694102031"
    )
    second = repository.record_complaint(channel="web", summary="Complaint")
    assert (first, second) == ("ANK-000001", "ANK-000002")
    with sessions() as session:
        stored = session.scalars(select(Complaint).order_by(Complaint.id)).all()
        assert [(c.reference, c.customer_id, c.caller_number, c.channel) for c in stored] == [
            ("ANK-000001", customer_id, "+355694102031", "voice"),
            ("ANK-000002", None, None, "web"),
        ]


def test_record_handoff_stores_context_as_json(repository: BankRepository, sessions) -> None:
    handoff_id = repository.record_handoff(
        "pos_support",
        "pos_support",
        {"menu": "business", "language": "sq", "card_last_four": "5190", "note": "POS nuk punon"},
        channel="voice",
        caller_number="+355694102104",
    )
    with sessions() as session:
        handoff = session.get(HandoffRecord, handoff_id)
        assert (handoff.queue, handoff.status, handoff.channel) == ("pos_support", "open", "voice")
        assert json.loads(handoff.context)["note"] == "POS nuk punon"


@pytest.mark.parametrize(
    "context",
    [
        {"pin": "7359"},
        {"said": "my card is 4278 3011 4702 5190"},
        {"history": ["hello", {"digits": "4278301147025190"}]},
    ],
)
def test_record_handoff_refuses_secrets(repository: BankRepository, sessions, context) -> None:
    with pytest.raises(ValueError, match="must not hold|card number"):
        repository.record_handoff("agent", "talk_to_agent", context, channel="web")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(HandoffRecord)) == 0


def test_record_handoff_refuses_unknown_queue(repository: BankRepository) -> None:
    with pytest.raises(ValueError):
        repository.record_handoff("sales", "x", {}, channel="voice")
