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
from bot.runner import Stack, StackConfig, latest_model, running
from tests.support import Conversation, free_port

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
    var_dir = tmp_path_factory.mktemp("var")
    config = StackConfig(
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir / 'bank.db'}",
        tracker_db=f"sqlite:///{var_dir / 'tracker.db'}",
        model=model,
        rasa_port=free_port(),
        action_port=free_port(),
        smtp_port=free_port(),
        extra_env={"BOT_TRUST_KEY": TRUST_KEY.hex(), "BOT_CARD_KEY": CARD_KEY_HEX},
    )
    _bot("db", "init", "--demo", "--database-url", config.database_url,
         env=config.environment())
    with running(config) as started:
        yield started


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
