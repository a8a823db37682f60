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
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import backend as backend_module
from actions.handoff import ActionHandoff
from actions.intent_routing import RULES_FILE
from actions.navigation import ANSWERED_HERE, ActionMenuKey, ActionNavigate, ActionSetLanguage
from actions.presentation import currency
from actions.reply import ActionReply
from actions.services import ActionService
from actions.session import ActionSessionStart
from actions.verification import ValidateCardForm, ValidateCustomerNumberForm
from bot.bank.access import CardKind
from bot.bank.db import init_database
from bot.bank.demo import DEMO_UNKNOWN_CARD, demo_customer
from bot.menus import menu_for
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
    token = result["card_token"]
    assert token.startswith("dg:") and token.endswith(":" + card.last_four)
    assert card.number not in token
    assert card.number not in str(result) and card.last_four not in result["card_number"]


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
    assert result["card_pin"] == "done"
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
    assert answers[0][0] == {"card_number": None, "card_pin": None, "card_token": None,
                             "verification_attempts": 1}


def test_credit_limit_is_read_from_the_bank() -> None:
    arben = demo_customer("registered_credit")
    events, dispatcher = run(ActionService(), tracker(
        {"allowed_services": ["credit_limit", "all_balances"], "verified_method": "card_pin",
         "verified_customer": _customer_id(arben.customer_number)}, intent="credit_limit"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_credit_limit"
    assert message["approved_limit"] == "300,000.00 ALL"
    assert message["amount_due"] == "87,549.50 ALL"  # exact, to the qindarka
    assert slots_of(events)["menu"] == "credit_limit_done"


def test_credit_limit_is_said_exactly_on_the_phone() -> None:
    arben = demo_customer("registered_credit")
    _, dispatcher = run(ActionService(), tracker(
        {"allowed_services": ["credit_limit"], "verified_method": "card_pin",
         "verified_customer": _customer_id(arben.customer_number), "output_mode": "voice",
         "caller_number": arben.phone}, intent="credit_limit"))
    assert dispatcher.messages[0]["amount_due"] == (
        "eighty-seven thousand five hundred and forty-nine lek and fifty qindarka")


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
    backend = backend_module.backend()
    return str(backend.repository.customer_id(customer_number, backend.card_key))


def test_form_start_clearing_the_slots_is_not_an_attempt() -> None:
    result, dispatcher = validate(ValidateCardForm(), "card_number", None, {})
    assert result == {"card_number": None}
    assert dispatcher.messages == []


def _verified(key: str, method: str, **slots: Any) -> dict[str, Any]:
    customer = demo_customer(key)
    return {"verified_customer": _customer_id(customer.customer_number), "verified_method": method,
            "allowed_services": ["all_balances"], **slots}


def _menu_message(dispatcher: CollectingDispatcher) -> dict[str, Any]:
    return next(m for m in dispatcher.messages if "menu" in (m.get("custom") or {}))


def test_r2_no_card_customer_is_not_offered_the_linked_balance() -> None:
    no_card = demo_customer("registered_no_card")
    slots = _verified("registered_no_card", "customer_number", output_mode="voice",
                      caller_number=no_card.phone)
    events, dispatcher = run(ActionService(), tracker(slots, intent="account_info"))
    menu = _menu_message(dispatcher)
    assert "1" not in menu["custom"]["keys"] and {"2", "3"} <= set(menu["custom"]["keys"])
    assert "debit" not in menu["custom"]["speech"] and "debit" not in menu["text"]
    assert "debit" in menu_for("accounts").spoken("en")  # what the others hear
    assert all(not b["title"].startswith("1 ") for b in menu["buttons"])
    allowed = ["all_balances", "balances_email", "statement_email"]
    assert slots_of(events)["allowed_services"] == allowed
    # the key that is not offered is an unknown key, as in any menu
    pressed = {**slots, "menu": "accounts", "allowed_services": allowed}
    events, dispatcher = run(ActionMenuKey(), tracker(pressed, intent="press_key", text="1"))
    assert responses(dispatcher) == ["utter_invalid_key"]


def test_debit_card_holder_is_offered_the_linked_balance() -> None:
    slots = _verified("unregistered_debit", "card_pin")
    _, dispatcher = run(ActionService(), tracker(slots, intent="account_info"))
    assert "1" in _menu_message(dispatcher)["custom"]["keys"]


def test_card_menu_after_customer_number_asks_for_card_and_pin() -> None:
    arben = demo_customer("registered_credit")
    slots = _verified("registered_credit", "customer_number", output_mode="voice",
                      caller_number=arben.phone)
    events, dispatcher = run(ActionService(), tracker(slots, intent="credit_limit"))
    assert responses(dispatcher) == ["utter_needs_card_verification"]
    assert slots_of(events)["verification_needed"] == "card_pin"


def test_card_menu_without_credit_card_offers_the_accounts_menu() -> None:
    slots = _verified("unregistered_debit", "card_pin")
    events, dispatcher = run(ActionService(), tracker(slots, intent="card_info"))
    assert responses(dispatcher) == ["utter_needs_credit_card"]
    assert slots_of(events)["menu"] == "accounts"


def test_forged_verification_slots_are_not_believed() -> None:
    slots = {"verified_customer": "not-a-number", "verified_method": "verified",
             "allowed_services": ["all_balances"]}
    events, dispatcher = run(ActionService(), tracker(slots, intent="check_all_balances"))
    assert slots_of(events)["menu"] == "accounts_method"  # asked to identify, nothing served
    assert not any(m.get("response") == "utter_all_balances" for m in dispatcher.messages)


@pytest.mark.parametrize("typed", ["verified", "failed", "done", "refused:under_age"])
def test_typed_marker_at_the_pin_prompt_is_a_wrong_pin_format(typed: str) -> None:
    card = demo_customer("unregistered_credit").card(CardKind.CREDIT)
    token, _ = validate(ValidateCardForm(), "card_number", card.number, {})
    result, dispatcher = validate(ValidateCardForm(), "card_pin", typed, token)
    assert result == {"card_pin": None, "verification_attempts": 1}
    assert responses(dispatcher) == ["utter_pin_wrong_format"]


def test_typed_card_token_is_not_taken_as_a_card_number() -> None:
    card = demo_customer("unregistered_credit").card(CardKind.CREDIT)
    real, _ = validate(ValidateCardForm(), "card_number", card.number, {})
    result, dispatcher = validate(ValidateCardForm(), "card_number", real["card_token"], {})
    assert result == {"card_number": None, "verification_attempts": 1}
    assert responses(dispatcher) == ["utter_card_number_wrong_length"]
    # and a PIN after a typed token (no card_token set by us) asks for the card number again
    result, _ = validate(ValidateCardForm(), "card_pin", card.pin,
                         {"card_number": real["card_token"]})
    assert result == {"card_pin": None, "card_number": None}


@pytest.mark.parametrize("typed", ["verified", "failed", "done"])
def test_typed_marker_at_the_customer_number_prompt_is_a_wrong_format(typed: str) -> None:
    result, dispatcher = asyncio.run(_validate_customer_number(typed))
    assert result == {"customer_number": None, "verification_attempts": 1}
    assert responses(dispatcher) == ["utter_customer_number_wrong_format"]


async def _validate_customer_number(value: str, slots: dict[str, Any] | None = None):
    dispatcher = CollectingDispatcher()
    result = await ValidateCustomerNumberForm().validate_customer_number(
        value, dispatcher, tracker(slots), {})
    return result, dispatcher


def test_customer_number_guesses_are_bounded_across_conversations() -> None:
    """Two wrong numbers in one call, one in the next: the right one then gets the same answer
    as a wrong one (the limit is kept in the bank, not in the conversation)."""
    gentian = demo_customer("registered_no_card")
    line = {"output_mode": "voice", "caller_number": gentian.phone}
    answers = []
    for sender, typed, used in [("call-1", "999999999", 0), ("call-1", "999999998", 1),
                                ("call-2", "999999997", 0), ("call-2", gentian.customer_number, 1)]:
        dispatcher = CollectingDispatcher()
        result = asyncio.run(ValidateCustomerNumberForm().validate_customer_number(
            typed, dispatcher, tracker({**line, "verification_attempts": used}, sender=sender),
            {}))
        answers.append((result, responses(dispatcher)))
    assert all(r == ["utter_customer_number_not_verified"] for _, r in answers)
    assert answers[-1][0] == {"customer_number": None, "verification_attempts": 2}


@pytest.mark.parametrize(("code", "lang", "before_noun", "said"), [
    ("CAD", "en", True, "Canadian dollar"),  # "your Canadian dollar accounts"
    ("CAD", "en", False, "Canadian dollars"),  # "no account in Canadian dollars"
    ("CAD", "sq", True, "dollarë kanadezë"),  # "llogaritë tuaja në dollarë kanadezë"
    ("CHF", "sq", True, "franga zvicerane"),
    ("EUR", "en", True, "euro"),
    ("GBP", "en", True, "British pound"),
    ("CAD", "en", True, "CAD"),  # written: the code
])
def test_currency_names_fit_the_sentence(code: str, lang: str, before_noun: bool,
                                         said: str) -> None:
    voice = said != code
    assert currency(code, lang, voice, before_noun=before_noun) == said


def test_another_customers_number_gets_one_answer_by_card_or_customer_number() -> None:
    """Elira's registered phone, Mirela's customer number or card: the same refusal."""
    elira, mirela = demo_customer("registered_debit"), demo_customer("unregistered_credit")
    line = {"output_mode": "voice", "caller_number": elira.phone}
    by_number, _ = asyncio.run(_validate_customer_number(mirela.customer_number, line))
    card = mirela.card(CardKind.CREDIT)
    token, _ = validate(ValidateCardForm(), "card_number", card.number, line)
    by_card, _ = validate(ValidateCardForm(), "card_pin", card.pin, {**line, **token})
    assert by_number["verification_outcome"] == by_card["verification_outcome"] == (
        "refused:other_customers_number")
    _, dispatcher = run(ActionService(), tracker({**line, **by_number}))
    assert responses(dispatcher) == ["utter_other_customers_number"]


@pytest.mark.parametrize("slots", [{}, {"output_mode": "voice",
                                        "caller_number": "+355694109990"}], ids=["web", "call"])
def test_every_caller_gets_the_same_method_choice(slots: dict[str, Any]) -> None:
    events, dispatcher = run(ActionService(), tracker(slots, intent="account_info"))
    assert slots_of(events)["menu"] == "accounts_method"
    assert slots_of(events)["verification_needed"] is None
    # choosing the customer number off a registered phone is answered with the rule
    events, dispatcher = run(ActionService(), tracker(
        {**slots, "pending_service": "account_info"}, intent="verify_with_customer_number"))
    assert responses(dispatcher) == ["utter_method_not_allowed"]
    assert slots_of(events)["verification_needed"] == "card_pin"


def test_customer_number_at_the_card_prompt_is_answered_with_the_rule() -> None:
    gentian = demo_customer("registered_no_card")
    result, dispatcher = validate(ValidateCardForm(), "card_number", gentian.customer_number, {})
    assert result == {"card_number": None, "verification_attempts": 1}
    assert responses(dispatcher) == ["utter_method_not_allowed"]


def test_last_transactions_in_words_are_read_and_the_email_offered() -> None:
    arben = demo_customer("registered_credit")
    slots = {**_verified("registered_credit", "card_pin"),
             "allowed_services": ["last_card_transaction", "card_transactions_email"]}
    events, dispatcher = run(ActionService(), tracker(slots, intent="card_transactions_email",
                                                      text="what were my last transactions"))
    assert responses(dispatcher)[0] == "utter_last_card_transaction"
    assert slots_of(events)["menu"] == "last_transaction_done"
    menu = _menu_message(dispatcher)
    assert menu["custom"]["keys"]["3"] == "/card_transactions_email"
    assert "Transaction list by email" in str(menu["buttons"])
    # pressing 3 there is the explicit choice: the list is emailed (here no mail server: fails)
    pressed = Tracker("s1", {"language": "en", "output_mode": "text", **slots,
                             "key_intent": "card_transactions_email"},
                      {"intent": {"name": "press_key"}, "entities": [], "text": "3"}, [], False,
                      None, {}, "action_menu_key")
    _, dispatcher = run(ActionService(), pressed)
    assert responses(dispatcher)[0] == "utter_email_failed"
    assert arben.email  # she has an address: the failure is the missing mail server


@pytest.mark.parametrize(("intent", "voice", "heard"), [
    ("lost_card", True, ["utter_lost_card", "utter_tariff_notice"]),
    ("talk_to_agent", True, ["utter_connecting_agent", "utter_tariff_notice"]),
    ("complaint", True, ["utter_complaint_recorded", "utter_tariff_notice"]),
    ("pos_support", True, ["utter_connecting_pos_support"]),
    ("lost_card", False, ["utter_lost_card"]),
    ("talk_to_agent", False, ["utter_connecting_agent"]),
    ("complaint", False, ["utter_complaint_recorded"]),
])
def test_tariff_notice_only_before_phone_hand_offs_to_an_agent(intent: str, voice: bool,
                                                              heard: list[str]) -> None:
    slots = {"output_mode": "voice", "caller_number": "+355694109990"} if voice else {}
    _, dispatcher = run(ActionHandoff(), tracker(slots, intent=intent))
    assert responses(dispatcher) == heard
    assert "handoff" in dispatcher.messages[-1]["custom"]  # said before the transfer


def complaint_turn(before: list[dict[str, Any]]) -> Tracker:
    """A web user reporting a complaint in a session whose events so far are `before`."""
    events = [{"event": "session_started", "timestamp": 1000.0}, *before,
              {"event": "user", "text": "3", "parse_data": {"intent": {"name": "complaint"}}}]
    latest = {"intent": {"name": "complaint", "confidence": 1.0}, "entities": [], "text": "3"}
    return Tracker("retry-1", {"language": "en", "output_mode": "text"}, latest, events, False,
                   None, {}, "action_listen")


def recorded(track: Tracker) -> tuple[str, int]:
    events, dispatcher = run(ActionHandoff(), track)
    handoff = dispatcher.messages[-1]["custom"]["handoff"]
    return slots_of(events)["complaint_reference"], handoff["id"]


def test_a_complaint_asked_again_after_a_lost_answer_is_recorded_once() -> None:
    """The first try recorded it but its answer never reached the conversation (the turn was
    taken back): the retry reads back the same complaint and hand-off."""
    first = recorded(complaint_turn([]))
    assert recorded(complaint_turn([])) == first
    said = {"event": "user", "text": "3", "parse_data": {"intent": {"name": "complaint"}}}
    taken_back = [said,
                  {"event": "slot", "name": "complaint_reference", "value": first[0]},
                  {"event": "slot", "name": "handoff_queue", "value": "agent"},
                  {"event": "rewind"}]  # UserUtteranceReverted
    assert recorded(complaint_turn(taken_back)) == first


def test_a_second_complaint_in_a_conversation_is_a_new_one() -> None:
    first = recorded(complaint_turn([]))
    said = {"event": "user", "text": "3", "parse_data": {"intent": {"name": "complaint"}}}
    told = [said,
            {"event": "slot", "name": "complaint_reference", "value": first[0]},
            {"event": "slot", "name": "handoff_queue", "value": "agent"}]
    second = recorded(complaint_turn(told))
    assert second[0] != first[0] and second[1] != first[1]


def _said_in(lang: str | None, text: str, intent: str, **slots: Any) -> Tracker:
    """A message as the NLU gives it: with the language it found (None: keys, unclear)."""
    latest: dict[str, Any] = {"intent": {"name": intent, "confidence": 1.0}, "entities": [],
                              "text": text}
    if lang is not None:
        latest["language"] = {"code": lang, "confidence": 0.99}
    base = {"language": "sq", "output_mode": "text", "verification_attempts": 0}
    return Tracker("s1", {**base, **slots}, latest, [], False, None, {}, "action_listen")


def test_english_before_a_language_choice_is_answered_in_english() -> None:
    events, dispatcher = run(ActionService(), _said_in("en", "what is my balance",
                                                       "check_balance"))
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "en"},
                      {"event": "followup", "timestamp": None, "name": "action_service"}]
    assert dispatcher.messages == []  # said by the run that follows, in English
    events, _ = run(ActionReply(), _said_in("en", "i forgot my e-banking password", "faq"))
    assert slots_of(events) == {"language": "en"} and events[-1]["name"] == "utter_faq"


@pytest.mark.parametrize(("lang", "text", "slots"), [
    ("en", "what is my balance", {"language_chosen": True}),  # the caller chose Albanian
    ("sq", "dua të di gjendjen", {}),  # already the conversation's language
    (None, "1", {}),  # a key: no language
    ("en", "/check_balance", {}),  # a button
], ids=["after-a-choice", "same-language", "key", "button"])
def test_the_conversation_keeps_its_language(lang: str | None, text: str,
                                              slots: dict[str, Any]) -> None:
    events, _ = run(ActionService(), _said_in(lang, text, "check_balance", **slots))
    assert "language" not in slots_of(events)
    assert slots_of(events)["menu"] == "accounts_method"
    events, _ = run(ActionReply(), _said_in(lang, text, "goodbye", **slots))
    assert events == [{"event": "followup", "timestamp": None, "name": "utter_goodbye"}]


def test_choosing_a_language_fixes_it() -> None:
    events, _ = run(ActionSetLanguage(), tracker(
        {"language": "sq"}, intent="choose_language",
        entities=[{"entity": "language", "value": "sq"}]))
    assert slots_of(events)["language_chosen"] is True


def test_fourteen_balances_start_with_a_summary_and_the_choice() -> None:
    slots = {**_verified("all_currencies", "card_pin"), "output_mode": "voice",
             "caller_number": demo_customer("all_currencies").phone,
             "allowed_services": ["all_balances", "balances_email", "statement_email"]}
    events, dispatcher = run(ActionService(), tracker(slots, intent="check_all_balances"))
    summary = dispatcher.messages[0]
    assert summary["response"] == "utter_balances_summary"
    assert (summary["accounts"], summary["currencies"]) == ("fourteen accounts",
                                                           "seven currencies")
    assert slots_of(events)["menu"] == "all_balances_summary"
    assert _menu_message(dispatcher)["custom"]["keys"] == {
        "1": "/check_all_balances", "2": "/balances_email", "7": "/go_back", "8": "/main_menu"}
    # 1 (or asking again there): all of them
    events, dispatcher = run(ActionService(), tracker(
        {**slots, "menu": "all_balances_summary"}, intent="check_all_balances"))
    assert responses(dispatcher) == ["utter_all_balances"]
    assert dispatcher.messages[0]["balances"].count(";") == 13
    assert slots_of(events)["menu"] == "all_balances_done"
    # 2: by email (no mail server here: the failure is said, the accounts menu offered)
    events, dispatcher = run(ActionService(), tracker(slots, intent="balances_email"))
    assert responses(dispatcher) == ["utter_email_failed"]


def test_two_balances_are_read_at_once() -> None:
    slots = _verified("registered_debit", "card_pin")
    events, dispatcher = run(ActionService(), tracker(slots, intent="check_all_balances"))
    assert responses(dispatcher) == ["utter_all_balances"]
    assert slots_of(events)["menu"] == "all_balances_done"


def test_a_hand_off_goes_on_the_agent_desk_with_a_masked_transcript(bank: Path) -> None:
    from bot.bank.contact_center import ContactCenter
    from bot.bank.db import session_factory
    from bot.payloads import conversation_reference

    parsed = {"intent": {"name": "greet"}}
    said = [{"event": "user", "text": "/greet", "timestamp": 1.0, "parse_data": parsed},
            {"event": "bot", "text": "Main menu.", "timestamp": 2.0},
            {"event": "user", "text": "my card 4111 1111 1111 1111, PIN 6274", "timestamp": 3.0,
             "parse_data": parsed}]
    track = tracker(intent="talk_to_agent", sender="web-" + "d" * 32)
    track.events = said
    run(ActionHandoff(), track)
    center = ContactCenter(session_factory(f"sqlite:///{bank}"))
    handoff = center.by_reference(conversation_reference("web-" + "d" * 32))
    assert handoff is not None and handoff.channel == "web" and handoff.reason == "talk_to_agent"
    assert [(line.who, line.text) for line in handoff.lines] == [
        ("assistant", "Main menu."),
        ("customer", "my card •••• •••• •••• ••••, PIN ••••"),
    ]


def _key(key: str, menu: str, **slots: Any) -> Tracker:
    digit = [{"entity": "digit", "value": key, "start": 0, "end": 1}]
    return tracker({"menu": menu, **slots}, intent="press_key", text=key, entities=digit)


def test_a_key_to_a_menu_is_answered_in_the_same_call() -> None:
    events, dispatcher = run(ActionMenuKey(), _key("1", "main"))
    assert not [e for e in events if e.get("event") == "followup"]  # no second round trip
    assert slots_of(events) == {"key_intent": "individual_customer", "menu": "individual"}
    assert _menu_message(dispatcher)["custom"]["menu"] == "individual"
    events, dispatcher = run(ActionMenuKey(), _key("2", "language"))
    assert slots_of(events)["language"] == "en" and slots_of(events)["menu"] == "main"
    assert _menu_message(dispatcher)["text"] == "Main menu."


def test_a_key_to_an_agent_hands_off_in_the_same_call() -> None:
    events, dispatcher = run(ActionMenuKey(), _key("0", "main", output_mode="voice",
                                                   caller_number="+355694109990"))
    assert not [e for e in events if e.get("event") == "followup"]
    assert responses(dispatcher) == ["utter_lost_card", "utter_tariff_notice"]
    assert dispatcher.messages[-1]["custom"]["handoff"]["reason"] == "lost_card"


def test_a_key_to_a_service_still_runs_the_service_after_it() -> None:
    """The services' verification forms are started by rules that follow `action_service`."""
    events, dispatcher = run(ActionMenuKey(), _key("1", "individual"))
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_service"}
    assert dispatcher.messages == []


def test_keys_are_answered_here_only_for_actions_the_rules_just_listen_after() -> None:
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["rules"]
    followed: dict[str, set[str]] = {}
    for rule in rules:
        steps = [step.get("action") for step in rule["steps"] if "action" in step]
        for before, after in zip(steps, steps[1:], strict=False):
            followed.setdefault(before, set()).add(after)
    for action in ANSWERED_HERE:
        assert followed.get(action) == {"action_listen"}, action
    assert {"card_form", "customer_number_form"} <= followed["action_service"]
    assert "action_service" not in ANSWERED_HERE  # its forms follow it: never answered here


@pytest.mark.parametrize(("action", "text", "intent"), [
    (ActionNavigate(), "main menu please", "main_menu"),
    (ActionHandoff(), "i want to talk to a person", "talk_to_agent"),
], ids=["navigate", "hand-off"])
def test_words_before_a_language_choice_switch_it_first(action: Any, text: str,
                                                        intent: str) -> None:
    events, dispatcher = run(action, _said_in("en", text, intent))
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "en"},
                      {"event": "followup", "timestamp": None, "name": action.name()}]
    assert dispatcher.messages == []  # answered by the run that follows, in English


def test_a_key_keeps_the_language_and_a_language_key_fixes_it() -> None:
    """Keys are answered inside action_menu_key and carry no language: no switch, no re-run."""
    events, _ = run(ActionMenuKey(), _key("1", "main"))
    assert "language" not in slots_of(events)
    events, _ = run(ActionMenuKey(), _key("2", "language"))
    assert slots_of(events)["language_chosen"] is True
