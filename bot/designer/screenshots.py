"""`bot webchat-screenshots`: pictures of the web chat page at the moments a reviewer looks at.

Starts the assistant as `bot run` does (bot.ops.stack), but on free ports with a fresh demo bank in
a temporary folder, then drives the page in Debian's Chromium (Playwright, no browser download)
through a conversation as an English-speaking web user: language menu, an FAQ answer, the PIN
field, the balance, and the same conversation at phone width. The browser settings are shared
with the end-to-end test (tests/e2e/test_webchat.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.ops.stack import init_demo_bank, latest_model, running, scratch_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 30_000


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def take_screenshots(out: Path) -> list[Path]:
    """Start the assistant with a fresh demo bank, photograph the page, stop; the PNG paths."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="webchat-screenshots-") as tmp:
        from bot.ops.commands import train

        config = scratch_config(Path(tmp), latest_model() or train())
        init_demo_bank(config)
        with running(config), chromium() as browser:
            return _photograph(browser, f"{config.rasa_url}/webchat/", out)


def _photograph(browser: Browser, url: str, out: Path) -> list[Path]:
    from bot.bank.access import CardKind
    from bot.bank.demo import demo_customer

    card = demo_customer("registered_debit").card(CardKind.DEBIT)
    shots: list[Path] = []
    page = browser.new_page(viewport=DESKTOP)
    page.set_default_timeout(WAIT_MS)

    def shot(name: str) -> None:
        page.wait_for_timeout(300)  # let the last bubble scroll into view
        path = out / f"{len(shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path))
        shots.append(path)

    def say(text: str) -> None:
        page.get_by_role("textbox").fill(text)
        page.get_by_role("textbox").press("Enter")

    page.goto(url)
    page.get_by_role("button", name="2 · English", exact=True).wait_for()
    shot("language-menu")

    page.get_by_role("button", name="2 · English", exact=True).click()
    page.get_by_role("button", name="1 · Individual customer", exact=True).wait_for()
    say("can I use internet banking from abroad?")
    page.get_by_text("from outside Albania").wait_for()
    shot("faq-answer")

    page.get_by_role("button", name="1 · Individual customer", exact=True).click()
    page.get_by_role("button", name="2 · Current account information", exact=True).click()
    page.get_by_text("16-digit number").wait_for()
    say(card.spaced)
    page.get_by_text("4-digit PIN").wait_for()
    page.locator("#chat-input[type=password]").fill(card.pin)
    shot("pin-field-masked")

    page.locator("#chat-input").press("Enter")
    page.get_by_role("button", name="1 · Debit card account balance", exact=True).click()
    page.get_by_text("available balance").wait_for()
    shot("balance")

    page.set_viewport_size(PHONE)
    shot("phone-width")

    unreachable = browser.new_page(viewport=PHONE)
    unreachable.route("**/socket.io/**", lambda route: route.abort())
    unreachable.goto(url)
    unreachable.get_by_role("alert").wait_for(timeout=WAIT_MS)
    path = out / f"{len(shots) + 1:02d}-unreachable-phone.png"
    unreachable.screenshot(path=str(path))
    shots.append(path)
    return shots
