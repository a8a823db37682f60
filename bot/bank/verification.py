"""Verification against the database: card number + PIN, or the customer number.

The rules of who may get what are `bot.bank.access`; this module establishes the facts they
need, and keeps three promises (docs/architecture.md):

- One answer for every failed card check. An unknown card, a wrong PIN, a blocked or lost card
  and a self-service-locked card all give `NOT_VERIFIED`, and every branch computes one scrypt
  hash, so neither the answer nor its timing tells card numbers apart or reveals whether the
  PIN given for a locked card was right.
- Lockout. `lock_after` (3) wrong PINs in a row lock the card for self-service (persisted); a
  right PIN resets the count. Only an operator unlocks a card.
- Audit. Every attempt is written to `verification_attempts` with its real outcome, the card's
  last four digits at most, never the PIN or the full card number.

The customer number is no secret, so it is only accepted on a voice call from a registered
number, and only the line owner's own number verifies. Another customer's number gets the same
answer as another customer's card (`OTHER_CUSTOMERS_NUMBER`, spec table row 7: one answer for
both); a number that belongs to nobody gets `NOT_VERIFIED`. That tells a registered caller
whether a number they typed is some customer's, which is why guessing is bounded (below): at
most `lock_after` guesses per calling number and per customer, ever, not per call.

Customer-number guessing is bounded like PINs: `lock_after` wrong customer numbers in a row,
across conversations, lock the customer number for the calling number and for the line's
customer (`models.CustomerNumberGuard`); after that even the right number gets `NOT_VERIFIED`,
the same answer, and the audit log says `customer_number_locked`. A right number resets both
counts. Card + PIN is not affected.

Input that is not well formed (a 15-digit card number, a 3-digit PIN) is a `problem`, not an
attempt: it is neither counted nor audited.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.bank.access import (
    AccessDecision,
    CallerLine,
    CardKind,
    Channel,
    Method,
    Proof,
    Refusal,
    Service,
    ServiceMenu,
    decide,
    methods_for,
)
from bot.bank.hashing import (
    card_digest,
    customer_number_digest,
    hash_pin,
    last_four,
    pin_needs_rehash,
    verify_pin,
)
from bot.bank.models import (
    Card,
    CardStatus,
    Customer,
    CustomerNumberGuard,
    GuessSubject,
    VerificationAttempt,
    utc_now,
)
from bot.bank.repository import BankRepository, SessionFactory, load_customer_facts
from bot.bank.validators import (
    InputProblem,
    check_card_number,
    check_customer_number,
    check_pin,
    normalize_phone,
)

LOCK_AFTER_WRONG_PINS = 3


class Outcome(StrEnum):
    """What really happened, for the audit log (refusals are logged as `refused_<reason>`)."""

    VERIFIED = "verified"
    UNKNOWN_CARD = "unknown_card"
    WRONG_PIN = "wrong_pin"
    WRONG_PIN_LOCKED = "wrong_pin_locked"  # the wrong PIN that locked the card
    LOCKED = "locked"
    CARD_INACTIVE = "card_inactive"
    UNKNOWN_CUSTOMER = "unknown_customer"
    WRONG_CUSTOMER_NUMBER_LOCKED = "wrong_customer_number_locked"  # the guess that locked it
    CUSTOMER_NUMBER_LOCKED = "customer_number_locked"
    NOT_INDIVIDUAL = "not_individual"  # a business customer in the individual menus


@dataclass(frozen=True)
class VerificationResult:
    """The public answer of one verification.

    - `problem`: the input was not well formed (nothing was checked);
    - `verified=False`, no decision: the details could not be verified (always this same value);
    - `verified=False` with a decision: the method is not accepted on this line (nothing was
      checked), or the customer number given is another customer's;
    - `verified=True`: the proof was right; `decision` says what the caller may get. The
      customer, card kind and last four are given only when some service is allowed.
    """

    verified: bool
    decision: AccessDecision | None = None
    customer_id: int | None = None
    card_kind: CardKind | None = None
    last_four: str | None = None
    problem: InputProblem | None = None

    @property
    def refusal(self) -> Refusal | None:
        return self.decision.refusal if self.decision is not None else None


NOT_VERIFIED = VerificationResult(verified=False)


@cache
def _dummy_pin_hash(key: bytes) -> str:
    """A hash to check against when there is no card, so that costs one scrypt too."""
    return hash_pin("0000", key)


def _problem(problem: InputProblem | None) -> VerificationResult:
    return VerificationResult(verified=False, problem=problem)


def _four(text: str | None) -> str | None:
    """The last four digits as given, if they are four digits (kept for the audit only)."""
    return text if text is not None and len(text) == 4 and text.isdigit() else None


@dataclass(frozen=True)
class _Attempt:
    """The real outcome of one attempt, and what to answer."""

    outcome: str
    result: VerificationResult
    customer_id: int | None = None
    last_four: str | None = None


class Verifier:
    """Verifies callers against the bank database (see the module docstring)."""

    def __init__(
        self,
        sessions: SessionFactory,
        card_key: bytes,
        *,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = utc_now,
        lock_after: int = LOCK_AFTER_WRONG_PINS,
    ) -> None:
        self._sessions = sessions
        self._card_key = card_key
        self._today = today
        self._now = now
        self._lock_after = lock_after
        _dummy_pin_hash(card_key)  # made now: the first unknown card costs no more than others

    def caller_line(self, channel: Channel | str, caller_number: str | None) -> CallerLine:
        """The caller's line and the customer its number is registered to.

        A web user has no caller ID; a withheld or malformed number has no owner.
        """
        channel = Channel(channel)
        if channel is Channel.WEB:
            return CallerLine(channel=channel, number=None, owner_id=None)
        number = normalize_phone(caller_number)
        owner = BankRepository(self._sessions).phone_owner(number)
        return CallerLine(channel=channel, number=number, owner_id=owner)

    def verify_card(
        self, line: CallerLine, card_number: str, pin: str, menu: ServiceMenu
    ) -> VerificationResult:
        """Verify with the card number and PIN as keyed in."""
        checked = check_card_number(card_number)
        if checked.value is None:
            return _problem(checked.problem)
        digest = card_digest(checked.value, self._card_key)
        return self.verify_card_digest(line, digest, last_four(checked.value), pin, menu)

    def verify_card_digest(
        self, line: CallerLine, number_digest: str, card_last_four: str, pin: str, menu: ServiceMenu
    ) -> VerificationResult:
        """Verify with a card already reduced to its keyed digest (`hashing.card_digest`) and
        last four, so that a conversation need not keep the number between turns."""
        checked_pin = check_pin(pin)
        if checked_pin.value is None:
            return _problem(checked_pin.problem)
        with self._sessions() as session, session.begin():
            card = session.scalar(
                select(Card).where(Card.number_digest == number_digest).with_for_update()
            )
            attempt = self._check_card(session, line, card, checked_pin.value, ServiceMenu(menu))
            if card is None:
                attempt = _Attempt(attempt.outcome, attempt.result, None, _four(card_last_four))
            self._audit(session, line, Method.CARD_PIN, attempt)
        return attempt.result

    def verify_customer_number(
        self, line: CallerLine, customer_number: str, menu: ServiceMenu
    ) -> VerificationResult:
        """Verify with the 9-digit customer number (accounts menu, own registered number)."""
        checked = check_customer_number(customer_number)
        if checked.value is None:
            return _problem(checked.problem)
        if Method.CUSTOMER_NUMBER in methods_for(ServiceMenu(menu), line):
            self._ensure_guards(line)
        with self._sessions() as session, session.begin():
            attempt = self._check_customer_number(session, line, checked.value, ServiceMenu(menu))
            self._audit(session, line, Method.CUSTOMER_NUMBER, attempt)
        return attempt.result

    def decision_for(
        self, line: CallerLine, customer_id: int, method: Method, menu: ServiceMenu,
        service: Service | None = None,
    ) -> AccessDecision | None:
        """What an already verified caller may get now, for `menu` (and `service`), from the
        customer's facts as they are now; None if the customer is no longer one of ours."""
        with self._sessions() as session:
            facts = load_customer_facts(session, customer_id)
        if facts is None:
            return None
        return decide(line, facts, Proof(Method(method)), ServiceMenu(menu), self._today(), service)

    def _check_card(
        self, session: Session, line: CallerLine, card: Card | None, pin: str, menu: ServiceMenu
    ) -> _Attempt:
        if card is None:
            verify_pin(pin, _dummy_pin_hash(self._card_key), self._card_key)
            return _Attempt(Outcome.UNKNOWN_CARD, NOT_VERIFIED)
        pin_right = verify_pin(pin, card.pin_hash, self._card_key)
        seen = {"customer_id": card.customer_id, "last_four": card.last_four}
        if card.self_service_locked_at is not None:
            return _Attempt(Outcome.LOCKED, NOT_VERIFIED, **seen)
        if card.status != CardStatus.ACTIVE.value:
            return _Attempt(Outcome.CARD_INACTIVE, NOT_VERIFIED, **seen)
        if not pin_right:
            card.failed_pin_attempts += 1
            if card.failed_pin_attempts < self._lock_after:
                return _Attempt(Outcome.WRONG_PIN, NOT_VERIFIED, **seen)
            card.self_service_locked_at = self._now()
            return _Attempt(Outcome.WRONG_PIN_LOCKED, NOT_VERIFIED, **seen)
        card.failed_pin_attempts = 0
        if pin_needs_rehash(card.pin_hash):
            card.pin_hash = hash_pin(pin, self._card_key)  # an older scheme, now peppered
        proof = Proof(Method.CARD_PIN, CardKind(card.kind))
        return self._decide(session, line, card.customer_id, proof, menu, card.last_four)

    def _check_customer_number(
        self, session: Session, line: CallerLine, customer_number: str, menu: ServiceMenu
    ) -> _Attempt:
        if Method.CUSTOMER_NUMBER not in methods_for(menu, line):
            refused = AccessDecision(frozenset(), Refusal.METHOD_NOT_ALLOWED)
            return _Attempt(_refused(refused), VerificationResult(False, refused))
        guards = self._guards(session, line)
        owner = session.get(Customer, line.trusted_owner_id)
        digest = customer_number_digest(customer_number, self._card_key)
        right = owner is not None and hmac.compare_digest(owner.customer_number_digest, digest)
        if any(guard.locked_at is not None for guard in guards):
            return _Attempt(Outcome.CUSTOMER_NUMBER_LOCKED, NOT_VERIFIED, line.trusted_owner_id)
        if right:
            for guard in guards:
                guard.failed_attempts = 0
            return self._decide(session, line, owner.id, Proof(Method.CUSTOMER_NUMBER), menu)
        for guard in guards:
            guard.failed_attempts += 1
        if any(guard.failed_attempts >= self._lock_after for guard in guards):
            for guard in guards:
                guard.locked_at = self._now()
            return _Attempt(Outcome.WRONG_CUSTOMER_NUMBER_LOCKED, NOT_VERIFIED,
                            line.trusted_owner_id)
        other = session.scalar(
            select(Customer.id).where(Customer.customer_number_digest == digest)
        )
        if other is None:
            return _Attempt(Outcome.UNKNOWN_CUSTOMER, NOT_VERIFIED)
        refused = AccessDecision(frozenset(), Refusal.OTHER_CUSTOMERS_NUMBER)
        return _Attempt(_refused(refused), VerificationResult(False, refused), other)

    def _ensure_guards(self, line: CallerLine) -> None:
        """Make the line's guess counters on first use (each in its own transaction, so that
        a parallel first guess that made it already is no error)."""
        for kind, subject in _guard_subjects(line):
            with self._sessions() as session:
                if session.scalar(_guard_query(kind, subject)) is not None:
                    continue
                session.add(CustomerNumberGuard(subject_kind=kind.value, subject=subject,
                                                failed_attempts=0))
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()

    def _guards(self, session: Session, line: CallerLine) -> list[CustomerNumberGuard]:
        """The guess counters of the calling number and of its customer, locked for update."""
        return [session.scalar(_guard_query(kind, subject).with_for_update())
                for kind, subject in _guard_subjects(line)]

    def _decide(
        self,
        session: Session,
        line: CallerLine,
        customer_id: int,
        proof: Proof,
        menu: ServiceMenu,
        card_last_four: str | None = None,
    ) -> _Attempt:
        """The proof was right: ask the access rules what the caller may get."""
        seen = {"customer_id": customer_id, "last_four": card_last_four}
        facts = load_customer_facts(session, customer_id)
        if facts is None:
            return _Attempt(Outcome.NOT_INDIVIDUAL, NOT_VERIFIED, **seen)
        decision = decide(line, facts, proof, menu, self._today())
        if not decision.services:
            return _Attempt(_refused(decision), VerificationResult(True, decision), **seen)
        result = VerificationResult(True, decision, customer_id, proof.card_kind, card_last_four)
        return _Attempt(Outcome.VERIFIED, result, **seen)

    def _audit(self, session: Session, line: CallerLine, method: Method, attempt: _Attempt) -> None:
        session.add(
            VerificationAttempt(
                attempted_at=self._now(),
                channel=line.channel.value,
                caller_number=line.number,
                method=method.value,
                outcome=str(attempt.outcome),
                customer_id=attempt.customer_id,
                card_last_four=attempt.last_four,
            )
        )


def _guard_subjects(line: CallerLine) -> tuple[tuple[GuessSubject, str], ...]:
    return ((GuessSubject.PHONE, str(line.number)),
            (GuessSubject.CUSTOMER, str(line.trusted_owner_id)))


def _guard_query(kind: GuessSubject, subject: str):
    return select(CustomerNumberGuard).where(
        CustomerNumberGuard.subject_kind == kind.value, CustomerNumberGuard.subject == subject
    )


def _refused_for(refusal: Refusal) -> str:
    return f"refused_{refusal.value}"


def _refused(decision: AccessDecision) -> str:
    return _refused_for(decision.refusal or Refusal.METHOD_NOT_ALLOWED)
