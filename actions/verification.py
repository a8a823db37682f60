"""The verification forms: card number + PIN, and the customer number.

Slot values never keep a secret: once the card number is well formed its keyed digest and last
four digits are kept in `card_token`; the form slots then hold only `FORM_SLOT_DONE`
(`actions/verification_state.py`). Whatever the caller types is checked as what it claims to
be: nothing typed is ever taken as internal state. Retries are bounded (Settings.max_attempts,
counting bad input and failed checks); after the last one the form ends with outcome "failed"
and action_service hands the caller to an agent.
An unknown card and a wrong PIN get the same answer.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.backend import backend
from actions.conversation import attempts, caller_line, is_voice, language
from actions.presentation import figure
from actions.verification_state import (
    CARD_TOKEN_SLOT,
    FAILED,
    FORM_SLOT_DONE,
    OUTCOME_SLOT,
    VERIFIED,
    CardToken,
    refused,
)
from bot.bank.access import Method, ServiceMenu, methods_for
from bot.bank.validators import InputProblem, check_card_number, check_customer_number, check_pin

CARD_PROBLEM_RESPONSES = {
    InputProblem.CHECKSUM: "utter_card_number_invalid",
}
# PIN checks (a scrypt each, ~0.1 s of a core) at once: all cores but one, so that a burst of
# PIN checks leaves a core for every other conversation's turns (bench/action_loop_bench.py).
PIN_CHECKS_AT_ONCE = int(os.environ.get("BOT_PIN_CHECKS", str(max(1, (os.cpu_count() or 2) - 1))))
_pin_checks = asyncio.Semaphore(PIN_CHECKS_AT_ONCE)


def _give_up(form_slots: list[str]) -> dict[str, Any]:
    """Fill the form so that it ends; action_service then hands the caller to an agent."""
    return {**{slot: FORM_SLOT_DONE for slot in form_slots}, OUTCOME_SLOT: FAILED.to_slot(),
            CARD_TOKEN_SLOT: None}


def _retry(tracker: Tracker, dispatcher: CollectingDispatcher, response: str,
           form_slots: list[str], reask: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Count one more attempt: say what went wrong and ask again, or give up after the last."""
    used = attempts(tracker) + 1
    left = backend().settings.max_attempts - used
    if left <= 0:
        return {**_give_up(form_slots), "verification_attempts": used}
    dispatcher.utter_message(response=response,
                             attempts_left=figure(left, language(tracker), is_voice(tracker)),
                             **values)
    return {**reask, "verification_attempts": used}


def _menu(tracker: Tracker) -> ServiceMenu:
    card = tracker.get_slot("verification_menu") == "card"
    return ServiceMenu.CARD if card else ServiceMenu.ACCOUNTS


async def _customer_number_allowed(tracker: Tracker) -> bool:
    line = await caller_line(tracker, backend().verifier)
    return Method.CUSTOMER_NUMBER in methods_for(ServiceMenu.ACCOUNTS, line)


def _outcome_slots(result, method: str) -> dict[str, Any]:
    """Slots after a successful check of the secret: who the caller is and what they may get."""
    decision = result.decision
    if not decision.services:
        return {OUTCOME_SLOT: refused(decision.refusal).to_slot(), CARD_TOKEN_SLOT: None}
    return {
        OUTCOME_SLOT: VERIFIED.to_slot(),
        CARD_TOKEN_SLOT: None,
        "verified_customer": str(result.customer_id),
        "verified_method": method,
        "verified_card": getattr(result, "last_four", None),
        "allowed_services": sorted(decision.services),
        "verification_attempts": 0,
    }


class ValidateCardForm(FormValidationAction):
    FORM_SLOTS = ["card_number", "card_pin"]

    def name(self) -> str:
        return "validate_card_form"

    async def validate_card_number(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None:  # cleared when the form starts: nothing typed yet
            return {"card_number": None}
        checked = check_card_number(str(value))
        if checked.ok:
            token = CardToken.of(checked.value, backend().card_key)
            return {"card_number": FORM_SLOT_DONE, CARD_TOKEN_SLOT: token.to_slot()}
        response = CARD_PROBLEM_RESPONSES.get(checked.problem, "utter_card_number_wrong_length")
        if check_customer_number(str(value)).ok and not await _customer_number_allowed(tracker):
            response = "utter_method_not_allowed"  # a customer number, off a registered phone
        return _retry(tracker, dispatcher, response, self.FORM_SLOTS, {"card_number": None})

    async def validate_card_pin(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None:
            return {"card_pin": None}
        token = CardToken.from_slot(tracker.get_slot(CARD_TOKEN_SLOT))
        checked = check_pin(str(value))
        if token is None:  # no card number taken yet: ask for it first
            return {"card_pin": None, "card_number": None}
        if not checked.ok:
            return _retry(tracker, dispatcher, "utter_pin_wrong_format", self.FORM_SLOTS,
                          {"card_pin": None})
        services = backend()
        line = await caller_line(tracker, services.verifier)
        async with _pin_checks:
            result = await asyncio.to_thread(services.verifier.verify_card_digest, line,
                                             token.digest, token.last_four, checked.value,
                                             _menu(tracker))
        if result.verified:
            return {"card_pin": FORM_SLOT_DONE, **_outcome_slots(result, "card_pin")}
        return _retry(tracker, dispatcher, "utter_card_not_verified", self.FORM_SLOTS,
                      {"card_number": None, "card_pin": None, CARD_TOKEN_SLOT: None})


class ValidateCustomerNumberForm(FormValidationAction):
    FORM_SLOTS = ["customer_number"]

    def name(self) -> str:
        return "validate_customer_number_form"

    async def validate_customer_number(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None:
            return {"customer_number": None}
        checked = check_customer_number(str(value))
        if not checked.ok:
            return _retry(tracker, dispatcher, "utter_customer_number_wrong_format",
                          self.FORM_SLOTS, {"customer_number": None})
        services = backend()
        line = await caller_line(tracker, services.verifier)
        result = await asyncio.to_thread(services.verifier.verify_customer_number, line,
                                         checked.value, ServiceMenu.ACCOUNTS)
        if result.verified:
            return {"customer_number": FORM_SLOT_DONE, **_outcome_slots(result, "customer_number")}
        if result.refusal is not None:  # another customer's number: as with their card
            return {"customer_number": FORM_SLOT_DONE,
                    OUTCOME_SLOT: refused(result.refusal).to_slot()}
        return _retry(tracker, dispatcher, "utter_customer_number_not_verified", self.FORM_SLOTS,
                      {"customer_number": None})
