"""The verification forms: card number + PIN, and the customer number.

Slot values never keep a secret: once the card number is well formed the slot holds its keyed
digest and last four digits ("dg:<hex>:1234"); once the PIN is checked the slot holds
"verified". Retries are bounded (Settings.max_attempts, counting bad input and failed checks);
after the last one the form ends with outcome "failed" and action_service hands the caller to an
agent. An unknown card and a wrong PIN get the same answer.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.backend import backend
from actions.conversation import attempts, caller_line
from bot.bank.access import Menu
from bot.bank.hashing import card_digest
from bot.bank.validators import InputProblem, check_card_number, check_customer_number, check_pin

CARD_PROBLEM_RESPONSES = {
    InputProblem.CHECKSUM: "utter_card_number_invalid",
}
VERIFIED = "verified"
FAILED = "failed"


def card_token(card_number: str, key: bytes) -> str:
    return f"dg:{card_digest(card_number, key)}:{card_number[-4:]}"


def parse_card_token(token: str) -> tuple[str, str] | None:
    kind, _, rest = (token or "").partition(":")
    digest, _, last_four = rest.partition(":")
    return (digest, last_four) if kind == "dg" and digest and last_four else None


def _give_up(form_slots: list[str]) -> dict[str, Any]:
    """Fill the form so that it ends; action_service then hands the caller to an agent."""
    return {**{slot: FAILED for slot in form_slots}, "verification_outcome": FAILED}


def _retry(tracker: Tracker, dispatcher: CollectingDispatcher, response: str,
           form_slots: list[str], reask: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Count one more attempt: say what went wrong and ask again, or give up after the last."""
    used = attempts(tracker) + 1
    left = backend().settings.max_attempts - used
    if left <= 0:
        return {**_give_up(form_slots), "verification_attempts": used}
    dispatcher.utter_message(response=response, attempts_left=left, **values)
    return {**reask, "verification_attempts": used}


def _menu(tracker: Tracker) -> Menu:
    return Menu.CARD if tracker.get_slot("verification_menu") == "card" else Menu.ACCOUNTS


def _outcome_slots(result, method: str) -> dict[str, Any]:
    """Slots after a successful check of the secret: who the caller is and what they may get."""
    decision = result.decision
    if not decision.services:
        return {"verification_outcome": f"refused:{decision.refusal}"}
    return {
        "verification_outcome": VERIFIED,
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
        if value == FAILED or parse_card_token(str(value)):
            return {"card_number": value}
        checked = check_card_number(str(value or ""))
        if checked.ok:
            return {"card_number": card_token(checked.value, backend().card_key)}
        response = CARD_PROBLEM_RESPONSES.get(checked.problem, "utter_card_number_wrong_length")
        return _retry(tracker, dispatcher, response, self.FORM_SLOTS, {"card_number": None})

    async def validate_card_pin(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None or value in (FAILED, VERIFIED):
            return {"card_pin": value}
        token = parse_card_token(tracker.get_slot("card_number") or "")
        checked = check_pin(str(value or ""))
        if token is None:
            return {"card_pin": None, "card_number": None}
        if not checked.ok:
            return _retry(tracker, dispatcher, "utter_pin_wrong_format", self.FORM_SLOTS,
                          {"card_pin": None})
        services = backend()
        line = caller_line(tracker, services.verifier)
        digest, last_four = token
        result = services.verifier.verify_card_digest(line, digest, last_four, checked.value,
                                                      _menu(tracker))
        if result.verified:
            return {"card_pin": VERIFIED, **_outcome_slots(result, "card_pin")}
        return _retry(tracker, dispatcher, "utter_card_not_verified", self.FORM_SLOTS,
                      {"card_number": None, "card_pin": None})


class ValidateCustomerNumberForm(FormValidationAction):
    FORM_SLOTS = ["customer_number"]

    def name(self) -> str:
        return "validate_customer_number_form"

    async def validate_customer_number(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None or value in (FAILED, VERIFIED):
            return {"customer_number": value}
        checked = check_customer_number(str(value or ""))
        if not checked.ok:
            return _retry(tracker, dispatcher, "utter_customer_number_wrong_format",
                          self.FORM_SLOTS, {"customer_number": None})
        services = backend()
        line = caller_line(tracker, services.verifier)
        result = services.verifier.verify_customer_number(line, checked.value, Menu.ACCOUNTS)
        if result.verified:
            return {"customer_number": VERIFIED, **_outcome_slots(result, "customer_number")}
        return _retry(tracker, dispatcher, "utter_customer_number_not_verified", self.FORM_SLOTS,
                      {"customer_number": None})
