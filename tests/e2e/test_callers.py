"""Issue 15 end to end, over the REST channel of the running assistant (Rasa + action server +
demo bank): the spec's access table row by row in both languages, the summary of a long
balances read-out, the language of text before any choice, FAQ answers written for the chat
and spoken for the phone, and keys pressed ahead of the prompts on a voice call.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.bank.access import CardKind
from bot.bank.demo import DEMO_OTHER_CUSTOMERS_NUMBER, DEMO_UNREGISTERED_PHONE, demo_customer
from bot.i18n import LANGUAGES
from bot.menus import menu_for
from bot.ops.stack import Stack
from bot.voice.assistant import AssistantClient
from bot.voice.call_io import CallerEvent, CallerHangup, CallerKey
from bot.voice.recorded import RecordingOutput
from bot.voice.session import VoiceSession
from bot.voice.tts import Synthesizer
from tests.e2e.conftest import TRUST_KEY
from tests.e2e.test_voice_session import (  # noqa: F401 (synthesizer: a fixture)
    ELIRA,
    services,
    synthesizer,
    until,
)
from tests.support import Conversation, response_text, start_in, verify_with_card

pytestmark = pytest.mark.rasa

LANGUAGE_KEY = {"sq": "1", "en": "2"}
NO_CARD_WORDS = {"sq": "nuk kam kartë", "en": "i don't have a card"}


def menu_payload(conversation: Conversation) -> dict[str, Any]:
    found = [reply["custom"] for reply in conversation.replies
             if isinstance(reply.get("custom"), dict) and "menu" in reply["custom"]]
    assert found, f"no menu in {conversation.replies}"
    return found[-1]


def offered(conversation: Conversation) -> set[str]:
    """The keys of the menu the assistant just offered."""
    return set(menu_payload(conversation)["keys"])


def heard(conversation: Conversation, name: str, lang: str, **values: Any) -> bool:
    """Whether the last turn said response `name` as the phone says it in `lang` (without
    `values`: its words up to the first slot)."""
    said = response_text(name, lang, "voice", **values)
    return (said if values else said.split("{")[0]) in conversation.text()


# --- the access table (spec section 2), each row in both languages, by phone -----------------


@dataclass(frozen=True)
class Row:
    """One row of the spec's table: who calls from where, how they verify, what they get."""

    name: str
    check: Callable[[Callable[[str | None], Conversation], str], None]


def _individual(call_from: Callable[[str | None], Conversation], number: str | None,
                lang: str) -> Conversation:
    call = call_from(number)
    start_in(call, LANGUAGE_KEY[lang])
    call.say("1")
    assert menu_payload(call)["menu"] == "individual" and menu_payload(call)["lang"] == lang
    return call


def _by_customer_number(call: Conversation, customer_number: str) -> None:
    call.say("2")  # current accounts
    assert menu_payload(call)["menu"] == "accounts_method"
    call.say("2")  # the customer number
    assert call.custom("collect")["slot"] == "customer_number"
    call.say(customer_number)


def _card_menu(call: Conversation, number: str, pin: str) -> None:
    """From the individual menu to the card menu with card number and PIN: every item."""
    call.say("1")
    verify_with_card(call, number, pin)
    assert menu_payload(call)["menu"] == "card" and offered(call) == {"1", "2", "3", "0", "8", "9"}


def row1(call_from: Callable[[str | None], Conversation], lang: str) -> None:
    """Registered number, credit card, card + PIN: the card menu and the whole accounts menu."""
    arben = demo_customer("registered_credit")
    card = arben.card(CardKind.CREDIT)
    call = _individual(call_from, arben.phone, lang)
    _card_menu(call, card.number, card.pin)
    assert heard(call, "utter_verified", lang)
    call.say("1")
    assert heard(call, "utter_credit_limit", lang)
    assert menu_payload(call)["menu"] == "credit_limit_done"
    for key in ("8", "1", "2"):  # main menu, individual, current accounts: no new question
        call.say(key)
    assert menu_payload(call)["menu"] == "accounts"
    assert offered(call) == {"1", "2", "3", "0", "8", "9"}


def row2(call_from: Callable[[str | None], Conversation], lang: str) -> None:
    """Registered number, debit card only, customer number: the accounts menu with the linked
    balance; the card menu needs a credit card."""
    elira = demo_customer("registered_debit")
    call = _individual(call_from, elira.phone, lang)
    _by_customer_number(call, elira.customer_number)
    assert menu_payload(call)["menu"] == "accounts" and "1" in offered(call)
    call.say("1")
    assert menu_payload(call)["menu"] == "linked_balance_done"
    for key in ("8", "1", "1"):  # main menu, individual, card information
        call.say(key)
    assert heard(call, "utter_needs_credit_card", lang)
    assert menu_payload(call)["menu"] == "accounts"


def row3(call_from: Callable[[str | None], Conversation], lang: str) -> None:
    """Registered number, no card, customer number: balances and statements, no linked
    balance (R2)."""
    gentian = demo_customer("registered_no_card")
    call = _individual(call_from, gentian.phone, lang)
    _by_customer_number(call, gentian.customer_number)
    assert menu_payload(call)["menu"] == "accounts" and offered(call) == {"2", "3", "0", "8", "9"}
    call.say("2")
    assert menu_payload(call)["menu"] == "all_balances_done"


def row4(call_from: Callable[[str | None], Conversation], lang: str) -> None:
    """Unregistered number, credit card, card + PIN: as the first row."""
    mirela = demo_customer("unregistered_credit")
    card = mirela.card(CardKind.CREDIT)
    call = _individual(call_from, DEMO_UNREGISTERED_PHONE, lang)
    _card_menu(call, card.number, card.pin)
    call.say("2")
    assert menu_payload(call)["menu"] == "last_transaction_done"


def row5(call_from: Callable[[str | None], Conversation], lang: str) -> None:
    """Unregistered number, debit card only: card + PIN, not the customer number."""
    ilir = demo_customer("unregistered_debit")
    card = ilir.card(CardKind.DEBIT)
    call = _individual(call_from, DEMO_UNREGISTERED_PHONE, lang)
    call.say("2")
    call.say("2")  # the customer number: not from an unregistered phone
    assert heard(call, "utter_method_not_allowed", lang)
    assert call.custom("collect")["slot"] == "card_number"
    verify_with_card(call, card.number, card.pin)
    assert menu_payload(call)["menu"] == "accounts" and "1" in offered(call)


def row6(call_from: Callable[[str | None], Conversation], lang: str) -> None:
    """Unregistered number, no card: nothing; an agent."""
    call = _individual(call_from, DEMO_UNREGISTERED_PHONE, lang)
    call.say("2")
    call.say("2")  # the customer number: not from this phone
    assert heard(call, "utter_method_not_allowed", lang)
    call.say(NO_CARD_WORDS[lang])
    assert heard(call, "utter_no_card_unregistered", lang)
    assert call.custom("handoff")["queue"] == "agent"


def row7(call_from: Callable[[str | None], Conversation], lang: str) -> None:
    """A number registered to another customer: nothing; an agent is offered (key 0)."""
    owner = demo_customer(DEMO_OTHER_CUSTOMERS_NUMBER.phone_owner)
    holder = demo_customer(DEMO_OTHER_CUSTOMERS_NUMBER.card_holder)
    card = holder.card(CardKind.CREDIT)
    call = _individual(call_from, owner.phone, lang)
    call.say("1")
    verify_with_card(call, card.number, card.pin)
    assert heard(call, "utter_other_customers_number", lang)
    assert menu_payload(call)["menu"] == "individual" and "0" in offered(call)
    assert call.custom("handoff") is None


ROWS = [Row("row1-registered-credit", row1), Row("row2-registered-debit", row2),
        Row("row3-registered-no-card", row3), Row("row4-unregistered-credit", row4),
        Row("row5-unregistered-debit", row5), Row("row6-unregistered-no-card", row6),
        Row("row7-another-customers-number", row7)]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_access_table_row(row: Row, lang: str, call_from) -> None:
    row.check(call_from, lang)


# --- a long read-out: the summary first ------------------------------------------------------

ERION = demo_customer("all_currencies")  # 14 accounts in 7 currencies


def test_fourteen_balances_are_summarised_first_on_the_phone(call_from) -> None:
    call = _individual(call_from, ERION.phone, "en")
    _by_customer_number(call, ERION.customer_number)
    call.say("2")  # balances in all currencies
    assert heard(call, "utter_balances_summary", "en", accounts="fourteen accounts",
                 currencies="seven currencies")
    assert "available balances" not in call.text()
    assert menu_payload(call)["menu"] == "all_balances_summary"
    assert offered(call) == {"1", "2", "7", "8"}
    assert menu_payload(call)["speech"].startswith("Press 1 to hear them all, 2 to get them by")
    call.say("1")  # hear them all
    assert call.text().count(";") == 13  # fourteen balances, read out
    assert menu_payload(call)["menu"] == "all_balances_done"
    call.say("1")  # again: all of them, not the summary
    assert call.text().count(";") == 13


def test_a_web_user_with_fourteen_accounts_gets_them_by_email(web_user: Conversation,
                                                            stack: Stack) -> None:
    card = ERION.card(CardKind.DEBIT)
    start_in(web_user, "1")
    web_user.say("1")
    web_user.say("2")
    verify_with_card(web_user, card.number, card.pin)
    web_user.say("2")
    assert response_text("utter_balances_summary", "sq", accounts="14 llogari",
                         currencies="7 monedha") in web_user.text()
    assert web_user.buttons()[:2] == ["1 · Të gjitha balancat", "2 · Balancat me email"]
    before = set(stack.config.mail_dir.glob("*.eml"))
    web_user.say("/balances_email")  # the button
    assert response_text("utter_balances_sent", "sq", email="e•••@example.com") in (
        web_user.text())
    new = sorted(set(stack.config.mail_dir.glob("*.eml")) - before)
    assert len(new) == 1
    sent = email.message_from_bytes(new[0].read_bytes(), policy=email.policy.default)
    assert sent["To"] == ERION.email
    (attachment,) = sent.iter_attachments()
    rows = attachment.get_payload(decode=True).decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 15 and rows[1].endswith(",243560.00,ALL")  # exact, every account


def test_two_balances_are_read_out_at_once(call_from) -> None:
    elira = demo_customer("registered_debit")
    call = _individual(call_from, elira.phone, "en")
    _by_customer_number(call, elira.customer_number)
    call.say("2")
    assert "The available balances of your accounts" in call.text()
    assert menu_payload(call)["menu"] == "all_balances_done"


# --- the language of text written before any language choice --------------------------------


def test_english_text_before_a_language_choice_is_answered_in_english(web_user: Conversation,
                                                                     stack: Stack) -> None:
    web_user.say("/greet")
    web_user.say("what is my balance")
    assert menu_payload(web_user)["menu"] == "accounts_method"
    assert menu_payload(web_user)["lang"] == "en"
    assert "How will you identify yourself?" in web_user.text()
    # an English question: the English answer, written for the chat
    other = Conversation(stack.config.rasa_url)
    other.say("/greet")
    other.say("i forgot my e-banking password")
    assert other.text() == response_text("utter_faq/forgot_credentials", "en")


def test_albanian_text_keys_and_a_choice_keep_albanian(web_user: Conversation,
                                                      stack: Stack) -> None:
    web_user.say("/greet")
    web_user.say("dua të di gjendjen e llogarisë")
    assert menu_payload(web_user)["lang"] == "sq"
    keys = Conversation(stack.config.rasa_url)
    keys.say("/greet")
    keys.say("1")  # a key has no language: Albanian, the default
    assert menu_payload(keys)["lang"] == "sq" and menu_payload(keys)["menu"] == "main"
    keys.say("what is my balance")  # after a choice, the choice holds
    assert menu_payload(keys)["lang"] == "sq"


# --- FAQ answers: written for the chat, spoken on the phone ------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_faq_answer_is_written_in_the_chat_and_spoken_on_the_phone(lang: str, web_user,
                                                                   call_from) -> None:
    question = {"sq": "kam harruar fjalekalimin e internet banking",
                "en": "i forgot my e-banking password"}[lang]
    start_in(web_user, LANGUAGE_KEY[lang])
    web_user.say(question)
    assert "(0)4 22 66 288" in web_user.text()
    assert web_user.text() == response_text("utter_faq/forgot_credentials", lang, "text")
    call = call_from(DEMO_UNREGISTERED_PHONE)
    start_in(call, LANGUAGE_KEY[lang])
    call.say(question)
    assert call.text() == response_text("utter_faq/forgot_credentials", lang, "voice")
    assert not re.search(r"[0-9()]", call.text())


# --- keys pressed ahead of the prompts -----------------------------------------------------------


def test_keys_pressed_ahead_cut_every_prompt_and_are_acted_on_in_turn(
        stack: Stack, synthesizer: Synthesizer) -> None:  # noqa: F811 (the fixture)
    """A caller who knows the way presses 2 (English), 1 (individual), 2 (current accounts)
    during the welcome: each prompt is cut off, each key answered in the menu it was meant
    for, and the caller reaches the identification question having heard a fraction of the
    prompts on the way."""

    async def run() -> tuple[VoiceSession, RecordingOutput]:
        output = RecordingOutput(8000, realtime=True)
        assistant = AssistantClient(stack.config.rasa_url, TRUST_KEY)
        session = VoiceSession(assistant=assistant, output=output, caller_id=ELIRA.phone,
                               services=services(synthesizer))
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        running = asyncio.ensure_future(session.run(events))
        await until(lambda: output.playing)
        for key in "212":
            events.put_nowait(CallerKey(key))
        await until(lambda: session.awaiting == "menu:accounts_method")
        events.put_nowait(CallerHangup())
        await running
        await assistant.close()
        return session, output

    session, output = asyncio.run(asyncio.wait_for(run(), 60))
    # the welcome was cut by the first key; the menus after it were cut before or while they
    # played (a prompt not yet started when the next key came is not played at all)
    assert output.played and not any(item.complete for item in output.played)
    full = sum(len(synthesizer.render_blocking(menu_for(name).spoken(lang), lang)) / 8000
               for name, lang in (("language", "sq"), ("main", "en"), ("individual", "en")))
    heard_seconds = sum(len(item.pcm) for item in output.played) / 8000
    assert heard_seconds < full / 2
    assert session.language == "en" and output.interrupts >= 1
