"""The real assistant for end-to-end tests: Rasa server, action server and SMTP sink processes,
on free loopback ports, with a fresh demo bank and tracker store in a temporary folder (`stack`);
and the assistant as `bot run` starts it (`assistant`: test_faults.py, then test_run_command.py,
whose last test stops it)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.ops.children import terminate
from bot.ops.stack import Stack, init_demo_bank, latest_model, running, scratch_config
from bot.voice.prompt_cache import PromptCache
from bot.voice.services import VoiceServices
from bot.voice.tts import Synthesizer
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


class RunningAssistant:
    """`bot run` in a fresh var folder on free ports; `output` collects what it prints."""

    def __init__(self, process: subprocess.Popen[str], env: dict[str, str], var_dir: Path,
                 output: list[str]) -> None:
        self.process = process
        self.env = env
        self.var_dir = var_dir
        self.output = output
        self.rasa_url = f"http://127.0.0.1:{env['BOT_RASA_PORT']}"
        self.sip_port = int(env["BOT_SIP_PORT"])

    def child(self, module: str) -> int:
        """The pid of the service `bot run` started as `python -m <module>`."""
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                parent = next(line for line in status.read_text().splitlines()
                              if line.startswith("PPid:")).split()[1]
                command = (status.parent / "cmdline").read_bytes().split(b"\0")
            except (OSError, StopIteration):
                continue
            if int(parent) == self.process.pid and module.encode() in command:
                return int(status.parent.name)
        raise LookupError(f"no {module} under bot run")


def _read_until(process: subprocess.Popen[str], needle: str, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        if needle in line:
            return lines
    pytest.fail(f"`bot run` never printed {needle!r}:\n{''.join(lines)}")


@pytest.fixture(scope="session")
def assistant(model: Path, tmp_path_factory: pytest.TempPathFactory,
              ) -> Iterator[RunningAssistant]:
    var_dir = tmp_path_factory.mktemp("run-var")
    first_rtp = free_port() & ~1
    env = dict(
        os.environ,
        RASA_TELEMETRY_ENABLED="false",
        BOT_VAR_DIR=str(var_dir),
        BOT_RASA_PORT=str(free_port()),
        BOT_ACTION_PORT=str(free_port()),
        BOT_SMTP_PORT=str(free_port()),
        BOT_SIP_PORT=str(free_port()),
        BOT_SIP_RTP_PORTS=f"{first_rtp}-{first_rtp + 20}",
        # a request waiting on a locked bank gives up after 6 s, not 2, so that test_faults
        # can tell it from other conversations' turns on a busy machine
        BOT_DB_LOCK_WAIT_S="6",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=PROJECT_ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output = _read_until(process, "Phone calls:", timeout=360)
        threading.Thread(target=lambda: output.extend(process.stdout), daemon=True).start()
        yield RunningAssistant(process, env, var_dir, output)
    finally:
        terminate(process, timeout=60)
