"""Phone calls through the SIP gateway to the real assistant (the session-scoped `stack`).

A scripted phone (tests/sip/caller.py) calls the gateway on loopback, keys by RFC 4733 when the
voice session asks, records what it hears, and plays the transferee's part of a REFER. The voice
session is the real one, keypad-first (no recognition model), with the real synthesizer.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.bank.demo import demo_customer
from bot.ops.phone_service import voice_session_factory
from bot.ops.stack import Stack
from bot.sip.call import CallContext
from bot.sip.refer import conversation_reference, refer_target
from bot.voice import g711
from bot.voice.assistant import AssistantClient
from bot.voice.call_io import CallOutput
from bot.voice.services import VoiceServices
from tests.e2e.conftest import TRUST_KEY
from tests.sip import baresip
from tests.sip.baresip import best_match
from tests.sip.caller import Caller
from tests.sip.gateway_support import start_gateway

AGENT_URI = "sip:agent@127.0.0.1:5070"


async def until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


class Line:
    """The gateway wired to the real assistant, and the sessions it made."""

    def __init__(self, stack: Stack, services: VoiceServices) -> None:
        self.stack, self.services, self.sessions = stack, services, []

    async def __aenter__(self) -> Line:
        self.assistant = AssistantClient(self.stack.config.rasa_url, TRUST_KEY)
        real = voice_session_factory(self.assistant, self.services)

        def make(context: CallContext, output: CallOutput):  # noqa: ANN202
            session = real(context, output)
            self.sessions.append(session)
            return session

        self.gateway = await start_gateway(make, queues={"agent": AGENT_URI,  # type: ignore
                                                         "pos_support": "sip:pos@127.0.0.1"})
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.gateway.stop()
        await self.assistant.close()

    async def answered(self, expect: str) -> None:
        await until(lambda: bool(self.sessions) and self.sessions[0].awaiting == expect)

    async def step(self, caller: Caller, keys: str, expect: str | None) -> None:
        """Press `keys` and wait until the session has the next turn's prompt up."""
        session = self.sessions[0]
        count = session.prompt_count
        await caller.press_all(keys)
        await until(lambda: session.prompt_count > count and session.awaiting == expect)


def test_registered_caller_verifies_by_keys_and_hears_the_balance(
        stack: Stack, services: VoiceServices) -> None:
    elira = demo_customer("registered_debit")

    async def main() -> tuple[Caller, object, list]:
        async with Line(stack, services) as line:
            caller = Caller(line.gateway.address, number=elira.phone)
            await caller.call()
            await line.answered("menu:language")
            session = line.sessions[0]
            await line.step(caller, "2", "menu:main")  # English
            await line.step(caller, "1", "menu:individual")
            await line.step(caller, "2", "menu:accounts_method")  # current accounts
            await line.step(caller, "2", "collect:customer_number")  # registered: customer no.
            await line.step(caller, elira.customer_number, "menu:accounts")
            heard_before = len(caller.heard)
            await line.step(caller, "1", "menu:linked_balance_done")  # the linked balance
            await asyncio.wait_for(session.listening.wait(), 20)  # heard out
            await asyncio.sleep(0.3)
            await caller.hangup()
            await until(lambda: not line.gateway.calls, 5)
            return caller, session, caller.heard[heard_before:]

    caller, session, heard = asyncio.run(main())
    said = [line.text for line in session.transcript if line.who == "assistant"]
    found = [text for text in said if "available balance of the current account" in text]
    assert found, said
    balance = found[-1]
    assert session.caller_id == elira.phone
    # Digits keyed for the customer number are in the transcript as sent (not secret); the
    # PIN never is. The phone heard the balance sentence as the synthesizer renders it.
    pcm = services.synthesizer.render_blocking(balance, "en", sample_rate=8000)
    expected = g711.decode(g711.encode(pcm, caller.codec), caller.codec)
    recorded = g711.decode(b"".join(payload for _, payload in heard), caller.codec)
    score, _ = best_match(recorded, expected)
    assert score > 0.9, score


def test_lost_card_is_transferred_to_the_agent_queue_by_refer(
        stack: Stack, services: VoiceServices) -> None:
    async def main() -> tuple[Caller, object, list]:
        async with Line(stack, services) as line:
            caller = Caller(line.gateway.address, number="+355694109990")
            await caller.call()
            await line.answered("menu:language")
            await line.step(caller, "1", "menu:main")  # Albanian
            await caller.press("0")  # lost card
            await asyncio.wait_for(caller.bye_received.wait(), 30)
            await until(lambda: not line.gateway.calls, 5)
            return caller, line.sessions[0], line.gateway.records

    caller, session, records = asyncio.run(main())
    assert caller.requests == ["REFER", "BYE"]
    # the agent's phone gets a reference to the conversation (RFC 7433), not its id
    reference = conversation_reference(session.sender)
    assert caller.refer_to == [f"<{refer_target(AGENT_URI, reference)}>"]
    assert session.sender not in caller.refer_to[0]
    (record,) = records
    assert record.outcome == "transferred" and record.transfer_queue == "agent"
    said = " ".join(line.text for line in session.transcript if line.who == "assistant")
    assert "kartën e humbur" in said




@pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip not installed")
def test_baresip_caller_hears_the_assistants_greeting(
        stack: Stack, services: VoiceServices, tmp_path: Path) -> None:
    seconds = 6
    arben = demo_customer("registered_credit")
    baresip.prepare(tmp_path, arben.phone, seconds)

    async def main() -> object:
        async with Line(stack, services) as line:
            host, port = line.gateway.address
            await baresip.call(tmp_path, f"sip:bank@{host}:{port}", seconds)
            await until(lambda: not line.gateway.calls, 5)
            return line.sessions[0]

    session = asyncio.run(main())
    assert session.caller_id == arben.phone
    first = next(line.text for line in session.transcript if line.who == "assistant")
    render = services.synthesizer.render_blocking(first, "sq", sample_rate=8000, fixed=True)
    expected = g711.decode(g711.encode(render, "PCMA"), "PCMA")[: 8000 * 2]  # its first 2 s
    score, offset = best_match(baresip.heard(tmp_path), expected)
    assert score > 0.95, (score, first)
    assert offset < 8000 * 2
