"""The web chat page in a real browser (Debian's Chromium, headless), on the real assistant.

The page is served by the Rasa server itself (bot/channels/webchat.py) and talks to it over the
socket.io channel; the `stack` fixture runs Rasa, the action server and the SMTP sink with a fresh
demo bank. Each test is a web user: no caller ID, so the unregistered-caller rules apply.
"""

from __future__ import annotations

import asyncio
import http.client
import http.server
import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from bot.bank.access import CardKind
from bot.bank.demo import demo_customer
from bot.channels.webchat import bot_event, web_metadata
from bot.designer.screenshots import chromium
from bot.i18n.money import write_amount
from bot.menus import menu_for
from bot.ops.stack import Stack, init_demo_bank, running, scratch_config
from bot.voice.services import VoiceServices
from tests.e2e.conftest import TRUST_KEY
from tests.e2e.test_sip_calls import Line, until
from tests.sip.caller import Caller
from tests.support import free_port

WAIT_MS = 20_000
DOTS = "••••"
FAQ_ABROAD_EN = "You can use BKT Internet Banking from outside Albania too"
UNREACHABLE = {
    "sq": "Asistenti nuk mund të arrihet — po rilidhemi…",
    "en": "The assistant is unreachable — reconnecting…",
}


IDLE_SECONDS = 25  # BOT_WEB_IDLE_SECONDS of this module's assistant
BANK_SITE_PORT = free_port()  # a bank page embedding the widget (test_embed...) is served here
AGENT, AGENT_PASSWORD = "agent.ana", "correct horse battery"
STARTUP_SECONDS = 600  # loading the model takes 30 s on a quiet machine, minutes on a busy one


@pytest.fixture(scope="module")
def stack(model: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The assistant for this module: short idle time, the bank site's origin, one agent."""
    config = scratch_config(tmp_path_factory.mktemp("web"), model, trust_key_hex=TRUST_KEY.hex())
    config.extra_env.update(BOT_WEB_IDLE_SECONDS=str(IDLE_SECONDS),
                            BOT_WEB_ORIGINS=f"http://127.0.0.1:{BANK_SITE_PORT}")
    init_demo_bank(config)
    added = subprocess.run(
        [sys.executable, "-m", "bot", "agents", "add", AGENT, "--password-stdin"],
        input=AGENT_PASSWORD + "\n", env=config.environment(), capture_output=True, text=True,
        timeout=60, check=False)
    assert added.returncode == 0, added.stderr
    with sqlite3.connect(config.var_dir / "bank.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM desk_agents WHERE name = ?",
                               (AGENT,)).fetchone()
    assert AGENT_PASSWORD not in stored and stored.startswith("scrypt$32768$")
    with running(config, timeout=STARTUP_SECONDS) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=WAIT_MS)
    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def say(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def bot_says(page: Page, text: str, times: int = 1) -> None:
    """Wait until `text` is in `times` bot bubbles."""
    expect(page.locator(".chat-entry-bot .chat-bubble", has_text=text)).to_have_count(times)


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def titles(menu: str, lang: str) -> list[str]:
    return [button["title"] for button in menu_for(menu).buttons(lang)]


@pytest.mark.rasa
@pytest.mark.slow
def test_english_faq_wrong_then_right_pin_balance_and_reload(page: Page, stack: Stack) -> None:
    elira = demo_customer("registered_debit")
    card = elira.card(CardKind.DEBIT)
    wrong_pin = "0000" if card.pin != "0000" else "1111"
    linked = next(account for account in elira.accounts if account.linked)
    balance = write_amount(linked.balance, linked.currency, "en")  # as bot/i18n writes it
    assert balance.startswith("64,210") and balance.endswith(" ALL")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []  # script errors and Content-Security-Policy violations
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    url = f"{stack.config.rasa_url}/webchat/"

    page.goto(url)
    # The page greets by itself; the language menu comes as buttons from menus.yml.
    expect(page.locator(".chat-button")).to_have_count(2)
    expect(page.locator(".chat-button")).to_have_text(titles("language", "sq"))
    expect(page.get_by_role("alert")).to_be_hidden()

    button(page, "2 · English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(button(page, "EN")).to_have_attribute("aria-pressed", "true")
    bot_says(page, "Main menu.")
    expect(page.locator(".chat-button")).to_have_text(titles("main", "en"))

    say(page, "can I use internet banking from abroad?")
    bot_says(page, FAQ_ABROAD_EN)

    button(page, "1 · Individual customer").click()
    button(page, "2 · Current account information").click()
    button(page, "1 · Card number and PIN").click()  # the 1 / 2 choice every caller gets

    # A web user has no caller ID: card number + PIN, both typed in a hidden field.
    for attempt, pin in enumerate((wrong_pin, card.pin), start=1):
        bot_says(page, "Please enter the 16-digit number", times=attempt)
        expect_secret_input(page)
        say(page, card.spaced if attempt == 1 else card.number)
        bot_says(page, "Now enter the card's 4-digit PIN", times=attempt)
        expect_secret_input(page)
        say(page, pin)
        expect(page.locator(".chat-entry-user .chat-bubble").last).to_have_text(re.compile(DOTS))
        assert not re.search(r"\d", page.locator(".chat-entry-user .chat-bubble").last.inner_text())
    bot_says(page, "We could not verify those card details.")
    bot_says(page, "Thank you, you are verified.")
    expect(page.locator("#chat-input")).to_have_attribute("type", "text")
    expect(page.locator(".chat-bubble-secret")).to_have_count(4)

    button(page, "1 · Debit card account balance").click()
    bot_says(page, f"linked to your debit card is {balance}.")
    expect(page.locator(".chat-button")).to_have_text(titles("linked_balance_done", "en"))
    assert_no_secret_shown(page, card.number, card.spaced, [card.pin, wrong_pin])

    # A reload keeps the transcript and continues the same (verified) conversation.
    transcript = page.locator(".chat-entry").all_inner_texts()
    page.reload()
    expect(page.locator("#chat-status")).to_have_attribute("data-state", "online")
    assert page.locator(".chat-entry").all_inner_texts() == transcript
    button(page, "1 · Repeat").click()
    bot_says(page, f"linked to your debit card is {balance}.", times=2)
    assert_no_secret_shown(page, card.number, card.spaced, [card.pin, wrong_pin])

    # Everything the page loaded came from the assistant's own server: no CDN, no internet.
    origin = urlsplit(stack.config.rasa_url).netloc
    assert requested and {urlsplit(address).netloc for address in requested} == {origin}
    assert errors == []


def expect_secret_input(page: Page) -> None:
    field = page.locator("#chat-input")
    expect(field).to_have_attribute("type", "password")
    expect(field).to_have_attribute("autocomplete", "off")
    expect(field).to_have_attribute("inputmode", "numeric")
    expect(field).to_have_value("")


def assert_no_secret_shown(page: Page, number: str, spaced: str, pins: list[str]) -> None:
    """Neither the screen, the page's markup nor what it keeps in storage holds a secret."""
    shown = page.locator("body").inner_text()
    kept = page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    for text in (shown, page.content(), kept):
        assert number not in text and spaced not in text and number[-12:] not in text
        for pin in pins:
            assert not re.search(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])", text), f"PIN {pin}"
    assert "bank-webchat.transcript" in kept  # the check above did look at the transcript


class Relay:
    """A TCP relay in front of the Rasa server that a test can cut and restore: an outage."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    def up(self) -> None:
        self._run(self._up())

    def down(self) -> None:
        self._run(self._down())

    def close(self) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _up(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _relay(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter):
        try:
            rasa_in, rasa_out = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_out.transport.abort()
            return
        self._open |= {client_out, rasa_out}
        await asyncio.gather(_pipe(client_in, rasa_out), _pipe(rasa_in, client_out))
        self._open -= {client_out, rasa_out}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.mark.rasa
@pytest.mark.slow
def test_unreachable_assistant_shows_a_banner_and_reconnects_by_itself(
    page: Page, stack: Stack
) -> None:
    relay = Relay(stack.config.rasa_port)
    relay.up()
    try:
        page.goto(f"http://127.0.0.1:{relay.port}/webchat/")
        button(page, "1 · Shqip").wait_for()
        banner = page.get_by_role("alert")
        expect(banner).to_be_hidden()

        relay.down()
        expect(banner).to_have_text(UNREACHABLE["sq"])
        expect(page.locator("#chat-status")).to_have_attribute("data-state", "offline")
        # Switching the language while offline: the banner follows; the choice waits to be sent.
        button(page, "EN").click()
        expect(banner).to_have_text(UNREACHABLE["en"])
        # nobody is typing while the assistant cannot be reached
        expect(page.locator(".chat-entry-typing")).to_have_count(0)

        relay.up()
        expect(banner).to_be_hidden()
        expect(page.locator("#chat-status")).to_have_attribute("data-state", "online")
        bot_says(page, "Main menu.")
        expect(page.locator(".chat-button")).to_have_text(titles("main", "en"))
        button(page, "1 · Individual customer").click()
        bot_says(page, "Individual customers.")
        # A hand-off payload is announced in words, never shown as data.
        button(page, "0 · Talk to an agent").click()
        bot_says(page, "We are connecting you to a Contact Center agent.")
        expect(page.locator(".chat-entry-notice")).to_have_text("Connecting you to an agent…")
        assert "handoff" not in page.locator("body").inner_text()
    finally:
        relay.close()


def test_a_bot_response_reaches_the_widget_as_one_event() -> None:
    menu = menu_for("main")
    sent = bot_event(
        {
            "text": "Main menu.",
            "buttons": menu.buttons("en"),
            "custom": {"menu": "main", "lang": "en"},
            "recipient_id": "x",
        }
    )
    assert sent == {
        "text": "Main menu.",
        "buttons": menu.buttons("en"),
        "custom": {"menu": "main", "lang": "en"},
    }


def test_a_web_page_cannot_claim_a_caller_id() -> None:
    claimed = {
        "caller_id": "+355694102047",
        "caller_id_sig": "00",
        "voice_channel": True,
        "language": "en",
    }
    assert web_metadata(claimed) == {"language": "en"}
    assert web_metadata("not a mapping") == {}


class RawClient:
    """A socket.io client that is not the widget: what an attacker on the network runs."""

    def __init__(self, url: str, origin: str | None = None) -> None:
        import socketio

        self.received: list[dict[str, Any]] = []
        self.confirmed: list[dict[str, Any]] = []
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.received.append)
        self.client.on("session_confirm", self.confirmed.append)
        headers = {"Origin": origin} if origin else {}
        self.client.connect(url, transports=["polling"], headers=headers, wait_timeout=10)

    def session(self, session_id: str | None, secret: str | None = None) -> dict[str, Any]:
        count = len(self.confirmed)
        self.client.emit("session_request", {"session_id": session_id, "secret": secret})
        wait_for(lambda: len(self.confirmed) > count)
        return self.confirmed[-1]

    def say(self, text: str, session_id: str | None = None) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": session_id,
                                          "metadata": {"language": "en"}})

    def close(self) -> None:
        self.client.disconnect()


def wait_for(condition: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def session_of(page: Page) -> dict[str, str]:
    return json.loads(page.evaluate("() => sessionStorage.getItem('bank-webchat.session')"))


@pytest.mark.rasa
@pytest.mark.slow
def test_another_client_cannot_join_a_web_conversation_or_send_too_much(
    page: Page, stack: Stack
) -> None:
    page.goto(f"{stack.config.rasa_url}/webchat/")
    button(page, "2 · English").click()
    bot_says(page, "Main menu.")
    victim = session_of(page)
    assert re.fullmatch(r"web-[0-9a-f]{32}", victim["id"]) and len(victim["secret"]) >= 40

    attacker = RawClient(stack.config.rasa_url)
    try:
        # Knowing the id is not enough: no secret, or a wrong one, gets a conversation of its own.
        for secret in (None, "x" * 43, victim["secret"][:-1] + "A"):
            confirmed = attacker.session(victim["id"], secret)
            assert confirmed["session_id"] != victim["id"]
        # A message naming the victim's id goes to the attacker's own conversation.
        attacker.say("1", session_id=victim["id"])
        wait_for(lambda: attacker.received)
        # The victim's page got nothing of it, and the victim's next answer reaches only them.
        entries = page.locator(".chat-entry").count()
        button(page, "1 · Individual customer").click()
        bot_says(page, "Individual customers.")
        time.sleep(1)
        assert page.locator(".chat-entry").count() == entries + 2
        assert not any("Individual customers." in event.get("text", "")
                       for event in attacker.received)

        # An over-long message never reaches the assistant; the answer is in the user's language.
        before = len(attacker.received)
        attacker.say("a" * 5000)
        wait_for(lambda: len(attacker.received) > before)
        assert attacker.received[-1]["text"] == (
            "That message is too long for me (over 1,000 characters). Please send a shorter one.")
        # ...and the assistant is still there for everyone.
        button(page, "0 · Talk to an agent").wait_for()
    finally:
        attacker.close()

    # Another site may not open the widget's socket.io connection.
    import socketio

    with pytest.raises(socketio.exceptions.ConnectionError):
        RawClient(stack.config.rasa_url, origin="https://evil.example")
    allowed = RawClient(stack.config.rasa_url, origin=f"http://127.0.0.1:{BANK_SITE_PORT}")
    allowed.close()


@pytest.mark.rasa
@pytest.mark.slow
def test_masking_labels_language_place_second_tab_and_end_chat(page: Page, stack: Stack) -> None:
    url = f"{stack.config.rasa_url}/webchat/"
    page.goto(url)
    button(page, "2 · English").click()
    bot_says(page, "Main menu.")
    button(page, "1 · Individual customer").click()
    # focus stays in the conversation, not on the page body
    assert page.evaluate("() => document.activeElement.id") == "chat-input"
    bot_says(page, "Individual customers.")
    expect(page.locator(".chat-entry-bot .chat-speaker").last).to_have_text("Assistant:")
    expect(page.locator(".chat-entry-user .chat-speaker").last).to_have_text("You:")
    expect(page.locator(".chat-entry-user time").first).to_have_attribute(
        "datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))

    # A PIN typed anywhere is masked; words are not.
    say(page, "my pin is 6274 ok")
    expect(page.locator(".chat-entry-user .chat-bubble").last).to_have_text(
        re.compile("my pin is ••••.*ok"))
    assert "6274" not in page.content()
    stored = page.evaluate("() => JSON.stringify({...sessionStorage})")
    # (each line's time, in ms since 1970, may hold those digits by chance: not a PIN)
    assert "6274" not in re.sub(r'\\*"at\\*":\d+', "", stored)

    # The header switch keeps the place: the same menu, now in Albanian.
    button(page, "SQ").click()
    bot_says(page, menu_for("individual").prompt["sq"])
    expect(page.locator(".chat-button")).to_have_text(titles("individual", "sq"))

    # A second tab starts its own conversation and does not disturb the first.
    before = page.locator(".chat-entry").all_inner_texts()
    second = page.context.new_page()
    second.goto(url)
    expect(second.locator(".chat-button")).to_have_count(2)
    assert session_of(second)["id"] != session_of(page)["id"]
    time.sleep(1)
    assert page.locator(".chat-entry").all_inner_texts() == before
    second.close()

    # Free text at a card prompt stays readable.
    button(page, "EN").click()
    bot_says(page, "Individual customers.", times=2)
    button(page, "2 · Current account information").click()
    button(page, "1 · Card number and PIN").click()
    bot_says(page, "Please enter the 16-digit number")
    say(page, "I don't have my card with me")
    expect(page.locator(".chat-entry-user .chat-bubble").last).to_have_text(
        "I don't have my card with me")

    # End chat: the conversation ends on the server and the page starts afresh.
    old = session_of(page)["id"]
    button(page, "End chat").click()
    expect(page.locator(".chat-entry-notice").first).to_have_text(
        "The chat has ended. Your verification was cleared.")
    expect(page.locator(".chat-button")).to_have_count(2)
    assert session_of(page)["id"] != old


def asks_for_the_card_again(page: Page, times: int = 1) -> None:
    """From the language menu to the accounts: the card number is asked for (not verified)."""
    button(page, "2 · English").click()
    button(page, "1 · Individual customer").click()
    button(page, "2 · Current account information").click()
    button(page, "1 · Card number and PIN").click()
    bot_says(page, "Please enter the 16-digit number", times)


@pytest.mark.rasa
@pytest.mark.slow
def test_a_verified_chat_ends_with_the_tab_end_chat_or_idleness(page: Page, stack: Stack) -> None:
    """Issue 14, defect 1: a verified session never outlives the customer."""
    card = demo_customer("registered_debit").card(CardKind.DEBIT)
    url = f"{stack.config.rasa_url}/webchat/"
    page.goto(url)
    verify_with_card(page, card)

    # The browser reopened (a new tab: what the page stores outlives only the tab): not verified.
    reopened = page.context.new_page()
    reopened.goto(url)
    asks_for_the_card_again(reopened)
    reopened.close()

    # End chat: verification is gone on the server, and the page starts afresh.
    button(page, "End chat").click()
    expect(page.locator(".chat-entry-notice").first).to_have_text(
        "The chat has ended. Your verification was cleared.")
    asks_for_the_card_again(page)

    # Idle for longer than BOT_WEB_IDLE_SECONDS: verification is dropped, and the page says so
    # without the customer typing.
    say(page, card.number)
    bot_says(page, "Now enter the card's 4-digit PIN")
    say(page, card.pin)
    bot_says(page, "Thank you, you are verified.")
    time.sleep(IDLE_SECONDS + 2)
    expect(page.locator(".chat-entry-notice", has_text=re.compile(
        "For your security the chat started again after a few minutes without activity"))
    ).to_have_count(1)
    asks_for_the_card_again(page)


def sign_in(agent: Page, url: str, password: str = AGENT_PASSWORD) -> None:
    agent.goto(url)
    agent.get_by_label("Name").fill(AGENT)
    agent.get_by_label("Password").fill(password)
    agent.get_by_role("button", name="Sign in").click()


def verify_with_card(customer: Page, card: Any) -> None:
    """English, individual customers, current accounts, card + PIN: the accounts menu."""
    button(customer, "2 · English").click()
    button(customer, "1 · Individual customer").click()
    button(customer, "2 · Current account information").click()
    button(customer, "1 · Card number and PIN").click()
    bot_says(customer, "Please enter the 16-digit number")
    say(customer, card.number)
    bot_says(customer, "Now enter the card's 4-digit PIN")
    say(customer, card.pin)
    bot_says(customer, "Thank you, you are verified.")


@pytest.mark.rasa
@pytest.mark.slow
def test_an_agent_takes_over_a_verified_web_customer_across_a_restart_and_hands_back(
        browser: Browser, stack: Stack) -> None:
    elira = demo_customer("registered_debit")
    card = elira.card(CardKind.DEBIT)
    customer_context = browser.new_context()
    agent_context = browser.new_context()
    try:
        customer = customer_context.new_page()
        customer.goto(f"{stack.config.rasa_url}/webchat/")
        verify_with_card(customer, card)
        button(customer, "0 · Talk to an agent").click()
        expect(customer.locator(".chat-entry-notice")).to_have_text("Connecting you to an agent…")
        # the menu shown before the hand-off is gone; no phone wording in a web chat
        expect(customer.locator(".chat-button")).to_have_count(0)
        assert "operator" not in customer.locator("body").inner_text()

        agent = agent_context.new_page()
        sign_in(agent, f"{stack.config.rasa_url}/agent/", "wrong password!")
        expect(agent.get_by_role("alert")).to_have_text("Wrong name or password.")
        sign_in(agent, f"{stack.config.rasa_url}/agent/")
        # Earlier tests may have left their own hand-offs waiting: open each until this one.
        handoffs = agent.locator(".desk-handoff[data-channel=web]", has_text="waiting")
        expect(handoffs.first).to_be_visible()
        context = agent.locator("#desk-context")
        for index in range(handoffs.count()):
            handoffs.nth(index).click()
            if elira.full_name in context.inner_text():
                break
        expect(context).to_contain_text(
            f"{elira.full_name}, by card and PIN, card ending {card.number[-4:]}")
        expect(context).to_contain_text("Web chat")
        expect(context).to_contain_text("en")
        transcript = agent.locator("#desk-transcript")
        expect(transcript).to_contain_text("Thank you, you are verified.")
        expect(transcript).to_contain_text("Customer:" + "•" * 16)  # the card number, masked
        assert_no_secret_shown_to_agent(agent, card.number, card.pin)
        agent.get_by_role("button", name="Accept").click()
        expect(customer.locator(".chat-entry-notice").last).to_have_text(
            f"Agent {AGENT} joined the chat.")

        reply(agent, "Hello, how can I help?")
        expect(customer.locator(".chat-entry-agent .chat-bubble")).to_have_text(
            "Hello, how can I help?")
        expect(customer.locator(".chat-entry-agent .chat-speaker")).to_have_text(f"Agent {AGENT}")
        bot_lines = customer.locator(".chat-entry-bot").count()
        say(customer, "I lost my wallet, PIN 1234")
        expect(transcript).to_contain_text("I lost my wallet, PIN ••••")
        time.sleep(1)  # the assistant stays silent while the agent holds the conversation
        assert customer.locator(".chat-entry-bot").count() == bot_lines

        # The Rasa server restarts: both pages reconnect by themselves, the agent still holds
        # the conversation (it is in the bank database), and the talk goes on.
        stack.restart("rasa", timeout=STARTUP_SECONDS)
        expect(customer.locator("#chat-status")).to_have_attribute("data-state", "online")
        expect(agent.locator("#desk-status")).to_have_attribute("data-state", "online")
        say(customer, "Are you still there?")
        expect(transcript).to_contain_text("Are you still there?")
        reply(agent, "Yes, still here.")
        expect(customer.locator(".chat-entry-agent .chat-bubble").last).to_have_text(
            "Yes, still here.")
        assert customer.locator(".chat-entry-bot").count() == bot_lines
        assert_no_secret_shown_to_agent(agent, card.number, card.pin)

        agent.get_by_role("button", name="End and return to the assistant").click()
        expect(customer.locator(".chat-entry-notice").last).to_have_text(
            "The agent has left the chat. You are back with the assistant.")
        say(customer, "main menu")  # the assistant answers again, still verified
        bot_says(customer, "Main menu.", times=2)
    finally:
        customer_context.close()
        agent_context.close()


def reply(agent: Page, text: str) -> None:
    agent.get_by_label("Reply to the customer").fill(text)
    agent.get_by_label("Reply to the customer").press("Enter")


def assert_no_secret_shown_to_agent(agent: Page, number: str, pin: str) -> None:
    for text in (agent.locator("body").inner_text(), agent.content()):
        assert number not in text and number[-12:] not in text
        assert not re.search(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])", text), "PIN shown"


@pytest.mark.rasa
@pytest.mark.slow
def test_a_phone_handoff_pops_up_on_the_desk_by_the_reference_its_refer_carried(
        browser: Browser, stack: Stack, services: VoiceServices) -> None:
    """A real call through the SIP gateway: the caller verifies by customer number and asks
    for an agent; the gateway transfers by REFER with an RFC 7433 User-to-User reference; the
    agent's desk finds the call by what the agent's phone shows."""
    elira = demo_customer("registered_debit")

    async def call() -> Any:
        async with Line(stack, services) as line:
            caller = Caller(line.gateway.address, number=elira.phone)
            await caller.call()
            await line.answered("menu:language")
            await line.step(caller, "2", "menu:main")  # English
            await line.step(caller, "1", "menu:individual")
            await line.step(caller, "2", "menu:accounts_method")
            await line.step(caller, "2", "collect:customer_number")
            await line.step(caller, elira.customer_number, "menu:accounts")
            await caller.press("0")  # talk to an agent
            await asyncio.wait_for(caller.bye_received.wait(), 30)
            await until(lambda: not line.gateway.calls, 5)
            return caller

    with ThreadPoolExecutor(1) as thread:  # Playwright's own event loop runs in this thread
        caller = thread.submit(asyncio.run, call()).result(timeout=240)
    (refer_to,) = caller.refer_to
    found = re.search(r"[?&]User-to-User=([^&>]+)", refer_to)
    assert found, refer_to
    shown_on_phone = unquote(found.group(1))  # the header the agent's phone receives
    assert shown_on_phone.endswith(";encoding=hex;purpose=conversation-ref")

    agent_context = browser.new_context()
    try:
        agent = agent_context.new_page()
        sign_in(agent, f"{stack.config.rasa_url}/agent/")
        # The phone call waits on the desk like a web chat...
        expect(agent.locator(".desk-handoff[data-channel=phone]").first).to_be_visible()
        # ...and the reference on the agent's phone finds it: typed, or in the desk's address.
        agent.get_by_label("Call reference (User-to-User on your phone)").fill(shown_on_phone)
        agent.get_by_role("button", name="Find").click()
        expect(agent.locator("#desk-lookup-result")).to_have_text(
            f"Found: Phone, {elira.full_name}, by customer number.")
        context = agent.locator("#desk-context")
        expect(context).to_contain_text("Phone")
        expect(context).to_contain_text(shown_on_phone.split(";")[0])
        expect(agent.locator("#desk-transcript")).to_contain_text("Current accounts. Press 1")
        assert elira.customer_number not in agent.locator("body").inner_text()
        assert elira.phone not in agent.content()

        agent.goto(f"{stack.config.rasa_url}/agent/?ref={shown_on_phone.split(';')[0]}")
        expect(agent.locator("#desk-lookup-result")).to_have_text(
            f"Found: Phone, {elira.full_name}, by customer number.")
        agent.get_by_role("button", name="Accept").click()
        expect(context).to_contain_text(f"with {AGENT}")
        agent.get_by_role("button", name="Close this call").click()
        expect(context).to_contain_text("closed")

        agent.get_by_label("Call reference (User-to-User on your phone)").fill("0" * 32)
        agent.get_by_role("button", name="Find").click()
        expect(agent.locator("#desk-lookup-result")).to_have_text(
            "No hand-off has this reference.")
    finally:
        agent_context.close()


def post_sign_in(url: str, name: str, password: str, origin: str | None) -> tuple[int, str]:
    """POST the sign-in form as a browser would (or another site's page); (status, cookie)."""
    body = urlencode({"name": name, "password": password}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        headers["Origin"] = origin
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", "/agent/signin", body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status, (answer.getheader("Set-Cookie") or "").split(";")[0]
    finally:
        connection.close()


class DeskClient:
    """A socket.io client for the desk's events: what a script or another site would open."""

    def __init__(self, url: str, cookie: str | None, origin: str | None) -> None:
        import socketio

        self.events: list[tuple[str, Any]] = []
        self.client = socketio.Client(reconnection=False)
        for name in ("desk_you", "desk_refused", "desk_state"):
            self.client.on(name, lambda data, name=name: self.events.append((name, data)))
        headers = {key: value for key, value in (("Cookie", cookie), ("Origin", origin)) if value}
        self.client.connect(url, transports=["polling"], headers=headers, wait_timeout=10)

    def join(self) -> str:
        self.client.emit("desk_join", {})
        wait_for(lambda: any(name in ("desk_you", "desk_refused") for name, _ in self.events))
        self.client.disconnect()
        return next(name for name, _ in self.events if name in ("desk_you", "desk_refused"))


@pytest.mark.rasa
def test_desk_sign_in_refuses_other_sites_locks_out_guessing_and_guards_its_socket(
        stack: Stack) -> None:
    url = stack.config.rasa_url
    # Login CSRF: another site's form, or a post that names no page, is refused.
    assert post_sign_in(url, AGENT, AGENT_PASSWORD, "https://evil.example")[0] == 403
    assert post_sign_in(url, AGENT, AGENT_PASSWORD, None)[0] == 403
    # Guessing: five wrong passwords lock the name (any name: no account is revealed).
    for _ in range(5):
        assert post_sign_in(url, "mallory", "wrong password!", url)[0] == 401
    assert post_sign_in(url, "mallory", "wrong password!", url)[0] == 429
    status, cookie = post_sign_in(url, AGENT, AGENT_PASSWORD, url)
    assert status == 302 and cookie.startswith("bank_desk=")
    token = cookie.split("=", 1)[1]
    with sqlite3.connect(stack.config.var_dir / "bank.db") as db:
        stored = [row[0] for row in db.execute("SELECT token_hash FROM desk_sign_ins")]
    assert stored and token not in stored  # only a hash of the token is kept

    # The desk's socket: only with a live sign-in, and never from another site's page (the
    # bank's site may open the widget's socket.io, but not the desk).
    bank_site = f"http://127.0.0.1:{BANK_SITE_PORT}"
    assert DeskClient(url, cookie, None).join() == "desk_you"
    assert DeskClient(url, None, None).join() == "desk_refused"
    assert DeskClient(url, "bank_desk=forged", None).join() == "desk_refused"
    assert DeskClient(url, cookie, bank_site).join() == "desk_refused"


BANK_PAGE = """<!doctype html><html><head><title>Bank</title>
<style>:root {{ --bank-chat-brand: #123456; --bank-chat-size: 72px; }}</style></head>
<body><h1>Our bank</h1>
<script src="{server}/webchat/embed.js" data-server="{server}" data-label="Chat"
        data-brand="#004488"></script></body></html>"""


@pytest.mark.rasa
@pytest.mark.slow
def test_embed_script_opens_the_widget_on_a_bank_page(page: Page, stack: Stack) -> None:
    bank_site = f"http://127.0.0.1:{BANK_SITE_PORT}"
    body = BANK_PAGE.format(server=stack.config.rasa_url).encode()

    class BankSite(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    # Only the configured sites may frame the widget (BOT_WEB_ORIGINS).
    with urllib.request.urlopen(f"{stack.config.rasa_url}/webchat/",  # noqa: S310 (loopback)
                                timeout=10) as answer:
        policy = answer.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {bank_site};" in policy

    site = http.server.ThreadingHTTPServer(("127.0.0.1", BANK_SITE_PORT), BankSite)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        page.goto(f"{bank_site}/")
        launcher = page.get_by_role("button", name="Chat")
        # themed by the host page's CSS variables
        assert launcher.evaluate("element => getComputedStyle(element).backgroundColor") == (
            "rgb(18, 52, 86)")
        assert launcher.evaluate("element => getComputedStyle(element).width") == "72px"
        launcher.click()
        expect(launcher).to_have_attribute("aria-expanded", "true")
        frame = page.frame_locator("#bank-chat-panel")
        expect(frame.locator(".chat-button")).to_have_count(2)
        frame.get_by_role("button", name="2 · English", exact=True).click()
        expect(frame.locator(".chat-entry-bot .chat-bubble", has_text="Main menu.")
               ).to_have_count(1)
        brand = frame.locator("html").evaluate(
            "element => getComputedStyle(element).getPropertyValue('--brand').trim()")
        assert brand == "#004488"
        badge = page.locator("#bank-chat-badge")
        expect(badge).to_be_hidden()

        # Closed, then an answer arrives: the launcher shows it as unread.
        launcher.click()
        expect(launcher).to_have_attribute("aria-expanded", "false")
        widget = next(each for each in page.frames if "/webchat/" in each.url)
        widget.evaluate("""() => {
            document.getElementById('chat-input').value = 'main menu';
            document.getElementById('chat-form').requestSubmit();
        }""")
        expect(badge).to_have_text("1")
        expect(launcher).to_have_attribute("aria-label", "Chat (1)")
        launcher.click()  # opened again: read
        expect(badge).to_be_hidden()
        expect(frame.locator(".chat-entry-bot .chat-bubble", has_text="Main menu.")
               ).to_have_count(2)
    finally:
        site.shutdown()
