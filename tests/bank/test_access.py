"""Who may use what: spec sections 1 and 2 (seed 004, sections 1 and 3) and resolution R2."""

from __future__ import annotations

from datetime import date

import pytest

from bot.bank.access import (
    ADULT_AGE,
    EMAIL_SERVICES,
    MENU_SERVICES,
    AccessDecision,
    CallerLine,
    CardKind,
    Channel,
    CustomerFacts,
    LineStatus,
    Method,
    Proof,
    Refusal,
    Service,
    ServiceMenu,
    age_on,
    decide,
    line_status,
    methods_for,
    service_refusal,
)

TODAY = date(2024, 6, 15)
ADULT_BIRTH = date(1980, 3, 2)
CUSTOMER_ID = 101
OTHER_CUSTOMER_ID = 202

# Lines
OWN_NUMBER = CallerLine(Channel.VOICE, "+355691234567", CUSTOMER_ID)
OTHERS_NUMBER = CallerLine(Channel.VOICE, "+355681112233", OTHER_CUSTOMER_ID)
UNREGISTERED_NUMBER = CallerLine(Channel.VOICE, "+355671234567", None)
WITHHELD_NUMBER = CallerLine(Channel.VOICE, None, None)
WEB = CallerLine(Channel.WEB, None, None)
# A web session that somehow carries the customer's own number: still no caller ID.
WEB_WITH_OWN_NUMBER = CallerLine(Channel.WEB, "+355691234567", CUSTOMER_ID)
WEB_WITH_OTHERS_NUMBER = CallerLine(Channel.WEB, "+355681112233", OTHER_CUSTOMER_ID)

# Proofs
CREDIT_CARD_PIN = Proof(Method.CARD_PIN, CardKind.CREDIT)
DEBIT_CARD_PIN = Proof(Method.CARD_PIN, CardKind.DEBIT)
CARD_PIN = Proof(Method.CARD_PIN)
CUSTOMER_NUMBER = Proof(Method.CUSTOMER_NUMBER)

# Service sets as the spec's table lists them
CARD_SERVICES = {
    Service.CREDIT_LIMIT,
    Service.LAST_CARD_TRANSACTION,
    Service.CARD_TRANSACTIONS_EMAIL,
}
# the balances in all currencies may also be sent by email (issue 15: a long list)
NO_CARD_ACCOUNTS = {Service.ALL_BALANCES, Service.BALANCES_EMAIL, Service.STATEMENT_EMAIL}
DEBIT_ACCOUNTS = {Service.LINKED_BALANCE, *NO_CARD_ACCOUNTS}
EVERYTHING = CARD_SERVICES | DEBIT_ACCOUNTS
NOTHING: set[Service] = set()


def facts(
    *,
    credit: bool,
    debit: bool,
    email: bool = True,
    born: date = ADULT_BIRTH,
    customer_id: int = CUSTOMER_ID,
) -> CustomerFacts:
    return CustomerFacts(
        customer_id=customer_id,
        date_of_birth=born,
        has_credit_card=credit,
        has_debit_card=debit,
        has_email=email,
    )


CREDIT_AND_DEBIT = facts(credit=True, debit=True)
CREDIT_ONLY = facts(credit=True, debit=False)
DEBIT_ONLY = facts(credit=False, debit=True)
NO_CARD = facts(credit=False, debit=False)


def outcome(decision: AccessDecision) -> tuple[set[Service], Refusal | None]:
    return set(decision.services), decision.refusal


# --- Spec section 2: the access table, row by row ---------------------------------------------

# fmt: off
ROWS = [
    # Row 1: registered number | credit card | card number + PIN | everything
    pytest.param(
        OWN_NUMBER, CREDIT_AND_DEBIT, CREDIT_CARD_PIN, ServiceMenu.CARD, EVERYTHING, None,
        id="row1-registered-credit-card-pin-card-menu",
    ),
    pytest.param(
        OWN_NUMBER, CREDIT_AND_DEBIT, CREDIT_CARD_PIN, ServiceMenu.ACCOUNTS, EVERYTHING, None,
        id="row1-registered-credit-card-pin-accounts-menu",
    ),
    pytest.param(
        OWN_NUMBER, CREDIT_AND_DEBIT, DEBIT_CARD_PIN, ServiceMenu.CARD, EVERYTHING, None,
        id="row1-registered-credit-holder-verified-with-debit-card",
    ),
    pytest.param(
        OWN_NUMBER, CREDIT_ONLY, CREDIT_CARD_PIN, ServiceMenu.CARD,
        CARD_SERVICES | NO_CARD_ACCOUNTS, None, id="row1-registered-credit-only-no-linked-balance",
    ),
    # Row 2: registered number | debit card only | card + PIN or customer number | accounts menu
    pytest.param(
        OWN_NUMBER, DEBIT_ONLY, DEBIT_CARD_PIN, ServiceMenu.ACCOUNTS, DEBIT_ACCOUNTS, None,
        id="row2-registered-debit-only-card-pin-accounts-menu",
    ),
    pytest.param(
        OWN_NUMBER, DEBIT_ONLY, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, DEBIT_ACCOUNTS, None,
        id="row2-registered-debit-only-customer-number-accounts-menu",
    ),
    pytest.param(
        OWN_NUMBER, DEBIT_ONLY, DEBIT_CARD_PIN, ServiceMenu.CARD, DEBIT_ACCOUNTS,
        Refusal.NEEDS_CREDIT_CARD, id="row2-registered-debit-only-card-menu-needs-credit-card",
    ),
    pytest.param(
        OWN_NUMBER, DEBIT_ONLY, CUSTOMER_NUMBER, ServiceMenu.CARD, DEBIT_ACCOUNTS,
        Refusal.NEEDS_CREDIT_CARD, id="row2-registered-debit-only-customer-number-card-menu",
    ),
    # Row 3: registered number | no card | customer number | accounts only, no linked balance (R2)
    pytest.param(
        OWN_NUMBER, NO_CARD, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, NO_CARD_ACCOUNTS, None,
        id="row3-registered-no-card-customer-number-accounts-menu",
    ),
    pytest.param(
        OWN_NUMBER, NO_CARD, CUSTOMER_NUMBER, ServiceMenu.CARD, NO_CARD_ACCOUNTS,
        Refusal.NEEDS_CREDIT_CARD, id="row3-registered-no-card-card-menu-needs-credit-card",
    ),
    # Row 4: unregistered number | credit card | card number + PIN | same as row 1
    pytest.param(
        UNREGISTERED_NUMBER, CREDIT_AND_DEBIT, CREDIT_CARD_PIN, ServiceMenu.CARD, EVERYTHING, None,
        id="row4-unregistered-credit-card-pin-card-menu",
    ),
    pytest.param(
        UNREGISTERED_NUMBER, CREDIT_AND_DEBIT, CREDIT_CARD_PIN, ServiceMenu.ACCOUNTS, EVERYTHING,
        None, id="row4-unregistered-credit-card-pin-accounts-menu",
    ),
    pytest.param(
        WITHHELD_NUMBER, CREDIT_AND_DEBIT, CREDIT_CARD_PIN, ServiceMenu.CARD, EVERYTHING, None,
        id="row4-withheld-number-credit-card-pin",
    ),
    pytest.param(
        UNREGISTERED_NUMBER, CREDIT_ONLY, CREDIT_CARD_PIN, ServiceMenu.CARD,
        CARD_SERVICES | NO_CARD_ACCOUNTS, None, id="row4-unregistered-credit-only",
    ),
    # Row 5: unregistered number | debit card only | card + PIN, NOT customer number
    pytest.param(
        UNREGISTERED_NUMBER, DEBIT_ONLY, DEBIT_CARD_PIN, ServiceMenu.ACCOUNTS, DEBIT_ACCOUNTS, None,
        id="row5-unregistered-debit-only-card-pin-accounts-menu",
    ),
    pytest.param(
        UNREGISTERED_NUMBER, DEBIT_ONLY, DEBIT_CARD_PIN, ServiceMenu.CARD, DEBIT_ACCOUNTS,
        Refusal.NEEDS_CREDIT_CARD, id="row5-unregistered-debit-only-card-menu",
    ),
    pytest.param(
        UNREGISTERED_NUMBER, DEBIT_ONLY, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, NOTHING,
        Refusal.METHOD_NOT_ALLOWED, id="row5-unregistered-debit-only-customer-number-refused",
    ),
    # Row 6: unregistered number | no card | - | nothing
    pytest.param(
        UNREGISTERED_NUMBER, NO_CARD, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, NOTHING,
        Refusal.METHOD_NOT_ALLOWED, id="row6-unregistered-no-card-customer-number-refused",
    ),
    pytest.param(
        WITHHELD_NUMBER, NO_CARD, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, NOTHING,
        Refusal.METHOD_NOT_ALLOWED, id="row6-withheld-no-card-customer-number-refused",
    ),
    pytest.param(
        UNREGISTERED_NUMBER, NO_CARD, CARD_PIN, ServiceMenu.ACCOUNTS, NOTHING,
        Refusal.METHOD_NOT_ALLOWED, id="row6-unregistered-no-card-card-proof-without-card",
    ),
]
# fmt: on


@pytest.mark.parametrize(("line", "customer", "proof", "menu", "services", "refusal"), ROWS)
def test_access_table(
    line: CallerLine,
    customer: CustomerFacts,
    proof: Proof,
    menu: ServiceMenu,
    services: set[Service],
    refusal: Refusal | None,
) -> None:
    assert outcome(decide(line, customer, proof, menu, TODAY)) == (services, refusal)


# Row 7: number of another customer | anything | - | nothing
@pytest.mark.parametrize(
    "customer",
    [
        pytest.param(CREDIT_AND_DEBIT, id="credit-and-debit"),
        pytest.param(CREDIT_ONLY, id="credit-only"),
        pytest.param(DEBIT_ONLY, id="debit-only"),
        pytest.param(NO_CARD, id="no-card"),
        pytest.param(facts(credit=True, debit=True, born=date(2010, 1, 1)), id="under-age"),
    ],
)
@pytest.mark.parametrize(
    "proof",
    [
        pytest.param(CREDIT_CARD_PIN, id="credit-card-pin"),
        pytest.param(DEBIT_CARD_PIN, id="debit-card-pin"),
        pytest.param(CUSTOMER_NUMBER, id="customer-number"),
    ],
)
@pytest.mark.parametrize("menu", list(ServiceMenu))
def test_row7_number_of_another_customer_gets_nothing(
    customer: CustomerFacts, proof: Proof, menu: ServiceMenu
) -> None:
    decision = decide(OTHERS_NUMBER, customer, proof, menu, TODAY)
    assert outcome(decision) == (NOTHING, Refusal.OTHER_CUSTOMERS_NUMBER)
    assert decision.menu_services(ServiceMenu.CARD) == ()
    assert decision.menu_services(ServiceMenu.ACCOUNTS) == ()


def test_customer_number_never_opens_the_card_menu_for_a_credit_card_holder() -> None:
    # Spec 2: "the card menu always needs card number + PIN"; the accounts services stay.
    decision = decide(OWN_NUMBER, CREDIT_AND_DEBIT, CUSTOMER_NUMBER, ServiceMenu.CARD, TODAY)
    assert outcome(decision) == (DEBIT_ACCOUNTS, Refusal.METHOD_NOT_ALLOWED)
    decision = decide(OWN_NUMBER, CREDIT_AND_DEBIT, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, TODAY)
    assert outcome(decision) == (DEBIT_ACCOUNTS, None)


@pytest.mark.parametrize(
    ("customer", "proof"),
    [
        pytest.param(DEBIT_ONLY, CREDIT_CARD_PIN, id="credit-proof-without-credit-card"),
        pytest.param(CREDIT_ONLY, DEBIT_CARD_PIN, id="debit-proof-without-debit-card"),
        pytest.param(NO_CARD, CARD_PIN, id="card-proof-without-any-card"),
    ],
)
def test_card_proof_of_a_card_the_customer_does_not_hold_is_refused(
    customer: CustomerFacts, proof: Proof
) -> None:
    decision = decide(OWN_NUMBER, customer, proof, ServiceMenu.ACCOUNTS, TODAY)
    assert outcome(decision) == (NOTHING, Refusal.METHOD_NOT_ALLOWED)


def test_card_proof_of_unknown_kind_counts_as_any_active_card() -> None:
    assert outcome(decide(OWN_NUMBER, CREDIT_ONLY, CARD_PIN, ServiceMenu.CARD, TODAY)) == (
        CARD_SERVICES | NO_CARD_ACCOUNTS,
        None,
    )
    assert outcome(decide(OWN_NUMBER, DEBIT_ONLY, CARD_PIN, ServiceMenu.ACCOUNTS, TODAY)) == (
        DEBIT_ACCOUNTS,
        None,
    )


# --- Spec section 1.1: age -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        pytest.param(date(2006, 6, 15), date(2024, 6, 15), 18, id="18th-birthday-today"),
        pytest.param(date(2006, 6, 16), date(2024, 6, 15), 17, id="18th-birthday-tomorrow"),
        pytest.param(date(2006, 7, 1), date(2024, 6, 15), 17, id="later-month"),
        pytest.param(date(2006, 5, 30), date(2024, 6, 15), 18, id="earlier-month"),
        pytest.param(date(2006, 2, 28), date(2024, 2, 29), 18, id="leap-day-today"),
        pytest.param(date(2004, 2, 29), date(2022, 2, 28), 17, id="leap-born-feb-28"),
        pytest.param(date(2004, 2, 29), date(2022, 3, 1), 18, id="leap-born-mar-1"),
        pytest.param(date(1980, 3, 2), date(2024, 6, 15), 44, id="adult"),
    ],
)
def test_age_on(born: date, today: date, age: int) -> None:
    assert age_on(born, today) == age


def test_adult_age_is_18() -> None:
    assert ADULT_AGE == 18


@pytest.mark.parametrize("line", [OWN_NUMBER, UNREGISTERED_NUMBER, WEB], ids=lambda x: x.channel)
def test_18th_birthday_today_is_allowed(line: CallerLine) -> None:
    customer = facts(credit=True, debit=True, born=date(2006, 6, 15))
    decision = decide(line, customer, CREDIT_CARD_PIN, ServiceMenu.CARD, TODAY)
    assert outcome(decision) == (EVERYTHING, None)


@pytest.mark.parametrize(
    ("line", "proof"),
    [
        pytest.param(OWN_NUMBER, CREDIT_CARD_PIN, id="own-number-card-pin"),
        pytest.param(OWN_NUMBER, CUSTOMER_NUMBER, id="own-number-customer-number"),
        pytest.param(UNREGISTERED_NUMBER, CREDIT_CARD_PIN, id="unregistered-card-pin"),
        pytest.param(WEB, CREDIT_CARD_PIN, id="web-card-pin"),
        # Under age wins over a method that is not allowed on this line.
        pytest.param(UNREGISTERED_NUMBER, CUSTOMER_NUMBER, id="unregistered-customer-number"),
    ],
)
@pytest.mark.parametrize("menu", list(ServiceMenu))
def test_day_before_18th_birthday_gets_nothing(
    line: CallerLine, proof: Proof, menu: ServiceMenu
) -> None:
    customer = facts(credit=True, debit=True, born=date(2006, 6, 16))
    decision = decide(line, customer, proof, menu, TODAY)
    assert outcome(decision) == (NOTHING, Refusal.UNDER_AGE)


# --- Spec section 1.4: own, other, unregistered number ----------------------------------------


@pytest.mark.parametrize(
    ("line", "status"),
    [
        pytest.param(OWN_NUMBER, LineStatus.OWN, id="own-number"),
        pytest.param(OTHERS_NUMBER, LineStatus.OTHER, id="another-customers-number"),
        pytest.param(UNREGISTERED_NUMBER, LineStatus.UNREGISTERED, id="unregistered-number"),
        pytest.param(WITHHELD_NUMBER, LineStatus.UNREGISTERED, id="withheld-number"),
        pytest.param(WEB, LineStatus.UNREGISTERED, id="web"),
        pytest.param(WEB_WITH_OWN_NUMBER, LineStatus.UNREGISTERED, id="web-with-own-number"),
        pytest.param(WEB_WITH_OTHERS_NUMBER, LineStatus.UNREGISTERED, id="web-with-others-number"),
    ],
)
def test_line_status(line: CallerLine, status: LineStatus) -> None:
    assert line_status(line, CUSTOMER_ID) is status


def test_trusted_owner_only_on_voice() -> None:
    assert OWN_NUMBER.trusted_owner_id == CUSTOMER_ID
    assert OTHERS_NUMBER.trusted_owner_id == OTHER_CUSTOMER_ID
    assert UNREGISTERED_NUMBER.trusted_owner_id is None
    assert WEB_WITH_OWN_NUMBER.trusted_owner_id is None


# --- Methods offered per menu and line (keypad 4.2.1, 4.2.2; spec 2) -------------------------


@pytest.mark.parametrize(
    ("menu", "line", "methods"),
    [
        pytest.param(ServiceMenu.CARD, OWN_NUMBER, (Method.CARD_PIN,), id="card-own-number"),
        pytest.param(
            ServiceMenu.CARD, OTHERS_NUMBER, (Method.CARD_PIN,), id="card-registered-other"
        ),
        pytest.param(
            ServiceMenu.CARD, UNREGISTERED_NUMBER, (Method.CARD_PIN,), id="card-unregistered"
        ),
        pytest.param(ServiceMenu.CARD, WEB_WITH_OWN_NUMBER, (Method.CARD_PIN,), id="card-web"),
        pytest.param(
            ServiceMenu.ACCOUNTS,
            OWN_NUMBER,
            (Method.CARD_PIN, Method.CUSTOMER_NUMBER),
            id="accounts-registered-number",
        ),
        pytest.param(
            ServiceMenu.ACCOUNTS,
            OTHERS_NUMBER,
            (Method.CARD_PIN, Method.CUSTOMER_NUMBER),
            id="accounts-registered-number-owner-not-yet-known",
        ),
        pytest.param(
            ServiceMenu.ACCOUNTS,
            UNREGISTERED_NUMBER,
            (Method.CARD_PIN,),
            id="accounts-unregistered",
        ),
        pytest.param(
            ServiceMenu.ACCOUNTS, WITHHELD_NUMBER, (Method.CARD_PIN,), id="accounts-withheld"
        ),
        pytest.param(ServiceMenu.ACCOUNTS, WEB, (Method.CARD_PIN,), id="accounts-web"),
        pytest.param(
            ServiceMenu.ACCOUNTS,
            WEB_WITH_OWN_NUMBER,
            (Method.CARD_PIN,),
            id="accounts-web-with-number",
        ),
    ],
)
def test_methods_for(menu: ServiceMenu, line: CallerLine, methods: tuple[Method, ...]) -> None:
    assert methods_for(menu, line) == methods


# --- Web channel: always unregistered ----------------------------------------------------------


@pytest.mark.parametrize("line", [WEB, WEB_WITH_OWN_NUMBER], ids=["web", "web-with-own-number"])
def test_web_customer_number_not_allowed(line: CallerLine) -> None:
    decision = decide(line, DEBIT_ONLY, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, TODAY)
    assert outcome(decision) == (NOTHING, Refusal.METHOD_NOT_ALLOWED)


@pytest.mark.parametrize(
    ("line", "customer", "proof", "menu", "services", "refusal"),
    [
        pytest.param(WEB, CREDIT_AND_DEBIT, CREDIT_CARD_PIN, ServiceMenu.CARD, EVERYTHING, None,
                     id="web-credit-card-pin"),
        pytest.param(WEB, DEBIT_ONLY, DEBIT_CARD_PIN, ServiceMenu.ACCOUNTS, DEBIT_ACCOUNTS, None,
                     id="web-debit-card-pin"),
        pytest.param(WEB, DEBIT_ONLY, DEBIT_CARD_PIN, ServiceMenu.CARD, DEBIT_ACCOUNTS,
                     Refusal.NEEDS_CREDIT_CARD, id="web-debit-card-menu"),
        # Another customer's number on the web is not trusted, so not refused as such.
        pytest.param(WEB_WITH_OTHERS_NUMBER, DEBIT_ONLY, DEBIT_CARD_PIN, ServiceMenu.ACCOUNTS,
                     DEBIT_ACCOUNTS, None, id="web-with-others-number-card-pin"),
    ],
)  # fmt: skip
def test_web_card_pin_allowed(
    line: CallerLine,
    customer: CustomerFacts,
    proof: Proof,
    menu: ServiceMenu,
    services: set[Service],
    refusal: Refusal | None,
) -> None:
    assert outcome(decide(line, customer, proof, menu, TODAY)) == (services, refusal)


# --- Email and linked account: offered, then refused per service -------------------------------


def test_email_services_stay_offered_without_email() -> None:
    customer = facts(credit=True, debit=True, email=False)
    decision = decide(OWN_NUMBER, customer, CREDIT_CARD_PIN, ServiceMenu.CARD, TODAY)
    assert outcome(decision) == (EVERYTHING, None)
    assert decision.menu_services(ServiceMenu.CARD) == MENU_SERVICES[ServiceMenu.CARD]
    assert service_refusal(customer, Service.CARD_TRANSACTIONS_EMAIL) is Refusal.NO_EMAIL
    assert service_refusal(customer, Service.STATEMENT_EMAIL) is Refusal.NO_EMAIL
    assert service_refusal(customer, Service.BALANCES_EMAIL) is Refusal.NO_EMAIL
    assert service_refusal(customer, Service.CREDIT_LIMIT) is None
    assert service_refusal(customer, Service.LINKED_BALANCE) is None


@pytest.mark.parametrize("service", list(Service))
def test_service_refusal_with_email_and_debit_card(service: Service) -> None:
    assert service_refusal(CREDIT_AND_DEBIT, service) is None


@pytest.mark.parametrize(
    ("customer", "service", "refusal"),
    [
        pytest.param(NO_CARD, Service.LINKED_BALANCE, Refusal.NO_LINKED_ACCOUNT, id="r2-no-card"),
        pytest.param(CREDIT_ONLY, Service.LINKED_BALANCE, Refusal.NO_LINKED_ACCOUNT,
                     id="credit-only"),
        pytest.param(DEBIT_ONLY, Service.LINKED_BALANCE, None, id="debit-card"),
        pytest.param(facts(credit=False, debit=False, email=False), Service.STATEMENT_EMAIL,
                     Refusal.NO_EMAIL, id="no-email-statement"),
        pytest.param(facts(credit=False, debit=False, email=False), Service.ALL_BALANCES, None,
                     id="no-email-balances"),
    ],
)  # fmt: skip
def test_service_refusal(
    customer: CustomerFacts, service: Service, refusal: Refusal | None
) -> None:
    assert service_refusal(customer, service) is refusal


def test_r2_no_card_linked_balance_not_offered() -> None:
    decision = decide(OWN_NUMBER, NO_CARD, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, TODAY)
    assert not decision.allows(Service.LINKED_BALANCE)
    assert decision.menu_services(ServiceMenu.ACCOUNTS) == (
        Service.ALL_BALANCES,
        Service.STATEMENT_EMAIL,
    )


# --- Data shapes ------------------------------------------------------------------------------


def test_menu_services_in_keypad_order() -> None:
    assert MENU_SERVICES[ServiceMenu.CARD] == (
        Service.CREDIT_LIMIT,
        Service.LAST_CARD_TRANSACTION,
        Service.CARD_TRANSACTIONS_EMAIL,
    )
    assert MENU_SERVICES[ServiceMenu.ACCOUNTS] == (
        Service.LINKED_BALANCE,
        Service.ALL_BALANCES,
        Service.STATEMENT_EMAIL,
    )
    assert set(EMAIL_SERVICES) == {Service.CARD_TRANSACTIONS_EMAIL, Service.STATEMENT_EMAIL,
                                   Service.BALANCES_EMAIL}
    with pytest.raises(TypeError):
        MENU_SERVICES[ServiceMenu.CARD] = ()  # type: ignore[index]


def test_decision_menu_services_and_allows() -> None:
    decision = AccessDecision(
        services=frozenset({Service.STATEMENT_EMAIL, Service.CREDIT_LIMIT, Service.ALL_BALANCES}),
        refusal=None,
    )
    assert decision.menu_services(ServiceMenu.CARD) == (Service.CREDIT_LIMIT,)
    assert decision.menu_services(ServiceMenu.ACCOUNTS) == (
        Service.ALL_BALANCES,
        Service.STATEMENT_EMAIL,
    )
    assert decision.allows(Service.CREDIT_LIMIT)
    assert not decision.allows(Service.LAST_CARD_TRANSACTION)


def test_customer_number_proof_has_no_card_kind() -> None:
    with pytest.raises(ValueError):
        Proof(Method.CUSTOMER_NUMBER, CardKind.DEBIT)


# --- A requested service: the decision's refusal says it all ----------------------------------


@pytest.mark.parametrize(
    ("customer", "proof", "menu", "service", "refusal"),
    [
        pytest.param(NO_CARD, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, Service.LINKED_BALANCE,
                     Refusal.NO_LINKED_ACCOUNT, id="r2-linked-balance"),
        pytest.param(NO_CARD, CUSTOMER_NUMBER, ServiceMenu.ACCOUNTS, Service.ALL_BALANCES, None,
                     id="r2-all-balances"),
        pytest.param(facts(credit=True, debit=True, email=False), CREDIT_CARD_PIN, ServiceMenu.CARD,
                     Service.CARD_TRANSACTIONS_EMAIL, Refusal.NO_EMAIL, id="no-email"),
        pytest.param(CREDIT_AND_DEBIT, CUSTOMER_NUMBER, ServiceMenu.CARD, Service.CREDIT_LIMIT,
                     Refusal.METHOD_NOT_ALLOWED, id="card-menu-needs-card-pin"),
        pytest.param(DEBIT_ONLY, DEBIT_CARD_PIN, ServiceMenu.CARD, Service.CREDIT_LIMIT,
                     Refusal.NEEDS_CREDIT_CARD, id="card-menu-needs-credit-card"),
        pytest.param(CREDIT_AND_DEBIT, CREDIT_CARD_PIN, ServiceMenu.CARD, Service.CREDIT_LIMIT,
                     None, id="credit-card-holder"),
    ],
)  # fmt: skip
def test_decide_for_a_requested_service(
    customer: CustomerFacts,
    proof: Proof,
    menu: ServiceMenu,
    service: Service,
    refusal: Refusal | None,
) -> None:
    assert decide(OWN_NUMBER, customer, proof, menu, TODAY, service).refusal is refusal
