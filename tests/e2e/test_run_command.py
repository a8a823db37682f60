"""`bot run`, the README's run command, starts every service: web chat, REST, SIP gateway.

The other end-to-end tests share a stack started by the test fixture; these talk to the
assistant started exactly as an operator does (`python -m bot run`, the `assistant` fixture in
conftest.py, shared with test_faults.py) and end by stopping it as an operator does.
`bot chat` and `bot talk`, as the README writes them, run next to it (issue 15).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from tests.e2e.conftest import RunningAssistant, _read_until
from tests.support import free_port, run_bot


def test_web_chat_page_and_rest_channel_answer(assistant: RunningAssistant) -> None:
    with urllib.request.urlopen(f"{assistant.rasa_url}/webchat/", timeout=10) as page:  # noqa: S310
        assert "<html" in page.read().decode().lower()
    body = json.dumps({"sender": "run-test", "message": "hi"}).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{assistant.rasa_url}/webhooks/rest/webhook", data=body,
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        replies = json.loads(response.read())
    text = " ".join(reply.get("text", "") for reply in replies)
    assert "shtypni 1" in text.lower() and "press 2" in text.lower()  # the language menu
    assert (assistant.var_dir / "bank.db").exists()  # the demo bank was made on first run


def test_sip_gateway_takes_a_call_from_sipp(assistant: RunningAssistant, tmp_path: Path) -> None:
    result = subprocess.run(
        ["sipp", f"127.0.0.1:{assistant.sip_port}", "-sn", "uac", "-s", "bank", "-m", "1",
         "-i", "127.0.0.1", "-p", str(free_port()), "-nostdin", "-timeout", "20s",
         "-timeout_error"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout[-2000:]
    log = assistant.var_dir / "logs" / "sip.log"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and " outcome=" not in log.read_text():
        time.sleep(0.2)
    call_lines = [line for line in log.read_text().splitlines() if " outcome=" in line]
    assert len(call_lines) == 1 and "outcome=caller_hangup" in call_lines[0], call_lines


def _listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses a TCP socket listens on at `port` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_services_listen_on_loopback_only(assistant: RunningAssistant) -> None:
    for name in ("BOT_ACTION_PORT", "BOT_RASA_PORT", "BOT_SMTP_PORT"):
        assert _listening_addresses(int(assistant.env[name])) == {"127.0.0.1"}, name


def _logs(var_dir: Path) -> str:
    return "".join(path.read_text(errors="replace") for path in (var_dir / "logs").glob("*.log"))


def test_bot_chat_uses_the_running_assistant(assistant: RunningAssistant) -> None:
    logs_before = _logs(assistant.var_dir)
    result = run_bot("chat", env=assistant.env, typed="hi\n2\n1\nquit\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"bot chat: using the assistant already running at {assistant.rasa_url} "
            "(nothing started)") in result.stdout
    assert "bot: Main menu." in result.stdout and "1 · Individual customer" in result.stdout
    assert "bot: Individual customers." in result.stdout  # the typed key, in that menu
    assert "Traceback" not in result.stderr
    new_in_logs = _logs(assistant.var_dir)[len(logs_before):]
    assert "Traceback" not in new_in_logs and "already in use" not in new_in_logs


def test_bot_talk_calls_the_running_assistant(assistant: RunningAssistant) -> None:
    result = run_bot("talk", "--keys", "2", "--caller", "+355694102047", env=assistant.env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"bot talk: using the assistant already running at {assistant.rasa_url} "
            "(nothing started)") in result.stdout
    assert "Main menu. Press 0 for a lost or stolen card" in result.stdout


def test_sigterm_stops_every_service(assistant: RunningAssistant) -> None:
    os.killpg(assistant.process.pid, signal.SIGTERM)
    assert assistant.process.wait(timeout=60) is not None
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{assistant.rasa_url}/", timeout=3)  # noqa: S310


@pytest.mark.slow
def test_bot_chat_with_no_assistant_running_starts_its_own_on_loopback(
        tmp_path: Path) -> None:
    """No `bot run`: `bot chat` starts an assistant of its own on free loopback ports (not the
    ones `bot run` would take), says so, chats, and stops it."""
    idle_port = free_port()  # where `bot run` would serve: nothing there
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", BOT_VAR_DIR=str(tmp_path),
               BOT_RASA_PORT=str(idle_port))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat"], cwd=PROJECT_ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        said = _read_until(process, "it stops when you leave", timeout=60)[-1]
        ports = [int(port) for port in re.findall(r"(?:127\.0\.0\.1:|:)(\d+)", said)]
        assert idle_port in ports and len(set(ports)) == 3  # the idle one, Rasa, actions
        assert process.stdin is not None
        process.stdin.write("hi\n2\n")
        process.stdin.flush()
        _read_until(process, "bot: Main menu.", timeout=360)
        for port in set(ports) - {idle_port}:
            assert _listening_addresses(port) == {"127.0.0.1"}, port
        process.stdin.write("quit\n")
        process.stdin.flush()
        assert process.wait(timeout=60) == 0
        for port in set(ports) - {idle_port}:
            assert _listening_addresses(port) == set(), port  # stopped with the chat
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
