"""The verification state written to and read from slots in one place."""

from __future__ import annotations

import pytest

from actions.requests import METHOD_CHOICES, REQUESTS, SERVICE_INTENTS
from actions.verification_state import (
    FAILED,
    VERIFIED,
    CardToken,
    OutcomeKind,
    VerificationOutcome,
    refused,
)
from bot.bank.access import Refusal

KEY = bytes.fromhex("44" * 32)


@pytest.mark.parametrize("outcome", [VERIFIED, FAILED, *(refused(r) for r in Refusal)])
def test_outcome_round_trips(outcome: VerificationOutcome) -> None:
    assert VerificationOutcome.from_slot(outcome.to_slot()) == outcome


def test_outcome_slot_values_as_written() -> None:
    assert VERIFIED.to_slot() == "verified"
    assert FAILED.to_slot() == "failed"
    assert refused(Refusal.UNDER_AGE).to_slot() == "refused:under_age"


@pytest.mark.parametrize("value", [None, "", "done", "refused:", "refused:nonsense",
                                   "verified:under_age", "VERIFIED", 3])
def test_values_never_written_mean_nothing(value: object) -> None:
    assert VerificationOutcome.from_slot(value) is None


def test_refusal_only_with_refused() -> None:
    with pytest.raises(ValueError):
        VerificationOutcome(OutcomeKind.VERIFIED, Refusal.UNDER_AGE)
    with pytest.raises(ValueError):
        VerificationOutcome(OutcomeKind.REFUSED)


def test_card_token_keeps_digest_and_last_four_only() -> None:
    token = CardToken.of("4278301234567891", KEY)
    slot = token.to_slot()
    assert slot.startswith("dg:") and slot.endswith(":7891") and "42783012" not in slot
    assert CardToken.from_slot(slot) == token


@pytest.mark.parametrize("value", [None, "", "dg:", "dg:abc", "dg:abc:12", "xx:abc:1234",
                                   "dg::1234", "dg:abc:12a4"])
def test_malformed_card_tokens_are_refused(value: object) -> None:
    assert CardToken.from_slot(value) is None


def test_service_intents_derived_from_requests_and_method_choices() -> None:
    assert set(REQUESTS) | METHOD_CHOICES == SERVICE_INTENTS
    assert "check_balance" in SERVICE_INTENTS and "no_card" in SERVICE_INTENTS
