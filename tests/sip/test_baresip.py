"""A call from baresip: the phone hears the prompt the session played, as rendered by TTS."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.voice import g711
from bot.voice.prompt_cache import PromptCache
from bot.voice.tts import Synthesizer
from tests.sip import baresip
from tests.sip.gateway_support import Sessions, start_gateway

pytestmark = pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip not installed")
PROMPT = "Mirë se erdhët. Për shqip shtypni një. For English press two."


def test_baresip_caller_hears_the_rendered_prompt(tmp_path: Path) -> None:
    with Synthesizer(cache=PromptCache(tmp_path / "prompts"), workers=1) as synthesizer:
        prompt = synthesizer.render_blocking(PROMPT, "sq", sample_rate=8000)
    seconds = int(len(prompt) / 8000) + 3
    baresip.prepare(tmp_path / "phone", "+355694102031", seconds)
    sessions = Sessions(greeting=prompt)

    async def main() -> str:
        gateway = await start_gateway(sessions)
        try:
            host, port = gateway.address
            output = await baresip.call(tmp_path / "phone", f"sip:bank@{host}:{port}", seconds)
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return output
        finally:
            await gateway.stop()

    output = asyncio.run(main())
    (session,) = sessions.made
    assert session.context.caller_id == "+355694102031", output[-2000:]
    assert session.played == [True]  # heard out before baresip hung up
    assert session.ended_by == "caller_hangup"
    assert session.audio_samples > 8000  # the phone's microphone reached the session
    heard = baresip.heard(tmp_path / "phone")
    # What a perfect line delivers: the render after the negotiated codec (PCMA by default).
    expected = g711.decode(g711.encode(prompt, "PCMA"), "PCMA")
    score, offset = baresip.best_match(heard, expected)
    assert score > 0.95, (score, offset)
    assert offset < 8000 * 2  # began within 2 s of answering
