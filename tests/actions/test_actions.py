"""The custom actions on their own, against a real demo bank database (no Rasa server).

Each test builds the tracker the action server would receive and checks what the action says
and which slots it sets.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import backend as backend_module
from actions.navigation import ActionMenuKey
from actions.services import ActionService
from actions.session import ActionSessionStart
from actions.verification import ValidateCardForm
from bot.bank.access import CardKind
from bot.bank.db import init_database
from bot.bank.demo import DEMO_UNKNOWN_CARD, demo_customer
from bot.security.trust import signed_caller_metadata

CARD_KEY = bytes.fromhex("22" * 32)
TRUST_KEY = bytes.fromhex("33" * 32)


@pytest.fixture(scope="module")
def demo_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bank") / "bank.db"
    init_database(f"sqlite:///{path}", demo=True, reset=False, card_key=CARD_KEY,
                  today=date.today())
    return path


@pytest.fixture(autouse=True)
def bank(demo_bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "bank.db"
    shutil.copyfile(demo_bank, path)
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("BOT_CARD_KEY", CARD_KEY.hex())
    monkeypatch.setenv("BOT_TRUST_KEY", TRUST_KEY.hex())
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BOT_SMTP_PORT", "9")  # nothing listens: email must not be needed here
    backend_module.backend.cache_clear()
    yield path
    backend_module.backend.cache_clear()


def tracker(slots: dict[str, Any] | None = None, intent: str | None = None, text: str = "",
            entities: list[dict] | None = None, sender: str = "s1") -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 1.0} if intent else {},
              "entities": entities or [], "text": text}
    base = {"language": "en", "output_mode": "text", "verification_attempts": 0}
    return Tracker(sender, {**base, **(slots or {})}, latest, [], False, None, {}, "action_listen")


def run(action, track: Tracker) -> tuple[list[dict], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, {}))
    return events, dispatcher


def slots_of(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("response") for m in dispatcher.messages if m.get("response")]


def validate(form: ValidateCardForm, slot: str, value: str | None, slots: dict[str, Any]):
    dispatcher = CollectingDispatcher()
    method = getattr(form, f"validate_{slot}")
    result = asyncio.run(method(value, dispatcher, tracker(slots), {}))
    return result, dispatcher


def test_card_number_is_kept_only_as_digest_and_last_four() -> None:
    card = demo_customer("registered_credit").card(CardKind.CREDIT)
    result, _ = validate(ValidateCardForm(), "card_number", card.spaced, {})
    token = result["card_number"]
    assert token.startswith("dg:") and token.endswith(":" + card.last_four)
    assert card.number not in token


@pytest.mark.parametrize(("typed", "response"), [
    ("5412 7530 1184", "utter_card_number_wrong_length"),
    ("5412753011842636", "utter_card_number_invalid"),
    ("my card", "utter_card_number_wrong_length"),
])
def test_badly_formed_card_number_gets_a_specific_reprompt(typed: str, response: str) -> None:
    result, dispatcher = validate(ValidateCardForm(), "card_number", typed, {})
    assert result["card_number"] is None
    assert result["verification_attempts"] == 1
    assert responses(dispatcher) == [response]


def test_right_pin_for_credit_card_allows_card_and_accounts_services() -> None:
    card = demo_customer("unregistered_credit").card(CardKind.CREDIT)
    token, _ = validate(ValidateCardForm(), "card_number", card.number, {})
    result, _ = validate(ValidateCardForm(), "card_pin", card.pin,
                         {**token, "verification_menu": "card"})
    assert result["verification_outcome"] == "verified"
    assert result["card_pin"] == "verified"
    assert set(result["allowed_services"]) >= {"credit_limit", "all_balances", "statement_email"}


def test_third_failure_ends_verification_for_an_agent() -> None:
    token, _ = validate(ValidateCardForm(), "card_number", DEMO_UNKNOWN_CARD, {})
    result, dispatcher = validate(ValidateCardForm(), "card_pin", "1234",
                                  {**token, "verification_attempts": 2})
    assert result["verification_outcome"] == "failed"
    assert responses(dispatcher) == []


def test_wrong_pin_and_unknown_card_are_answered_alike() -> None:
    card = demo_customer("registered_debit").card(CardKind.DEBIT)
    answers = []
    for number in (card.number, DEMO_UNKNOWN_CARD):
        token, _ = validate(ValidateCardForm(), "card_number", number, {})
        result, dispatcher = validate(ValidateCardForm(), "card_pin", "0101", token)
        answers.append((result, dispatcher.messages))
    assert answers[0] == answers[1]
    assert answers[0][0] == {"card_number": None, "card_pin": None, "verification_attempts": 1}


def test_credit_limit_is_read_from_the_bank() -> None:
    arben = demo_customer("registered_credit")
    events, dispatcher = run(ActionService(), tracker(
        {"allowed_services": ["credit_limit", "all_balances"], "verified_method": "card_pin",
         "verified_customer": _customer_id(arben.customer_number)}, intent="credit_limit"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_credit_limit"
    assert message["approved_limit"] == "300,000 ALL"
    assert message["amount_due"] == "87,550 ALL"  # 87,549.50 rounds to whole lekë
    assert slots_of(events)["menu"] == "credit_limit_done"


def test_card_service_without_verification_asks_for_card_and_pin() -> None:
    events, dispatcher = run(ActionService(), tracker(intent="last_card_transaction"))
    assert slots_of(events)["verification_needed"] == "card_pin"
    assert slots_of(events)["pending_service"] == "last_card_transaction"


def test_statement_without_email_is_refused_politely() -> None:
    besnik = demo_customer("no_email")
    _, dispatcher = run(ActionService(), tracker(
        {"allowed_services": ["statement_email", "all_balances"], "verified_method": "card_pin",
         "verified_customer": _customer_id(besnik.customer_number), "currency": "ALL"},
        intent="request_statement"))
    assert responses(dispatcher)[0] == "utter_no_email"


def test_session_start_believes_only_signed_caller_id() -> None:
    number = demo_customer("registered_credit").phone
    signed = {"session_started_metadata": signed_caller_metadata(TRUST_KEY, "s1", number)}
    events, _ = run(ActionSessionStart(), tracker(signed))
    assert slots_of(events) == {"output_mode": "voice", "caller_number": number}
    forged = {"session_started_metadata": signed_caller_metadata(CARD_KEY, "s1", number)}
    events, _ = run(ActionSessionStart(), tracker(forged))
    assert slots_of(events) == {}


def test_typed_key_means_what_the_current_menu_says() -> None:
    events, _ = run(ActionMenuKey(), tracker({"menu": "currency"}, intent="press_key", text="7"))
    assert slots_of(events) == {"key_intent": "request_statement", "currency": "CAD"}
    assert events[-1] == {"event": "followup", "name": "action_service", "timestamp": None}


def test_unknown_key_is_refused_and_menu_repeated() -> None:
    events, dispatcher = run(ActionMenuKey(), tracker({"menu": "business"}, intent="press_key",
                                                      text="5"))
    assert responses(dispatcher) == ["utter_invalid_key"]
    assert slots_of(events) == {"menu": "business"}


def _customer_id(customer_number: str) -> str:
    return str(backend_module.backend().repository.customer_id(customer_number))


def test_form_start_clearing_the_slots_is_not_an_attempt() -> None:
    result, dispatcher = validate(ValidateCardForm(), "card_number", None, {})
    assert result == {"card_number": None}
    assert dispatcher.messages == []
