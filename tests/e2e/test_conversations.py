"""Whole conversations with the running assistant over HTTP (Rasa server + action server).

Each test is a caller or web user going through the menus as the spec numbers them, with keys,
typed digits or free text, and checks what they are told.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import sqlite3
from pathlib import Path

from bot.bank.access import CardKind
from bot.bank.demo import DEMO_UNKNOWN_CARD, DEMO_UNREGISTERED_PHONE, demo_customer
from bot.ops.stack import Stack
from bot.voice.turns import read_turn
from tests.support import Conversation, start_in, verify_with_card


def test_unregistered_debit_caller_asking_credit_limit_gets_accounts_menu(call_from) -> None:
    ilir = demo_customer("unregistered_debit")
    call = call_from(DEMO_UNREGISTERED_PHONE)
    start_in(call, "2")
    call.say("1")
    assert call.custom("menu") == "individual"
    call.say("what is my credit card limit")
    verify_with_card(call, ilir.card(CardKind.DEBIT).spaced, ilir.card(CardKind.DEBIT).pin)
    assert "The card menu is for customers with a credit card" in call.text()
    assert call.custom("menu") == "accounts"


def test_lost_card_reaches_an_agent_without_verification(web_user: Conversation,
                                                          stack: Stack) -> None:
    start_in(web_user, "1")
    web_user.say("0")
    assert "Për kartën e humbur ose të vjedhur po ju lidhim direkt me një agjent" in web_user.text()
    handoff = web_user.custom("handoff")
    assert handoff["queue"] == "agent" and handoff["reason"] == "lost_card"
    with sqlite3.connect(stack.config.var_dir / "bank.db") as db:
        queue, reason = db.execute("SELECT queue, reason FROM handoffs WHERE id = ?",
                                   (handoff["id"],)).fetchone()
    assert (queue, reason) == ("agent", "lost_card")


def test_registered_caller_gets_statement_by_email_with_customer_number(call_from,
                                                                         stack: Stack) -> None:
    arben = demo_customer("registered_credit")
    call = call_from(arben.phone)
    start_in(call, "2")
    call.say("1")
    call.say("2")  # current accounts
    assert call.custom("menu") == "accounts_method"
    call.say("2")  # customer number
    assert call.custom("collect")["slot"] == "customer_number"
    call.say(arben.customer_number)
    assert "you are verified" in call.text()
    assert call.custom("menu") == "accounts"
    call.say("3")
    assert call.custom("menu") == "currency"
    before = set(stack.config.mail_dir.glob("*.eml"))
    call.say("2")  # euro
    # on the phone the masked address is said, not spelt with signs
    assert "statement of your" in call.text() and "a, at example dot al" in call.text()
    sent = _new_mail(stack.config.mail_dir, before)
    assert sent["To"] == arben.email
    attachments = [part.get_filename() for part in sent.iter_attachments()]
    assert attachments == ["statement-EUR.csv"]


def test_wrong_pin_then_right_pin_then_balance(web_user: Conversation) -> None:
    elira = demo_customer("registered_debit")
    card = elira.card(CardKind.DEBIT)
    start_in(web_user, "2")
    web_user.say("1")
    web_user.say("2")  # the 1 / 2 method choice; a web user then takes card + PIN
    wrong = "0000" if card.pin != "0000" else "1111"
    verify_with_card(web_user, card.number, wrong)
    assert "could not verify those card details" in web_user.text()
    assert "Attempts left: 2." in web_user.text()
    verify_with_card(web_user, card.number, card.pin)
    assert web_user.custom("menu") == "accounts"
    web_user.say("1")
    assert "64,210.40 ALL" in web_user.text()  # exact, to the qindarka
    assert web_user.custom("menu") == "linked_balance_done"


def test_unknown_card_and_wrong_pin_get_the_same_answer(web_user: Conversation,
                                                        stack: Stack) -> None:
    mirela = demo_customer("unregistered_credit")
    answers = []
    for number in (DEMO_UNKNOWN_CARD, mirela.card(CardKind.CREDIT).number):
        user = Conversation(stack.config.rasa_url)
        start_in(user, "2")
        user.say("card information")
        verify_with_card(user, number, "0101")
        answers.append(user.text())
    assert answers[0] == answers[1]


def test_web_user_cannot_claim_a_phone_number(stack: Stack) -> None:
    arben = demo_customer("registered_credit")
    forged = Conversation(stack.config.rasa_url, trust_key=b"not the gateway's key" + b"0" * 11,
                          caller_id=arben.phone)
    forged.say("/greet")
    # a message with a forged signature never reaches the conversation
    assert forged.status == 403
    assert "continues only on the phone line" in forged.text() or "linja telefonike" in (
        forged.text())


def test_registered_caller_hears_spoken_amounts(call_from) -> None:
    arben = demo_customer("registered_credit")
    card = arben.card(CardKind.CREDIT)
    call = call_from(arben.phone)
    start_in(call, "1")
    call.say("1")
    call.say("1")  # card information
    verify_with_card(call, card.number, card.pin)
    assert call.custom("menu") == "card"
    call.say("1")
    assert ("Limiti i aprovuar i kartës suaj të kreditit është treqind mijë lekë" in call.text())
    assert call.custom("menu") == "credit_limit_done"
    call.say("7")
    assert call.custom("menu") == "card"


def test_tracker_store_holds_no_pin_or_card_number(stack: Stack, web_user: Conversation) -> None:
    elira = demo_customer("registered_debit")
    card = elira.card(CardKind.DEBIT)
    start_in(web_user, "2")
    web_user.say("1")
    web_user.say("2")
    verify_with_card(web_user, card.number, card.pin)
    stored = (stack.config.var_dir / "tracker.db").read_bytes()
    assert card.number.encode() not in stored
    assert card.spaced.encode() not in stored
    with sqlite3.connect(stack.config.var_dir / "tracker.db") as db:
        texts = " ".join(row[0] for row in db.execute("SELECT data FROM events"))
    assert f'"{card.pin}"' not in texts and f" {card.pin}" not in texts


def _new_mail(folder: Path, before: set[Path]) -> email.message.EmailMessage:
    new = sorted(set(folder.glob("*.eml")) - before)
    assert len(new) == 1, f"expected one new email, found {len(new)}"
    return email.message_from_bytes(new[0].read_bytes(), _class=email.message.EmailMessage,
                                    policy=email.policy.default)


def test_goodbye_is_said_and_marks_the_end_of_a_call(call_from) -> None:
    call = call_from(DEMO_UNREGISTERED_PHONE)
    start_in(call, "2")
    call.say("that's all, goodbye")
    assert "Thank you for calling BKT. Goodbye!" in call.text()
    assert read_turn(call.replies).goodbye  # the voice session hangs up after saying it
