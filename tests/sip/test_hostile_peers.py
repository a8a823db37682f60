"""The gateway against hostile peers on loopback (issue 11): spoofed caller ID, floods, RTP
injection, unacknowledged answers. Sources other than 127.0.0.1 are other loopback addresses
(127.0.0.2, 127.0.0.3: Linux answers the whole 127.0.0.0/8), i.e. untrusted peers."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.sip.caller import Caller
from tests.sip.gateway_support import Sessions, start_gateway

DEMO_NUMBER = "+355691234567"


def test_a_spoofed_invite_from_an_untrusted_source_is_an_unregistered_caller(
        caplog: pytest.LogCaptureFixture) -> None:
    sessions = Sessions()

    async def main() -> tuple[list, str, str]:
        gateway = await start_gateway(sessions)
        spoofer = Caller(gateway.address, number=DEMO_NUMBER, host="127.0.0.2")
        trunk = Caller(gateway.address, number=DEMO_NUMBER)
        try:
            for caller in (spoofer, trunk):
                await caller.call()
                await asyncio.sleep(0.1)
                await caller.hangup()
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return list(gateway.records), spoofer.call_id, trunk.call_id
        finally:
            spoofer.close()
            trunk.close()
            await gateway.stop()

    with caplog.at_level(logging.INFO, logger="bot.sip"):
        records, spoofed_call, trunk_call = asyncio.run(main())
    spoofed, trusted = sessions.made
    assert spoofed.context.caller_id is None  # the session sees an unregistered line
    assert trusted.context.caller_id == DEMO_NUMBER  # the trusted peer (loopback) is believed
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.sip.calls"]
    spoofed_line = next(line for line in lines if spoofed_call in line)
    assert "caller=withheld" in spoofed_line
    assert "caller_id_refused=untrusted_peer:127.0.0.2" in spoofed_line
    assert f"claimed={DEMO_NUMBER}" in spoofed_line
    trusted_line = next(line for line in lines if trunk_call in line)
    assert f"caller={DEMO_NUMBER}" in trusted_line and "refused" not in trusted_line
    assert {record.call_id for record in records} == {spoofed_call, trunk_call}
