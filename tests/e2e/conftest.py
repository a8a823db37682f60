"""The real assistant for end-to-end tests: Rasa server, action server and SMTP sink processes,
on free loopback ports, with a fresh demo bank and tracker store in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.ops.stack import Stack, init_demo_bank, latest_model, running, scratch_config
from bot.voice.prompt_cache import PromptCache
from bot.voice.services import VoiceServices
from bot.voice.tts import Synthesizer
from tests.support import Conversation

TRUST_KEY = bytes(range(32))
CARD_KEY_HEX = "11" * 32


def _bot(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env, check=True,
                   timeout=1200)


@pytest.fixture(scope="session")
def model() -> Path:
    found = latest_model()
    if found is None:
        _bot("train", env=dict(os.environ, RASA_TELEMETRY_ENABLED="false"))
        found = latest_model()
    assert found is not None, "no trained model in models/"
    return found


@pytest.fixture(scope="session")
def stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    config = scratch_config(tmp_path_factory.mktemp("var"), model,
                            trust_key_hex=TRUST_KEY.hex(), card_key_hex=CARD_KEY_HEX)
    init_demo_bank(config)
    with running(config) as started:
        yield started


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoiceServices]:
    """The voice side of the SIP gateway, keypad only (no recognition model), with the real
    synthesizer."""
    synthesizer = Synthesizer(cache=PromptCache(tmp_path_factory.mktemp("prompts")), workers=2)
    voice = VoiceServices(synthesizer, models={"sq": None, "en": None})
    yield voice
    voice.close()


@pytest.fixture()
def web_user(stack: Stack) -> Conversation:
    """A web chat user: no caller ID."""
    return Conversation(stack.config.rasa_url)


@pytest.fixture()
def call_from(stack: Stack):
    """A phone call from a given number (None: withheld), with the gateway's signed caller ID."""

    def start(number: str | None) -> Conversation:
        return Conversation(stack.config.rasa_url, trust_key=TRUST_KEY, caller_id=number)

    return start
