"""The web chat page in a real browser (Debian's Chromium, headless), on the real assistant.

The page is served by the Rasa server itself (bot/channels/webchat.py) and talks to it over the
socket.io channel; the `stack` fixture runs Rasa, the action server and the SMTP sink with a fresh
demo bank. Each test is a web user: no caller ID, so the unregistered-caller rules apply.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Coroutine, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from bot.bank.access import CardKind
from bot.bank.demo import demo_customer
from bot.channels.webchat import bot_event, web_metadata, web_session_id
from bot.designer.screenshots import chromium
from bot.i18n.money import write_amount
from bot.menus import menu_for
from bot.ops.stack import Stack
from tests.support import free_port

WAIT_MS = 20_000
DOTS = "••••"
FAQ_ABROAD_EN = "You can use BKT Internet Banking from outside Albania too"
UNREACHABLE = {
    "sq": "Asistenti nuk mund të arrihet — po rilidhemi…",
    "en": "The assistant is unreachable — reconnecting…",
}


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
        expect(page.locator(".chat-entry-user").last).to_have_text(re.compile(DOTS))
        assert not re.search(r"\d", page.locator(".chat-entry-user").last.inner_text())
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


def test_a_web_page_cannot_claim_a_caller_id_or_another_channels_conversation() -> None:
    claimed = {
        "caller_id": "+355694102047",
        "caller_id_sig": "00",
        "voice_channel": True,
        "language": "en",
    }
    assert web_metadata(claimed) == {"language": "en"}
    assert web_metadata("not a mapping") == {}
    own = web_session_id(None)
    assert own.startswith("web-") and web_session_id(own) == own
    for foreign in ("test-" + "a" * 32, "+355694102047", "web-../../x", 42):
        assert web_session_id(foreign) not in (foreign, own)
