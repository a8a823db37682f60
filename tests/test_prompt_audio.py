"""Prompts a caller can bear: every menu, as the phone line says it, within 12 s of audio.

Rendered by the line's own synthesizer (espeak-ng through bot.voice.tts); the length of the
audio is deterministic for a text, voice and pace, so this is a budget, not a timed test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.services import MAX_READ_OUT_SECONDS, balances_read_out, needs_summary
from bot.bank.demo import DEMO_CUSTOMERS
from bot.bank.repository import AccountBalance
from bot.designer.prompt_audio import MAX_MENU_PROMPT_SECONDS, menu_prompt_seconds
from bot.menus import load_menus
from bot.voice.prompt_cache import PromptCache
from bot.voice.tts import Synthesizer
from tests.support import response_text


@pytest.fixture(scope="module")
def synthesizer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesizer]:
    folder: Path = tmp_path_factory.mktemp("prompts")
    with Synthesizer(cache=PromptCache(folder)) as synth:
        yield synth


def test_every_menu_prompt_is_heard_within_12_seconds(synthesizer: Synthesizer) -> None:
    seconds = menu_prompt_seconds(synthesizer)
    assert len(seconds) == 2 * len(load_menus())  # every menu, in both languages
    too_long = {key: round(value, 1) for key, value in seconds.items()
                if value > MAX_MENU_PROMPT_SECONDS}
    assert too_long == {}


def test_the_budget_is_measured_in_audio(synthesizer: Synthesizer) -> None:
    """A prompt with every item of the longest menu said the old way ("Press N for ..." each
    time) is over the budget: the measure would catch a prompt that grew back."""
    currency = load_menus()["currency"]
    old_way = " ".join(f"Press {item.key} for {item.title['en']}." for item in currency.items)
    seconds = menu_prompt_seconds(synthesizer, [currency], ["en"])[("currency", "en")]
    assert seconds < MAX_MENU_PROMPT_SECONDS
    longer = len(synthesizer.render_blocking(
        f"Choose the currency of the statement. {old_way}", "en")) / 8000
    assert longer > MAX_MENU_PROMPT_SECONDS


def _demo_accounts() -> list[AccountBalance]:
    return [AccountBalance("x", a.kind, a.currency, a.balance)
            for customer in DEMO_CUSTOMERS for a in customer.accounts]


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_balances_are_read_at_once_only_when_that_takes_about_20_seconds_at_most(
        synthesizer: Synthesizer, lang: str) -> None:
    """The estimate behind the summary-first rule, held to the rendered audio: every customer
    of the demo bank, and the demo's longest balances to say, one to four of them."""
    accounts = _demo_accounts()
    by_length = sorted(accounts, key=lambda a: len(balances_read_out([a], lang, True)))
    sets = [by_length[-n:] for n in range(1, 5)]
    sets += [[AccountBalance("x", a.kind, a.currency, a.balance) for a in customer.accounts]
             for customer in DEMO_CUSTOMERS if customer.accounts]
    read_at_once = []
    for chosen in sets:
        sentence = response_text("utter_all_balances", lang, "voice",
                                 balances=balances_read_out(chosen, lang, True))
        seconds = len(synthesizer.render_blocking(sentence, lang)) / 8000
        if needs_summary(chosen, lang):
            assert seconds > MAX_READ_OUT_SECONDS - 3, (len(chosen), seconds)  # not too eager
        else:
            read_at_once.append(len(chosen))
            assert seconds <= MAX_READ_OUT_SECONDS + 1, (len(chosen), seconds)
    assert 2 in read_at_once and 14 not in read_at_once  # Elira's two; Erion's fourteen
