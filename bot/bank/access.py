"""Who may use what: the verification rules of spec sections 1 and 2 (seed 004, sections 1, 3).

Pure functions over small frozen dataclasses; no database, no Rasa. The database side (looking up
the caller's line, checking a card and PIN, lockout, audit) is in `verification.py`; this module
only decides, from established facts, which services a verified caller may get.

Rules applied by `decide`, in this order (the first that matches wins):

1. Another customer's number (spec 1.4, second bullet; table row 7 "number of another customer |
   anything | - | nothing"): a voice call from a number registered to a different customer gets
   nothing (`OTHER_CUSTOMERS_NUMBER`). This is checked before the age so that nothing at all is
   said about the customer whose card or customer number was given (docs/architecture.md:
   "nothing is said about B"); an under-age answer would tell the caller that customer's age.
2. Under 18 (spec 1.1): nothing (`UNDER_AGE`); the caller is told to visit a branch with a legal
   guardian. The 18th birthday itself is allowed.
3. The proof must be accepted on this line (spec 2, text under the table, and rows 2, 3, 5, 6):
   the customer number only on a voice call from the customer's own registered number; card
   number + PIN from any line, of a card the customer holds active. Otherwise nothing
   (`METHOD_NOT_ALLOWED`). A web user never has caller ID and so never an own number.
4. Services (spec 2, rows 1 to 5):
   - accounts menu: balances in all currencies (read out, or by email when the list is long:
     issue 15, `FOLLOW_UP_SERVICES`) and statements by email, always; the balance of the account
     linked to the debit card only for a holder of an active debit card (rows 1, 2,
     5: "if any"; resolution R2: a customer without a card has no linked account, row 3);
   - card menu: only after card number + PIN, and only for a holder of an active credit card,
     verified with any of their active cards (rows 1, 4; seed 004 3.1.a "numrat e kartës së
     debitit ose kreditit"). The customer number never opens the card menu.
5. The requested menu: when the caller may get services but none of that menu's, the refusal is
   `NEEDS_CREDIT_CARD` (the card menu for a customer with no credit card, rows 2, 3, 5) or
   `METHOD_NOT_ALLOWED` (the card menu after the customer number, for a credit-card holder, who
   may verify again with the card). The allowed accounts services stay in the decision, so the
   assistant can offer the accounts menu instead.

6. The requested service (when one is asked for, not just the menu): refused with what
   `service_refusal` says (`NO_EMAIL`, `NO_LINKED_ACCOUNT`), or `METHOD_NOT_ALLOWED` if the
   service is not allowed at all. Callers branch on `AccessDecision.refusal` only.

Email services stay in the menu for a customer with no registered email; choosing one is refused
by `service_refusal` with `NO_EMAIL` (spec 2: "without one, the caller is told so and offered an
agent").

Resolution R1 (key 7 in the statement-currency menu) is a menu-layout rule, not an access rule:
it lives in the menu tree (`bot/menus.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

ADULT_AGE = 18


class Channel(StrEnum):
    VOICE = "voice"
    WEB = "web"


class LineStatus(StrEnum):
    """The caller's number relative to one customer (spec 1.4)."""

    OWN = "own"
    OTHER = "other"
    UNREGISTERED = "unregistered"


class Method(StrEnum):
    """How the caller proved who they are."""

    CARD_PIN = "card_pin"
    CUSTOMER_NUMBER = "customer_number"


class CardKind(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class ServiceMenu(StrEnum):
    """The two menus behind verification (spec 2): what a caller asks access to. Not the
    keypad menu tree (`bot.menus.Menu`), whose `card` and `accounts` nodes show them."""

    CARD = "card"
    ACCOUNTS = "accounts"


class Service(StrEnum):
    CREDIT_LIMIT = "credit_limit"
    LAST_CARD_TRANSACTION = "last_card_transaction"
    CARD_TRANSACTIONS_EMAIL = "card_transactions_email"
    LINKED_BALANCE = "linked_balance"
    ALL_BALANCES = "all_balances"
    STATEMENT_EMAIL = "statement_email"
    BALANCES_EMAIL = "balances_email"  # the balances in all currencies, sent instead of read


class Refusal(StrEnum):
    UNDER_AGE = "under_age"
    OTHER_CUSTOMERS_NUMBER = "other_customers_number"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NEEDS_CREDIT_CARD = "needs_credit_card"
    NO_EMAIL = "no_email"
    NO_LINKED_ACCOUNT = "no_linked_account"


# Service order is keypad order (spec 3, 4.2.1 and 4.2.2: keys 1, 2, 3).
MENU_SERVICES: Mapping[ServiceMenu, tuple[Service, ...]] = MappingProxyType(
    {
        ServiceMenu.CARD: (
            Service.CREDIT_LIMIT,
            Service.LAST_CARD_TRANSACTION,
            Service.CARD_TRANSACTIONS_EMAIL,
        ),
        ServiceMenu.ACCOUNTS: (
            Service.LINKED_BALANCE,
            Service.ALL_BALANCES,
            Service.STATEMENT_EMAIL,
        ),
    }
)
# Services offered inside another's answer rather than as a key of the menu: a long list of
# balances is summarised first and may be sent by email instead of read out (issue 15).
FOLLOW_UP_SERVICES: Mapping[Service, tuple[Service, ...]] = MappingProxyType(
    {Service.ALL_BALANCES: (Service.BALANCES_EMAIL,)}
)
EMAIL_SERVICES = frozenset(
    {Service.CARD_TRANSACTIONS_EMAIL, Service.STATEMENT_EMAIL, Service.BALANCES_EMAIL}
)
# Refusals of a service that take it out of the menu (R2: no linked-account item without a debit
# card); other refusals (no email) are told when the caller chooses the item.
NOT_OFFERED = frozenset({Refusal.NO_LINKED_ACCOUNT})


@dataclass(frozen=True)
class CallerLine:
    """Where the caller is: channel, caller ID and whom the bank has that number registered to.

    `owner_id` is the customer the number is registered to, None if unregistered or withheld.
    Web users never have caller ID: on the web channel the line counts as unregistered whatever
    number and owner it carries (`trusted_owner_id` is None).
    """

    channel: Channel
    number: str | None
    owner_id: int | None

    @property
    def trusted_owner_id(self) -> int | None:
        return self.owner_id if self.channel is Channel.VOICE else None


@dataclass(frozen=True)
class CustomerFacts:
    """What the rules need to know about the identified customer.

    `has_credit_card` / `has_debit_card` mean an ACTIVE card of that kind; a debit card implies
    a current account linked to it.
    """

    customer_id: int
    date_of_birth: date
    has_credit_card: bool
    has_debit_card: bool
    has_email: bool


@dataclass(frozen=True)
class Proof:
    """What the caller proved: card number + PIN (of a card of `card_kind`, if known) or the
    customer number."""

    method: Method
    card_kind: CardKind | None = None

    def __post_init__(self) -> None:
        if self.method is Method.CUSTOMER_NUMBER and self.card_kind is not None:
            raise ValueError("a customer-number proof has no card kind")


@dataclass(frozen=True)
class AccessDecision:
    """Everything the caller may get now, and why the requested menu is refused (if it is).

    `refusal` is None exactly when the requested menu has at least one allowed service and the
    requested service (if any) can be delivered.
    """

    services: frozenset[Service]
    refusal: Refusal | None

    def allows(self, service: Service) -> bool:
        return service in self.services

    def menu_services(self, menu: ServiceMenu) -> tuple[Service, ...]:
        """The allowed services of `menu`, in menu (keypad) order."""
        return tuple(s for s in MENU_SERVICES[menu] if s in self.services)


def age_on(date_of_birth: date, today: date) -> int:
    """Age in whole years on `today`; the birthday itself counts (born 29 February: 1 March in
    non-leap years)."""
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - int(before_birthday)


def line_status(line: CallerLine, customer_id: int) -> LineStatus:
    """OWN if the line's trusted owner is this customer, OTHER if another customer, else
    UNREGISTERED (unregistered or withheld number, or a web user)."""
    owner = line.trusted_owner_id
    if owner is None:
        return LineStatus.UNREGISTERED
    return LineStatus.OWN if owner == customer_id else LineStatus.OTHER


# The methods each menu publishes (spec 2, keypad 4.2.1 and 4.2.2): the card menu takes the card
# number + PIN only; the accounts menu offers the 1 / 2 choice (card + PIN, customer number).
OFFERED_METHODS: Mapping[ServiceMenu, tuple[Method, ...]] = MappingProxyType(
    {
        ServiceMenu.CARD: (Method.CARD_PIN,),
        ServiceMenu.ACCOUNTS: (Method.CARD_PIN, Method.CUSTOMER_NUMBER),
    }
)


def methods_for(menu: ServiceMenu, line: CallerLine) -> tuple[Method, ...]:
    """Verification methods to accept before the customer is known: the menu's offered ones,
    the customer number only when the call comes from a registered number (voice only).
    Whether the number is registered to the customer who then identifies is checked by
    `decide`.
    """
    return tuple(method for method in OFFERED_METHODS[menu]
                 if method is not Method.CUSTOMER_NUMBER or line.trusted_owner_id is not None)


def _refused(refusal: Refusal) -> AccessDecision:
    return AccessDecision(services=frozenset(), refusal=refusal)


def _proof_accepted(proof: Proof, customer: CustomerFacts, status: LineStatus) -> bool:
    if proof.method is Method.CUSTOMER_NUMBER:
        return status is LineStatus.OWN
    if proof.card_kind is CardKind.CREDIT:
        return customer.has_credit_card
    if proof.card_kind is CardKind.DEBIT:
        return customer.has_debit_card
    return customer.has_credit_card or customer.has_debit_card


def _with_follow_ups(menu: ServiceMenu) -> tuple[Service, ...]:
    return tuple(service for item in MENU_SERVICES[menu]
                 for service in (item, *FOLLOW_UP_SERVICES.get(item, ())))


def _services(customer: CustomerFacts, proof: Proof) -> frozenset[Service]:
    """The accounts services, the card services after card + PIN for a credit-card holder (each
    with its follow-ups); without those this customer can never have (R2), which are not even
    offered."""
    services = set(_with_follow_ups(ServiceMenu.ACCOUNTS))
    if proof.method is Method.CARD_PIN and customer.has_credit_card:
        services.update(_with_follow_ups(ServiceMenu.CARD))
    return frozenset(s for s in services if service_refusal(customer, s) not in NOT_OFFERED)


def decide(
    line: CallerLine,
    customer: CustomerFacts,
    proof: Proof,
    menu: ServiceMenu,
    today: date,
    service: Service | None = None,
) -> AccessDecision:
    """The services a verified caller may get, and the refusal for the requested `menu`.

    `customer` is the customer identified by `proof` (the card or the customer number given),
    already checked against the database. Rules, in order (spec rows in the module docstring):
    another customer's number -> nothing, OTHER_CUSTOMERS_NUMBER; under 18 -> nothing,
    UNDER_AGE; customer number not from the customer's own number (or card + PIN of a card the
    customer does not hold active) -> nothing, METHOD_NOT_ALLOWED; else accounts services
    (linked balance only with a debit card, R2) plus card services after card + PIN for a
    credit-card holder; no service of `menu` -> NEEDS_CREDIT_CARD, or METHOD_NOT_ALLOWED for a
    credit-card holder who gave the customer number; then, for a requested `service`, what
    `service_refusal` says (METHOD_NOT_ALLOWED if the service is not allowed at all).
    """
    status = line_status(line, customer.customer_id)
    if status is LineStatus.OTHER:
        return _refused(Refusal.OTHER_CUSTOMERS_NUMBER)
    if age_on(customer.date_of_birth, today) < ADULT_AGE:
        return _refused(Refusal.UNDER_AGE)
    if not _proof_accepted(proof, customer, status):
        return _refused(Refusal.METHOD_NOT_ALLOWED)
    services = _services(customer, proof)
    refusal = None
    if not any(s in services for s in MENU_SERVICES[menu]):
        if customer.has_credit_card and proof.method is not Method.CARD_PIN:
            refusal = Refusal.METHOD_NOT_ALLOWED
        else:
            refusal = Refusal.NEEDS_CREDIT_CARD
    elif service is not None:
        refusal = service_refusal(customer, service)
        if refusal is None and service not in services:
            refusal = Refusal.METHOD_NOT_ALLOWED
    return AccessDecision(services=services, refusal=refusal)


def service_refusal(customer: CustomerFacts, service: Service) -> Refusal | None:
    """Why an offered service cannot be delivered to this customer, or None if it can.

    Email services need a registered email (`NO_EMAIL`; spec 2: the caller is told so and
    offered an agent); the linked-account balance needs an active debit card
    (`NO_LINKED_ACCOUNT`; R2). Whether the service is allowed at all is `AccessDecision.allows`.
    """
    if service in EMAIL_SERVICES and not customer.has_email:
        return Refusal.NO_EMAIL
    if service is Service.LINKED_BALANCE and not customer.has_debit_card:
        return Refusal.NO_LINKED_ACCOUNT
    return None
