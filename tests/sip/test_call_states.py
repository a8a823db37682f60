"""One incoming call, one object with explicit states: ringing -> answered -> confirmed -> ended."""

from __future__ import annotations

import asyncio

from bot.sip.call import CallState
from bot.sip.message import SipResponse, parse_message
from tests.sip.gateway_support import RawPeer, Sessions, start_gateway
from tests.sip.test_hostile_peers import _invite


def _in_dialog(method: str, ok: SipResponse, peer: RawPeer, cseq: int) -> bytes:
    return (f"{method} sip:bank@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{peer.port};branch=z9hG4bK{method}{cseq};rport\r\n"
            f"From: {ok.headers.get('From')}\r\nTo: {ok.headers.get('To')}\r\n"
            f"Call-ID: {ok.call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def test_a_call_goes_through_its_states_and_the_gateway_only_routes() -> None:
    sessions = Sessions()

    async def main() -> list[object]:
        gateway = await start_gateway(sessions, answer_delay=0.3)
        peer = RawPeer()
        seen: list[object] = []
        try:
            received = await peer.exchange(_invite(peer, "states", "127.0.0.1"),
                                           gateway.address, wait=0.1)
            call = gateway.calls["states"]
            seen.append(call.state)  # 100, 180: ringing
            received += await peer.exchange(b"", gateway.address, wait=0.4)
            seen.append(call.state)  # our 200 is out, repeated
            oks = [m for m in map(parse_message, received)
                   if isinstance(m, SipResponse) and m.status == 200]
            seen.append(len(oks) >= 2)  # retransmitted until the ACK
            await peer.exchange(_in_dialog("ACK", oks[0], peer, 1), gateway.address, wait=0.3)
            seen.append(call.state)
            seen.append(len(sessions.made))
            bye = await peer.exchange(_in_dialog("BYE", oks[0], peer, 2), gateway.address)
            seen.append([m.status for m in map(parse_message, bye) if isinstance(m, SipResponse)
                         and m.cseq.method == "BYE"])
            await asyncio.wait_for(gateway.idle.wait(), 5)
            seen.append(call.state)
            seen.append("states" in gateway.calls)
            return seen
        finally:
            peer.close()
            await gateway.stop()

    assert asyncio.run(main()) == [CallState.RINGING, CallState.ANSWERED, True,
                                   CallState.CONFIRMED, 1, [200], CallState.ENDED, False]
