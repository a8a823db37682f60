"""Verification against the demo bank: every row of the access table (spec section 2), the
one answer for every failed card check, lockout, and the audit log."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict

import pytest
from sqlalchemy import select

from bot.bank.access import (
    CallerLine,
    CardKind,
    Channel,
    Refusal,
    Service,
    ServiceMenu,
    service_refusal,
)
from bot.bank.db import DatabaseLimits, make_engine, session_factory
from bot.bank.demo import (
    DEMO_CUSTOMERS,
    DEMO_OTHER_CUSTOMERS_NUMBER,
    DEMO_UNKNOWN_CARD,
    DEMO_UNREGISTERED_PHONE,
    DemoCard,
    demo_customer,
)
from bot.bank.hashing import card_digest
from bot.bank.models import Card, CardStatus, PhoneNumber, VerificationAttempt
from bot.bank.repository import BankRepository
from bot.bank.validators import InputProblem
from bot.bank.verification import NOT_VERIFIED, VerificationResult, Verifier
from tests.bank.conftest import customer_id_of

CARD_SERVICES = {
    Service.CREDIT_LIMIT,
    Service.LAST_CARD_TRANSACTION,
    Service.CARD_TRANSACTIONS_EMAIL,
}
NO_CARD_ACCOUNTS = {Service.ALL_BALANCES, Service.BALANCES_EMAIL, Service.STATEMENT_EMAIL}
DEBIT_ACCOUNTS = NO_CARD_ACCOUNTS | {Service.LINKED_BALANCE}
EVERYTHING = CARD_SERVICES | DEBIT_ACCOUNTS

ARBEN = demo_customer("registered_credit")
ELIRA = demo_customer("registered_debit")
GENTIAN = demo_customer("registered_no_card")
MIRELA = demo_customer("unregistered_credit")
ILIR = demo_customer("unregistered_debit")
SARA = demo_customer("under_age")
BESNIK = demo_customer("no_email")
LINDITA = demo_customer("blocked_card")
ERION = demo_customer("all_currencies")
KOLA_TRADE = demo_customer("business")


def wrong_pin(card: DemoCard) -> str:
    return "8888" if card.pin != "8888" else "9999"


def line_of(verifier: Verifier, phone: str | None, channel: Channel = Channel.VOICE) -> CallerLine:
    return verifier.caller_line(channel, phone)


def audit(sessions) -> list[tuple[str, str, int | None, str | None]]:
    with sessions() as session:
        rows = session.scalars(select(VerificationAttempt).order_by(VerificationAttempt.id))
        return [(r.method, r.outcome, r.customer_id, r.card_last_four) for r in rows]


def stored_card(sessions, card: DemoCard, key: bytes) -> Card:
    with sessions() as session:
        return session.scalars(
            select(Card).where(Card.number_digest == card_digest(card.number, key))
        ).one()


def assert_granted(result: VerificationResult, services: set[Service], refusal=None) -> None:
    assert result.verified
    assert result.problem is None
    assert result.decision is not None
    assert set(result.decision.services) == services
    assert result.refusal is refusal


def assert_refused(result: VerificationResult, refusal: Refusal) -> None:
    """A right proof that gets nothing: nothing about the customer in the answer."""
    assert result.decision is not None and not result.decision.services
    assert result.refusal is refusal
    assert (result.customer_id, result.card_kind, result.last_four) == (None, None, None)


# --- the caller's line ------------------------------------------------------------------------


def test_caller_line(verifier: Verifier, repository: BankRepository) -> None:
    arben_id = customer_id_of(repository, ARBEN.key)
    assert line_of(verifier, ARBEN.phone) == CallerLine(Channel.VOICE, ARBEN.phone, arben_id)
    national = "0" + ARBEN.phone.removeprefix("+355")
    assert line_of(verifier, national) == CallerLine(Channel.VOICE, ARBEN.phone, arben_id)
    assert line_of(verifier, f"<sip:{ARBEN.phone}@gw>").owner_id == arben_id
    assert line_of(verifier, DEMO_UNREGISTERED_PHONE) == CallerLine(
        Channel.VOICE, DEMO_UNREGISTERED_PHONE, None
    )
    assert line_of(verifier, "anonymous") == CallerLine(Channel.VOICE, None, None)
    assert line_of(verifier, None) == CallerLine(Channel.VOICE, None, None)
    # A web user never has caller ID, whatever number the session carries.
    assert line_of(verifier, ARBEN.phone, Channel.WEB) == CallerLine(Channel.WEB, None, None)


# --- every row of the access table ------------------------------------------------------------


def test_registered_number_credit_card_gets_everything(verifier: Verifier, repository) -> None:
    line = line_of(verifier, ARBEN.phone)
    credit = ARBEN.card(CardKind.CREDIT)
    result = verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
    assert_granted(result, EVERYTHING)
    assert result.customer_id == customer_id_of(repository, ARBEN.key)
    assert (result.card_kind, result.last_four) == (CardKind.CREDIT, credit.last_four)
    # Any active card of a credit-card holder opens the card menu (seed 004, 3.1.a).
    debit = ARBEN.card(CardKind.DEBIT)
    by_debit = verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.CARD)
    assert_granted(by_debit, EVERYTHING)
    assert (by_debit.card_kind, by_debit.last_four) == (CardKind.DEBIT, debit.last_four)


def test_registered_number_debit_card_only(verifier: Verifier) -> None:
    line = line_of(verifier, ELIRA.phone)
    debit = ELIRA.card(CardKind.DEBIT)
    assert_granted(
        verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS), DEBIT_ACCOUNTS
    )
    by_number = verifier.verify_customer_number(line, ELIRA.customer_number, ServiceMenu.ACCOUNTS)
    assert_granted(by_number, DEBIT_ACCOUNTS)
    assert (by_number.card_kind, by_number.last_four) == (None, None)
    # The card menu needs a credit card; the accounts services stay on offer.
    card_menu = verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.CARD)
    assert_granted(card_menu, DEBIT_ACCOUNTS, Refusal.NEEDS_CREDIT_CARD)


def test_registered_number_no_card_uses_the_customer_number(verifier: Verifier) -> None:
    line = line_of(verifier, GENTIAN.phone)
    result = verifier.verify_customer_number(line, GENTIAN.customer_number, ServiceMenu.ACCOUNTS)
    assert_granted(result, NO_CARD_ACCOUNTS)  # R2: no linked-account balance


def test_customer_number_never_opens_the_card_menu(verifier: Verifier) -> None:
    line = line_of(verifier, ARBEN.phone)
    result = verifier.verify_customer_number(line, ARBEN.customer_number, ServiceMenu.CARD)
    assert not result.verified
    assert_refused(result, Refusal.METHOD_NOT_ALLOWED)


@pytest.mark.parametrize("channel", [Channel.VOICE, Channel.WEB])
def test_unregistered_caller_credit_card(verifier: Verifier, channel: Channel) -> None:
    line = line_of(verifier, DEMO_UNREGISTERED_PHONE, channel)
    credit = MIRELA.card(CardKind.CREDIT)
    result = verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
    assert_granted(result, CARD_SERVICES | NO_CARD_ACCOUNTS)  # no debit card, no linked account


@pytest.mark.parametrize("channel", [Channel.VOICE, Channel.WEB])
def test_unregistered_caller_debit_card_not_customer_number(
    verifier: Verifier, sessions, channel: Channel
) -> None:
    line = line_of(verifier, DEMO_UNREGISTERED_PHONE, channel)
    debit = ILIR.card(CardKind.DEBIT)
    assert_granted(
        verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS), DEBIT_ACCOUNTS
    )
    by_number = verifier.verify_customer_number(line, ILIR.customer_number, ServiceMenu.ACCOUNTS)
    assert not by_number.verified
    assert_refused(by_number, Refusal.METHOD_NOT_ALLOWED)
    assert audit(sessions)[-1] == ("customer_number", "refused_method_not_allowed", None, None)


def test_unregistered_caller_without_card_gets_nothing(verifier: Verifier, sessions) -> None:
    line = line_of(verifier, DEMO_UNREGISTERED_PHONE)
    result = verifier.verify_customer_number(line, GENTIAN.customer_number, ServiceMenu.ACCOUNTS)
    assert not result.verified
    assert_refused(result, Refusal.METHOD_NOT_ALLOWED)
    # The answer does not depend on whether the number exists (nothing was looked up).
    assert verifier.verify_customer_number(line, "999999999", ServiceMenu.ACCOUNTS) == result


def test_another_customers_number_with_a_card(verifier: Verifier, repository, sessions) -> None:
    owner = demo_customer(DEMO_OTHER_CUSTOMERS_NUMBER.phone_owner)
    holder = demo_customer(DEMO_OTHER_CUSTOMERS_NUMBER.card_holder)
    line = line_of(verifier, owner.phone)
    credit = holder.card(CardKind.CREDIT)
    result = verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
    assert result.verified
    assert_refused(result, Refusal.OTHER_CUSTOMERS_NUMBER)
    holder_id = customer_id_of(repository, holder.key)
    assert audit(sessions)[-1] == (
        "card_pin",
        "refused_other_customers_number",
        holder_id,
        credit.last_four,
    )


def test_another_customers_number_with_a_customer_number(
    verifier: Verifier, repository, sessions
) -> None:
    """The customer number only verifies its own line: another customer's number gets the
    answer another customer's card gets (one answer for both); nothing else about them."""
    owner = demo_customer(DEMO_OTHER_CUSTOMERS_NUMBER.phone_owner)
    holder = demo_customer(DEMO_OTHER_CUSTOMERS_NUMBER.card_holder)
    line = line_of(verifier, owner.phone)
    others = verifier.verify_customer_number(line, holder.customer_number, ServiceMenu.ACCOUNTS)
    nobodys = verifier.verify_customer_number(line, "999999999", ServiceMenu.ACCOUNTS)
    assert nobodys == NOT_VERIFIED
    assert_refused(others, Refusal.OTHER_CUSTOMERS_NUMBER)
    assert not others.verified
    holder_id = customer_id_of(repository, holder.key)
    assert audit(sessions)[-2:] == [
        ("customer_number", "refused_other_customers_number", holder_id, None),
        ("customer_number", "unknown_customer", None, None),
    ]


def test_under_age_gets_nothing_by_card_or_number(verifier: Verifier, sessions) -> None:
    line = line_of(verifier, SARA.phone)
    debit = SARA.card(CardKind.DEBIT)
    by_card = verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS)
    assert by_card.verified
    assert_refused(by_card, Refusal.UNDER_AGE)
    by_number = verifier.verify_customer_number(line, SARA.customer_number, ServiceMenu.ACCOUNTS)
    assert_refused(by_number, Refusal.UNDER_AGE)
    assert [row[1] for row in audit(sessions)] == ["refused_under_age", "refused_under_age"]


def test_no_email_is_verified_and_email_services_are_refused(
    verifier: Verifier, repository
) -> None:
    line = line_of(verifier, BESNIK.phone)
    credit = BESNIK.card(CardKind.CREDIT)
    result = verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
    assert_granted(result, EVERYTHING)
    facts = repository.customer_facts(result.customer_id)
    assert service_refusal(facts, Service.CARD_TRANSACTIONS_EMAIL) is Refusal.NO_EMAIL
    assert service_refusal(facts, Service.STATEMENT_EMAIL) is Refusal.NO_EMAIL
    assert service_refusal(facts, Service.CREDIT_LIMIT) is None


def test_blocked_and_lost_cards_are_not_accepted(verifier: Verifier, sessions) -> None:
    line = line_of(verifier, LINDITA.phone)
    blocked = LINDITA.card(CardKind.CREDIT, CardStatus.BLOCKED)
    lost = LINDITA.card(CardKind.DEBIT, CardStatus.LOST)
    assert verifier.verify_card(line, blocked.number, blocked.pin, ServiceMenu.CARD) == NOT_VERIFIED
    assert verifier.verify_card(line, lost.number, lost.pin, ServiceMenu.ACCOUNTS) == NOT_VERIFIED
    active = LINDITA.card(CardKind.DEBIT)
    # A blocked credit card does not count: the card menu needs an active one.
    result = verifier.verify_card(line, active.number, active.pin, ServiceMenu.CARD)
    assert_granted(result, DEBIT_ACCOUNTS, Refusal.NEEDS_CREDIT_CARD)
    assert [row[1] for row in audit(sessions)] == ["card_inactive", "card_inactive", "verified"]


def test_all_currencies_customer(verifier: Verifier, repository) -> None:
    line = line_of(verifier, ERION.phone)
    debit = ERION.card(CardKind.DEBIT)
    result = verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS)
    assert_granted(result, DEBIT_ACCOUNTS)
    assert len({a.currency for a in repository.accounts(result.customer_id)}) == 7


def test_business_customer_cannot_use_the_individual_menus(verifier: Verifier, sessions) -> None:
    line = line_of(verifier, KOLA_TRADE.phone)
    debit = KOLA_TRADE.card(CardKind.DEBIT)
    assert verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS) == NOT_VERIFIED
    number = verifier.verify_customer_number(line, KOLA_TRADE.customer_number, ServiceMenu.ACCOUNTS)
    assert number == NOT_VERIFIED
    assert [row[1] for row in audit(sessions)] == ["not_individual", "not_individual"]


@pytest.mark.parametrize(
    "customer", [c for c in DEMO_CUSTOMERS if c.segment == "individual"], ids=lambda c: c.key
)
def test_every_demo_card_gives_its_expected_answer(verifier: Verifier, customer) -> None:
    line = line_of(verifier, customer.phone or DEMO_UNREGISTERED_PHONE)
    for card in customer.cards:
        result = verifier.verify_card(line, card.number, card.pin, ServiceMenu.ACCOUNTS)
        if card.status is not CardStatus.ACTIVE:
            assert result == NOT_VERIFIED
        elif customer.age < 18:
            assert_refused(result, Refusal.UNDER_AGE)
        else:
            assert result.verified and Service.ALL_BALANCES in result.decision.services


# --- one answer for every failure -------------------------------------------------------------


def test_unknown_card_wrong_pin_inactive_and_locked_look_the_same(
    verifier: Verifier, sessions, card_key: bytes
) -> None:
    line = line_of(verifier, DEMO_UNREGISTERED_PHONE)
    credit = MIRELA.card(CardKind.CREDIT)
    blocked = LINDITA.card(CardKind.CREDIT, CardStatus.BLOCKED)
    unknown = verifier.verify_card(line, DEMO_UNKNOWN_CARD, "1234", ServiceMenu.CARD)
    wrong = verifier.verify_card(line, credit.number, wrong_pin(credit), ServiceMenu.CARD)
    inactive = verifier.verify_card(line, blocked.number, blocked.pin, ServiceMenu.CARD)
    for _ in range(2):
        verifier.verify_card(line, credit.number, wrong_pin(credit), ServiceMenu.CARD)
    locked_right_pin = verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
    answers = [unknown, wrong, inactive, locked_right_pin]
    assert all(answer == NOT_VERIFIED for answer in answers)
    assert len({repr(asdict(answer)) for answer in answers}) == 1
    assert [row[1] for row in audit(sessions)] == [
        "unknown_card",
        "wrong_pin",
        "card_inactive",
        "wrong_pin",
        "wrong_pin_locked",
        "locked",
    ]
    assert audit(sessions)[0] == ("card_pin", "unknown_card", None, DEMO_UNKNOWN_CARD[-4:])


# --- lockout ------------------------------------------------------------------------------------


def test_three_wrong_pins_lock_the_card_even_against_the_right_pin(
    verifier: Verifier, sessions, card_key: bytes
) -> None:
    line = line_of(verifier, ARBEN.phone)
    credit = ARBEN.card(CardKind.CREDIT)
    for attempt in range(1, 4):
        assert verifier.verify_card(line, credit.number, wrong_pin(credit), ServiceMenu.CARD) == (
            NOT_VERIFIED
        )
        assert stored_card(sessions, credit, card_key).failed_pin_attempts == attempt
    card = stored_card(sessions, credit, card_key)
    assert card.self_service_locked_at is not None
    fourth = verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
    assert fourth == NOT_VERIFIED
    # Persisted: a new verifier (as after a restart) on the same file still refuses the card.
    bind = sessions.kw["bind"]
    again = Verifier(session_factory(str(bind.url)), card_key)
    assert again.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD) == NOT_VERIFIED
    # The customer's other card is not affected.
    debit = ARBEN.card(CardKind.DEBIT)
    assert verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.CARD).verified


def test_a_right_pin_resets_the_count(verifier: Verifier, sessions, card_key: bytes) -> None:
    line = line_of(verifier, ELIRA.phone)
    debit = ELIRA.card(CardKind.DEBIT)
    for _ in range(2):
        verifier.verify_card(line, debit.number, wrong_pin(debit), ServiceMenu.ACCOUNTS)
    assert stored_card(sessions, debit, card_key).failed_pin_attempts == 2
    assert verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS).verified
    assert stored_card(sessions, debit, card_key).failed_pin_attempts == 0
    for _ in range(2):
        verifier.verify_card(line, debit.number, wrong_pin(debit), ServiceMenu.ACCOUNTS)
    card = stored_card(sessions, debit, card_key)
    assert (card.failed_pin_attempts, card.self_service_locked_at) == (2, None)
    assert verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS).verified


def test_malformed_input_is_a_problem_not_an_attempt(
    verifier: Verifier, sessions, card_key: bytes
) -> None:
    line = line_of(verifier, ARBEN.phone)
    credit = ARBEN.card(CardKind.CREDIT)
    short = verifier.verify_card(line, credit.number[:-1], credit.pin, ServiceMenu.CARD)
    assert (short.verified, short.problem) == (False, InputProblem.TOO_SHORT)
    luhn = verifier.verify_card(line, credit.number[:-1] + "0", credit.pin, ServiceMenu.CARD)
    assert luhn.problem is InputProblem.CHECKSUM
    pin = verifier.verify_card(line, credit.number, "12a4", ServiceMenu.CARD)
    assert pin.problem is InputProblem.NOT_DIGITS
    number = verifier.verify_customer_number(line, "12345", ServiceMenu.ACCOUNTS)
    assert number.problem is InputProblem.TOO_SHORT
    assert audit(sessions) == []
    assert stored_card(sessions, credit, card_key).failed_pin_attempts == 0


def test_card_given_spaced_or_as_digest_verifies_the_same(
    verifier: Verifier, card_key: bytes
) -> None:
    line = line_of(verifier, ARBEN.phone)
    credit = ARBEN.card(CardKind.CREDIT)
    plain = verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
    spaced = verifier.verify_card(line, credit.spaced, credit.pin, ServiceMenu.CARD)
    digest = verifier.verify_card_digest(
        line, card_digest(credit.number, card_key), credit.last_four, credit.pin, ServiceMenu.CARD
    )
    assert plain == spaced == digest
    assert plain.verified


def test_a_different_card_key_finds_no_card(verifier: Verifier, sessions) -> None:
    line = line_of(verifier, ARBEN.phone)
    credit = ARBEN.card(CardKind.CREDIT)
    other_key = Verifier(sessions, b"another key entirely")
    assert other_key.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD) == NOT_VERIFIED


# --- audit ------------------------------------------------------------------------------------


def test_every_attempt_is_audited_without_secrets(verifier: Verifier, repository, sessions) -> None:
    line = line_of(verifier, ARBEN.phone)
    credit = ARBEN.card(CardKind.CREDIT)
    verifier.verify_card(line, credit.number, credit.pin, ServiceMenu.CARD)
    verifier.verify_card(line, credit.number, wrong_pin(credit), ServiceMenu.CARD)
    verifier.verify_customer_number(line, ARBEN.customer_number, ServiceMenu.ACCOUNTS)
    web = line_of(verifier, None, Channel.WEB)
    verifier.verify_card(web, DEMO_UNKNOWN_CARD, credit.pin, ServiceMenu.CARD)
    arben_id = customer_id_of(repository, ARBEN.key)
    assert audit(sessions) == [
        ("card_pin", "verified", arben_id, credit.last_four),
        ("card_pin", "wrong_pin", arben_id, credit.last_four),
        ("customer_number", "verified", arben_id, None),
        ("card_pin", "unknown_card", None, DEMO_UNKNOWN_CARD[-4:]),
    ]
    with sessions() as session:
        rows = session.scalars(select(VerificationAttempt)).all()
        assert [(r.channel, r.caller_number) for r in rows] == [
            ("voice", ARBEN.phone),
            ("voice", ARBEN.phone),
            ("voice", ARBEN.phone),
            ("web", None),
        ]
        assert all(r.attempted_at.tzinfo is not None for r in rows)
        for row in rows:
            text = " ".join(str(value) for value in vars(row).values())
            assert credit.number not in text and DEMO_UNKNOWN_CARD not in text
            assert credit.pin not in text and wrong_pin(credit) not in text


# --- customer-number guessing -------------------------------------------------------------------


def _guess(verifier: Verifier, phone: str, number: str) -> VerificationResult:
    return verifier.verify_customer_number(line_of(verifier, phone), number, ServiceMenu.ACCOUNTS)


def test_customer_number_guessing_is_bounded_across_calls(
    verifier: Verifier, sessions, card_key: bytes, repository
) -> None:
    """Two wrong numbers in one call, one in the next (a new verifier, as after a restart):
    the right number is then refused with the same answer, and card + PIN still works."""
    holder = demo_customer(DEMO_OTHER_CUSTOMERS_NUMBER.card_holder)
    assert _guess(verifier, GENTIAN.phone, "999999999") == NOT_VERIFIED
    assert _guess(verifier, GENTIAN.phone, holder.customer_number).refusal is (
        Refusal.OTHER_CUSTOMERS_NUMBER)
    again = Verifier(session_factory(str(sessions.kw["bind"].url)), card_key)
    assert _guess(again, GENTIAN.phone, "999999998") == NOT_VERIFIED
    assert _guess(again, GENTIAN.phone, GENTIAN.customer_number) == NOT_VERIFIED
    owner = customer_id_of(repository, GENTIAN.key)
    assert [outcome for _, outcome, _, _ in audit(sessions)[-4:]] == [
        "unknown_customer", "refused_other_customers_number", "wrong_customer_number_locked",
        "customer_number_locked"]
    assert audit(sessions)[-1][2] == owner
    credit = ARBEN.card(CardKind.CREDIT)
    assert verifier.verify_card(line_of(verifier, GENTIAN.phone), credit.number, credit.pin,
                                ServiceMenu.ACCOUNTS).refusal is Refusal.OTHER_CUSTOMERS_NUMBER


def test_a_right_customer_number_resets_the_count(verifier: Verifier) -> None:
    for _ in range(2):
        assert _guess(verifier, GENTIAN.phone, "999999999") == NOT_VERIFIED
    assert _guess(verifier, GENTIAN.phone, GENTIAN.customer_number).verified
    for _ in range(2):
        assert _guess(verifier, GENTIAN.phone, "999999999") == NOT_VERIFIED
    assert _guess(verifier, GENTIAN.phone, GENTIAN.customer_number).verified


def test_customer_number_lock_holds_for_the_customer_from_another_phone(
    verifier: Verifier, sessions, repository
) -> None:
    for _ in range(3):
        assert _guess(verifier, GENTIAN.phone, "999999999") == NOT_VERIFIED
    second_phone = "+355694100777"
    with sessions() as session, session.begin():
        session.add(PhoneNumber(number=second_phone,
                                customer_id=customer_id_of(repository, GENTIAN.key)))
    assert _guess(verifier, second_phone, GENTIAN.customer_number) == NOT_VERIFIED
    # another customer's line is not affected
    assert _guess(verifier, ELIRA.phone, ELIRA.customer_number).verified


def test_malformed_customer_numbers_are_not_guesses(verifier: Verifier) -> None:
    for _ in range(5):
        assert _guess(verifier, GENTIAN.phone, "12").problem is not None
    assert _guess(verifier, GENTIAN.phone, GENTIAN.customer_number).verified


@pytest.mark.parametrize("bank_url", ["postgresql"], indirect=True)
def test_concurrent_wrong_pins_on_two_action_servers_lock_after_exactly_three(
    bank_url: str, card_key: bytes
) -> None:
    """Two action servers (each its own engine and pool) checking wrong PINs for one card at the
    same moment: the row lock serialises them, so exactly three are counted and the third locks
    the card; the rest find it locked. (PostgreSQL: SQLite has one writer, the file.)"""
    servers = [Verifier(session_factory(make_engine(bank_url, DatabaseLimits(lock_wait_s=30))),
                        card_key) for _ in range(2)]
    credit = ARBEN.card(CardKind.CREDIT)
    line = line_of(servers[0], ARBEN.phone)
    tries = 6
    barrier = threading.Barrier(tries)

    def wrong(index: int) -> VerificationResult:
        barrier.wait()
        return servers[index % 2].verify_card(line, credit.number, wrong_pin(credit),
                                              ServiceMenu.CARD)

    with ThreadPoolExecutor(tries) as pool:
        assert list(pool.map(wrong, range(tries))) == [NOT_VERIFIED] * tries
    with servers[0]._sessions() as session:
        card = session.scalar(select(Card).where(Card.last_four == credit.number[-4:]))
        outcomes = sorted(session.scalars(select(VerificationAttempt.outcome)))
    assert card.failed_pin_attempts == 3 and card.self_service_locked_at is not None
    assert outcomes == sorted(["wrong_pin"] * 2 + ["wrong_pin_locked"] + ["locked"] * 3)
    assert servers[1].verify_card(line, credit.number, credit.pin, ServiceMenu.CARD) == NOT_VERIFIED
